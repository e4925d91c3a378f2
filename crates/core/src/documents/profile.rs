//! What documents say about the operator beyond its requisites: who signs
//! letters, the information system's name and the people who destroy data
//! (Roskomnadzor order No. 179), and the statements an access answer must
//! make that only the operator can (cross-border transfer, art. 18.1
//! measures, automated decisions, other information). Kept in the vault as
//! a setting (`documents_profile`, JSON); each change is a `settings.changed`
//! event with its SHA-256.

use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::requests::settings;

pub const KEY: &str = "documents_profile";

/// Longest text of one field.
const MAX: usize = 4000;

/// Someone named in documents: a signatory, a person who destroyed data.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Official {
    pub name: String,
    pub position: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "ts", ts(rename = "DocumentsProfile"))]
pub struct Profile {
    /// Who signs letters (empty: the requisites' contact person).
    pub signatory: Official,
    /// The information system's name (destruction acts: order 179 п. 3 ж).
    pub information_system: String,
    /// The people who destroy data (order 179 п. 3 г).
    pub destroyers: Vec<Official>,
    /// Cross-border transfer done or planned (152-FZ art. 14 part 7 item 8; GDPR Art. 15(1)(c), 15(2)).
    pub cross_border: String,
    /// How the operator meets art. 18.1 (152-FZ art. 14 part 7 item 9.1).
    pub measures: String,
    /// Automated decisions and profiling (GDPR Art. 15(1)(h)).
    pub automated: String,
    /// Other information federal law requires (152-FZ art. 14 part 7 item 10).
    pub other: String,
}

/// The profile in force (empty fields where nothing was set).
pub fn get(conn: &Connection) -> Result<Profile> {
    match settings::get(conn, KEY)? {
        Some(t) => serde_json::from_str(&t).map_err(|e| Error::Invalid(format!("the documents profile is not valid: {e}"))),
        None => Ok(Profile::default()),
    }
}

fn clean(s: &str, what: &str) -> Result<String> {
    let t = s.trim();
    if t.chars().count() > MAX {
        return Err(Error::Invalid(format!("{what} is longer than {MAX} characters")));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::Invalid(format!("{what} contains control characters")));
    }
    Ok(t.to_string())
}

/// Stores the profile (checked, trimmed); the seq of its event, None if nothing changed.
pub fn set(tx: &Transaction, actor: &str, p: &Profile) -> Result<Option<u64>> {
    crate::operators::require(tx, crate::operators::Need::Owner, "changing the documents profile")?;
    let o = |x: &Official, what: &str| -> Result<Official> {
        Ok(Official { name: clean(&x.name, &format!("{what}: the name"))?, position: clean(&x.position, &format!("{what}: the position"))? })
    };
    let clean_p = Profile {
        signatory: o(&p.signatory, "the signatory")?,
        information_system: clean(&p.information_system, "the information system's name")?,
        destroyers: p
            .destroyers
            .iter()
            .map(|d| o(d, "a person who destroys data"))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|d| !d.name.is_empty())
            .collect(),
        cross_border: clean(&p.cross_border, "the cross-border statement")?,
        measures: clean(&p.measures, "the art. 18.1 statement")?,
        automated: clean(&p.automated, "the automated decisions statement")?,
        other: clean(&p.other, "the other information")?,
    };
    if let Some(d) = clean_p.destroyers.iter().find(|d| d.position.is_empty()) {
        return Err(Error::Invalid(format!("{}: give the position too (order 179 names each person's position)", d.name)));
    }
    let text = if clean_p == Profile::default() {
        None
    } else {
        Some(serde_json::to_string(&clean_p).map_err(|e| Error::Invalid(e.to_string()))?)
    };
    settings::put(tx, actor, KEY, text.as_deref())
}
