//! Audited reading on a real vault: opening a person's data, searching and
//! exporting are `read.*` events with no personal data (the search text is
//! not kept), recorded by every role with the reader as the actor; and the
//! ledger filtered by kind and operator, a slice of the log at a time.

mod common;

use common::*;
use consent_ledger_core::audit::{self, What};
use consent_ledger_core::consents::{self, Action, Channel, Filter, Intake};
use consent_ledger_core::ledger;
use consent_ledger_core::operators::{self, Role};
use consent_ledger_core::Vault;

const AUDITOR_PASS: &str = "copper meadow lantern 19 quartz";

#[test]
fn reading_is_recorded_without_what_was_read() {
    let d = tempfile::tempdir().unwrap();
    let (mut v, a) = vault_with_agreement(d.path());
    let t = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let intake = Intake { name: Some("Фёдоров Дмитрий".into()), email: Some("d.fedorov@example.org".into()), ..Default::default() };
    let s = v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, Channel::WebForm, intake)).unwrap().subject;
    operators::add(&mut v, "Аудитор", AUDITOR_PASS, Role::Auditor).unwrap();
    v.lock().unwrap();

    let mut au = Vault::unlock(d.path(), AUDITOR_PASS).unwrap();
    let filter = Filter { text: Some("Фёдоров".into()), agreement: Some(a), ..Default::default() };
    let page = consents::list(au.conn(), &filter, None, 50).unwrap();
    assert!(audit::is_search(&filter));
    let searched = au.audit_search(What::Register, audit::filter_fields(&filter), page.len() as u64).unwrap();
    let viewed = au.audit_person(&s, What::PersonPage).unwrap();
    let exported = au.audit_export(What::ConsentsCsv, 1, serde_json::json!({ "fields": ["agreement"] })).unwrap();
    let log = au.log(None, 10).unwrap();
    let ev = |seq| log.iter().find(|e| e.seq == seq).unwrap().clone();
    let (search, view, export) = (ev(searched), ev(viewed), ev(exported));
    assert_eq!((search.kind.as_str(), view.kind.as_str(), export.kind.as_str()), ("read.search", "read.person", "read.export"));
    assert_eq!(search.actor, "Аудитор");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&search.body).unwrap(), serde_json::json!({ "what": "register", "fields": ["agreement", "text"], "results": 1 }));
    assert_eq!(view.subject.as_deref(), Some(s.as_str()));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&export.body).unwrap()["rows"], 1);
    for e in [&search, &view, &export] {
        for word in ["Фёдоров", "fedorov", "Дмитрий"] {
            assert!(!e.body.contains(word), "{word} in {}", e.body);
        }
    }
    // Browsing without a search is not a search.
    assert!(!audit::is_search(&Filter { agreement: Some(a), ..Default::default() }));
    au.lock().unwrap();
    assert!(Vault::open_read_only(d.path(), PASS).unwrap().verify(|_, _| true).unwrap().ok());
}

#[test]
fn the_ledger_is_filtered_by_kind_and_operator_a_slice_at_a_time() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    operators::add(&mut v, "Аудитор", AUDITOR_PASS, Role::Auditor).unwrap();
    // Many events, a few of them reads.
    let batch: Vec<_> = (0..120_000).map(|i| consent_ledger_core::NewEvent::new("demo.note", serde_json::json!({ "i": i }))).collect();
    v.record(&batch).unwrap();
    v.lock().unwrap();
    let mut au = Vault::unlock(d.path(), AUDITOR_PASS).unwrap();
    let first = au.audit_export(What::SuppressionList, 0, serde_json::json!({})).unwrap();
    let second = au.audit_export(What::SuppressionList, 0, serde_json::json!({})).unwrap();
    let size = ledger::size(au.conn()).unwrap();

    let page = ledger::page_filtered(au.conn(), None, 10, Some("read."), None).unwrap();
    assert_eq!(page.events.iter().map(|e| e.seq).collect::<Vec<_>>(), [second, first]);
    assert_eq!(page.next_before, Some(size + 1 - ledger::FILTER_SCAN), "a slice of the log looked at, the rest to come");
    let mine = ledger::page_filtered(au.conn(), None, 1000, None, Some("Аудитор")).unwrap();
    assert!(mine.events.iter().all(|e| e.actor == "Аудитор") && mine.events.len() >= 3, "{}", mine.events.len());
    // An exact kind; a prefix needs its dot (`read` alone matches no kind).
    assert_eq!(ledger::page_filtered(au.conn(), None, 5, Some("read.export"), None).unwrap().events.len(), 2);
    assert!(ledger::page_filtered(au.conn(), None, 5, Some("read"), None).unwrap().events.is_empty());
    // Walking on reaches the start: the operator's addition, by the owner.
    let mut before = page.next_before;
    let mut added = vec![];
    while let Some(b) = before {
        let p = ledger::page_filtered(au.conn(), Some(b), 100, Some("operator."), None).unwrap();
        added.extend(p.events);
        before = p.next_before;
    }
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].actor, "Анна Operator");
}
