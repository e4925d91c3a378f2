//! The search index on a register large enough for its segments to span
//! many pages: erasing one person writes only the pages that held their
//! words, and neither an erasure nor a rectification leaves a word that
//! left the index in the index's b-tree keys (`subject_search_idx`), which
//! FTS5's secure-delete does not rewrite by itself.

mod common;

use std::collections::BTreeMap;

use common::pages::{decrypted_vault, has_bytes, traces};
use common::*;
use consent_ledger_core::consents::{self, importer, search};
use consent_ledger_core::requests::{self, fulfil, IdentityCheck, IdentityMethod, Kind, NewRequest};
use consent_ledger_core::{subjects, Vault};
use rusqlite::Connection;

/// How many people the register holds: enough for segments of well over a
/// hundred leaf pages, each with its key.
const PEOPLE: usize = 5000;

/// A deterministic stream of numbers (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }

    fn word(&mut self, len: usize) -> String {
        (0..len).map(|_| (b'a' + self.next(26) as u8) as char).collect()
    }
}

/// A vault whose register holds [`PEOPLE`] people with made-up surnames,
/// e-mails and phone numbers (ASCII only, so every key of the index is
/// text), imported in one file.
fn register(dir: &std::path::Path) -> Vault {
    let (mut v, id) = vault_with_agreement(dir);
    let mut rng = Lcg(20260305);
    let given = ["Anna", "Boris", "Clara", "Denis", "Elena", "Fedor", "Galina", "Igor"];
    let domains = ["example.org", "mail.example", "post.example.net"];
    let mut csv = String::from("Дата;ФИО;E-mail;Телефон\n");
    for i in 0..PEOPLE {
        let len = 8 + rng.next(4) as usize;
        let mut surname = rng.word(len);
        surname[..1].make_ascii_uppercase();
        let email = format!("{}.{}@{}", surname.to_lowercase(), rng.word(4), domains[i % 3]);
        let phone = format!("+7 9{:09}", rng.next(1_000_000_000));
        csv.push_str(&format!("2025-03-14 10:{:02};{} {surname};{email};{phone}\n", i % 60, given[i % 8]));
    }
    let actor = v.actor().to_string();
    let opts = importer::ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false };
    let r = importer::import(v.conn_mut(), &actor, "people.csv", csv.as_bytes(), &Default::default(), &opts, |_| true)
        .unwrap();
    assert!(r.committed && r.added == PEOPLE as u64, "{r:?}");
    v
}

/// The keys of the index's b-tree (segment, key without the byte that
/// names the index, page), those of a segment's first page left out (they
/// are empty).
fn keys(c: &Connection) -> Vec<(i64, String, i64)> {
    c.prepare("SELECT segid, CAST(substr(term, 2) AS TEXT), pgno >> 1 FROM subject_search_idx WHERE length(term) > 1")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The rowids of the entries with a word that starts with `prefix` (in the
/// columns of `columns`, an FTS5 column filter).
fn starting_with(c: &Connection, columns: &str, prefix: &str) -> Vec<i64> {
    c.prepare("SELECT rowid FROM subject_search WHERE subject_search MATCH ?1")
        .unwrap()
        .query_map([format!("{columns} : \"{prefix}\"*")], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// A key that begins a word of one entry only, in `columns`: that word is
/// the first on the key's page, and no one else's word shares the key.
/// (the key, the entry's subject).
fn key_of_one_entry(c: &Connection, columns: &str, min_len: usize) -> (String, String) {
    let (key, rowid) = keys(c)
        .into_iter()
        .filter(|(_, k, _)| k.len() >= min_len)
        .find_map(|(_, k, _)| match starting_with(c, columns, &k)[..] {
            [rowid] => Some((k, rowid)),
            _ => None,
        })
        .expect("a key that begins one entry's word only");
    let subject = c.query_row("SELECT id FROM subjects WHERE rowid = ?1", [rowid], |r| r.get(0)).unwrap();
    (key, subject)
}

/// Every key still begins a word in the index (FTS5 writes each as a
/// prefix of its page's first term, so no key holds anything of a word
/// that left the index), and FTS5 finds the index consistent.
fn keys_begin_words_in_the_index(c: &Connection) {
    let stale: Vec<String> = keys(c)
        .into_iter()
        .filter(|(_, k, _)| starting_with(c, "{name email phone translit}", k).is_empty())
        .map(|(s, k, p)| format!("{k:?} (segment {s}, page {p})"))
        .collect();
    assert!(stale.is_empty(), "keys of words no longer in the index: {stale:?}");
    c.execute("INSERT INTO subject_search (subject_search, rank) VALUES ('integrity-check', 0)", [])
        .expect("FTS5 finds the index consistent");
}

/// Every row of `subject_search_data` (FTS5's segments, by rowid).
fn index_rows(c: &Connection) -> BTreeMap<i64, Vec<u8>> {
    c.prepare("SELECT id, block FROM subject_search_data")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn erasing_one_person_writes_only_their_pages_and_leaves_no_key_of_their_words() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let mut v = register(&dir);
    keys_begin_words_in_the_index(v.conn());
    let (key, person) = key_of_one_entry(v.conn(), "{name email phone translit}", 3);
    let contacts: Vec<(String, String)> = v
        .conn()
        .prepare("SELECT kind, value FROM subject_contacts WHERE subject_id = ?1")
        .unwrap()
        .query_map([&person], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(contacts.len(), 3, "{contacts:?}");
    let before = index_rows(v.conn());
    assert!(before.len() > 100, "{} rows: the segments should span many pages", before.len());

    let actor = v.actor().to_string();
    subjects::erase_person(v.conn_mut(), &actor, &person, "request r-5 (GDPR Art. 17)").unwrap();

    // Not a rewrite of the index: the same segments and pages, and only a
    // few of them written (those that held the person's words and their
    // 2-4 letter prefixes, and FTS5's records of the structure and sizes).
    let after = index_rows(v.conn());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the index's pages were replaced"
    );
    let written = before.iter().filter(|(id, block)| after[id] != **block).count();
    assert!(written >= 2, "the person's words were not taken out ({written} rows written)");
    assert!(written <= 60, "{written} of {} rows of the index were written", before.len());

    // Nothing of the person's words is left in the keys; nobody else lost theirs.
    keys_begin_words_in_the_index(v.conn());
    assert!(starting_with(v.conn(), "{name email phone translit}", &key).is_empty());
    let others = keys(v.conn()).into_iter().filter(|(_, k, _)| k.len() >= 4).take(20);
    for (_, k, _) in others {
        assert!(!starting_with(v.conn(), "{name email phone translit}", &k).is_empty(), "{k}");
    }
    // The person's values are in no page once the destruction act that names
    // them is destroyed too: the name and e-mail in full, the surname (the
    // given names are common) and the phone as stored and indexed.
    let act = consent_ledger_core::documents::act::list(v.conn()).unwrap().remove(0);
    v.destroy_act(&act.id, "test: at once", chrono::Utc::now().date_naive()).unwrap();
    v.lock().unwrap();
    let (bytes, _, _) = decrypted_vault(master_key(&dir).as_bytes(), &dir);
    let mut needles = vec![];
    for (kind, value) in &contacts {
        needles.extend([value.clone(), value.to_lowercase(), value.to_uppercase()]);
        match kind.as_str() {
            "name" => needles.extend(traces(value.split(' ').nth(1).unwrap())),
            "phone" => needles.push(value.strip_prefix('7').unwrap().to_string()),
            _ => {}
        }
    }
    let left: Vec<&String> = needles.iter().filter(|n| has_bytes(&bytes, n.as_bytes())).collect();
    assert!(left.is_empty(), "erased values still in the vault's pages: {left:?}");
}

#[test]
fn a_rectified_phone_is_found_by_its_new_value_only_and_leaves_no_key() {
    let d = tempfile::tempdir().unwrap();
    let mut v = register(&d.path().join("v"));
    // A phone whose token is the first on its page and shares the page's
    // key with no other number.
    let (key, person) = key_of_one_entry(v.conn(), "phone", 3);
    let old = search::subjects(v.conn(), &key, 10).unwrap()[0].phones[0].clone();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
    let request = NewRequest {
        kind: Kind::Rectification,
        subject: Some(person.clone()),
        received: Some("2026-03-05".into()),
        text: Some("My number changed".into()),
        ..Default::default()
    };
    let id = requests::open(&mut v, request, today).unwrap().request.id;
    let passed = IdentityCheck { method: IdentityMethod::Email, passed: true, details: None };
    requests::identity(&mut v, id, passed).unwrap();
    let f = fulfil::Fulfilment {
        corrections: fulfil::Corrections { phone: Some("+7 (800) 555-01-99".into()), ..Default::default() },
        ..Default::default()
    };
    assert_eq!(fulfil::fulfil(&mut v, id, f, today).unwrap().outcome, "rectified");

    let found = search::subjects(v.conn(), "8 800 555 01 99", 10).unwrap();
    assert_eq!(found.iter().map(|h| h.subject.as_str()).collect::<Vec<_>>(), [person.as_str()]);
    assert_eq!(found[0].phones, ["78005550199"]);
    assert!(search::subjects(v.conn(), &old, 10).unwrap().is_empty(), "the old number {old} is still found");
    assert!(starting_with(v.conn(), "phone", &key).is_empty());
    keys_begin_words_in_the_index(v.conn());
    // The person is still found by name, once.
    let name = found[0].names[0].clone();
    assert_eq!(search::subjects(v.conn(), &name, 10).unwrap().len(), 1);
    assert_eq!(consents::count(v.conn()).unwrap(), PEOPLE as u64);
}
