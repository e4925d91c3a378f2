//! Settings kept in the vault because deadlines depend on them (the GDPR
//! country, the request rules, calendar years): each change is a ledger event.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;

use crate::calendar::Calendar;
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::ledger::{self, NewEvent};

/// The ISO 3166-1 country whose public holidays GDPR deadlines roll past.
pub const GDPR_COUNTRY: &str = "gdpr_country";
/// The vault's own request rules (JSON), replacing the shipped ones.
pub const RULES: &str = "request_rules";
/// The vault's own incident rules (JSON), replacing the shipped ones.
pub const INCIDENT_RULES: &str = "incident_rules";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM vault_settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Sets (or with None clears) a setting; event `settings.changed` with the
/// value for short settings and its SHA-256 for documents. Returns the seq,
/// or None when nothing changed.
pub(crate) fn put(tx: &Transaction, actor: &str, key: &str, value: Option<&str>) -> Result<Option<u64>> {
    crate::operators::require(tx, crate::operators::Need::Owner, "changing the vault's settings")?;
    if get(tx, key)?.as_deref() == value {
        return Ok(None);
    }
    let shown = match (key, value) {
        (RULES | INCIDENT_RULES | crate::documents::profile::KEY, Some(v)) => json!({ "sha256": sha256_hex(v.as_bytes()) }),
        (_, v) => json!(v),
    };
    let seq = ledger::append(tx, actor, &[NewEvent::new("settings.changed", json!({ "key": key, "value": shown }))])?[0];
    match value {
        Some(v) => tx.execute(
            "INSERT INTO vault_settings (key, value, event_seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, event_seq = excluded.event_seq",
            params![key, v, seq as i64],
        )?,
        None => tx.execute("DELETE FROM vault_settings WHERE key = ?1", [key])?,
    };
    Ok(Some(seq))
}

/// Sets the GDPR country (two letters, e.g. DE) or clears it.
pub fn set_country(tx: &Transaction, actor: &str, country: Option<&str>) -> Result<Option<u64>> {
    let c = country.map(|c| c.trim().to_ascii_uppercase()).filter(|c| !c.is_empty());
    if let Some(c) = &c {
        if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
            return Err(Error::Invalid(format!(
                "{c:?} is not a country code: use two letters (ISO 3166-1), e.g. DE or FR"
            )));
        }
    }
    let changed = put(tx, actor, GDPR_COUNTRY, c.as_deref())?;
    if changed.is_some() {
        super::redate_open(tx)?;
    }
    Ok(changed)
}

/// Replaces the request rules with the file's (checked first), or restores the shipped ones.
pub fn set_rules(tx: &Transaction, actor: &str, text: Option<&str>) -> Result<Option<u64>> {
    if let Some(t) = text {
        super::rules::Rules::parse(t)?;
    }
    let changed = put(tx, actor, RULES, text)?;
    if changed.is_some() {
        super::redate_open(tx)?;
    }
    Ok(changed)
}

/// One deadline of the rules in force, as Settings and `request rules` list it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleRow {
    /// "152-fz" or "gdpr".
    pub law: String,
    pub kind: super::Kind,
    pub period: crate::calendar::Period,
    pub extension: Option<crate::calendar::Period>,
    pub source: String,
    pub source_ru: Option<String>,
    pub confidence: String,
}

/// The request rules in force and where they come from.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct RulesInfo {
    /// The vault's own rules are in force (else the shipped ones).
    pub own: bool,
    /// SHA-256 of the rules file in force.
    pub sha256: String,
    /// The event that made the vault's own rules the rules in force.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub event_seq: Option<u64>,
    pub deadlines: Vec<RuleRow>,
    /// The rules file in force, as written (for saving and editing).
    #[serde(skip)]
    pub text: String,
}

/// Which request rules are in force, with their deadlines.
pub fn rules_info(conn: &Connection) -> Result<RulesInfo> {
    let own: Option<(String, i64)> = conn
        .prepare_cached("SELECT value, event_seq FROM vault_settings WHERE key = ?1")?
        .query_row([RULES], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (text, seq) = match own {
        Some((t, s)) => (t, Some(s as u64)),
        None => (super::rules::SHIPPED.to_string(), None),
    };
    let rules = super::rules::Rules::parse(&text)?;
    let mut deadlines = vec![];
    for law in [super::Law::Fz152, super::Law::Gdpr] {
        for &kind in super::Kind::ALL {
            let d = rules.deadline(kind, law)?;
            deadlines.push(RuleRow {
                law: law.as_str().into(),
                kind,
                period: d.period,
                extension: d.extension,
                source: d.source.clone(),
                source_ru: d.source_ru.clone(),
                confidence: d.confidence.clone(),
            });
        }
    }
    Ok(RulesInfo { own: seq.is_some(), sha256: sha256_hex(text.as_bytes()), event_seq: seq, deadlines, text })
}

/// What loading a calendar file stored.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadedYear {
    pub region: String,
    pub year: i32,
    pub status: String,
    pub sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
}

/// Loads the years of a calendar file into the vault (each replacing the
/// shipped or earlier loaded year), event `calendar.loaded` per year, and
/// recomputes the deadlines of open requests. All or nothing.
pub fn load_calendar(tx: &Transaction, actor: &str, text: &str) -> Result<Vec<LoadedYear>> {
    crate::operators::require(tx, crate::operators::Need::Owner, "loading a calendar")?;
    let years = Calendar::parse(text)?;
    if years.is_empty() {
        return Err(Error::Invalid("the calendar file holds no year".into()));
    }
    let mut out = vec![];
    for y in years {
        let body = ledger::canonical_json(
            &serde_json::to_value(&y).map_err(|e| Error::Invalid(e.to_string()))?,
        )?;
        let sha = sha256_hex(body.as_bytes());
        let status = serde_json::to_value(y.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let seq = ledger::append(
            tx,
            actor,
            &[NewEvent::new(
                "calendar.loaded",
                json!({ "region": y.region, "year": y.year, "status": status, "sha256": sha }),
            )],
        )?[0];
        tx.execute(
            "INSERT INTO calendar_years (region, year, body, sha256, event_seq) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (region, year) DO UPDATE SET body = excluded.body, sha256 = excluded.sha256, event_seq = excluded.event_seq",
            params![y.region, y.year, body, sha, seq as i64],
        )?;
        out.push(LoadedYear { region: y.region.clone(), year: y.year, status, sha256: sha, seq });
    }
    super::redate_open(tx)?;
    Ok(out)
}
