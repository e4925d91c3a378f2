//! Writes consent actions in batches inside one transaction: matches or
//! creates subjects, skips duplicates, appends the `consent.*` events in one
//! call per batch, stores the personal data and keeps the search index.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{params, Transaction};
use serde::Serialize;
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

/// An intake checked and normalised, with everything recording it needs
/// that no lookup in the database gives: the time as stored, who it is
/// about (for the dedup key), the normalised phone and the personal data as
/// canonical JSON. Built by [`Recorder::add`], or beforehand on an import's
/// reading thread, which leaves the writing thread only database work.
pub(crate) struct Prepared {
    intake: Intake,
    /// None: the moment of recording.
    acted_at: Option<String>,
    who: String,
    phone: Option<String>,
    data: String,
}

impl Prepared {
    /// The normalised e-mail and phone, as the suppression list hashes them.
    pub(crate) fn contact_keys(&self) -> impl Iterator<Item = &str> {
        self.intake.email.as_deref().into_iter().chain(self.phone.as_deref())
    }

    pub(crate) fn new(intake: Intake) -> Result<Self> {
        let intake = intake.normalized()?;
        Ok(Prepared {
            acted_at: intake.acted_at.map(utc_text),
            who: intake_who(&intake),
            phone: intake.phone.as_deref().and_then(normalize_phone),
            data: ledger::canonical_json(&intake.data())?,
            intake,
        })
    }
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
fn subject_who(subject: &str) -> String {
    format!("subject:{subject}")
}

/// The body of a `consent.*` event. Fields in RFC 8785 order: see
/// [`NewEvent::with_sorted_fields`].
#[derive(Serialize)]
struct ConsentBody<'a> {
    acted_at: &'a str,
    agreement: u64,
    channel: &'a str,
    commitment: &'a str,
    content_sha256: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    import: Option<i64>,
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scan_sha256: Option<&'a str>,
    version: u32,
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
    /// (acted_at, dedup key) of the actions held: unique together, as in the register.
    seen: HashSet<(String, i64)>,
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
        // The oldest live subject with this contact. (Picked here, not by
        // ORDER BY ... LIMIT 1, for which SQLite builds a temporary B-tree
        // on every call; there is almost always one row.)
        let found: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT s.rowid, c.subject_id FROM subject_contacts c JOIN subjects s ON s.id = c.subject_id
                 WHERE c.kind = ?1 AND c.value = ?2 AND s.erased_at IS NULL",
            )?
            .query_map(params![kind, value], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .min()
            .map(|(_, s)| s);
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
        self.add_prepared(target, action, channel, Prepared::new(intake)?)
    }

    /// [`add`](Self::add) of an intake prepared beforehand (an import
    /// prepares its rows on its reading thread).
    pub(crate) fn add_prepared(&mut self, target: &Target, action: Action, channel: Channel, p: Prepared) -> Result<Outcome> {
        let Prepared { intake, acted_at, who, phone, data } = p;
        let acted_at = acted_at.unwrap_or_else(|| self.now.clone());
        let dedup = dedup_key(target, action, &acted_at, &who, intake.url.as_deref());
        let email = intake.email;

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
        if self.is_duplicate(&acted_at, dedup)? {
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
                let (s, rowid, key) = subjects::create_row(self.tx, &self.now)?;
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
        if let Some(n) = intake.name {
            self.remember(&subject, "name", n)?;
        }
        let held = Held {
            acted_at,
            acted_at_original: intake.acted_at_original,
            scan_sha256: intake.scan_sha256,
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
        let duplicate = self.is_duplicate(&acted_at, dedup)?;
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

    fn is_duplicate(&mut self, acted_at: &str, dedup: i64) -> Result<bool> {
        Ok(self.seen.contains(&(acted_at.to_string(), dedup))
            || self
                .tx
                .prepare_cached("SELECT 1 FROM consents WHERE acted_at = ?1 AND dedup_key = ?2")?
                .exists(params![acted_at, dedup])?)
    }

    /// Commits to the data with the subject's key and holds the action for the next batch.
    fn hold(&mut self, subject: &str, target: &Target, action: Action, channel: Channel, h: Held) -> Result<()> {
        let commitment = subjects::commitment(self.key(subject)?, &h.data);
        self.seen.insert((h.acted_at.clone(), h.dedup));
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
        let events = self
            .pending
            .iter()
            .map(|p| {
                let body = ConsentBody {
                    acted_at: &p.held.acted_at,
                    agreement: p.target.agreement,
                    channel: p.channel.as_str(),
                    commitment: &p.commitment,
                    content_sha256: &p.target.content_sha256,
                    import: self.import_id,
                    label: version_label(p.target.agreement, p.target.version),
                    scan_sha256: p.held.scan_sha256.as_deref(),
                    version: p.target.version,
                };
                Ok(NewEvent::with_sorted_fields(&format!("consent.{}", p.action.as_str()), &body)?.about(&p.subject))
            })
            .collect::<Result<Vec<_>>>()?;
        let seqs = ledger::append(self.tx, &self.actor, &events)?;
        let mut data = self.tx.prepare_cached(
            "INSERT INTO subject_data (subject_id, event_seq, data) VALUES (?1, ?2, ?3)",
        )?;
        let mut row = self.tx.prepare_cached(
            "INSERT INTO consents (id, subject_id, agreement_id, version, action, acted_at, acted_at_original,
                recorded_at, channel, scan_sha256, import_id, dedup_key)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        // Actions per month and action, for the overview's chart.
        let mut months: HashMap<(&str, &'static str), i64> = HashMap::new();
        for p in &self.pending {
            *months.entry((&p.held.acted_at[..7.min(p.held.acted_at.len())], p.action.as_str())).or_default() += 1;
        }
        let mut month = self.tx.prepare_cached(
            "INSERT INTO consent_months (month, action, n) VALUES (?1, ?2, ?3)
             ON CONFLICT (month, action) DO UPDATE SET n = n + excluded.n",
        )?;
        for ((m, a), n) in months {
            month.execute(params![m, a, n])?;
        }
        drop(month);
        for (p, seq) in self.pending.drain(..).zip(seqs) {
            data.execute(params![p.subject, seq as i64, p.held.data])?;
            row.execute(params![
                seq as i64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The body written without a `Value` is the RFC 8785 text of the same
    /// object, with and without the optional fields, whatever the strings hold.
    #[test]
    fn consent_body_is_canonical_json() {
        for (import, scan) in [(None, None), (Some(7), Some("ab\"c\\d\u{1}é</script>\n"))] {
            let body = ConsentBody {
                acted_at: "2025-01-02T03:04:05.000000Z",
                agreement: 3,
                channel: "web_form",
                commitment: "hmac-sha256:00ff",
                content_sha256: "Ω\u{7f}\u{2028}",
                import,
                label: version_label(3, 2),
                scan_sha256: scan,
                version: 2,
            };
            let mut want = json!({
                "acted_at": body.acted_at, "agreement": 3, "channel": "web_form",
                "commitment": body.commitment, "content_sha256": body.content_sha256,
                "label": body.label, "version": 2,
            });
            if let Some(i) = import {
                want["import"] = json!(i);
            }
            if let Some(h) = scan {
                want["scan_sha256"] = json!(h);
            }
            let want = ledger::reference_canonical_json(&want).unwrap();
            assert_eq!(serde_json::to_string(&body).unwrap(), want);
        }
    }
}
