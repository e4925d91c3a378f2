//! The incident register: every personal-data breach (GDPR Art. 33(5)
//! requires all of them, reported or not), the notice clocks that run from
//! its detection (152-FZ art. 21 part 3.1: 24 h and 72 h to Roskomnadzor;
//! GDPR Art. 33: 72 h to the supervisory authority; Art. 34: the people),
//! the people affected counted by a register query, and the fine bracket of
//! art. 13.11 its size and data fall into. The rules are data ([`rules`]);
//! the notices' drafts are documents ([`notices`]).
//!
//! Every step is an `incident.*` event. What the operator writes (which may
//! name staff) stays in the encrypted `incidents` table; the events carry
//! its SHA-256 and only the figures the clocks and the fine depend on.

pub mod notices;
pub mod rules;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::consents;
use crate::documents::Issued;
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::ledger::{self, NewEvent};
use crate::requests::Law;
use crate::vault::Vault;
pub use rules::{ClockRule, FinePart, Rules};

text_enum!(
    /// A notice an incident may call for.
    #[cfg_attr(feature = "ts", ts(rename = "IncidentNotice"))]
    Notice, "notice", [
    Rkn24h = "rkn_24h",
    Rkn72h = "rkn_72h",
    Gdpr33 = "gdpr_33",
    Subjects34 = "subjects_34",
]);

text_enum!(
    /// How likely the breach harms people (GDPR Art. 33(1), 34(1)).
    #[cfg_attr(feature = "ts", ts(rename = "IncidentRisk"))]
    Risk, "risk", [
    Unassessed = "unassessed",
    Unlikely = "unlikely",
    Risk = "risk",
    High = "high",
]);

text_enum!(
    #[cfg_attr(feature = "ts", ts(rename = "IncidentStatus"))]
    Status, "incident status", [Open = "open", Closed = "closed"]);

impl Notice {
    /// The short code in a draft's document key.
    pub fn code(self) -> &'static str {
        match self {
            Notice::Rkn24h => "RKN24",
            Notice::Rkn72h => "RKN72",
            Notice::Gdpr33 => "GDPR33",
            Notice::Subjects34 => "ART34",
        }
    }
}

/// Longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Most data categories, and the longest one.
pub const MAX_CATEGORIES: usize = 50;
pub const MAX_CATEGORY_CHARS: usize = 200;
/// How far ahead of this computer's clock a time may be (clocks disagree a little).
const CLOCK_SLACK_MINUTES: i64 = 5;

/// Which consents' people an incident touched (a register query).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "AffectedFilter"))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AffectedFilter {
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub agreement: Option<u64>,
    pub version: Option<u32>,
    pub channel: Option<consents::Channel>,
    /// Inclusive bounds on when the consent was acted on (YYYY-MM-DD or RFC 3339).
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The people a register query counted, and when.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentAffected"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Affected {
    pub filter: AffectedFilter,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub count: u64,
    pub counted_at: String,
}

/// What the operator records about an incident (stored as canonical JSON).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentDetails"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Details {
    /// A short name for lists.
    pub title: String,
    /// When it happened (RFC 3339), if known.
    pub occurred_at: Option<String>,
    /// When it was detected (RFC 3339): the clocks run from here.
    pub detected_at: String,
    /// Who detected it and how (the operator, Roskomnadzor, someone else).
    pub detected_by: Option<String>,
    /// What happened.
    pub summary: String,
    /// Categories of personal data concerned.
    pub data_categories: Vec<String>,
    /// Special categories (152-FZ art. 10, GDPR Art. 9) are concerned.
    pub special_categories: bool,
    /// Biometric data (152-FZ art. 11) is concerned.
    pub biometric: bool,
    /// Approximate number of people concerned.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub subjects: u64,
    /// Approximate number of records or identifiers concerned.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    /// The people counted by a register query (the count is the program's).
    pub affected: Option<Affected>,
    /// Presumed causes.
    pub causes: Option<String>,
    /// Presumed harm to people's rights; likely consequences.
    pub harm: Option<String>,
    /// Measures taken or proposed.
    pub measures: Option<String>,
    /// The person authorised to deal with the regulator on this incident (name, position, contacts).
    pub contact: Option<String>,
    /// Results of the internal investigation (the 72 h notice).
    pub investigation: Option<String>,
    /// The persons whose actions caused it, if known (the 72 h notice).
    pub culprits: Option<String>,
    /// What people can do to protect themselves (the Art. 34 notice).
    pub advice: Option<String>,
    /// Why a notice is late (GDPR Art. 33(1)).
    pub delay_reason: Option<String>,
    pub law: Law,
    pub risk: Risk,
}

impl Default for Details {
    fn default() -> Self {
        Details {
            title: String::new(),
            occurred_at: None,
            detected_at: String::new(),
            detected_by: None,
            summary: String::new(),
            data_categories: vec![],
            special_categories: false,
            biometric: false,
            subjects: 0,
            records: 0,
            affected: None,
            causes: None,
            harm: None,
            measures: None,
            contact: None,
            investigation: None,
            culprits: None,
            advice: None,
            delay_reason: None,
            law: Law::Fz152,
            risk: Risk::Unassessed,
        }
    }
}

/// The law a new incident falls under: both when the vault has a GDPR country, else 152-FZ.
pub fn default_law(conn: &Connection) -> Result<Law> {
    Ok(if crate::requests::rules::country_of(conn)?.is_some() { Law::Both } else { Law::Fz152 })
}

fn clean(v: &str, what: &str, max: usize) -> Result<String> {
    let s = v.trim().to_string();
    if s.chars().count() > max {
        return Err(Error::Invalid(format!("{what} is longer than {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Error::Invalid(format!("{what} contains control characters")));
    }
    Ok(s)
}

fn clean_opt(v: &Option<String>, what: &str) -> Result<Option<String>> {
    Ok(match v {
        Some(s) => Some(clean(s, what, crate::requests::MAX_TEXT_CHARS)?).filter(|s| !s.is_empty()),
        None => None,
    })
}

/// Parses a moment (RFC 3339 with an offset) and stores it in UTC, whole seconds.
pub fn parse_moment(s: &str, what: &str) -> Result<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s.trim()).map_err(|_| {
        Error::Invalid(format!("{what} {s:?} is not a date and time with its offset (e.g. 2026-12-03T14:30:00+03:00)"))
    })?;
    let t = t.with_timezone(&Utc);
    Ok(DateTime::<Utc>::from_timestamp(t.timestamp(), 0).unwrap_or(t))
}

fn moment_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn not_future(t: DateTime<Utc>, now: DateTime<Utc>, what: &str) -> Result<()> {
    if t > now + Duration::minutes(CLOCK_SLACK_MINUTES) {
        return Err(Error::Invalid(format!(
            "{what} ({}) is in the future; this computer's time is {}",
            moment_text(t),
            moment_text(now)
        )));
    }
    Ok(())
}

impl Details {
    /// Checks and normalises what the operator wrote (times in UTC, text
    /// trimmed, nothing in the future, nothing happened after its detection).
    pub fn normalized(mut self, now: DateTime<Utc>) -> Result<Details> {
        self.title = clean(&self.title, "the title", MAX_TITLE_CHARS)?;
        if self.title.is_empty() {
            return Err(Error::Invalid("the incident needs a title".into()));
        }
        self.summary = clean(&self.summary, "what happened", crate::requests::MAX_TEXT_CHARS)?;
        if self.summary.is_empty() {
            return Err(Error::Invalid("the incident needs a description of what happened".into()));
        }
        if self.detected_at.trim().is_empty() {
            return Err(Error::Invalid("the incident needs the time it was detected".into()));
        }
        let detected = parse_moment(&self.detected_at, "the detection time")?;
        not_future(detected, now, "the detection time")?;
        self.detected_at = moment_text(detected);
        if let Some(o) = self.occurred_at.as_deref().filter(|o| !o.trim().is_empty()) {
            let occurred = parse_moment(o, "the time it happened")?;
            if occurred > detected {
                return Err(Error::Invalid(format!(
                    "the incident happened ({}) after it was detected ({}): check both times",
                    moment_text(occurred),
                    self.detected_at
                )));
            }
            self.occurred_at = Some(moment_text(occurred));
        } else {
            self.occurred_at = None;
        }
        if self.data_categories.len() > MAX_CATEGORIES {
            return Err(Error::Invalid(format!("at most {MAX_CATEGORIES} data categories")));
        }
        let mut cats = Vec::with_capacity(self.data_categories.len());
        for c in &self.data_categories {
            let c = clean(c, "a data category", MAX_CATEGORY_CHARS)?;
            if !c.is_empty() && !cats.contains(&c) {
                cats.push(c);
            }
        }
        self.data_categories = cats;
        self.detected_by = clean_opt(&self.detected_by, "who detected it")?;
        self.causes = clean_opt(&self.causes, "the presumed causes")?;
        self.harm = clean_opt(&self.harm, "the presumed harm")?;
        self.measures = clean_opt(&self.measures, "the measures taken")?;
        self.contact = clean_opt(&self.contact, "the authorised person")?;
        self.investigation = clean_opt(&self.investigation, "the investigation's results")?;
        self.culprits = clean_opt(&self.culprits, "the persons who caused it")?;
        self.advice = clean_opt(&self.advice, "the advice to people")?;
        self.delay_reason = clean_opt(&self.delay_reason, "the reason for a delay")?;
        Ok(self)
    }

    fn detected(&self) -> DateTime<Utc> {
        parse_moment(&self.detected_at, "the stored detection time").unwrap_or_default()
    }

    /// The canonical JSON stored and hashed.
    fn canonical(&self) -> Result<String> {
        ledger::canonical_json(&serde_json::to_value(self).expect("serialisable"))
    }

    /// What the events state of it: the figures the clocks and the fine depend on, no text.
    fn facts(&self, sha: &str) -> serde_json::Value {
        json!({
            "detected_at": self.detected_at,
            "occurred_at": self.occurred_at,
            "law": self.law.as_str(),
            "risk": self.risk.as_str(),
            "special_categories": self.special_categories,
            "biometric": self.biometric,
            "subjects": self.subjects,
            "records": self.records,
            "sha256": sha,
        })
    }
}

/// The distinct people (merged subjects counted once) with a consent record
/// matching the filter.
pub fn count_affected(conn: &Connection, f: &AffectedFilter) -> Result<u64> {
    let filter = consents::Filter {
        agreement: f.agreement,
        version: f.version,
        channel: f.channel,
        from: f.from.clone(),
        to: f.to.clone(),
        ..Default::default()
    };
    consents::count_people(conn, &filter)
}

/// Fills in the affected count: kept when the filter is unchanged, counted again when it is new.
fn with_count(conn: &Connection, mut d: Details, before: Option<&Details>, now: DateTime<Utc>) -> Result<Details> {
    if let Some(a) = &mut d.affected {
        match before.and_then(|b| b.affected.as_ref()).filter(|b| b.filter == a.filter) {
            Some(kept) => *a = kept.clone(),
            None => {
                a.count = count_affected(conn, &a.filter)?;
                a.counted_at = moment_text(now);
            }
        }
    }
    Ok(d)
}

fn link(tx: &Transaction, incident: u64, seq: u64) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO incident_events (incident_id, seq) VALUES (?1, ?2)")?
        .execute(params![incident as i64, seq as i64])?;
    Ok(())
}

/// A document issued for an incident joins its history.
pub(crate) fn link_document(tx: &Transaction, incident: u64, seq: u64) -> Result<()> {
    link(tx, incident, seq)
}

/// Records a new incident. Returns its id (the seq of `incident.recorded`).
pub fn record(vault: &mut Vault, details: Details, now: DateTime<Utc>) -> Result<u64> {
    let d = details.normalized(now)?;
    vault.with_tx(|tx, actor| record_in(tx, actor, d, now))
}

fn record_in(tx: &Transaction, actor: &str, d: Details, now: DateTime<Utc>) -> Result<u64> {
    let d = with_count(tx, d, None, now)?;
    let canonical = d.canonical()?;
    let sha = sha256_hex(canonical.as_bytes());
    let seq = ledger::append(tx, actor, &[NewEvent::new("incident.recorded", d.facts(&sha))])?[0];
    tx.execute(
        "INSERT INTO incidents (id, details, detected_at, law, status, last_seq) VALUES (?1, ?2, ?3, ?4, 'open', ?1)",
        params![seq as i64, canonical, d.detected_at, d.law.as_str()],
    )?;
    link(tx, seq, seq)?;
    Ok(seq)
}

pub(crate) fn stored(conn: &Connection, id: u64) -> Result<(Details, Status, Option<String>)> {
    let row: Option<(String, String, Option<String>)> = conn
        .prepare_cached("SELECT details, status, closed_at FROM incidents WHERE id = ?1")?
        .query_row([id as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (details, status, closed) = row.ok_or_else(|| Error::NotFound(format!("no incident {id}")))?;
    let d: Details = serde_json::from_str(&details)
        .map_err(|e| Error::Invalid(format!("incident {id}'s stored details cannot be read ({e}); run verify")))?;
    Ok((d, Status::parse(&status)?, closed))
}

/// The names of the fields that differ.
fn changed_fields(a: &Details, b: &Details) -> Vec<String> {
    let (a, b) = (serde_json::to_value(a).expect("serialisable"), serde_json::to_value(b).expect("serialisable"));
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return vec![] };
    a.iter().filter(|(k, v)| b.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect()
}

/// Saves changed details of an open incident (`incident.updated`, naming the
/// fields that changed). Saving the same details records nothing.
pub fn edit(vault: &mut Vault, id: u64, details: Details, now: DateTime<Utc>) -> Result<Option<u64>> {
    let d = details.normalized(now)?;
    vault.with_tx(|tx, actor| {
        let (before, status, _) = stored(tx, id)?;
        if status == Status::Closed {
            return Err(Error::Invalid(format!("incident {id} is closed: its record can no longer be changed")));
        }
        let d = with_count(tx, d, Some(&before), now)?;
        let changed = changed_fields(&before, &d);
        if changed.is_empty() {
            return Ok(None);
        }
        let canonical = d.canonical()?;
        let sha = sha256_hex(canonical.as_bytes());
        let mut body = d.facts(&sha);
        body["incident"] = json!(id);
        body["changed"] = json!(changed);
        let seq = ledger::append(tx, actor, &[NewEvent::new("incident.updated", body)])?[0];
        tx.execute(
            "UPDATE incidents SET details = ?2, detected_at = ?3, law = ?4, last_seq = ?5 WHERE id = ?1",
            params![id as i64, canonical, d.detected_at, d.law.as_str(), seq as i64],
        )?;
        link(tx, id, seq)?;
        Ok(Some(seq))
    })
}

/// Records that a notice was sent (`incident.notified`, with its due time
/// and whether it was late). `reference` is how it was sent or the number
/// the portal gave; its SHA-256 goes into the event.
pub fn notified(vault: &mut Vault, id: u64, notice: Notice, sent_at: &str, reference: &str, now: DateTime<Utc>) -> Result<u64> {
    let sent = parse_moment(sent_at, "the time it was sent")?;
    not_future(sent, now, "the time it was sent")?;
    let reference = clean(reference, "the reference", 2_000)?;
    vault.with_tx(|tx, actor| {
        let (d, _, _) = stored(tx, id)?;
        if sent < d.detected() {
            return Err(Error::Invalid(format!(
                "the notice was sent ({}) before the incident was detected ({})",
                moment_text(sent),
                d.detected_at
            )));
        }
        let rules = Rules::of_vault(tx)?;
        let due = rules.clock(notice).hours.map(|h| d.detected() + Duration::hours(h as i64));
        let sent_text = moment_text(sent);
        let body = json!({
            "incident": id,
            "notice": notice.as_str(),
            "sent_at": sent_text,
            "due_at": due.map(moment_text),
            "late": due.is_some_and(|due| sent > due),
            "reference_sha256": sha256_hex(reference.as_bytes()),
        });
        let seq = ledger::append(tx, actor, &[NewEvent::new("incident.notified", body)])?[0];
        tx.execute(
            "INSERT INTO incident_notices (event_seq, incident_id, notice, sent_at, reference) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![seq as i64, id as i64, notice.as_str(), sent_text, reference],
        )?;
        link(tx, id, seq)?;
        Ok(seq)
    })
}

/// Closes an incident: its record is final (`incident.closed` with its SHA-256).
/// Notices can still be recorded after.
pub fn close(vault: &mut Vault, id: u64, now: DateTime<Utc>) -> Result<u64> {
    vault.with_tx(|tx, actor| {
        let (d, status, _) = stored(tx, id)?;
        if status == Status::Closed {
            return Err(Error::Invalid(format!("incident {id} is already closed")));
        }
        let sha = sha256_hex(d.canonical()?.as_bytes());
        let seq = ledger::append(tx, actor, &[NewEvent::new("incident.closed", json!({ "incident": id, "sha256": sha }))])?[0];
        tx.execute(
            "UPDATE incidents SET status = 'closed', closed_at = ?2, last_seq = ?3 WHERE id = ?1",
            params![id as i64, moment_text(now), seq as i64],
        )?;
        link(tx, id, seq)?;
        Ok(seq)
    })
}

text_enum!(
    /// Where a notice's clock stands.
    #[cfg_attr(feature = "ts", ts(rename = "ClockState"))]
    ClockState, "clock state", [
    Pending = "pending",
    Overdue = "overdue",
    Sent = "sent",
    Late = "late",
    NotRequired = "not_required",
]);

/// One notice's clock for one incident.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentClock"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub notice: Notice,
    pub state: ClockState,
    /// None: no fixed hour ("without undue delay") or not required.
    pub due_at: Option<String>,
    /// When it was first sent.
    pub sent_at: Option<String>,
    pub hours: Option<u32>,
    pub source: String,
    pub source_ru: String,
    pub confidence: String,
}

/// A notice recorded as sent.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentNoticeSent"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub notice: Notice,
    pub sent_at: String,
    pub reference: String,
}

fn sent_of(conn: &Connection, id: u64) -> Result<Vec<Sent>> {
    let rows = conn
        .prepare_cached("SELECT event_seq, notice, sent_at, reference FROM incident_notices WHERE incident_id = ?1 ORDER BY sent_at, event_seq")?
        .query_map([id as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<(i64, String, String, String)>>>()?;
    rows.into_iter()
        .map(|(seq, n, sent_at, reference)| Ok(Sent { seq: seq as u64, notice: Notice::parse(&n)?, sent_at, reference }))
        .collect()
}

/// Every notice's clock for an incident, as of `now`.
pub fn clocks(rules: &Rules, d: &Details, sent: &[Sent], now: DateTime<Utc>) -> Vec<Clock> {
    Notice::ALL
        .iter()
        .map(|&n| {
            let rule = rules.clock(n);
            let required = rules.required(n, d.law, d.risk);
            let due = rule.hours.map(|h| d.detected() + Duration::hours(h as i64));
            let first = sent.iter().filter(|s| s.notice == n).map(|s| s.sent_at.clone()).min();
            let state = match (&first, required) {
                (Some(at), _) => {
                    let at = parse_moment(at, "sent").unwrap_or_default();
                    if due.is_some_and(|due| at > due) { ClockState::Late } else { ClockState::Sent }
                }
                (None, false) => ClockState::NotRequired,
                (None, true) if due.is_some_and(|due| now > due) => ClockState::Overdue,
                (None, true) => ClockState::Pending,
            };
            Clock {
                notice: n,
                state,
                due_at: if required || first.is_some() { due.map(moment_text) } else { None },
                sent_at: first,
                hours: rule.hours,
                source: rule.source.clone(),
                source_ru: rule.source_ru.clone(),
                confidence: rule.confidence.clone(),
            }
        })
        .collect()
}

/// The fine bracket of art. 13.11 (152-FZ incidents only).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentFine"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fine {
    /// The parts that apply, highest fine first; empty: none of them.
    pub parts: Vec<FinePart>,
    /// What the figures rest on and that the part numbers are to be checked.
    pub note: String,
    pub note_ru: String,
}

pub fn fine(rules: &Rules, d: &Details, clocks: &[Clock]) -> Option<Fine> {
    if !matches!(d.law, Law::Fz152 | Law::Both) {
        return None;
    }
    let late = clocks.iter().any(|c| {
        matches!(c.notice, Notice::Rkn24h | Notice::Rkn72h) && matches!(c.state, ClockState::Late | ClockState::Overdue)
    });
    Some(Fine {
        parts: rules.fine_parts(d.subjects, d.records, d.special_categories, d.biometric, late),
        note: rules.fines.about.clone(),
        note_ru: rules.fines.about_ru.clone(),
    })
}

/// One incident in full.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Incident {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub details: Details,
    pub status: Status,
    pub recorded_at: String,
    pub closed_at: Option<String>,
    pub clocks: Vec<Clock>,
    pub sent: Vec<Sent>,
    pub fine: Option<Fine>,
    pub documents: Vec<Issued>,
    /// The events about it, oldest first.
    pub history: Vec<Step>,
}

/// One event of an incident's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentStep"))]
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub kind: String,
    pub recorded_at: String,
    pub actor: String,
    /// The event's body (no personal data).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub body: serde_json::Value,
}

pub fn get(conn: &Connection, id: u64, now: DateTime<Utc>) -> Result<Incident> {
    let (details, status, closed_at) = stored(conn, id)?;
    let rules = Rules::of_vault(conn)?;
    let sent = sent_of(conn, id)?;
    let clocks = clocks(&rules, &details, &sent, now);
    let fine = fine(&rules, &details, &clocks);
    let seqs: Vec<i64> = conn
        .prepare_cached("SELECT seq FROM incident_events WHERE incident_id = ?1 ORDER BY seq")?
        .query_map([id as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let history = seqs
        .into_iter()
        .map(|s| {
            let e = ledger::get(conn, s as u64)?;
            Ok(Step { seq: e.seq, body: serde_json::from_str(&e.body).unwrap_or_default(), kind: e.kind, recorded_at: e.recorded_at, actor: e.actor })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Incident {
        id,
        recorded_at: history.first().map(|e| e.recorded_at.clone()).unwrap_or_default(),
        details,
        status,
        closed_at,
        clocks,
        sent,
        fine,
        documents: crate::documents::of_incident(conn, id)?,
        history,
    })
}

/// An incident in the register's list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentItem"))]
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub title: String,
    pub detected_at: String,
    pub law: Law,
    pub risk: Risk,
    pub status: Status,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub subjects: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    pub special_categories: bool,
    pub biometric: bool,
    pub clocks: Vec<Clock>,
    /// The highest fine part that applies (152-FZ), if any.
    pub fine_part: Option<String>,
}

/// Every incident, newest detection first.
pub fn list(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Item>> {
    let rules = Rules::of_vault(conn)?;
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM incidents ORDER BY detected_at DESC, id DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| {
            let id = id as u64;
            let (d, status, _) = stored(conn, id)?;
            let sent = sent_of(conn, id)?;
            let clocks = clocks(&rules, &d, &sent, now);
            let fine_part = fine(&rules, &d, &clocks).and_then(|f| f.parts.first().map(|p| p.part.clone()));
            Ok(Item {
                id,
                title: d.title,
                detected_at: d.detected_at,
                law: d.law,
                risk: d.risk,
                status,
                subjects: d.subjects,
                records: d.records,
                special_categories: d.special_categories,
                biometric: d.biometric,
                clocks,
                fine_part,
            })
        })
        .collect()
}

/// A notice still to send, for the overview's countdowns.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentDue"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub incident: u64,
    pub title: String,
    pub notice: Notice,
    pub state: ClockState,
    pub due_at: Option<String>,
}

/// Every notice required and not sent yet, overdue first, then by due time.
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let mut out: Vec<Due> = list(conn, now)?
        .into_iter()
        .flat_map(|i| {
            let title = i.title.clone();
            i.clocks
                .into_iter()
                .filter(|c| matches!(c.state, ClockState::Pending | ClockState::Overdue))
                .map(move |c| Due { incident: i.id, title: title.clone(), notice: c.notice, state: c.state, due_at: c.due_at })
        })
        .collect();
    // Fixed hours first, soonest first (RFC 3339 UTC texts sort as times); then "without undue delay".
    out.sort_by(|a, b| (a.due_at.is_none(), &a.due_at, a.incident).cmp(&(b.due_at.is_none(), &b.due_at, b.incident)));
    Ok(out)
}


/// Replaces the incident rules with the file's (checked first), or restores the shipped ones.
pub fn set_rules(tx: &Transaction, actor: &str, text: Option<&str>) -> Result<Option<u64>> {
    if let Some(t) = text {
        Rules::parse(t)?;
    }
    crate::requests::settings::put(tx, actor, crate::requests::settings::INCIDENT_RULES, text)
}
