//! `backup`, `backup check` and `restore` through the real binary: a backup
//! restores and verifies; bad secrets and files are refused; a backup
//! process killed at any moment leaves the previous backup intact.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;

/// The bare binary with the test passphrase and no vault (restoring needs none).
fn bare(args: &[&str], data: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_consent-ledger"))
        .args(args)
        .env("CONSENT_LEDGER_PASSPHRASE", PASS)
        .env("CONSENT_LEDGER_DATA_DIR", data)
        .env_remove("CONSENT_LEDGER_VAULT")
        .output()
        .unwrap()
}

#[test]
fn a_backup_restores_and_bad_ones_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let data = dir.with_extension("app-data");
    let file = tmp.path().join("acme.clbackup");
    let made = json(&cli(&dir, &["--json", "backup", "--out", file.to_str().unwrap()]));
    let events = made["manifest"]["tree_size"].as_u64().unwrap();
    // Made on locking: the witness note saw nothing it lacks.
    let checked = json(&bare(&["--json", "backup", "check", file.to_str().unwrap()], &data));
    assert_eq!((checked["events"].as_u64(), checked["missing"].as_u64()), (Some(events), Some(0)));
    let into = tmp.path().join("restored");
    let r = json(&bare(&["--json", "restore", file.to_str().unwrap(), "--into", into.to_str().unwrap()], &data));
    assert_eq!(r["dir"].as_str(), Some(into.to_str().unwrap()));
    ok(&cli(&into, &["verify"]));
    // Again into the same folder: refused, it is a vault now.
    let again = bare(&["restore", file.to_str().unwrap(), "--into", into.to_str().unwrap()], &data);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("not empty"), "{}", text(&again.stderr));
    // A wrong passphrase, and a file cut short.
    let wrong = std::process::Command::new(env!("CARGO_BIN_EXE_consent-ledger"))
        .args(["backup", "check", file.to_str().unwrap()])
        .env("CONSENT_LEDGER_PASSPHRASE", "not the passphrase at all")
        .env("CONSENT_LEDGER_DATA_DIR", &data)
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(text(&wrong.stderr).contains("wrong passphrase"), "{}", text(&wrong.stderr));
    let bytes = std::fs::read(&file).unwrap();
    let cut = tmp.path().join("cut.clbackup");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let o = bare(&["backup", "check", cut.to_str().unwrap()], &data);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("not a Consent Ledger backup"), "{}", text(&o.stderr));
    // After more work, the old backup lacks what the witness saw since.
    ok(&cli(&dir, &["consent", "add", "--agreement", "A1", "--name", "Фёдоров Дмитрий", "--email", "d@kvartirnik.ru"]));
    let older = json(&bare(&["--json", "backup", "check", file.to_str().unwrap()], &data));
    assert!(older["missing"].as_u64().unwrap() >= 3, "the consent, and the unlock and lock around it: {older}");
    let o = bare(&["restore", file.to_str().unwrap(), "--into", tmp.path().join("old").to_str().unwrap()], &data);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("--accept-missing"), "{}", text(&o.stderr));
    ok(&bare(&["restore", file.to_str().unwrap(), "--into", tmp.path().join("old").to_str().unwrap(), "--accept-missing"], &data));
}

/// A backup killed at any moment (copying, checking, writing the file)
/// leaves the previous backup byte for byte, or the new one whole; the
/// next backup sweeps what the killed one left.
#[test]
fn a_backup_killed_at_any_moment_leaves_the_previous_one_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let data = dir.with_extension("app-data");
    let rows: String = (0..20000).map(|i| format!("2025-03-14 10:00;Человек {i};p{i}@example.ru\n")).collect();
    let csv = tmp.path().join("people.csv");
    std::fs::write(&csv, format!("Дата;ФИО;E-mail\n{rows}")).unwrap();
    ok(&cli(&dir, &["import", csv.to_str().unwrap(), "--agreement", "A1"]));
    let file = tmp.path().join("b.clbackup");
    ok(&cli(&dir, &["backup", "--out", file.to_str().unwrap()]));
    let mut previous = std::fs::read(&file).unwrap();
    let mut killed_midway = 0;
    for i in 0..10u64 {
        let mut child = command(&dir, &["backup", "--out", file.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the backup's temporary files (the copy has begun), then a little more each round.
        let started = std::time::Instant::now();
        let writing = || {
            std::fs::read_dir(tmp.path()).unwrap().any(|e| {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                n.starts_with(".b.clbackup.") && n.ends_with(".tmp")
            })
        };
        while !writing() && child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(4 * i));
        let killed_while_writing = writing() && child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(&file).unwrap();
        if now != previous {
            // Replaced: only by a whole backup that checks.
            ok(&bare(&["backup", "check", file.to_str().unwrap()], &data));
            previous = now;
        } else if killed_while_writing {
            killed_midway += 1;
        }
        // The vault itself is whole whatever the moment.
        ok(&cli(&dir, &["verify"]));
    }
    assert!(killed_midway > 0, "no run was killed while writing the backup: the test did not test");
    ok(&cli(&dir, &["backup", "--out", file.to_str().unwrap()]));
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A backup folder that may not be written, and a disk that fills up while
/// the backup is written (a file-size limit, which makes writes past it fail
/// as a full disk does): a clear error, no backup file and no temporary file
/// left, the previous backup untouched, and the vault intact.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_or_full_backup_folder_loses_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let folder = tmp.path().join("backups");
    std::fs::create_dir(&folder).unwrap();
    let previous = folder.join("acme.clbackup");
    ok(&cli(&dir, &["backup", "--out", previous.to_str().unwrap()]));
    let before = std::fs::read(&previous).unwrap();

    // Read-only folder (skipped as root, who may write anyway).
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = folder.join(".probe");
    let root = std::fs::write(&probe, b"x").is_ok();
    let _ = std::fs::remove_file(&probe);
    if !root {
        let o = cli(&dir, &["backup", "--out", folder.join("new.clbackup").to_str().unwrap()]);
        assert!(!o.status.success());
        let err = text(&o.stderr);
        assert!(err.contains(folder.to_str().unwrap()) || err.contains("ermission"), "{err}");
    }
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A "folder" that is a file (as unwritable to root as to anyone).
    let not_a_folder = tmp.path().join("notes.txt");
    std::fs::write(&not_a_folder, b"not a folder").unwrap();
    let o = cli(&dir, &["backup", "--out", not_a_folder.join("new.clbackup").to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("notes.txt"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(&not_a_folder).unwrap(), b"not a folder");

    // A full disk while writing over the previous backup.
    let c = command(&dir, &["backup", "--out", previous.to_str().unwrap()]);
    let program = c.get_program().to_owned();
    let args: Vec<_> = c.get_args().map(|a| a.to_owned()).collect();
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 64; exec \"$@\"")
        .arg("bash")
        .arg(program)
        .args(args)
        .envs(c.get_envs().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))))
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    assert!(err.contains("disk may be full") || err.contains("File too large"), "{err}");
    assert_eq!(std::fs::read(&previous).unwrap(), before, "the previous backup is untouched");
    let left: Vec<String> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["acme.clbackup"], "no temporary file left");
    ok(&cli(&dir, &["verify"]));
    // With room again the backup is made.
    ok(&cli(&dir, &["backup", "--out", previous.to_str().unwrap()]));
    ok(&bare(&["backup", "check", previous.to_str().unwrap()], &dir.with_extension("app-data")));
}
