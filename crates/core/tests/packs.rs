//! Evidence packs through the real vault: a person pack verifies without
//! the vault, and a changed byte in its PDF or JSON, a swapped proof, a
//! changed event or another vault's key is each detected.

mod common;

use std::io::{Cursor, Read, Write};

use common::*;
use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::consents::{self, Action, Channel, Intake};
use consent_ledger_core::documents::pack;
use consent_ledger_core::requests::{self, fulfil, IdentityCheck, IdentityMethod, Kind, NewRequest};
use consent_ledger_core::Vault;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A person who consented, withdrew and asked for access; returns the vault and the subject.
fn person(dir: &std::path::Path) -> (Vault, String) {
    let (mut v, a) = vault_with_agreement(dir);
    let given = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let withdrawn = consents::target(v.conn(), a, None, Action::Withdrawn).unwrap();
    let intake = || Intake {
        name: Some("Фёдоров Дмитрий <i>Иванович</i>".into()),
        email: Some("d.fedorov@kvartirnik.ru".into()),
        ip: Some("203.0.113.7".parse().unwrap()),
        url: Some("https://romashka.example/form".into()),
        ..Default::default()
    };
    let s = v.with_tx(|tx, actor| consents::record(tx, actor, &given, Action::Given, Channel::WebForm, intake())).unwrap().subject;
    v.with_tx(|tx, actor| consents::record(tx, actor, &withdrawn, Action::Withdrawn, Channel::WebForm, intake())).unwrap();
    let id = requests::open(&mut v, NewRequest { kind: Kind::Access, subject: Some(s.clone()), ..Default::default() }, today()).unwrap().request.id;
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    fulfil::fulfil(&mut v, id, Default::default(), today()).unwrap();
    (v, s)
}

fn files(zip: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut b = vec![];
            f.read_to_end(&mut b).unwrap();
            (f.name().unwrap().to_string(), b)
        })
        .collect()
}

fn rezip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in files {
        w.start_file(n.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        w.write_all(b).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn changed(zip: &[u8], name: &str, f: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut all = files(zip);
    let e = all.iter_mut().find(|(n, _)| n == name).unwrap();
    f(&mut e.1);
    rezip(&all)
}

#[test]
fn a_person_pack_verifies_without_the_vault_and_any_change_is_found() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = person(d.path());
    let made = pack::person(&mut v, &s, Language::Ru, |_, _| true).unwrap();
    let key = consent_ledger_core::checkpoint::verifier_key(v.vault_id(), &v.public_key());
    let names: Vec<String> = files(&made.zip).into_iter().map(|(n, _)| n).collect();
    for f in ["README.txt", "pack.pdf", "pack.json", "issued.json", "proofs.json", "checkpoint.txt", "verifier-key.txt"] {
        assert!(names.contains(&f.to_string()), "{f} missing");
    }
    let ok = pack::verify(&made.zip, Some(&key)).unwrap();
    assert_eq!(ok.id, made.id);
    assert!(ok.events >= 6, "consents, data, request steps, publication, the pack: {}", ok.events);
    // The facts: both actions with IP and URL, the request, the agreement's text once.
    let json: serde_json::Value = serde_json::from_slice(&files(&made.zip).into_iter().find(|(n, _)| n == "pack.json").unwrap().1).unwrap();
    assert_eq!(json["person"]["consents"].as_array().unwrap().len(), 2);
    assert_eq!(json["person"]["consents"][0]["ip"], "203.0.113.7");
    assert_eq!(json["texts"].as_array().unwrap().len(), 1);
    assert_eq!(json["person"]["requests"].as_array().unwrap().len(), 1);
    // Deterministic files: the same vault state gives the same pack facts (the pack is recorded once).
    assert_eq!(v.vault_id(), ok.vault_id);

    // A changed byte of the PDF, of the JSON, of an event; a swapped proof; another vault's key.
    let pdf = changed(&made.zip, "pack.pdf", |b| {
        let i = b.len() / 2;
        b[i] ^= 1;
    });
    assert!(pack::verify(&pdf, Some(&key)).unwrap_err().to_string().contains("pack.pdf"));
    let json_changed = changed(&made.zip, "pack.json", |b| {
        let t = String::from_utf8(b.clone()).unwrap().replacen("203.0.113.7", "203.0.113.8", 1);
        *b = t.into_bytes();
    });
    assert!(pack::verify(&json_changed, Some(&key)).unwrap_err().to_string().contains("pack.json"));
    let proofs: serde_json::Value =
        serde_json::from_slice(&files(&made.zip).into_iter().find(|(n, _)| n == "proofs.json").unwrap().1).unwrap();
    let seqs: Vec<String> = proofs["proofs"].as_object().unwrap().keys().cloned().collect();
    let swapped = changed(&made.zip, "proofs.json", |b| {
        let mut p: serde_json::Value = serde_json::from_slice(b).unwrap();
        let (a, c) = (p["proofs"][&seqs[0]].clone(), p["proofs"][&seqs[1]].clone());
        p["proofs"][&seqs[0]] = c;
        p["proofs"][&seqs[1]] = a;
        *b = serde_json::to_vec(&p).unwrap();
    });
    assert!(pack::verify(&swapped, Some(&key)).unwrap_err().to_string().contains("inclusion proof"));
    let other_dir = tempfile::tempdir().unwrap();
    let other = create(other_dir.path()).vault;
    let other_key = consent_ledger_core::checkpoint::verifier_key(other.vault_id(), &other.public_key());
    assert!(pack::verify(&made.zip, Some(&other_key)).unwrap_err().to_string().contains("another vault"));
    let key_swapped = changed(&made.zip, "verifier-key.txt", |b| *b = format!("{other_key}\n").into_bytes());
    assert!(pack::verify(&key_swapped, None).is_err(), "the checkpoint is not signed by the other vault's key");
    assert!(pack::verify(b"not a zip", None).unwrap_err().to_string().contains("ZIP"));
    // The pack is a document of the vault, and the vault still verifies.
    assert!(consent_ledger_core::documents::get(v.conn(), &made.id).is_ok());
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{:?}", r.problem);
}

#[test]
fn a_cancelled_pack_records_nothing_and_an_erased_person_shows_no_values() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = person(d.path());
    let before = v.conn().query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(pack::person(&mut v, &s, Language::En, |_, _| false).unwrap_err().code(), "cancelled");
    assert_eq!(v.conn().query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap(), before);
    v.erase_person(&s, "request 1").unwrap();
    let made = pack::person(&mut v, &s, Language::En, |_, _| true).unwrap();
    pack::verify(&made.zip, None).unwrap();
    let all = files(&made.zip);
    let json = String::from_utf8(all.iter().find(|(n, _)| n == "pack.json").unwrap().1.clone()).unwrap();
    assert!(!json.contains("d.fedorov@kvartirnik.ru") && !json.contains("Фёдоров"), "no value of an erased person");
    assert!(json.contains("subject.erased"));
}

#[test]
fn an_agreement_pack_holds_every_version_its_changes_and_counts() {
    use consent_ledger_core::agreements;
    let d = tempfile::tempdir().unwrap();
    let (mut v, a) = vault_with_agreement(d.path());
    let add = |v: &mut Vault, action: Action, email: &str| {
        let t = consents::target(v.conn(), a, None, action).unwrap();
        let intake = Intake { email: Some(email.into()), ..Default::default() };
        v.with_tx(|tx, actor| consents::record(tx, actor, &t, action, Channel::WebForm, intake)).unwrap();
    };
    add(&mut v, Action::Given, "a@example.org");
    add(&mut v, Action::Given, "b@example.org");
    let mut c = agreements::view(v.conn(), a, None).unwrap().content;
    c.purposes.push("Sending the newsletter the subject subscribed to".into());
    v.with_tx(|tx, _| agreements::save_draft(tx, a, c)).unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, a, &[], Language::En)).unwrap();
    add(&mut v, Action::Given, "c@example.org");
    add(&mut v, Action::Refused, "d@example.org");
    let made = pack::agreement(&mut v, a, Language::En, |_, _| true).unwrap();
    let key = consent_ledger_core::checkpoint::verifier_key(v.vault_id(), &v.public_key());
    let ok = pack::verify(&made.zip, Some(&key)).unwrap();
    assert_eq!(ok.kind, "agreement");
    let json: serde_json::Value = serde_json::from_slice(&files(&made.zip).into_iter().find(|(n, _)| n == "pack.json").unwrap().1).unwrap();
    let versions = json["agreement"]["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0]["consents"]["given"].as_u64(), versions[1]["consents"]["given"].as_u64()), (Some(2), Some(1)));
    assert_eq!(versions[1]["consents"]["refused"], 1);
    let diff = versions[1]["diff"].as_array().unwrap();
    assert!(diff.iter().any(|l| l["op"] == "insert" && l["text"].as_str().unwrap().contains("newsletter")), "{diff:?}");
    assert_eq!(json["texts"].as_array().unwrap().len(), 2);
    assert_eq!(json["events"].as_array().unwrap().len(), 2, "the two publication events");
    // A text changed in the pack no longer matches its publication event.
    let changed_text = changed(&made.zip, "pack.json", |b| {
        let mut j: serde_json::Value = serde_json::from_slice(b).unwrap();
        let t = j["texts"][0]["snapshot"].as_str().unwrap().replacen("enquiry", "data sale", 1);
        j["texts"][0]["snapshot"] = t.into();
        *b = serde_json::to_vec_pretty(&j).unwrap();
    });
    assert!(pack::verify(&changed_text, Some(&key)).is_err());
    // No published version: nothing to prove.
    let draft = v.with_tx(|tx, _| agreements::create(tx, agreements::TemplateKind::Custom, Language::En, None, None)).unwrap();
    assert!(pack::agreement(&mut v, draft, Language::En, |_, _| true).unwrap_err().to_string().contains("no published version"));
}
