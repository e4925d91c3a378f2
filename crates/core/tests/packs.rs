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

fn json_of(zip: &[u8], name: &str) -> serde_json::Value {
    serde_json::from_slice(&files(zip).into_iter().find(|(n, _)| n == name).unwrap().1).unwrap()
}

/// The inspection pack: requisites, verification with the signed root its
/// PDF prints, the register summarised, requests with their deadlines,
/// withdrawals followed (or not) by destruction within 30 days, the acts.
#[test]
fn an_inspection_pack_summarises_the_register_and_proves_its_checkpoint() {
    use consent_ledger_core::documents::inspection::{self, Scope};
    let dir = tempfile::tempdir().unwrap();
    let (mut v, s) = person(dir.path());
    let a = 1;
    let given = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let withdrawn = consents::target(v.conn(), a, None, Action::Withdrawn).unwrap();
    let ago = |days: i64| Some(chrono::Utc::now() - chrono::Duration::days(days));
    // Withdrew 40 days ago and kept: overdue. Withdrew 35 days ago, erased now: late.
    let mut people = vec![];
    for (name, email, days) in [("Overdue Olga", "olga@example.org", 40), ("Late Lev", "lev@example.org", 35)] {
        let intake = |at| Intake { name: Some(name.into()), email: Some(email.into()), acted_at: at, ..Default::default() };
        let p = v.with_tx(|tx, actor| consents::record(tx, actor, &given, Action::Given, Channel::Paper, intake(ago(days + 10)))).unwrap().subject;
        v.with_tx(|tx, actor| consents::record(tx, actor, &withdrawn, Action::Withdrawn, Channel::Paper, intake(ago(days)))).unwrap();
        people.push(p);
    }
    v.with_tx(|tx, actor| consent_ledger_core::subjects::erase_all(tx, actor, &people[1], "withdrawal by letter")).unwrap();
    // An incident detected 30 hours ago, its 24 h notice never sent: overdue.
    use consent_ledger_core::incidents::{self, Details, Notice};
    let now = chrono::Utc::now();
    let detected = (now - chrono::Duration::hours(30)).to_rfc3339();
    let incident = incidents::record(
        &mut v,
        Details { title: "Утечка выгрузки CRM".into(), detected_at: detected, summary: "Ссылка была открыта".into(), subjects: 2_000, ..Default::default() },
        now,
    )
    .unwrap();
    let sent = incidents::notified(&mut v, incident, Notice::Rkn72h, &now.to_rfc3339(), "портал", now).unwrap();

    let made = inspection::inspection(&mut v, Scope::default(), Language::Ru, |_, _| true).unwrap();
    let key = consent_ledger_core::checkpoint::verifier_key(v.vault_id(), &v.public_key());
    let ok = pack::verify(&made.zip, Some(&key)).unwrap();
    assert_eq!(ok.kind, "inspection");
    let facts = json_of(&made.zip, "pack.json");
    let i = &facts["inspection"];
    let org = consent_ledger_core::organisation::get(v.conn()).unwrap().full_name;
    assert_eq!(i["requisites"]["full_name"], org.as_str());
    assert_eq!(i["register"]["total"], 6, "{}", i["register"]);
    assert_eq!(i["register"]["by_channel"].as_array().unwrap().len(), 4, "web form given/withdrawn, paper given/withdrawn: {}", i["register"]);
    let months = i["register"]["by_month"].as_array().unwrap();
    let per_month = |m: &serde_json::Value| ["given", "refused", "withdrawn", "expired"].iter().map(|k| m[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(months.iter().map(per_month).sum::<u64>(), 6);
    let wd = &i["destruction"]["withdrawals"];
    assert_eq!((wd["total"].as_u64(), wd["overdue"].as_u64(), wd["erased_late"].as_u64(), wd["within_30_days"].as_u64()), (Some(3), Some(1), Some(1), Some(1)), "{wd}");
    assert_eq!(wd["exceptions"][0]["subject"], people[0].as_str());
    assert_eq!(i["requests"]["deadlines"]["met"], 1);
    assert_eq!(i["acts"].as_array().unwrap().len(), 1);
    assert!(i["verification"]["events"].as_u64().unwrap() > 10);
    let inc = &i["incidents"][0];
    assert_eq!((inc["id"].as_u64(), inc["subjects"].as_u64()), (Some(incident), Some(2_000)), "{inc}");
    let state = |n: &str| inc["notices"].as_array().unwrap().iter().find(|x| x["notice"] == n).unwrap()["state"].clone();
    assert_eq!((state("rkn_24h"), state("rkn_72h")), (serde_json::json!("overdue"), serde_json::json!("sent")));
    assert_eq!(inc["events"], serde_json::json!([incident, sent]), "proven in the pack");
    let proven: Vec<u64> = facts["events"].as_array().unwrap().iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(proven.contains(&incident) && proven.contains(&sent), "{proven:?}");
    // The PDF names the operator and the very checkpoint checkpoint.txt signs.
    let pdf = files(&made.zip).into_iter().find(|(n, _)| n == "pack.pdf").unwrap().1;
    let text = pdf_text(&pdf);
    assert!(text.contains(&org), "{text}");
    assert!(text.contains(ok.root.as_str()), "the checkpoint's root {} is printed", ok.root);
    assert!(text.replace(' ', "").contains(&key), "the verifier key is printed (a line may break it)");
    for item in ["Проверка журнала", "Действующие согласия", "По месяцам", "Обращения субъектов", "30 дней", "Акты об уничтожении", "Инциденты с персональными данными", "Утечка выгрузки CRM", "РКН 24 ч: просрочено"] {
        assert!(text.contains(item), "{item}");
    }
    assert!(!text.contains("olga@example.org"), "the pack names people by their journal id only");
    // A period before everything: nothing in it, still a valid pack.
    let long_ago = chrono::NaiveDate::from_ymd_opt(2001, 1, 1);
    let empty = inspection::inspection(&mut v, Scope { from: long_ago, to: long_ago }, Language::En, |_, _| true).unwrap();
    pack::verify(&empty.zip, Some(&key)).unwrap();
    assert_eq!(json_of(&empty.zip, "pack.json")["inspection"]["register"]["total"], 0);
    assert!(inspection::inspection(&mut v, Scope { from: ago(1).map(|d| d.date_naive()), to: long_ago }, Language::En, |_, _| true).is_err());
    assert_eq!(inspection::inspection(&mut v, Scope::default(), Language::En, |_, _| false).unwrap_err().code(), "cancelled");
    let _ = s;
}

/// The pack's own event is proven against a later checkpoint that must
/// extend checkpoint.txt's: a replaced checkpoint, consistency or inclusion
/// proof is found.
#[test]
fn the_packs_own_event_needs_a_checkpoint_that_extends_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, s) = person(dir.path());
    let made = pack::person(&mut v, &s, Language::En, |_, _| true).unwrap();
    let issued = json_of(&made.zip, "issued.json");
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut j = issued.clone();
        f(&mut j);
        changed(&made.zip, "issued.json", |b| *b = serde_json::to_vec(&j).unwrap())
    };
    let first = String::from_utf8(files(&made.zip).into_iter().find(|(n, _)| n == "checkpoint.txt").unwrap().1).unwrap();
    let same = edit(&|j| j["checkpoint"] = first.clone().into());
    assert!(pack::verify(&same, None).unwrap_err().to_string().contains("consistency"));
    let no_consistency = edit(&|j| j["consistency"] = serde_json::json!([]));
    assert!(pack::verify(&no_consistency, None).unwrap_err().to_string().contains("consistency"));
    let bad_inclusion = edit(&|j| j["inclusion"][0] = "00".repeat(32).into());
    assert!(pack::verify(&bad_inclusion, None).unwrap_err().to_string().contains("inclusion proof"));
    // pack.json naming another checkpoint than the one signed is found too.
    let other_root = changed(&made.zip, "pack.json", |b| {
        let mut j: serde_json::Value = serde_json::from_slice(b).unwrap();
        j["checkpoint"]["root"] = "11".repeat(32).into();
        *b = serde_json::to_vec(&j).unwrap();
    });
    assert!(pack::verify(&other_root, None).is_err());
}

/// A vault whose ledger does not verify gets no inspection pack.
#[test]
fn a_damaged_ledger_gets_no_inspection_pack() {
    use consent_ledger_core::documents::inspection::{self, Scope};
    let dir = tempfile::tempdir().unwrap();
    let (v, _) = person(dir.path());
    v.lock().unwrap();
    let c = raw_conn(dir.path());
    c.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET actor = 'mallory' WHERE seq = 3;").unwrap();
    drop(c);
    let mut v = Vault::unlock(dir.path(), PASS).unwrap();
    let docs: i64 = v.conn().query_row("SELECT count(*) FROM documents", [], |r| r.get(0)).unwrap();
    let e = inspection::inspection(&mut v, Scope::default(), Language::Ru, |_, _| true).unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
    let after: i64 = v.conn().query_row("SELECT count(*) FROM documents", [], |r| r.get(0)).unwrap();
    assert_eq!(docs, after, "nothing was recorded");
}

/// A requester the register does not know (no consents, no agreement text):
/// their pack says so, checks, and holds only their request's events.
#[test]
fn a_person_with_no_consents_gets_a_pack_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(dir.path());
    let req = NewRequest {
        kind: Kind::Access,
        name: Some("Незнакомов <script>alert(1)</script> Пётр".into()),
        email: Some("stranger@example.org".into()),
        ..Default::default()
    };
    let opened = requests::open(&mut v, req, today()).unwrap();
    let subject = opened.request.subject.clone();
    let made = pack::person(&mut v, &subject, Language::Ru, |_, _| true).unwrap();
    pack::verify(&made.zip, None).unwrap();
    let facts = json_of(&made.zip, "pack.json");
    assert_eq!(facts["texts"].as_array().unwrap().len(), 0);
    assert!(facts["events"].as_array().unwrap().iter().all(|e| e["kind"].as_str().unwrap().starts_with("request.")), "{}", facts["events"]);
    let pdf = files(&made.zip).into_iter().find(|(n, _)| n == "pack.pdf").unwrap().1;
    let text = pdf_text(&pdf);
    assert!(text.contains("Согласия, отказы и отзывы Нет."), "{text}");
    assert!(text.contains("Незнакомов <script>alert(1)</script> Пётр"), "hostile text is shown as text");
}
