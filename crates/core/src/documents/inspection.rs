//! The inspection pack (docs/FORMAT.md §15.3): what an operator hands a
//! Roskomnadzor or GDPR inspector — the requisites, the agreements in force,
//! the consent register summarised by agreement version, action, channel and
//! month (with a chart), the requests register with each deadline met or
//! missed, the destruction owed after withdrawals and requests (30 days,
//! 152-FZ art. 21 parts 4–5), the destruction acts, and the ledger's
//! verification result with the signed checkpoint and the verifier key.
//! The ledger is verified whole first: a vault that does not verify gets no
//! pack (its signature would vouch for a damaged log).

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::pack::{self, Contents, Fill, Labels, Made, PackFacts};
use super::Writer;
use crate::agreements::model::Language;
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Days after a withdrawal (or a request) within which data with no other
/// ground must be destroyed: 152-FZ art. 21 parts 4–5 (calendar days).
pub const DESTROY_WITHIN_DAYS: u64 = 30;

/// The dates a pack covers (inclusive); None: from the start / up to today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Scope {
    /// Bounds on RFC 3339 UTC times: [from 00:00, the day after `to` 00:00).
    fn times(&self) -> (String, String) {
        let from = self.from.map(|d| d.to_string()).unwrap_or_default();
        let to = self.to.and_then(|d| d.checked_add_days(Days::new(1))).map(|d| d.to_string()).unwrap_or_else(|| "9999".into());
        (from, to)
    }

    /// Bounds on YYYY-MM-DD days, inclusive.
    fn days(&self) -> (String, String) {
        (self.from.map(|d| d.to_string()).unwrap_or_default(), self.to.map(|d| d.to_string()).unwrap_or_else(|| "9999".into()))
    }

    pub fn check(&self) -> Result<()> {
        match (self.from, self.to) {
            (Some(f), Some(t)) if f > t => Err(Error::Invalid(format!("the period starts ({f}) after it ends ({t})"))),
            _ => Ok(()),
        }
    }
}

/// The ledger's verification, as the pack states it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verification {
    pub verified_at: String,
    pub events: u64,
    pub checkpoints: u64,
    pub outside_notes: u64,
    /// The root of the verified log (hex).
    pub root: String,
}

/// An agreement in force: its newest published version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InForce {
    pub id: u64,
    pub title: String,
    pub language: String,
    pub label: String,
    pub published_at: Option<String>,
    pub published_seq: Option<u64>,
    pub content_sha256: Option<String>,
}

/// Register rows of one name (a version label or a channel) and action.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Tally {
    pub name: String,
    pub action: String,
    pub n: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MonthRow {
    pub month: String,
    pub given: u64,
    pub refused: u64,
    pub withdrawn: u64,
    pub expired: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Register {
    pub total: u64,
    pub by_version: Vec<Tally>,
    pub by_channel: Vec<Tally>,
    pub by_month: Vec<MonthRow>,
}

/// Whether a deadline was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// Done on or before the last day.
    Met,
    /// Done after it.
    Missed,
    /// Not done, the last day not past.
    Open,
    /// Not done, the last day past.
    Overdue,
    /// Withdrawn by the requester: no deadline.
    Cancelled,
}

impl Deadline {
    fn of(done: Option<&str>, due: &str, today: &str) -> Self {
        match done {
            Some(d) if d <= due => Deadline::Met,
            Some(_) => Deadline::Missed,
            None if today > due => Deadline::Overdue,
            None => Deadline::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Deadline::Met => "met",
            Deadline::Missed => "missed",
            Deadline::Open => "open",
            Deadline::Overdue => "overdue",
            Deadline::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RequestRow {
    pub id: u64,
    pub kind: String,
    pub law: String,
    pub received: String,
    pub due: String,
    pub closed_on: Option<String>,
    pub status: String,
    pub deadline: Deadline,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requests {
    /// Requests by how their deadline went (met, missed, open, overdue, cancelled).
    pub deadlines: BTreeMap<String, u64>,
    pub rows: Vec<RequestRow>,
}

/// A destruction (or stop) a fulfilled request made due.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FollowupRow {
    pub request: u64,
    pub request_kind: String,
    pub subject: String,
    pub kind: String,
    pub due: String,
    pub done_on: Option<String>,
    pub deadline: Deadline,
}

/// A withdrawal in the register whose destruction was late or is overdue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WithdrawalRow {
    /// The register row (= its event's seq).
    pub consent: u64,
    pub subject: String,
    pub agreement: String,
    pub withdrawn_at: String,
    pub due: String,
    pub erased_on: Option<String>,
    pub deadline: Deadline,
}

/// Every withdrawal in the register, by what became of the person's data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Withdrawals {
    pub total: u64,
    /// Erased within 30 days.
    pub erased_in_time: u64,
    pub erased_late: u64,
    /// Kept: the person has a consent in force (another agreement, or given again).
    pub kept_consent_in_force: u64,
    /// Kept: under a legal hold or restriction.
    pub kept_restricted: u64,
    /// Not erased, the 30 days not over.
    pub within_30_days: u64,
    /// Not erased, no ground to keep it, the 30 days over.
    pub overdue: u64,
    /// The late and overdue ones.
    pub exceptions: Vec<WithdrawalRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Destruction {
    pub followups: Vec<FollowupRow>,
    pub withdrawals: Withdrawals,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActRow {
    pub id: String,
    pub issued_at: String,
    pub seq: u64,
    pub retain_until: Option<String>,
    /// The act itself was destroyed when its retention ended.
    pub destroyed: bool,
}

/// One notice of an incident, as the pack states it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeRow {
    pub notice: String,
    /// pending, overdue, sent, late, not_required (as of the pack's day).
    pub state: String,
    pub due_at: Option<String>,
    pub sent_at: Option<String>,
}

/// An incident detected in the period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IncidentRow {
    pub id: u64,
    pub title: String,
    pub detected_at: String,
    pub occurred_at: Option<String>,
    pub law: String,
    pub risk: String,
    pub status: String,
    pub subjects: u64,
    pub records: u64,
    pub special_categories: bool,
    pub biometric: bool,
    pub notices: Vec<NoticeRow>,
    /// The seqs of its `incident.recorded` and `incident.notified` events (proven in the pack).
    pub events: Vec<u64>,
}

/// A published revision of a document of the processing register.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProcessingDocRow {
    /// policy, notice, notice_change or ropa.
    pub document: String,
    pub id: String,
    pub language: String,
    pub issued_at: String,
    pub text_sha256: String,
    /// Its `document.issued` event (proven in the pack).
    pub seq: u64,
    /// The newest revision of its document in its language (a notice of changes is never in force).
    pub in_force: bool,
    /// A notice of changes: the last day to send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// A notice (of intent or of changes): the day it was recorded as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_on: Option<String>,
}

/// What `pack.json`'s `inspection` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inspection {
    pub period: Scope,
    pub today: String,
    pub requisites: crate::organisation::Requisites,
    pub verification: Verification,
    pub agreements: Vec<InForce>,
    pub register: Register,
    pub requests: Requests,
    pub destruction: Destruction,
    pub acts: Vec<ActRow>,
    pub incidents: Vec<IncidentRow>,
    /// The processing register's documents, every revision (absent from packs made before schema 13).
    #[serde(default)]
    pub processing: Vec<ProcessingDocRow>,
}

/// Every published revision of the processing register's documents, by
/// document and language, newest first; the notices of changes after the
/// notice's revisions.
fn processing_docs(conn: &Connection) -> Result<Vec<ProcessingDocRow>> {
    use crate::processing::changes;
    use crate::processing::check::Document;
    use crate::processing::documents as pdocs;
    let mut out = vec![];
    for d in Document::ALL {
        for lang in [Language::Ru, Language::En] {
            // Newest first: the first is in force.
            for (i, r) in pdocs::revisions(conn, *d, lang)?.into_iter().enumerate() {
                out.push(ProcessingDocRow {
                    document: d.as_str().into(),
                    sent_on: if *d == Document::Notice { changes::sent_on(conn, &r.id)? } else { None },
                    id: r.id,
                    language: lang.as_str().into(),
                    issued_at: r.issued_at,
                    text_sha256: r.text_sha256,
                    seq: r.seq,
                    in_force: i == 0,
                    due: None,
                });
            }
            if *d == Document::Notice {
                for c in changes::list(conn, lang)? {
                    out.push(ProcessingDocRow {
                        document: "notice_change".into(),
                        id: c.document.id,
                        language: lang.as_str().into(),
                        issued_at: c.document.issued_at,
                        text_sha256: c.document.text_sha256,
                        seq: c.document.seq,
                        in_force: false,
                        due: Some(c.due),
                        sent_on: c.sent_on,
                    });
                }
            }
        }
    }
    Ok(out)
}

fn in_force(conn: &Connection) -> Result<Vec<InForce>> {
    let mut out = vec![];
    for a in crate::agreements::list(conn)? {
        if a.retired_at.is_some() {
            continue;
        }
        let Some(v) = crate::agreements::versions(conn, a.id)?.into_iter().rfind(|v| !v.draft) else {
            continue;
        };
        out.push(InForce {
            id: a.id,
            title: a.title,
            language: a.language.as_str().into(),
            label: v.label,
            published_at: v.published_at,
            published_seq: v.published_seq,
            content_sha256: v.content_sha256,
        });
    }
    Ok(out)
}

/// One pass over the register rows of the period.
fn register(conn: &Connection, scope: &Scope, progress: &mut impl FnMut(u64, u64) -> bool) -> Result<Register> {
    let (from, to) = scope.times();
    let mut stmt = conn.prepare(
        "SELECT agreement_id, version, action, channel, substr(acted_at, 1, 7), count(*) FROM consents
          WHERE acted_at >= ?1 AND acted_at < ?2 GROUP BY 1, 2, 3, 4, 5",
    )?;
    let mut versions: BTreeMap<(u64, u32, String), u64> = BTreeMap::new();
    let mut channels: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut months: BTreeMap<String, MonthRow> = BTreeMap::new();
    let mut total = 0;
    let mut rows = stmt.query([&from, &to])?;
    while let Some(r) = rows.next()? {
        let (a, v, action, channel, month, n): (i64, u32, String, String, String, i64) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        let n = n as u64;
        total += n;
        *versions.entry((a as u64, v, action.clone())).or_default() += n;
        *channels.entry((channel, action.clone())).or_default() += n;
        let m = months.entry(month.clone()).or_insert_with(|| MonthRow { month, ..Default::default() });
        match action.as_str() {
            "given" => m.given += n,
            "refused" => m.refused += n,
            "withdrawn" => m.withdrawn += n,
            _ => m.expired += n,
        }
    }
    if !progress(1, 4) {
        return Err(Error::Cancelled);
    }
    Ok(Register {
        total,
        by_version: versions
            .into_iter()
            .map(|((a, v, action), n)| Tally { name: crate::agreements::version_label(a, v), action, n })
            .collect(),
        by_channel: channels.into_iter().map(|((name, action), n)| Tally { name, action, n }).collect(),
        by_month: every_month(months),
    })
}

/// The months from the first to the last, those without rows as zeros (a
/// chart's gaps are then months, not missing bars).
fn every_month(months: BTreeMap<String, MonthRow>) -> Vec<MonthRow> {
    let parse = |m: &str| -> Option<(i32, u32)> {
        let (y, mo) = m.split_once('-')?;
        Some((y.parse().ok()?, mo.parse().ok()?))
    };
    let (Some(first), Some(last)) = (months.keys().next().and_then(|m| parse(m)), months.keys().next_back().and_then(|m| parse(m))) else {
        return months.into_values().collect();
    };
    let mut out = vec![];
    let (mut y, mut m) = first;
    while (y, m) <= last {
        let key = format!("{y:04}-{m:02}");
        out.push(months.get(&key).cloned().unwrap_or(MonthRow { month: key, ..Default::default() }));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

fn requests(conn: &Connection, scope: &Scope, today: &str) -> Result<Requests> {
    let (from, to) = scope.days();
    let mut stmt = conn.prepare(
        "SELECT id, kind, law, received_on, due, closed_on, status FROM requests
          WHERE received_on >= ?1 AND received_on <= ?2 ORDER BY received_on, id",
    )?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            let (due, closed, status): (String, Option<String>, String) = (r.get(4)?, r.get(5)?, r.get(6)?);
            let deadline =
                if status == "cancelled" { Deadline::Cancelled } else { Deadline::of(closed.as_deref(), &due, today) };
            Ok(RequestRow {
                id: r.get::<_, i64>(0)? as u64,
                kind: r.get(1)?,
                law: r.get(2)?,
                received: r.get(3)?,
                due,
                closed_on: closed,
                status,
                deadline,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut deadlines = BTreeMap::new();
    for r in &rows {
        *deadlines.entry(r.deadline.as_str().to_string()).or_insert(0) += 1;
    }
    Ok(Requests { deadlines, rows })
}

fn followups(conn: &Connection, scope: &Scope, today: &str) -> Result<Vec<FollowupRow>> {
    let (from, to) = scope.days();
    let mut stmt = conn.prepare(
        "SELECT f.request_id, r.kind, f.subject_id, f.kind, f.due, substr(e.recorded_at, 1, 10)
           FROM followups f JOIN requests r ON r.id = f.request_id LEFT JOIN events e ON e.seq = f.done_seq
          WHERE r.received_on >= ?1 AND r.received_on <= ?2 ORDER BY f.due, f.id",
    )?;
    let rows = stmt
        .query_map([&from, &to], |r| {
            let (due, done): (String, Option<String>) = (r.get(4)?, r.get(5)?);
            Ok(FollowupRow {
                request: r.get::<_, i64>(0)? as u64,
                request_kind: r.get(1)?,
                subject: r.get(2)?,
                kind: r.get(3)?,
                deadline: Deadline::of(done.as_deref(), &due, today),
                due,
                done_on: done,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Each withdrawal of the period, by what became of the person's data: the
/// person's rows (all subjects merged with theirs) decide whether a consent
/// is still in force; erasure and restriction are looked up per person.
fn withdrawals(conn: &Connection, scope: &Scope, today: NaiveDate, progress: &mut impl FnMut(u64, u64) -> bool) -> Result<Withdrawals> {
    let (from, to) = scope.times();
    let mut w = Withdrawals::default();
    let mut stmt = conn.prepare(
        "SELECT c.id, c.subject_id, c.agreement_id, c.version, c.acted_at, s.erased_at FROM consents c
           JOIN subjects s ON s.id = c.subject_id
          WHERE c.action = 'withdrawn' AND c.acted_at >= ?1 AND c.acted_at < ?2 ORDER BY c.acted_at, c.id",
    )?;
    // The latest action per agreement of a subject: is any consent in force?
    let mut latest = conn.prepare_cached(
        "SELECT action FROM consents WHERE subject_id = ?1 AND agreement_id = ?2 ORDER BY acted_at DESC, id DESC LIMIT 1",
    )?;
    let mut agreements_of = conn.prepare_cached("SELECT DISTINCT agreement_id FROM consents WHERE subject_id = ?1")?;
    let restricted: std::collections::BTreeSet<String> =
        conn.prepare("SELECT subject_id FROM restrictions")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut rows = stmt.query([&from, &to])?;
    while let Some(r) = rows.next()? {
        let (id, subject, agreement, version, at, erased): (i64, String, i64, u32, String, Option<String>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?);
        w.total += 1;
        if w.total % 4096 == 0 && !progress(2, 4) {
            return Err(Error::Cancelled);
        }
        let day = NaiveDate::parse_from_str(&at[..at.len().min(10)], "%Y-%m-%d")
            .map_err(|_| Error::Invalid(format!("consent #{id}: {at:?} is not a time")))?;
        let due = day + Days::new(DESTROY_WITHIN_DAYS);
        let row = |erased_on: Option<String>, deadline| WithdrawalRow {
            consent: id as u64,
            subject: subject.clone(),
            agreement: crate::agreements::version_label(agreement as u64, version),
            withdrawn_at: at.clone(),
            due: due.to_string(),
            erased_on,
            deadline,
        };
        if let Some(e) = erased {
            let on = e[..e.len().min(10)].to_string();
            if on.as_str() <= due.to_string().as_str() {
                w.erased_in_time += 1;
            } else {
                w.erased_late += 1;
                w.exceptions.push(row(Some(on), Deadline::Missed));
            }
            continue;
        }
        let root = crate::consents::current_subject(conn, &subject)?;
        if restricted.contains(&root) || restricted.contains(&subject) {
            w.kept_restricted += 1;
            continue;
        }
        let group = crate::consents::same_person(conn, &root)?;
        let mut in_force = false;
        'people: for s in &group {
            let ids: Vec<i64> = agreements_of.query_map([s], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            for a in ids {
                let action: String = latest.query_row(rusqlite::params![s, a], |r| r.get(0))?;
                if action == "given" {
                    in_force = true;
                    break 'people;
                }
            }
        }
        if in_force {
            w.kept_consent_in_force += 1;
        } else if today > due {
            w.overdue += 1;
            w.exceptions.push(row(None, Deadline::Overdue));
        } else {
            w.within_30_days += 1;
        }
    }
    Ok(w)
}

fn acts(conn: &Connection, scope: &Scope) -> Result<Vec<ActRow>> {
    let (from, to) = scope.times();
    Ok(super::act::list(conn)?
        .into_iter()
        .filter(|a| a.issued_at >= from && a.issued_at < to)
        .map(|a| ActRow { id: a.id, issued_at: a.issued_at, seq: a.seq, retain_until: a.retain_until, destroyed: a.erased })
        .rev()
        .collect())
}

fn incidents(conn: &Connection, scope: &Scope) -> Result<Vec<IncidentRow>> {
    let (from, to) = scope.times();
    let now = Utc::now();
    let mut out = vec![];
    for item in crate::incidents::list(conn, now)?.into_iter().rev() {
        if item.detected_at < from || item.detected_at >= to {
            continue;
        }
        let inc = crate::incidents::get(conn, item.id, now)?;
        let events = inc
            .history
            .iter()
            .filter(|e| matches!(e.kind.as_str(), "incident.recorded" | "incident.notified"))
            .map(|e| e.seq)
            .collect();
        out.push(IncidentRow {
            id: inc.id,
            title: inc.details.title,
            detected_at: inc.details.detected_at,
            occurred_at: inc.details.occurred_at,
            law: inc.details.law.as_str().into(),
            risk: inc.details.risk.as_str().into(),
            status: inc.status.as_str().into(),
            subjects: inc.details.subjects,
            records: inc.details.records,
            special_categories: inc.details.special_categories,
            biometric: inc.details.biometric,
            notices: inc
                .clocks
                .into_iter()
                .map(|c| NoticeRow { notice: c.notice.as_str().into(), state: c.state.as_str().into(), due_at: c.due_at, sent_at: c.sent_at })
                .collect(),
            events,
        });
    }
    Ok(out)
}

/// Makes the inspection pack of the period `scope`: verifies the ledger,
/// gathers the summaries, records the pack and signs its checkpoints.
/// `progress(done, total)` returning false cancels (nothing is recorded
/// before the facts are gathered).
pub fn inspection(vault: &mut Vault, scope: Scope, lang: Language, mut progress: impl FnMut(u64, u64) -> bool) -> Result<Made> {
    scope.check()?;
    let today = Utc::now().date_naive();
    let report = vault.verify(|done, total| progress(done, total.max(1) * 4))?;
    if let Some(p) = &report.problem {
        return Err(Error::Invalid(format!(
            "the ledger does not verify ({}): an inspection pack would vouch for a damaged log, so none was made. See `vault verify`.",
            p.message
        )));
    }
    let conn = vault.conn();
    let t = today.to_string();
    let agreements = in_force(conn)?;
    let facts = Inspection {
        period: scope,
        today: t.clone(),
        requisites: crate::organisation::get(conn)?,
        verification: Verification {
            verified_at: crate::ledger::now_utc(),
            events: report.events,
            checkpoints: report.checkpoints,
            outside_notes: report.outside_notes,
            root: hex::encode(report.root),
        },
        register: register(conn, &scope, &mut progress)?,
        requests: requests(conn, &scope, &t)?,
        destruction: Destruction { followups: followups(conn, &scope, &t)?, withdrawals: withdrawals(conn, &scope, today, &mut progress)? },
        acts: acts(conn, &scope)?,
        incidents: incidents(conn, &scope)?,
        processing: processing_docs(conn)?,
        agreements,
    };
    if !progress(3, 4) {
        return Err(Error::Cancelled);
    }
    // The texts in force, their publication events, and the acts' events.
    let texts = facts
        .agreements
        .iter()
        .map(|a| {
            let (id, version) = pack::parse_label(&a.label)?;
            pack::text_of(conn, id, version)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut seqs: Vec<u64> = texts.iter().map(|t| t.published_seq).chain(facts.acts.iter().map(|a| a.seq))
        .chain(facts.incidents.iter().flat_map(|i| i.events.iter().copied()))
        .chain(facts.processing.iter().map(|d| d.seq))
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    let events = pack::read_events(conn, &seqs, &mut |_, _| true)?;
    let json = serde_json::value::to_raw_value(&facts).map_err(|e| Error::Invalid(e.to_string()))?;
    let key = match (scope.from, scope.to) {
        (None, None) => format!("P-INS-{t}-{}", lang.as_str()),
        (f, to) => format!(
            "P-INS-{}..{}-{}",
            f.map(|d| d.to_string()).unwrap_or_default(),
            to.map(|d| d.to_string()).unwrap_or_else(|| t.clone()),
            lang.as_str()
        ),
    };
    let title = pack::labels(lang)?.inspection.title;
    pack::make(
        vault,
        lang,
        Contents {
            kind: "inspection",
            title,
            key,
            subject: None,
            person: None,
            agreement: None,
            inspection: Some(json),
            texts,
            events,
            render: Box::new(move |conn, l, pack, day| render(conn, l, pack, &facts, lang, day)),
        },
    )
}

/// The labels of the inspection pack (`inspection` in the pack templates).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InspectionLabels {
    pub title: String,
    intro: String,
    period: String,
    period_all: String,
    requisites_heading: String,
    full_name: String,
    short_name: String,
    inn: String,
    ogrn: String,
    address: String,
    dpo: String,
    withdrawal_email: String,
    verification_heading: String,
    verification: String,
    agreements_heading: String,
    register_heading: String,
    register_total: String,
    by_version_heading: String,
    by_channel_heading: String,
    by_month_heading: String,
    col_month: String,
    col_given: String,
    col_refused: String,
    col_withdrawn: String,
    col_expired: String,
    col_total: String,
    requests_heading: String,
    requests_summary: String,
    col_title: String,
    col_text_hash: String,
    col_closed: String,
    col_deadline: String,
    deadlines: BTreeMap<String, String>,
    destruction_heading: String,
    followups_heading: String,
    col_request: String,
    col_subject: String,
    col_done: String,
    withdrawals_heading: String,
    withdrawals_summary: String,
    withdrawals_rows: String,
    col_withdrawn_at: String,
    col_erased: String,
    acts_heading: String,
    col_act: String,
    col_retain: String,
    col_destroyed: String,
    incidents_heading: String,
    incidents_summary: String,
    col_incident: String,
    processing_heading: String,
    processing_summary: String,
    processing_none: String,
    col_document: String,
    col_revision: String,
    col_issued: String,
    col_in_force: String,
    col_sent: String,
    not_sent: String,
    not_sent_due: String,
    processing_texts_heading: String,
    documents: BTreeMap<String, String>,
    col_detected: String,
    col_size: String,
    col_notices: String,
    special: String,
    biometric: String,
    notice_names: BTreeMap<String, String>,
    clock_states: BTreeMap<String, String>,
    yes: String,
    no: String,
    more: String,
}

/// At most this many rows of a long list are printed; pack.json holds all.
const PRINTED_ROWS: usize = 2000;

fn render(conn: &Connection, l: &Labels, pack: &PackFacts, f: &Inspection, lang: Language, today: NaiveDate) -> Result<Writer> {
    let names = super::letters::names(lang)?;
    let i = &l.inspection;
    let org = &f.requisites;
    let fill = |s: &str, extra: &[(&str, String)]| {
        super::fill(s, &|k| match k {
            "org_name" => Some(org.full_name.clone()),
            "doc_id" => Some(pack.id.clone()),
            "date" => Some(today.to_string()),
            other => extra.iter().find(|(n, _)| *n == other).map(|(_, v)| v.clone()),
        })
    };
    let fill: &Fill = &fill;
    let dash = |s: &str| if s.trim().is_empty() { "—".to_string() } else { s.to_string() };
    let mut w = Writer::default();
    w.title(&i.title);
    w.para(&fill(&i.intro, &[])?);
    let period = match (f.period.from, f.period.to) {
        (None, None) => i.period_all.clone(),
        (from, to) => fill(
            &i.period,
            &[
                ("from", from.map(|d| d.to_string()).unwrap_or_else(|| "…".into())),
                ("to", to.map(|d| d.to_string()).unwrap_or_else(|| f.today.clone())),
            ],
        )?,
    };
    w.para(&format!("{} {period}", fill(&l.made, &[])?));

    w.heading(&i.requisites_heading);
    w.pairs(vec![
        (i.full_name.clone(), dash(&org.full_name)),
        (i.short_name.clone(), dash(&org.short_name)),
        (i.inn.clone(), dash(&org.inn)),
        (i.ogrn.clone(), dash(&org.ogrn)),
        (i.address.clone(), dash(&org.legal_address)),
        (i.dpo.clone(), dash(&org.dpo)),
        (i.withdrawal_email.clone(), dash(&org.withdrawal_email)),
    ]);

    w.heading(&i.verification_heading);
    let v = &f.verification;
    w.para(&fill(
        &i.verification,
        &[
            ("verified_at", v.verified_at.clone()),
            ("events", v.events.to_string()),
            ("checkpoints", v.checkpoints.to_string()),
            ("outside", v.outside_notes.to_string()),
            ("root", v.root.clone()),
        ],
    )?);
    pack::anchor(&mut w, l, pack, fill)?;

    w.heading(&i.agreements_heading);
    if f.agreements.is_empty() {
        w.para(&l.none);
    } else {
        w.table(
            vec![l.col_agreement.clone(), i.col_title.clone(), l.col_published.clone(), i.col_text_hash.clone()],
            f.agreements
                .iter()
                .map(|a| {
                    vec![
                        a.label.clone(),
                        a.title.clone(),
                        a.published_at.as_deref().map(seconds).unwrap_or_default(),
                        a.content_sha256.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
            vec![0.7, 1.8, 1.2, 2.3],
        );
    }

    w.heading(&i.register_heading);
    w.para(&fill(&i.register_total, &[("total", f.register.total.to_string())])?);
    let actions = ["given", "refused", "withdrawn", "expired"];
    let pivot = |tallies: &[Tally], name: &dyn Fn(&str) -> String| -> Vec<Vec<String>> {
        let mut by: BTreeMap<&str, [u64; 4]> = BTreeMap::new();
        for t in tallies {
            let slot = by.entry(t.name.as_str()).or_default();
            if let Some(k) = actions.iter().position(|a| *a == t.action) {
                slot[k] += t.n;
            }
        }
        by.into_iter()
            .map(|(n, c)| {
                let mut row = vec![name(n)];
                row.extend(c.iter().map(u64::to_string));
                row.push(c.iter().sum::<u64>().to_string());
                row
            })
            .collect()
    };
    let counts_header = |first: &str| {
        vec![first.to_string(), i.col_given.clone(), i.col_refused.clone(), i.col_withdrawn.clone(), i.col_expired.clone(), i.col_total.clone()]
    };
    let widths = vec![1.6, 1.0, 1.0, 1.0, 1.0, 1.0];
    w.heading(&i.by_version_heading);
    let titles: BTreeMap<String, String> = crate::agreements::list(conn)?.into_iter().map(|a| (format!("A{}", a.id), a.title)).collect();
    let version_name = |label: &str| {
        let title = label.split_once("-v").and_then(|(a, _)| titles.get(a)).cloned().unwrap_or_default();
        if title.is_empty() { label.to_string() } else { format!("{label} {title}") }
    };
    w.table(counts_header(&l.col_agreement), pivot(&f.register.by_version, &version_name), widths.clone());
    w.heading(&i.by_channel_heading);
    w.table(counts_header(&l.col_channel), pivot(&f.register.by_channel, &|c| names.channel(c)), widths.clone());
    w.heading(&i.by_month_heading);
    // The chart shows the last 36 months of the period; the table all of them.
    let shown = &f.register.by_month[f.register.by_month.len().saturating_sub(36)..];
    w.bars(
        vec![i.col_given.clone(), i.col_withdrawn.clone(), i.col_refused.clone()],
        shown.iter().map(|m| (month_label(&m.month), vec![m.given, m.withdrawn, m.refused])).collect(),
    );
    w.table(
        counts_header(&i.col_month),
        // Months without a row are bars of zero in the chart, not rows here.
        f.register
            .by_month
            .iter()
            .filter(|m| m.given + m.refused + m.withdrawn + m.expired > 0)
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.given.to_string(),
                    m.refused.to_string(),
                    m.withdrawn.to_string(),
                    m.expired.to_string(),
                    (m.given + m.refused + m.withdrawn + m.expired).to_string(),
                ]
            })
            .collect(),
        widths,
    );

    w.heading(&i.requests_heading);
    let count = |m: &BTreeMap<String, u64>, k: &str| m.get(k).copied().unwrap_or(0).to_string();
    let d = &f.requests.deadlines;
    w.para(&fill(
        &i.requests_summary,
        &[
            ("total", f.requests.rows.len().to_string()),
            ("met", count(d, "met")),
            ("missed", count(d, "missed")),
            ("open", count(d, "open")),
            ("overdue", count(d, "overdue")),
            ("cancelled", count(d, "cancelled")),
        ],
    )?);
    let deadline = |d: Deadline| i.deadlines.get(d.as_str()).cloned().unwrap_or_else(|| d.as_str().to_string());
    if !f.requests.rows.is_empty() {
        w.table(
            vec![l.col_seq.clone(), l.col_kind.clone(), l.col_received.clone(), l.col_due.clone(), i.col_closed.clone(), i.col_deadline.clone()],
            f.requests
                .rows
                .iter()
                .take(PRINTED_ROWS)
                .map(|r| {
                    vec![
                        format!("№ {}", r.id),
                        names.kind(&r.kind),
                        r.received.clone(),
                        r.due.clone(),
                        r.closed_on.clone().unwrap_or_else(|| names.status(&r.status)),
                        deadline(r.deadline),
                    ]
                })
                .collect(),
            vec![0.7, 2.0, 1.0, 1.0, 1.1, 1.0],
        );
        more(&mut w, fill, &i.more, f.requests.rows.len())?;
    }

    w.heading(&i.destruction_heading);
    w.heading(&i.followups_heading);
    if f.destruction.followups.is_empty() {
        w.para(&l.none);
    } else {
        w.table(
            vec![i.col_request.clone(), l.col_kind.clone(), i.col_subject.clone(), l.col_due.clone(), i.col_done.clone(), i.col_deadline.clone()],
            f.destruction
                .followups
                .iter()
                .take(PRINTED_ROWS)
                .map(|r| {
                    vec![
                        format!("№ {}", r.request),
                        names.kind(&r.request_kind),
                        r.subject.clone(),
                        r.due.clone(),
                        r.done_on.clone().unwrap_or_else(|| "—".into()),
                        deadline(r.deadline),
                    ]
                })
                .collect(),
            vec![1.05, 1.5, 1.4, 1.0, 1.0, 0.9],
        );
        more(&mut w, fill, &i.more, f.destruction.followups.len())?;
    }
    w.heading(&i.withdrawals_heading);
    let wd = &f.destruction.withdrawals;
    w.para(&fill(
        &i.withdrawals_summary,
        &[
            ("total", wd.total.to_string()),
            ("in_time", wd.erased_in_time.to_string()),
            ("late", wd.erased_late.to_string()),
            ("in_force", wd.kept_consent_in_force.to_string()),
            ("restricted", wd.kept_restricted.to_string()),
            ("within", wd.within_30_days.to_string()),
            ("overdue", wd.overdue.to_string()),
        ],
    )?);
    if !wd.exceptions.is_empty() {
        w.para(&i.withdrawals_rows);
        w.table(
            vec![l.col_event.clone(), i.col_subject.clone(), l.col_agreement.clone(), i.col_withdrawn_at.clone(), l.col_due.clone(), i.col_erased.clone()],
            wd.exceptions
                .iter()
                .take(PRINTED_ROWS)
                .map(|r| {
                    vec![
                        format!("№ {}", r.consent),
                        r.subject.clone(),
                        r.agreement.clone(),
                        r.withdrawn_at.clone(),
                        r.due.clone(),
                        r.erased_on.clone().unwrap_or_else(|| deadline(r.deadline)),
                    ]
                })
                .collect(),
            vec![0.8, 1.4, 0.8, 1.5, 1.0, 1.0],
        );
        more(&mut w, fill, &i.more, wd.exceptions.len())?;
    }

    w.heading(&i.acts_heading);
    if f.acts.is_empty() {
        w.para(&l.none);
    } else {
        w.table(
            vec![i.col_act.clone(), l.col_time.clone(), l.col_event.clone(), i.col_retain.clone(), i.col_destroyed.clone()],
            f.acts
                .iter()
                .take(PRINTED_ROWS)
                .map(|a| {
                    vec![
                        a.id.clone(),
                        seconds(&a.issued_at),
                        format!("№ {}", a.seq),
                        a.retain_until.clone().unwrap_or_default(),
                        if a.destroyed { i.yes.clone() } else { i.no.clone() },
                    ]
                })
                .collect(),
            vec![1.6, 1.5, 0.8, 1.0, 0.8],
        );
        more(&mut w, fill, &i.more, f.acts.len())?;
    }

    w.heading(&i.incidents_heading);
    let notices = || f.incidents.iter().flat_map(|x| x.notices.iter());
    let count = |state: &str| notices().filter(|n| n.state == state).count().to_string();
    w.para(&fill(
        &i.incidents_summary,
        &[
            ("total", f.incidents.len().to_string()),
            ("open", f.incidents.iter().filter(|x| x.status == "open").count().to_string()),
            ("in_time", count("sent")),
            ("late", count("late")),
            ("overdue", count("overdue")),
        ],
    )?);
    if !f.incidents.is_empty() {
        let name = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_else(|| k.to_string());
        w.table(
            vec![i.col_incident.clone(), i.col_title.clone(), i.col_detected.clone(), i.col_size.clone(), i.col_notices.clone()],
            f.incidents
                .iter()
                .take(PRINTED_ROWS)
                .map(|x| {
                    let mut size = format!("{} / {}", x.subjects, x.records);
                    if x.special_categories {
                        size.push_str(&format!("; {}", i.special));
                    }
                    if x.biometric {
                        size.push_str(&format!("; {}", i.biometric));
                    }
                    let states: Vec<String> = x
                        .notices
                        .iter()
                        .filter(|n| n.state != "not_required")
                        .map(|n| {
                            let when = n.sent_at.as_deref().or(n.due_at.as_deref()).map(seconds).unwrap_or_default();
                            format!("{}: {} {when}", name(&i.notice_names, &n.notice), name(&i.clock_states, &n.state)).trim_end().to_string()
                        })
                        .collect();
                    vec![x.id.to_string(), x.title.clone(), seconds(&x.detected_at), size, states.join("; ")]
                })
                .collect(),
            vec![0.5, 1.8, 1.2, 1.1, 2.4],
        );
        more(&mut w, fill, &i.more, f.incidents.len())?;
    }

    w.heading(&i.processing_heading);
    let doc_name = |k: &str| i.documents.get(k).cloned().unwrap_or_else(|| k.to_string());
    if f.processing.is_empty() {
        w.para(&i.processing_none);
    } else {
        w.para(&i.processing_summary);
        let mut rows = Vec::new();
        for d in &f.processing {
            let sent = match (&d.sent_on, &d.due) {
                (Some(on), _) => on.clone(),
                (None, Some(due)) => fill(&i.not_sent_due, &[("due", due.clone())])?,
                (None, None) if d.document == "notice" => i.not_sent.clone(),
                (None, None) => "—".into(),
            };
            rows.push(vec![
                doc_name(&d.document),
                format!("{} (№ {})", d.id, d.seq),
                seconds(&d.issued_at),
                if d.in_force { i.yes.clone() } else { i.no.clone() },
                sent,
                d.text_sha256.clone(),
            ]);
        }
        w.table(
            vec![i.col_document.clone(), i.col_revision.clone(), i.col_issued.clone(), i.col_in_force.clone(), i.col_sent.clone(), i.col_text_hash.clone()],
            rows,
            vec![1.2, 1.2, 1.35, 1.1, 1.1, 1.5],
        );
    }

    w.heading(&l.events_heading);
    w.table(
        vec![l.col_seq.clone(), l.col_time.clone(), l.col_kind.clone(), l.col_hash.clone()],
        pack.events.iter().map(|e| vec![e.seq.to_string(), e.recorded_at.clone(), e.kind.clone(), e.leaf_hash.clone()]).collect(),
        vec![0.6, 1.6, 1.4, 2.6],
    );
    pack::texts_appendix(&mut w, l, pack, fill)?;
    // The processing register's documents in force, as published.
    let current: Vec<&ProcessingDocRow> = f.processing.iter().filter(|d| d.in_force).collect();
    if !current.is_empty() {
        w.page_break();
        w.heading(&i.processing_texts_heading);
        for d in current {
            let text = super::content(conn, &d.id)?.text;
            w.heading(&format!("{} — {}", doc_name(&d.document), d.id));
            for part in text.split("\n\n") {
                w.para(part.trim());
            }
        }
    }
    Ok(w)
}

/// An RFC 3339 UTC time to the second, as a table prints it ("2026-03-02 10:15:07").
fn seconds(t: &str) -> String {
    match t.get(..19) {
        Some(s) if t.as_bytes().get(10) == Some(&b'T') => s.replacen('T', " ", 1),
        _ => t.to_string(),
    }
}

/// "MM.YY" for a chart's month label.
fn month_label(yyyy_mm: &str) -> String {
    match yyyy_mm.split_once('-') {
        Some((y, m)) if y.len() == 4 => format!("{m}.{}", &y[2..]),
        _ => yyyy_mm.to_string(),
    }
}

/// After a list cut at [`PRINTED_ROWS`]: how many more pack.json holds.
fn more(w: &mut Writer, fill: &Fill, template: &str, total: usize) -> Result<()> {
    if total > PRINTED_ROWS {
        w.para(&fill(template, &[("shown", PRINTED_ROWS.to_string()), ("total", total.to_string())])?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_is_met_on_its_last_day_and_missed_the_day_after() {
        assert_eq!(Deadline::of(Some("2026-03-10"), "2026-03-10", "2026-04-01"), Deadline::Met);
        assert_eq!(Deadline::of(Some("2026-03-11"), "2026-03-10", "2026-04-01"), Deadline::Missed);
        assert_eq!(Deadline::of(None, "2026-03-10", "2026-03-10"), Deadline::Open);
        assert_eq!(Deadline::of(None, "2026-03-10", "2026-03-11"), Deadline::Overdue);
    }

    #[test]
    fn a_period_covers_whole_days_and_must_not_run_backwards() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let s = Scope { from: Some(d("2026-01-01")), to: Some(d("2026-01-31")) };
        assert_eq!(s.times(), ("2026-01-01".into(), "2026-02-01".into()));
        assert!("2026-01-31T23:59:59Z" < s.times().1.as_str());
        assert_eq!(Scope::default().days(), (String::new(), "9999".into()));
        assert!(Scope { from: Some(d("2026-02-01")), to: Some(d("2026-01-01")) }.check().is_err());
        assert_eq!(month_label("2026-03"), "03.26");
        assert_eq!(seconds("2026-12-04T04:07:12.957337Z"), "2026-12-04 04:07:12");
        assert_eq!(seconds("yesterday"), "yesterday");
    }

    #[test]
    fn months_without_rows_are_filled_in_across_a_new_year() {
        let row = |m: &str, given| (m.to_string(), MonthRow { month: m.into(), given, ..Default::default() });
        let all = every_month([row("2025-11", 3), row("2026-02", 5)].into_iter().collect());
        let names: Vec<&str> = all.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(names, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(all.iter().map(|m| m.given).collect::<Vec<_>>(), [3, 0, 0, 5]);
    }
}
