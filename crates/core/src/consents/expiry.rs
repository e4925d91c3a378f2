//! Consents that end with their term: an agreement version that states its
//! term in months (`expires_after_months`) makes each consent given to it
//! expire that many months later, unless the same person acted on the
//! agreement again since. Expiry is recorded as `consent.expired`, like any
//! other action, when an operator asks for it (nothing changes by itself).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Months, Utc};
use rusqlite::{Connection, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::ledger::utc_text;
use super::{same_person, Action, Channel, Recorder, Target};
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

/// The latest action of one subject on one agreement that counts (an
/// expiry does not: see [`due`]).
struct Latest {
    acted_at: String,
    id: i64,
    version: u32,
    given: bool,
}

/// Every consent due to expire at `now`, oldest first.
///
/// One pass over the register in its stored order (no lookup per consent:
/// a million consents take about a second, where a query per candidate took
/// several): the latest action of each subject on each agreement whose
/// version states a term, and the expiries already recorded.
pub fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let mut terms: HashMap<(u64, u32), (Target, u32)> = HashMap::new();
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
                    terms.insert((s.agreement, s.version), (target, m));
                }
            }
        }
    }
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let agreements: HashSet<u64> = terms.keys().map(|k| k.0).collect();
    let mut latest: HashMap<(String, u64), Latest> = HashMap::new();
    // (subject, agreement, version, acted_at) of each recorded expiry.
    let mut expired: HashSet<(String, u64, u32, String)> = HashSet::new();
    {
        let mut st = conn.prepare(
            "SELECT subject_id, agreement_id, version, action, acted_at, id FROM consents NOT INDEXED",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let agreement = r.get::<_, i64>(1)? as u64;
            if !agreements.contains(&agreement) {
                continue;
            }
            let (version, id) = (r.get::<_, u32>(2)?, r.get::<_, i64>(5)?);
            // Read in place: most rows are compared, few kept.
            let text = |i: usize| -> rusqlite::Result<&str> {
                r.get_ref(i)?.as_str().map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
                })
            };
            let (subject, action, acted_at) = (text(0)?, text(3)?, text(4)?);
            if action == "expired" {
                expired.insert((subject.to_string(), agreement, version, acted_at.to_string()));
                continue;
            }
            let given = action == "given";
            match latest.get_mut(&(subject.to_string(), agreement)) {
                Some(l) if (l.acted_at.as_str(), l.id) >= (acted_at, id) => {}
                Some(l) => *l = Latest { acted_at: acted_at.to_string(), id, version, given },
                None => {
                    let l = Latest { acted_at: acted_at.to_string(), id, version, given };
                    latest.insert((subject.to_string(), agreement), l);
                }
            }
        }
    }
    let erased = conn
        .prepare("SELECT id FROM subjects WHERE erased_at IS NOT NULL OR hmac_key IS NULL")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<HashSet<String>>>()?;
    let merged = conn
        .prepare("SELECT absorbed FROM subject_merges UNION SELECT into_id FROM subject_merges")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<HashSet<String>>>()?;
    let mut out = Vec::new();
    for ((subject, agreement), l) in &latest {
        if !l.given || erased.contains(subject) {
            continue;
        }
        let Some((target, months)) = terms.get(&(*agreement, l.version)) else { continue };
        let Some(ends) = parse_utc(&l.acted_at).and_then(|t| t.checked_add_months(Months::new(*months))) else {
            continue;
        };
        if ends > now {
            continue;
        }
        // Its expiry is recorded already. (An expiry never replaces a
        // consent: a merge or a late import may put a consent after it.)
        let ends_text = utc_text(ends);
        if expired.contains(&(subject.clone(), *agreement, l.version, ends_text.clone())) {
            continue;
        }
        // One person recorded under several merged subjects: a later
        // action under any of them replaces this consent too.
        if merged.contains(subject) {
            let root = super::current_subject(conn, subject)?;
            let replaced = same_person(conn, &root)?.into_iter().any(|s| {
                latest.get(&(s, *agreement)).is_some_and(|o| o.acted_at > l.acted_at)
            });
            if replaced {
                continue;
            }
        }
        out.push(Due {
            subject: subject.clone(),
            label: version_label(target.agreement, target.version),
            given_at: l.acted_at.clone(),
            expires_at: ends_text,
            given_seq: l.id as u64,
            target: target.clone(),
            months: *months,
        });
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
