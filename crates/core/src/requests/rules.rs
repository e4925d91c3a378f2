//! The legal rules of requests as data: each kind's deadline and extension
//! under each law, the follow-on deadlines a fulfilment starts, and the
//! grounds a refusal may cite (`crates/core/templates/requests/rules.json`,
//! replaceable per vault), and the deadlines they give over the calendar.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{Kind, Law};
use crate::calendar::{Basis, Calendar, Due, Period};
use crate::error::{Error, Result};

pub(crate) const SHIPPED: &str = include_str!("../../templates/requests/rules.json");

/// One kind's deadline under one law.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub period: Period,
    /// The longest extension allowed (with written reasons and a notice), if any.
    pub extension: Option<Period>,
    pub source: String,
    /// The same source in Russian (the Russian interface and documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ru: Option<String>,
    /// H, M or U as in legal-facts.
    pub confidence: String,
}

/// A deadline that fulfilling a request starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Followup {
    /// destroy, stop
    pub kind: String,
    /// received (counted from the request's receipt) or fulfilled.
    pub from: String,
    pub period: Period,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ru: Option<String>,
    pub confidence: String,
}

/// A ground a refusal may cite.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", ts(rename = "RefusalReason"))]
pub struct Reason {
    pub code: String,
    pub ground: String,
    /// The ground in Russian (Russian letters cite it).
    #[serde(default)]
    pub ground_ru: String,
    pub confidence: String,
    pub en: String,
    pub ru: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    #[serde(default)]
    pub about: String,
    /// law ("152-fz", "gdpr") → kind → deadline.
    pub deadlines: BTreeMap<String, BTreeMap<String, Deadline>>,
    /// "withdrawal", "objection", "unlawful" → follow-on deadlines.
    pub followups: BTreeMap<String, Vec<Followup>>,
    pub refusal_reasons: Vec<Reason>,
}

impl Rules {
    /// The rules shipped with the program.
    pub fn shipped() -> Rules {
        Self::parse(SHIPPED).expect("the shipped request rules are valid")
    }

    /// Reads a rules file, checking that every kind has a deadline under
    /// both laws and that every period is one a deadline can be.
    pub fn parse(text: &str) -> Result<Rules> {
        let rules: Rules = serde_json::from_str(text)
            .map_err(|e| Error::Invalid(format!("the request rules file is not valid: {e}")))?;
        for law in [Law::Fz152, Law::Gdpr] {
            for &kind in Kind::ALL {
                let d = rules.deadline(kind, law)?;
                if let Some(ext) = d.extension {
                    d.period.plus(ext).map_err(|e| {
                        Error::Invalid(format!("{} {}: the extension: {e}", law.as_str(), kind.as_str()))
                    })?;
                }
            }
        }
        if !rules.refusal_reasons.iter().any(|r| r.code == "other") {
            return Err(Error::Invalid("the request rules need a refusal reason \"other\"".into()));
        }
        Ok(rules)
    }

    /// The rules this vault uses: its own, when loaded, else the shipped ones.
    pub fn of_vault(conn: &Connection) -> Result<Rules> {
        match super::settings::get(conn, super::settings::RULES)? {
            Some(text) => Self::parse(&text),
            None => Ok(Self::shipped()),
        }
    }

    pub fn deadline(&self, kind: Kind, law: Law) -> Result<&Deadline> {
        self.deadlines
            .get(law.as_str())
            .and_then(|k| k.get(kind.as_str()))
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "the request rules give no deadline for {} under {}",
                    kind.as_str(),
                    law.as_str()
                ))
            })
    }

    /// The Russian text of a follow-on deadline's source, found by its
    /// English text (follow-on deadlines store the English one).
    pub fn followup_source_ru(&self, kind: &str, source: &str) -> Option<&str> {
        self.followups
            .values()
            .flatten()
            .find(|f| f.kind == kind && f.source == source)
            .and_then(|f| f.source_ru.as_deref())
    }

    pub fn reason(&self, code: &str) -> Result<&Reason> {
        self.refusal_reasons.iter().find(|r| r.code == code).ok_or_else(|| {
            let codes: Vec<&str> = self.refusal_reasons.iter().map(|r| r.code.as_str()).collect();
            Error::Invalid(format!("unknown refusal reason {code:?}: use one of {}", codes.join(", ")))
        })
    }
}

/// A request's deadlines: each law's last day, and the one that governs.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dues {
    /// The last day to answer (for both laws: the earlier).
    pub due: String,
    pub due_152fz: Option<String>,
    pub due_gdpr: Option<String>,
    /// decreed, provisional or missing: the worst calendar year counted over.
    pub basis: String,
    /// The provisional or missing years the count crossed.
    pub uncertain_years: Vec<i32>,
    /// A GDPR date rolled past weekends only (no country set in Settings).
    pub weekends_only: bool,
}

fn basis_str(b: Basis) -> &'static str {
    match b {
        Basis::Decreed => "decreed",
        Basis::Provisional => "provisional",
        Basis::Missing => "missing",
    }
}

/// Where each law's dates come from.
pub struct Clock<'a> {
    pub rules: &'a Rules,
    pub calendar: &'a Calendar,
    /// The GDPR country whose public holidays count (Settings).
    pub country: Option<&'a str>,
}

impl Clock<'_> {
    fn law_due(&self, kind: Kind, law: Law, received: NaiveDate, extended: bool) -> Result<Due> {
        let d = self.rules.deadline(kind, law)?;
        let period = match (extended, d.extension) {
            (false, _) => d.period,
            (true, Some(ext)) => d.period.plus(ext)?,
            (true, None) => {
                return Err(Error::Invalid(format!(
                    "a {} request under {} cannot be extended ({})",
                    kind.as_str(),
                    law.label(),
                    d.source
                )))
            }
        };
        let region = match law {
            Law::Gdpr => self.country,
            _ => None,
        };
        Ok(self.calendar.due(period, received, region))
    }

    /// The deadlines of a request of `kind` received on `received`.
    pub fn dues(&self, kind: Kind, law: Law, received: NaiveDate, extended: bool) -> Result<Dues> {
        let ru = matches!(law, Law::Fz152 | Law::Both)
            .then(|| self.law_due(kind, Law::Fz152, received, extended))
            .transpose()?;
        let eu = matches!(law, Law::Gdpr | Law::Both)
            .then(|| self.law_due(kind, Law::Gdpr, received, extended))
            .transpose()?;
        let governing = match (&ru, &eu) {
            (Some(a), Some(b)) => if a.date <= b.date { a } else { b },
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => unreachable!("a law is always given"),
        };
        let mut years: Vec<i32> = ru.iter().chain(eu.iter()).flat_map(|d| d.uncertain_years.clone()).collect();
        years.sort_unstable();
        years.dedup();
        let basis = ru.iter().chain(eu.iter()).map(|d| d.basis).max().unwrap_or(Basis::Decreed);
        Ok(Dues {
            due: governing.date.to_string(),
            due_152fz: ru.as_ref().map(|d| d.date.to_string()),
            due_gdpr: eu.as_ref().map(|d| d.date.to_string()),
            basis: basis_str(basis).into(),
            uncertain_years: years,
            weekends_only: eu.as_ref().is_some_and(|d| d.weekends_only),
        })
    }

    /// A follow-on deadline counted from `start`.
    pub fn followup_due(&self, f: &Followup, start: NaiveDate) -> (String, String) {
        let d = self.calendar.due(f.period, start, None);
        (d.date.to_string(), basis_str(d.basis).into())
    }
}

/// The calendar a vault's deadlines use: the shipped years, with the years
/// the user loaded over them.
pub fn calendar_of(conn: &Connection) -> Result<Calendar> {
    let mut cal = Calendar::builtin();
    let mut stmt = conn.prepare("SELECT body FROM calendar_years ORDER BY region, year")?;
    let bodies = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for b in bodies {
        for y in Calendar::parse(&b)? {
            cal.load(y);
        }
    }
    Ok(cal)
}

/// The GDPR country set for this vault, if any.
pub fn country_of(conn: &Connection) -> Result<Option<String>> {
    super::settings::get(conn, super::settings::GDPR_COUNTRY)
}

/// Runs `f` with the vault's clock.
pub fn with_clock<T>(conn: &Connection, f: impl FnOnce(&Clock) -> Result<T>) -> Result<T> {
    let rules = Rules::of_vault(conn)?;
    let calendar = calendar_of(conn)?;
    let country = country_of(conn)?;
    f(&Clock { rules: &rules, calendar: &calendar, country: country.as_deref() })
}

/// A stored calendar year, for listing.
pub fn stored_year(conn: &Connection, region: &str, year: i32) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT sha256 FROM calendar_years WHERE region = ?1 AND year = ?2",
            rusqlite::params![region, year],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_rules_cover_every_kind_and_law() {
        let r = Rules::shipped();
        assert_eq!(r.deadline(Kind::Access, Law::Fz152).unwrap().period, Period::WorkingDays(10));
        assert_eq!(r.deadline(Kind::Access, Law::Gdpr).unwrap().extension, Some(Period::Months(2)));
        assert_eq!(r.deadline(Kind::Withdrawal, Law::Fz152).unwrap().extension, None);
        assert!(r.reason("legal_claims").is_ok());
        assert!(r.reason("nonsense").unwrap_err().to_string().contains("other"));
    }

    #[test]
    fn a_rules_file_missing_a_kind_or_mixing_units_is_refused() {
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
        v["deadlines"]["gdpr"].as_object_mut().unwrap().remove("erasure");
        let e = Rules::parse(&v.to_string()).unwrap_err().to_string();
        assert!(e.contains("erasure under gdpr"), "{e}");
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
        v["deadlines"]["152-fz"]["access"]["extension"] = serde_json::json!({ "months": 1 });
        assert!(Rules::parse(&v.to_string()).is_err());
        assert!(Rules::parse("{").is_err());
    }

    #[test]
    fn both_laws_take_the_earlier_date() {
        let rules = Rules::shipped();
        let cal = Calendar::builtin();
        let clock = Clock { rules: &rules, calendar: &cal, country: None };
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let both = clock.dues(Kind::Access, Law::Both, d, false).unwrap();
        // 10 working days after Mon 2 Mar 2026 (9 Mar is a day off): Tue 17 Mar.
        assert_eq!(both.due_152fz.as_deref(), Some("2026-03-17"));
        // One month: Thu 2 Apr 2026.
        assert_eq!(both.due_gdpr.as_deref(), Some("2026-04-02"));
        assert_eq!(both.due, "2026-03-17");
        assert!(both.weekends_only);
        let ext = clock.dues(Kind::Access, Law::Both, d, true).unwrap();
        assert_eq!(ext.due_152fz.as_deref(), Some("2026-03-24"));
        assert_eq!(ext.due_gdpr.as_deref(), Some("2026-06-02"));
        let e = clock.dues(Kind::Withdrawal, Law::Fz152, d, true).unwrap_err().to_string();
        assert!(e.contains("cannot be extended"), "{e}");
    }
}
