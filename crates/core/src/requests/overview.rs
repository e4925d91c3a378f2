//! The home screen's figures: open requests by due date, what is overdue or
//! due this week, pending follow-on deadlines, counts by status and kind,
//! and consent activity per month over the last twelve months.

use chrono::{Datelike, NaiveDate};
use rusqlite::Connection;
use serde::Serialize;

use super::{followups, list, FollowupItem, Filter, Item};
use crate::error::Result;

/// Consent actions in one month.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Month {
    /// YYYY-MM
    pub month: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub given: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refused: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub withdrawn: u64,
}

/// A count by a name (a status or a kind).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub n: u64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub today: String,
    /// The most urgent open requests (at most 50), by due date.
    pub open: Vec<Item>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub open_total: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub overdue: u64,
    /// Open, due today or in the next six days.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub due_this_week: u64,
    /// Follow-on deadlines not met yet (at most 50), by due date.
    pub followups: Vec<FollowupItem>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub followups_pending: u64,
    /// Every request by status.
    pub by_status: Vec<Count>,
    /// Open requests by kind.
    pub by_kind: Vec<Count>,
    /// The last twelve months, oldest first.
    pub months: Vec<Month>,
    /// The GDPR country whose holidays count; None: weekends only.
    pub gdpr_country: Option<String>,
    /// Destruction acts whose three years of retention end within 60 days or have ended.
    pub acts_due: Vec<crate::documents::Issued>,
    /// Incident notices required and not sent yet (the countdowns), overdue first.
    pub incidents_due: Vec<crate::incidents::Due>,
    /// The time they are counted from (RFC 3339 UTC).
    pub now: String,
}

fn counts(conn: &Connection, sql: &str) -> Result<Vec<Count>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([], |r| Ok(Count { name: r.get(0)?, n: r.get::<_, i64>(1)? as u64 }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn one(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<u64> {
    Ok(conn.prepare_cached(sql)?.query_row(args, |r| r.get::<_, i64>(0))? as u64)
}

/// The twelve months ending with `today`'s, as YYYY-MM.
fn last_months(today: NaiveDate) -> Vec<String> {
    let (mut y, mut m) = (today.year(), today.month() as i32);
    let mut out = vec![];
    for _ in 0..12 {
        out.push(format!("{y:04}-{m:02}"));
        m -= 1;
        if m == 0 {
            m = 12;
            y -= 1;
        }
    }
    out.reverse();
    out
}

pub fn overview(conn: &Connection, today: NaiveDate) -> Result<Overview> {
    let now = chrono::Utc::now();
    const OPEN: &str = "status IN ('received', 'identity_check', 'in_progress')";
    let t = today.to_string();
    let week = (today + chrono::Days::new(6)).to_string();
    let open = list(conn, &Filter { open: true, ..Default::default() }, None, 50, today)?;
    let months = last_months(today);
    let mut chart: Vec<Month> = months
        .iter()
        .map(|m| Month { month: m.clone(), given: 0, refused: 0, withdrawn: 0 })
        .collect();
    {
        let mut stmt = conn.prepare_cached("SELECT month, action, n FROM consent_months WHERE month >= ?1 AND month <= ?2")?;
        let rows = stmt
            .query_map([&months[0], &months[11]], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (m, a, n) in rows {
            if let Some(slot) = chart.iter_mut().find(|c| c.month == m) {
                match a.as_str() {
                    "given" => slot.given += n as u64,
                    "refused" => slot.refused += n as u64,
                    "withdrawn" => slot.withdrawn += n as u64,
                    _ => {}
                }
            }
        }
    }
    let mut pending = followups(conn, None, true, today)?;
    let followups_pending = pending.len() as u64;
    pending.truncate(50);
    Ok(Overview {
        today: t.clone(),
        open,
        open_total: one(conn, &format!("SELECT count(*) FROM requests WHERE {OPEN}"), [])?,
        overdue: one(conn, &format!("SELECT count(*) FROM requests WHERE {OPEN} AND due < ?1"), [&t])?,
        due_this_week: one(conn, &format!("SELECT count(*) FROM requests WHERE {OPEN} AND due >= ?1 AND due <= ?2"), [&t, &week])?,
        followups: pending,
        followups_pending,
        by_status: counts(conn, "SELECT status, count(*) FROM requests GROUP BY status ORDER BY status")?,
        by_kind: counts(conn, &format!("SELECT kind, count(*) FROM requests WHERE {OPEN} GROUP BY kind ORDER BY kind"))?,
        months: chart,
        gdpr_country: super::rules::country_of(conn)?,
        acts_due: crate::documents::act::due_for_destruction(conn, today, 60)?,
        incidents_due: crate::incidents::due(conn, now)?,
        now: crate::ledger::utc_text(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_end_with_this_one_across_a_new_year() {
        let m = last_months(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
        assert_eq!(m.len(), 12);
        assert_eq!(m[0], "2025-04");
        assert_eq!(m[8], "2025-12");
        assert_eq!(m[11], "2026-03");
    }
}
