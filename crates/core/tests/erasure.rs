//! Erasure destroys a subject's data and key for good while the ledger keeps
//! verifying. The byte-level checks look for the erased values in every page
//! and WAL frame: of an unencrypted database, and of a real vault decrypted
//! page by page without SQLite (free pages and stale frames included).

mod common;

use common::pages::{decrypted_vault, has_bytes, traces};
use common::*;
use consent_ledger_core::crypto::KdfParams;
use consent_ledger_core::{consents, db, ledger, subjects, verify, NewEvent, Vault};
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
        tx.execute("INSERT INTO vault_meta VALUES (1, '00', 'org', 't')", []).unwrap();
        let created = NewEvent::new(
            "vault.created",
            json!({ "checkpoint_key": hex::encode(public.as_bytes()), "vault_id": "00" }),
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
    // Each erasure issued a destruction act naming the person: a record kept
    // on its own ground (order 179 п. 8), until it is destroyed in turn.
    let acts: Vec<String> = conn
        .prepare("SELECT id FROM documents WHERE kind = 'destruction_act' ORDER BY event_seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(acts.len(), 2);
    let act: String = conn.query_row("SELECT text FROM documents WHERE id = ?1", [&acts[1]], |r| r.get(0)).unwrap();
    assert!(act.contains("late-42@example.org") && act.contains("Subject late 42"), "{act}");
    {
        let tx = conn.transaction().unwrap();
        let today = chrono::Utc::now().date_naive();
        for a in &acts {
            consent_ledger_core::documents::act::destroy(&tx, "op", a, "test: its retention ended", today).unwrap();
        }
        tx.commit().unwrap();
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
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
    // 600 records, the vault.created event, two erasures; each erasure issued a
    // destruction act and its log extract, both destroyed afterwards (one event each).
    assert_eq!(r.events, 603 + 4 + 2);
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

/// A person as the register receives them: name, e-mail, phone as typed.
struct Person {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
}

impl Person {
    fn intake(&self, day: u32) -> consents::Intake {
        use chrono::TimeZone;
        consents::Intake {
            name: Some(self.name.into()),
            email: Some(self.email.into()),
            phone: Some(self.phone.into()),
            acted_at: Some(chrono::Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).unwrap()),
            ..Default::default()
        }
    }

    /// What of this person may be left in a page: the name, each of its
    /// words in any case and the Latin skeletons the search index holds of
    /// them, the e-mail, its local part and domain and their words, the
    /// phone as typed, as normalised and as the search index's token.
    fn needles(&self) -> Vec<String> {
        let mut out = traces(self.name);
        for w in consents::translit::skeletons(self.name) {
            out.extend(traces(&w));
        }
        let (local, domain) = self.email.split_once('@').unwrap();
        for v in [self.email, local, domain] {
            out.extend(traces(v));
        }
        let digits = consents::normalize_phone(self.phone).unwrap();
        let token = digits.strip_prefix('7').filter(|t| t.len() == 10).unwrap_or(&digits).to_string();
        out.extend([self.phone.to_string(), digits, token]);
        out
    }
}

// The words of everybody's values start with letters (and digits) that no
// other person's words start with: the search index stores a word after one
// with the same first letters by its remaining letters only, and a word
// stored whole is the clearest sign that the scan can see the index.
const ERASED: Person = Person {
    name: "Zebulon Quixworth",
    email: "Lantern.Zebulon@velvetharbor.museum",
    phone: "+7 (917) 864-20-53",
};
/// The same person recorded under other details, merged with [`ERASED`] later.
const ERASED_TOO: Person = Person {
    name: "Гедеон Quixworth",
    email: "owlet.tamsin@driftmail.net",
    phone: "+44 20 7946 0831",
};
const KEPT: [Person; 2] = [
    Person { name: "Anna Wintergreen", email: "hollis.anna@bellflower.example", phone: "+33 1 44 55 66 77" },
    Person { name: "Борис Fenwick", email: "ursine.boris@corvidae.example", phone: "+1 212 555 0147" },
];

/// A vault with a published agreement and consents of several people, one
/// of them recorded twice and merged: (vault, the two subjects of the person
/// to erase).
fn register(dir: &std::path::Path) -> (Vault, String, String) {
    use consents::{Action, Channel};
    let (mut v, id) = vault_with_agreement(dir);
    let given = consents::target(v.conn(), id, None, Action::Given).unwrap();
    let withdrawn = consents::target(v.conn(), id, None, Action::Withdrawn).unwrap();
    let add = |v: &mut Vault, action, p: &Person, day| {
        let t = if action == Action::Given { &given } else { &withdrawn };
        v.with_tx(|tx, actor| consents::record(tx, actor, t, action, Channel::WebForm, p.intake(day)))
            .unwrap()
            .subject
    };
    // One transaction each: the search index gets a segment per action and
    // merges some of them, as in a vault used day after day.
    add(&mut v, Action::Given, &KEPT[0], 1);
    let first = add(&mut v, Action::Given, &ERASED, 2);
    add(&mut v, Action::Given, &KEPT[1], 3);
    let second = add(&mut v, Action::Given, &ERASED_TOO, 4);
    assert_ne!(first, second);
    for i in 0..12 {
        add(&mut v, if i % 2 == 0 { Action::Withdrawn } else { Action::Given }, &KEPT[i % 2], 5 + i as u32);
    }
    add(&mut v, Action::Withdrawn, &ERASED, 20);
    v.with_tx(|tx, actor| consents::merge(tx, actor, &first, &second)).unwrap();
    add(&mut v, Action::Given, &KEPT[0], 21);
    (v, first, second)
}

#[test]
fn an_erased_persons_values_are_in_no_page_of_the_encrypted_vault() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let (mut v, first, second) = register(&dir);
    let key = master_key(&dir);
    let needles: Vec<String> = [&ERASED, &ERASED_TOO].iter().flat_map(|p| p.needles()).collect();
    let absent = |bytes: &[u8]| -> Vec<&String> {
        needles.iter().filter(|n| has_bytes(bytes, n.as_bytes())).collect()
    };

    // The scan sees the data, the search index included: the lower-case
    // name is only there.
    let (bytes, _, _) = decrypted_vault(key.as_bytes(), &dir);
    assert!(has_bytes(&bytes, b"quixworth"), "the search index is visible to the scan");
    // So are the skeletons of the names ("Quixworth" as "kuiksvorth", «Гедеон» as "gedeon").
    for p in [&ERASED, &ERASED_TOO] {
        for w in consents::translit::skeletons(p.name) {
            assert!(has_bytes(&bytes, w.as_bytes()), "skeleton {w} is visible to the scan");
        }
    }
    assert!(has_bytes(&bytes, b"kuiksvorth") && has_bytes(&bytes, b"gedeon"));
    assert!(!absent(&bytes).is_empty());
    assert_eq!(consents::search::subjects(v.conn(), "quixw", 10).unwrap().len(), 1);

    // Erased through the absorbed subject: the person is both. Nothing is
    // written after it (the core's erasure alone: Vault::erase_subject also
    // signs a checkpoint afterwards; the lock below writes again).
    let actor = v.actor().to_string();
    let seq = subjects::erase_person(v.conn_mut(), &actor, &second, "request r-12 (GDPR Art. 17)")
        .unwrap()
        .event_seq;
    // The destruction act names the person until it is destroyed in turn
    // (kept three years on order 179's ground; destroyed here at once).
    let act = consent_ledger_core::documents::act::list(v.conn()).unwrap().remove(0);
    let text = consent_ledger_core::documents::content(v.conn(), &act.id).unwrap().text;
    assert!(text.to_lowercase().contains(&ERASED.email.to_lowercase()) && text.contains(ERASED_TOO.name), "{text}");
    v.destroy_act(&act.id, "test: its retention ended", chrono::Utc::now().date_naive()).unwrap();
    assert_eq!(consent_ledger_core::documents::content(v.conn(), &act.id).unwrap_err().code(), "erased");
    let (bytes, pages, frames) = decrypted_vault(key.as_bytes(), &dir);
    assert!(pages > 10, "{pages} pages");
    let left = absent(&bytes);
    assert!(left.is_empty(), "erased values still in the vault's pages ({pages} pages, {frames} WAL frames): {left:?}");
    // The others' values are all there (so the scan would have found these).
    for p in &KEPT {
        for n in [p.name, p.email, &consents::normalize_phone(p.phone).unwrap()] {
            assert!(has_bytes(&bytes, n.as_bytes()), "{n} was lost though not erased");
        }
    }
    assert!(has_bytes(&bytes, b"wintergreen"), "another person's search entry is visible to the scan");

    // Both subjects were erased, each with its event; the log verifies; the
    // others can still be found.
    assert_eq!(v.event(seq).unwrap().kind, "subject.erased");
    for s in [&first, &second] {
        assert_eq!(subjects::data(v.conn(), s).unwrap_err().code(), "erased");
    }
    assert!(consents::search::subjects(v.conn(), "quixw", 10).unwrap().is_empty());
    assert_eq!(consents::search::subjects(v.conn(), "wintergr", 10).unwrap().len(), 1);
    assert_eq!(consents::search::subjects(v.conn(), "fenw", 10).unwrap().len(), 1);
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{r:?}");

    // Locking writes and checkpoints again: still nothing.
    v.lock().unwrap();
    let (bytes, _, _) = decrypted_vault(key.as_bytes(), &dir);
    let left = absent(&bytes);
    assert!(left.is_empty(), "erased values in the locked vault: {left:?}");
}
