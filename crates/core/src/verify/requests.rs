//! `verify`'s check of the request tables against the events that recorded
//! them (docs/FORMAT.md §10): each request's kind, law, channel, receipt,
//! requester, status, identity result, extension and outcome replayed from
//! its `request.*` events; attached files by their hash; restricted people;
//! loaded calendar years; the vault's settings; issued documents by their
//! hashes (emptied only when the person they name was erased).

use std::collections::{BTreeMap, HashMap};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::error::Result;
use super::body_text as text;

/// What the events say a request row holds.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    kind: String,
    law: String,
    channel: String,
    received: String,
    subject: String,
    found: String,
    status: String,
    identity: Option<String>,
    extended_on: Option<String>,
    outcome: Option<String>,
}

/// An issued document as its event states it: (id, text SHA-256, PDF SHA-256, subject, facts SHA-256).
type IssuedDoc = (String, String, String, Option<String>, Option<String>);

/// The request-related events of the log, replayed at the end of the pass.
#[derive(Default)]
pub(super) struct Replay {
    requests: BTreeMap<u64, Expected>,
    /// Which event last changed each request (the seq a mismatch is reported at).
    last: HashMap<u64, u64>,
    files: Vec<(u64, String, Option<String>, Option<u64>)>,
    /// Subject → (legal hold, seq of `subject.restricted`); removed when lifted.
    restricted: BTreeMap<String, (bool, u64)>,
    calendar: BTreeMap<(String, i64), (u64, String)>,
    settings: BTreeMap<String, (u64, serde_json::Value)>,
    /// Issued documents: seq → (id, text SHA-256, PDF SHA-256, subject, facts SHA-256).
    documents: BTreeMap<u64, IssuedDoc>,
    /// Documents destroyed at the end of their retention: id → seq of `document.destroyed`.
    destroyed: HashMap<String, u64>,
    /// The lowest seq of a step about a request the log never received.
    orphan: Option<u64>,
}

impl Replay {
    /// Whether `kind` is one this check reads.
    pub(super) fn wants(kind: &str) -> bool {
        kind.starts_with("request.")
            || matches!(
                kind,
                "subject.restricted"
                    | "subject.restriction_lifted"
                    | "calendar.loaded"
                    | "settings.changed"
                    | "document.issued"
                    | "document.destroyed"
            )
    }

    pub(super) fn event(&mut self, seq: u64, kind: &str, subject: Option<&str>, body: &str) {
        let b: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let req = b["request"].as_u64();
        if kind == "request.received" {
            self.requests.insert(
                seq,
                Expected {
                    kind: text(&b["kind"]),
                    law: text(&b["law"]),
                    channel: text(&b["channel"]),
                    received: text(&b["received"]),
                    subject: subject.unwrap_or_default().to_string(),
                    found: if b["found"].as_bool() == Some(true) { "1" } else { "0" }.into(),
                    status: "received".into(),
                    ..Default::default()
                },
            );
            self.last.insert(seq, seq);
            return;
        }
        match kind {
            "subject.restricted" => {
                if let Some(s) = subject {
                    self.restricted.insert(s.to_string(), (b["legal_hold"].as_bool() == Some(true), seq));
                }
                // Recorded as part of a request too, but changes no column of it.
                return;
            }
            "subject.restriction_lifted" => {
                if let Some(s) = subject {
                    self.restricted.remove(s);
                }
                return;
            }
            "calendar.loaded" => {
                let key = (text(&b["region"]), b["year"].as_i64().unwrap_or_default());
                self.calendar.insert(key, (seq, text(&b["sha256"])));
                return;
            }
            "settings.changed" => {
                self.settings.insert(text(&b["key"]), (seq, b["value"].clone()));
                return;
            }
            "document.destroyed" => {
                for id in b["ids"].as_array().into_iter().flatten() {
                    self.destroyed.insert(text(id), seq);
                }
                return;
            }
            "document.issued" => {
                self.documents.insert(
                    seq,
                    (
                        text(&b["id"]),
                        text(&b["text_sha256"]),
                        text(&b["pdf_sha256"]),
                        subject.map(String::from),
                        b["facts_sha256"].as_str().map(String::from),
                    ),
                );
                return;
            }
            _ => {}
        }
        let Some(id) = req else { return };
        let Some(r) = self.requests.get_mut(&id) else {
            self.orphan.get_or_insert(seq);
            return;
        };
        self.last.insert(id, seq);
        match kind {
            "request.identity_checked" => {
                let result = text(&b["result"]);
                r.status = if result == "failed" { "identity_check" } else { "in_progress" }.into();
                r.identity = Some(result);
            }
            "request.extended" => r.extended_on = Some(text(&b["notice_sent"])),
            "request.fulfilled" => {
                r.status = "fulfilled".into();
                r.outcome = Some(text(&b["outcome"]));
            }
            "request.refused" => {
                r.status = "refused".into();
                r.outcome = Some(text(&b["reason"]));
            }
            "request.cancelled" => {
                r.status = "cancelled".into();
                r.outcome = Some("cancelled_by_requester".into());
            }
            "request.file_attached" => {
                self.files.push((seq, text(&b["sha256"]), subject.map(String::from), b["size"].as_u64()));
            }
            _ => {}
        }
    }

    /// Compares the tables with the replay; `erased` gives each erased
    /// subject's erasure seq. Returns the failures as (seq, message).
    pub(super) fn check(self, conn: &Connection, erased: &HashMap<String, u64>) -> Result<Vec<(Option<u64>, String)>> {
        let mut out: Vec<(Option<u64>, String)> = vec![];
        if let Some(s) = self.orphan {
            out.push((Some(s), format!("event #{s} is a step of a request that was never received")));
        }
        let mut stmt = conn.prepare(
            "SELECT CAST(id AS INTEGER), CAST(kind AS TEXT), CAST(law AS TEXT), CAST(channel AS TEXT), CAST(received_on AS TEXT),
                    CAST(subject_id AS TEXT), CAST(found AS TEXT), CAST(status AS TEXT), CAST(identity AS TEXT),
                    CAST(extended_on AS TEXT), CAST(outcome AS TEXT) FROM requests",
        )?;
        let mut rows: BTreeMap<u64, Expected> = BTreeMap::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.insert(
                r.get::<_, i64>(0)? as u64,
                Expected {
                    kind: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    law: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    channel: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    received: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    subject: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                    found: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    status: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    identity: r.get(8)?,
                    extended_on: r.get(9)?,
                    outcome: r.get(10)?,
                },
            );
        }
        for (id, want) in &self.requests {
            let at = self.last.get(id).copied().unwrap_or(*id);
            match rows.remove(id) {
                None => out.push((Some(*id), format!("request {id}, received by event #{id}, is missing from the vault"))),
                Some(row) if &row != want => out.push((
                    Some(at),
                    format!("request {id} no longer says what its events recorded (last at #{at})"),
                )),
                _ => {}
            }
        }
        for id in rows.keys() {
            out.push((Some(*id), format!("request {id} claims event #{id}, which did not receive a request")));
        }

        let mut stmt = conn.prepare("SELECT CAST(id AS INTEGER), CAST(sha256 AS TEXT), CAST(size AS INTEGER), content FROM request_files")?;
        let mut files: BTreeMap<u64, (String, i64, Vec<u8>)> = BTreeMap::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let content = match r.get_ref(3)? {
                rusqlite::types::ValueRef::Blob(b) => b.to_vec(),
                rusqlite::types::ValueRef::Text(t) => t.to_vec(),
                _ => vec![],
            };
            files.insert(
                r.get::<_, i64>(0)? as u64,
                (r.get::<_, Option<String>>(1)?.unwrap_or_default(), r.get::<_, Option<i64>>(2)?.unwrap_or(-1), content),
            );
        }
        for (seq, sha, subject, size) in &self.files {
            let gone_by_erasure = subject.as_ref().and_then(|s| erased.get(s)).is_some_and(|e| e > seq);
            match files.remove(seq) {
                None if gone_by_erasure => {}
                None => out.push((Some(*seq), format!("the file attached by event #{seq} is missing, and no erasure was recorded"))),
                Some((rsha, rsize, content)) => {
                    if &rsha != sha
                        || Some(rsize as u64) != *size
                        || hex::encode(Sha256::digest(&content)) != *sha
                        || gone_by_erasure
                    {
                        out.push((Some(*seq), format!("the file attached by event #{seq} was changed after it was recorded")));
                    }
                }
            }
        }
        for seq in files.keys() {
            out.push((Some(*seq), format!("a file claims event #{seq}, which attached none")));
        }

        let mut stmt = conn.prepare("SELECT CAST(subject_id AS TEXT), CAST(legal_hold AS INTEGER), CAST(since_seq AS INTEGER) FROM restrictions")?;
        let rows: BTreeMap<String, (bool, u64)> = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, i64>(1)? != 0, r.get::<_, i64>(2)? as u64))))?
            .collect::<rusqlite::Result<_>>()?;
        if rows != self.restricted {
            let seq = self
                .restricted
                .iter()
                .filter(|(s, v)| rows.get(*s) != Some(v))
                .map(|(_, v)| v.1)
                .chain(rows.iter().filter(|(s, v)| self.restricted.get(*s) != Some(v)).map(|(_, v)| v.1))
                .min();
            out.push((seq, "the restricted people differ from those the ledger restricted".into()));
        }

        let mut stmt = conn.prepare("SELECT CAST(region AS TEXT), CAST(year AS INTEGER), CAST(body AS TEXT), CAST(sha256 AS TEXT) FROM calendar_years")?;
        let mut cal: BTreeMap<(String, i64), (String, String)> = stmt
            .query_map([], |r| Ok(((r.get::<_, String>(0)?, r.get::<_, i64>(1)?), (r.get::<_, String>(2)?, r.get::<_, String>(3)?))))?
            .collect::<rusqlite::Result<_>>()?;
        for (key, (seq, sha)) in &self.calendar {
            let ok = cal
                .remove(key)
                .is_some_and(|(body, rsha)| &rsha == sha && hex::encode(Sha256::digest(body.as_bytes())) == *sha);
            if !ok {
                out.push((Some(*seq), format!("the calendar year {} {} loaded by event #{seq} is missing or was altered", key.0, key.1)));
            }
        }
        for key in cal.keys() {
            out.push((None, format!("the calendar year {} {} was never loaded through the ledger", key.0, key.1)));
        }

        let mut stmt = conn.prepare(
            "SELECT CAST(event_seq AS INTEGER), CAST(id AS TEXT), CAST(text_sha256 AS TEXT), CAST(pdf_sha256 AS TEXT),
                    CAST(erased AS INTEGER), CAST(text AS BLOB), CAST(pdf AS BLOB), CAST(facts AS BLOB) FROM documents",
        )?;
        #[allow(clippy::type_complexity)]
        let mut docs: BTreeMap<u64, (String, String, String, i64, Vec<u8>, Vec<u8>, Option<Vec<u8>>)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    (
                        r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                        r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        r.get::<_, Option<i64>>(4)?.unwrap_or(-1),
                        r.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default(),
                        r.get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default(),
                        r.get::<_, Option<Vec<u8>>>(7)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (seq, (id, tsha, psha, subject, fsha)) in &self.documents {
            let erased_later = subject.as_ref().and_then(|s| erased.get(s)).is_some_and(|e| e > seq)
                || self.destroyed.get(id).is_some_and(|d| d > seq);
            let ok = docs.remove(seq).is_some_and(|(rid, rt, rp, gone, t, p, facts)| {
                rid == *id
                    && rt == *tsha
                    && rp == *psha
                    && match gone {
                        0 => {
                            hex::encode(Sha256::digest(&t)) == *tsha
                                && hex::encode(Sha256::digest(&p)) == *psha
                                && facts.map(|f| hex::encode(Sha256::digest(&f))) == *fsha
                        }
                        1 => erased_later && t.is_empty() && p.is_empty() && facts.is_none(),
                        _ => false,
                    }
            });
            if !ok {
                out.push((Some(*seq), format!("the document {id} issued by event #{seq} is missing or was altered")));
            }
        }
        for (seq, d) in &docs {
            out.push((Some(*seq), format!("the document {} claims event #{seq}, which issued none", d.0)));
        }

        let mut stmt = conn.prepare("SELECT CAST(key AS TEXT), CAST(value AS TEXT) FROM vault_settings")?;
        let mut set: BTreeMap<String, String> = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (key, (seq, value)) in &self.settings {
            let row = set.remove(key);
            let ok = match (value, row) {
                (serde_json::Value::Null, None) => true,
                (serde_json::Value::String(v), Some(r)) => *v == r,
                (serde_json::Value::Object(o), Some(r)) => {
                    o.get("sha256").and_then(|s| s.as_str()) == Some(hex::encode(Sha256::digest(r.as_bytes())).as_str())
                }
                _ => false,
            };
            if !ok {
                out.push((Some(*seq), format!("the setting {key} no longer says what event #{seq} recorded")));
            }
        }
        for key in set.keys() {
            out.push((None, format!("the setting {key} was never recorded in the ledger")));
        }
        Ok(out)
    }
}
