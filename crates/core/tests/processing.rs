//! The processing register on a real vault: an activity made from a
//! published agreement, recorded, edited and retired through the ledger;
//! bad input (no legal basis, special categories without a condition, a
//! transfer abroad without its country, hostile text, an unknown agreement)
//! refused with nothing stored; drift between an agreement and an activity
//! found both ways; verify catching a changed or removed activity.

mod common;

use chrono::Utc;
use common::*;
use consent_ledger_core::agreements::model::ThirdParty;
use consent_ledger_core::agreements::{self, Language};
use consent_ledger_core::processing::{self, Activity, Basis, DriftKind, Status, Transfer};
use consent_ledger_core::requests::Law;
use consent_ledger_core::Vault;

const HOSTILE: &str = "<img src=x onerror=alert(1)> \u{202e}Маркетинг";

/// An activity with everything filled in.
fn full() -> Activity {
    Activity {
        name: format!("Рассылка {HOSTILE}"),
        law: Law::Both,
        purposes: vec!["Информирование клиентов об акциях".into()],
        legal_bases: vec![Basis::Consent],
        subject_categories: vec!["Клиенты".into()],
        data_categories: vec!["ФИО".into(), "Адрес электронной почты".into()],
        actions: vec!["сбор".into(), "хранение".into()],
        recipients: vec![ThirdParty { name: "ООО «Рассыльщик»".into(), ..Default::default() }],
        transfers: vec![Transfer { country: "Германия".into(), recipient: "Mailer GmbH".into(), safeguards: Some("Конвенция 108".into()) }],
        storage_country: Some("Россия".into()),
        retention: Some("До отзыва согласия".into()),
        security: vec!["Шифрование".into()],
        responsible: Some("Иванова М. П., +7 495 000-00-00".into()),
        started_on: Some("2025-03-01".into()),
        ..Default::default()
    }
}

#[test]
fn an_activity_from_an_agreement_is_recorded_edited_and_retired() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, agreement) = vault_with_agreement(d.path());
    let view = agreements::view(v.conn(), agreement, None).unwrap();
    let a = processing::from_agreement(v.conn(), agreement).unwrap();
    // Filled from the published version: its purposes, data, actions, third parties, term.
    assert_eq!(a.name, view.content.title);
    assert_eq!(a.purposes, view.content.purposes);
    assert!(!a.data_categories.is_empty());
    for item in view.content.data_items.iter().chain(&view.content.form_fields) {
        assert!(a.data_categories.contains(item), "{item} listed");
    }
    assert_eq!(a.actions, view.content.actions);
    assert_eq!(a.legal_bases, vec![Basis::Consent]);
    assert_eq!(a.law, Law::Gdpr, "a GDPR agreement");
    assert_eq!(a.agreements, vec![agreement]);
    assert_eq!(processing::drift(v.conn(), &a).unwrap(), vec![], "nothing drifts from where it came from");

    let id = processing::record(&mut v, a.clone()).unwrap();
    let got = processing::get(v.conn(), id).unwrap();
    assert_eq!((got.details.clone(), got.status), (a.clone(), Status::Active));
    assert_eq!(got.history.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(), ["activity.recorded"]);
    // The event holds the SHA-256 and the agreements, not the text.
    let log = v.log(None, 1).unwrap();
    assert_eq!(log[0].kind, "activity.recorded");
    assert!(log[0].body.contains(&got.sha256) && !log[0].body.contains(&a.purposes[0]), "{}", log[0].body);

    // The same details record nothing; a change names the fields it changed.
    assert_eq!(processing::edit(&mut v, id, a.clone()).unwrap(), None);
    let mut b = a.clone();
    b.security = vec!["Шифрование диска".into()];
    b.responsible = Some(format!("Иванова {HOSTILE}"));
    let seq = processing::edit(&mut v, id, b.clone()).unwrap().expect("changed");
    let got = processing::get(v.conn(), id).unwrap();
    assert_eq!(got.details.responsible.as_deref(), Some(format!("Иванова {HOSTILE}").as_str()), "stored as typed");
    assert_eq!(got.history.last().unwrap().seq, seq);
    assert_eq!(got.history.last().unwrap().changed, ["responsible", "security"]);

    let list = processing::list(v.conn()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].id, list[0].drift), (id, 0));
    processing::retire(&mut v, id, Utc::now()).unwrap();
    assert_eq!(processing::get(v.conn(), id).unwrap().status, Status::Retired);
    let e = processing::edit(&mut v, id, a).unwrap_err();
    assert!(e.to_string().contains("retired"), "{e}");
    assert!(processing::retire(&mut v, id, Utc::now()).is_err());
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn bad_activities_are_refused_and_nothing_is_stored() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(d.path());
    let before = v.info().unwrap().events;
    let cases: Vec<(&str, Box<dyn Fn(&mut Activity)>)> = vec![
        ("needs a legal basis", Box::new(|a| a.legal_bases.clear())),
        ("needs at least one purpose", Box::new(|a| a.purposes = vec!["  ".into()])),
        ("needs a name", Box::new(|a| a.name = " ".into())),
        ("need the condition that allows them", Box::new(|a| a.special_categories = vec!["Сведения о здоровье".into()])),
        ("needs the country the data goes to", Box::new(|a| a.transfers = vec![Transfer { country: " ".into(), recipient: "Mailer GmbH".into(), safeguards: None }])),
        ("control characters", Box::new(|a| a.purposes.push("bell\u{7}".into()))),
        ("too long", Box::new(|a| a.name = "Я".repeat(201))),
        ("not a date", Box::new(|a| a.started_on = Some("01.03.2025".into()))),
        ("a recipient needs a name", Box::new(|a| a.recipients = vec![ThirdParty { inn: "7707083893".into(), ..Default::default() }])),
        ("no agreement A99", Box::new(|a| a.agreements = vec![99])),
    ];
    for (want, change) in &cases {
        let mut a = full();
        change(&mut a);
        let e = processing::record(&mut v, a).unwrap_err();
        assert!(e.to_string().contains(want), "{want}: {e}");
    }
    // With the condition, special categories are accepted; empty rows are dropped.
    let mut a = full();
    a.special_categories = vec!["Сведения о здоровье".into()];
    a.special_condition = Some("Письменное согласие (152-ФЗ ст. 10 ч. 2 п. 1)".into());
    a.transfers.push(Transfer::default());
    a.data_categories.push("фио".into());
    let n = a.normalized().unwrap();
    assert_eq!(n.transfers.len(), 1, "an empty transfer row is dropped");
    assert_eq!(n.data_categories, ["ФИО", "Адрес электронной почты"], "a repeat in another case is dropped");
    assert_eq!(v.info().unwrap().events, before, "nothing recorded");
    assert!(processing::list(v.conn()).unwrap().is_empty());
    let id = processing::record(&mut v, n).unwrap();
    // An edit that breaks a rule leaves the stored activity as it was.
    let mut broken = processing::get(v.conn(), id).unwrap().details;
    let kept = broken.clone();
    broken.legal_bases.clear();
    assert!(processing::edit(&mut v, id, broken).is_err());
    assert_eq!(processing::get(v.conn(), id).unwrap().details, kept);
}

#[test]
fn drift_is_found_on_both_sides() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, agreement) = vault_with_agreement(d.path());
    let a = processing::from_agreement(v.conn(), agreement).unwrap();
    let id = processing::record(&mut v, a).unwrap();
    assert!(processing::drift_of_agreement(v.conn(), agreement).unwrap().is_empty());

    // A later version collects a phone number and names a processor.
    let mut c = agreements::view(v.conn(), agreement, None).unwrap().content;
    c.form_fields.push("Номер телефона".into());
    c.third_parties.push(ThirdParty { name: "ООО «Облако»".into(), address: "Москва, ул. Льва Толстого, 16".into(), ..Default::default() });
    v.with_tx(|tx, _| agreements::save_draft(tx, agreement, c)).unwrap();
    // A draft is not what people agree to: no drift yet.
    assert!(processing::get(v.conn(), id).unwrap().drift.is_empty());
    v.with_tx(|tx, actor| agreements::publish(tx, actor, agreement, &["*".into()], Language::En)).unwrap();

    let on_activity = processing::get(v.conn(), id).unwrap().drift;
    let found: Vec<(DriftKind, &str, &str)> = on_activity.iter().map(|d| (d.kind, d.value.as_str(), d.label.as_str())).collect();
    let label = format!("A{agreement}-v2");
    assert_eq!(found, [(DriftKind::Data, "Номер телефона", label.as_str()), (DriftKind::ThirdParty, "ООО «Облако»", label.as_str())]);
    assert!(on_activity.iter().all(|d| d.activity == id));
    assert_eq!(processing::drift_of_agreement(v.conn(), agreement).unwrap(), on_activity, "the agreement's side");
    assert_eq!(processing::list(v.conn()).unwrap()[0].drift, 2);

    // Listing them (in another case, spaced otherwise) ends the drift.
    let mut fixed = processing::get(v.conn(), id).unwrap().details;
    fixed.data_categories.push("номер  ТЕЛЕФОНА".into());
    fixed.recipients.push(ThirdParty { name: "ооо «облако»".into(), ..Default::default() });
    processing::edit(&mut v, id, fixed).unwrap();
    assert!(processing::get(v.conn(), id).unwrap().drift.is_empty());
    assert!(processing::drift_of_agreement(v.conn(), agreement).unwrap().is_empty());
    // An activity that does not rely on the agreement is not compared with it.
    let mut other = full();
    other.data_categories = vec!["Паспорт".into()];
    processing::record(&mut v, other).unwrap();
    assert!(processing::drift_of_agreement(v.conn(), agreement).unwrap().is_empty());
}

#[test]
fn verify_catches_a_changed_or_removed_activity() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(d.path());
    let id = processing::record(&mut v, full()).unwrap();
    let mut b = full();
    b.purposes.push("Опросы".into());
    let updated = processing::edit(&mut v, id, b).unwrap().unwrap();
    v.lock().unwrap();
    assert!(Vault::open_read_only(d.path(), PASS).unwrap().verify(|_, _| true).unwrap().ok());

    let tamper = |sql: &str| {
        let copy = tempfile::tempdir().unwrap();
        copy_vault(d.path(), copy.path());
        raw_conn(copy.path()).execute_batch(sql).unwrap();
        let v = Vault::open_read_only(copy.path(), PASS).unwrap();
        v.verify(|_, _| true).unwrap().problem.expect("a problem")
    };
    let p = tamper("UPDATE activities SET details = replace(details, 'Опросы', 'Продажа базы')");
    assert_eq!((p.code, p.seq), ("activity_mismatch", Some(updated)));
    let p = tamper("UPDATE activities SET status = 'retired'");
    assert_eq!((p.code, p.seq), ("activity_mismatch", Some(updated)));
    let p = tamper("DELETE FROM activity_events WHERE seq = (SELECT max(seq) FROM activity_events)");
    assert_eq!((p.code, p.seq), ("activity_mismatch", Some(updated)));
    let p = tamper("DELETE FROM activity_events; DELETE FROM activities");
    assert_eq!((p.code, p.seq), ("activity_mismatch", Some(id)));
    let p = tamper(&format!("INSERT INTO activities (id, details, status, last_seq) VALUES (1, '{{}}', 'active', 1)"));
    assert_eq!((p.code, p.seq), ("activity_mismatch", Some(1)));
}

/// The three documents: refused while an item is missing (nothing stored),
/// published once complete (a PDF and text whose hashes the event holds;
/// the PDF names the organisation and the agreement's purposes), the same
/// revision again when nothing changed, a new one when an activity changed;
/// the policy as a web page made again from its snapshot, values escaped;
/// an operator may not publish; verify is content.
#[test]
fn the_documents_are_published_as_revisions() {
    use consent_ledger_core::documents;
    use consent_ledger_core::operators::{self, Role};
    use consent_ledger_core::processing::check::Document;
    use consent_ledger_core::processing::documents as pdocs;
    let d = tempfile::tempdir().unwrap();
    let (mut v, agreement) = vault_with_agreement(d.path());
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Ромашка-Политика»".into();
    r.dpo = "Иванова М. П.".into();
    v.set_requisites(r).unwrap();
    let before = v.info().unwrap().events;
    let e = pdocs::publish(&mut v, Document::Policy, Language::Ru).unwrap_err();
    assert!(e.to_string().contains("cannot be published") && e.to_string().contains("policy.activities"), "{e}");
    assert_eq!(v.info().unwrap().events, before, "nothing recorded");

    let mut a = processing::from_agreement(v.conn(), agreement).unwrap();
    a.law = Law::Both;
    a.name = format!("Рассылка {HOSTILE}");
    let id = processing::record(&mut v, a).unwrap();
    let e = pdocs::publish(&mut v, Document::Notice, Language::Ru).unwrap_err();
    assert!(e.to_string().contains("notice.start"), "{e}");
    let mut a = processing::get(v.conn(), id).unwrap().details;
    a.subject_categories = vec!["Клиенты".into()];
    a.security = vec!["Шифрование диска".into()];
    a.responsible = Some("Смирнова О. В., +7 495 000-00-00, Москва".into());
    a.started_on = Some("2025-03-01".into());
    a.storage_country = Some("Россия".into());
    a.methods = Some(consent_ledger_core::agreements::model::Method::Automated);
    a.retention = Some("До отзыва согласия".into());
    a.actions = vec!["сбор".into(), "хранение".into()];
    processing::edit(&mut v, id, a.clone()).unwrap();

    let purposes = agreements::view(v.conn(), agreement, None).unwrap().content.purposes;
    for (doc, lang) in [(Document::Policy, Language::Ru), (Document::Notice, Language::Ru), (Document::Ropa, Language::En)] {
        let issued = pdocs::publish(&mut v, doc, lang).unwrap();
        assert!(issued.new);
        assert_eq!(issued.id, pdocs::key_of(doc, lang));
        let c = documents::content(v.conn(), &issued.id).unwrap();
        let text = pdf_text(&c.pdf);
        assert!(text.contains("ООО «Ромашка-Политика»"), "{doc:?}: {text}");
        assert!(text.contains(&purposes[0].split_whitespace().collect::<Vec<_>>().join(" ")), "{doc:?}: the purpose in {text}");
        assert!(c.text.contains(&format!("Рассылка {HOSTILE}")), "as typed in the text");
        // The same data: the same revision.
        let again = pdocs::publish(&mut v, doc, lang).unwrap();
        assert_eq!((again.id.as_str(), again.new), (issued.id.as_str(), false));
    }
    // A change: a new revision of the policy, the first kept.
    a.security.push("Резервное копирование".into());
    processing::edit(&mut v, id, a).unwrap();
    let second = pdocs::publish(&mut v, Document::Policy, Language::Ru).unwrap();
    assert_eq!(second.id, "POL-ru/2");
    let revisions: Vec<String> = pdocs::revisions(v.conn(), Document::Policy, Language::Ru).unwrap().into_iter().map(|d| d.id).collect();
    assert_eq!(revisions, ["POL-ru/2", "POL-ru"]);
    assert!(documents::content(v.conn(), "POL-ru").unwrap().text.contains("Шифрование диска"));

    // A published revision cannot change or go, even written to directly: nothing changes.
    for sql in ["UPDATE documents SET text = 'Другой текст' WHERE id = 'POL-ru'", "DELETE FROM documents WHERE id = 'POL-ru'"] {
        let e = v.conn().execute(sql, []).unwrap_err();
        assert!(e.to_string().contains("a published document of the processing register is immutable"), "{e}");
    }
    assert!(documents::content(v.conn(), "POL-ru").unwrap().text.contains("Шифрование диска"));

    // The web page of the first revision: made again from what was published.
    let html = pdocs::html(v.conn(), "POL-ru").unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<html lang=\"ru\">"));
    assert!(html.contains("Рассылка &lt;img src=x onerror=alert(1)&gt;"), "escaped");
    assert!(!html.contains("<img") && !html.contains("<script"), "no markup from the data");
    assert!(html.contains("default-src 'none'"));
    assert!(!html.contains("Резервное копирование"), "the first revision, not today's data");
    assert!(html.contains(&documents::get(v.conn(), "POL-ru").unwrap().text_sha256));

    // The inspection pack lists every revision, proves their events and prints those in force.
    let made = consent_ledger_core::documents::inspection::inspection(&mut v, Default::default(), Language::Ru, |_, _| true).unwrap();
    let key = consent_ledger_core::checkpoint::verifier_key(v.vault_id(), &v.public_key());
    consent_ledger_core::documents::pack::verify(&made.zip, Some(&key)).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&made.zip)).unwrap();
    let facts: serde_json::Value = serde_json::from_reader(z.by_name("pack.json").unwrap()).unwrap();
    let rows: Vec<(String, bool)> = facts["inspection"]["processing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap().to_string(), r["in_force"].as_bool().unwrap()))
        .collect();
    let want: Vec<(String, bool)> = [("POL-ru/2", true), ("POL-ru", false), ("NTF-ru", true), ("ROPA-en", true)].iter().map(|(a, b)| (a.to_string(), *b)).collect();
    assert_eq!(rows, want);
    let proofs: serde_json::Value = serde_json::from_reader(z.by_name("proofs.json").unwrap()).unwrap();
    for r in facts["inspection"]["processing"].as_array().unwrap() {
        let seq = r["seq"].as_u64().unwrap();
        assert!(proofs["proofs"].get(seq.to_string()).is_some(), "event #{seq} proven in the pack");
    }
    let mut pdf = Vec::new();
    std::io::Read::read_to_end(&mut z.by_name("pack.pdf").unwrap(), &mut pdf).unwrap();
    let text = pdf_text(&pdf);
    for want in ["Документы реестра обработки", "POL-ru/2", "Действующие документы реестра обработки", "Резервное копирование", "ООО «Ромашка-Политика»"] {
        assert!(text.contains(want), "{want:?} not in the pack's PDF");
    }

    // Owners only.
    operators::add(&mut v, "Олег", "violet harbour engine 77 maple", Role::Operator).unwrap();
    v.lock().unwrap();
    let mut oleg = Vault::unlock(d.path(), "violet harbour engine 77 maple").unwrap();
    assert_eq!(pdocs::publish(&mut oleg, Document::Policy, Language::En).unwrap_err().code(), "forbidden");
    oleg.lock().unwrap();
    assert!(Vault::open_read_only(d.path(), PASS).unwrap().verify(|_, _| true).unwrap().ok());
}

/// A notice whose items change: the register shows what the notice in
/// force does not state yet; publishing the new revision issues the notice
/// of changes (each item before and after, due the 15th of the next
/// month); an activity added and one retired; sending recorded once, not in
/// the future, only for a notice; verify is content.
#[test]
fn a_changed_notice_issues_a_notice_of_changes() {
    use chrono::Datelike;
    use consent_ledger_core::documents;
    use consent_ledger_core::processing::changes::{self, Status as Change};
    use consent_ledger_core::processing::check::Document;
    use consent_ledger_core::processing::documents as pdocs;
    let d = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(d.path());
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Ромашка»".into();
    r.legal_address = "Москва, ул. Ленина, 1".into();
    v.set_requisites(r).unwrap();
    let complete = |name: &str| Activity {
        name: name.into(),
        methods: Some(consent_ledger_core::agreements::model::Method::Mixed),
        ..full()
    };
    let mailing = processing::record(&mut v, complete("Рассылка")).unwrap();
    let staff = processing::record(&mut v, complete("Кадры")).unwrap();
    let first = pdocs::publish(&mut v, Document::Notice, Language::Ru).unwrap();
    assert_eq!(first.id, "NTF-ru");
    assert!(changes::list(v.conn(), Language::Ru).unwrap().is_empty(), "a first notice is no change");
    assert!(changes::pending(v.conn(), Language::Ru).unwrap().is_empty());

    // Two items of one activity change, another is retired, a third is new.
    let mut a = processing::get(v.conn(), mailing).unwrap().details;
    a.data_categories.push("Номер телефона".into());
    a.retention = Some("3 года".into());
    processing::edit(&mut v, mailing, a).unwrap();
    processing::retire(&mut v, staff, Utc::now()).unwrap();
    let video = processing::record(&mut v, complete(&format!("Видеонаблюдение {HOSTILE}"))).unwrap();
    let pending = changes::pending(v.conn(), Language::Ru).unwrap();
    let summary: Vec<(Option<u64>, Change, usize)> = pending.iter().map(|s| (s.activity, s.status, s.items.len())).collect();
    assert_eq!(summary, [(Some(mailing), Change::Changed, 2), (Some(video), Change::Added, 11), (Some(staff), Change::Ceased, 0)]);
    let data = &pending[0].items[0];
    assert_eq!(data.item, "Категории персональных данных");
    assert_eq!(data.before, "ФИО; Адрес электронной почты");
    assert_eq!(data.after, "ФИО; Адрес электронной почты; Номер телефона");
    assert_eq!((pending[0].items[1].before.as_str(), pending[0].items[1].after.as_str()), ("До отзыва согласия", "3 года"));

    let before = v.info().unwrap().events;
    let second = pdocs::publish(&mut v, Document::Notice, Language::Ru).unwrap();
    assert_eq!(second.id, "NTF-ru/2");
    assert_eq!(v.info().unwrap().events, before + 2, "the notice and its notice of changes");
    assert!(changes::pending(v.conn(), Language::Ru).unwrap().is_empty(), "the notice in force states it all");
    let list = changes::list(v.conn(), Language::Ru).unwrap();
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!((c.document.id.as_str(), c.from.as_str(), c.to.as_str()), ("NTFCH-ru-2", "NTF-ru", "NTF-ru/2"));
    assert_eq!(c.sections, pending);
    let today = Utc::now().date_naive();
    assert_eq!(c.changed_on, today.to_string());
    let next = today.with_day(1).unwrap().checked_add_months(chrono::Months::new(1)).unwrap();
    assert_eq!(c.due, next.with_day(15).unwrap().to_string());
    assert_eq!(c.sent_on, None);
    let content = documents::content(v.conn(), "NTFCH-ru-2").unwrap();
    let text = pdf_text(&content.pdf);
    for want in [
        "Информационное письмо о внесении изменений",
        "ООО «Ромашка»",
        "Номер телефона",
        "До отзыва согласия",
        "3 года",
        "Обработка прекращена",
        "Новая обработка",
        "часть 7 статьи 22",
        &next.with_day(15).unwrap().format("%d.%m.%Y").to_string(),
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF:\n{text}");
    }
    assert!(content.text.contains(&format!("Обработка: Видеонаблюдение {HOSTILE}")), "as typed");

    // Publishing again with nothing changed issues nothing.
    let again = pdocs::publish(&mut v, Document::Notice, Language::Ru).unwrap();
    assert_eq!((again.id.as_str(), again.new), ("NTF-ru/2", false));
    assert_eq!(changes::list(v.conn(), Language::Ru).unwrap().len(), 1);

    // Sending: not in the future, not before it was issued, only a notice, once.
    let tomorrow = today.succ_opt().unwrap();
    let e = changes::sent(&mut v, "NTFCH-ru-2", tomorrow, today).unwrap_err();
    assert!(e.to_string().contains("in the future"), "{e}");
    let e = changes::sent(&mut v, "NTFCH-ru-2", today.pred_opt().unwrap(), today).unwrap_err();
    assert!(e.to_string().contains("before NTFCH-ru-2 was issued"), "{e}");
    pdocs::publish(&mut v, Document::Ropa, Language::En).unwrap();
    let e = changes::sent(&mut v, "ROPA-en", today, today).unwrap_err();
    assert!(e.to_string().contains("not a notice to Roskomnadzor"), "{e}");
    assert_eq!(changes::sent(&mut v, "NOPE", today, today).unwrap_err().code(), "not_found");
    let before = v.info().unwrap().events;
    changes::sent(&mut v, "NTFCH-ru-2", today, today).unwrap();
    changes::sent(&mut v, "NTF-ru/2", today, today).unwrap();
    assert_eq!(v.info().unwrap().events, before + 2);
    let e = changes::sent(&mut v, "NTFCH-ru-2", today, today).unwrap_err();
    assert!(e.to_string().contains("already recorded as sent on"), "{e}");
    assert_eq!(changes::list(v.conn(), Language::Ru).unwrap()[0].sent_on, Some(today.to_string()));
    let log = v.log(None, 2).unwrap();
    assert_eq!(log[1].kind, "document.sent");
    assert!(log[1].body.contains("\"late\":false"), "{}", log[1].body);

    // The inspection pack lists the notice of changes after the notice's revisions, with its sending.
    let made = consent_ledger_core::documents::inspection::inspection(&mut v, Default::default(), Language::Ru, |_, _| true).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&made.zip)).unwrap();
    let facts: serde_json::Value = serde_json::from_reader(z.by_name("pack.json").unwrap()).unwrap();
    let rows: Vec<(&str, &str, bool, Option<&str>)> = facts["inspection"]["processing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["document"].as_str().unwrap(), r["id"].as_str().unwrap(), r["in_force"].as_bool().unwrap(), r["sent_on"].as_str()))
        .collect();
    let today_s = today.to_string();
    assert_eq!(
        rows,
        [
            ("notice", "NTF-ru/2", true, Some(today_s.as_str())),
            ("notice", "NTF-ru", false, None),
            ("notice_change", "NTFCH-ru-2", false, Some(today_s.as_str())),
            ("ropa", "ROPA-en", true, None)
        ]
    );
    assert_eq!(facts["inspection"]["processing"][2]["due"], c.due.as_str());
    let mut pdf = Vec::new();
    std::io::Read::read_to_end(&mut z.by_name("pack.pdf").unwrap(), &mut pdf).unwrap();
    let text = pdf_text(&pdf);
    assert!(text.contains("NTFCH-ru-2") && text.contains("Направлено"), "{text}");
    v.lock().unwrap();
    assert!(Vault::open_read_only(d.path(), PASS).unwrap().verify(|_, _| true).unwrap().ok());
}
