//! Consents that end with their term: an agreement version that states its
//! term in months (`expires_after_months`) makes each consent given to it
//! expire that many months later, unless the same person acted on the
//! agreement again since. Expiry is recorded as `consent.expired`, like any
//! other action, when an operator asks for it (nothing changes by itself).

use chrono::{DateTime, Months, Utc};
use rusqlite::{Connection, Transaction};
use serde::Serialize;
use serde_json::json;

use super::recorder::subject_who;
use crate::ledger::utc_text;
use super::{dedup_key, same_person, Action, Channel, Recorder, Target};
use crate::agreements::{version_label, Snapshot};
use crate::error::Result;

/// A consent whose term has ended and that no later action replaced.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub subject: String,
    /// The version label, e.g. A3-v2.
    pub label: String,
    pub given_at: String,
    pub expires_at: String,
    /// The ledger event of the consent that expires.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub given_seq: u64,
    #[cfg_attr(feature = "ts", ts(skip))]
    #[serde(skip)]
    target: Target,
    #[cfg_attr(feature = "ts", ts(skip))]
    #[serde(skip)]
    months: u32,
}

fn parse_utc(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// Every consent due to expire at `now`, oldest first.
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let mut terms = Vec::new();
    {
        let mut st = conn.prepare(
            "SELECT content, content_hash FROM agreement_versions WHERE status = 'published'",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let (content, hash): (String, String) = (r.get(0)?, r.get(1)?);
            // A snapshot that does not parse is reported by verify; it sets no term here.
            if let Ok(s) = serde_json::from_str::<Snapshot>(&content) {
                if let Some(m) = s.content.expires_after_months {
                    let target = Target { agreement: s.agreement, version: s.version, content_sha256: hash };
                    terms.push((target, m));
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut latest = conn.prepare_cached(
        "SELECT c.subject_id, c.acted_at, c.id FROM consents c
         JOIN subjects s ON s.id = c.subject_id
         WHERE c.agreement_id = ?1 AND c.version = ?2 AND c.action = 'given' AND c.acted_at <= ?3
           AND s.erased_at IS NULL
           AND NOT EXISTS (SELECT 1 FROM consents d
                WHERE d.subject_id = c.subject_id AND d.agreement_id = c.agreement_id AND d.action <> 'expired'
                  AND (d.acted_at > c.acted_at OR (d.acted_at = c.acted_at AND d.id > c.id)))
         ORDER BY c.acted_at, c.id",
    )?;
    let mut merged = conn.prepare_cached(
        "SELECT 1 FROM subject_merges WHERE absorbed = ?1 OR into_id = ?1 LIMIT 1",
    )?;
    let mut later_in_group = conn.prepare_cached(
        "SELECT 1 FROM consents WHERE subject_id = ?1 AND agreement_id = ?2 AND acted_at > ?3
           AND action <> 'expired' LIMIT 1",
    )?;
    let mut recorded = conn.prepare_cached("SELECT 1 FROM consents WHERE acted_at = ?1 AND dedup_key = ?2")?;
    for (target, months) in terms {
        // Nothing given after this moment has ended yet; what was given
        // before is checked exactly below. (Month arithmetic clamps to the
        // month's end, so the bound is `months` back plus four days.)
        let Some(cutoff) = now.checked_sub_months(Months::new(months)) else { continue };
        let cutoff = cutoff + chrono::Duration::days(4);
        let rows = latest
            .query_map(
                rusqlite::params![target.agreement as i64, target.version, utc_text(cutoff)],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)),
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (subject, given_at, seq) in rows {
            let Some(ends) = parse_utc(&given_at).and_then(|t| t.checked_add_months(Months::new(months))) else {
                continue;
            };
            if ends > now {
                continue;
            }
            // Its expiry is recorded already. (An expiry never replaces a
            // consent: a merge or a late import may put a consent after it.)
            let ends_text = utc_text(ends);
            let key = dedup_key(&target, Action::Expired, &ends_text, &subject_who(&subject), None);
            if recorded.exists(rusqlite::params![ends_text, key])? {
                continue;
            }
            // One person recorded under several merged subjects: a later
            // action under any of them replaces this consent too.
            if merged.exists([&subject])? {
                let root = super::current_subject(conn, &subject)?;
                let mut replaced = false;
                for s in same_person(conn, &root)? {
                    replaced |= later_in_group.exists(rusqlite::params![s, target.agreement as i64, given_at])?;
                }
                if replaced {
                    continue;
                }
            }
            out.push(Due {
                subject,
                label: version_label(target.agreement, target.version),
                given_at,
                expires_at: ends_text,
                given_seq: seq as u64,
                target: target.clone(),
                months,
            });
        }
    }
    out.sort_by(|a, b| (&a.expires_at, a.given_seq).cmp(&(&b.expires_at, b.given_seq)));
    Ok(out)
}

/// Records `consent.expired` for every consent [`due`] at `now`, at the
/// moment its term ended; returns how many were recorded.
pub fn record_due(tx: &Transaction, actor: &str, now: DateTime<Utc>) -> Result<u64> {
    let due = due(tx, now)?;
    let mut rec = Recorder::new(tx, actor, None)?;
    for d in &due {
        let ends = parse_utc(&d.expires_at).expect("formatted above");
        let data = json!({ "expired_consent": d.given_seq, "term_months": d.months });
        rec.add_for_subject(&d.subject, &d.target, Action::Expired, Channel::Other, ends, &data)?;
    }
    rec.finish()
}
