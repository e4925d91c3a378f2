//! The process killed (SIGKILL, as a power cut or the task manager would) at
//! random moments of an import, a checkpoint, an erasure, a backup and a PDF
//! export, many times each: every operation is all or nothing, and the vault
//! verifies once it has been opened again.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use consent_ledger_core::agreements::{self, Language, TemplateKind};
use consent_ledger_core::crypto::KdfParams;
use consent_ledger_core::{CreateOptions, Vault};

mod common;
use common::{cli, command, json, ok, PASS};

/// Kills per operation (CRASH_KILLS overrides).
fn kills() -> usize {
    std::env::var("CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

/// A small deterministic generator (SplitMix64): the kill times of a run can
/// be had again from its seed, printed with any failure.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A duration in [0, max).
    fn below(&mut self, max: Duration) -> Duration {
        Duration::from_nanos(self.next() % (max.as_nanos() as u64).max(1))
    }
}

fn csv(from: usize, n: usize) -> String {
    let mut s = String::from("ФИО;E-mail;Телефон;Дата\n");
    for i in from..from + n {
        s.push_str(&format!("Фёдоров Дмитрий {i};person{i}@example.ru;+7 916 {:07};14.03.2025 10:{:02}\n", i, i % 60));
    }
    s
}

/// The vault every trial starts from (a fast key derivation, so that each
/// run of the program opens it at once): requisites, agreement A1 published,
/// 2,000 people imported; and the file of 3,000 more to import.
fn base(root: &Path) -> (PathBuf, PathBuf, String) {
    let dir = root.join("base");
    let opts = CreateOptions { organisation: "ООО «Ромашка»".into(), operator: "Анна".into(), kdf: KdfParams::insecure_for_tests() };
    let mut v = Vault::create(&dir, PASS, &opts).unwrap().vault;
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Ромашка»".into();
    r.legal_address = "Москва".into();
    r.withdrawal_email = "privacy@romashka.example".into();
    v.set_requisites(r).unwrap();
    let id = v.with_tx(|tx, _| agreements::create(tx, TemplateKind::Processing, Language::Ru, None, None)).unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::Ru)).unwrap();
    let read = consent_ledger_core::import::Options::default();
    let opts = consent_ledger_core::consents::importer::ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false };
    let r = v.import("base.csv", csv(0, 2000).as_bytes(), &read, &opts, |_| true).unwrap();
    assert!(r.committed);
    let subject: String = v.conn().query_row("SELECT id FROM subjects ORDER BY rowid LIMIT 1", [], |r| r.get(0)).unwrap();
    v.lock().unwrap();
    let file = root.join("more.csv");
    std::fs::write(&file, csv(2000, 3000)).unwrap();
    (dir, file, subject)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the base vault (and its app-data folder, which holds the
/// witness of its checkpoints) at `dir`.
fn trial(base: &Path, dir: &Path) {
    copy_dir(base, dir);
    let app = base.with_extension("app-data");
    if app.exists() {
        copy_dir(&app, &dir.with_extension("app-data"));
    }
}

/// Opens the vault again as a user would (the app, or any command: SQLite
/// rolls back what an interrupted transaction left), verifies it with the
/// program, and counts what `counts` (SQL) count.
fn reopen_and_verify(dir: &Path, what: &str, counts: &[&str]) -> Vec<i64> {
    ok(&cli(dir, &["info"]));
    let v = json(&cli(dir, &["--json", "verify"]));
    assert!(v["problem"].is_null() && v["events"].as_u64() > Some(0), "{what}: the vault does not verify after the kill: {v}");
    let vault = Vault::unlock(dir, PASS).unwrap();
    let state = counts.iter().map(|sql| vault.conn().query_row(sql, [], |r| r.get(0)).unwrap()).collect();
    vault.lock().unwrap();
    state
}

/// One operation: its arguments in a trial folder; what it changes in the
/// vault (counted by SQL: after a kill, as before or as after a whole run);
/// the file it writes, if any (after a kill absent, or whole).
struct Op {
    name: &'static str,
    args: fn(&Path, &Path, &str) -> Vec<String>,
    counts: &'static [&'static str],
    output: Option<&'static str>,
}

fn outputs_whole(name: &str, dir: &Path, out: &Path) {
    let file = dir.parent().unwrap().join(out);
    if !file.exists() {
        return;
    }
    let bytes = std::fs::read(&file).unwrap();
    match name {
        "backup" => {
            let c = json(&cli(dir, &["--json", "backup", "check", file.to_str().unwrap()]));
            assert!(c["events"].as_u64().unwrap() > 0, "{name}: the backup left by the kill does not check: {c}");
        }
        "pdf" => {
            assert!(bytes.starts_with(b"%PDF-") && bytes.trim_ascii_end().ends_with(b"%%EOF"), "{name}: a PDF cut off was left");
        }
        "pack" => {
            let p = json(&cli(dir, &["--json", "pack", "verify", file.to_str().unwrap()]));
            assert_eq!(p["ok"], true, "{name}: the pack left by the kill does not check: {p}");
        }
        _ => unreachable!(),
    }
}

#[test]
fn killed_at_random_points_every_operation_is_all_or_nothing_and_the_vault_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let (base_dir, more, subject) = base(tmp.path());
    let ops = [
        Op {
            name: "import",
            args: |_, more, _| vec!["import".into(), more.display().to_string(), "--agreement".into(), "A1".into()],
            counts: &["SELECT count(*) FROM consents", "SELECT count(*) FROM imports", "SELECT count(*) FROM subjects"],
            output: None,
        },
        Op { name: "checkpoint", args: |_, _, _| vec!["checkpoint".into()], counts: &[], output: None },
        Op {
            name: "erase",
            args: |_, _, s| vec!["subject".into(), "erase".into(), s.into(), "--reason".into(), "request 1".into(), "--yes".into()],
            counts: &[
                "SELECT count(*) FROM subjects WHERE erased_at IS NOT NULL",
                "SELECT count(*) FROM subject_data",
                "SELECT count(*) FROM documents",
            ],
            output: None,
        },
        Op {
            name: "backup",
            args: |d, _, _| vec!["backup".into(), "--out".into(), d.parent().unwrap().join("out.clbackup").display().to_string()],
            counts: &[],
            output: Some("out.clbackup"),
        },
        Op {
            name: "pdf",
            args: |d, _, _| vec!["agreement".into(), "export".into(), "1".into(), "--out".into(), d.parent().unwrap().join("out.pdf").display().to_string()],
            counts: &[],
            output: Some("out.pdf"),
        },
        Op {
            name: "pack",
            args: |d, _, _| vec!["pack".into(), "inspection".into(), "--out".into(), d.parent().unwrap().join("out.zip").display().to_string()],
            counts: &["SELECT count(*) FROM documents"],
            output: Some("out.zip"),
        },
    ];
    let seed = std::env::var("CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x00C0_FFEE_u64);
    let mut rng = Rng(seed);
    let mut report = Vec::new();
    for op in &ops {
        // An uninterrupted run: how long it takes, and what it changes.
        let whole_dir = tmp.path().join(format!("{}-whole", op.name)).join("v");
        trial(&base_dir, &whole_dir);
        let args = (op.args)(&whole_dir, &more, &subject);
        let t = Instant::now();
        let o = command(&whole_dir, &args.iter().map(String::as_str).collect::<Vec<_>>()).stdin(std::process::Stdio::null()).output().unwrap();
        let took = t.elapsed();
        ok(&o);
        let base_copy = tmp.path().join(format!("{}-base", op.name)).join("v");
        trial(&base_dir, &base_copy);
        let base_state = reopen_and_verify(&base_copy, "base", op.counts);
        let done = reopen_and_verify(&whole_dir, op.name, op.counts);
        if !op.counts.is_empty() {
            assert_ne!(done, base_state, "{}: a whole run changes the vault", op.name);
        }
        let (mut before, mut after, mut outputs) = (0, 0, 0);
        for k in 0..kills() {
            let dir = tmp.path().join(format!("{}-{k}", op.name)).join("v");
            trial(&base_dir, &dir);
            let args = (op.args)(&dir, &more, &subject);
            // From the start of the process to a little past its usual end.
            let at = rng.below(took + took / 5);
            let mut child = command(&dir, &args.iter().map(String::as_str).collect::<Vec<_>>())
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(at);
            let _ = child.kill();
            child.wait().unwrap();
            let what = format!("{} killed at {:?} of {:?} (seed {seed:#x}, kill {k})", op.name, at, took);
            let state = reopen_and_verify(&dir, &what, op.counts);
            if state == base_state {
                before += 1;
            } else if state == done {
                after += 1;
            } else {
                panic!("{what}: half done: {state:?}; before {base_state:?}, whole {done:?}");
            }
            if let Some(out) = op.output {
                outputs_whole(op.name, &dir, Path::new(out));
                outputs += dir.parent().unwrap().join(out).exists() as usize;
            }
            let _ = std::fs::remove_dir_all(dir.parent().unwrap());
        }
        let outcome = if op.counts.is_empty() { String::new() } else { format!(", {before} left as before, {after} done") };
        let files = op.output.map(|_| format!(", {outputs} files left, each whole")).unwrap_or_default();
        report.push(format!("{}: a run takes {took:.0?}; {} kills, the vault verified after each{outcome}{files}", op.name, kills()));
    }
    eprintln!("{}", report.join("\n"));
}
