//! The incident register on a real vault: recording and editing, the notice
//! clocks and their states, the people affected counted by a register
//! query, the fine bracket, the notices' drafts as documents, bad input that
//! changes nothing, and verify catching a changed or removed record.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use consent_ledger_core::agreements::Language;
use consent_ledger_core::consents::{self, Action, Channel, Intake};
use consent_ledger_core::incidents::{self, notices, AffectedFilter, ClockState, Details, Notice, Risk, Status};
use consent_ledger_core::requests::Law;
use consent_ledger_core::Vault;

const HOSTILE: &str = "<img src=x onerror=alert(1)> \u{202e}Утечка";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn details(detected: &str) -> Details {
    Details {
        title: format!("CRM export left open {HOSTILE}"),
        detected_at: detected.into(),
        occurred_at: Some("2026-12-01T08:00:00+03:00".into()),
        summary: "A CRM export with customers' e-mails was reachable by a public link.".into(),
        data_categories: vec!["e-mail".into(), "phone".into()],
        subjects: 1_500,
        records: 3_000,
        causes: Some("A link shared by mistake".into()),
        harm: Some("Spam and phishing".into()),
        measures: Some("The link was revoked".into()),
        contact: Some("Иванов И. И., DPO, +7 495 000-00-00".into()),
        detected_by: Some("Our administrator, from a customer's complaint".into()),
        law: Law::Both,
        risk: Risk::Risk,
        ..Default::default()
    }
}

fn verified(v: &Vault) {
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{:?}", r.problem);
}

fn events(v: &Vault) -> u64 {
    v.info().unwrap().events
}

#[test]
fn an_incident_runs_its_clocks_from_detection_and_notices_are_recorded() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(d.path());
    let now = at("2026-12-02T10:00:00Z");
    let id = incidents::record(&mut v, details("2026-12-02T12:00:00+03:00"), now).unwrap();
    let inc = incidents::get(v.conn(), id, now).unwrap();
    assert_eq!(inc.details.detected_at, "2026-12-02T09:00:00Z", "stored in UTC");
    assert_eq!(inc.status, Status::Open);
    let clock = |i: &incidents::Incident, n: Notice| i.clocks.iter().find(|c| c.notice == n).unwrap().clone();
    let c24 = clock(&inc, Notice::Rkn24h);
    assert_eq!((c24.state, c24.due_at.as_deref()), (ClockState::Pending, Some("2026-12-03T09:00:00Z")));
    assert_eq!(clock(&inc, Notice::Rkn72h).due_at.as_deref(), Some("2026-12-05T09:00:00Z"));
    assert_eq!(clock(&inc, Notice::Gdpr33).state, ClockState::Pending);
    assert_eq!(clock(&inc, Notice::Subjects34).state, ClockState::NotRequired, "only for a high risk");

    // The overview's countdowns: every notice still due, soonest first.
    let due = incidents::due(v.conn(), now).unwrap();
    assert_eq!(due.iter().map(|d| d.notice).collect::<Vec<_>>(), [Notice::Rkn24h, Notice::Rkn72h, Notice::Gdpr33]);
    assert!(due[0].title.contains(HOSTILE), "text kept as typed");

    // A day later the 24 h notice is overdue; sending it late says so.
    let later = at("2026-12-03T10:00:00Z");
    assert_eq!(clock(&incidents::get(v.conn(), id, later).unwrap(), Notice::Rkn24h).state, ClockState::Overdue);
    let fine = incidents::get(v.conn(), id, later).unwrap().fine.unwrap();
    assert_eq!(fine.parts.iter().map(|p| p.part.as_str()).collect::<Vec<_>>(), ["12", "11"], "size and the late notice");
    assert!(fine.note.contains("to be checked"));
    let seq = incidents::notified(&mut v, id, Notice::Rkn24h, "2026-12-03T09:30:00Z", "portal № 77-1234", later).unwrap();
    let ev = v.event(seq).unwrap();
    let body: serde_json::Value = serde_json::from_str(&ev.body).unwrap();
    assert_eq!(body["late"], true);
    assert_eq!(body["due_at"], "2026-12-03T09:00:00Z");
    assert!(!ev.body.contains("77-1234"), "the reference is hashed: {}", ev.body);
    incidents::notified(&mut v, id, Notice::Rkn72h, "2026-12-04T09:00:00Z", "portal", at("2026-12-04T10:00:00Z")).unwrap();
    let inc = incidents::get(v.conn(), id, at("2026-12-04T10:00:00Z")).unwrap();
    assert_eq!(clock(&inc, Notice::Rkn24h).state, ClockState::Late);
    assert_eq!(clock(&inc, Notice::Rkn72h).state, ClockState::Sent);
    assert_eq!(clock(&inc, Notice::Gdpr33).state, ClockState::Pending);
    assert_eq!(inc.sent.len(), 2);

    // A risk judged unlikely: no GDPR notice is required.
    let mut d2 = inc.details.clone();
    d2.risk = Risk::Unlikely;
    let changed = incidents::edit(&mut v, id, d2.clone(), later).unwrap().unwrap();
    let body: serde_json::Value = serde_json::from_str(&v.event(changed).unwrap().body).unwrap();
    assert_eq!(body["changed"], serde_json::json!(["risk"]));
    assert_eq!(incidents::edit(&mut v, id, d2.clone(), later).unwrap(), None, "nothing changed, nothing recorded");
    let inc = incidents::get(v.conn(), id, later).unwrap();
    assert_eq!(clock(&inc, Notice::Gdpr33).state, ClockState::NotRequired);
    assert!(incidents::due(v.conn(), later).unwrap().is_empty());

    // Closed: final.
    incidents::close(&mut v, id, later).unwrap();
    let e = incidents::edit(&mut v, id, details("2026-12-02T12:00:00+03:00"), later).unwrap_err();
    assert!(e.to_string().contains("closed"), "{e}");
    assert_eq!(incidents::close(&mut v, id, later).unwrap_err().code(), "invalid");
    let list = incidents::list(v.conn(), later).unwrap();
    assert_eq!((list.len(), list[0].status, list[0].fine_part.as_deref()), (1, Status::Closed, Some("12")));
    let history: Vec<String> = incidents::get(v.conn(), id, later).unwrap().history.into_iter().map(|e| e.kind).collect();
    assert_eq!(
        history,
        ["incident.recorded", "incident.notified", "incident.notified", "incident.updated", "incident.closed"]
    );
    // No text of the record in any event.
    for e in v.log(None, 1000).unwrap() {
        for word in ["CRM export", "Иванов", "phishing", "onerror"] {
            assert!(!e.body.contains(word), "{word} in {}", e.body);
        }
    }
    verified(&v);
}

#[test]
fn bad_input_is_refused_and_records_nothing() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    let now = at("2026-12-02T10:00:00Z");
    let before = events(&v);
    let cases: Vec<(Details, &str)> = vec![
        (details("2026-12-02T11:00:00Z"), "in the future"),
        (details("2026-12-02 10:00"), "offset"),
        (Details { occurred_at: Some("2026-12-02T09:00:00Z".into()), ..details("2026-12-02T08:00:00Z") }, "after it was detected"),
        (Details { title: "  ".into(), ..details("2026-12-02T08:00:00Z") }, "title"),
        (Details { summary: "".into(), ..details("2026-12-02T08:00:00Z") }, "what happened"),
        (Details { detected_at: "".into(), ..details("2026-12-02T08:00:00Z") }, "detected"),
        (Details { causes: Some("a\u{0}b".into()), ..details("2026-12-02T08:00:00Z") }, "control characters"),
        (Details { title: "x".repeat(201), ..details("2026-12-02T08:00:00Z") }, "longer than"),
        (
            Details {
                affected: Some(incidents::Affected {
                    filter: AffectedFilter { from: Some("yesterday".into()), ..Default::default() },
                    count: 0,
                    counted_at: String::new(),
                }),
                ..details("2026-12-02T08:00:00Z")
            },
            "not a date",
        ),
    ];
    for (d, want) in cases {
        let e = incidents::record(&mut v, d, now).unwrap_err();
        assert_eq!(e.code(), "invalid");
        assert!(e.to_string().contains(want), "{want}: {e}");
    }
    assert_eq!(events(&v), before);
    assert!(incidents::list(v.conn(), now).unwrap().is_empty());

    let id = incidents::record(&mut v, details("2026-12-02T08:00:00Z"), now).unwrap();
    let before = events(&v);
    let e = incidents::notified(&mut v, id, Notice::Rkn24h, "2026-12-02T07:00:00Z", "", now).unwrap_err();
    assert!(e.to_string().contains("before the incident was detected"), "{e}");
    let e = incidents::notified(&mut v, id, Notice::Rkn24h, "2026-12-03T07:00:00Z", "", now).unwrap_err();
    assert!(e.to_string().contains("in the future"), "{e}");
    assert_eq!(incidents::notified(&mut v, 999, Notice::Rkn24h, "2026-12-02T09:00:00Z", "", now).unwrap_err().code(), "not_found");
    assert_eq!(events(&v), before);
    verified(&v);
}

#[test]
fn the_people_affected_are_counted_by_a_register_query_once_per_person() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, a) = vault_with_agreement(d.path());
    let t = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let add = |v: &mut Vault, name: &str, email: &str, channel: Channel, when: &str| {
        let intake = Intake { name: Some(name.into()), email: Some(email.into()), acted_at: Some(at(when)), ..Default::default() };
        v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, channel, intake)).unwrap().subject
    };
    let a1 = add(&mut v, "Фёдоров", "f@example.org", Channel::WebForm, "2026-11-01T10:00:00Z");
    let a2 = add(&mut v, "Фёдоров Д.", "fd@example.org", Channel::WebForm, "2026-11-02T10:00:00Z");
    add(&mut v, "Smith", "s@example.org", Channel::Paper, "2026-11-03T10:00:00Z");
    add(&mut v, "Old", "o@example.org", Channel::WebForm, "2025-01-03T10:00:00Z");
    let all = AffectedFilter { agreement: Some(a), ..Default::default() };
    assert_eq!(incidents::count_affected(v.conn(), &all).unwrap(), 4);
    // Two subjects merged into one are one person.
    v.with_tx(|tx, actor| consents::merge(tx, actor, &a1, &a2)).unwrap();
    assert_eq!(incidents::count_affected(v.conn(), &all).unwrap(), 3);
    let web_november = AffectedFilter {
        agreement: Some(a),
        channel: Some(Channel::WebForm),
        from: Some("2026-11-01".into()),
        to: Some("2026-11-30".into()),
        ..Default::default()
    };
    assert_eq!(incidents::count_affected(v.conn(), &web_november).unwrap(), 1);
    assert_eq!(incidents::count_affected(v.conn(), &AffectedFilter { agreement: Some(a + 100), ..Default::default() }).unwrap(), 0);

    // Recorded with the query: the count is the program's, not the caller's.
    let now = at("2026-12-02T10:00:00Z");
    let mut det = details("2026-12-02T08:00:00Z");
    det.affected = Some(incidents::Affected { filter: all.clone(), count: 999_999, counted_at: "whenever".into() });
    let id = incidents::record(&mut v, det, now).unwrap();
    let got = incidents::get(v.conn(), id, now).unwrap().details.affected.unwrap();
    assert_eq!((got.count, got.counted_at.as_str()), (3, "2026-12-02T10:00:00Z"));
    verified(&v);
}

#[test]
fn notice_drafts_are_issued_as_documents_and_name_what_is_missing() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, _) = vault_with_agreement(d.path());
    let now = Utc::now();
    let detected = (now - Duration::hours(2)).to_rfc3339();
    let mut det = details(&detected);
    det.investigation = None;
    det.special_categories = true;
    det.summary = format!("{} {HOSTILE}", det.summary);
    let id = incidents::record(&mut v, det, now).unwrap();
    let doc = notices::issue(&mut v, id, Notice::Rkn24h, Language::Ru).unwrap();
    assert_eq!(doc.id, format!("I{id}-RKN24-ru"));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let content = consent_ledger_core::documents::content(v.conn(), &doc.id).unwrap();
    assert!(content.pdf.starts_with(b"%PDF"));
    for want in [
        "ООО «Ромашка»",
        "Что произошло",
        "A CRM export with customers",
        "Предполагаемые причины",
        "специальные категории персональных данных",
        "около 1500 субъектов",
        "Иванов И. И.",
        HOSTILE,
        "UTC",
        "приказ Роскомнадзора от 14.11.2022 № 187",
    ] {
        assert!(content.text.contains(want), "{want} not in\n{}", content.text);
    }
    // The same facts: the same document; changed facts: a new revision.
    let again = notices::issue(&mut v, id, Notice::Rkn24h, Language::Ru).unwrap();
    assert_eq!((again.id.as_str(), again.new), (doc.id.as_str(), false));
    let mut changed = incidents::get(v.conn(), id, now).unwrap().details;
    changed.measures = Some("Passwords were reset".into());
    incidents::edit(&mut v, id, changed, now).unwrap();
    assert_eq!(notices::issue(&mut v, id, Notice::Rkn24h, Language::Ru).unwrap().id, format!("I{id}-RKN24-ru/2"));

    // The 72 h notice without the investigation's results warns.
    let r72 = notices::issue(&mut v, id, Notice::Rkn72h, Language::En).unwrap();
    assert_eq!(r72.warnings.iter().map(|w| w.code.as_str()).collect::<Vec<_>>(), ["incident.investigation"]);
    let text = consent_ledger_core::documents::content(v.conn(), &r72.id).unwrap().text;
    assert!(text.contains("Results of the internal investigation: not established"), "{text}");
    assert!(text.contains("First notice (24 hours) sent: not sent"), "{text}");
    for n in [Notice::Gdpr33, Notice::Subjects34] {
        notices::issue(&mut v, id, n, Language::En).unwrap();
    }
    let docs = incidents::get(v.conn(), id, now).unwrap().documents;
    assert_eq!(docs.len(), 5);
    assert_eq!(notices::issue(&mut v, 4242, Notice::Rkn24h, Language::Ru).unwrap_err().code(), "not_found");
    verified(&v);
}

#[test]
fn a_vault_can_keep_its_own_incident_rules() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    let now = at("2026-12-02T10:00:00Z");
    let id = incidents::record(&mut v, details("2026-12-02T08:00:00Z"), now).unwrap();
    let mut rules: serde_json::Value = serde_json::to_value(incidents::Rules::shipped()).unwrap();
    rules["clocks"][0]["hours"] = serde_json::json!(48);
    let text = rules.to_string();
    v.with_tx(|tx, actor| incidents::set_rules(tx, actor, Some(&text))).unwrap();
    let c = incidents::get(v.conn(), id, now).unwrap().clocks[0].clone();
    assert_eq!((c.notice, c.due_at.as_deref()), (Notice::Rkn24h, Some("2026-12-04T08:00:00Z")));
    let before = events(&v);
    let e = v.with_tx(|tx, actor| incidents::set_rules(tx, actor, Some("{\"clocks\": []}"))).unwrap_err();
    assert_eq!(e.code(), "invalid");
    assert_eq!(events(&v), before);
    v.with_tx(|tx, actor| incidents::set_rules(tx, actor, None)).unwrap();
    assert_eq!(incidents::get(v.conn(), id, now).unwrap().clocks[0].due_at.as_deref(), Some("2026-12-03T08:00:00Z"));
    verified(&v);
}

#[test]
fn verify_catches_a_changed_or_removed_incident_record() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    let now = at("2026-12-02T10:00:00Z");
    let id = incidents::record(&mut v, details("2026-12-02T08:00:00Z"), now).unwrap();
    let sent = incidents::notified(&mut v, id, Notice::Rkn24h, "2026-12-02T09:00:00Z", "portal", now).unwrap();
    v.lock().unwrap();

    let tamper = |sql: &str| {
        let copy = tempfile::tempdir().unwrap();
        copy_vault(d.path(), copy.path());
        raw_conn(copy.path()).execute_batch(sql).unwrap();
        let v = Vault::open_read_only(copy.path(), PASS).unwrap();
        v.verify(|_, _| true).unwrap().problem.expect("a problem")
    };
    let p = tamper("UPDATE incidents SET details = replace(details, '1500', '15')");
    assert_eq!((p.code, p.seq), ("incident_mismatch", Some(id)));
    let p = tamper("UPDATE incidents SET detected_at = '2026-12-02T09:59:00Z'");
    assert_eq!(p.code, "incident_mismatch");
    let p = tamper("DELETE FROM incident_notices");
    assert_eq!((p.code, p.seq), ("incident_mismatch", Some(sent)));
    let p = tamper("UPDATE incident_notices SET sent_at = '2026-12-02T08:30:00Z'");
    assert_eq!((p.code, p.seq), ("incident_mismatch", Some(sent)));
    let p = tamper("UPDATE incidents SET status = 'closed'");
    assert_eq!(p.code, "incident_mismatch");
    let p = tamper("DELETE FROM incident_notices; DELETE FROM incident_events; DELETE FROM incidents");
    assert_eq!((p.code, p.seq), ("incident_mismatch", Some(id)));
}
