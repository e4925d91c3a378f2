//! Erasure destroys a subject's data and key for good while the ledger keeps
//! verifying. The byte-level check runs the same code on an unencrypted
//! database, so that the erased values could be seen if any page or WAL
//! frame still held them.

mod common;

use common::*;
use consent_ledger_core::crypto::KdfParams;
use consent_ledger_core::{db, ledger, subjects, verify, NewEvent, Vault};
use rusqlite::Connection;
use serde_json::json;

fn record(conn: &mut Connection, n: usize, tag: &str) -> Vec<String> {
    let tx = conn.transaction().unwrap();
    let mut ids = vec![];
    for i in 0..n {
        let s = subjects::create(&tx).unwrap();
        let data = json!({ "email": format!("{tag}-{i}@example.org"), "name": format!("Subject {tag} {i} Кириллица") });
        subjects::record(&tx, "op", &s, "subject.recorded", &data, Default::default()).unwrap();
        ids.push(s);
    }
    tx.commit().unwrap();
    ids
}

fn one_subject(v: &mut Vault) -> String {
    v.with_tx(|tx, actor| {
        let s = subjects::create(tx)?;
        subjects::record(
            tx,
            actor,
            &s,
            "subject.recorded",
            &json!({ "email": "a@b.c" }),
            Default::default(),
        )?;
        Ok(s)
    })
    .unwrap()
}

#[test]
fn erased_values_leave_no_trace_in_database_or_wal_pages() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("plain.db");
    let mut conn = db::open(&path, None, true).unwrap();
    let signing = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let public = signing.verifying_key();
    {
        let tx = conn.transaction().unwrap();
        tx.execute(
            "INSERT INTO signing_key (id, secret, public) VALUES (1, zeroblob(32), ?1)",
            [public.as_bytes()],
        )
        .unwrap();
        let created = NewEvent::new(
            "vault.created",
            json!({ "checkpoint_key": hex::encode(public.as_bytes()) }),
        );
        ledger::append(&tx, "op", &[created]).unwrap();
        tx.commit().unwrap();
    }
    // Some data reaches the main file, some stays in the WAL only.
    let early = record(&mut conn, 300, "early");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let late = record(&mut conn, 300, "late");

    let wal = d.path().join("plain.db-wal");
    let all_bytes = || {
        [
            std::fs::read(&path).unwrap(),
            std::fs::read(&wal).unwrap_or_default(),
        ]
        .concat()
    };
    // The scan can see data: both batches are there before erasure.
    let bytes = all_bytes();
    for needle in [
        "early-17@example.org",
        "late-42@example.org",
        "Subject late 42 Кириллица",
    ] {
        assert!(
            contains(&bytes, needle.as_bytes()),
            "{needle} should be visible before erasure"
        );
    }

    let key_of = |s: &str| -> Vec<u8> {
        conn.query_row("SELECT hmac_key FROM subjects WHERE id = ?1", [s], |r| {
            r.get(0)
        })
        .unwrap()
    };
    let keys = [key_of(&early[17]), key_of(&late[42])];
    assert!(keys.iter().all(|k| contains(&bytes, k)));
    for s in [&early[17], &late[42]] {
        subjects::erase_and_purge(&mut conn, "op", s, "request r-1: erasure (GDPR Art. 17)")
            .unwrap();
    }
    let bytes = all_bytes();
    for needle in [
        "early-17@example.org",
        "Subject early 17 ",
        "late-42@example.org",
        "Subject late 42 ",
    ] {
        assert!(
            !contains(&bytes, needle.as_bytes()),
            "{needle} survived erasure"
        );
    }
    assert!(
        !keys.iter().any(|k| contains(&bytes, k)),
        "a subject key survived erasure"
    );
    for needle in ["early-18@example.org", "late-41@example.org"] {
        assert!(
            contains(&bytes, needle.as_bytes()),
            "{needle} was lost though not erased"
        );
    }

    // The key is gone, the others' commitments still match, the log verifies.
    assert_eq!(
        subjects::data(&conn, &late[42]).unwrap_err().code(),
        "erased"
    );
    let others = subjects::data(&conn, &late[41]).unwrap();
    assert!(others.iter().all(|r| r.matches_ledger));
    let key: Option<Vec<u8>> = conn
        .query_row(
            "SELECT hmac_key FROM subjects WHERE id = ?1",
            [&late[42]],
            |r| r.get(0),
        )
        .unwrap();
    assert!(key.is_none());
    let r = verify::verify(&conn, "00", &public, |_, _| true).unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.events, 603);
}

#[test]
fn erasure_in_an_encrypted_vault_keeps_the_log_verifiable_and_is_recorded() {
    let d = tempfile::tempdir().unwrap();
    let mut o = options();
    o.kdf = KdfParams::insecure_for_tests();
    let mut v = Vault::create(d.path(), PASS, &o).unwrap().vault;
    let s = one_subject(&mut v);
    let cp = v.checkpoint().unwrap();
    assert!(subjects::data(v.conn(), &s).unwrap()[0].matches_ledger);
    assert_eq!(v.erase_subject(&s, "   ").unwrap_err().code(), "invalid");
    let seq = v.erase_subject(&s, "request r-7").unwrap();
    let e = v.event(seq).unwrap();
    assert_eq!(
        (e.kind.as_str(), e.subject.as_deref()),
        ("subject.erased", Some(s.as_str()))
    );
    assert!(e.body.contains("request r-7"));
    assert_eq!(v.erase_subject(&s, "again").unwrap_err().code(), "erased");
    assert!(v.verify(|_, _| true).unwrap().ok());
    assert!(v.check_note(&cp.note, |_, _| true).unwrap().1.ok());
}

#[test]
fn tampered_personal_data_no_longer_matches_its_commitment() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    let s = one_subject(&mut v);
    v.conn()
        .execute(
            "UPDATE subject_data SET data = '{\"email\":\"evil@b.c\"}'",
            [],
        )
        .unwrap();
    let rows = subjects::data(v.conn(), &s).unwrap();
    assert!(!rows[0].matches_ledger);
    let r = v.verify(|_, _| true).unwrap();
    let p = r.problem.unwrap();
    assert_eq!((p.code, p.seq), ("data_mismatch", Some(2)));
}
