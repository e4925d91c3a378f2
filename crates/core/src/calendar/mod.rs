//! Production calendars (which days are working days, per region and year) and
//! the legal deadline arithmetic built on them. Pure: no database.
//!
//! A [`Calendar`] holds [`Year`]s keyed by region and year: the Russian
//! production calendar (`"RU"`, legal-facts §1: Labour Code art. 112 and the
//! Government's yearly decree) and the public holidays of EU Member States
//! (`"DE"`, `"FR"`, …) for GDPR periods (legal-facts §3). The shipped years
//! are the JSON files in `crates/core/calendars/` (their format is in the
//! README there); a user loads a newer decree the same way.
//!
//! [`Calendar::due`] turns a [`Period`] and a start date into a [`Due`] date
//! and says how sure it is: a year that is only provisional (computed from
//! the law before the decree) or not loaded at all makes the answer
//! [`Basis::Provisional`] or [`Basis::Missing`], naming the years.

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How sure a date (or a deadline) is. Ordered so that the worst year a
/// computation crossed wins (`max`): `Decreed < Provisional < Missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Every year consulted is official (a decree, or a law's fixed list).
    Decreed,
    /// A year consulted is provisional: computed from the law before its
    /// decree was known; the decree may still move days off.
    Provisional,
    /// A year consulted is not loaded: Monday to Friday were taken as working
    /// days and no holiday was known.
    Missing,
}

/// Whether a loaded year is official or a stand-in until the decree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// From the decree (RU) or the law listing the public holidays.
    Decreed,
    /// What the law alone gives before the decree; replace when it appears.
    Provisional,
}

impl YearStatus {
    /// The [`Basis`] a date computed on this year has.
    pub fn basis(self) -> Basis {
        match self {
            YearStatus::Decreed => Basis::Decreed,
            YearStatus::Provisional => Basis::Provisional,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            YearStatus::Decreed => "decreed",
            YearStatus::Provisional => "provisional",
        }
    }
}

/// One region's calendar for one year: the exceptions to "Monday to Friday
/// work, Saturday and Sunday off".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Year {
    /// `"RU"`, or the ISO 3166-1 alpha-2 code of a country whose public
    /// holidays these are (`"DE"`, `"FR"`, …); upper case.
    pub region: String,
    pub year: i32,
    pub status: YearStatus,
    /// Where the dates come from, e.g. "Government decree No. 1466 of 24.09.2025".
    pub source: String,
    /// The same source in Russian, for the Russian interface and documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ru: Option<String>,
    /// Days off besides weekends (sorted). RU: weekdays only (a holiday on a
    /// weekend is moved by art. 112 part 2 or the decree to a weekday, and
    /// that weekday is listed). Countries: the public holidays, which may fall
    /// on a weekend.
    pub days_off: Vec<NaiveDate>,
    /// Saturdays and Sundays that are working days (sorted), e.g. RU
    /// Saturday 1 November 2025. Normally empty for countries.
    pub working_days: Vec<NaiveDate>,
}

impl Year {
    /// Whether `date` (which must be in this year) is a working day.
    fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.days_off.binary_search(&date).is_ok() {
            false
        } else if self.working_days.binary_search(&date).is_ok() {
            true
        } else {
            !is_weekend(date)
        }
    }
}

/// A year at a glance, for the calendar screen and `calendar show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearSummary {
    pub region: String,
    pub year: i32,
    pub status: YearStatus,
    pub source: String,
    pub source_ru: Option<String>,
    /// Working days in the year (RU 2025 and 2026: 247).
    pub working_day_count: u32,
    /// Days off in the year, weekends included (RU 2025 and 2026: 118).
    pub day_off_count: u32,
    /// The days off besides weekends, as listed ([`Year::days_off`]).
    pub days_off: Vec<NaiveDate>,
    /// Saturdays and Sundays that are working days ([`Year::working_days`]).
    pub working_weekend_days: Vec<NaiveDate>,
}

/// A legal period. JSON: `{"working_days":10}`, `{"calendar_days":30}`,
/// `{"months":1}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Working days of a production calendar (152-FZ: 10 working days for an
    /// answer, +5 with a reasoned notice; 7 to rectify; 3 to stop).
    WorkingDays(u32),
    /// Calendar days, no roll (152-FZ art. 21 parts 4 and 5: 30 days).
    CalendarDays(u32),
    /// Calendar months, Regulation (EEC, Euratom) No 1182/71 art. 3 (GDPR
    /// art. 12(3): 1 month, extendable by 2 further months).
    Months(u32),
}

impl Period {
    /// The sum of two periods of the same unit: `WorkingDays(10) +
    /// WorkingDays(5) = WorkingDays(15)` (the 152-FZ extension),
    /// `Months(1) + Months(2) = Months(3)` (the GDPR extension, counted from
    /// receipt). Mixing units is refused: 10 working days and a month have no
    /// common length.
    pub fn plus(self, other: Period) -> Result<Period> {
        let sum = |a: u32, b: u32| {
            a.checked_add(b)
                .ok_or_else(|| Error::Invalid(format!("period too long: {self} plus {other}")))
        };
        match (self, other) {
            (Period::WorkingDays(a), Period::WorkingDays(b)) => Ok(Period::WorkingDays(sum(a, b)?)),
            (Period::CalendarDays(a), Period::CalendarDays(b)) => {
                Ok(Period::CalendarDays(sum(a, b)?))
            }
            (Period::Months(a), Period::Months(b)) => Ok(Period::Months(sum(a, b)?)),
            _ => Err(Error::Invalid(format!(
                "cannot add {other} to {self}: a period can only be extended in its own unit"
            ))),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, one, many) = match *self {
            Period::WorkingDays(n) => (n, "working day", "working days"),
            Period::CalendarDays(n) => (n, "calendar day", "calendar days"),
            Period::Months(n) => (n, "month", "months"),
        };
        write!(f, "{n} {}", if n == 1 { one } else { many })
    }
}

/// A computed deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The last day on which the answer is in time.
    pub date: NaiveDate,
    /// The worst [`Basis`] of any calendar year the computation consulted
    /// (`Decreed` when it consulted none).
    pub basis: Basis,
    /// The provisional or missing years consulted, ascending (empty when
    /// every year consulted was decreed).
    pub uncertain_years: Vec<i32>,
    /// `Months` with no region: only Saturdays and Sundays were rolled over,
    /// no public holiday list was used (the UI says so).
    pub weekends_only: bool,
}

/// The loaded years, by region then year.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<String, BTreeMap<i32, Year>>,
}

/// The shipped data files (`crates/core/calendars/`).
const BUILTIN: &[(&str, &str)] = &[
    ("ru-2025.json", include_str!("../../calendars/ru-2025.json")),
    ("ru-2026.json", include_str!("../../calendars/ru-2026.json")),
    ("ru-2027.json", include_str!("../../calendars/ru-2027.json")),
    ("de-2025.json", include_str!("../../calendars/de-2025.json")),
    ("de-2026.json", include_str!("../../calendars/de-2026.json")),
    ("de-2027.json", include_str!("../../calendars/de-2027.json")),
    ("fr-2025.json", include_str!("../../calendars/fr-2025.json")),
    ("fr-2026.json", include_str!("../../calendars/fr-2026.json")),
    ("fr-2027.json", include_str!("../../calendars/fr-2027.json")),
];

impl Calendar {
    /// The shipped years: RU 2025–2026 (decreed), RU 2027 (provisional),
    /// DE and FR 2025–2027 (national public holidays).
    pub fn builtin() -> Calendar {
        let mut calendar = Calendar::empty();
        for (name, text) in BUILTIN {
            // The files are checked by the tests; a bad one is a build mistake.
            let years = Calendar::parse(text)
                .unwrap_or_else(|e| panic!("shipped calendar {name} is invalid: {e}"));
            for year in years {
                calendar.load(year);
            }
        }
        calendar
    }

    /// A calendar with no years: every date counts Monday to Friday as
    /// working days, with [`Basis::Missing`].
    pub fn empty() -> Calendar {
        Calendar::default()
    }

    /// Reads a calendar file: one [`Year`] object or an array of them (JSON),
    /// checked as described in `crates/core/calendars/README.md`. The lists
    /// come back sorted. Errors are [`Error::Invalid`] naming the problem.
    pub fn parse(text: &str) -> Result<Vec<Year>> {
        parse::parse(text)
    }

    /// Adds `year`, replacing any year already loaded for the same region and
    /// year (a decree replacing a provisional year). The region is taken in
    /// upper case and the lists are sorted.
    pub fn load(&mut self, mut year: Year) {
        year.region.make_ascii_uppercase();
        year.days_off.sort_unstable();
        year.days_off.dedup();
        year.working_days.sort_unstable();
        year.working_days.dedup();
        self.years
            .entry(year.region.clone())
            .or_default()
            .insert(year.year, year);
    }

    /// The loaded year of `region` (any case), if any.
    pub fn year(&self, region: &str, year: i32) -> Option<&Year> {
        self.years
            .get(region.to_ascii_uppercase().as_str())
            .and_then(|years| years.get(&year))
    }

    /// Every loaded year, sorted by region then year.
    pub fn years(&self) -> Vec<&Year> {
        self.years
            .values()
            .flat_map(|years| years.values())
            .collect()
    }

    /// Whether `date` is a working day in `region`, and how sure that is. A
    /// year not loaded counts Monday to Friday as working days, with
    /// [`Basis::Missing`].
    pub fn is_working_day(&self, region: &str, date: NaiveDate) -> (bool, Basis) {
        self.lookup(self.years.get(region.to_ascii_uppercase().as_str()), date)
    }

    fn lookup(&self, region: Option<&BTreeMap<i32, Year>>, date: NaiveDate) -> (bool, Basis) {
        match region.and_then(|years| years.get(&date.year())) {
            Some(year) => (year.is_working_day(date), year.status.basis()),
            None => (!is_weekend(date), Basis::Missing),
        }
    }

    /// The deadline of `period` started by an event on `start` (a receipt).
    ///
    /// - `WorkingDays(n)` (legal-facts §2 "Counting"): the day of receipt
    ///   does not count (Civil Code art. 191 by analogy); the first working
    ///   day after `start` is day 1 and the due date is the n-th working day;
    ///   `n = 0` is `start` itself. `region` None means `"RU"` (152-FZ).
    /// - `CalendarDays(n)`: `start + n` days, no roll and no calendar
    ///   consulted (legal-facts §2: "30 days" are calendar days).
    /// - `Months(n)` (legal-facts §3; Regulation 1182/71 art. 3(1), 3(2)(c),
    ///   3(4)): the same date `n` months later, or the last day of that month
    ///   when it has no such date (31 Jan → 28/29 Feb); then, while that day
    ///   is not a working day of `region` (Saturday, Sunday or a listed public
    ///   holiday; a weekend day in the year's `working_days` counts as
    ///   working), the next day. `region` None rolls over weekends only and
    ///   sets `weekends_only`; a year of `region` that is not loaded rolls
    ///   over weekends only and makes the answer [`Basis::Missing`].
    ///
    /// A date past chrono's range stops at [`NaiveDate::MAX`].
    pub fn due(&self, period: Period, start: NaiveDate, region: Option<&str>) -> Due {
        let mut consulted = Consulted::default();
        match period {
            Period::WorkingDays(n) => {
                let region = self
                    .years
                    .get(region.unwrap_or("RU").to_ascii_uppercase().as_str());
                let mut date = start;
                let mut counted = 0;
                while counted < n {
                    let Some(next) = date.succ_opt() else { break };
                    date = next;
                    let (working, basis) = self.lookup(region, date);
                    consulted.note(date.year(), basis);
                    if working {
                        counted += 1;
                    }
                }
                consulted.finish(date, false)
            }
            Period::CalendarDays(n) => {
                let date = start
                    .checked_add_days(Days::new(u64::from(n)))
                    .unwrap_or(NaiveDate::MAX);
                consulted.finish(date, false)
            }
            Period::Months(n) => {
                // chrono clamps to the month's last day, as art. 3(2)(c) does.
                let mut date = start
                    .checked_add_months(Months::new(n))
                    .unwrap_or(NaiveDate::MAX);
                match region {
                    None => {
                        while is_weekend(date) {
                            let Some(next) = date.succ_opt() else { break };
                            date = next;
                        }
                        consulted.finish(date, true)
                    }
                    Some(region) => {
                        let region = self.years.get(region.to_ascii_uppercase().as_str());
                        loop {
                            let (working, basis) = self.lookup(region, date);
                            consulted.note(date.year(), basis);
                            if working {
                                break;
                            }
                            let Some(next) = date.succ_opt() else { break };
                            date = next;
                        }
                        consulted.finish(date, false)
                    }
                }
            }
        }
    }

    /// The year's counts and lists, or None if it is not loaded.
    pub fn summary(&self, region: &str, year: i32) -> Option<YearSummary> {
        let y = self.year(region, year)?;
        let mut working = 0;
        let mut off = 0;
        let mut date = NaiveDate::from_ymd_opt(year, 1, 1)?;
        while date.year() == year {
            if y.is_working_day(date) {
                working += 1;
            } else {
                off += 1;
            }
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        Some(YearSummary {
            region: y.region.clone(),
            year: y.year,
            status: y.status,
            source: y.source.clone(),
            source_ru: y.source_ru.clone(),
            working_day_count: working,
            day_off_count: off,
            days_off: y.days_off.clone(),
            working_weekend_days: y.working_days.clone(),
        })
    }
}

/// The years a deadline computation looked at, and how sure each was.
#[derive(Default)]
struct Consulted {
    years: BTreeMap<i32, Basis>,
}

impl Consulted {
    fn note(&mut self, year: i32, basis: Basis) {
        self.years.insert(year, basis);
    }

    fn finish(self, date: NaiveDate, weekends_only: bool) -> Due {
        let basis = self.years.values().copied().max().unwrap_or(Basis::Decreed);
        let uncertain_years = self
            .years
            .into_iter()
            .filter(|&(_, basis)| basis != Basis::Decreed)
            .map(|(year, _)| year)
            .collect();
        Due {
            date,
            basis,
            uncertain_years,
            weekends_only,
        }
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}
