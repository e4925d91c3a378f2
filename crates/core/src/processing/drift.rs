//! Drift between the processing register and the agreements: what the
//! newest published version of an agreement an activity relies on collects
//! (its data items and its form's fields) or shares (its third parties)
//! that the activity does not list. Shown on both sides: on the activity,
//! and on the agreement for every activity that relies on it.

use rusqlite::Connection;
use serde::Serialize;

use super::{active, Activity};
use crate::agreements::{self, model::version_label};
use crate::consents::search::fold;
use crate::error::Result;

/// The same list item: compared without case, repeated spaces or the ё/е difference.
pub(crate) fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| fold(s).to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ");
    norm(a) == norm(b)
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// The agreement collects data the activity does not list.
    Data,
    /// The agreement names a processor or recipient the activity does not.
    ThirdParty,
}

/// One thing an agreement has that an activity does not list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// The activity (0 while it is not recorded yet).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub activity: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub agreement: u64,
    pub version: u32,
    /// e.g. `A3-v2`.
    pub label: String,
    pub kind: DriftKind,
    /// The data item or the third party's name, as the agreement writes it.
    pub value: String,
}

fn compare(conn: &Connection, activity: u64, a: &Activity, agreement: u64, out: &mut Vec<Drift>) -> Result<()> {
    let Some(version) = agreements::newest_published(conn, agreement)? else {
        return Ok(());
    };
    let c = agreements::view(conn, agreement, Some(version))?.content;
    let mut seen: Vec<&str> = Vec::new();
    let add = |kind, value: &str, out: &mut Vec<Drift>| {
        out.push(Drift { activity, agreement, version, label: version_label(agreement, version), kind, value: value.to_string() });
    };
    for item in c.data_items.iter().chain(c.form_fields.iter()) {
        let listed = a.data_categories.iter().chain(a.special_categories.iter()).any(|d| same(d, item));
        if !listed && !seen.iter().any(|s| same(s, item)) {
            seen.push(item);
            add(DriftKind::Data, item, out);
        }
    }
    for t in &c.third_parties {
        if !t.name.trim().is_empty() && !a.recipients.iter().any(|r| same(&r.name, &t.name)) {
            add(DriftKind::ThirdParty, t.name.trim(), out);
        }
    }
    Ok(())
}

/// What the agreements `a` relies on collect or share that it does not list
/// (`activity` is its id, 0 for one not recorded yet).
pub fn drift_for(conn: &Connection, activity: u64, a: &Activity) -> Result<Vec<Drift>> {
    let mut out = Vec::new();
    for &agreement in &a.agreements {
        compare(conn, activity, a, agreement, &mut out)?;
    }
    Ok(out)
}

/// [`drift_for`] an activity not recorded yet.
pub fn drift(conn: &Connection, a: &Activity) -> Result<Vec<Drift>> {
    drift_for(conn, 0, a)
}

/// The agreement's side: for every active activity that relies on it, what
/// its newest published version has that the activity does not list.
pub fn drift_of_agreement(conn: &Connection, agreement: u64) -> Result<Vec<Drift>> {
    let mut out = Vec::new();
    for (id, a) in active(conn)? {
        if a.agreements.contains(&agreement) {
            compare(conn, id, &a, agreement, &mut out)?;
        }
    }
    Ok(out)
}
