//! Data subjects and their personal data, kept out of the ledger.
//!
//! Each subject has a random id and a random 256-bit key. Recording personal
//! data stores it (canonical JSON) in `subject_data` and appends an event that
//! carries only `HMAC-SHA256(subject key, data)`. Erasure deletes the data and
//! the key: the events and the Merkle tree stay verifiable, the commitments
//! can no longer be linked to any data, and the log records when and why.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::crypto;
use crate::error::{Error, Result};
use crate::ledger::{self, NewEvent};

/// Creates a subject (no event: nothing about it is known yet).
pub fn create(tx: &Transaction) -> Result<String> {
    Ok(create_row(tx, &ledger::now_utc())?.0)
}

/// [`create`] at `created_at` (a time from [`ledger::now_utc`]), also
/// returning the subject's rowid (its search entry's rowid) and its key.
///
/// The id is `s-`, 12 hex digits of the creation time in milliseconds, then
/// 12 random hex digits: random enough to be pseudonymous (nothing in it but
/// the moment, which its first event shows anyway), and ordered so that a
/// large import appends to the indexes keyed by subject instead of writing
/// all over them.
pub(crate) fn create_row(tx: &Transaction, created_at: &str) -> Result<(String, i64, zeroize::Zeroizing<Vec<u8>>)> {
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let id = format!(
        "s-{:012x}{}",
        millis & 0xffff_ffff_ffff,
        hex::encode(crypto::random_bytes::<6>())
    );
    let key = zeroize::Zeroizing::new(crypto::random_bytes::<32>());
    tx.prepare_cached("INSERT INTO subjects (id, hmac_key, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![id, key.as_slice(), created_at])?;
    Ok((id, tx.last_insert_rowid(), zeroize::Zeroizing::new(key.to_vec())))
}

fn key_of(conn: &Connection, subject: &str) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let row: Option<Option<Vec<u8>>> = conn
        .query_row(
            "SELECT hmac_key FROM subjects WHERE id = ?1",
            [subject],
            |r| r.get(0),
        )
        .optional()?;
    match row {
        None => Err(Error::NotFound(format!("subject {subject} does not exist"))),
        Some(None) => Err(Error::Erased(subject.to_string())),
        Some(Some(k)) => Ok(zeroize::Zeroizing::new(k)),
    }
}

/// `hmac-sha256:<hex>` over the canonical data.
pub fn commitment(key: &[u8], canonical_data: &str) -> String {
    format!(
        "hmac-sha256:{}",
        hex::encode(crypto::hmac_sha256(key, canonical_data.as_bytes()))
    )
}

/// Stores `data` for `subject` and appends event `kind` whose body is
/// `extra` plus `"commitment"`. Returns the event's seq.
pub fn record(
    tx: &Transaction,
    actor: &str,
    subject: &str,
    kind: &str,
    data: &serde_json::Value,
    extra: serde_json::Map<String, serde_json::Value>,
) -> Result<u64> {
    let key = key_of(tx, subject)?;
    let canonical = ledger::canonical_json(data)?;
    let mut body = extra;
    body.insert("commitment".into(), json!(commitment(&key, &canonical)));
    let seq = ledger::append(
        tx,
        actor,
        &[NewEvent::new(kind, body.into()).about(subject)],
    )?[0];
    tx.execute(
        "INSERT INTO subject_data (subject_id, event_seq, data) VALUES (?1, ?2, ?3)",
        params![subject, seq as i64, canonical],
    )?;
    Ok(seq)
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredData {
    pub event_seq: u64,
    pub data: serde_json::Value,
    /// The stored data still produces the commitment in the ledger event.
    pub matches_ledger: bool,
}

/// One stored record, checked against the commitment in its ledger event.
fn checked(conn: &Connection, subject: &str, key: &[u8], seq: u64, text: &str) -> Result<StoredData> {
    let event = ledger::get(conn, seq)?;
    let body: serde_json::Value = serde_json::from_str(&event.body).unwrap_or_default();
    let matches = body["commitment"]
        .as_str()
        .is_some_and(|c| crypto::ct_eq(c.as_bytes(), commitment(key, text).as_bytes()))
        && event.subject.as_deref() == Some(subject);
    Ok(StoredData {
        event_seq: seq,
        data: serde_json::from_str(text)
            .map_err(|e| Error::Invalid(format!("stored data of {subject}: {e}")))?,
        matches_ledger: matches,
    })
}

/// The subject's stored data, each record checked against its ledger event.
pub fn data(conn: &Connection, subject: &str) -> Result<Vec<StoredData>> {
    let key = key_of(conn, subject)?;
    let mut stmt =
        conn.prepare("SELECT event_seq, data FROM subject_data WHERE subject_id = ?1 ORDER BY event_seq")?;
    let rows: Vec<(i64, String)> = stmt
        .query_map([subject], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(seq, text)| checked(conn, subject, &key, seq as u64, &text))
        .collect()
}

/// The record that event `seq` committed to, checked; None when there is none.
pub fn data_of_event(conn: &Connection, subject: &str, seq: u64) -> Result<Option<StoredData>> {
    let key = key_of(conn, subject)?;
    let text: Option<String> = conn
        .prepare_cached("SELECT data FROM subject_data WHERE subject_id = ?1 AND event_seq = ?2")?
        .query_row(params![subject, seq as i64], |r| r.get(0))
        .optional()?;
    text.map(|t| checked(conn, subject, &key, seq, &t)).transpose()
}

/// What an erasure destroyed (no personal data: ids and counts).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Erased {
    /// The subject the request named.
    pub subject: String,
    /// Every subject erased (the person: the subject merged into last, the
    /// ones merged into it first), each with its own `subject.erased` event.
    pub erased: Vec<String>,
    /// Records of personal data deleted, over all of them.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records_destroyed: u64,
    /// The seq of the last `subject.erased` event.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub event_seq: u64,
    /// The destruction act issued with it (Roskomnadzor order No. 179), kept three years.
    pub act: String,
}

/// Erases a subject in its own transaction, then checkpoints and truncates
/// the WAL so that no earlier copy of the erased pages survives in it
/// (`secure_delete` already zeroes them in the database file). Returns the
/// seq of the last `subject.erased` event; [`erase_person`] says more.
pub fn erase_and_purge(
    conn: &mut Connection,
    actor: &str,
    subject: &str,
    reason: &str,
) -> Result<u64> {
    Ok(erase_person(conn, actor, subject, reason)?.event_seq)
}

/// [`erase_and_purge`], reporting every subject erased.
pub fn erase_person(
    conn: &mut Connection,
    actor: &str,
    subject: &str,
    reason: &str,
) -> Result<Erased> {
    let tx = conn.transaction()?;
    let erased = erase_all(&tx, actor, subject, reason)?;
    tx.commit()?;
    purge_wal(conn)?;
    Ok(erased)
}

/// Checkpoints and truncates the WAL after an erasure committed, so that no
/// earlier copy of the erased pages survives in it.
pub(crate) fn purge_wal(conn: &Connection) -> Result<()> {
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        return Err(Error::Invalid(
            "the data was erased, but another program holds the vault open so its journal could not be purged; close it and run erase again".into(),
        ));
    }
    Ok(())
}

/// The subjects an erasure of `subject` would destroy: the person it
/// belongs to, i.e. the subject it was merged into and every subject merged
/// into that one, those not erased yet. `not_found` for an unknown id,
/// `erased` when the person was erased already.
pub fn erasable(conn: &Connection, subject: &str) -> Result<Vec<String>> {
    let root = crate::consents::current_subject(conn, subject)?;
    key_of(conn, &root)?;
    let mut out = vec![];
    // The absorbed first, the subject they were merged into last.
    for s in crate::consents::same_person(conn, &root)?.into_iter().rev() {
        match key_of(conn, &s) {
            Ok(_) => out.push(s),
            Err(Error::Erased(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Destroys the subject's data and key and records `subject.erased`; a
/// subject merged with others (one person) is erased with all of them, each
/// with its own event. Returns the seq of the last event.
/// Prefer [`erase_and_purge`], which also purges the WAL.
pub fn erase(tx: &Transaction, actor: &str, subject: &str, reason: &str) -> Result<u64> {
    Ok(erase_all(tx, actor, subject, reason)?.event_seq)
}

/// [`erase`], reporting every subject erased.
pub fn erase_all(tx: &Transaction, actor: &str, subject: &str, reason: &str) -> Result<Erased> {
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "say why the data is erased (e.g. the request that asked for it)".into(),
        ));
    }
    let erased = erasable(tx, subject)?;
    for s in &erased {
        let hold: Option<bool> = tx
            .query_row("SELECT legal_hold FROM restrictions WHERE subject_id = ?1", [s], |r| r.get(0))
            .optional()?;
        if hold == Some(true) {
            return Err(Error::Invalid(format!(
                "{s} is under a legal hold (the data is needed for legal claims: GDPR Art. 17(3)(e)); lift the restriction first (subject unrestrict), nothing was erased"
            )));
        }
    }
    // The destruction act names the person: its facts are gathered first.
    let before = crate::documents::act::before(tx, subject)?;
    let (mut records, mut last, mut seqs) = (0, 0, vec![]);
    for s in &erased {
        let (seq, n) = erase_one(tx, actor, s, reason)?;
        (last, records) = (seq, records + n);
        seqs.push(seq);
    }
    let act = crate::documents::act::issue_for_erasure(tx, actor, before, reason, &seqs, records)?;
    Ok(Erased {
        act: act.id,
        subject: subject.to_string(),
        erased,
        records_destroyed: records,
        event_seq: last,
    })
}

/// Erases one subject (the caller checked the reason): (event seq, records destroyed).
fn erase_one(tx: &Transaction, actor: &str, subject: &str, reason: &str) -> Result<(u64, u64)> {
    let records = tx.execute("DELETE FROM subject_data WHERE subject_id = ?1", [subject])?;
    // Its contacts and search entry go too: nothing can find the subject any more.
    crate::consents::forget_subject(tx, subject)?;
    tx.execute(
        "UPDATE subjects SET hmac_key = NULL, erased_at = ?2 WHERE id = ?1",
        params![subject, ledger::now_utc()],
    )?;
    let ev = NewEvent::new(
        "subject.erased",
        json!({ "reason": reason, "records_destroyed": records }),
    )
    .about(subject);
    let seq = ledger::append(tx, actor, &[ev])?[0];
    // Its requests' files go too, and its destruction deadlines are met.
    crate::requests::erased(tx, subject, seq)?;
    Ok((seq, records as u64))
}
