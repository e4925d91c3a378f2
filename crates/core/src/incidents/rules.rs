//! The incident rules as data (`crates/core/templates/incidents/rules.json`,
//! replaceable per vault): which notice is due how many hours after
//! detection under which law, and the fines of Code of Administrative
//! Offences art. 13.11 that an incident's size and data categories fall into.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{Notice, Risk};
use crate::error::{Error, Result};
use crate::requests::Law;

const SHIPPED: &str = include_str!("../../templates/incidents/rules.json");

/// One notice's clock.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentClockRule"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockRule {
    pub notice: Notice,
    /// "152-fz" or "gdpr": the law that requires it.
    pub law: String,
    /// Hours from detection; None: "without undue delay" (no fixed hour).
    pub hours: Option<u32>,
    /// always; unless_unlikely (not when the risk to people is unlikely); high_risk (only when it is high).
    pub applies: String,
    pub source: String,
    pub source_ru: String,
    pub confidence: String,
}

/// One part of art. 13.11.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "FinePart"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinePart {
    pub part: String,
    /// late_notice, size, special, biometric
    pub when: String,
    /// For `size`: [from, to) people; `to` null is open-ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "[number, number | null] | null"))]
    pub subjects: Option<(u64, Option<u64>)>,
    /// For `size`: [from, to) records or identifiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(type = "[number, number | null] | null"))]
    pub records: Option<(u64, Option<u64>)>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub min: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub max: u64,
    pub offence: String,
    pub offence_ru: String,
    pub confidence: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentFines"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fines {
    pub about: String,
    pub about_ru: String,
    pub parts: Vec<FinePart>,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentRules"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default)]
    pub about: String,
    pub clocks: Vec<ClockRule>,
    pub fines: Fines,
}

/// The rules in force, whether they are the vault's own, and their text (to save and edit).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "IncidentRulesInfo"))]
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub rules: Rules,
    /// Loaded into this vault (`incident rules --load`), not the shipped ones.
    pub own: bool,
    /// SHA-256 of the text in force.
    pub sha256: String,
    #[serde(skip)]
    pub text: String,
}

pub fn info(conn: &Connection) -> Result<Info> {
    let own = crate::requests::settings::get(conn, crate::requests::settings::INCIDENT_RULES)?;
    let text = match &own {
        Some(t) => t.clone(),
        None => serde_json::to_string_pretty(&Rules::shipped()).expect("serialisable"),
    };
    Ok(Info { rules: Rules::parse(&text)?, own: own.is_some(), sha256: crate::import::sha256_hex(text.as_bytes()), text })
}

fn within(n: u64, range: Option<(u64, Option<u64>)>) -> bool {
    range.is_some_and(|(from, to)| n >= from && to.is_none_or(|t| n < t))
}

impl Rules {
    pub fn shipped() -> Rules {
        Self::parse(SHIPPED).expect("the shipped incident rules are valid")
    }

    /// Reads a rules file: every notice has one clock, each with a known law
    /// and condition; every fine part a known condition and min ≤ max.
    pub fn parse(text: &str) -> Result<Rules> {
        let r: Rules = serde_json::from_str(text)
            .map_err(|e| Error::Invalid(format!("the incident rules file is not valid: {e}")))?;
        for &n in Notice::ALL {
            let c = r.clocks.iter().filter(|c| c.notice == n).count();
            if c != 1 {
                return Err(Error::Invalid(format!(
                    "the incident rules need exactly one clock for {} (found {c})",
                    n.as_str()
                )));
            }
        }
        for c in &r.clocks {
            if !matches!(c.law.as_str(), "152-fz" | "gdpr") {
                return Err(Error::Invalid(format!("clock {}: law {:?} is not 152-fz or gdpr", c.notice.as_str(), c.law)));
            }
            if !matches!(c.applies.as_str(), "always" | "unless_unlikely" | "high_risk") {
                return Err(Error::Invalid(format!(
                    "clock {}: applies {:?} is not always, unless_unlikely or high_risk",
                    c.notice.as_str(),
                    c.applies
                )));
            }
            if c.hours == Some(0) {
                return Err(Error::Invalid(format!("clock {}: 0 hours", c.notice.as_str())));
            }
        }
        for p in &r.fines.parts {
            if !matches!(p.when.as_str(), "late_notice" | "size" | "special" | "biometric") {
                return Err(Error::Invalid(format!("fine part {}: when {:?} is unknown", p.part, p.when)));
            }
            if p.min > p.max {
                return Err(Error::Invalid(format!("fine part {}: the minimum is above the maximum", p.part)));
            }
            if p.when == "size" && p.subjects.is_none() && p.records.is_none() {
                return Err(Error::Invalid(format!("fine part {}: a size part needs subjects or records", p.part)));
            }
        }
        Ok(r)
    }

    /// The rules this vault uses: its own, when loaded, else the shipped ones.
    pub fn of_vault(conn: &Connection) -> Result<Rules> {
        match crate::requests::settings::get(conn, crate::requests::settings::INCIDENT_RULES)? {
            Some(text) => Self::parse(&text),
            None => Ok(Self::shipped()),
        }
    }

    pub fn clock(&self, n: Notice) -> &ClockRule {
        self.clocks.iter().find(|c| c.notice == n).expect("checked by parse")
    }

    /// Whether `n` is required for an incident under `law` with `risk`.
    pub fn required(&self, n: Notice, law: Law, risk: Risk) -> bool {
        let c = self.clock(n);
        let law_ok = match c.law.as_str() {
            "152-fz" => matches!(law, Law::Fz152 | Law::Both),
            _ => matches!(law, Law::Gdpr | Law::Both),
        };
        law_ok
            && match c.applies.as_str() {
                "unless_unlikely" => risk != Risk::Unlikely,
                "high_risk" => risk == Risk::High,
                _ => true,
            }
    }

    /// The parts of art. 13.11 an incident falls into (152-FZ only): by its
    /// size the highest part whose people or identifiers it reaches (a bound
    /// shared by two parts counts for the higher), its special categories and
    /// biometrics, and a Roskomnadzor notice sent late or overdue. Highest
    /// fine first.
    pub fn fine_parts(&self, subjects: u64, records: u64, special: bool, biometric: bool, late: bool) -> Vec<FinePart> {
        let mut out: Vec<FinePart> = self
            .fines
            .parts
            .iter()
            .filter(|p| match p.when.as_str() {
                "late_notice" => late,
                "special" => special,
                "biometric" => biometric,
                _ => within(subjects, p.subjects) || within(records, p.records),
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| b.max.cmp(&a.max).then(b.min.cmp(&a.min)));
        // One leak is one offence of its size: the highest size part only.
        let mut size_seen = false;
        out.retain(|p| p.when != "size" || !std::mem::replace(&mut size_seen, true));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(subjects: u64, records: u64, special: bool, biometric: bool, late: bool) -> Vec<String> {
        Rules::shipped()
            .fine_parts(subjects, records, special, biometric, late)
            .into_iter()
            .map(|p| p.part)
            .collect()
    }

    #[test]
    fn the_size_of_a_leak_gives_its_part() {
        assert!(parts(0, 0, false, false, false).is_empty());
        assert!(parts(999, 9_999, false, false, false).is_empty());
        assert_eq!(parts(1_000, 0, false, false, false), ["12"]);
        assert_eq!(parts(0, 10_000, false, false, false), ["12"]);
        // A bound shared by two parts counts for the higher.
        assert_eq!(parts(10_000, 0, false, false, false), ["13"]);
        assert_eq!(parts(99_999, 0, false, false, false), ["13"]);
        assert_eq!(parts(100_000, 0, false, false, false), ["14"]);
        assert_eq!(parts(5, 1_000_000, false, false, false), ["14"]);
        // People and identifiers in different parts: the higher one.
        assert_eq!(parts(1_500, 500_000, false, false, false), ["13"]);
        assert_eq!(parts(150_000, 20_000, false, false, false), ["14"]);
    }

    #[test]
    fn special_categories_biometrics_and_late_notices_add_their_parts() {
        assert_eq!(parts(10, 10, true, false, false), ["16"]);
        assert_eq!(parts(10, 10, false, true, false), ["17"]);
        assert_eq!(parts(10, 10, false, false, true), ["11"]);
        assert_eq!(parts(2_000, 0, true, true, true), ["17", "16", "12", "11"]);
    }

    #[test]
    fn which_notices_a_law_and_risk_require() {
        let r = Rules::shipped();
        assert!(r.required(Notice::Rkn24h, Law::Fz152, Risk::Unlikely));
        assert!(!r.required(Notice::Rkn24h, Law::Gdpr, Risk::High));
        assert!(r.required(Notice::Gdpr33, Law::Both, Risk::Unassessed));
        assert!(!r.required(Notice::Gdpr33, Law::Gdpr, Risk::Unlikely));
        assert!(!r.required(Notice::Subjects34, Law::Gdpr, Risk::Risk));
        assert!(r.required(Notice::Subjects34, Law::Gdpr, Risk::High));
        assert_eq!(r.clock(Notice::Rkn24h).hours, Some(24));
        assert_eq!(r.clock(Notice::Rkn72h).hours, Some(72));
        assert_eq!(r.clock(Notice::Subjects34).hours, None);
    }

    #[test]
    fn a_broken_rules_file_is_refused_with_the_reason() {
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
        v["clocks"].as_array_mut().unwrap().remove(0);
        let e = Rules::parse(&v.to_string()).unwrap_err();
        assert!(e.to_string().contains("rkn_24h"), "{e}");
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
        v["fines"]["parts"][0]["min"] = serde_json::json!(10_000_000_000u64);
        assert!(Rules::parse(&v.to_string()).unwrap_err().to_string().contains("minimum"));
        let mut v: serde_json::Value = serde_json::from_str(SHIPPED).unwrap();
        v["clocks"][0]["applies"] = serde_json::json!("sometimes");
        assert_eq!(Rules::parse(&v.to_string()).unwrap_err().code(), "invalid");
        assert!(Rules::parse("{").is_err());
    }
}
