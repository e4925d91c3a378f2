//! Letters of the requests workflow through the real vault: each mandatory
//! item of an access answer is in the PDF's extracted text, in both
//! languages; issuing again gives the same bytes; a changed fact gives a new
//! revision; erasure empties the letters but the ledger still proves them;
//! a tampered document is caught by verify.

mod common;

use chrono::NaiveDate;
use common::*;
use consent_ledger_core::consents::{self, Action, Channel as CChannel, Intake};
use consent_ledger_core::documents::{self, letters, profile, DocKind};
use consent_ledger_core::requests::{self, fulfil, IdentityCheck, IdentityMethod, Kind, NewRequest};
use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::Vault;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// A vault with the requisites, a published 152-FZ agreement naming a
/// processor, and a person who consented to it.
fn setup(dir: &std::path::Path) -> (Vault, String) {
    use consent_ledger_core::agreements::{self, model::{Role, ThirdParty}, TemplateKind};
    let (mut v, _) = vault_with_agreement(dir);
    let mut r = v.requisites().unwrap();
    r.full_name = "Общество с ограниченной ответственностью «Ромашка»".into();
    r.short_name = "ООО «Ромашка»".into();
    r.inn = "7707083893".into();
    r.ogrn = "1027700132195".into();
    r.legal_address = "117997, г. Москва, ул. Вавилова, д. 19".into();
    r.dpo = "Иванова Мария Петровна".into();
    v.set_requisites(r).unwrap();
    let a = v.with_tx(|tx, _| agreements::create(tx, TemplateKind::Processing, Language::Ru, None, None)).unwrap();
    let mut content = agreements::view(v.conn(), a, None).unwrap().content;
    content.third_parties.push(ThirdParty {
        name: "ООО «Облачные решения»".into(),
        inn: "7704340310".into(),
        address: "125167, г. Москва, Ленинградский пр-т, д. 39".into(),
        role: Role::Processor,
    });
    v.with_tx(|tx, _| agreements::save_draft(tx, a, content)).unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, a, &[], Language::Ru)).unwrap();
    let t = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let intake = Intake {
        name: Some("Фёдоров Дмитрий <b>Иванович</b>".into()),
        email: Some("d.fedorov@kvartirnik.ru".into()),
        phone: Some("+7 916 123-45-67".into()),
        ..Default::default()
    };
    let s = v
        .with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, CChannel::WebForm, intake))
        .unwrap()
        .subject;
    (v, s)
}

fn open(v: &mut Vault, kind: Kind, subject: &str) -> u64 {
    let id = requests::open(
        v,
        NewRequest { kind, subject: Some(subject.into()), name: Some("Фёдоров Дмитрий".into()), ..Default::default() },
        today(),
    )
    .unwrap()
    .request
    .id;
    requests::identity(v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    id
}

fn folded(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn verified(v: &Vault) {
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{:?}", r.problem);
}

/// The access answer states each item of 152-FZ art. 14 part 7 and GDPR
/// Art. 15, keyed by the law's item, with the facts it must carry.
#[test]
fn the_access_answer_states_every_mandatory_item_in_both_languages() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let id = open(&mut v, Kind::Access, &s);
    fulfil::fulfil(&mut v, id, Default::default(), today()).unwrap();
    let facts = requests::access::gather(v.conn(), &s, Some(id), today()).unwrap();
    let a = &facts.agreements[0];
    for lang in [Language::Ru, Language::En] {
        let doc = letters::issue(&mut v, id, DocKind::Answer, Some(lang), today()).unwrap();
        assert!(doc.new);
        assert_eq!(doc.id, format!("R{id}-ANS-{}", lang.as_str()));
        let c = documents::content(v.conn(), &doc.id).unwrap();
        let text = pdf_text(&c.pdf);
        let t: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("templates/letters/{}.json", lang.as_str())).unwrap()).unwrap();
        let heading = |k: &str| folded(t["access"]["items"][k]["heading"].as_str().unwrap());
        // (law's item, template item, a fact the item must state)
        let table: &[(&str, &str, &str)] = &[
            ("152-FZ 14.7(1), GDPR 15(1)", "confirmation", ""),
            ("152-FZ 14.7(2), GDPR 15(1)(a)", "grounds", &a.purposes[0]),
            ("152-FZ 14.7(3)", "methods", &a.actions[0]),
            ("152-FZ 14.7(4), GDPR 15(1)(c)", "operator", "117997, г. Москва"),
            ("152-FZ 14.7(4): who receives the data", "operator", "ООО «Облачные решения»"),
            ("152-FZ 14.7(5), GDPR 15(1)(b),(g)", "data", &a.data_items[0]),
            ("152-FZ 14.7(6), GDPR 15(1)(d)", "periods", &a.term),
            ("152-FZ 14.7(7), GDPR 15(1)(e),(f)", "rights", "privacy@romashka.example"),
            ("152-FZ 14.7(8), GDPR 15(1)(c), 15(2)", "cross_border", ""),
            ("152-FZ 14.7(9)", "processors", "125167, г. Москва, Ленинградский пр-т, д. 39"),
            ("152-FZ 14.7(9.1)", "measures", ""),
            ("GDPR 15(1)(h)", "automated", ""),
            ("152-FZ 14.7(10)", "other", ""),
        ];
        for (item, key, fact) in table {
            assert!(text.contains(&heading(key)), "{lang:?} {item}: heading {:?} missing", heading(key));
            assert!(text.contains(&folded(fact)), "{lang:?} {item}: {fact:?} missing");
        }
        // GDPR 15(3): the copy of the data, hostile text as text.
        for value in ["d.fedorov@kvartirnik.ru", "Фёдоров Дмитрий <b>Иванович</b>", "ООО «Ромашка»", &doc.id, &doc.text_sha256] {
            assert!(text.contains(value), "{lang:?}: {value:?} missing");
        }
        // The plain text says the same, without the footer.
        assert!(c.text.contains("d.fedorov@kvartirnik.ru") && c.text.contains(&doc.id));
        assert!(!c.text.contains(&doc.text_sha256));
        // The profile states nothing yet: the answer says so and the operator is told.
        assert!(doc.warnings.iter().any(|w| w.code == "profile.cross_border" && w.message.contains("cross-border")), "{:?}", doc.warnings);
    }
    verified(&v);
}

#[test]
fn issuing_again_gives_the_same_bytes_and_a_changed_fact_a_new_revision() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let id = open(&mut v, Kind::Access, &s);
    fulfil::fulfil(&mut v, id, Default::default(), today()).unwrap();
    let first = letters::issue(&mut v, id, DocKind::Answer, None, today()).unwrap();
    let bytes = documents::content(v.conn(), &first.id).unwrap();
    let events = v.conn().query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap();
    let again = letters::issue(&mut v, id, DocKind::Answer, None, today()).unwrap();
    assert!(!again.new);
    assert_eq!((again.id.as_str(), again.pdf_sha256.as_str()), (first.id.as_str(), first.pdf_sha256.as_str()));
    assert_eq!(documents::content(v.conn(), &again.id).unwrap(), bytes);
    assert_eq!(v.conn().query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0)).unwrap(), events);
    // A statement added to the profile changes the answer: a new revision.
    v.with_tx(|tx, actor| {
        profile::set(
            tx,
            actor,
            &profile::Profile { cross_border: "Трансграничная передача не осуществляется.".into(), ..Default::default() },
        )
    })
    .unwrap();
    let second = letters::issue(&mut v, id, DocKind::Answer, None, today()).unwrap();
    assert!(second.new);
    assert_eq!(second.id, format!("{}/2", first.id));
    assert!(pdf_text(&documents::content(v.conn(), &second.id).unwrap().pdf).contains("Трансграничная передача не осуществляется."));
    assert!(!second.warnings.iter().any(|w| w.code == "profile.cross_border"));
    // The first stays as it was issued.
    assert_eq!(documents::content(v.conn(), &first.id).unwrap(), bytes);
    assert_eq!(documents::of_request(v.conn(), id).unwrap().len(), 2);
    verified(&v);
}

#[test]
fn every_letter_of_the_workflow_can_be_issued_when_its_step_is_done() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let id = requests::open(&mut v, NewRequest { kind: Kind::Withdrawal, subject: Some(s.clone()), ..Default::default() }, today())
        .unwrap()
        .request
        .id;
    assert_eq!(letters::available(v.conn(), id, today()).unwrap(), vec![DocKind::Acknowledgement, DocKind::IdentityRequest]);
    let e = letters::issue(&mut v, id, DocKind::Answer, None, today()).unwrap_err();
    assert!(e.to_string().contains("fulfil the request first"), "{e}");
    for k in [DocKind::Acknowledgement, DocKind::IdentityRequest] {
        let doc = letters::issue(&mut v, id, k, Some(Language::Ru), today()).unwrap();
        assert!(!documents::content(v.conn(), &doc.id).unwrap().text.is_empty());
    }
    requests::identity(&mut v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let done = fulfil::fulfil(&mut v, id, Default::default(), today()).unwrap();
    let answer = letters::issue(&mut v, id, DocKind::Answer, Some(Language::En), today()).unwrap();
    let text = documents::content(v.conn(), &answer.id).unwrap().text;
    let destroy_by = NaiveDate::parse_from_str(&done.followups[0].due, "%Y-%m-%d").unwrap().format("%-d %B %Y").to_string();
    assert!(text.contains(&destroy_by), "the destruction deadline {destroy_by} is stated:\n{text}");
    // The person is erased: the letters naming them are emptied, the ledger still proves them.
    v.erase_person(&s, &format!("request {id}")).unwrap();
    assert_eq!(documents::content(v.conn(), &answer.id).unwrap_err().code(), "erased");
    assert!(documents::get(v.conn(), &answer.id).unwrap().erased);
    let notice = letters::issue(&mut v, id, DocKind::DestructionNotice, Some(Language::Ru), today()).unwrap();
    let text = documents::content(v.conn(), &notice.id).unwrap().text;
    assert!(!text.contains("Фёдоров"), "the notice names nobody once the data is destroyed:\n{text}");
    verified(&v);
}

#[test]
fn a_changed_document_is_caught_by_verify() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let id = open(&mut v, Kind::Access, &s);
    let doc = letters::issue(&mut v, id, DocKind::Acknowledgement, None, today()).unwrap();
    verified(&v);
    v.conn().execute("UPDATE documents SET text = text || ' ' WHERE id = ?1", [&doc.id]).unwrap();
    let r = v.verify(|_, _| true).unwrap();
    assert!(!r.ok());
    assert!(format!("{:?}", r.problem).contains(&doc.id), "{:?}", r.problem);
    assert!(documents::content(v.conn(), &doc.id).unwrap_err().to_string().contains("altered"));
}

/// Every letter kind renders in both languages once its step is done, and
/// says what that step recorded (the reasons of an extension, the ground of a
/// refusal in the letter's language, the fields rectified).
#[test]
fn each_letter_states_what_its_step_recorded() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let text = |v: &mut Vault, id: u64, k: DocKind, lang: Language| {
        let doc = letters::issue(v, id, k, Some(lang), today()).unwrap();
        let c = documents::content(v.conn(), &doc.id).unwrap();
        assert!(folded(&pdf_text(&c.pdf)).contains(&folded(&doc.title)), "{}: the PDF shows its title", doc.id);
        c.text
    };
    // Extension.
    let ext = open(&mut v, Kind::Access, &s);
    requests::extend(&mut v, ext, "Архив за 2019 год хранится у подрядчика", &today().to_string(), today()).unwrap();
    for lang in [Language::Ru, Language::En] {
        assert!(text(&mut v, ext, DocKind::Extension, lang).contains("Архив за 2019 год хранится у подрядчика"));
    }
    // Refusal: the ground in the letter's language.
    let refused = open(&mut v, Kind::Erasure, &s);
    requests::refuse(&mut v, refused, "legal_obligation", "Договор № 17 от 01.02.2026 обязывает хранить данные", today()).unwrap();
    let ru = text(&mut v, refused, DocKind::Refusal, Language::Ru);
    assert!(ru.contains("ч. 5 ст. 21 152-ФЗ") && ru.contains("Договор № 17"), "{ru}");
    let en = text(&mut v, refused, DocKind::Refusal, Language::En);
    assert!(en.contains("152-FZ art. 21 part 5") && en.contains("The law obliges"), "{en}");
    // Rectification: the answer names the fields, the notice to recipients none of the values.
    let rect = open(&mut v, Kind::Rectification, &s);
    let f = fulfil::Fulfilment {
        corrections: fulfil::Corrections { phone: Some("+7 903 000-11-22".into()), ..Default::default() },
        ..Default::default()
    };
    fulfil::fulfil(&mut v, rect, f, today()).unwrap();
    assert!(text(&mut v, rect, DocKind::Answer, Language::Ru).contains("номер телефона"));
    let notice = text(&mut v, rect, DocKind::RectificationNotice, Language::Ru);
    assert!(notice.contains("ООО «Облачные решения»"), "addressed to the recipient:\n{notice}");
    assert!(!notice.contains("903") && !notice.contains("Фёдоров"), "no values in the notice:\n{notice}");
    // Portability: the attached files named by their hashes.
    let port = open(&mut v, Kind::Portability, &s);
    fulfil::fulfil(&mut v, port, Default::default(), today()).unwrap();
    let p = text(&mut v, port, DocKind::Answer, Language::En);
    assert!(p.contains("access.json — SHA-256 ") && p.contains("access.csv — SHA-256 "), "{p}");
    verified(&v);
}

/// The destruction act states every item of order 179 п. 3 (а–к), the
/// extract every item of п. 5 (а–д), from facts gathered before the data
/// was destroyed; it is kept (not emptied by the erasure), can be rendered
/// again in English from its facts, and destroyed in turn with a reason.
#[test]
fn an_erasure_issues_the_act_and_log_extract_of_order_179() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    v.with_tx(|tx, actor| {
        profile::set(
            tx,
            actor,
            &profile::Profile {
                information_system: "CRM «Ромашка»".into(),
                destroyers: vec![profile::Official { name: "Петров Пётр Петрович".into(), position: "Системный администратор".into() }],
                ..Default::default()
            },
        )
    })
    .unwrap();
    let id = open(&mut v, Kind::Erasure, &s);
    let done = fulfil::fulfil(&mut v, id, Default::default(), today()).unwrap();
    let act_id = done.act.clone().unwrap();
    let act = documents::get(v.conn(), &act_id).unwrap();
    assert_eq!(act.kind, DocKind::DestructionAct);
    assert_eq!(act.retain_until.as_deref(), Some((today() + chrono::Months::new(36)).to_string().as_str()));
    let content = documents::content(v.conn(), &act_id).unwrap();
    let pdf = pdf_text(&content.pdf);
    for short in ["CRM «Ромашка»", "Криптографическое удаление", act_id.as_str()] {
        assert!(pdf.contains(short), "{short:?} missing from the act's PDF");
    }
    // Each item as label and value: the plain text keeps them together (the PDF sets them side by side).
    let text = folded(&content.text);
    // (order 179 item, the fact it must state)
    let table: &[(&str, &str)] = &[
        ("п. 3 а: operator", "117997, г. Москва, ул. Вавилова, д. 19"),
        ("п. 3 б: processor", "ООО «Облачные решения»"),
        ("п. 3 в: the subject", "Фёдоров Дмитрий <b>Иванович</b>"),
        ("п. 3 г: who destroyed", "Петров Пётр Петрович, Системный администратор"),
        ("п. 3 д: categories", "адрес электронной почты"),
        ("п. 3 е: carriers", "материальные носители не уничтожались"),
        ("п. 3 ж: information system", "CRM «Ромашка»"),
        ("п. 3 з: method", "Криптографическое удаление"),
        ("п. 3 и: reason", &format!("Обращение субъекта № {id}")),
        ("п. 3 к: date", &today().format("%d.%m.%Y").to_string()),
    ];
    for (item, fact) in table {
        assert!(text.contains(&folded(fact)), "{item}: {fact:?} missing from the act:\n{text}");
    }
    let t: serde_json::Value = serde_json::from_str(&std::fs::read_to_string("templates/acts/ru.json").unwrap()).unwrap();
    for (k, label) in t["act"]["items"].as_object().unwrap() {
        assert!(text.contains(&folded(label.as_str().unwrap())), "act item {k} missing");
    }
    let log_id = act_id.replace("-ACT-", "-LOG-");
    let log = folded(&documents::content(v.conn(), &log_id).unwrap().text);
    for (k, label) in t["extract"]["items"].as_object().unwrap() {
        assert!(log.contains(&folded(label.as_str().unwrap())), "extract item {k} missing");
    }
    for fact in ["Фёдоров Дмитрий", "адрес электронной почты", "CRM «Ромашка»", &format!("Обращение субъекта № {id}"), &act_id] {
        assert!(log.contains(&folded(fact)), "{fact:?} missing from the log extract:\n{log}");
    }
    // Rendered again in English from the facts it keeps (the person's data is gone).
    let facts = documents::act::facts_of(v.conn(), &act_id).unwrap();
    let (en, _) = v.with_tx(|tx, actor| documents::act::issue_pair(tx, actor, &facts, Language::En)).unwrap();
    let en_text = documents::content(v.conn(), &en.id).unwrap().text;
    assert!(en_text.contains("Record of the destruction") && en_text.contains("d.fedorov@kvartirnik.ru"), "{en_text}");
    verified(&v);
    // The overview reminds when the three years are about to end, not before.
    let ov = |d: NaiveDate| requests::overview::overview(v.conn(), d).unwrap().acts_due;
    assert!(ov(today()).is_empty());
    let soon = ov(today() + chrono::Months::new(35));
    assert_eq!(soon.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec![act_id.as_str(), en.id.as_str()]);
    // Early destruction needs a reason; then both are emptied and verify still passes.
    let e = v.destroy_act(&act_id, " ", today()).unwrap_err();
    assert!(e.to_string().contains("say why"), "{e}");
    v.destroy_act(&act_id, "the act was issued by mistake", today()).unwrap();
    for id in [&act_id, &log_id, &en.id] {
        assert_eq!(documents::content(v.conn(), id).unwrap_err().code(), "erased", "{id}");
    }
    assert!(documents::act::facts_of(v.conn(), &act_id).is_err());
    verified(&v);
}

#[test]
fn a_changed_act_is_caught_by_verify() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let act = v.erase_person(&s, "request 7").unwrap().act;
    verified(&v);
    v.conn().execute("UPDATE documents SET facts = replace(facts, 'Фёдоров', 'Сидоров') WHERE id = ?1", [&act]).unwrap();
    assert!(format!("{:?}", v.verify(|_, _| true).unwrap().problem).contains(&act));
    v.conn().execute("UPDATE documents SET facts = NULL, text = '', pdf = x'', erased = 1 WHERE id = ?1", [&act]).unwrap();
    assert!(format!("{:?}", v.verify(|_, _| true).unwrap().problem).contains(&act), "emptied without a document.destroyed event");
}

/// Long and hostile text: a word longer than a line, markup, a refusal of
/// thousands of characters — the letter breaks them across lines and pages
/// and shows them as text.
#[test]
fn long_and_hostile_text_is_wrapped_and_shown_as_text() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, s) = setup(d.path());
    let id = open(&mut v, Kind::Erasure, &s);
    let word = "Ж".repeat(180);
    let text = format!("{word} <script>alert('x')</script> {}", "Договор хранения данных. ".repeat(150));
    requests::refuse(&mut v, id, "legal_obligation", &text, today()).unwrap();
    let doc = letters::issue(&mut v, id, DocKind::Refusal, Some(Language::Ru), today()).unwrap();
    let c = documents::content(v.conn(), &doc.id).unwrap();
    assert!(c.text.contains(text.trim()), "the plain text keeps it whole");
    let pdf = pdf_text(&c.pdf).replace(' ', "");
    assert!(pdf.contains(&word), "the long word is broken across lines, not lost");
    assert!(pdf.contains("<script>alert('x')</script>"));
    let pages = consent_ledger_core::pdf::page_count(&c.pdf);
    assert!(pages >= 2, "{pages} pages");
}
