//! Writes consent actions in batches inside one transaction: matches or
//! creates subjects, skips duplicates, appends the `consent.*` events in one
//! call per batch, stores the personal data and keeps the search index.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use super::{dedup_key, intake_who, normalize_phone, search, Action, Channel, Intake, Target};
use crate::agreements::version_label;
use crate::error::{Error, Result};
use crate::ledger::{self, utc_text, NewEvent};
use crate::subjects;

/// Actions held before their events are appended together.
const BATCH: usize = 4096;

/// What happened to one action.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub subject: String,
    /// Already in the register (same agreement version, action, time, person, page).
    pub duplicate: bool,
    /// The subject was created for this action.
    pub new_subject: bool,
}

/// What an action carries besides who, what and where.
struct Held {
    acted_at: String,
    acted_at_original: Option<String>,
    scan_sha256: Option<String>,
    dedup: i64,
    data: String,
}

/// Who an action recorded for a known subject is about, for [`dedup_key`].
pub(crate) fn subject_who(subject: &str) -> String {
    format!("subject:{subject}")
}

struct Pending {
    subject: String,
    target: Target,
    action: Action,
    channel: Channel,
    held: Held,
    commitment: String,
}

pub struct Recorder<'t> {
    tx: &'t Transaction<'t>,
    actor: String,
    import_id: Option<i64>,
    now: String,
    pending: Vec<Pending>,
    contacts: HashMap<(&'static str, String), String>,
    keys: HashMap<String, Zeroizing<Vec<u8>>>,
    seen: HashSet<i64>,
    /// Subjects already stored before this batch whose search entry must be rebuilt.
    touched: HashSet<String>,
    /// Subjects created in this batch: their whole search entry is known here.
    fresh: HashMap<String, search::Entry>,
    /// Contacts already stored in this run (kind, value, subject).
    stored: HashSet<(&'static str, String, String)>,
    added: u64,
}

impl<'t> Recorder<'t> {
    /// `import_id`: the `imports` row the actions come from, if any.
    pub fn new(tx: &'t Transaction<'t>, actor: &str, import_id: Option<i64>) -> Result<Self> {
        Ok(Recorder {
            tx,
            actor: actor.to_string(),
            import_id,
            now: ledger::now_utc(),
            pending: Vec::new(),
            contacts: HashMap::new(),
            keys: HashMap::new(),
            seen: HashSet::new(),
            touched: HashSet::new(),
            fresh: HashMap::new(),
            stored: HashSet::new(),
            added: 0,
        })
    }

    /// Actions added (not duplicates) so far.
    pub fn added(&self) -> u64 {
        self.added
    }

    fn subject_by(&mut self, kind: &'static str, value: &str) -> Result<Option<String>> {
        if let Some(s) = self.contacts.get(&(kind, value.to_string())) {
            return Ok(Some(s.clone()));
        }
        let found: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT c.subject_id FROM subject_contacts c JOIN subjects s ON s.id = c.subject_id
                 WHERE c.kind = ?1 AND c.value = ?2 AND s.erased_at IS NULL
                 ORDER BY s.rowid LIMIT 1",
            )?
            .query_row(params![kind, value], |r| r.get(0))
            .optional()?;
        if let Some(s) = &found {
            self.contacts.insert((kind, value.to_string()), s.clone());
        }
        Ok(found)
    }

    fn remember(&mut self, subject: &str, kind: &'static str, value: String) -> Result<()> {
        if !self.stored.insert((kind, value.clone(), subject.to_string())) {
            return Ok(());
        }
        let added = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO subject_contacts (kind, value, subject_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![kind, value, subject])?;
        if let Some(entry) = self.fresh.get_mut(subject) {
            entry.add(kind, &value);
        } else if added > 0 {
            // A new name, e-mail or phone of a subject stored before.
            self.touched.insert(subject.to_string());
        }
        if kind != "name" {
            self.contacts.insert((kind, value), subject.to_string());
        }
        Ok(())
    }

    fn key(&mut self, subject: &str) -> Result<&Zeroizing<Vec<u8>>> {
        if !self.keys.contains_key(subject) {
            let k: Option<Vec<u8>> = self
                .tx
                .prepare_cached("SELECT hmac_key FROM subjects WHERE id = ?1")?
                .query_row([subject], |r| r.get(0))?;
            let k = k.ok_or_else(|| Error::Erased(subject.to_string()))?;
            self.keys.insert(subject.to_string(), Zeroizing::new(k));
        }
        Ok(&self.keys[subject])
    }

    /// Adds one action (checked and normalised); written at the next batch or [`finish`](Self::finish).
    pub fn add(&mut self, target: &Target, action: Action, channel: Channel, intake: Intake) -> Result<Outcome> {
        let intake = intake.normalized()?;
        let acted_at = intake.acted_at.map(utc_text).unwrap_or_else(|| self.now.clone());
        let dedup = dedup_key(target, action, &acted_at, &intake_who(&intake), intake.url.as_deref());
        let email = intake.email.clone();
        let phone = intake.phone.as_deref().and_then(normalize_phone);

        // Match by e-mail, then phone; otherwise a new subject.
        let mut subject = None;
        if let Some(e) = &email {
            subject = self.subject_by("email", e)?;
        }
        if subject.is_none() {
            if let Some(p) = &phone {
                subject = self.subject_by("phone", p)?;
            }
        }
        if self.is_duplicate(dedup)? {
            return Ok(Outcome {
                subject: subject.unwrap_or_default(),
                duplicate: true,
                new_subject: false,
            });
        }
        let new_subject = subject.is_none();
        let subject = match subject {
            Some(s) => s,
            None => {
                let (s, rowid, key) = subjects::create_row(self.tx)?;
                self.fresh.insert(s.clone(), search::Entry::new(rowid));
                self.keys.insert(s.clone(), key);
                s
            }
        };
        if let Some(e) = email {
            self.remember(&subject, "email", e)?;
        }
        if let Some(p) = phone {
            self.remember(&subject, "phone", p)?;
        }
        if let Some(n) = &intake.name {
            self.remember(&subject, "name", n.clone())?;
        }
        let data = ledger::canonical_json(&intake.data())?;
        let held = Held {
            acted_at,
            acted_at_original: intake.acted_at_original.clone(),
            scan_sha256: intake.scan_sha256.clone(),
            dedup,
            data,
        };
        self.hold(&subject, target, action, channel, held)?;
        Ok(Outcome {
            subject,
            duplicate: false,
            new_subject,
        })
    }

    /// Adds an action of a subject already in the register that no intake
    /// names, such as the end of a consent's term: `data` is what the event
    /// commits to (no personal data needed). Erased subjects are refused.
    pub fn add_for_subject(
        &mut self,
        subject: &str,
        target: &Target,
        action: Action,
        channel: Channel,
        acted_at: DateTime<Utc>,
        data: &serde_json::Value,
    ) -> Result<Outcome> {
        let acted_at = utc_text(acted_at);
        let dedup = dedup_key(target, action, &acted_at, &subject_who(subject), None);
        let duplicate = self.is_duplicate(dedup)?;
        if !duplicate {
            let held = Held {
                acted_at,
                acted_at_original: None,
                scan_sha256: None,
                dedup,
                data: ledger::canonical_json(data)?,
            };
            self.hold(subject, target, action, channel, held)?;
        }
        Ok(Outcome {
            subject: subject.to_string(),
            duplicate,
            new_subject: false,
        })
    }

    fn is_duplicate(&mut self, dedup: i64) -> Result<bool> {
        Ok(self.seen.contains(&dedup)
            || self
                .tx
                .prepare_cached("SELECT 1 FROM consents WHERE dedup_key = ?1")?
                .exists([&dedup])?)
    }

    /// Commits to the data with the subject's key and holds the action for the next batch.
    fn hold(&mut self, subject: &str, target: &Target, action: Action, channel: Channel, h: Held) -> Result<()> {
        let commitment = subjects::commitment(self.key(subject)?, &h.data);
        self.seen.insert(h.dedup);
        self.pending.push(Pending {
            subject: subject.to_string(),
            target: target.clone(),
            action,
            channel,
            held: h,
            commitment,
        });
        self.added += 1;
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let events: Vec<NewEvent> = self
            .pending
            .iter()
            .map(|p| {
                let mut body = json!({
                    "agreement": p.target.agreement,
                    "version": p.target.version,
                    "label": version_label(p.target.agreement, p.target.version),
                    "content_sha256": p.target.content_sha256,
                    "channel": p.channel.as_str(),
                    "acted_at": p.held.acted_at,
                    "commitment": p.commitment,
                });
                if let Some(i) = self.import_id {
                    body["import"] = json!(i);
                }
                if let Some(h) = &p.held.scan_sha256 {
                    body["scan_sha256"] = json!(h);
                }
                NewEvent::new(&format!("consent.{}", p.action.as_str()), body).about(&p.subject)
            })
            .collect();
        let seqs = ledger::append(self.tx, &self.actor, &events)?;
        let mut data = self.tx.prepare_cached(
            "INSERT INTO subject_data (subject_id, event_seq, data) VALUES (?1, ?2, ?3)",
        )?;
        let mut row = self.tx.prepare_cached(
            "INSERT INTO consents (subject_id, agreement_id, version, action, acted_at, acted_at_original,
                recorded_at, channel, scan_sha256, import_id, dedup_key, event_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for (p, seq) in self.pending.drain(..).zip(seqs) {
            data.execute(params![p.subject, seq as i64, p.held.data])?;
            row.execute(params![
                p.subject,
                p.target.agreement as i64,
                p.target.version,
                p.action.as_str(),
                p.held.acted_at,
                p.held.acted_at_original,
                self.now,
                p.channel.as_str(),
                p.held.scan_sha256,
                self.import_id,
                p.held.dedup,
                seq as i64,
            ])?;
        }
        drop((data, row));
        self.reindex()?;
        // Everything written is now in the database: the caches start over,
        // so memory stays bounded by the batch, not the file.
        self.contacts.clear();
        self.keys.clear();
        self.seen.clear();
        self.stored.clear();
        Ok(())
    }

    /// Writes the search entries of the subjects created or touched since the last batch.
    fn reindex(&mut self) -> Result<()> {
        for (_, entry) in self.fresh.drain() {
            entry.insert(self.tx)?;
        }
        for subject in self.touched.drain() {
            search::reindex_subject(self.tx, &subject)?;
        }
        Ok(())
    }

    /// Writes what is still held. Call it before committing.
    pub fn finish(mut self) -> Result<u64> {
        self.flush()?;
        Ok(self.added)
    }
}
