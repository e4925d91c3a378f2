//! Fulfilling a request does the real thing to the vault's data, in the
//! same transaction as the `request.fulfilled` event that records it:
//! access and portability gather the answer's facts (their hash goes into
//! the ledger); rectification records corrected values; erasure
//! crypto-shreds every merged subject; restriction flags the person;
//! objection and withdrawal withdraw the active consents, start the
//! destruction deadline and put the person on the suppression list.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{access, rules, row, step, Kind, Status};
use crate::consents::{self, Action, Recorder};
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::ledger::{self, NewEvent};
use crate::subjects;
use crate::vault::Vault;

/// Corrected values (rectification).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Corrections {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Any other field, by name.
    pub fields: BTreeMap<String, String>,
}

/// How to fulfil a request (each kind reads what concerns it).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Fulfilment {
    /// Rectification: the corrected values.
    pub corrections: Corrections,
    /// Withdrawal and objection: the agreements whose active consents to
    /// withdraw; empty: all of them.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub agreements: Vec<u64>,
    /// Objection: the processing was found unlawful (stop within 3 working
    /// days, destroy within 10: 152-FZ art. 21 part 3).
    pub unlawful: bool,
    /// Restriction: the data is needed for legal claims (a legal hold, which
    /// also blocks erasure).
    pub legal_hold: bool,
    /// Free text kept with the fulfilment (personal data: behind a commitment).
    pub note: Option<String>,
}

/// What fulfilling did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Fulfilled {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub request: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    /// answered, no_data_held, rectified, erased, restricted, withdrawn.
    pub outcome: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub consents_withdrawn: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records_destroyed: u64,
    /// Subjects erased.
    pub erased: Vec<String>,
    pub followups: Vec<super::FollowupItem>,
    /// Recipients to tell of a rectification, erasure or restriction (GDPR Art. 19).
    pub notify: Vec<String>,
    /// SHA-256 of the access answer's JSON (access, portability, regulator).
    pub answer_sha256: Option<String>,
    /// The destruction act an erasure issued.
    pub act: Option<String>,
}

pub fn is_restricted(conn: &Connection, person: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM restrictions WHERE subject_id = ?1")?
        .query_row([person], |_| Ok(()))
        .optional()?
        .is_some())
}

fn legal_hold(conn: &Connection, person: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT legal_hold FROM restrictions WHERE subject_id = ?1")?
        .query_row([person], |r| r.get::<_, bool>(0))
        .optional()?
        .unwrap_or(false))
}

/// Fulfils a request whose identity check passed (or was waived).
pub fn fulfil(vault: &mut Vault, id: u64, f: Fulfilment, today: NaiveDate) -> Result<Fulfilled> {
    let r = row(vault.conn(), id)?;
    if !r.status.is_open() {
        return Err(Error::Invalid(format!("request {id} is {} already", r.status.as_str())));
    }
    if r.status != Status::InProgress {
        return Err(Error::Invalid(format!(
            "request {id} cannot be fulfilled before the requester's identity is checked (or the check is waived with a reason)"
        )));
    }
    let note = super::clean(f.note.clone(), "the note", super::MAX_TEXT_CHARS)?;
    let found: bool = vault.conn().query_row("SELECT found FROM requests WHERE id = ?1", [id as i64], |r| r.get(0))?;
    let erasing = r.kind == Kind::Erasure && found;
    let out = vault.with_tx(|tx, actor| {
        let person = consents::current_subject(tx, &r.subject)?;
        let mut out = Fulfilled {
            request: id,
            seq: 0,
            outcome: String::new(),
            consents_withdrawn: 0,
            records_destroyed: 0,
            erased: vec![],
            followups: vec![],
            notify: vec![],
            answer_sha256: None,
            act: None,
        };
        let mut body = serde_json::Map::new();
        match r.kind {
            Kind::Access | Kind::Portability | Kind::Regulator => {
                let facts = access::gather(tx, &person, Some(id), today)?;
                out.answer_sha256 = Some(sha256_hex(access::json(&facts)?.as_bytes()));
                out.outcome = if found { "answered" } else { "no_data_held" }.into();
                body.insert("answer_sha256".into(), json!(out.answer_sha256));
                body.insert("consents".into(), json!(facts.consents.len()));
                body.insert("records".into(), json!(facts.records.len()));
            }
            Kind::Rectification => {
                let facts = access::gather(tx, &person, Some(id), today)?;
                rectify(tx, actor, id, &person, &f.corrections)?;
                out.notify = access::recipients(&facts);
                out.outcome = "rectified".into();
                body.insert("notify".into(), json!(out.notify.len()));
            }
            Kind::Erasure => {
                if !found {
                    out.outcome = "no_data_held".into();
                } else {
                    if legal_hold(tx, &person)? {
                        return Err(Error::Invalid(format!(
                            "request {id}: the person's data is under a legal hold (needed for legal claims: GDPR Art. 17(3)(e)); refuse the request with that reason, or lift the hold first"
                        )));
                    }
                    let facts = access::gather(tx, &person, Some(id), today)?;
                    out.notify = access::recipients(&facts);
                    out.outcome = "erased".into();
                }
            }
            Kind::Restriction => {
                if is_restricted(tx, &person)? {
                    return Err(Error::Invalid(format!("the person of request {id} is restricted already")));
                }
                let facts = access::gather(tx, &person, Some(id), today)?;
                let ev = NewEvent::new("subject.restricted", json!({ "request": id, "legal_hold": f.legal_hold })).about(&person);
                let seq = ledger::append(tx, actor, &[ev])?[0];
                tx.execute(
                    "INSERT INTO restrictions (subject_id, request_id, legal_hold, since_seq) VALUES (?1, ?2, ?3, ?4)",
                    params![person, id as i64, f.legal_hold, seq as i64],
                )?;
                super::link(tx, id, seq)?;
                out.notify = access::recipients(&facts);
                out.outcome = "restricted".into();
            }
            Kind::Objection | Kind::Withdrawal => {
                out.consents_withdrawn = withdraw_active(tx, actor, id, &person, &f.agreements, r.kind, vault_channel(tx, id)?)?;
                suppress(tx, actor, id, &person)?;
                out.outcome = "withdrawn".into();
                body.insert("consents_withdrawn".into(), json!(out.consents_withdrawn));
            }
        }
        body.insert("outcome".into(), json!(out.outcome));
        let data = note.as_ref().map(|n| json!({ "fulfilment_note": n }));
        out.seq = step(tx, actor, id, &r.subject, "request.fulfilled", data, body)?;
        // The deadlines this fulfilment starts.
        let mut starts: Vec<&str> = vec![];
        if found {
            match r.kind {
                Kind::Withdrawal => starts.push("withdrawal"),
                Kind::Objection => starts.push(if f.unlawful { "unlawful" } else { "objection" }),
                _ => {}
            }
        }
        rules::with_clock(tx, |c| {
            for key in starts {
                for fu in c.rules.followups.get(key).into_iter().flatten() {
                    let start = if fu.from == "received" { r.received } else { today };
                    let (due, basis) = c.followup_due(fu, start);
                    tx.execute(
                        "INSERT INTO followups (request_id, subject_id, kind, due, due_basis, source, started_seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![id as i64, person, fu.kind, due, basis, fu.source, out.seq as i64],
                    )?;
                }
            }
            Ok(())
        })?;
        if erasing {
            let e = subjects::erase_all(tx, actor, &person, &format!("request {id}"))?;
            out.records_destroyed = e.records_destroyed;
            out.erased = e.erased;
            out.act = Some(e.act);
        }
        super::close(tx, id, Status::Fulfilled, &out.outcome, today)?;
        out.followups = super::followups(tx, Some(id), false, today)?;
        Ok(out)
    })?;
    if erasing {
        vault.purge_and_seal()?;
    }
    Ok(out)
}

fn vault_channel(conn: &Connection, id: u64) -> Result<super::Channel> {
    let c: String = conn.query_row("SELECT channel FROM requests WHERE id = ?1", [id as i64], |r| r.get(0))?;
    super::Channel::parse(&c)
}

/// Records the corrected values as a new data record of the person
/// (`subject.rectified`, committed like any other), and makes them the
/// person's contact details for search and matching.
fn rectify(tx: &Transaction, actor: &str, id: u64, person: &str, c: &Corrections) -> Result<()> {
    let name = super::clean(c.name.clone(), "the corrected name", consents::MAX_VALUE_CHARS)?;
    let email = match super::clean(c.email.clone(), "the corrected e-mail", consents::MAX_VALUE_CHARS)? {
        Some(e) => Some(consents::normalize_email(&e).ok_or_else(|| Error::Invalid(format!("{e:?} is not an e-mail address")))?),
        None => None,
    };
    let phone = match super::clean(c.phone.clone(), "the corrected phone", consents::MAX_VALUE_CHARS)? {
        Some(p) => Some(consents::normalize_phone(&p).ok_or_else(|| Error::Invalid(format!("{p:?} is not a phone number")))?),
        None => None,
    };
    let address = super::clean(c.address.clone(), "the corrected address", consents::MAX_VALUE_CHARS)?;
    let mut data = serde_json::Map::new();
    for (k, v) in [("name", &name), ("email", &email), ("phone", &phone), ("address", &address)] {
        if let Some(v) = v {
            data.insert(k.into(), json!(v));
        }
    }
    let mut fields = BTreeMap::new();
    for (k, v) in &c.fields {
        if let (Some(k), Some(v)) = (
            super::clean(Some(k.clone()), "a field name", 200)?,
            super::clean(Some(v.clone()), "a corrected value", consents::MAX_VALUE_CHARS)?,
        ) {
            fields.insert(k, v);
        }
    }
    if !fields.is_empty() {
        data.insert("fields".into(), json!(fields));
    }
    if data.is_empty() {
        return Err(Error::Invalid("a rectification needs at least one corrected value".into()));
    }
    let mut body = serde_json::Map::new();
    body.insert("request".into(), json!(id));
    body.insert("fields".into(), json!(data.keys().collect::<Vec<_>>()));
    let seq = subjects::record(tx, actor, person, "subject.rectified", &serde_json::Value::Object(data), body)?;
    super::link(tx, id, seq)?;
    let all = consents::same_person(tx, person)?;
    for (kind, v) in [("name", name), ("email", email), ("phone", phone)] {
        let Some(v) = v else { continue };
        for s in &all {
            tx.execute("DELETE FROM subject_contacts WHERE subject_id = ?1 AND kind = ?2", params![s, kind])?;
        }
        tx.execute(
            "INSERT OR IGNORE INTO subject_contacts (kind, value, subject_id) VALUES (?1, ?2, ?3)",
            params![kind, v, person],
        )?;
    }
    for s in &all {
        consents::search::reindex_subject(tx, s)?;
    }
    Ok(())
}

/// Withdraws the person's active consents (the latest action on an
/// agreement is "given"), of the chosen agreements or all. Returns how many.
fn withdraw_active(
    tx: &Transaction,
    actor: &str,
    id: u64,
    person: &str,
    only: &[u64],
    kind: Kind,
    channel: super::Channel,
) -> Result<u64> {
    // The latest action of each of the person's subjects on each agreement.
    let mut stmt = tx.prepare(
        &"SELECT c.subject_id, c.agreement_id, c.version, c.action FROM consents c
          WHERE c.subject_id IN (SAME_PERSON)
          ORDER BY c.acted_at, c.id"
            .replace("SAME_PERSON", &consents::SAME_PERSON.replace('?', "?1")),
    )?;
    let mut latest: BTreeMap<u64, (String, u32, String)> = BTreeMap::new();
    let rows = stmt
        .query_map([person], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64, r.get::<_, u32>(2)?, r.get::<_, String>(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (s, a, v, action) in rows {
        latest.insert(a, (s, v, action));
    }
    for a in only {
        if !latest.contains_key(a) {
            return Err(Error::Invalid(format!("the person has no consent on A{a}")));
        }
    }
    let now = chrono::Utc::now();
    let mut rec = Recorder::new(tx, actor, None)?;
    let mut n = 0;
    for (a, (s, v, action)) in &latest {
        if action != "given" || (!only.is_empty() && !only.contains(a)) {
            continue;
        }
        let target = consents::target(tx, *a, Some(*v), Action::Withdrawn)?;
        let out = rec.add_for_subject(
            s,
            &target,
            Action::Withdrawn,
            channel.consent_channel(),
            now,
            &json!({ "request": id, "request_kind": kind.as_str() }),
        )?;
        if !out.duplicate {
            n += 1;
        }
    }
    rec.finish()?;
    Ok(n)
}

/// SHA-256 of a normalised e-mail or phone, as the suppression list keeps it.
pub fn suppression_hash(value: &str) -> String {
    sha256_hex(value.as_bytes())
}

/// Puts the person's e-mails and phones (normalised) on the suppression list.
fn suppress(tx: &Transaction, actor: &str, id: u64, person: &str) -> Result<()> {
    let mut entries: Vec<(String, String)> = vec![];
    for s in consents::same_person(tx, person)? {
        let mut stmt = tx.prepare_cached("SELECT kind, value FROM subject_contacts WHERE subject_id = ?1 AND kind IN ('email', 'phone')")?;
        let rows = stmt
            .query_map([&s], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        entries.extend(rows);
    }
    let seq = ledger::append(
        tx,
        actor,
        &[NewEvent::new("suppression.added", json!({ "request": id, "entries": entries.len() })).about(person)],
    )?[0];
    super::link(tx, id, seq)?;
    for (kind, v) in entries {
        tx.execute(
            "INSERT OR IGNORE INTO suppression (kind, sha256, request_id, since_seq) VALUES (?1, ?2, ?3, ?4)",
            params![kind, suppression_hash(&v), id as i64, seq as i64],
        )?;
    }
    Ok(())
}

/// Lifts a restriction (GDPR Art. 18(3): the person is told before).
pub fn lift_restriction(vault: &mut Vault, subject: &str, reason: &str) -> Result<u64> {
    let reason = super::required(reason, "the reason for lifting the restriction")?;
    vault.with_tx(|tx, actor| {
        let person = consents::current_subject(tx, subject)?;
        if !is_restricted(tx, &person)? {
            return Err(Error::Invalid(format!("{person} is not restricted")));
        }
        let ev = NewEvent::new("subject.restriction_lifted", json!({ "reason": reason })).about(&person);
        let seq = ledger::append(tx, actor, &[ev])?[0];
        tx.execute("DELETE FROM restrictions WHERE subject_id = ?1", [&person])?;
        Ok(seq)
    })
}

/// One entry of the suppression list as exported.
#[derive(Debug, Clone, Serialize)]
pub struct Suppressed {
    pub kind: String,
    pub sha256: String,
    /// The value itself, when asked for and the person is not erased.
    pub value: Option<String>,
    pub since_seq: u64,
}

/// The suppression list; `plain` adds the values still held.
pub fn suppression_list(conn: &Connection, plain: bool) -> Result<Vec<Suppressed>> {
    let mut known: BTreeMap<(String, String), String> = BTreeMap::new();
    if plain {
        let mut stmt = conn.prepare(
            "SELECT kind, value FROM subject_contacts WHERE kind IN ('email', 'phone')
               AND subject_id IN (SELECT s.id FROM subjects s WHERE s.erased_at IS NULL)",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (k, v) in rows {
            known.insert((k, suppression_hash(&v)), v);
        }
    }
    let mut stmt = conn.prepare("SELECT kind, sha256, since_seq FROM suppression ORDER BY since_seq, kind, sha256")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|(kind, sha256, seq)| Suppressed {
            value: known.get(&(kind.clone(), sha256.clone())).cloned(),
            kind,
            sha256,
            since_seq: seq as u64,
        })
        .collect())
}

/// The suppression list as CSV (`;`): kind, SHA-256 of the normalised value,
/// and the value itself when `plain` and still held (formula-safe).
pub fn suppression_csv(conn: &Connection, plain: bool) -> Result<(usize, Vec<u8>)> {
    let list = suppression_list(conn, plain)?;
    let io = |e: csv::Error| Error::io("writing the CSV", e.into());
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    w.write_record(["kind", "sha256", "value"]).map_err(io)?;
    for s in &list {
        let value = s.value.as_deref().map(consents::export::neutralise).unwrap_or_default();
        w.write_record([s.kind.as_str(), s.sha256.as_str(), &value]).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Invalid(e.to_string()))?;
    Ok((list.len(), bytes))
}
