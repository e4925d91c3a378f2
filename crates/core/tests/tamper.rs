//! Tampering for real: the triggers are dropped with raw SQL, events are
//! changed, deleted, reordered or rewritten with their hashes, and `verify`
//! must name the exact first bad event.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use consent_ledger_core::ledger::{self, NewEvent};
use consent_ledger_core::verify::Report;
use consent_ledger_core::Vault;
use serde_json::json;

/// A locked vault with 304 events and checkpoints at sizes 103, 301 and
/// 303 (each recorded by the `checkpoint.created` event after it).
fn sample(root: &Path) -> (PathBuf, String) {
    let dir = root.join("good");
    let mut v = create(&dir).vault;
    let batch = |from: u32, to: u32| {
        (from..to)
            .map(|i| NewEvent::new("test.event", json!({ "i": i })))
            .collect::<Vec<_>>()
    };
    v.record(&batch(0, 100)).unwrap(); // seqs 2..=101
    v.record(&batch(100, 102)).unwrap(); // ..=103
    v.checkpoint().unwrap(); // 104
    v.record(&batch(102, 299)).unwrap(); // ..=301
    let note = v.checkpoint().unwrap().note; // 302
    v.lock().unwrap(); // 303, and its checkpoint 304
    (dir, note)
}

fn tampered(root: &Path, good: &Path, name: &str, sql: &str) -> Report {
    let dir = root.join(name);
    copy_vault(good, &dir);
    raw_conn(&dir).execute_batch(sql).unwrap();
    let v = Vault::unlock(&dir, PASS).unwrap();
    v.verify(|_, _| true).unwrap()
}

fn problem(r: &Report) -> (&'static str, Option<u64>) {
    let p = r.problem.as_ref().expect("tampering must be detected");
    (p.code, p.seq)
}

#[test]
fn intact_vault_verifies() {
    let d = tempfile::tempdir().unwrap();
    let (good, note) = sample(d.path());
    let v = Vault::unlock(&good, PASS).unwrap();
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!((r.events, r.checkpoints), (305, 3));
    let (cp, rep) = v.check_note(&note, |_, _| true).unwrap();
    assert_eq!(cp.tree_size, 301);
    assert!(rep.ok());
}

#[test]
fn database_refuses_edits_until_the_triggers_are_dropped() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let c = raw_conn(&good);
    for sql in [
        "UPDATE events SET body = '{}' WHERE seq = 5",
        "DELETE FROM events WHERE seq = 5",
        "UPDATE checkpoints SET tree_size = 1",
        "DELETE FROM checkpoints",
        "DELETE FROM merkle_nodes",
    ] {
        let e = c.execute_batch(sql).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}

#[test]
fn changed_body_is_named() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let r = tampered(
        d.path(),
        &good,
        "body",
        "DROP TRIGGER events_no_update; UPDATE events SET body = '{\"i\":9999}' WHERE seq = 137;",
    );
    assert_eq!(problem(&r), ("event_altered", Some(137)));
    let r = tampered(
        d.path(),
        &good,
        "actor",
        "DROP TRIGGER events_no_update; UPDATE events SET actor = 'someone else' WHERE seq = 42;",
    );
    assert_eq!(problem(&r), ("event_altered", Some(42)));
}

#[test]
fn deleted_event_is_named() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let r = tampered(
        d.path(),
        &good,
        "del",
        "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq = 200;",
    );
    assert_eq!(problem(&r), ("event_missing", Some(200)));
    // Deleted, then the later ones renumbered to hide the gap.
    let r = tampered(
        d.path(),
        &good,
        "renum",
        "DROP TRIGGER events_no_delete; DROP TRIGGER events_no_update;
        DELETE FROM events WHERE seq = 150; UPDATE events SET seq = seq - 1 WHERE seq > 150;",
    );
    assert_eq!(problem(&r), ("event_altered", Some(150)));
}

#[test]
fn reordered_events_are_named() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let r = tampered(
        d.path(),
        &good,
        "swap",
        "DROP TRIGGER events_no_update;
        UPDATE events SET seq = 100000 WHERE seq = 60;
        UPDATE events SET seq = 60 WHERE seq = 50;
        UPDATE events SET seq = 50 WHERE seq = 100000;",
    );
    assert_eq!(problem(&r), ("event_altered", Some(50)));
}

#[test]
fn cut_off_end_is_named() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let r = tampered(
        d.path(),
        &good,
        "tail",
        "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq > 250;",
    );
    assert_eq!(problem(&r), ("log_truncated", Some(251)));
    // Nothing more is appended to a log that lost events.
    let mut v = Vault::unlock(&d.path().join("tail"), PASS).unwrap();
    assert_eq!(
        v.record(&[NewEvent::new("test.more", json!({}))])
            .unwrap_err()
            .code(),
        "tampered"
    );
    v.lock().unwrap();
}

#[test]
fn rewritten_event_with_recomputed_hash_is_caught_by_the_tree() {
    let d = tempfile::tempdir().unwrap();
    let (good, note) = sample(d.path());
    let dir = d.path().join("rehash");
    copy_vault(&good, &dir);
    {
        let c = raw_conn(&dir);
        let mut e = ledger::get(&c, 137).unwrap();
        e.body = r#"{"i":9999}"#.into();
        let leaf = ledger::recompute_leaf(&e);
        c.execute_batch("DROP TRIGGER events_no_update").unwrap();
        c.execute(
            "UPDATE events SET body = ?1, leaf_hash = ?2 WHERE seq = 137",
            rusqlite::params![e.body, leaf],
        )
        .unwrap();
    }
    let v = Vault::unlock(&dir, PASS).unwrap();
    let r = v.verify(|_, _| true).unwrap();
    let (code, seq) = problem(&r);
    assert_eq!(code, "events_rewritten");
    // Named to the block of 64 events the Merkle tree can tell apart: #129..=#192.
    assert_eq!(seq, Some(129));
    assert!(r.problem.unwrap().message.contains("#129 to #192"));
    // The checkpoint kept outside the vault exposes the rewrite too.
    let (_, rep) = v.check_note(&note, |_, _| true).unwrap();
    assert_eq!(rep.problem.unwrap().seq, Some(129));
}

#[test]
fn altered_checkpoint_is_caught() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let r = tampered(
        d.path(),
        &good,
        "cp",
        "DROP TRIGGER checkpoints_no_update; UPDATE checkpoints SET tree_size = 100 WHERE id = 1;",
    );
    assert_eq!(problem(&r).0, "checkpoint_signature");
    let r = tampered(d.path(), &good, "node", "DROP TRIGGER merkle_nodes_no_update; UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 6 AND idx = 1;");
    assert_eq!(problem(&r), ("node_mismatch", Some(65)));
}

#[test]
fn swapped_checkpoint_key_is_caught() {
    let d = tempfile::tempdir().unwrap();
    let (good, _) = sample(d.path());
    let r = tampered(d.path(), &good, "key", "DROP TABLE signing_key; CREATE TABLE signing_key (id INTEGER PRIMARY KEY, secret BLOB, public BLOB);
        INSERT INTO signing_key VALUES (1, zeroblob(32), zeroblob(32));");
    assert_eq!(problem(&r).0, "key_mismatch");
}

#[test]
fn verify_reports_progress_and_can_be_cancelled() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    let evs: Vec<_> = (0..40_000)
        .map(|i| NewEvent::new("test.event", json!({ "i": i })))
        .collect();
    v.record(&evs).unwrap();
    let mut calls = vec![];
    let r = v
        .verify(|done, total| {
            calls.push((done, total));
            true
        })
        .unwrap();
    assert!(r.ok());
    assert_eq!(calls.first(), Some(&(16_384, 40_001)));
    assert_eq!(calls.last(), Some(&(40_001, 40_001)));
    let e = v.verify(|_, _| false).unwrap_err();
    assert_eq!(e.code(), "cancelled");
}
