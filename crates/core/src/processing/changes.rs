//! The notice of changes to Roskomnadzor (152-FZ art. 22 part 7): when a new
//! revision of the notice of intent states an item differently from the
//! revision before it, publishing it also issues a notice of changes listing
//! each item before and after, due by the 15th of the month after the month
//! the first change occurred. Sending a notice (of intent or of changes) is
//! recorded by a `document.sent` event. FORMAT.md §19.4.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::check::{self, Document};
use super::documents::{self as pdocs, day, label, notice_items, operator, templates, variables, Snapshot};
use crate::agreements::model::Language;
use crate::documents::{self, DocKind, Draft, Issued, Spec, Writer};
use crate::error::{Error, Result};
use crate::ledger::{self, NewEvent};
use crate::vault::Vault;

text_enum!(
    /// How an activity (or the operator) changed between two notices.
    #[cfg_attr(feature = "ts", ts(rename = "NoticeChangeStatus"))]
    Status, "change status", [Added = "added", Ceased = "ceased", Changed = "changed"]);

/// One item of the notice stated differently.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "NoticeChangedItem"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedItem {
    pub item: String,
    /// Empty for an activity the previous notice did not state.
    pub before: String,
    pub after: String,
}

/// What changed for one activity, or for the operator (`activity` None).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "NoticeChangeSection"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub activity: Option<u64>,
    pub name: String,
    pub status: Status,
    pub items: Vec<ChangedItem>,
}

/// The items of the notice `after` states differently from `before`, in
/// the notice's own wording (`lang`): the operator first, then each
/// activity in the new notice's order, then those it no longer states.
pub fn diff(before: &Snapshot, after: &Snapshot, lang: Language) -> Result<Vec<Section>> {
    let t = templates(lang)?;
    let mut out = Vec::new();
    let (ob, oa) = (operator(&t, &before.requisites), operator(&t, &after.requisites));
    if ob != oa {
        out.push(Section {
            activity: None,
            name: t.changes.h_operator.clone(),
            status: Status::Changed,
            items: vec![ChangedItem { item: label(&t, "operator"), before: ob, after: oa }],
        });
    }
    for (id, a) in &after.activities {
        let now = notice_items(&t, lang, a);
        let Some((_, b)) = before.activities.iter().find(|(i, _)| i == id) else {
            let items = now.into_iter().map(|(_, item, after)| ChangedItem { item, before: String::new(), after }).collect();
            out.push(Section { activity: Some(*id), name: a.name.clone(), status: Status::Added, items });
            continue;
        };
        let mut items = Vec::new();
        if b.name != a.name {
            items.push(ChangedItem { item: label(&t, "name"), before: b.name.clone(), after: a.name.clone() });
        }
        for ((_, item, was), (_, _, is)) in notice_items(&t, lang, b).into_iter().zip(now) {
            if was != is {
                items.push(ChangedItem { item, before: was, after: is });
            }
        }
        if !items.is_empty() {
            out.push(Section { activity: Some(*id), name: a.name.clone(), status: Status::Changed, items });
        }
    }
    for (id, b) in &before.activities {
        if !after.activities.iter().any(|(i, _)| i == id) {
            out.push(Section { activity: Some(*id), name: b.name.clone(), status: Status::Ceased, items: vec![] });
        }
    }
    Ok(out)
}

/// The last day to send the notice of changes for a change on `changed_on`:
/// the rule's day of the month after it (the month's last day when shorter).
pub fn due_of(changed_on: NaiveDate) -> NaiveDate {
    let day = check::items().changes.day_of_next_month.max(1);
    let (y, m) = if changed_on.month() == 12 { (changed_on.year() + 1, 1) } else { (changed_on.year(), changed_on.month() + 1) };
    let first = NaiveDate::from_ymd_opt(y, m, 1).expect("a month's first day");
    let last = first.checked_add_months(chrono::Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first);
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or(last).min(last)
}

/// What a notice of changes is made from, kept as its facts (RFC 8785 JSON):
/// the two revisions' snapshots, so that it can be made again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The revision of the notice the changes are to.
    pub from: String,
    /// The revision that states them.
    pub to: String,
    /// The day the first change occurred (YYYY-MM-DD, UTC).
    pub changed_on: String,
    /// The last day to send it (YYYY-MM-DD).
    pub due: String,
    pub before: Snapshot,
    pub after: Snapshot,
}

fn ymd(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| Error::Invalid(format!("date {s:?}: {e}")))
}

/// Builds the notice of changes from its facts, as `doc_id` issued at `at`.
pub fn build(f: &Facts, lang: Language, doc_id: &str, at: &DateTime<Utc>) -> Result<Draft> {
    let t = templates(lang)?;
    let c = &t.changes;
    let mut vars = variables(&t, &f.after.requisites, lang, doc_id, at);
    vars.insert("from", f.from.clone());
    vars.insert("to", f.to.clone());
    vars.insert("changed_on", day(lang, ymd(&f.changed_on)?));
    vars.insert("due", day(lang, ymd(&f.due)?));
    let fill = |tpl: &str| documents::fill(tpl, &|k| vars.get(k).cloned());
    let mut w = Writer::default();
    w.title(&c.title);
    w.para(&fill(&c.intro)?);
    for s in diff(&f.before, &f.after, lang)? {
        w.heading(&match s.activity {
            None => c.h_operator.clone(),
            Some(_) => c.h_activity.replace("{name}", &s.name),
        });
        w.para(match s.status {
            Status::Added => &c.added,
            Status::Ceased => &c.ceased,
            Status::Changed => &c.changed,
        });
        if !s.items.is_empty() {
            let dash = |v: String| if v.is_empty() { "—".to_string() } else { v };
            let rows = s.items.into_iter().map(|i| vec![i.item, dash(i.before), dash(i.after)]).collect();
            w.table(c.columns.to_vec(), rows, vec![1.0, 1.6, 1.6]);
        }
    }
    w.para(&fill(&c.due)?);
    w.para(&c.note);
    w.text_only(doc_id);
    let r = &f.after.requisites;
    let footer_lead = if r.short_name.trim().is_empty() { r.full_name.clone() } else { r.short_name.clone() };
    Ok(Draft { title: c.title.clone(), footer_lead, body: w, warnings: vec![] })
}

/// The key of the notice of changes stated by notice revision `to`
/// (`NTF-ru/3` → `NTFCH-ru-3`).
fn key_for(to: &str, lang: Language) -> String {
    let n = to.rsplit_once('/').map(|(_, n)| n).unwrap_or("1");
    format!("{}-{}-{n}", DocKind::ProcessingNoticeChange.code(), lang.as_str())
}

/// The first day an activity or the requisites changed after event ?1:
/// through the activities' history and a partial index, not the whole log.
const FIRST_CHANGE: &str = "SELECT min(day) FROM (
    SELECT substr(e.recorded_at, 1, 10) AS day FROM activity_events x JOIN events e ON e.seq = x.seq WHERE x.seq > ?1
    UNION ALL
    SELECT substr(recorded_at, 1, 10) FROM events WHERE kind = 'organisation.requisites_changed' AND seq > ?1)";

/// When document ?1 was recorded as sent: through a partial index.
const SENT_ON: &str = "SELECT json_extract(body, '$.sent_on') FROM events WHERE kind = 'document.sent' AND json_extract(body, '$.id') = ?1";

/// The day the first change after event `since` occurred: the earliest
/// `activity.*` or `organisation.requisites_changed` event after it, else `fallback`.
fn first_change(conn: &Connection, since: u64, fallback: NaiveDate) -> Result<NaiveDate> {
    let first: Option<String> = conn.query_row(FIRST_CHANGE, [since as i64], |r| r.get(0))?;
    Ok(first.map(|d| ymd(&d)).transpose()?.map_or(fallback, |d| d.min(fallback)))
}

/// After notice revision `new` was issued over `previous`: issues the notice
/// of changes when an item differs (None when none does, e.g. only the
/// program's wording changed).
pub(super) fn issue_after(tx: &Transaction, actor: &str, lang: Language, previous: &Issued, new: &Issued, after: &Snapshot) -> Result<Option<Issued>> {
    let before = pdocs::snapshot_of(tx, &previous.id)?;
    if diff(&before, after, lang)?.is_empty() {
        return Ok(None);
    }
    let published = DateTime::parse_from_rfc3339(&new.issued_at).map_err(|e| Error::Invalid(format!("{}: {e}", new.id)))?.date_naive();
    let changed_on = first_change(tx, previous.seq, published)?;
    let facts = Facts {
        from: previous.id.clone(),
        to: new.id.clone(),
        changed_on: changed_on.to_string(),
        due: due_of(changed_on).to_string(),
        before,
        after: after.clone(),
    };
    let spec = Spec {
        key: key_for(&new.id, lang),
        kind: DocKind::ProcessingNoticeChange,
        language: lang,
        request: None,
        incident: None,
        subject: None,
        facts: Some(ledger::canonical_json(&serde_json::to_value(&facts).expect("serialisable"))?),
        retain_until: None,
    };
    documents::issue(tx, actor, &spec, |id, at| build(&facts, lang, id, at)).map(Some)
}

/// The facts a notice of changes keeps.
fn facts_of(conn: &Connection, id: &str) -> Result<Facts> {
    documents::stored_facts(conn, id)?.ok_or_else(|| Error::Invalid(format!("{id} keeps no facts to be made again from")))
}

/// A notice of changes with its changes and whether it was sent.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "NoticeChange"))]
#[derive(Debug, Clone, Serialize)]
pub struct ChangeNotice {
    pub document: Issued,
    pub from: String,
    pub to: String,
    pub changed_on: String,
    pub due: String,
    pub sent_on: Option<String>,
    pub sections: Vec<Section>,
}

/// The notices of changes in a language, newest first.
pub fn list(conn: &Connection, lang: Language) -> Result<Vec<ChangeNotice>> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM documents WHERE kind = ?1 AND language = ?2 ORDER BY event_seq DESC")?
        .query_map([DocKind::ProcessingNoticeChange.as_str(), lang.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| {
            let f = facts_of(conn, &id)?;
            Ok(ChangeNotice {
                document: documents::get(conn, &id)?,
                sections: diff(&f.before, &f.after, lang)?,
                sent_on: sent_on(conn, &id)?,
                from: f.from,
                to: f.to,
                changed_on: f.changed_on,
                due: f.due,
            })
        })
        .collect()
}

/// The changes the register holds that the notice in force does not state
/// yet (empty when none, or when no notice was published).
pub fn pending(conn: &Connection, lang: Language) -> Result<Vec<Section>> {
    match pdocs::in_force(conn, Document::Notice, lang)? {
        None => Ok(vec![]),
        Some(d) => diff(&pdocs::snapshot_of(conn, &d.id)?, &Snapshot::of_vault(conn, Document::Notice)?, lang),
    }
}

/// When the document was recorded as sent, if it was.
pub fn sent_on(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(SENT_ON)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Records that a notice (of intent, or of changes) was sent to
/// Roskomnadzor on `on` (owners): a `document.sent` event with its due day
/// and whether it was late. Refused for another kind of document, a day in
/// the future or before the document was issued, or a second time.
pub fn sent(vault: &mut Vault, id: &str, on: NaiveDate, today: NaiveDate) -> Result<u64> {
    vault.with_tx_as(crate::operators::Need::Owner, |tx, actor| {
        let d = documents::get(tx, id)?;
        if !matches!(d.kind, DocKind::ProcessingNotice | DocKind::ProcessingNoticeChange) {
            return Err(Error::Invalid(format!("{id} is not a notice to Roskomnadzor; only a notice of intent or of changes is recorded as sent")));
        }
        if on > today {
            return Err(Error::Invalid(format!("the day it was sent ({on}) is in the future")));
        }
        let issued = DateTime::parse_from_rfc3339(&d.issued_at).map_err(|e| Error::Invalid(format!("{id}: {e}")))?.date_naive();
        if on < issued {
            return Err(Error::Invalid(format!("the day it was sent ({on}) is before {id} was issued ({issued})")));
        }
        if let Some(was) = sent_on(tx, id)? {
            return Err(Error::Invalid(format!("{id} was already recorded as sent on {was}")));
        }
        let due = if d.kind == DocKind::ProcessingNoticeChange { Some(facts_of(tx, id)?.due) } else { None };
        let late = due.as_deref().map(ymd).transpose()?.is_some_and(|due| on > due);
        let body = json!({ "id": id, "sent_on": on.to_string(), "due": due, "late": late });
        Ok(ledger::append(tx, actor, &[NewEvent::new("document.sent", body)])?[0])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The notices' state is read through the partial indexes, not by
    /// reading every event of the log.
    #[test]
    fn sendings_and_requisites_changes_are_found_by_index() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrations().to_latest(&mut conn).unwrap();
        let plan = |sql: &str, arg: &dyn rusqlite::ToSql| -> String {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt.query_map([arg], |r| r.get::<_, String>(3)).unwrap();
            rows.map(|r| r.unwrap()).collect::<Vec<_>>().join("\n")
        };
        let sent = plan(SENT_ON, &"NTF-ru");
        assert!(sent.contains("INDEX events_document_sent"), "{sent}");
        let first = plan(FIRST_CHANGE, &5i64);
        assert!(first.contains("INDEX events_requisites_changed"), "{first}");
        for p in [&sent, &first] {
            assert!(!p.lines().any(|l| l.trim() == "SCAN events" || l.trim() == "SCAN e"), "the whole log is read:\n{p}");
        }
    }

    #[test]
    fn due_is_the_15th_of_the_next_month() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(due_of(d("2026-12-03")), d("2027-01-15"));
        assert_eq!(due_of(d("2026-01-31")), d("2026-02-15"));
        assert_eq!(due_of(d("2026-02-01")), d("2026-03-15"));
        assert_eq!(key_for("NTF-ru/3", Language::Ru), "NTFCH-ru-3");
        assert_eq!(key_for("NTF-en", Language::En), "NTFCH-en-1");
    }
}
