//! The consent register through a real encrypted vault: recording against
//! published versions only, subject matching, duplicates, filters and paging,
//! full-text search (and its erasure), timelines checked against the ledger.

mod common;

use chrono::TimeZone;
use common::*;
use consent_ledger_core::agreements::{self, Language, TemplateKind};
use consent_ledger_core::consents::{self, search, Action, Channel, Filter, Intake, Target};
use consent_ledger_core::Vault;

fn vault(dir: &std::path::Path) -> (Vault, u64) {
    vault_with_agreement(dir)
}

fn person(name: &str, email: Option<&str>, phone: Option<&str>, day: u32) -> Intake {
    Intake {
        name: Some(name.into()),
        email: email.map(String::from),
        phone: phone.map(String::from),
        acted_at: Some(chrono::Utc.with_ymd_and_hms(2025, 3, day, 10, 0, 0).unwrap()),
        ip: Some("2001:db8::1".parse().unwrap()),
        url: Some("https://romashka.example/contact?utm_source=very-long-campaign-name".into()),
        ..Default::default()
    }
}

/// A published agreement whose consents last `months`, and its target.
fn agreement_with_term(v: &mut Vault, months: u32) -> (u64, Target) {
    let id = v
        .with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, None))
        .unwrap();
    let mut content = agreements::view(v.conn(), id, None).unwrap().content;
    content.expires_after_months = Some(months);
    v.with_tx(|tx, _| agreements::save_draft(tx, id, content)).unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::En)).unwrap();
    (id, consents::target(v.conn(), id, None, Action::Given).unwrap())
}

fn add(v: &mut Vault, t: &Target, action: Action, i: Intake) -> consents::Outcome {
    v.with_tx(|tx, actor| consents::record(tx, actor, t, action, Channel::WebForm, i))
        .unwrap()
}

#[test]
fn consents_only_against_published_versions_and_not_retired_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let draft = v
        .with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, None))
        .unwrap();
    let e = consents::target(v.conn(), draft, None, Action::Given).unwrap_err();
    assert!(e.to_string().contains("publish it before"), "{e}");
    let t = consents::resolve_target(v.conn(), &format!("A{id}-v1"), Action::Given).unwrap();
    assert_eq!((t.agreement, t.version), (id, 1));
    add(&mut v, &t, Action::Given, person("Anna", Some("anna@example.de"), None, 1));
    v.with_tx(|tx, actor| agreements::retire(tx, actor, id)).unwrap();
    let e = consents::target(v.conn(), id, None, Action::Given).unwrap_err();
    assert!(e.to_string().contains("retired"), "{e}");
    // A subject can always withdraw.
    let t = consents::target(v.conn(), id, None, Action::Withdrawn).unwrap();
    add(&mut v, &t, Action::Withdrawn, person("Anna", Some("ANNA@example.de"), None, 2));
    let tl = consents::timeline(v.conn(), &consents::list(v.conn(), &Filter::default(), None, 10).unwrap()[0].subject).unwrap();
    let actions: Vec<Action> = tl.items.iter().map(|d| d.entry.action).collect();
    assert_eq!(actions, vec![Action::Given, Action::Withdrawn]);
    assert!(tl.items.iter().all(|d| d.matches_ledger == Some(true)));
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn the_same_person_is_one_subject_and_repeats_are_not_duplicated() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    let a = add(&mut v, &t, Action::Given, person("Иванов Иван", Some("Ivan@Example.ru"), Some("8 (916) 123-45-67"), 1));
    assert!(a.new_subject);
    let b = add(&mut v, &t, Action::Refused, person("Иван", None, Some("+7 916 123 45 67"), 2));
    assert_eq!((b.subject.as_str(), b.new_subject), (a.subject.as_str(), false), "matched by phone");
    let c = add(&mut v, &t, Action::Given, person("I. Ivanov", Some("ivan@example.ru"), None, 3));
    assert_eq!(c.subject, a.subject, "matched by e-mail, case-insensitive");
    let events = v.info().unwrap().events;
    let again = add(&mut v, &t, Action::Given, person("Иванов Иван", Some("ivan@example.ru"), Some("89161234567"), 1));
    assert!(again.duplicate);
    assert_eq!(v.info().unwrap().events, events, "a duplicate records nothing");
    let other = add(&mut v, &t, Action::Given, person("Пётр", Some("petr@example.ru"), None, 1));
    assert_ne!(other.subject, a.subject);
    assert_eq!(consents::count(v.conn()).unwrap(), 4);
    // The ledger holds commitments, not the data.
    let ev = v.log(None, 1).unwrap().remove(0);
    assert_eq!(ev.kind, "consent.given");
    assert!(!ev.body.contains("petr") && ev.body.contains("hmac-sha256:"));
}

#[test]
fn keyset_pages_cover_consents_of_one_moment_once_each() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    // 23 people at the same moment (a file with dates only), two at others.
    for i in 0..23 {
        add(&mut v, &t, Action::Given, person(&format!("P{i}"), Some(&format!("p{i}@example.ru")), None, 3));
    }
    add(&mut v, &t, Action::Given, person("Early", Some("early@example.ru"), None, 1));
    add(&mut v, &t, Action::Given, person("Late", Some("late@example.ru"), None, 9));
    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..10 {
        let page = consents::list(v.conn(), &Filter::default(), cursor.as_ref(), 4).unwrap();
        seen.extend(page.iter().map(|e| (e.acted_at.clone(), e.id)));
        cursor = consents::next_cursor(&page, 4);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 25);
    let mut ids: Vec<u64> = seen.iter().map(|s| s.1).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 25, "a consent was listed twice");
    assert!(seen.windows(2).all(|w| w[0].0 >= w[1].0), "newest first");
    assert!(seen[0].0.starts_with("2025-03-09") && seen[24].0.starts_with("2025-03-01"));
    // A cursor naming no consent at that moment (stale, or mistyped) is refused, not half-followed.
    let stale = consents::Cursor { acted_at: seen[3].0.clone(), id: 999_999 };
    let e = consents::list(v.conn(), &Filter::default(), Some(&stale), 4).unwrap_err();
    assert_eq!(e.code(), "invalid", "{e}");
    let moved = consents::Cursor { acted_at: seen[0].0.clone(), id: seen[3].1 };
    assert!(consents::list(v.conn(), &Filter::default(), Some(&moved), 4).is_err());
}

#[test]
fn filters_keyset_pages_and_search() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    for day in 1..=25 {
        let action = if day % 5 == 0 { Action::Refused } else { Action::Given };
        let name = if day == 7 { "Смирнова Анна Сергеевна".to_string() } else { format!("Person {day}") };
        add(&mut v, &t, action, person(&name, Some(&format!("p{day}@example.ru")), Some(&format!("+7 916 000 00 {day:02}")), day));
    }
    add(&mut v, &t, Action::Given, person("<script>alert(1)</script>", Some("x@example.ru"), None, 26));

    // Pages of 10, newest first, no overlap, no gap.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = consents::list(v.conn(), &Filter::default(), cursor.as_ref(), 10).unwrap();
        seen.extend(page.iter().map(|e| e.id));
        cursor = consents::next_cursor(&page, 10);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 26);
    assert!(seen.windows(2).all(|w| w[0] > w[1]));

    let refused = Filter { action: Some(Action::Refused), ..Default::default() };
    assert_eq!(consents::list(v.conn(), &refused, None, 100).unwrap().len(), 5);
    let range = Filter { from: Some("2025-03-10".into()), to: Some("2025-03-12".into()), ..Default::default() };
    assert_eq!(consents::list(v.conn(), &range, None, 100).unwrap().len(), 3);

    // Search: part of a Russian name in any case, an e-mail prefix, a phone.
    for q in ["смирн", "АННА", "Анна Серг", "p7@exa", "+7 916 000-00-07", "9160000007", "8916000000"] {
        let hits = search::subjects(v.conn(), q, 10).unwrap();
        assert!(!hits.is_empty(), "{q}");
        assert!(hits.iter().any(|h| h.emails == vec!["p7@example.ru".to_string()]), "{q}: {hits:?}");
    }
    let by_text = Filter { text: Some("смирнова".into()), ..Default::default() };
    let found = consents::list(v.conn(), &by_text, None, 10).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name.as_deref(), Some("Смирнова Анна Сергеевна"));
    assert!(search::subjects(v.conn(), "\" OR *", 10).unwrap().is_empty(), "operators are text");
    let script = search::subjects(v.conn(), "script", 10).unwrap();
    assert_eq!(script[0].names, vec!["<script>alert(1)</script>".to_string()]);

    // Erasure takes the subject out of the index; the log still verifies.
    let subject = found[0].subject.clone();
    v.erase_subject(&subject, "request of 14.03.2025").unwrap();
    assert!(search::subjects(v.conn(), "смирн", 10).unwrap().is_empty());
    assert!(consents::list(v.conn(), &by_text, None, 10).unwrap().is_empty());
    let tl = consents::timeline(v.conn(), &subject).unwrap();
    assert!(tl.erased && tl.items[0].entry.name.is_none() && tl.items[0].matches_ledger.is_none());
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn bad_intake_is_refused_and_register_rows_cannot_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    let (mut v, id) = vault(&dir);
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    for (bad, why) in [
        (Intake::default(), "name, e-mail or phone"),
        (Intake { email: Some("not-an-email".into()), ..Default::default() }, "not an e-mail"),
        (Intake { phone: Some("12".into()), ..Default::default() }, "not a phone"),
        (Intake { name: Some("x".repeat(5000)), ..Default::default() }, "longer than"),
        (Intake { name: Some("a".into()), scan_sha256: Some("abc".into()), ..Default::default() }, "64 hex"),
    ] {
        let e = v
            .with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, Channel::Paper, bad))
            .unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
    assert_eq!(consents::count(v.conn()).unwrap(), 0);
    add(&mut v, &t, Action::Given, person("Anna", Some("a@example.de"), None, 1));
    drop(v);
    let raw = raw_conn(&dir);
    for sql in ["UPDATE consents SET action = 'refused'", "DELETE FROM consents"] {
        let e = raw.execute(sql, []).unwrap_err().to_string();
        assert!(e.contains("the consent register is append-only"), "{e}");
    }
    // Changing the stored data past the triggers breaks the commitment.
    raw.execute("UPDATE subject_data SET data = replace(data, 'Anna', 'Anne')", []).unwrap();
    drop(raw);
    let v = Vault::unlock(&dir, PASS).unwrap();
    let e = &consents::list(v.conn(), &Filter::default(), None, 1).unwrap()[0];
    assert_eq!(consents::get(v.conn(), e.id).unwrap().matches_ledger, Some(false));
    assert_eq!(v.verify(|_, _| true).unwrap().problem.unwrap().code, "data_mismatch");
}

#[test]
fn an_operator_merges_two_subjects_that_are_one_person() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    // The same person with a work and a private address: two subjects.
    let a = add(&mut v, &t, Action::Given, person("Анна Смирнова", Some("anna@work.example"), None, 1));
    let b = add(&mut v, &t, Action::Refused, person("Смирнова А.", Some("anna@home.example"), None, 2));
    assert_ne!(a.subject, b.subject);
    let seq = v.with_tx(|tx, actor| consents::merge(tx, actor, &a.subject, &b.subject)).unwrap();
    let ev = v.event(seq).unwrap();
    assert_eq!((ev.kind.as_str(), ev.subject.as_deref()), ("subject.merged", Some(b.subject.as_str())));
    // One timeline, reached from either id; new actions by either address land there.
    for s in [&a.subject, &b.subject] {
        let tl = consents::timeline(v.conn(), s).unwrap();
        assert_eq!(tl.subject, a.subject);
        assert_eq!(tl.items.len(), 2);
        assert!(tl.items.iter().all(|d| d.matches_ledger == Some(true)));
    }
    let c = add(&mut v, &t, Action::Withdrawn, person("Анна", Some("anna@home.example"), None, 3));
    assert_eq!(c.subject, a.subject);
    let hits = search::subjects(v.conn(), "смирнова", 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].emails, vec!["anna@home.example".to_string(), "anna@work.example".to_string()]);
    // Searching the register lists the absorbed subject's consents too.
    let f = Filter { text: Some("смирнова".into()), ..Default::default() };
    assert_eq!(consents::list(v.conn(), &f, None, 10).unwrap().len(), 3);
    // Someone of the same name with another address is offered for review, until merged.
    assert!(search::same_name(v.conn(), &a.subject, 10).unwrap().is_empty());
    let d = add(&mut v, &t, Action::Given, person("Анна Смирнова", Some("a.smirnova@other.example"), None, 4));
    let similar = search::same_name(v.conn(), &a.subject, 10).unwrap();
    assert_eq!(similar.iter().map(|h| h.subject.as_str()).collect::<Vec<_>>(), vec![d.subject.as_str()]);
    assert_eq!(similar[0].consents, 1);
    v.with_tx(|tx, actor| consents::merge(tx, actor, &a.subject, &d.subject)).unwrap();
    assert!(search::same_name(v.conn(), &a.subject, 10).unwrap().is_empty());
    // Refused: merging again, into itself, or an unknown subject.
    for (keep, absorb) in [(&a.subject, &b.subject), (&a.subject, &a.subject)] {
        assert_eq!(v.with_tx(|tx, actor| consents::merge(tx, actor, keep, absorb)).unwrap_err().code(), "invalid");
    }
    assert_eq!(v.with_tx(|tx, actor| consents::merge(tx, actor, &a.subject, "s-nobody")).unwrap_err().code(), "not_found");
    // Erasing the person erases both subjects.
    v.erase_subject(&b.subject, "request").unwrap();
    assert!(search::subjects(v.conn(), "anna", 10).unwrap().is_empty());
    let tl = consents::timeline(v.conn(), &a.subject).unwrap();
    assert!(tl.erased && tl.items.iter().all(|d| d.entry.erased));
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn an_import_resolves_agreements_by_label_or_title_and_is_all_or_nothing() {
    use consent_ledger_core::consents::importer::{import, ImportOptions};
    use consent_ledger_core::import::Options;
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let title = agreements::view(v.conn(), id, None).unwrap().content.title;
    let csv = format!(
        "Дата;ФИО;E-mail;Соглашение\n2025-03-14 10:00;Анна;anna@example.ru;{title}\n2025-03-15 10:00;Пётр;petr@example.ru;A{id}-v1\n2025-03-16 10:00;Олег;oleg@example.ru;\n"
    );
    let actor = v.actor().to_string();
    let run = |v: &mut Vault, text: &str, default: Option<&str>| {
        import(v.conn_mut(), &actor, "f.csv", text.as_bytes(), &Options::default(),
            &ImportOptions { agreement: default.map(String::from), keep_good_rows: false }, |_| true).unwrap()
    };
    // Without a default, the row naming nothing is rejected and nothing is stored.
    let r = run(&mut v, &csv, None);
    assert!(!r.committed);
    assert_eq!(r.rejected.iter().map(|x| x.line).collect::<Vec<_>>(), vec![4]);
    assert_eq!(consents::count(v.conn()).unwrap(), 0);
    let r = run(&mut v, &csv, Some(&format!("A{id}")));
    assert!(r.committed && r.added == 3, "{r:?}");
    let seq = r.seq.unwrap();
    let ev = v.event(seq).unwrap();
    assert_eq!(ev.kind, "consent.imported");
    assert!(ev.body.contains(&r.file_sha256));
    // Cancelling stores nothing.
    let many: String = std::iter::once("Дата;E-mail\n".to_string())
        .chain((0..6000).map(|i| format!("2025-03-14 10:00;u{i}@example.ru\n")))
        .collect();
    let e = import(v.conn_mut(), &actor, "m.csv", many.as_bytes(), &Options::default(),
        &ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false }, |_| false).unwrap_err();
    assert_eq!(e.code(), "cancelled");
    assert_eq!(consents::count(v.conn()).unwrap(), 3);
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn a_large_import_goes_through_a_rollback_journal_and_the_vault_returns_to_its_log() {
    use consent_ledger_core::consents::importer::{import, ImportOptions};
    use consent_ledger_core::import::Options;
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let actor = v.actor().to_string();
    let mode = |v: &Vault| -> String { v.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap() };
    // Over 1 MiB: about 14,000 rows, the last one bad in the first run.
    let rows: Vec<String> = (0..14_000)
        .map(|i| format!("2025-03-14 10:{:02};Участник {i};u{i}@example.ru;https://example.ru/form?campaign=spring&id={i}\n", i % 60))
        .collect();
    let good = format!("Дата;ФИО;E-mail;URL\n{}", rows.concat());
    assert!(good.len() > 1 << 20);
    let bad = format!("{good}вчера;Кто-то;x@example.ru;\n");
    let opts = ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false };
    let journal = tmp.path().join("v").join("vault.db-journal");
    let r = import(v.conn_mut(), &actor, "bad.csv", bad.as_bytes(), &Options::default(), &opts, |_| true).unwrap();
    assert!(!r.committed && r.rejected.len() == 1, "{:?}", r.rejected);
    assert_eq!(consents::count(v.conn()).unwrap(), 0);
    assert_eq!(mode(&v), "wal");
    assert!(!journal.exists(), "the emptied journal is removed");
    let mut journaled = false;
    let r = import(v.conn_mut(), &actor, "good.csv", good.as_bytes(), &Options::default(), &opts, |_| {
        journaled |= std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0);
        true
    })
    .unwrap();
    assert!(r.committed && r.added == 14_000, "{r:?}");
    assert!(journaled, "the import did not go through a rollback journal");
    assert_eq!(mode(&v), "wal");
    assert!(!journal.exists());
    assert_eq!(search::subjects(v.conn(), "Участник 13999", 5).unwrap().len(), 1);
    assert!(v.verify(|_, _| true).unwrap().ok());
    // The data kept per consent holds each value once: the columns read as
    // name, e-mail, date and URL are not repeated among the form's fields.
    let data: String = v
        .conn()
        .query_row("SELECT data FROM subject_data ORDER BY event_seq DESC LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert!(!data.contains("\"fields\"") && data.contains("u13999@example.ru"), "{data}");
}

#[test]
fn new_subjects_have_time_ordered_pseudonymous_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, id) = vault(&tmp.path().join("v"));
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    let a = add(&mut v, &t, Action::Given, person("Anna", Some("anna@example.de"), None, 1)).subject;
    std::thread::sleep(std::time::Duration::from_millis(3));
    let b = add(&mut v, &t, Action::Given, person("Ben", Some("ben@example.de"), None, 2)).subject;
    for s in [&a, &b] {
        assert!(s.len() == 26 && s.starts_with("s-") && s[2..].chars().all(|c| c.is_ascii_hexdigit()), "{s}");
    }
    assert!(a < b, "{a} then {b}");
    let millis = i64::from_str_radix(&b[2..14], 16).unwrap();
    assert!((chrono::Utc::now().timestamp_millis() - millis).abs() < 60_000);
}

#[test]
fn expiry_reminder_count_is_kept_until_the_ledger_grows() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, open_ended) = vault(&tmp.path().join("v"));
    let (id, t) = agreement_with_term(&mut v, 12);
    let given = |name: &str, day| Intake {
        acted_at: Some(chrono::Utc.with_ymd_and_hms(2024, 3, day, 10, 0, 0).unwrap()),
        ..person(name, Some(&format!("{name}@example.de")), None, 1)
    };
    add(&mut v, &t, Action::Given, given("anna", 1));
    let other = consents::target(v.conn(), open_ended, None, Action::Given).unwrap();
    let bob = add(&mut v, &other, Action::Given, given("bob", 1)).subject;
    let now = chrono::Utc.with_ymd_and_hms(2025, 10, 1, 10, 0, 0).unwrap();
    assert_eq!(v.expiry_due_count(now).unwrap(), 1);
    // A row slipped in without an event is not seen within the hour...
    v.conn_mut()
        .execute(
            "INSERT INTO consents (id, subject_id, agreement_id, version, action, acted_at, recorded_at, channel, dedup_key)
             SELECT 999999, ?2, agreement_id, version, 'given', '2024-03-02T10:00:00.000000Z', recorded_at, channel, 1
               FROM consents WHERE agreement_id = ?1",
            rusqlite::params![id as i64, bob],
        )
        .unwrap();
    assert_eq!(v.expiry_due_count(now).unwrap(), 1);
    // ...but in the next one; and a consent recorded with its event at once.
    let later = now + chrono::Duration::hours(1);
    assert_eq!(v.expiry_due_count(later).unwrap(), 2);
    let gus = add(&mut v, &t, Action::Given, given("gus", 3)).subject;
    assert_eq!(v.expiry_due_count(later).unwrap(), 3);
    // An erased person's consents are not listed (their data is gone).
    v.erase_subject(&gus, "request #7").unwrap();
    assert_eq!(v.expiry_due_count(later).unwrap(), 2);
}

#[test]
fn consents_expire_when_the_versions_term_in_months_ends() {
    use consent_ledger_core::consents::expiry;
    let tmp = tempfile::tempdir().unwrap();
    let (mut v, open_ended) = vault(&tmp.path().join("v"));
    // A version whose consents last 12 months; a term of 0 months is refused.
    let (id, t) = agreement_with_term(&mut v, 12);
    let mut content = agreements::view(v.conn(), id, None).unwrap().content;
    content.expires_after_months = Some(0);
    assert!(v.with_tx(|tx, _| agreements::save_draft(tx, id, content)).is_err());

    let other = consents::target(v.conn(), open_ended, None, Action::Given).unwrap();
    let at = |y, m, d| chrono::Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap();
    let given = |name: &str, when| Intake { acted_at: Some(when), ..person(name, Some(&format!("{name}@example.de")), None, 1) };
    let anna = add(&mut v, &t, Action::Given, given("anna", at(2024, 1, 31))).subject;
    // Bob withdrew before the term ended: nothing expires.
    add(&mut v, &t, Action::Given, given("bob", at(2024, 2, 1)));
    add(&mut v, &t, Action::Withdrawn, given("bob", at(2024, 6, 1)));
    // Carl gave it recently; Dora to the open-ended agreement long ago.
    add(&mut v, &t, Action::Given, given("carl", at(2025, 9, 1)));
    add(&mut v, &other, Action::Given, given("dora", at(2020, 1, 1)));
    // Eve was recorded twice (merged later) and gave it again under the other record.
    let eve1 = add(&mut v, &t, Action::Given, given("eve", at(2024, 1, 1))).subject;
    let eve2 = add(&mut v, &t, Action::Given, given("eve2", at(2025, 1, 1))).subject;
    v.with_tx(|tx, actor| consents::merge(tx, actor, &eve2, &eve1)).unwrap();
    let fay1 = add(&mut v, &t, Action::Given, given("fay", at(2024, 2, 15))).subject;

    let now = at(2025, 10, 1);
    let due = expiry::due(v.conn(), now).unwrap();
    let who: Vec<&str> = due.iter().map(|d| d.subject.as_str()).collect();
    assert_eq!(who, vec![anna.as_str(), fay1.as_str()], "{due:?}");
    // 31 January + 12 months: the term ends on 31 January 2025.
    assert_eq!(due[0].expires_at, "2025-01-31T10:00:00.000000Z");
    assert_eq!(v.with_tx(|tx, actor| expiry::record_due(tx, actor, now)).unwrap(), 2);
    let tl = consents::timeline(v.conn(), &anna).unwrap();
    let expired: Vec<_> = tl.items.iter().filter(|d| d.entry.action == Action::Expired).collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].entry.acted_at, "2025-01-31T10:00:00.000000Z");
    assert_eq!(expired[0].matches_ledger, Some(true));
    // The register names the person whose consent expired.
    assert_eq!(expired[0].entry.name.as_deref(), Some("anna"));
    let listed = consents::list(v.conn(), &Filter { action: Some(Action::Expired), ..Default::default() }, None, 10).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|e| e.name.is_some() && e.email.is_some()), "{listed:?}");
    assert_eq!(expired[0].data["expired_consent"], due[0].given_seq);
    // Once recorded, nothing is due until Eve's second consent ends.
    assert!(expiry::due(v.conn(), now).unwrap().is_empty());
    assert_eq!(v.with_tx(|tx, actor| expiry::record_due(tx, actor, now)).unwrap(), 0);
    let later = expiry::due(v.conn(), at(2026, 1, 2)).unwrap();
    assert_eq!(later.iter().map(|d| d.subject.as_str()).collect::<Vec<_>>(), vec![eve2.as_str()]);
    // Fay, found under another address after her first consent was recorded
    // as expired, is merged: that expiry does not hide her other consent.
    // Her second consent was given before the first one's term ended.
    let fay2 = add(&mut v, &t, Action::Given, given("fay2", at(2024, 12, 1))).subject;
    v.with_tx(|tx, actor| consents::merge(tx, actor, &fay2, &fay1)).unwrap();
    let july = expiry::due(v.conn(), at(2026, 7, 1)).unwrap();
    assert_eq!(july.iter().map(|d| d.subject.as_str()).collect::<Vec<_>>(), vec![fay2.as_str(), eve2.as_str()], "{july:?}");
    // Month ends clamp: given on 31 January, a one-month term ends on 28 February.
    let (_, m) = agreement_with_term(&mut v, 1);
    let gus = add(&mut v, &m, Action::Given, given("gus", at(2026, 1, 31))).subject;
    let feb = expiry::due(v.conn(), at(2026, 2, 28)).unwrap();
    let gus_due: Vec<_> = feb.iter().filter(|d| d.subject == gus).collect();
    assert_eq!(gus_due.len(), 1, "{feb:?}");
    assert_eq!(gus_due[0].expires_at, "2026-02-28T10:00:00.000000Z");
    assert!(v.verify(|_, _| true).unwrap().ok());
}
