//! `verify`'s check of the incident register against the `incident.*`
//! events (docs/FORMAT.md §10, §17): each incident's details by their
//! SHA-256, its detection time, law and status; each notice sent; the
//! history index; and which documents were issued for which incident.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::error::Result;
use super::body_text as text;

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    sha256: String,
    detected_at: String,
    law: String,
    status: String,
    last_seq: u64,
}

/// The incident events of the log, replayed at the end of the pass.
#[derive(Default)]
pub(super) struct Replay {
    incidents: BTreeMap<u64, Expected>,
    /// seq → (incident, notice, sent_at, SHA-256 of the reference).
    notices: BTreeMap<u64, (u64, String, String, String)>,
    /// (incident, seq) of every event about an incident.
    links: BTreeSet<(u64, u64)>,
    /// Documents issued for an incident: seq → incident.
    documents: BTreeMap<u64, u64>,
    /// The first event that does not fit (a step of an unknown or closed incident).
    out_of_order: Option<(u64, String)>,
}

impl Replay {
    pub(super) fn wants(kind: &str) -> bool {
        kind.starts_with("incident.")
    }

    fn misfit(&mut self, seq: u64, why: String) {
        if self.out_of_order.is_none() {
            self.out_of_order = Some((seq, why));
        }
    }

    /// A `document.issued` event (seen by every replay that wants it).
    pub(super) fn document(&mut self, seq: u64, body: &serde_json::Value) {
        if let Some(i) = body["incident"].as_u64() {
            self.documents.insert(seq, i);
            self.links.insert((i, seq));
        }
    }

    pub(super) fn event(&mut self, seq: u64, kind: &str, body: &str) {
        let b: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        if kind == "incident.recorded" {
            self.incidents.insert(
                seq,
                Expected {
                    sha256: text(&b["sha256"]),
                    detected_at: text(&b["detected_at"]),
                    law: text(&b["law"]),
                    status: "open".into(),
                    last_seq: seq,
                },
            );
            self.links.insert((seq, seq));
            return;
        }
        let Some(id) = b["incident"].as_u64() else {
            return self.misfit(seq, format!("event #{seq} ({kind}) names no incident"));
        };
        let Some(inc) = self.incidents.get_mut(&id) else {
            return self.misfit(seq, format!("event #{seq} is a step of incident {id}, which was never recorded"));
        };
        self.links.insert((id, seq));
        match kind {
            "incident.updated" => {
                if inc.status != "open" {
                    return self.misfit(seq, format!("event #{seq} changes incident {id} after it was closed"));
                }
                inc.sha256 = text(&b["sha256"]);
                inc.detected_at = text(&b["detected_at"]);
                inc.law = text(&b["law"]);
                inc.last_seq = seq;
            }
            "incident.closed" => {
                if inc.status != "open" || text(&b["sha256"]) != inc.sha256 {
                    return self.misfit(seq, format!("event #{seq} closes incident {id}, which was closed already or said otherwise"));
                }
                inc.status = "closed".into();
                inc.last_seq = seq;
            }
            "incident.notified" => {
                self.notices.insert(seq, (id, text(&b["notice"]), text(&b["sent_at"]), text(&b["reference_sha256"])));
            }
            _ => {}
        }
    }

    pub(super) fn check(self, conn: &Connection) -> Result<Vec<(Option<u64>, String)>> {
        let mut out: Vec<(Option<u64>, String)> = vec![];
        if let Some((seq, why)) = self.out_of_order {
            out.push((Some(seq), why));
        }
        let mut stmt = conn.prepare(
            "SELECT CAST(id AS INTEGER), CAST(details AS BLOB), CAST(detected_at AS TEXT), CAST(law AS TEXT),
                    CAST(status AS TEXT), CAST(last_seq AS INTEGER) FROM incidents",
        )?;
        let mut rows: BTreeMap<u64, Expected> = BTreeMap::new();
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.insert(
                r.get::<_, i64>(0)? as u64,
                Expected {
                    sha256: hex::encode(Sha256::digest(r.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default())),
                    detected_at: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    law: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    status: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                    last_seq: r.get::<_, Option<i64>>(5)?.unwrap_or(-1) as u64,
                },
            );
        }
        for (id, want) in &self.incidents {
            match rows.remove(id) {
                None => out.push((Some(*id), format!("incident {id}, recorded by event #{id}, is missing from the vault"))),
                Some(row) if &row != want => out.push((
                    Some(want.last_seq),
                    format!("incident {id} no longer says what its events recorded (last at #{})", want.last_seq),
                )),
                _ => {}
            }
        }
        for id in rows.keys() {
            out.push((Some(*id), format!("incident {id} claims event #{id}, which recorded no incident")));
        }

        let mut stmt = conn.prepare(
            "SELECT CAST(event_seq AS INTEGER), CAST(incident_id AS INTEGER), CAST(notice AS TEXT), CAST(sent_at AS TEXT),
                    CAST(reference AS BLOB) FROM incident_notices",
        )?;
        let mut sent: BTreeMap<u64, (u64, String, String, String)> = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    (
                        r.get::<_, Option<i64>>(1)?.unwrap_or(-1) as u64,
                        r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        hex::encode(Sha256::digest(r.get::<_, Option<Vec<u8>>>(4)?.unwrap_or_default())),
                    ),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (seq, want) in &self.notices {
            if sent.remove(seq).as_ref() != Some(want) {
                out.push((Some(*seq), format!("the notice recorded as sent by event #{seq} is missing or was altered")));
            }
        }
        for seq in sent.keys() {
            out.push((Some(*seq), format!("a sent notice claims event #{seq}, which recorded none")));
        }

        let stored: BTreeSet<(u64, u64)> = conn
            .prepare("SELECT CAST(incident_id AS INTEGER), CAST(seq AS INTEGER) FROM incident_events")?
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(&(_, seq)) = stored.symmetric_difference(&self.links).min_by_key(|(_, s)| *s) {
            out.push((Some(seq), format!("the history of incidents differs from their events at #{seq}")));
        }

        let docs: BTreeMap<u64, u64> = conn
            .prepare("SELECT CAST(event_seq AS INTEGER), CAST(incident_id AS INTEGER) FROM documents WHERE incident_id IS NOT NULL")?
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        if docs != self.documents {
            let seq = docs
                .iter()
                .filter(|(s, i)| self.documents.get(s) != Some(i))
                .chain(self.documents.iter().filter(|(s, i)| docs.get(s) != Some(i)))
                .map(|(s, _)| *s)
                .min();
            out.push((seq, "the documents issued for incidents differ from what their events recorded".into()));
        }
        Ok(out)
    }
}
