//! The processing register: the operator's processing activities (GDPR
//! Art. 30(1) records; what the 152-FZ art. 22 notice and the art. 18.1
//! policy describe), each with its purposes, legal bases, people and data,
//! recipients, transfers abroad, storage, retention and security, and the
//! agreements that rely on it. An activity can start from a published
//! agreement; [`drift`] finds what a later agreement version collects or
//! shares that the activity does not list.
//!
//! Every change is an `activity.*` event. What the owner writes (which may
//! name staff) stays in the encrypted `activities` table; the events carry
//! its SHA-256, its law and the agreements it lists (FORMAT.md §19).

pub mod changes;
pub mod check;
pub mod documents;
pub mod drift;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::agreements::model::{Method, Regime, ThirdParty};
use crate::agreements::{self};
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::ledger::{self, NewEvent};
use crate::operators::Need;
use crate::requests::Law;
use crate::vault::Vault;
pub use drift::{drift, drift_for, drift_of_agreement, Drift, DriftKind};

text_enum!(
    /// A legal basis for processing: GDPR Art. 6(1)(a)–(f), and the items
    /// of 152-FZ art. 6 part 1 that match them.
    Basis, "legal basis", [
    Consent = "consent",
    Contract = "contract",
    LegalObligation = "legal_obligation",
    VitalInterests = "vital_interests",
    PublicTask = "public_task",
    LegitimateInterests = "legitimate_interests",
]);

text_enum!(
    #[cfg_attr(feature = "ts", ts(rename = "ActivityStatus"))]
    Status, "activity status", [Active = "active", Retired = "retired"]);

/// A transfer of personal data abroad (152-FZ art. 12; GDPR Chapter V).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Transfer {
    /// The country the data goes to.
    pub country: String,
    /// Who receives it there.
    pub recipient: String,
    /// The safeguards (adequacy, standard clauses, the country's protection).
    pub safeguards: Option<String>,
}

/// A processing activity as the owner describes it (stored as canonical JSON).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Activity {
    /// A short name for lists.
    pub name: String,
    /// Which law's documents describe it.
    pub law: Law,
    pub purposes: Vec<String>,
    /// At least one.
    pub legal_bases: Vec<Basis>,
    /// The laws, contract or interest the bases rest on.
    pub basis_details: Option<String>,
    /// Categories of people whose data is processed.
    pub subject_categories: Vec<String>,
    /// Categories of personal data.
    pub data_categories: Vec<String>,
    /// Special categories (152-FZ art. 10, GDPR Art. 9) or biometric data (art. 11) processed.
    pub special_categories: Vec<String>,
    /// The condition that allows them (152-FZ art. 10 part 2, GDPR Art. 9(2)); required with them.
    pub special_condition: Option<String>,
    /// Actions with the data (collection, recording, ...).
    pub actions: Vec<String>,
    pub methods: Option<Method>,
    /// Processors acting on the operator's instruction, and recipients.
    pub recipients: Vec<ThirdParty>,
    /// Transfers abroad; each names its country.
    pub transfers: Vec<Transfer>,
    /// The country where the databases are kept (152-FZ art. 18 part 5; the notice's item 10.1).
    pub storage_country: Option<String>,
    /// Where and how the data is stored.
    pub storage: Option<String>,
    /// How long it is kept, or the condition that ends the processing.
    pub retention: Option<String>,
    /// Security measures (152-FZ art. 18.1, 19; GDPR Art. 32).
    pub security: Vec<String>,
    /// The person responsible for organising the processing, with contacts.
    pub responsible: Option<String>,
    /// When the processing started (YYYY-MM-DD).
    pub started_on: Option<String>,
    /// The agreements whose consents this activity relies on.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub agreements: Vec<u64>,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            name: String::new(),
            law: Law::Fz152,
            purposes: vec![],
            legal_bases: vec![],
            basis_details: None,
            subject_categories: vec![],
            data_categories: vec![],
            special_categories: vec![],
            special_condition: None,
            actions: vec![],
            methods: None,
            recipients: vec![],
            transfers: vec![],
            storage_country: None,
            storage: None,
            retention: None,
            security: vec![],
            responsible: None,
            started_on: None,
            agreements: vec![],
        }
    }
}

/// Longest name.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest list item.
pub const MAX_ITEM_CHARS: usize = 1_000;
/// Most items in one list.
pub const MAX_ITEMS: usize = 200;
/// Longest free text.
pub const MAX_TEXT_CHARS: usize = 20_000;

fn clean(v: &str, what: &str, max: usize) -> Result<String> {
    let s = v.replace("\r\n", "\n").trim().to_string();
    let n = s.chars().count();
    if n > max {
        return Err(Error::Invalid(format!("{what} is too long: {n} characters, at most {max}")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::Invalid(format!("{what} contains control characters")));
    }
    Ok(s)
}

fn clean_opt(v: &Option<String>, what: &str) -> Result<Option<String>> {
    Ok(match v {
        Some(s) => Some(clean(s, what, MAX_TEXT_CHARS)?).filter(|s| !s.is_empty()),
        None => None,
    })
}

/// Trims each item, drops empty ones and repeats (the same text in any case).
fn clean_list(list: &[String], what: &str) -> Result<Vec<String>> {
    if list.len() > MAX_ITEMS {
        return Err(Error::Invalid(format!("{what}: {} items, at most {MAX_ITEMS}", list.len())));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for v in list {
        let v = clean(v, what, MAX_ITEM_CHARS)?;
        if v.contains('\n') {
            return Err(Error::Invalid(format!("{what}: an item is one line")));
        }
        if !v.is_empty() && !out.iter().any(|o| drift::same(o, &v)) {
            out.push(v);
        }
    }
    Ok(out)
}

impl Activity {
    /// Checks and normalises what the owner wrote: text trimmed, lists
    /// without empty items or repeats; refuses an activity without a name,
    /// a purpose or a legal basis, special categories without the condition
    /// that allows them, and a transfer abroad without its country.
    pub fn normalized(mut self) -> Result<Activity> {
        self.name = clean(&self.name, "the name", MAX_NAME_CHARS)?;
        if self.name.is_empty() || self.name.contains('\n') {
            return Err(Error::Invalid("the activity needs a name (one line)".into()));
        }
        self.purposes = clean_list(&self.purposes, "purposes")?;
        if self.purposes.is_empty() {
            return Err(Error::Invalid("the activity needs at least one purpose".into()));
        }
        let mut bases = Vec::new();
        for b in &self.legal_bases {
            if !bases.contains(b) {
                bases.push(*b);
            }
        }
        self.legal_bases = bases;
        if self.legal_bases.is_empty() {
            return Err(Error::Invalid(
                "the activity needs a legal basis (152-FZ art. 6 part 1, GDPR Art. 6(1)): consent, contract, legal obligation, vital interests, public task or legitimate interests".into(),
            ));
        }
        self.basis_details = clean_opt(&self.basis_details, "the basis details")?;
        self.subject_categories = clean_list(&self.subject_categories, "categories of people")?;
        self.data_categories = clean_list(&self.data_categories, "categories of data")?;
        self.special_categories = clean_list(&self.special_categories, "special categories")?;
        self.special_condition = clean_opt(&self.special_condition, "the condition for special categories")?;
        if !self.special_categories.is_empty() && self.special_condition.is_none() {
            return Err(Error::Invalid(format!(
                "special categories ({}) need the condition that allows them (152-FZ art. 10 part 2, GDPR Art. 9(2)), e.g. the person's written consent",
                self.special_categories.join(", ")
            )));
        }
        self.actions = clean_list(&self.actions, "actions")?;
        if self.recipients.len() > MAX_ITEMS {
            return Err(Error::Invalid(format!("recipients: at most {MAX_ITEMS}")));
        }
        let mut recipients: Vec<ThirdParty> = Vec::new();
        for r in &self.recipients {
            let r = ThirdParty {
                name: clean(&r.name, "a recipient's name", MAX_ITEM_CHARS)?,
                inn: clean(&r.inn, "a recipient's INN", 40)?,
                address: clean(&r.address, "a recipient's address", MAX_ITEM_CHARS)?,
                role: r.role,
            };
            if r.name.is_empty() {
                if !r.inn.is_empty() || !r.address.is_empty() {
                    return Err(Error::Invalid("a recipient needs a name".into()));
                }
                continue;
            }
            if !recipients.iter().any(|o| drift::same(&o.name, &r.name)) {
                recipients.push(r);
            }
        }
        self.recipients = recipients;
        if self.transfers.len() > MAX_ITEMS {
            return Err(Error::Invalid(format!("transfers abroad: at most {MAX_ITEMS}")));
        }
        let mut transfers = Vec::new();
        for t in &self.transfers {
            let t = Transfer {
                country: clean(&t.country, "a transfer's country", MAX_NAME_CHARS)?,
                recipient: clean(&t.recipient, "a transfer's recipient", MAX_ITEM_CHARS)?,
                safeguards: clean_opt(&t.safeguards, "a transfer's safeguards")?,
            };
            if t.country.is_empty() {
                if t.recipient.is_empty() && t.safeguards.is_none() {
                    continue;
                }
                return Err(Error::Invalid(format!(
                    "the transfer abroad{} needs the country the data goes to (152-FZ art. 12, GDPR Art. 30(1)(e))",
                    if t.recipient.is_empty() { String::new() } else { format!(" to {}", t.recipient) }
                )));
            }
            transfers.push(t);
        }
        self.transfers = transfers;
        self.storage_country = clean_opt(&self.storage_country, "the country of the databases")?;
        self.storage = clean_opt(&self.storage, "the storage")?;
        self.retention = clean_opt(&self.retention, "the retention")?;
        self.security = clean_list(&self.security, "security measures")?;
        self.responsible = clean_opt(&self.responsible, "the person responsible")?;
        self.started_on = match self.started_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| Error::Invalid(format!("the start date {d:?} is not a date (YYYY-MM-DD)")))?
                    .to_string(),
            ),
            None => None,
        };
        let mut agreements = self.agreements.clone();
        agreements.sort_unstable();
        agreements.dedup();
        self.agreements = agreements;
        Ok(self)
    }

    /// The canonical JSON stored and hashed.
    fn canonical(&self) -> Result<String> {
        ledger::canonical_json(&serde_json::to_value(self).expect("serialisable"))
    }

    /// What the events state of it: no text, which may name staff.
    fn facts(&self, sha: &str) -> serde_json::Value {
        json!({ "law": self.law.as_str(), "agreements": self.agreements, "sha256": sha })
    }
}

/// The activity an agreement's newest published version describes: its
/// title, purposes, data (the listed items and the form's fields), actions,
/// methods, third parties, storage and term, with consent as the basis and
/// the agreement's law. Not recorded: the owner completes it first (the
/// people concerned, security, the person responsible) or records it as is.
pub fn from_agreement(conn: &Connection, agreement: u64) -> Result<Activity> {
    let version = agreements::newest_published(conn, agreement)?.ok_or_else(|| {
        Error::Invalid(format!("agreement A{agreement} has no published version: publish it first"))
    })?;
    let c = agreements::view(conn, agreement, Some(version))?.content;
    let mut data = c.data_items.clone();
    data.extend(c.form_fields.iter().cloned());
    let none_if_empty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    Activity {
        name: c.title.clone(),
        law: match c.regime {
            Regime::Fz152 => Law::Fz152,
            Regime::Gdpr => Law::Gdpr,
        },
        purposes: c.purposes.clone(),
        legal_bases: vec![Basis::Consent],
        basis_details: Some(format!("{} ({})", c.title, agreements::model::version_label(agreement, version))),
        data_categories: data,
        actions: c.actions.clone(),
        methods: c.methods,
        recipients: c.third_parties.clone(),
        storage: none_if_empty(&c.storage),
        retention: none_if_empty(&c.term),
        agreements: vec![agreement],
        ..Default::default()
    }
    .normalized()
}

fn link(tx: &Transaction, activity: u64, seq: u64) -> Result<()> {
    tx.prepare_cached("INSERT OR IGNORE INTO activity_events (activity_id, seq) VALUES (?1, ?2)")?
        .execute(params![activity as i64, seq as i64])?;
    Ok(())
}

/// Every agreement the activity lists exists.
fn agreements_exist(conn: &Connection, a: &Activity) -> Result<()> {
    for id in &a.agreements {
        let n: i64 = conn.query_row("SELECT count(*) FROM agreements WHERE id = ?1", [*id as i64], |r| r.get(0))?;
        if n == 0 {
            return Err(Error::NotFound(format!("no agreement A{id}: the activity cannot rely on it")));
        }
    }
    Ok(())
}

/// Records a new activity (`activity.recorded`; an owner's step). Returns
/// its id, the seq of that event.
pub fn record(vault: &mut Vault, activity: Activity) -> Result<u64> {
    let a = activity.normalized()?;
    vault.with_tx_as(Need::Owner, |tx, actor| {
        agreements_exist(tx, &a)?;
        let canonical = a.canonical()?;
        let sha = sha256_hex(canonical.as_bytes());
        let seq = ledger::append(tx, actor, &[NewEvent::new("activity.recorded", a.facts(&sha))])?[0];
        tx.execute(
            "INSERT INTO activities (id, details, status, last_seq) VALUES (?1, ?2, 'active', ?1)",
            params![seq as i64, canonical],
        )?;
        link(tx, seq, seq)?;
        Ok(seq)
    })
}

pub(crate) fn stored(conn: &Connection, id: u64) -> Result<(Activity, Status, Option<String>, u64)> {
    let row: Option<(String, String, Option<String>, i64)> = conn
        .prepare_cached("SELECT details, status, retired_at, last_seq FROM activities WHERE id = ?1")?
        .query_row([id as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let (details, status, retired, last) = row.ok_or_else(|| Error::NotFound(format!("no processing activity {id}")))?;
    let a: Activity = serde_json::from_str(&details)
        .map_err(|e| Error::Invalid(format!("activity {id}'s stored details cannot be read ({e}); run verify")))?;
    Ok((a, Status::parse(&status)?, retired, last as u64))
}

/// The names of the fields that differ.
fn changed_fields(a: &Activity, b: &Activity) -> Vec<String> {
    let (a, b) = (serde_json::to_value(a).expect("serialisable"), serde_json::to_value(b).expect("serialisable"));
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return vec![] };
    a.iter().filter(|(k, v)| b.get(*k) != Some(v)).map(|(k, _)| k.clone()).collect()
}

/// Saves a changed activity (`activity.updated`, naming the fields that
/// changed). Saving the same activity records nothing. A retired activity
/// cannot change.
pub fn edit(vault: &mut Vault, id: u64, activity: Activity) -> Result<Option<u64>> {
    let a = activity.normalized()?;
    vault.with_tx_as(Need::Owner, |tx, actor| {
        let (before, status, _, _) = stored(tx, id)?;
        if status == Status::Retired {
            return Err(Error::Invalid(format!("activity {id} is retired: it can no longer be changed")));
        }
        agreements_exist(tx, &a)?;
        let changed = changed_fields(&before, &a);
        if changed.is_empty() {
            return Ok(None);
        }
        let canonical = a.canonical()?;
        let sha = sha256_hex(canonical.as_bytes());
        let mut body = a.facts(&sha);
        body["activity"] = json!(id);
        body["changed"] = json!(changed);
        let seq = ledger::append(tx, actor, &[NewEvent::new("activity.updated", body)])?[0];
        tx.execute(
            "UPDATE activities SET details = ?2, last_seq = ?3 WHERE id = ?1",
            params![id as i64, canonical, seq as i64],
        )?;
        link(tx, id, seq)?;
        Ok(Some(seq))
    })
}

/// Retires an activity that no longer takes place (`activity.retired`): it
/// stays in the register's history and leaves the documents in force.
pub fn retire(vault: &mut Vault, id: u64, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
    vault.with_tx_as(Need::Owner, |tx, actor| {
        let (a, status, _, _) = stored(tx, id)?;
        if status == Status::Retired {
            return Err(Error::Invalid(format!("activity {id} is already retired")));
        }
        let sha = sha256_hex(a.canonical()?.as_bytes());
        let seq = ledger::append(tx, actor, &[NewEvent::new("activity.retired", json!({ "activity": id, "sha256": sha }))])?[0];
        tx.execute(
            "UPDATE activities SET status = 'retired', retired_at = ?2, last_seq = ?3 WHERE id = ?1",
            params![id as i64, now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), seq as i64],
        )?;
        link(tx, id, seq)?;
        Ok(seq)
    })
}

/// The active activities (id, activity), in the order recorded.
pub fn active(conn: &Connection) -> Result<Vec<(u64, Activity)>> {
    let ids: Vec<u64> = conn
        .prepare("SELECT id FROM activities WHERE status = 'active' ORDER BY id")?
        .query_map([], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|v| v as u64))
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter().map(|id| Ok((id, stored(conn, id)?.0))).collect()
}

/// One activity in the register's list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ActivityItem"))]
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub name: String,
    pub law: Law,
    pub status: Status,
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub agreements: Vec<u64>,
    /// How many things its agreements collect or share that it does not list.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub drift: u64,
}

/// Every activity, active ones first, each in the order recorded.
pub fn list(conn: &Connection) -> Result<Vec<Item>> {
    let ids: Vec<u64> = conn
        .prepare("SELECT id FROM activities ORDER BY status = 'retired', id")?
        .query_map([], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|v| v as u64))
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| {
            let (a, status, _, _) = stored(conn, id)?;
            let drift = if status == Status::Active { drift_for(conn, id, &a)?.len() as u64 } else { 0 };
            Ok(Item { id, name: a.name, law: a.law, status, agreements: a.agreements, drift })
        })
        .collect()
}

/// One event in an activity's history.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ActivityStep"))]
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub kind: String,
    pub at: String,
    pub actor: String,
    /// The fields an update changed.
    pub changed: Vec<String>,
}

/// An activity with its state, history and drift.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ActivityView"))]
#[derive(Debug, Clone, Serialize)]
pub struct View {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub details: Activity,
    pub status: Status,
    pub retired_at: Option<String>,
    /// SHA-256 of the stored details, as the last event states it.
    pub sha256: String,
    pub history: Vec<Step>,
    pub drift: Vec<Drift>,
}

pub fn get(conn: &Connection, id: u64) -> Result<View> {
    let (details, status, retired_at, _) = stored(conn, id)?;
    let sha256 = sha256_hex(details.canonical()?.as_bytes());
    let history = conn
        .prepare(
            "SELECT e.seq, e.kind, e.recorded_at, e.actor, e.body FROM activity_events x JOIN events e ON e.seq = x.seq
             WHERE x.activity_id = ?1 ORDER BY e.seq",
        )?
        .query_map([id as i64], |r| {
            let body: String = r.get(4)?;
            let changed = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|b| b["changed"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()))
                .unwrap_or_default();
            Ok(Step { seq: r.get::<_, i64>(0)? as u64, kind: r.get(1)?, at: r.get(2)?, actor: r.get(3)?, changed })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let drift = if status == Status::Active { drift_for(conn, id, &details)? } else { vec![] };
    Ok(View { id, details, status, retired_at, sha256, history, drift })
}

