//! `verify`'s check of the processing register against the `activity.*`
//! events (docs/FORMAT.md §10, §19): each activity's details by their
//! SHA-256, its status and last event, and the history index; and each
//! `document.sent` names a notice to Roskomnadzor issued before it, once.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::error::Result;
use super::body_text as text;

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    sha256: String,
    status: String,
    last_seq: u64,
}

/// The activity events of the log, replayed at the end of the pass.
#[derive(Default)]
pub(super) struct Replay {
    activities: BTreeMap<u64, Expected>,
    /// (activity, seq) of every event about an activity.
    links: BTreeSet<(u64, u64)>,
    /// The first event that does not fit (a step of an unknown or retired
    /// activity, a sending of no notice).
    out_of_order: Option<(u64, String)>,
    /// The notices to Roskomnadzor issued so far (document ids).
    notices: BTreeSet<String>,
    /// The notices recorded as sent.
    sent: BTreeSet<String>,
}

impl Replay {
    pub(super) fn wants(kind: &str) -> bool {
        kind.starts_with("activity.")
    }

    fn misfit(&mut self, seq: u64, why: String) {
        if self.out_of_order.is_none() {
            self.out_of_order = Some((seq, why));
        }
    }

    pub(super) fn event(&mut self, seq: u64, kind: &str, body: &str) {
        let b: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let sha = text(&b["sha256"]);
        if kind == "activity.recorded" {
            self.activities.insert(seq, Expected { sha256: sha, status: "active".into(), last_seq: seq });
            self.links.insert((seq, seq));
            return;
        }
        let Some(id) = b["activity"].as_u64() else {
            return self.misfit(seq, format!("event #{seq} ({kind}) names no activity"));
        };
        let Some(a) = self.activities.get_mut(&id) else {
            return self.misfit(seq, format!("event #{seq} is a step of activity {id}, which was never recorded"));
        };
        self.links.insert((id, seq));
        if a.status != "active" {
            return self.misfit(seq, format!("event #{seq} changes activity {id} after it was retired"));
        }
        match kind {
            "activity.updated" => {
                a.sha256 = sha;
                a.last_seq = seq;
            }
            "activity.retired" => {
                if sha != a.sha256 {
                    return self.misfit(seq, format!("event #{seq} retires activity {id} as it never was"));
                }
                a.status = "retired".into();
                a.last_seq = seq;
            }
            _ => {}
        }
    }

    /// A `document.issued` event: remembers a notice (of intent or of changes).
    pub(super) fn document(&mut self, b: &serde_json::Value) {
        if matches!(b["kind"].as_str(), Some("processing_notice" | "processing_notice_change")) {
            self.notices.insert(text(&b["id"]));
        }
    }

    /// A `document.sent` event: a notice issued before it, sent once, on a day.
    pub(super) fn sent(&mut self, seq: u64, body: &str) {
        let b: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let id = text(&b["id"]);
        let day = text(&b["sent_on"]);
        if !self.notices.contains(&id) {
            return self.misfit(seq, format!("event #{seq} records the sending of {id:?}, which is no notice issued before it"));
        }
        if chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d").is_err() {
            return self.misfit(seq, format!("event #{seq} records the sending of {id} on no day ({day:?})"));
        }
        if !self.sent.insert(id.clone()) {
            self.misfit(seq, format!("event #{seq} records the sending of {id} a second time"));
        }
    }

    pub(super) fn check(self, conn: &Connection) -> Result<Vec<(Option<u64>, String)>> {
        let mut out: Vec<(Option<u64>, String)> = vec![];
        if let Some((seq, why)) = self.out_of_order {
            out.push((Some(seq), why));
        }
        let mut stmt = conn.prepare(
            "SELECT CAST(id AS INTEGER), CAST(details AS BLOB), CAST(status AS TEXT), CAST(last_seq AS INTEGER) FROM activities",
        )?;
        let mut rows: BTreeMap<u64, Expected> = BTreeMap::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.insert(
                r.get::<_, i64>(0)? as u64,
                Expected {
                    sha256: hex::encode(Sha256::digest(r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default())),
                    status: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    last_seq: r.get::<_, Option<i64>>(3)?.unwrap_or(-1) as u64,
                },
            );
        }
        for (id, want) in &self.activities {
            match rows.remove(id) {
                None => out.push((Some(*id), format!("activity {id}, recorded by event #{id}, is missing from the vault"))),
                Some(row) if &row != want => out.push((
                    Some(want.last_seq),
                    format!("activity {id} no longer says what its events recorded (last at #{})", want.last_seq),
                )),
                _ => {}
            }
        }
        for id in rows.keys() {
            out.push((Some(*id), format!("activity {id} claims event #{id}, which recorded no activity")));
        }
        let stored: BTreeSet<(u64, u64)> = conn
            .prepare("SELECT CAST(activity_id AS INTEGER), CAST(seq AS INTEGER) FROM activity_events")?
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(&(_, seq)) = stored.symmetric_difference(&self.links).min_by_key(|(_, s)| *s) {
            out.push((Some(seq), format!("the history of processing activities differs from their events at #{seq}")));
        }
        Ok(out)
    }
}
