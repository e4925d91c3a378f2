//! Data subjects' requests: intake (finding the person first, so that "no
//! data held" is never said of someone the register knows), legal deadlines
//! under 152-FZ and GDPR, the identity check, extension, refusal and
//! cancellation. Fulfilment, which acts on the vault's data, is in
//! [`fulfil`]; what an access answer holds is in [`access`]; the home
//! screen's figures in [`overview`].
//!
//! Every step is a `request.*` ledger event about the requester's subject,
//! with no personal data in its body: who wrote, the letter's text, the
//! searches made and the identity details are a `subject_data` record behind
//! the event's commitment, erased with the person.

pub mod access;
pub mod fulfil;
pub mod overview;
pub mod rules;
pub mod settings;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::consents::{self, search};
use crate::error::{Error, Result};
use crate::ledger::{self, NewEvent};
use crate::subjects;
use crate::vault::Vault;
pub use rules::{Dues, Rules};

macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, [$($v:ident = $s:literal),+ $(,)?]) => {
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Result<Self> {
                let t = s.trim().to_ascii_lowercase().replace('-', "_");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().replace('-', "_") == t)
                    .ok_or_else(|| {
                        let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        Error::Invalid(format!("unknown {} {s:?}: use {}", $what, all.join(", ")))
                    })
            }
        }
    };
}

text_enum!(
    /// What the person asks for.
    #[cfg_attr(feature = "ts", ts(rename = "RequestKind"))]
    Kind, "request kind", [
    Access = "access",
    Rectification = "rectification",
    Erasure = "erasure",
    Restriction = "restriction",
    Objection = "objection",
    Withdrawal = "withdrawal",
    Portability = "portability",
    Regulator = "regulator",
]);

text_enum!(
    /// Which law's deadline applies.
    Law, "law", [Fz152 = "152-fz", Gdpr = "gdpr", Both = "both"]);

text_enum!(
    /// How the request arrived.
    #[cfg_attr(feature = "ts", ts(rename = "RequestChannel"))]
    Channel, "channel", [
    Email = "email",
    Post = "post",
    InPerson = "in_person",
    WebForm = "web_form",
    Phone = "phone",
    Regulator = "regulator",
]);

text_enum!(
    /// Where a request stands. The first three are open.
    #[cfg_attr(feature = "ts", ts(rename = "RequestStatus"))]
    Status, "status", [
    Received = "received",
    IdentityCheck = "identity_check",
    InProgress = "in_progress",
    Fulfilled = "fulfilled",
    Refused = "refused",
    Cancelled = "cancelled",
]);

text_enum!(
    /// How the requester's identity was checked (152-FZ art. 14 part 3 lists
    /// the document details a request carries).
    IdentityMethod, "identity check method", [
    Document = "document",
    Email = "email",
    InPerson = "in_person",
    Waived = "waived",
]);

impl Law {
    pub fn label(self) -> &'static str {
        match self {
            Law::Fz152 => "152-FZ",
            Law::Gdpr => "GDPR",
            Law::Both => "152-FZ and GDPR",
        }
    }
}

impl Status {
    pub fn is_open(self) -> bool {
        matches!(self, Status::Received | Status::IdentityCheck | Status::InProgress)
    }
}

impl Channel {
    /// The consent register's channel for actions this request records.
    pub(crate) fn consent_channel(self) -> consents::Channel {
        match self {
            Channel::Email => consents::Channel::Email,
            Channel::Post | Channel::InPerson => consents::Channel::Paper,
            Channel::WebForm => consents::Channel::WebForm,
            Channel::Phone => consents::Channel::Phone,
            Channel::Regulator => consents::Channel::Other,
        }
    }
}

/// Longest request text kept, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// Largest attached file.
pub const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;

/// A request as it is taken in.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NewRequest {
    pub kind: Kind,
    /// None: from the laws of the agreements the person consented to.
    pub law: Option<Law>,
    pub channel: Channel,
    /// YYYY-MM-DD; None: today. Never in the future.
    pub received: Option<String>,
    /// The person in the register (any of their merged subjects is refused:
    /// name the one they were merged into).
    pub subject: Option<String>,
    /// Who wrote, as they wrote it.
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// A representative acting with a power of attorney: name and the power's details.
    pub representative: Option<String>,
    pub text: Option<String>,
    /// With no `subject`: the operator looked at the people the search
    /// offered and none of them wrote (the register holds no data of theirs).
    pub not_in_register: bool,
    /// Searches the operator made before choosing (recorded with the request).
    pub searches: Vec<String>,
}

impl Default for NewRequest {
    fn default() -> Self {
        NewRequest {
            kind: Kind::Access,
            law: None,
            channel: Channel::Email,
            received: None,
            subject: None,
            name: None,
            email: None,
            phone: None,
            representative: None,
            text: None,
            not_in_register: false,
            searches: vec![],
        }
    }
}

/// One search made to find the requester, as recorded with the request.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchMade {
    pub query: String,
    /// People found directly, and through transliteration.
    pub hits: u32,
    pub candidates: u32,
}

/// A request as listed.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", ts(rename = "RequestItem"))]
pub struct Item {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub kind: Kind,
    pub law: Law,
    pub channel: Channel,
    pub received: String,
    pub status: Status,
    pub due: String,
    pub due_152fz: Option<String>,
    pub due_gdpr: Option<String>,
    /// decreed, provisional, missing.
    pub due_basis: String,
    /// Days from today to the due date (negative: overdue).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_left: i64,
    pub overdue: bool,
    pub extended_on: Option<String>,
    pub identity: Option<String>,
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    pub subject: String,
    /// The requester was found in the register.
    pub found: bool,
    /// The requester's name as written (None once erased).
    pub name: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub duplicate_of: Option<u64>,
}

fn parse_date(s: &str, what: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::Invalid(format!("{what} {s:?} is not a date: use YYYY-MM-DD")))
}

/// Trims a text field, refusing control characters and oversized text; None when empty.
fn clean(v: Option<String>, what: &str, max: usize) -> Result<Option<String>> {
    let Some(s) = v else { return Ok(None) };
    let s = s.trim().to_string();
    if s.chars().count() > max {
        return Err(Error::Invalid(format!("{what} is longer than {max} characters")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Error::Invalid(format!("{what} contains control characters")));
    }
    Ok((!s.is_empty()).then_some(s))
}

fn required(v: &str, what: &str) -> Result<String> {
    clean(Some(v.to_string()), what, MAX_TEXT_CHARS)?
        .ok_or_else(|| Error::Invalid(format!("{what} is required")))
}

/// The law of the agreements a person consented to: both when they differ,
/// 152-FZ when there are none.
pub fn default_law(conn: &Connection, subject: &str) -> Result<Law> {
    let person = consents::current_subject(conn, subject)?;
    let mut stmt = conn.prepare_cached(
        &"SELECT DISTINCT json_extract(v.content, '$.content.regime')
           FROM consents c JOIN agreement_versions v ON v.agreement_id = c.agreement_id AND v.version = c.version
          WHERE c.subject_id IN (SAME_PERSON)"
            .replace("SAME_PERSON", &consents::SAME_PERSON.replace('?', "?1")),
    )?;
    let regimes = stmt
        .query_map([&person], |r| r.get::<_, Option<String>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let ru = regimes.iter().any(|r| r.as_deref() == Some("fz152"));
    let eu = regimes.iter().any(|r| r.as_deref() == Some("gdpr"));
    Ok(match (ru, eu) {
        (true, true) => Law::Both,
        (false, true) => Law::Gdpr,
        _ => Law::Fz152,
    })
}

/// People a search finds directly, and through transliteration only.
fn find_people(conn: &Connection, q: &str) -> Result<(Vec<search::Hit>, Vec<search::Hit>)> {
    let f = search::find(conn, q, 50)?;
    Ok((f.hits, f.candidates))
}

/// The searches for someone the register may not know: by name, e-mail and
/// phone, each finding people directly and through transliteration.
fn search_for(conn: &Connection, req: &NewRequest) -> Result<(Vec<SearchMade>, Vec<search::Hit>)> {
    let mut made = vec![];
    let mut people: Vec<search::Hit> = vec![];
    let queries: Vec<String> = [&req.name, &req.email, &req.phone]
        .into_iter()
        .flatten()
        .cloned()
        .chain(req.searches.iter().cloned())
        .collect();
    for q in queries {
        let (hits, candidates) = find_people(conn, &q)?;
        made.push(SearchMade { query: q, hits: hits.len() as u32, candidates: candidates.len() as u32 });
        for h in hits.into_iter().chain(candidates) {
            if !people.iter().any(|p| p.subject == h.subject) {
                people.push(h);
            }
        }
    }
    Ok((made, people))
}

/// What taking a request in recorded.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    #[serde(flatten)]
    pub request: Item,
    /// The provisional or missing calendar years the deadline was counted over.
    pub uncertain_years: Vec<i32>,
    /// The GDPR date rolled past weekends only (no country set).
    pub weekends_only: bool,
    pub searches: Vec<SearchMade>,
}

/// Takes a request in: event `request.received`; its deadline computed now.
pub fn open(vault: &mut Vault, req: NewRequest, today: NaiveDate) -> Result<Opened> {
    let (id, dues, searches) = vault.with_tx(|tx, actor| open_in(tx, actor, req, today))?;
    let request = get_item(vault.conn(), id, today)?;
    Ok(Opened { request, uncertain_years: dues.uncertain_years, weekends_only: dues.weekends_only, searches })
}

/// [`open`] inside the caller's transaction (many requests at once, as a
/// migration from a spreadsheet would take them in): (id, dues, searches).
pub fn open_in(tx: &Transaction, actor: &str, req: NewRequest, today: NaiveDate) -> Result<(u64, Dues, Vec<SearchMade>)> {
    let received = match &req.received {
        Some(s) => parse_date(s, "the receipt date")?,
        None => today,
    };
    if received > today {
        return Err(Error::Invalid(format!(
            "the receipt date {received} is in the future: a request is recorded once it has arrived"
        )));
    }
    let name = clean(req.name.clone(), "the requester's name", consents::MAX_VALUE_CHARS)?;
    let email = match clean(req.email.clone(), "the e-mail", consents::MAX_VALUE_CHARS)? {
        Some(e) => Some(consents::normalize_email(&e).ok_or_else(|| Error::Invalid(format!("{e:?} is not an e-mail address")))?),
        None => None,
    };
    let phone = match clean(req.phone.clone(), "the phone", consents::MAX_VALUE_CHARS)? {
        Some(p) => {
            consents::normalize_phone(&p).ok_or_else(|| Error::Invalid(format!("{p:?} is not a phone number")))?;
            Some(p)
        }
        None => None,
    };
    let representative = clean(req.representative.clone(), "the representative", consents::MAX_VALUE_CHARS)?;
    let text = clean(req.text.clone(), "the request's text", MAX_TEXT_CHARS)?;
    let mut searches: Vec<SearchMade> = vec![];

    let (subject, found) = match &req.subject {
        Some(s) => {
            let s = s.trim();
            let person = consents::current_subject(tx, s)?;
            if person != s {
                return Err(Error::Invalid(format!(
                    "subject {s} was merged into {person}: take the request in for {person}"
                )));
            }
            let erased: Option<Option<String>> = tx
                .query_row("SELECT erased_at FROM subjects WHERE id = ?1", [s], |r| r.get(0))
                .optional()?;
            match erased {
                None => return Err(Error::NotFound(format!("subject {s} does not exist"))),
                Some(Some(_)) => return Err(Error::Erased(s.to_string())),
                Some(None) => {}
            }
            for q in &req.searches {
                let (hits, candidates) = find_people(tx, q)?;
                searches.push(SearchMade { query: q.clone(), hits: hits.len() as u32, candidates: candidates.len() as u32 });
            }
            (s.to_string(), true)
        }
        None => {
            if name.is_none() && email.is_none() && phone.is_none() {
                return Err(Error::Invalid(
                    "say who wrote: a person in the register, or the requester's name, e-mail or phone".into(),
                ));
            }
            let (made, people) = search_for(tx, &NewRequest { name: name.clone(), email: email.clone(), phone: phone.clone(), ..req.clone() })?;
            searches = made;
            if !people.is_empty() && !req.not_in_register {
                let list: Vec<String> = people
                    .iter()
                    .take(10)
                    .map(|p| format!("{} ({})", p.subject, p.names.first().or(p.emails.first()).map(String::as_str).unwrap_or("-")))
                    .collect();
                return Err(Error::Invalid(format!(
                    "the register holds {} people who may be the requester: {}. Choose one (--subject), or confirm that none of them wrote (--not-in-register)",
                    people.len(),
                    list.join(", ")
                )));
            }
            // Someone the register does not know: their request is data held about them.
            let (s, _, _) = subjects::create_row(tx, &ledger::now_utc())?;
            for (kind, v) in [("name", name.clone()), ("email", email.clone()), ("phone", phone.as_deref().and_then(consents::normalize_phone))] {
                if let Some(v) = v {
                    tx.execute(
                        "INSERT OR IGNORE INTO subject_contacts (kind, value, subject_id) VALUES (?1, ?2, ?3)",
                        params![kind, v, s],
                    )?;
                }
            }
            search::reindex_subject(tx, &s)?;
            (s, false)
        }
    };
    let law = match req.law {
        Some(l) => l,
        None if found => default_law(tx, &subject)?,
        None => Law::Fz152,
    };
    let dues = rules::with_clock(tx, |c| c.dues(req.kind, law, received, false))?;
    let duplicate_of: Option<i64> = tx
        .query_row(
            "SELECT id FROM requests WHERE subject_id = ?1 AND kind = ?2
               AND status IN ('received', 'identity_check', 'in_progress') ORDER BY id LIMIT 1",
            params![subject, req.kind.as_str()],
            |r| r.get(0),
        )
        .optional()?;

    let mut data = serde_json::Map::new();
    for (k, v) in [("name", &name), ("email", &email), ("phone", &phone), ("representative", &representative), ("text", &text)] {
        if let Some(v) = v {
            data.insert(k.into(), json!(v));
        }
    }
    data.insert("searches".into(), json!(searches));
    let mut body = serde_json::Map::new();
    body.insert("kind".into(), json!(req.kind.as_str()));
    body.insert("law".into(), json!(law.as_str()));
    body.insert("channel".into(), json!(req.channel.as_str()));
    body.insert("received".into(), json!(received.to_string()));
    body.insert("due".into(), json!(dues.due));
    body.insert("found".into(), json!(found));
    body.insert("representative".into(), json!(representative.is_some()));
    body.insert("searches".into(), json!(searches.len()));
    if let Some(d) = duplicate_of {
        body.insert("possible_duplicate_of".into(), json!(d));
    }
    let seq = subjects::record(tx, actor, &subject, "request.received", &serde_json::Value::Object(data), body)?;
    tx.execute(
        "INSERT INTO requests (id, kind, law, channel, received_on, subject_id, found, status, due, due_152fz,
                               due_gdpr, due_basis, duplicate_of, last_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'received', ?8, ?9, ?10, ?11, ?12, ?1)",
        params![
            seq as i64,
            req.kind.as_str(),
            law.as_str(),
            req.channel.as_str(),
            received.to_string(),
            subject,
            found,
            dues.due,
            dues.due_152fz,
            dues.due_gdpr,
            dues.basis,
            duplicate_of
        ],
    )?;
    link(tx, seq, seq)?;
    Ok((seq, dues, searches))
}

/// The stored facts of a request that its steps check.
struct Row {
    kind: Kind,
    law: Law,
    received: NaiveDate,
    subject: String,
    status: Status,
    due: NaiveDate,
    extended: bool,
}

fn row(conn: &Connection, id: u64) -> Result<Row> {
    let r = conn
        .query_row(
            "SELECT kind, law, received_on, subject_id, status, due, extended_on FROM requests WHERE id = ?1",
            [id as i64],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("request {id} does not exist")))?;
    Ok(Row {
        kind: Kind::parse(&r.0)?,
        law: Law::parse(&r.1)?,
        received: parse_date(&r.2, "received")?,
        subject: r.3,
        status: Status::parse(&r.4)?,
        due: parse_date(&r.5, "due")?,
        extended: r.6.is_some(),
    })
}

fn must_be_open(id: u64, r: &Row) -> Result<()> {
    if !r.status.is_open() {
        return Err(Error::Invalid(format!(
            "request {id} is {} already: a closed request takes no further steps",
            r.status.as_str()
        )));
    }
    Ok(())
}

/// Appends a step's event about the request's subject, with `data` behind a
/// commitment when there is any and the subject still has its key (after an
/// erasure only the event is kept); links it to the request.
fn step(
    tx: &Transaction,
    actor: &str,
    id: u64,
    subject: &str,
    kind: &str,
    data: Option<serde_json::Value>,
    mut body: serde_json::Map<String, serde_json::Value>,
) -> Result<u64> {
    body.insert("request".into(), json!(id));
    let erased: bool = tx.query_row(
        "SELECT hmac_key IS NULL FROM subjects WHERE id = ?1",
        [subject],
        |r| r.get(0),
    )?;
    let seq = match data {
        Some(d) if !erased => subjects::record(tx, actor, subject, kind, &d, body)?,
        _ => ledger::append(tx, actor, &[NewEvent::new(kind, body.into()).about(subject)])?[0],
    };
    link(tx, id, seq)?;
    tx.execute("UPDATE requests SET last_seq = ?2 WHERE id = ?1", params![id as i64, seq as i64])?;
    Ok(seq)
}

/// Adds event `seq` to request `id`'s history.
pub(crate) fn link(tx: &Transaction, id: u64, seq: u64) -> Result<()> {
    tx.prepare_cached("INSERT INTO request_events (request_id, seq) VALUES (?1, ?2)")?
        .execute(params![id as i64, seq as i64])?;
    Ok(())
}

/// The outcome of an identity check.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityCheck {
    pub method: IdentityMethod,
    /// The check passed (ignored when waived).
    pub passed: bool,
    /// What was compared: document number, date and issuer, the contract that
    /// links the person to the operator (art. 14 part 3), or why it was waived.
    pub details: Option<String>,
}

/// Records an identity check: passed or waived moves the request on, failed
/// leaves it waiting for more details. Evidence files go through [`attach`].
pub fn identity(vault: &mut Vault, id: u64, check: IdentityCheck) -> Result<u64> {
    vault.with_tx(|tx, actor| {
        let r = row(tx, id)?;
        must_be_open(id, &r)?;
        let details = clean(check.details.clone(), "the identity details", MAX_TEXT_CHARS)?;
        let waived = check.method == IdentityMethod::Waived;
        if waived && details.is_none() {
            return Err(Error::Invalid("say why the identity check is waived".into()));
        }
        let result = if waived { "waived" } else if check.passed { "passed" } else { "failed" };
        let mut body = serde_json::Map::new();
        body.insert("method".into(), json!(check.method.as_str()));
        body.insert("result".into(), json!(result));
        let data = details.map(|d| json!({ "identity_details": d }));
        let seq = step(tx, actor, id, &r.subject, "request.identity_checked", data, body)?;
        let status = if result == "failed" { Status::IdentityCheck } else { Status::InProgress };
        tx.execute(
            "UPDATE requests SET status = ?2, identity = ?3 WHERE id = ?1",
            params![id as i64, status.as_str(), result],
        )?;
        Ok(seq)
    })
}

/// Attaches a file (the letter, an e-mail, identity evidence), stored in the
/// vault; event `request.file_attached` with its SHA-256.
pub fn attach(vault: &mut Vault, id: u64, purpose: &str, name: &str, bytes: &[u8]) -> Result<u64> {
    use sha2::{Digest, Sha256};
    if !matches!(purpose, "request" | "identity") {
        return Err(Error::Invalid(format!("unknown purpose {purpose:?}: use request or identity")));
    }
    if bytes.is_empty() {
        return Err(Error::Invalid(format!("{name} is empty")));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::Invalid(format!(
            "{name} is larger than {} MB: attach a smaller scan",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let name = clean(Some(name.to_string()), "the file name", 255)?.unwrap_or_else(|| "file".into());
    let sha = hex::encode(Sha256::digest(bytes));
    vault.with_tx(|tx, actor| {
        let r = row(tx, id)?;
        let mut body = serde_json::Map::new();
        body.insert("purpose".into(), json!(purpose));
        body.insert("sha256".into(), json!(sha));
        body.insert("size".into(), json!(bytes.len()));
        let seq = step(tx, actor, id, &r.subject, "request.file_attached", None, body)?;
        tx.execute(
            "INSERT INTO request_files (id, request_id, subject_id, purpose, name, sha256, size, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![seq as i64, id as i64, r.subject, purpose, name, sha, bytes.len() as i64, bytes],
        )?;
        Ok(seq)
    })
}

/// Extends the deadline once, with written reasons and the day the notice
/// was sent, no later than the original deadline. Returns the new dues.
pub fn extend(vault: &mut Vault, id: u64, reasons: &str, notice_sent: &str, today: NaiveDate) -> Result<Dues> {
    let reasons = required(reasons, "the reasons for the extension")?;
    let notice = parse_date(notice_sent, "the day the notice was sent")?;
    vault.with_tx(|tx, actor| {
        let r = row(tx, id)?;
        must_be_open(id, &r)?;
        if r.extended {
            return Err(Error::Invalid(format!("request {id} was extended already: the law allows one extension")));
        }
        if today > r.due {
            return Err(Error::Invalid(format!(
                "the deadline of request {id} ended on {}: an extension must be made before it ends",
                r.due
            )));
        }
        if notice > r.due {
            return Err(Error::Invalid(format!(
                "the notice was sent on {notice}, after the deadline {}: the person must be told before it ends",
                r.due
            )));
        }
        if notice < r.received || notice > today {
            return Err(Error::Invalid(format!(
                "the notice date {notice} must be between the receipt ({}) and today",
                r.received
            )));
        }
        let dues = rules::with_clock(tx, |c| c.dues(r.kind, r.law, r.received, true))?;
        let mut body = serde_json::Map::new();
        body.insert("notice_sent".into(), json!(notice.to_string()));
        body.insert("due".into(), json!(dues.due));
        step(tx, actor, id, &r.subject, "request.extended", Some(json!({ "extension_reasons": reasons })), body)?;
        tx.execute(
            "UPDATE requests SET extended_on = ?2, due = ?3, due_152fz = ?4, due_gdpr = ?5, due_basis = ?6 WHERE id = ?1",
            params![id as i64, notice.to_string(), dues.due, dues.due_152fz, dues.due_gdpr, dues.basis],
        )?;
        Ok(dues)
    })
}

/// Refuses a request: a reason from the rules' list (its legal ground goes
/// into the ledger) and a text saying why, both mandatory.
pub fn refuse(vault: &mut Vault, id: u64, reason: &str, text: &str, today: NaiveDate) -> Result<u64> {
    let text = required(text, "the explanation of the refusal")?;
    vault.with_tx(|tx, actor| {
        let r = row(tx, id)?;
        must_be_open(id, &r)?;
        let rules = Rules::of_vault(tx)?;
        let reason = rules.reason(reason.trim())?.clone();
        let mut body = serde_json::Map::new();
        body.insert("reason".into(), json!(reason.code));
        body.insert("ground".into(), json!(reason.ground));
        let seq = step(tx, actor, id, &r.subject, "request.refused", Some(json!({ "refusal_text": text })), body)?;
        close(tx, id, Status::Refused, &reason.code, today)?;
        Ok(seq)
    })
}

/// Closes a request the person withdrew.
pub fn cancel(vault: &mut Vault, id: u64, note: Option<&str>, today: NaiveDate) -> Result<u64> {
    let note = clean(note.map(String::from), "the note", MAX_TEXT_CHARS)?;
    vault.with_tx(|tx, actor| {
        let r = row(tx, id)?;
        must_be_open(id, &r)?;
        let data = note.map(|n| json!({ "cancel_note": n }));
        let seq = step(tx, actor, id, &r.subject, "request.cancelled", data, serde_json::Map::new())?;
        close(tx, id, Status::Cancelled, "cancelled_by_requester", today)?;
        Ok(seq)
    })
}

fn close(tx: &Transaction, id: u64, status: Status, outcome: &str, today: NaiveDate) -> Result<()> {
    tx.execute(
        "UPDATE requests SET status = ?2, outcome = ?3, closed_on = ?4 WHERE id = ?1",
        params![id as i64, status.as_str(), outcome, today.to_string()],
    )?;
    Ok(())
}

/// Recomputes the deadlines of open requests after the calendar, the GDPR
/// country or the rules changed (the events that changed them are the record).
pub(crate) fn redate_open(tx: &Transaction) -> Result<()> {
    let open: Vec<(i64, String, String, String, bool)> = tx
        .prepare("SELECT id, kind, law, received_on, extended_on IS NOT NULL FROM requests WHERE status IN ('received', 'identity_check', 'in_progress')")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rules::with_clock(tx, |c| {
        for (id, kind, law, received, extended) in open {
            let d = c.dues(Kind::parse(&kind)?, Law::parse(&law)?, parse_date(&received, "received")?, extended)?;
            tx.execute(
                "UPDATE requests SET due = ?2, due_152fz = ?3, due_gdpr = ?4, due_basis = ?5 WHERE id = ?1",
                params![id, d.due, d.due_152fz, d.due_gdpr, d.basis],
            )?;
        }
        Ok(())
    })
}

const ITEM_SQL: &str = "SELECT r.id, r.kind, r.law, r.channel, r.received_on, r.status, r.due, r.due_152fz, r.due_gdpr,
        r.due_basis, r.extended_on, r.identity, r.closed_on, r.outcome, r.subject_id, r.found, r.duplicate_of,
        json_extract(d.data, '$.name')
   FROM requests r LEFT JOIN subject_data d ON d.event_seq = r.id";

fn item(r: &rusqlite::Row, today: NaiveDate) -> rusqlite::Result<Item> {
    let text = |i: usize| r.get::<_, String>(i);
    let bad = |i: usize, e: Error| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e));
    let due: String = text(6)?;
    let status = Status::parse(&text(5)?).map_err(|e| bad(5, e))?;
    let days_left = NaiveDate::parse_from_str(&due, "%Y-%m-%d")
        .map(|d| (d - today).num_days())
        .unwrap_or(0);
    Ok(Item {
        id: r.get::<_, i64>(0)? as u64,
        kind: Kind::parse(&text(1)?).map_err(|e| bad(1, e))?,
        law: Law::parse(&text(2)?).map_err(|e| bad(2, e))?,
        channel: Channel::parse(&text(3)?).map_err(|e| bad(3, e))?,
        received: text(4)?,
        status,
        due,
        due_152fz: r.get(7)?,
        due_gdpr: r.get(8)?,
        due_basis: text(9)?,
        days_left,
        overdue: status.is_open() && days_left < 0,
        extended_on: r.get(10)?,
        identity: r.get(11)?,
        closed_on: r.get(12)?,
        outcome: r.get(13)?,
        subject: text(14)?,
        found: r.get(15)?,
        duplicate_of: r.get::<_, Option<i64>>(16)?.map(|d| d as u64),
        name: r.get(17)?,
    })
}

pub fn get_item(conn: &Connection, id: u64, today: NaiveDate) -> Result<Item> {
    conn.prepare_cached(&format!("{ITEM_SQL} WHERE r.id = ?1"))?
        .query_row([id as i64], |r| item(r, today))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("request {id} does not exist")))
}

/// Filters of the request list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", ts(rename = "RequestFilter"))]
pub struct Filter {
    /// Only open requests (received, identity check, in progress).
    pub open: bool,
    pub status: Option<Status>,
    pub kind: Option<Kind>,
    pub subject: Option<String>,
}

/// Where a page of the list ends (ordered by due date, then id).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", ts(rename = "RequestCursor"))]
pub struct Cursor {
    pub due: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
}

/// A page of requests by due date (the most urgent first), keyset-paged.
pub fn list(conn: &Connection, filter: &Filter, after: Option<&Cursor>, limit: u32, today: NaiveDate) -> Result<Vec<Item>> {
    let mut sql = format!("{ITEM_SQL} WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = vec![];
    let mut arg = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if filter.open {
        sql.push_str(" AND r.status IN ('received', 'identity_check', 'in_progress')");
    }
    if let Some(s) = filter.status {
        arg(&mut sql, " AND r.status = ?", s.as_str().to_string().into());
    }
    if let Some(k) = filter.kind {
        arg(&mut sql, " AND r.kind = ?", k.as_str().to_string().into());
    }
    if let Some(s) = &filter.subject {
        let person = consents::current_subject(conn, s)?;
        arg(&mut sql, &format!(" AND r.subject_id IN ({})", consents::SAME_PERSON), person.into());
    }
    if let Some(c) = after {
        arg(&mut sql, " AND (r.due, r.id) > (?", c.due.clone().into());
        arg(&mut sql, ", ?)", (c.id as i64).into());
    }
    arg(&mut sql, " ORDER BY r.due, r.id LIMIT ?", (limit.clamp(1, 1000) as i64).into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| item(r, today))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The cursor after a full page, None after the last.
pub fn next_cursor(page: &[Item], limit: u32) -> Option<Cursor> {
    (page.len() as u32 >= limit)
        .then(|| page.last().map(|i| Cursor { due: i.due.clone(), id: i.id }))
        .flatten()
}

/// One step of a request's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", ts(rename = "RequestStep"))]
pub struct Step {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub kind: String,
    pub recorded_at: String,
    pub actor: String,
    /// The event's body (no personal data).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub body: serde_json::Value,
    /// The personal data the step recorded, if any and not erased.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub data: serde_json::Value,
}

/// A file attached to a request (its bytes through [`file`]).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", ts(rename = "RequestFile"))]
pub struct FileInfo {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub purpose: String,
    pub name: String,
    pub sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// A deadline a fulfilment started.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct FollowupItem {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub request: u64,
    pub subject: String,
    /// The requester's name as written (None once erased).
    pub name: Option<String>,
    /// The kind of the request that started it.
    pub request_kind: Kind,
    pub kind: String,
    pub due: String,
    pub due_basis: String,
    pub source: String,
    /// The source in Russian, when the rules in force give it.
    pub source_ru: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days_left: i64,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub done_seq: Option<u64>,
}

/// A request in full.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", ts(rename = "RequestDetail"))]
pub struct Detail {
    #[serde(flatten)]
    pub request: Item,
    /// What the requester wrote (name, e-mail, phone, representative, text,
    /// searches made); null once erased.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub data: serde_json::Value,
    pub history: Vec<Step>,
    pub files: Vec<FileInfo>,
    pub followups: Vec<FollowupItem>,
    /// The extension is still possible (once, before the deadline, if the kind allows one).
    pub can_extend: bool,
    /// The provision each law's deadline comes from.
    pub sources: Vec<Source>,
}

/// Where a deadline comes from, in both languages, with how sure it is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", ts(rename = "DeadlineSource"))]
pub struct Source {
    /// "152-FZ" or "GDPR".
    pub law: String,
    pub en: String,
    pub ru: String,
    /// H, M or U as in legal-facts.
    pub confidence: String,
}

pub fn get(conn: &Connection, id: u64, today: NaiveDate) -> Result<Detail> {
    let request = get_item(conn, id, today)?;
    let seqs: Vec<i64> = conn
        .prepare_cached("SELECT seq FROM request_events WHERE request_id = ?1 ORDER BY seq")?
        .query_map([id as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut history = vec![];
    let mut data = serde_json::Value::Null;
    for s in seqs {
        let e = ledger::get(conn, s as u64)?;
        let stored = match subjects::data_of_event(conn, &request.subject, e.seq) {
            Ok(d) => d.map(|d| d.data).unwrap_or_default(),
            Err(Error::Erased(_)) => serde_json::Value::Null,
            Err(e) => return Err(e),
        };
        if e.seq == id {
            data = stored.clone();
        }
        history.push(Step {
            seq: e.seq,
            kind: e.kind,
            recorded_at: e.recorded_at,
            actor: e.actor,
            body: serde_json::from_str(&e.body).unwrap_or_default(),
            data: stored,
        });
    }
    let files = conn
        .prepare_cached("SELECT id, purpose, name, sha256, size FROM request_files WHERE request_id = ?1 ORDER BY id")?
        .query_map([id as i64], |r| {
            Ok(FileInfo {
                id: r.get::<_, i64>(0)? as u64,
                purpose: r.get(1)?,
                name: r.get(2)?,
                sha256: r.get(3)?,
                size: r.get::<_, i64>(4)? as u64,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let followups = followups(conn, Some(id), false, today)?;
    let rules = Rules::of_vault(conn)?;
    let laws: &[Law] = match request.law {
        Law::Both => &[Law::Fz152, Law::Gdpr],
        l => std::slice::from_ref(match l { Law::Fz152 => &Law::Fz152, _ => &Law::Gdpr }),
    };
    let mut sources = vec![];
    let mut extendable = true;
    for l in laws {
        let d = rules.deadline(request.kind, *l)?;
        sources.push(Source {
            law: l.label().into(),
            en: d.source.clone(),
            ru: d.source_ru.clone().unwrap_or_else(|| d.source.clone()),
            confidence: d.confidence.clone(),
        });
        extendable &= d.extension.is_some();
    }
    let can_extend = extendable && request.status.is_open() && request.extended_on.is_none() && request.days_left >= 0;
    Ok(Detail { request, data, history, files, followups, can_extend, sources })
}

/// A file's bytes, checked against the hash its event recorded.
pub fn file(conn: &Connection, file_id: u64) -> Result<(String, Vec<u8>)> {
    use sha2::{Digest, Sha256};
    let (name, sha, bytes): (String, String, Vec<u8>) = conn
        .query_row(
            "SELECT name, sha256, content FROM request_files WHERE id = ?1",
            [file_id as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("file {file_id} does not exist (or was erased)")))?;
    if hex::encode(Sha256::digest(&bytes)) != sha {
        return Err(Error::Tampered(format!("file {file_id} no longer matches the hash recorded in the ledger")));
    }
    Ok((name, bytes))
}

/// Follow-on deadlines: of one request, or all; pending only when asked.
pub fn followups(conn: &Connection, request: Option<u64>, pending_only: bool, today: NaiveDate) -> Result<Vec<FollowupItem>> {
    let mut sql = "SELECT f.id, f.request_id, f.subject_id, f.kind, f.due, f.due_basis, f.source, f.done_seq,
                          json_extract(d.data, '$.name'), r.kind
                     FROM followups f JOIN requests r ON r.id = f.request_id
                     LEFT JOIN subject_data d ON d.event_seq = f.request_id WHERE 1 = 1"
        .to_string();
    if request.is_some() {
        sql.push_str(" AND f.request_id = ?1");
    }
    if pending_only {
        sql.push_str(" AND f.done_seq IS NULL");
    }
    sql.push_str(" ORDER BY f.due, f.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rules = Rules::of_vault(conn)?;
    let map = |r: &rusqlite::Row| -> rusqlite::Result<FollowupItem> {
        let due: String = r.get(4)?;
        let (kind, source): (String, String) = (r.get(3)?, r.get(6)?);
        Ok(FollowupItem {
            source_ru: rules.followup_source_ru(&kind, &source).map(String::from),
            id: r.get::<_, i64>(0)? as u64,
            request: r.get::<_, i64>(1)? as u64,
            subject: r.get(2)?,
            kind,
            days_left: NaiveDate::parse_from_str(&due, "%Y-%m-%d").map(|d| (d - today).num_days()).unwrap_or(0),
            due,
            due_basis: r.get(5)?,
            source,
            done_seq: r.get::<_, Option<i64>>(7)?.map(|s| s as u64),
            name: r.get(8)?,
            request_kind: Kind::parse(&r.get::<_, String>(9)?)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, rusqlite::types::Type::Text, Box::new(e)))?,
        })
    };
    let rows = match request {
        Some(id) => stmt.query_map([id as i64], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
        None => stmt.query_map([], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
    };
    Ok(rows)
}

/// Marks a person's pending destruction deadlines done by the erasure
/// event `seq` (called in the erasure's transaction).
pub(crate) fn erased(tx: &Transaction, subject: &str, seq: u64) -> Result<()> {
    tx.execute(
        "UPDATE followups SET done_seq = ?2 WHERE subject_id = ?1 AND done_seq IS NULL",
        params![subject, seq as i64],
    )?;
    tx.execute("DELETE FROM request_files WHERE subject_id = ?1", [subject])?;
    crate::documents::erased(tx, subject)?;
    Ok(())
}
