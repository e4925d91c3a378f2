//! The consent register: every consent, refusal and withdrawal, bound to an
//! exact published agreement version, each one a `consent.*` ledger event
//! whose personal data sits in `subject_data` behind an HMAC commitment.
//! Subjects are matched by normalised e-mail or phone. Reading side:
//! keyset-paged lists with filters, full-text search, a subject's timeline.

pub mod expiry;
pub mod export;
pub mod importer;
pub mod recorder;
pub mod search;
pub mod translit;

use std::collections::BTreeMap;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::agreements::{self, version_label};
use crate::error::{Error, Result};
pub use recorder::{Outcome, Recorder};

/// What the subject did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Given,
    Refused,
    Withdrawn,
    /// The agreement's term ended.
    Expired,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Given => "given",
            Action::Refused => "refused",
            Action::Withdrawn => "withdrawn",
            Action::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::json!(s)).map_err(|_| {
            Error::Invalid(format!(
                "unknown action {s:?}: use given, refused, withdrawn or expired"
            ))
        })
    }
}

/// Where the subject acted.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WebForm,
    /// Chat or open line.
    Chat,
    Phone,
    Email,
    /// A signed paper form; the scan's hash may be kept.
    Paper,
    Import,
    Other,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::WebForm => "web_form",
            Channel::Chat => "chat",
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Paper => "paper",
            Channel::Import => "import",
            Channel::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::json!(s)).map_err(|_| {
            Error::Invalid(format!(
                "unknown channel {s:?}: use web_form, chat, phone, email, paper, import or other"
            ))
        })
    }
}

/// One consent action as it reaches the register (typed in, or read from a file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Intake {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// 152-FZ written consent: the subject's address and ID document
    /// (number, date, issuer); a representative and power of attorney go in `fields`.
    pub address: Option<String>,
    pub id_document: Option<String>,
    pub acted_at: Option<DateTime<Utc>>,
    /// The time as the source wrote it, when it was converted.
    pub acted_at_original: Option<String>,
    pub ip: Option<IpAddr>,
    pub url: Option<String>,
    pub user_agent: Option<String>,
    pub scan_sha256: Option<String>,
    /// Every field of the form as submitted.
    pub fields: BTreeMap<String, String>,
}

/// Longest value kept of any one field, in characters.
pub const MAX_VALUE_CHARS: usize = 4_000;

impl Intake {
    /// Trims values, drops empty ones, refuses oversized or control-character
    /// input and an intake that names nobody.
    pub fn normalized(mut self) -> Result<Self> {
        fn clean(name: &str, v: &mut Option<String>) -> Result<()> {
            if let Some(s) = v.as_mut() {
                *s = s.trim().to_string();
                if s.chars().count() > MAX_VALUE_CHARS {
                    return Err(Error::Invalid(format!(
                        "{name} is longer than {MAX_VALUE_CHARS} characters"
                    )));
                }
                if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return Err(Error::Invalid(format!("{name} contains control characters")));
                }
                if s.is_empty() {
                    *v = None;
                }
            }
            Ok(())
        }
        clean("name", &mut self.name)?;
        clean("e-mail", &mut self.email)?;
        clean("phone", &mut self.phone)?;
        clean("address", &mut self.address)?;
        clean("ID document", &mut self.id_document)?;
        clean("page URL", &mut self.url)?;
        clean("user agent", &mut self.user_agent)?;
        clean("time as given", &mut self.acted_at_original)?;
        if let Some(h) = &self.scan_sha256 {
            if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(Error::Invalid("the scan's hash must be 64 hex digits (SHA-256)".into()));
            }
        }
        if let Some(e) = self.email.take() {
            self.email = Some(
                normalize_email(&e)
                    .ok_or_else(|| Error::Invalid(format!("{e:?} is not an e-mail address")))?,
            );
        }
        let mut fields = BTreeMap::new();
        for (k, v) in std::mem::take(&mut self.fields) {
            let (mut k, mut v) = (Some(k), Some(v));
            clean("field name", &mut k)?;
            clean("field value", &mut v)?;
            if let (Some(k), Some(v)) = (k, v) {
                fields.insert(k, v);
            }
        }
        self.fields = fields;
        if self.name.is_none() && self.email.is_none() && self.phone.is_none() {
            return Err(Error::Invalid(
                "a consent needs the subject's name, e-mail or phone".into(),
            ));
        }
        if let Some(p) = &self.phone {
            if normalize_phone(p).is_none() {
                return Err(Error::Invalid(format!("{p:?} is not a phone number")));
            }
        }
        Ok(self)
    }

    /// The personal data stored for this action (and committed to in the ledger).
    pub(crate) fn data(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.into(), serde_json::json!(v));
            }
        };
        put("name", &self.name);
        put("email", &self.email);
        put("phone", &self.phone);
        put("address", &self.address);
        put("id_document", &self.id_document);
        put("user_agent", &self.user_agent);
        put("url", &self.url);
        if let Some(ip) = self.ip {
            m.insert("ip".into(), serde_json::json!(ip.to_string()));
        }
        if !self.fields.is_empty() {
            m.insert("fields".into(), serde_json::json!(self.fields));
        }
        serde_json::Value::Object(m)
    }
}

/// When the subject acted, as typed: any form the importer reads (RFC 3339,
/// `14.03.2025 10:22` as Moscow time, …), normalised to UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    crate::import::parse_datetime(s.trim()).ok_or_else(|| {
        Error::Invalid(format!(
            "{s:?} is not a date and time (e.g. 2025-03-14T10:22:00+03:00 or 14.03.2025 10:22)"
        ))
    })
}

/// Lower-case e-mail if it looks like one.
pub fn normalize_email(s: &str) -> Option<String> {
    let e = s.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
        && e.matches('@').count() == 1;
    ok.then_some(e)
}

/// Digits only; a Russian 8XXXXXXXXXX or 10-digit 9XXXXXXXXX becomes 7XXXXXXXXXX.
pub fn normalize_phone(s: &str) -> Option<String> {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    if d.len() < 7 || d.len() > 15 {
        return None;
    }
    Some(if d.len() == 11 && d.starts_with('8') {
        format!("7{}", &d[1..])
    } else if d.len() == 10 && d.starts_with('9') {
        format!("7{d}")
    } else {
        d
    })
}

/// The agreement version a consent is recorded against, checked: it must be
/// published, and not retired unless the action is a withdrawal or expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub agreement: u64,
    pub version: u32,
    pub content_sha256: String,
}

/// Resolves `A3-v2`, `A3` (newest published), `3` or `3@2` to a published version.
pub fn resolve_target(conn: &Connection, spec: &str, action: Action) -> Result<Target> {
    let s = spec.trim();
    let s = s.strip_prefix('A').or_else(|| s.strip_prefix('a')).unwrap_or(s);
    let (id, version) = match s.split_once(['@', '-']) {
        Some((id, v)) => (id, Some(v.trim_start_matches(['v', 'V']))),
        None => (s, None),
    };
    let bad = || Error::Invalid(format!("{spec:?} is not an agreement version (e.g. A3-v2 or A3)"));
    let id: u64 = id.parse().map_err(|_| bad())?;
    let version: Option<u32> = version.map(|v| v.parse().map_err(|_| bad())).transpose()?;
    target(conn, id, version, action)
}

/// Checks that `agreement` (version, or its newest published) can take `action`.
pub fn target(conn: &Connection, agreement: u64, version: Option<u32>, action: Action) -> Result<Target> {
    let view = agreements::view(conn, agreement, None)?;
    let v = match version {
        Some(v) => view
            .versions
            .iter()
            .find(|x| x.version == v)
            .ok_or_else(|| Error::NotFound(format!("{} does not exist", version_label(agreement, v))))?,
        None => view.versions.iter().rev().find(|x| !x.draft).ok_or_else(|| {
            Error::Invalid(format!(
                "A{agreement} has no published version: publish it before recording consents"
            ))
        })?,
    };
    if v.draft {
        return Err(Error::Invalid(format!(
            "{} is a draft: consents are recorded against published versions only",
            v.label
        )));
    }
    if view.retired_at.is_some() && matches!(action, Action::Given | Action::Refused) {
        return Err(Error::Invalid(format!(
            "A{agreement} is retired: no new consents can be recorded against it (withdrawals still can)"
        )));
    }
    Ok(Target {
        agreement,
        version: v.version,
        content_sha256: v.content_sha256.clone().unwrap_or_default(),
    })
}

/// Records one action in its own transaction; see [`Recorder`] for many.
pub fn record(
    tx: &Transaction,
    actor: &str,
    target: &Target,
    action: Action,
    channel: Channel,
    intake: Intake,
) -> Result<Outcome> {
    let mut r = Recorder::new(tx, actor, None)?;
    let out = r.add(target, action, channel, intake)?;
    r.finish()?;
    Ok(out)
}

/// One row of the register as listed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub subject: String,
    /// Name, e-mail, phone as recorded with this action (empty after erasure).
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub agreement: u64,
    pub version: u32,
    pub label: String,
    pub action: Action,
    pub acted_at: String,
    pub acted_at_original: Option<String>,
    pub recorded_at: String,
    pub channel: Channel,
    pub url: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub erased: bool,
    /// The person's processing is restricted (blocked): shown with a mark,
    /// left out of exports unless included with a recorded reason.
    pub restricted: bool,
    /// Name, e-mail or phone above are the person's corrected values
    /// (a rectification since); what this action recorded stays in its
    /// data record, provable by its commitment.
    pub rectified: bool,
}

/// Filters of the register list (all optional, combined with AND).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub agreement: Option<u64>,
    pub version: Option<u32>,
    pub action: Option<Action>,
    pub channel: Option<Channel>,
    /// Inclusive bounds on `acted_at` (RFC 3339 or a date).
    pub from: Option<String>,
    pub to: Option<String>,
    pub subject: Option<String>,
    /// Full-text query over names, e-mails and phones.
    pub text: Option<String>,
}

/// Where a page ends: pass it back for the next (older) page.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub acted_at: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
}

fn entry(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    let data: Option<String> = r.get(13)?;
    let d: serde_json::Value = data
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let s = |k: &str| d[k].as_str().map(String::from);
    // An expiry names nobody itself: who it is comes from the consent that expired.
    let given: Option<String> = r.get(15)?;
    let g: serde_json::Value = given
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or_default();
    let person = |k: &str| s(k).or_else(|| g[k].as_str().map(String::from));
    let agreement = r.get::<_, i64>(2)? as u64;
    let version: u32 = r.get(3)?;
    let action: String = r.get(4)?;
    let channel: String = r.get(8)?;
    Ok(Entry {
        id: r.get::<_, i64>(0)? as u64,
        subject: r.get(1)?,
        name: person("name"),
        email: person("email"),
        phone: person("phone"),
        agreement,
        version,
        label: version_label(agreement, version),
        action: Action::parse(&action).unwrap_or(Action::Given),
        acted_at: r.get(5)?,
        acted_at_original: r.get(6)?,
        recorded_at: r.get(7)?,
        channel: Channel::parse(&channel).unwrap_or(Channel::Other),
        url: s("url"),
        seq: r.get::<_, i64>(10)? as u64,
        erased: r.get::<_, Option<String>>(11)?.is_some() || r.get::<_, Option<Vec<u8>>>(12)?.is_none(),
        restricted: false,
        rectified: false,
    })
}

/// The person's current values after rectifications (later ones win, field
/// by field), over every subject merged into `root`.
pub fn corrected_values(conn: &Connection, root: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT d.data FROM subject_data d JOIN events e ON e.seq = d.event_seq
          WHERE d.subject_id IN ({}) AND e.kind = 'subject.rectified' ORDER BY d.event_seq",
        SAME_PERSON.replace('?', "?1")
    ))?;
    let mut out = serde_json::Map::new();
    let rows = stmt.query_map([root], |r| r.get::<_, String>(0))?;
    for data in rows {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(&data?) {
            out.extend(m);
        }
    }
    Ok(out)
}

/// Marks each entry's person as restricted or not, and shows the person's
/// corrected name, e-mail and phone where a rectification changed them.
fn overlay(conn: &Connection, entries: &mut [Entry]) -> Result<()> {
    let mut people: BTreeMap<String, (bool, serde_json::Map<String, serde_json::Value>)> = BTreeMap::new();
    for e in entries.iter_mut() {
        if e.erased {
            continue;
        }
        if !people.contains_key(&e.subject) {
            let root = current_subject(conn, &e.subject)?;
            let restricted = crate::requests::fulfil::is_restricted(conn, &root)?;
            people.insert(e.subject.clone(), (restricted, corrected_values(conn, &root)?));
        }
        let (restricted, values) = &people[&e.subject];
        e.restricted = *restricted;
        for (k, slot) in [("name", &mut e.name), ("email", &mut e.email), ("phone", &mut e.phone)] {
            if let Some(v) = values.get(k).and_then(|v| v.as_str()) {
                if slot.as_deref() != Some(v) {
                    *slot = Some(v.to_string());
                    e.rectified = true;
                }
            }
        }
    }
    Ok(())
}

const ENTRY_SQL: &str = "SELECT c.id, c.subject_id, c.agreement_id, c.version, c.action, c.acted_at,
        c.acted_at_original, c.recorded_at, c.channel, c.scan_sha256, c.id, s.erased_at, s.hmac_key,
        d.data, v.content_hash,
        CASE WHEN c.action = 'expired' THEN
          (SELECT g.data FROM subject_data g WHERE g.event_seq = json_extract(d.data, '$.expired_consent'))
        END
   FROM consents c
   JOIN subjects s ON s.id = c.subject_id
   LEFT JOIN subject_data d ON d.event_seq = c.id
   LEFT JOIN agreement_versions v ON v.agreement_id = c.agreement_id AND v.version = c.version";

/// An entry with what a [`Detail`] adds from the same row: scan hash and text hash.
fn entry_row(r: &rusqlite::Row) -> rusqlite::Result<(Entry, Option<String>, Option<String>)> {
    Ok((entry(r)?, r.get(9)?, r.get(14)?))
}

/// A consent with its check: its stored data still produces the commitment,
/// and its register row still says what its event recorded.
fn detail_of(
    conn: &Connection,
    (entry, scan_sha256, content_sha256): (Entry, Option<String>, Option<String>),
    stored: Option<&crate::subjects::StoredData>,
) -> Result<Detail> {
    let row_matches = crate::verify::consent_matches(conn, entry.id)?;
    Ok(Detail {
        data: stored.map(|d| d.data.clone()).unwrap_or_default(),
        matches_ledger: match stored {
            Some(d) => Some(d.matches_ledger && row_matches),
            None => (!row_matches).then_some(false),
        },
        content_sha256,
        scan_sha256,
        entry,
    })
}

/// The subjects that are one person with `?`: it and every subject merged into it.
pub(crate) const SAME_PERSON: &str = "WITH RECURSIVE m(id) AS (SELECT ? UNION SELECT g.absorbed FROM subject_merges g JOIN m ON g.into_id = m.id) SELECT id FROM m";

/// The subject a (possibly merged) subject now belongs to.
pub fn current_subject(conn: &Connection, subject: &str) -> Result<String> {
    let mut s = subject.to_string();
    // Merges never form cycles (a subject is absorbed once, into one that is not absorbed).
    while let Some(into) = conn
        .prepare_cached("SELECT into_id FROM subject_merges WHERE absorbed = ?1")?
        .query_row([&s], |r| r.get::<_, String>(0))
        .optional()?
    {
        s = into;
    }
    Ok(s)
}

/// `subject` and every subject merged into it, directly or not.
pub fn same_person(conn: &Connection, subject: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(&SAME_PERSON.replace('?', "?1"))?;
    let ids = stmt
        .query_map([subject], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// Records that `absorb` and `keep` are one person: `absorb`'s contacts move
/// to `keep`, its consents show in `keep`'s timeline, nothing recorded is
/// rewritten. Event `subject.merged` about `absorb`; returns its seq.
pub fn merge(tx: &Transaction, actor: &str, keep: &str, absorb: &str) -> Result<u64> {
    let keep = current_subject(tx, keep)?;
    let absorb_root = current_subject(tx, absorb)?;
    if absorb_root != absorb {
        return Err(Error::Invalid(format!("{absorb} was already merged into {absorb_root}")));
    }
    if keep == absorb {
        return Err(Error::Invalid("these are already the same person".into()));
    }
    for s in [&keep, &absorb.to_string()] {
        let erased: Option<Option<String>> = tx
            .query_row("SELECT erased_at FROM subjects WHERE id = ?1", [s], |r| r.get(0))
            .optional()?;
        match erased {
            None => return Err(Error::NotFound(format!("subject {s} does not exist"))),
            Some(Some(_)) => return Err(Error::Erased(s.clone())),
            Some(None) => {}
        }
    }
    tx.execute(
        "INSERT OR IGNORE INTO subject_contacts (kind, value, subject_id)
         SELECT kind, value, ?1 FROM subject_contacts WHERE subject_id = ?2",
        [&keep, absorb],
    )?;
    tx.execute("DELETE FROM subject_contacts WHERE subject_id = ?1", [absorb])?;
    let seq = crate::ledger::append(
        tx,
        actor,
        &[crate::ledger::NewEvent::new("subject.merged", serde_json::json!({ "into": keep })).about(absorb)],
    )?[0];
    tx.execute(
        "INSERT INTO subject_merges (absorbed, into_id, merged_at, event_seq) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![absorb, keep, crate::ledger::now_utc(), seq as i64],
    )?;
    search::reindex_subject(tx, absorb)?;
    search::reindex_subject(tx, &keep)?;
    Ok(seq)
}

/// Normalises a filter bound: a date becomes the start (or end) of that day, UTC.
fn bound(s: &str, end: bool) -> Result<String> {
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(crate::ledger::utc_text(d.with_timezone(&Utc)));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = if end { "23:59:59.999999" } else { "00:00:00.000000" };
        return Ok(format!("{}T{t}Z", d.format("%Y-%m-%d")));
    }
    Err(Error::Invalid(format!("{s:?} is not a date (use 2025-03-14 or RFC 3339)")))
}

/// The `AND …` clauses of a filter over `consents c`, their values pushed onto `args`.
fn filter_clauses(filter: &Filter, args: &mut Vec<rusqlite::types::Value>) -> Result<String> {
    let mut sql = String::new();
    let mut push = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    use rusqlite::types::Value as V;
    if let Some(a) = filter.agreement {
        push(&mut sql, " AND c.agreement_id = ?", V::Integer(a as i64));
    }
    if let Some(v) = filter.version {
        push(&mut sql, " AND c.version = ?", V::Integer(v as i64));
    }
    if let Some(a) = filter.action {
        push(&mut sql, " AND c.action = ?", V::Text(a.as_str().into()));
    }
    if let Some(ch) = filter.channel {
        push(&mut sql, " AND c.channel = ?", V::Text(ch.as_str().into()));
    }
    if let Some(f) = &filter.from {
        push(&mut sql, " AND c.acted_at >= ?", V::Text(bound(f, false)?));
    }
    if let Some(t) = &filter.to {
        push(&mut sql, " AND c.acted_at <= ?", V::Text(bound(t, true)?));
    }
    if let Some(s) = &filter.subject {
        push(&mut sql, &format!(" AND c.subject_id IN ({SAME_PERSON})"), V::Text(s.clone()));
    }
    if let Some(q) = filter.text.as_deref().and_then(search::fts_query) {
        // The matching subjects and those merged into them (their own entries are gone).
        push(
            &mut sql,
            " AND c.subject_id IN (WITH RECURSIVE hit(id) AS (
                 SELECT id FROM subjects WHERE rowid IN (SELECT rowid FROM subject_search WHERE subject_search MATCH ?)
                 UNION SELECT g.absorbed FROM subject_merges g JOIN hit ON g.into_id = hit.id)
               SELECT id FROM hit)",
            V::Text(q),
        );
    }
    Ok(sql)
}

/// The distinct people (subjects merged into one counted once) with a
/// consent record matching `filter`.
pub fn count_people(conn: &Connection, filter: &Filter) -> Result<u64> {
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let clauses = filter_clauses(filter, &mut args)?;
    let sql = format!(
        "WITH RECURSIVE hit(id) AS (SELECT DISTINCT c.subject_id FROM consents c WHERE 1 = 1{clauses}),
              up(id, top) AS (SELECT id, id FROM hit UNION SELECT up.id, m.into_id FROM up JOIN subject_merges m ON m.absorbed = up.top)
         SELECT count(DISTINCT top) FROM up WHERE top NOT IN (SELECT absorbed FROM subject_merges)"
    );
    Ok(conn.prepare(&sql)?.query_row(rusqlite::params_from_iter(args), |r| r.get::<_, i64>(0))? as u64)
}

/// Newest first, `limit` entries older than `after`, filtered.
pub fn list(conn: &Connection, filter: &Filter, after: Option<&Cursor>, limit: u32) -> Result<Vec<Entry>> {
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let mut sql = format!("{ENTRY_SQL} WHERE 1 = 1{}", filter_clauses(filter, &mut args)?);
    use rusqlite::types::Value as V;
    // Consents at the same moment come in the order of their dedup keys:
    // index `consents_by_time` then gives the whole order, so a page reads
    // just its rows. (The cursor names the last consent by id.)
    if let Some(c) = after {
        let key: Option<i64> = conn
            .prepare_cached("SELECT dedup_key FROM consents WHERE id = ?1 AND acted_at = ?2")?
            .query_row(rusqlite::params![c.id as i64, c.acted_at], |r| r.get(0))
            .optional()?;
        let key = key.ok_or_else(|| {
            Error::Invalid(format!(
                "no consent {} at {}: the page cursor is stale; start again from the first page",
                c.id, c.acted_at
            ))
        })?;
        args.push(V::Text(c.acted_at.clone()));
        args.push(V::Integer(key));
        let (a, b) = (args.len() - 1, args.len());
        sql.push_str(&format!(" AND (c.acted_at, c.dedup_key) < (?{a}, ?{b})"));
    }
    args.push(V::Integer(limit.clamp(1, 1000) as i64));
    sql.push_str(&format!(" ORDER BY c.acted_at DESC, c.dedup_key DESC LIMIT ?{}", args.len()));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt
        .query_map(rusqlite::params_from_iter(args), entry)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    overlay(conn, &mut rows)?;
    Ok(rows)
}

/// The cursor for the page after `page`, if it was full.
pub fn next_cursor(page: &[Entry], limit: u32) -> Option<Cursor> {
    (page.len() as u32 == limit.clamp(1, 1000)).then(|| {
        let last = page.last().expect("a full page");
        Cursor {
            acted_at: last.acted_at.clone(),
            id: last.id,
        }
    })
}

/// One consent in full, with whether its data still matches the ledger.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub entry: Entry,
    /// The stored personal data (null after erasure).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub data: serde_json::Value,
    /// The data still produces the commitment in the ledger event (None after erasure).
    pub matches_ledger: Option<bool>,
    pub content_sha256: Option<String>,
    pub scan_sha256: Option<String>,
}

pub fn get(conn: &Connection, id: u64) -> Result<Detail> {
    let row = conn
        .query_row(&format!("{ENTRY_SQL} WHERE c.id = ?1"), [id as i64], entry_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("consent {id} does not exist")))?;
    let stored = if row.0.erased {
        None
    } else {
        crate::subjects::data_of_event(conn, &row.0.subject, row.0.seq)?
    };
    detail_of(conn, row, stored.as_ref())
}

/// A subject's page: every action, oldest first, each with its check.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub subject: String,
    pub erased: bool,
    /// Processing restricted (blocked) by a request: only storage is allowed.
    pub restricted: bool,
    pub items: Vec<Detail>,
}

pub fn timeline(conn: &Connection, subject: &str) -> Result<Timeline> {
    let subject = &current_subject(conn, subject)?;
    let erased: Option<Option<String>> = conn
        .query_row("SELECT erased_at FROM subjects WHERE id = ?1", [subject], |r| r.get(0))
        .optional()?;
    let Some(erased) = erased else {
        return Err(Error::NotFound(format!("subject {subject} does not exist")));
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{ENTRY_SQL} WHERE c.subject_id IN ({}) ORDER BY c.acted_at, c.id",
        SAME_PERSON.replace('?', "?1")
    ))?;
    let rows = stmt
        .query_map([subject], entry_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // One read of each merged subject's data for all items.
    let mut stored: BTreeMap<u64, crate::subjects::StoredData> = BTreeMap::new();
    if erased.is_none() {
        for s in same_person(conn, subject)? {
            stored.extend(crate::subjects::data(conn, &s)?.into_iter().map(|d| (d.event_seq, d)));
        }
    }
    let items = rows
        .into_iter()
        .map(|row| {
            let seq = row.0.seq;
            detail_of(conn, row, stored.get(&seq))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Timeline {
        subject: subject.to_string(),
        erased: erased.is_some(),
        restricted: crate::requests::fulfil::is_restricted(conn, subject)?,
        items,
    })
}

/// Counts for the register's header.
pub fn count(conn: &Connection) -> Result<u64> {
    Ok(conn.query_row("SELECT count(*) FROM consents", [], |r| r.get::<_, i64>(0))? as u64)
}

/// Removes a subject's contacts and search entry (called by erasure). The
/// entry's words leave the index's pages in this transaction (see
/// [`search::remove`]): nothing else of the index is rewritten.
pub(crate) fn forget_subject(tx: &Transaction, subject: &str) -> Result<()> {
    tx.execute("DELETE FROM subject_contacts WHERE subject_id = ?1", [subject])?;
    let rowid: i64 = tx.query_row("SELECT rowid FROM subjects WHERE id = ?1", [subject], |r| r.get(0))?;
    search::remove(tx, rowid)
}

/// Who an intake is about, for [`dedup_key`]: its e-mail, else phone, else name.
pub(crate) fn intake_who(intake: &Intake) -> String {
    intake
        .email
        .clone()
        .or_else(|| intake.phone.as_deref().and_then(normalize_phone))
        .or_else(|| intake.name.as_ref().map(|n| n.to_lowercase()))
        .unwrap_or_default()
}

/// The stable key that makes re-recording the same action a no-op: the first
/// 8 bytes of a SHA-256 (a collision among a million rows has odds of about 1 in 10^7).
pub(crate) fn dedup_key(target: &Target, action: Action, acted_at: &str, who: &str, url: Option<&str>) -> i64 {
    use sha2::{Digest, Sha256};
    // The JSON array `[agreement, version, action, acted_at, who, url]`,
    // written from a tuple (no `Value` built): keys stored in vaults depend
    // on these exact bytes.
    let key = (target.agreement, target.version, action.as_str(), acted_at, who, url);
    let h = Sha256::digest(serde_json::to_string(&key).expect("strings and integers serialise").as_bytes());
    i64::from_be_bytes(h[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dedup keys already stored must keep matching: the key is still the
    /// hash of the JSON array it was first defined as.
    #[test]
    fn dedup_key_is_the_hash_of_the_json_array() {
        use sha2::{Digest, Sha256};
        let t = Target { agreement: 12, version: 3, content_sha256: "x".into() };
        for (who, url) in [("anna@example.ru", Some("https://e.ru/?q=\"ä\"\\")), ("9161234567", None)] {
            let json = serde_json::json!([12, 3, "withdrawn", "2025-01-02T03:04:05.000000Z", who, url]);
            let h = Sha256::digest(json.to_string().as_bytes());
            let want = i64::from_be_bytes(h[..8].try_into().unwrap());
            assert_eq!(dedup_key(&t, Action::Withdrawn, "2025-01-02T03:04:05.000000Z", who, url), want);
        }
    }
}
