//! Data subjects' requests end to end on a real vault: intake (finding the
//! person, duplicates, merged and erased subjects), deadlines and extension,
//! the identity check, each kind's fulfilment acting on the data, refusal,
//! cancellation, calendar loading, and verify staying intact throughout.

mod common;

use chrono::NaiveDate;
use common::*;
use consent_ledger_core::consents::{self, search, Action, Channel as CChannel, Intake};
use consent_ledger_core::requests::{
    self, access, fulfil, settings, Channel, IdentityCheck, IdentityMethod, Kind, Law, NewRequest, Status,
};
use consent_ledger_core::{subjects, Vault};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A vault with a published GDPR agreement and two people who consented:
/// (vault, agreement, Фёдоров's subject, the other's subject).
fn register(dir: &std::path::Path) -> (Vault, u64, String, String) {
    let (mut v, a) = vault_with_agreement(dir);
    let t = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let add = |v: &mut Vault, name: &str, email: &str, phone: &str| {
        let intake = Intake {
            name: Some(name.into()),
            email: Some(email.into()),
            phone: Some(phone.into()),
            ..Default::default()
        };
        v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, CChannel::WebForm, intake))
            .unwrap()
            .subject
    };
    let fedorov = add(&mut v, "Фёдоров Дмитрий", "d.fedorov@kvartirnik.ru", "+7 916 123-45-67");
    let other = add(&mut v, "Smith Anna", "anna@example.org", "+44 20 7946 0000");
    (v, a, fedorov, other)
}

fn request(kind: Kind, subject: &str, received: &str) -> NewRequest {
    NewRequest {
        kind,
        subject: Some(subject.into()),
        received: Some(received.into()),
        text: Some("Прошу <script>alert(1)</script> удалить".into()),
        ..Default::default()
    }
}

fn verified(v: &Vault) {
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{:?}", r.problem);
}

const TODAY: &str = "2026-03-05";

#[test]
fn intake_computes_the_deadline_from_the_persons_agreements_and_flags_duplicates() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let today = day(TODAY);
    let o = requests::open(&mut v, request(Kind::Access, &fedorov, "2026-03-02"), today).unwrap();
    // The person consented to a GDPR agreement only: one month, rolled past weekends.
    assert_eq!(o.request.law, Law::Gdpr);
    assert_eq!(o.request.due, "2026-04-02");
    assert_eq!(o.request.status, Status::Received);
    assert!(o.weekends_only);
    assert_eq!(o.request.duplicate_of, None);
    // 152-FZ explicitly: 10 working days (9 Mar 2026 is a day off).
    let mut r = request(Kind::Access, &fedorov, "2026-03-02");
    r.law = Some(Law::Both);
    let both = requests::open(&mut v, r, today).unwrap();
    assert_eq!(both.request.due_152fz.as_deref(), Some("2026-03-17"));
    assert_eq!(both.request.due_gdpr.as_deref(), Some("2026-04-02"));
    assert_eq!(both.request.due, "2026-03-17");
    assert_eq!(both.request.duplicate_of, Some(o.request.id));
    // The text is kept as typed, behind a commitment; the event carries none of it.
    let detail = requests::get(v.conn(), o.request.id, today).unwrap();
    assert_eq!(detail.data["text"], "Прошу <script>alert(1)</script> удалить");
    assert!(!detail.history[0].body.to_string().contains("script"));
    assert!(detail.history[0].body["commitment"].as_str().unwrap().starts_with("hmac-sha256:"));
    verified(&v);
}

#[test]
fn bad_intake_is_refused_and_stores_nothing() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, a, fedorov, other) = register(d.path());
    let today = day(TODAY);
    let size = v.info().unwrap().events;
    let code = |v: &mut Vault, r: NewRequest| requests::open(v, r, today).unwrap_err();
    let e = code(&mut v, request(Kind::Access, &fedorov, "2026-03-06"));
    assert!(e.to_string().contains("in the future"), "{e}");
    assert!(code(&mut v, request(Kind::Access, &fedorov, "2026-02-30")).to_string().contains("not a date"));
    assert_eq!(Kind::parse("deletion").unwrap_err().code(), "invalid");
    assert!(Law::parse("ccpa").unwrap_err().to_string().contains("152-fz"));
    assert_eq!(code(&mut v, request(Kind::Access, "s-nobody", TODAY)).code(), "not_found");
    // Nobody named at all.
    let e = code(&mut v, NewRequest { kind: Kind::Access, ..Default::default() });
    assert!(e.to_string().contains("say who wrote"), "{e}");
    // A merged subject: the request must name the person it was merged into.
    v.with_tx(|tx, actor| consents::merge(tx, actor, &fedorov, &other)).unwrap();
    let e = code(&mut v, request(Kind::Access, &other, TODAY));
    assert!(e.to_string().contains(&format!("merged into {fedorov}")), "{e}");
    assert_eq!(v.info().unwrap().events, size + 1, "only the merge was recorded");
    let _ = a;
}

#[test]
fn someone_the_register_knows_is_never_taken_for_a_stranger() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let today = day(TODAY);
    // «федоров» without ё, words in the other order: the search finds him,
    // so "not in the register" needs a confirmation.
    let stranger = NewRequest {
        kind: Kind::Access,
        name: Some("Дмитрий федоров".into()),
        received: Some(TODAY.into()),
        ..Default::default()
    };
    let e = requests::open(&mut v, stranger.clone(), today).unwrap_err();
    assert!(e.to_string().contains(&fedorov), "{e}");
    // A Latin letter from "Dmitry Fedorov" offers him as a candidate too.
    let latin = NewRequest { name: Some("Dmitry Fedorov".into()), ..stranger.clone() };
    let e = requests::open(&mut v, latin, today).unwrap_err();
    assert!(e.to_string().contains(&fedorov), "{e}");
    // Someone else entirely: recorded as not found, with the searches made.
    let unknown = NewRequest {
        name: Some("Петров Пётр".into()),
        email: Some("petrov@example.com".into()),
        ..stranger
    };
    let o = requests::open(&mut v, unknown, today).unwrap();
    assert!(!o.request.found);
    assert_eq!(o.searches.len(), 2);
    assert!(o.searches.iter().all(|s| s.hits == 0 && s.candidates == 0));
    let detail = requests::get(v.conn(), o.request.id, today).unwrap();
    assert_eq!(detail.data["searches"][0]["query"], "Петров Пётр");
    assert_eq!(detail.history[0].body["searches"], 2);
    // Fulfilled as "no data held".
    requests::identity(&mut v, o.request.id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let done = fulfil::fulfil(&mut v, o.request.id, Default::default(), today).unwrap();
    assert_eq!(done.outcome, "no_data_held");
    verified(&v);
}

#[test]
fn extension_is_allowed_once_in_time_with_reasons() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let mut r = request(Kind::Access, &fedorov, "2026-03-02");
    r.law = Some(Law::Fz152);
    let id = requests::open(&mut v, r, day(TODAY)).unwrap().request.id;
    let ext = |v: &mut Vault, reason: &str, notice: &str, today: &str| requests::extend(v, id, reason, notice, day(today));
    assert!(ext(&mut v, "  ", "2026-03-05", TODAY).unwrap_err().to_string().contains("reasons"));
    // After the deadline (17 Mar): refused; a notice dated after it too.
    assert!(ext(&mut v, "archive", "2026-03-10", "2026-03-18").unwrap_err().to_string().contains("ended on 2026-03-17"));
    assert!(ext(&mut v, "archive", "2026-03-18", "2026-03-17").unwrap_err().to_string().contains("after the deadline"));
    assert!(ext(&mut v, "archive", "2026-03-01", TODAY).is_err(), "a notice before the receipt");
    let dues = ext(&mut v, "the archive is searched", "2026-03-05", TODAY).unwrap();
    assert_eq!(dues.due, "2026-03-24");
    let e = ext(&mut v, "again", "2026-03-05", TODAY).unwrap_err();
    assert!(e.to_string().contains("extended already"), "{e}");
    let item = requests::get_item(v.conn(), id, day(TODAY)).unwrap();
    assert_eq!((item.due.as_str(), item.extended_on.as_deref()), ("2026-03-24", Some("2026-03-05")));
    // A withdrawal has no extension under 152-FZ.
    let mut w = request(Kind::Withdrawal, &fedorov, "2026-03-02");
    w.law = Some(Law::Fz152);
    let wid = requests::open(&mut v, w, day(TODAY)).unwrap().request.id;
    assert!(requests::extend(&mut v, wid, "x", "2026-03-05", day(TODAY)).unwrap_err().to_string().contains("cannot be extended"));
    verified(&v);
}

#[test]
fn withdrawal_withdraws_every_active_consent_and_starts_the_destruction_deadline() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, a, fedorov, _) = register(d.path());
    let today = day(TODAY);
    let mut r = request(Kind::Withdrawal, &fedorov, "2026-03-02");
    r.channel = Channel::Email;
    let id = requests::open(&mut v, r, today).unwrap().request.id;
    // Not before the identity check.
    let e = fulfil::fulfil(&mut v, id, Default::default(), today).unwrap_err();
    assert!(e.to_string().contains("identity"), "{e}");
    let e = requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Waived, passed: true, details: None }).unwrap_err();
    assert!(e.to_string().contains("waived"), "{e}");
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Document, passed: false, details: Some("passport number differs".into()) }).unwrap();
    assert_eq!(requests::get_item(v.conn(), id, today).unwrap().status, Status::IdentityCheck);
    assert!(fulfil::fulfil(&mut v, id, Default::default(), today).is_err());
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let done = fulfil::fulfil(&mut v, id, Default::default(), today).unwrap();
    assert_eq!((done.outcome.as_str(), done.consents_withdrawn), ("withdrawn", 1));
    // 30 calendar days from receipt.
    assert_eq!(done.followups.len(), 1);
    assert_eq!((done.followups[0].kind.as_str(), done.followups[0].due.as_str()), ("destroy", "2026-04-01"));
    let t = consents::timeline(v.conn(), &fedorov).unwrap();
    assert_eq!(t.items.last().unwrap().entry.action, Action::Withdrawn);
    assert_eq!(t.items.last().unwrap().entry.agreement, a);
    // On the suppression list by hash of the normalised e-mail and phone.
    let list = fulfil::suppression_list(v.conn(), false).unwrap();
    assert!(list.iter().any(|s| s.sha256 == fulfil::suppression_hash("d.fedorov@kvartirnik.ru") && s.value.is_none()));
    assert!(list.iter().any(|s| s.sha256 == fulfil::suppression_hash("79161234567")));
    let plain = fulfil::suppression_list(v.conn(), true).unwrap();
    assert!(plain.iter().any(|s| s.value.as_deref() == Some("d.fedorov@kvartirnik.ru")));
    // Closed: no further steps.
    assert!(requests::cancel(&mut v, id, None, today).unwrap_err().to_string().contains("fulfilled already"));
    // The overview lists the pending destruction.
    let o = requests::overview::overview(v.conn(), today).unwrap();
    assert_eq!(o.followups_pending, 1);
    assert_eq!(o.followups[0].request, id);
    // Erasing the person meets it; the suppression list keeps the hashes.
    v.erase_person(&fedorov, &format!("request {id}")).unwrap();
    let o = requests::overview::overview(v.conn(), today).unwrap();
    assert_eq!(o.followups_pending, 0);
    assert_eq!(fulfil::suppression_list(v.conn(), true).unwrap().len(), 2);
    assert!(fulfil::suppression_list(v.conn(), true).unwrap().iter().all(|s| s.value.is_none()));
    verified(&v);
}

#[test]
fn erasure_request_destroys_every_merged_subject_and_the_request_files() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, other) = register(d.path());
    let today = day(TODAY);
    v.with_tx(|tx, actor| consents::merge(tx, actor, &fedorov, &other)).unwrap();
    let id = requests::open(&mut v, request(Kind::Erasure, &fedorov, TODAY), today).unwrap().request.id;
    requests::attach(&mut v, id, "request", "letter.eml", b"From: d.fedorov@kvartirnik.ru").unwrap();
    assert!(requests::attach(&mut v, id, "request", "empty", b"").is_err());
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::InPerson, passed: true, details: Some("паспорт 4510 123456".into()) }).unwrap();
    let done = fulfil::fulfil(&mut v, id, Default::default(), today).unwrap();
    assert_eq!(done.outcome, "erased");
    assert_eq!(done.erased.len(), 2);
    assert!(search::subjects(v.conn(), "Фёдоров", 10).unwrap().is_empty());
    assert!(search::subjects(v.conn(), "anna@example.org", 10).unwrap().is_empty());
    let detail = requests::get(v.conn(), id, today).unwrap();
    assert_eq!(detail.request.status, Status::Fulfilled);
    assert!(detail.files.is_empty(), "the letter is personal data: erased");
    assert!(detail.data.is_null());
    assert_eq!(subjects::data(v.conn(), &fedorov).unwrap_err().code(), "erased");
    // A new request for the erased person, or erasing again, is refused.
    assert_eq!(requests::open(&mut v, request(Kind::Erasure, &fedorov, TODAY), today).unwrap_err().code(), "erased");
    assert_eq!(v.erase_person(&fedorov, "again").unwrap_err().code(), "erased");
    verified(&v);
    // The destruction act names the person and the request (order 179) and
    // is kept on its own ground; destroyed at once here.
    let act = done.act.clone().unwrap();
    let text = consent_ledger_core::documents::content(v.conn(), &act).unwrap().text;
    assert!(text.contains("Фёдоров Дмитрий") && text.contains(&format!("№ {id}")), "{text}");
    v.destroy_act(&act, "test: at once", today).unwrap();
    verified(&v);
    // No value of theirs is left in any page, WAL frame or the search index.
    drop(v);
    let key = master_key(d.path());
    let (bytes, _, _) = common::pages::decrypted_vault(key.as_bytes(), d.path());
    // The scan sees what is kept: the organisation's name is in the requisites.
    assert!(common::pages::has_bytes(&bytes, "Ромашка".as_bytes()));
    for value in ["d.fedorov@kvartirnik.ru", "Фёдоров Дмитрий", "паспорт 4510 123456", "From: d.fedorov@kvartirnik.ru", "Прошу <script>alert(1)</script> удалить"] {
        for needle in common::pages::traces(value) {
            assert!(!common::pages::has_bytes(&bytes, needle.as_bytes()), "{needle} survived");
        }
    }
}

#[test]
fn restriction_flags_the_person_and_a_legal_hold_blocks_erasure() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let today = day(TODAY);
    let id = requests::open(&mut v, request(Kind::Restriction, &fedorov, TODAY), today).unwrap().request.id;
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let done = fulfil::fulfil(&mut v, id, fulfil::Fulfilment { legal_hold: true, ..Default::default() }, today).unwrap();
    assert_eq!(done.outcome, "restricted");
    assert!(access::gather(v.conn(), &fedorov, None, today).unwrap().person.restricted);
    // The register and search show the mark; other people's rows do not carry it.
    let rows = consents::list(v.conn(), &Default::default(), None, 100).unwrap();
    assert!(rows.iter().any(|e| e.subject == fedorov));
    assert!(rows.iter().all(|e| e.restricted == (e.subject == fedorov)));
    let hits = search::subjects(v.conn(), "Фёдоров", 10).unwrap();
    assert!(hits[0].subject == fedorov && hits[0].restricted);
    let e_id = requests::open(&mut v, request(Kind::Erasure, &fedorov, TODAY), today).unwrap().request.id;
    requests::identity(&mut v, e_id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let e = fulfil::fulfil(&mut v, e_id, Default::default(), today).unwrap_err();
    assert!(e.to_string().contains("legal hold"), "{e}");
    assert!(subjects::data(v.conn(), &fedorov).is_ok(), "nothing erased");
    // Refused with its ground instead; a reason and a text are required.
    assert!(requests::refuse(&mut v, e_id, "legal_claims", " ", today).is_err());
    assert!(requests::refuse(&mut v, e_id, "because", "text", today).unwrap_err().to_string().contains("legal_claims"));
    let seq = requests::refuse(&mut v, e_id, "legal_claims", "Court case 12-345", today).unwrap();
    assert!(v.event(seq).unwrap().body.contains("17(3)(e)"));
    // The erasure outside a request is refused the same way.
    let e = v.erase_person(&fedorov, "request 99").unwrap_err();
    assert!(e.to_string().contains("legal hold"), "{e}");
    fulfil::lift_restriction(&mut v, &fedorov, "the claim is settled").unwrap();
    assert!(!access::gather(v.conn(), &fedorov, None, today).unwrap().person.restricted);
    assert!(fulfil::lift_restriction(&mut v, &fedorov, "again").is_err());
    verified(&v);
}

#[test]
fn rectification_records_new_values_that_search_finds() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let today = day(TODAY);
    let id = requests::open(&mut v, request(Kind::Rectification, &fedorov, TODAY), today).unwrap().request.id;
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    assert!(fulfil::fulfil(&mut v, id, Default::default(), today).unwrap_err().to_string().contains("at least one"));
    let f = fulfil::Fulfilment {
        corrections: fulfil::Corrections { phone: Some("+7 903 000-11-22".into()), ..Default::default() },
        ..Default::default()
    };
    let done = fulfil::fulfil(&mut v, id, f, today).unwrap();
    assert_eq!(done.outcome, "rectified");
    assert_eq!(search::subjects(v.conn(), "903 000", 10).unwrap()[0].subject, fedorov);
    assert!(search::subjects(v.conn(), "916 123", 10).unwrap().is_empty());
    let facts = access::gather(v.conn(), &fedorov, None, today).unwrap();
    assert_eq!(facts.person.phones, vec!["79030001122"]);
    // The earlier value stays provable: its record still matches its commitment.
    assert!(facts.records.iter().any(|r| r.data["phone"] == "+7 916 123-45-67" && r.matches_ledger));
    assert!(facts.records.iter().any(|r| r.kind == "subject.rectified"));
    // The register lists the current phone, marked as corrected; the consent's
    // own record still holds what was recorded with it.
    let filter = consents::Filter { subject: Some(fedorov.clone()), ..Default::default() };
    let rows = consents::list(v.conn(), &filter, None, 100).unwrap();
    assert!(!rows.is_empty());
    for e in &rows {
        assert_eq!(e.phone.as_deref(), Some("79030001122"));
        assert!(e.rectified);
        assert_eq!(consents::get(v.conn(), e.id).unwrap().data["phone"], "+7 916 123-45-67");
    }
    // Rectifying an erased person.
    let id2 = requests::open(&mut v, request(Kind::Rectification, &fedorov, TODAY), today).unwrap().request.id;
    requests::identity(&mut v, id2, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    v.erase_person(&fedorov, "request 1").unwrap();
    let f = fulfil::Fulfilment {
        corrections: fulfil::Corrections { name: Some("X".into()), ..Default::default() },
        ..Default::default()
    };
    assert_eq!(fulfil::fulfil(&mut v, id2, f, today).unwrap_err().code(), "erased");
    verified(&v);
}

#[test]
fn access_answer_holds_the_data_consents_agreement_terms_and_requests() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let today = day(TODAY);
    let id = requests::open(&mut v, request(Kind::Access, &fedorov, TODAY), today).unwrap().request.id;
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let done = fulfil::fulfil(&mut v, id, Default::default(), today).unwrap();
    let facts = access::gather(v.conn(), &fedorov, Some(id), today).unwrap();
    assert_eq!(facts.schema, "consent-ledger/access/1");
    assert_eq!(facts.consents.len(), 1);
    assert_eq!(facts.agreements.len(), 1);
    assert!(!facts.agreements[0].purposes.is_empty());
    assert_eq!(facts.requests[0].id, id);
    assert_eq!(facts.organisation.name, "ООО «Ромашка»");
    assert!(facts.person.emails.contains(&"d.fedorov@kvartirnik.ru".to_string()));
    // The ledger holds the hash of the answer given.
    let ev = v.event(done.seq).unwrap();
    assert!(ev.body.contains(done.answer_sha256.as_deref().unwrap()));
    let mut csv = vec![];
    access::csv(&facts, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 2);
}

#[test]
fn calendar_files_are_checked_whole_and_redate_open_requests() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _, fedorov, _) = register(d.path());
    let today = day("2026-12-28");
    let mut r = request(Kind::Access, &fedorov, "2026-12-28");
    r.law = Some(Law::Fz152);
    let o = requests::open(&mut v, r, today).unwrap();
    assert_eq!(o.request.due_basis, "provisional");
    assert_eq!(o.uncertain_years, vec![2027]);
    let before = o.request.due.clone();
    let size = v.info().unwrap().events;
    for bad in [
        "{",
        r#"{"region":"RU","year":2027,"status":"decreed","source":"x","days_off":["2027-02-30"],"working_days":[]}"#,
        r#"{"region":"RU","year":2027,"status":"decreed","source":"x","days_off":["2027-01-11","2027-01-11"],"working_days":[]}"#,
        "[]",
    ] {
        let e = v.with_tx(|tx, actor| settings::load_calendar(tx, actor, bad)).unwrap_err();
        assert_eq!(e.code(), "invalid", "{bad}: {e}");
    }
    assert_eq!(v.info().unwrap().events, size, "nothing stored");
    // The decree, as a user would load it: 11 Jan 2027 a day off too.
    let decree = r#"{"region":"RU","year":2027,"status":"decreed","source":"Government decree (test)",
        "days_off":["2027-01-01","2027-01-04","2027-01-05","2027-01-06","2027-01-07","2027-01-08","2027-01-11",
                    "2027-02-23","2027-03-08","2027-05-03","2027-05-10","2027-06-14","2027-11-04","2027-12-31"],
        "working_days":[]}"#;
    v.with_tx(|tx, actor| settings::load_calendar(tx, actor, decree)).unwrap();
    let item = requests::get_item(v.conn(), o.request.id, today).unwrap();
    assert_eq!(item.due_basis, "decreed");
    assert_ne!(item.due, before);
    assert_eq!(before, "2027-01-20");
    assert_eq!(item.due, "2027-01-21");
    verified(&v);
}
