//! Tampering with the facts around the ledger, as an auditor would with the
//! key: raw SQL on copies of a vault with the triggers dropped, then `verify`
//! (opened read-only) must name the exact code and seq. Also: verify changes
//! no byte of the folder, and a truncation after the last checkpoint kept in
//! the vault is caught through the note kept in a witness folder.

mod common;

use std::path::{Path, PathBuf};

use chrono::TimeZone;
use common::*;
use consent_ledger_core::agreements::{self, Language, TemplateKind};
use consent_ledger_core::consents::importer::ImportOptions;
use consent_ledger_core::consents::{self, Action, Channel, Intake, Target};
use consent_ledger_core::{ledger, NewEvent, Vault};
use serde_json::json;

/// The seqs a test needs from the sample vault.
struct Sample {
    dir: PathBuf,
    witness: PathBuf,
    requisites: u64,
    given: u64,
    merge: u64,
    erased: u64,
    import: u64,
    /// The first checkpoint's `checkpoint.created` event.
    first_checkpoint_event: u64,
    /// (tree size, seq of checkpoint.created) of a checkpoint in the middle.
    middle_checkpoint: (u64, u64),
    /// The last consent: recorded after the last checkpoint, alone in its
    /// block of 64 (no stored Merkle node covers it), and the vault was not
    /// locked after it (as if the app were still open).
    unsealed: Option<u64>,
}

fn person(name: &str, email: &str, day: u32) -> Intake {
    Intake {
        name: Some(name.into()),
        email: Some(email.into()),
        phone: Some(format!("+7 916 123-45-{day:02}")),
        acted_at: Some(chrono::Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).unwrap()),
        url: Some("https://romashka.example/form".into()),
        ..Default::default()
    }
}

/// Records one action; returns who it was about and its event's seq.
fn add(v: &mut Vault, t: &Target, action: Action, i: Intake) -> (String, u64) {
    let o = v.with_tx(|tx, actor| consents::record(tx, actor, t, action, Channel::WebForm, i)).unwrap();
    assert!(!o.duplicate);
    (o.subject, ledger::size(v.conn()).unwrap())
}

fn sample(root: &Path, unsealed: bool) -> Sample {
    let dir = root.join("good");
    let witness = root.join("witness");
    let mut v = create(&dir).vault;
    v.set_witnesses(vec![witness.clone()]);
    let first_checkpoint_event = v.checkpoint().unwrap().tree_size + 1;
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Ромашка»".into();
    r.inn = "7707083893".into();
    r.legal_address = "Москва".into();
    r.withdrawal_email = "privacy@romashka.example".into();
    let requisites = v.set_requisites(r).unwrap().unwrap();
    let id = v
        .with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, None))
        .unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::En)).unwrap();
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    let a = add(&mut v, &t, Action::Given, person("Анна Смирнова", "anna@work.example", 1));
    let b = add(&mut v, &t, Action::Refused, person("Смирнова А.", "anna@home.example", 2));
    let merge = v.with_tx(|tx, actor| consents::merge(tx, actor, &a.0, &b.0)).unwrap();
    let c = add(&mut v, &t, Action::Given, person("Пётр Иванов", "petr@example.ru", 3));
    let middle = v.checkpoint().unwrap();
    let middle_checkpoint = (middle.tree_size, middle.tree_size + 1);
    let csv = "Дата;ФИО;E-mail\n2025-03-14 10:00;Олег;oleg@example.ru\n2025-03-15 10:00;Ольга;olga@example.ru\n";
    let report = v
        .import("f.csv", csv.as_bytes(), &Default::default(),
            &ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false }, |_| true)
        .unwrap();
    let erased = v.erase_subject(&c.0, "request 12").unwrap();
    let mut last = None;
    if unsealed {
        let size = ledger::size(v.conn()).unwrap();
        let pad = (64 - size % 64) % 64;
        let filler: Vec<_> = (0..pad).map(|i| NewEvent::new("test.filler", json!({ "i": i }))).collect();
        v.record(&filler).unwrap();
        let d = add(&mut v, &t, Action::Given, person("Мария Кузнецова", "maria@example.ru", 5));
        assert_eq!((d.1 - 1) % 64, 0, "alone at the start of its block");
        last = Some(d.1);
        drop(v); // not locked: no checkpoint covers it
    } else {
        v.lock().unwrap();
    }
    Sample {
        dir,
        witness,
        requisites,
        given: a.1,
        merge,
        erased,
        import: report.seq.unwrap(),
        first_checkpoint_event,
        middle_checkpoint,
        unsealed: last,
    }
}

/// Copies the sample, runs `sql` on the copy with the key, and verifies it
/// read-only against the sample's witness folder.
fn tampered(s: &Sample, name: &str, sql: &str) -> (&'static str, Option<u64>) {
    let dir = s.dir.parent().unwrap().join(name);
    copy_vault(&s.dir, &dir);
    let c = raw_conn(&dir);
    c.execute_batch(sql).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(c);
    let mut v = Vault::open_read_only(&dir, PASS).unwrap();
    v.set_witnesses(vec![s.witness.clone()]);
    let r = v.verify(|_, _| true).unwrap();
    let p = r.problem.expect("tampering must be detected");
    (p.code, p.seq)
}

#[test]
fn the_intact_sample_verifies_and_verifying_changes_no_byte() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), false);
    let before = (folder_bytes(&s.dir), folder_bytes(&s.witness));
    let mut v = Vault::open_read_only(&s.dir, PASS).unwrap();
    v.set_witnesses(vec![s.witness.clone()]);
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{r:?}");
    assert!(v.check_note(&std::fs::read_to_string(s.witness.join(consent_ledger_core::witness::file_name(v.vault_id()))).unwrap(), |_, _| true).unwrap().1.ok());
    // Read-only means read-only: recording is refused, locking writes nothing.
    assert_eq!(v.record(&[NewEvent::new("test.x", json!({}))]).unwrap_err().code(), "invalid");
    assert!(v.lock().unwrap().is_none());
    assert_eq!((folder_bytes(&s.dir), folder_bytes(&s.witness)), before);
    // The subject page agrees with the ledger.
    let v = Vault::open_read_only(&s.dir, PASS).unwrap();
    assert_eq!(consents::get(v.conn(), s.given).unwrap().matches_ledger, Some(true));
}

#[test]
fn a_register_row_changed_is_named_and_the_subject_page_says_so() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), false);
    let sql = "DROP TRIGGER consents_no_update; UPDATE consents SET action = 'refused' WHERE id = ";
    assert_eq!(tampered(&s, "action", &format!("{sql}{}", s.given)), ("register_mismatch", Some(s.given)));
    let v = Vault::open_read_only(&s.dir.parent().unwrap().join("action"), PASS).unwrap();
    assert_eq!(consents::get(v.conn(), s.given).unwrap().matches_ledger, Some(false));
    // A row deleted, and an import's counts changed.
    assert_eq!(
        tampered(&s, "row", &format!("DROP TRIGGER consents_no_delete; DELETE FROM consents WHERE id = {}", s.given)),
        ("register_mismatch", Some(s.given))
    );
    assert_eq!(
        tampered(&s, "import", "UPDATE imports SET rows_added = 99"),
        ("register_mismatch", Some(s.import))
    );
}

#[test]
fn personal_data_deleted_without_an_erasure_is_named() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), false);
    assert_eq!(
        tampered(&s, "data", &format!("DELETE FROM subject_data WHERE event_seq = {}", s.given)),
        ("data_missing", Some(s.given))
    );
    // Erased data stays erased: the subject marked as not erased is named.
    assert_eq!(
        tampered(&s, "unerase", "UPDATE subjects SET erased_at = NULL WHERE erased_at IS NOT NULL AND id IN (SELECT subject FROM events WHERE kind = 'subject.erased')"),
        ("erasure_mismatch", Some(s.erased))
    );
}

#[test]
fn requisites_and_merges_changed_are_named() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), false);
    assert_eq!(
        tampered(&s, "inn", "UPDATE organisation SET requisites = replace(requisites, '7707083893', '7707083894')"),
        ("requisites_mismatch", Some(s.requisites))
    );
    assert_eq!(
        tampered(&s, "name", "UPDATE vault_meta SET organisation = 'ООО «Другая»'"),
        ("requisites_mismatch", Some(s.requisites))
    );
    assert_eq!(
        tampered(&s, "merge", "DROP TRIGGER subject_merges_no_delete; DELETE FROM subject_merges"),
        ("merge_mismatch", Some(s.merge))
    );
}

#[test]
fn a_checkpoint_row_deleted_is_named_by_the_event_that_recorded_it() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), false);
    assert_eq!(
        tampered(&s, "cp", "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints WHERE id = 1"),
        ("checkpoint_unrecorded", Some(s.first_checkpoint_event))
    );
    // One in the middle: named by its event too.
    let (size, event) = s.middle_checkpoint;
    assert_eq!(
        tampered(&s, "cp2", &format!("DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints WHERE tree_size = {size}")),
        ("checkpoint_unrecorded", Some(event))
    );
}

#[test]
fn the_end_of_the_log_cut_off_after_the_last_checkpoint_is_caught_by_the_witness() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), false);
    // The last lock's events go (`vault.locked` and its `checkpoint.created`),
    // with the checkpoint over them and their Merkle nodes: what is left
    // ends with the checkpoint that sealed the erasure (after its destruction
    // act and log extract, two `document.issued` events).
    let keep = s.erased + 3;
    let sql = format!(
        "DROP TRIGGER events_no_delete; DROP TRIGGER checkpoints_no_delete; DROP TRIGGER merkle_nodes_no_delete;
         DELETE FROM events WHERE seq > {keep}; DELETE FROM checkpoints WHERE tree_size >= {keep};
         DELETE FROM merkle_nodes WHERE (idx + 1) << level > {keep};"
    );
    assert_eq!(tampered(&s, "cut", &sql), ("log_truncated", Some(keep + 1)));
    // Inside the vault alone it looks whole: only the note kept outside shows
    // it, and opening the vault says so at once (without a full verify).
    let mut v = Vault::open_read_only(&s.dir.parent().unwrap().join("cut"), PASS).unwrap();
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{r:?}");
    assert!(v.witness_problems().unwrap().is_empty(), "no witness folder given");
    v.set_witnesses(vec![s.witness.clone()]);
    let problems = v.witness_problems().unwrap();
    assert!(problems.len() == 1 && problems[0].contains("events were removed"), "{problems:?}");
    let mut intact = Vault::open_read_only(&s.dir, PASS).unwrap();
    intact.set_witnesses(vec![s.witness.clone()]);
    assert!(intact.witness_problems().unwrap().is_empty());
    // And the cut vault cannot overwrite the note that shows it.
    let mut v = Vault::unlock(&s.dir.parent().unwrap().join("cut"), PASS).unwrap();
    v.set_witnesses(vec![s.witness.clone()]);
    let note_before = folder_bytes(&s.witness);
    let sealed = v.lock().unwrap().expect("sealed");
    assert!(sealed.conflict(), "{sealed:?}");
    assert_eq!(folder_bytes(&s.witness), note_before);
}

#[test]
fn a_consent_event_rewritten_with_its_hash_after_the_last_checkpoint_is_named_by_its_register_row() {
    let d = tempfile::tempdir().unwrap();
    let s = sample(d.path(), true);
    let seq = s.unsealed.unwrap();
    let dir = d.path().join("rewritten");
    copy_vault(&s.dir, &dir);
    let c = raw_conn(&dir);
    let mut e = ledger::get(&c, seq).unwrap();
    e.body = e.body.replace("\"channel\":\"web_form\"", "\"channel\":\"paper\"");
    assert!(e.body.contains("paper"));
    let leaf = ledger::recompute_leaf(&e);
    c.execute_batch("DROP TRIGGER events_no_update").unwrap();
    c.execute("UPDATE events SET body = ?1, leaf_hash = ?2 WHERE seq = ?3", rusqlite::params![e.body, leaf, seq as i64])
        .unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(c);
    let v = Vault::open_read_only(&dir, PASS).unwrap();
    let p = v.verify(|_, _| true).unwrap().problem.expect("detected");
    assert_eq!((p.code, p.seq), ("register_mismatch", Some(seq)));
}
