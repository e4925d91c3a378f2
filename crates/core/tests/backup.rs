//! Backups through the real vault: made while it is open, restored into a
//! new folder with the passphrase or the recovery code and verified; every
//! bad backup (cut short, changed, foreign, wrong secret) refused with
//! nothing restored; an older backup than a witness note named with the
//! events it lacks; a cancelled backup leaves the previous one.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use consent_ledger_core::backup::{self, Secret};
use consent_ledger_core::consents::{self, Action, Channel, Intake};
use consent_ledger_core::Vault;

fn add_consent(v: &mut Vault, email: &str) {
    let t = consents::target(v.conn(), 1, None, Action::Given).unwrap();
    let intake = Intake { name: Some("Фёдоров Дмитрий".into()), email: Some(email.into()), ..Default::default() };
    v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, Channel::WebForm, intake)).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    n.sort();
    n
}

#[test]
fn a_backup_restores_with_the_passphrase_or_the_recovery_code_and_verifies() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let created = create(&dir);
    let code = created.recovery_code.clone();
    let mut v = created.vault;
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Ромашка»".into();
    v.set_requisites(r).unwrap();
    let witness = root.path().join("witness");
    std::fs::create_dir(&witness).unwrap();
    v.set_witnesses(vec![witness.clone()]);

    let out = root.path().join("acme.clbackup");
    let made = backup::backup(&mut v, &out, |_, _| true).unwrap();
    assert_eq!(made.manifest.tree_size, v.info().unwrap().events, "the copy holds every event so far");
    assert_eq!(backup::manifest(&out).unwrap(), made.manifest);
    assert_eq!(names(root.path()), ["acme.clbackup", "vault", "witness"], "no temporary file left");
    let events = made.manifest.tree_size;
    drop(v);

    let into = root.path().join("restored");
    let r = backup::restore(&out, &into, Secret::Passphrase(PASS), std::slice::from_ref(&witness), false).unwrap();
    assert_eq!((r.events, r.missing), (events, 0));
    let restored = Vault::unlock(&into, PASS).unwrap();
    assert_eq!(restored.vault_id(), made.manifest.vault_id);
    assert_eq!(restored.requisites().unwrap().full_name, "ООО «Ромашка»");
    assert!(restored.verify(|_, _| true).unwrap().ok());
    drop(restored);
    // The recovery code opens it too.
    let into2 = root.path().join("restored-with-code");
    backup::restore(&out, &into2, Secret::RecoveryCode(&code), &[], false).unwrap();
    assert!(Vault::unlock(&into2, PASS).is_ok(), "the same passphrase slot came back");
}

#[test]
fn bad_backups_and_bad_targets_are_refused_and_nothing_is_restored() {
    let root = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(&root.path().join("vault"));
    add_consent(&mut v, "d@kvartirnik.ru");
    let out = root.path().join("b.clbackup");
    backup::backup(&mut v, &out, |_, _| true).unwrap();
    let bytes = std::fs::read(&out).unwrap();
    let into = root.path().join("restored");
    let refused = |file: &Path, secret: Secret| {
        let e = backup::restore(file, &into, secret, &[], true).unwrap_err();
        assert!(!into.exists(), "nothing restored after: {e}");
        let stray: Vec<String> = names(root.path()).into_iter().filter(|n| n.starts_with('.')).collect();
        assert!(stray.is_empty(), "{stray:?} left behind after: {e}");
        e
    };
    // A wrong passphrase.
    assert_eq!(refused(&out, Secret::Passphrase("wrong passphrase entirely")).code(), "wrong_secret");
    assert_eq!(refused(&out, Secret::RecoveryCode("AAAA-BBBB")).code(), "wrong_secret");
    // Cut short: the end of a ZIP is its directory.
    let cut = root.path().join("cut.clbackup");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(refused(&cut, Secret::Passphrase(PASS)).to_string().contains("not a Consent Ledger backup"));
    // One byte of the database changed: the manifest's hash tells.
    let db_at = bytes.windows(8).position(|w| w == b"vault.db").unwrap() + 4096;
    let mut changed = bytes.clone();
    changed[db_at] ^= 0x01;
    let changed_file = root.path().join("changed.clbackup");
    std::fs::write(&changed_file, &changed).unwrap();
    let e = refused(&changed_file, Secret::Passphrase(PASS));
    assert_eq!(e.code(), "corrupt", "{e}");
    // Another ZIP, and a file that is no ZIP at all.
    let foreign = root.path().join("foreign.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&foreign).unwrap());
        z.start_file("readme.txt", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut z, b"hello").unwrap();
        z.finish().unwrap();
    }
    assert!(refused(&foreign, Secret::Passphrase(PASS)).to_string().contains("no manifest.json"));
    let text = root.path().join("notes.clbackup");
    std::fs::write(&text, "just text").unwrap();
    assert!(refused(&text, Secret::Passphrase(PASS)).to_string().contains("not a ZIP"));
    // Never over a vault or into a folder with something in it.
    let e = backup::restore(&out, &root.path().join("vault"), Secret::Passphrase(PASS), &[], true).unwrap_err();
    assert_eq!(e.code(), "already_exists");
    // An empty folder is fine.
    std::fs::create_dir(&into).unwrap();
    backup::restore(&out, &into, Secret::Passphrase(PASS), &[], true).unwrap();
    // A backup target that is a folder, or in a folder that does not exist: refused before anything is recorded.
    let before = v.info().unwrap().events;
    assert!(backup::backup(&mut v, root.path(), |_, _| true).is_err());
    assert!(backup::backup(&mut v, &root.path().join("no/such/b.clbackup"), |_, _| true).is_err());
    assert_eq!(v.info().unwrap().events, before);
}

#[test]
fn a_backup_older_than_a_witness_note_names_the_events_it_lacks() {
    let root = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(&root.path().join("vault"));
    let witness: PathBuf = root.path().join("usb");
    std::fs::create_dir(&witness).unwrap();
    v.set_witnesses(vec![witness.clone()]);
    let out = root.path().join("old.clbackup");
    let made = backup::backup(&mut v, &out, |_, _| true).unwrap();
    add_consent(&mut v, "later@kvartirnik.ru");
    let sealed = v.seal().unwrap();
    let lacks = sealed.checkpoint.tree_size - made.manifest.tree_size;
    assert!(lacks >= 1, "the consent recorded after the backup");
    let checked = backup::check(&out, Secret::Passphrase(PASS), std::slice::from_ref(&witness)).unwrap();
    assert_eq!(checked.missing, lacks);
    assert!(checked.missing_seen_by.unwrap().contains("usb"));
    let into = root.path().join("restored");
    let refused = backup::restore(&out, &into, Secret::Passphrase(PASS), std::slice::from_ref(&witness), false).unwrap();
    assert_eq!((refused.dir, refused.missing), (None, lacks), "not restored without accepting");
    assert!(!into.exists());
    let r = backup::restore(&out, &into, Secret::Passphrase(PASS), &[witness], true).unwrap();
    assert_eq!(r.missing, lacks);
    // Without the witness nothing tells: the backup itself is whole.
    assert_eq!(backup::check(&out, Secret::Passphrase(PASS), &[]).unwrap().missing, 0);
}

#[test]
fn a_backup_made_on_locking_holds_every_event_and_a_cancelled_one_keeps_the_previous() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let (mut v, _) = vault_with_agreement(&dir);
    let witness = root.path().join("witness");
    std::fs::create_dir(&witness).unwrap();
    v.set_witnesses(vec![witness.clone()]);
    let out = root.path().join("b.clbackup");
    let (sealed, made) = v.lock_backing_up(&out, |_, _| true).unwrap();
    assert_eq!(made.manifest.tree_size, sealed.checkpoint.tree_size + 1, "the checkpoint's own event is the last");
    assert_eq!(backup::check(&out, Secret::Passphrase(PASS), std::slice::from_ref(&witness)).unwrap().missing, 0);
    let previous = std::fs::read(&out).unwrap();
    // Cancelled halfway: the previous backup stays, byte for byte, and no temporary file.
    let mut v = Vault::unlock(&dir, PASS).unwrap();
    add_consent(&mut v, "d@kvartirnik.ru");
    let e = backup::backup(&mut v, &out, |done, total| done < total / 2 || total == 0).unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert_eq!(std::fs::read(&out).unwrap(), previous);
    assert_eq!(names(root.path()), ["b.clbackup", "vault", "witness"]);
}

/// A restored vault's folder is its owner's only, and a refused backup
/// target on locking still locks the vault.
#[cfg(unix)]
#[test]
fn a_restored_folder_is_private_and_a_refused_target_still_locks() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let (mut v, _) = vault_with_agreement(&dir);
    let out = root.path().join("b.clbackup");
    backup::backup(&mut v, &out, |_, _| true).unwrap();
    let into = root.path().join("restored");
    backup::restore(&out, &into, Secret::Passphrase(PASS), &[], true).unwrap();
    assert_eq!(std::fs::metadata(&into).unwrap().permissions().mode() & 0o777, 0o700);
    let before = v.info().unwrap().events;
    assert!(v.lock_backing_up(root.path(), |_, _| true).is_err());
    let v = Vault::open_read_only(&dir, PASS).unwrap();
    let last = v.event(v.info().unwrap().events).unwrap();
    assert_eq!(last.kind, "checkpoint.created", "locked: {} events before, the lock's after", before);
}

/// The database's bytes are copied under a read snapshot when nothing else
/// uses the write-ahead log; with another connection reading from it, the
/// copy goes page by page through SQLite's online backup. Both restore.
#[test]
fn a_backup_copies_under_a_snapshot_or_page_by_page_when_the_log_is_in_use() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("vault");
    let (mut v, _) = vault_with_agreement(&dir);
    let quiet = root.path().join("quiet.clbackup");
    assert_eq!(backup::backup(&mut v, &quiet, |_, _| true).unwrap().copied_with, "snapshot");
    // Another connection reads from the log: it cannot be checkpointed away.
    add_consent(&mut v, "d@kvartirnik.ru");
    let other = raw_conn(&dir);
    other.execute_batch("BEGIN").unwrap();
    other.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap();
    add_consent(&mut v, "e@kvartirnik.ru");
    let busy = root.path().join("busy.clbackup");
    let made = backup::backup(&mut v, &busy, |_, _| true).unwrap();
    assert_eq!(made.copied_with, "online_backup");
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    for (file, name) in [(&quiet, "q"), (&busy, "b")] {
        let r = backup::restore(file, &root.path().join(name), Secret::Passphrase(PASS), &[], false).unwrap();
        assert_eq!(r.events, backup::manifest(file).unwrap().tree_size);
    }
    assert_eq!(backup::manifest(&busy).unwrap().tree_size, v.info().unwrap().events);
}

/// The app locks first and copies after (`lock_for_backup`, then
/// `Backing::copy` on another thread): the vault may be opened and written
/// again in between, and the backup is still whole, checked and restorable;
/// an auditor may back up too.
#[test]
fn a_backup_copied_after_the_lock_returns_is_whole_while_the_vault_is_used_again() {
    use consent_ledger_core::operators::{self, Role};
    let root = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(&root.path().join("vault"));
    let dir = root.path().join("vault");
    operators::add(&mut v, "Аудитор", "copper meadow lantern 19 quartz", Role::Auditor).unwrap();
    v.lock().unwrap();
    let v = Vault::unlock(&dir, "copper meadow lantern 19 quartz").unwrap();
    let out = root.path().join("a.clbackup");
    let (sealed, backing) = v.lock_for_backup(&out).unwrap();
    assert!(!out.exists(), "nothing copied yet");
    // Opened again and written to before the copy runs.
    let mut again = Vault::unlock(&dir, PASS).unwrap();
    add_consent(&mut again, "later@example.org");
    let copier = std::thread::spawn(move || backing.copy(|_, _| true));
    add_consent(&mut again, "during@example.org");
    let made = copier.join().unwrap().unwrap();
    assert!(made.manifest.tree_size > sealed.checkpoint.tree_size, "the lock's events and checkpoint are in it");
    let checked = backup::check(&out, Secret::Passphrase(PASS), &[]).unwrap();
    assert_eq!((checked.events, checked.missing), (made.manifest.tree_size, 0));
    assert!(again.verify(|_, _| true).unwrap().ok());
    again.lock().unwrap();
}
