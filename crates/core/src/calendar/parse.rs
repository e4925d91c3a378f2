//! Reading and checking calendar files (the format is in
//! `crates/core/calendars/README.md`): every mistake a person writing a file
//! for a new year could make is refused with a message naming it.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use serde_json::Value;

use super::{is_weekend, Year, YearStatus};
use crate::error::{Error, Result};

/// A year as written in the file, before any check.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    region: String,
    year: i64,
    status: String,
    source: String,
    #[serde(default)]
    source_ru: Option<String>,
    days_off: Vec<String>,
    working_days: Vec<String>,
}

/// See [`super::Calendar::parse`].
pub(super) fn parse(text: &str) -> Result<Vec<Year>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::Invalid(format!("calendar file is not valid JSON: {e}")))?;
    let (items, in_array) = match value {
        Value::Array(items) => (items, true),
        object @ Value::Object(_) => (vec![object], false),
        _ => {
            return Err(Error::Invalid(
                "calendar file must hold one year object or an array of them".into(),
            ))
        }
    };
    if items.is_empty() {
        return Err(Error::Invalid("calendar file holds no year".into()));
    }
    let count = items.len();
    let mut years: Vec<Year> = Vec::with_capacity(count);
    for (i, item) in items.into_iter().enumerate() {
        let place = if in_array {
            format!("calendar file, entry {} of {count}", i + 1)
        } else {
            "calendar file".to_string()
        };
        let raw: RawYear =
            serde_json::from_value(item).map_err(|e| Error::Invalid(format!("{place}: {e}")))?;
        let year = check(raw).map_err(|e| Error::Invalid(format!("{place}: {e}")))?;
        if years
            .iter()
            .any(|y| y.region == year.region && y.year == year.year)
        {
            return Err(Error::Invalid(format!(
                "{place}: {} {} appears twice in the file",
                year.region, year.year
            )));
        }
        years.push(year);
    }
    Ok(years)
}

/// Checks one year; the error is the problem, without the place.
fn check(raw: RawYear) -> std::result::Result<Year, String> {
    let region = raw.region;
    if region.len() != 2 || !region.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "region {region:?} must be two upper-case letters (\"RU\", or an ISO 3166-1 alpha-2 country code such as \"DE\")"
        ));
    }
    if !(1900..=2200).contains(&raw.year) {
        return Err(format!("year {} is outside 1900..=2200", raw.year));
    }
    let year = raw.year as i32;
    let status = match raw.status.as_str() {
        "decreed" => YearStatus::Decreed,
        "provisional" => YearStatus::Provisional,
        other => {
            return Err(format!(
                "{region} {year}: unknown status {other:?}: use {:?} or {:?}",
                YearStatus::Decreed.as_str(),
                YearStatus::Provisional.as_str()
            ))
        }
    };
    let source = raw.source.trim().to_string();
    if source.is_empty() {
        return Err(format!(
            "{region} {year}: source is empty: name the decree or law the dates come from"
        ));
    }
    let source_ru = raw.source_ru.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let days_off =
        dates(&raw.days_off, "days_off", year).map_err(|e| format!("{region} {year}: {e}"))?;
    let working_days = dates(&raw.working_days, "working_days", year)
        .map_err(|e| format!("{region} {year}: {e}"))?;

    if let Some(both) = days_off.intersection(&working_days).next() {
        return Err(format!(
            "{region} {year}: {both} is in both days_off and working_days"
        ));
    }
    if region == "RU" {
        if let Some(weekend) = days_off.iter().find(|d| is_weekend(**d)) {
            return Err(format!(
                "{region} {year}: days_off: {weekend} is a {}: weekends are days off already; \
                 list only weekdays (a holiday on a weekend is moved to a weekday: list that weekday)",
                day_name(weekend.weekday())
            ));
        }
    }
    if let Some(weekday) = working_days.iter().find(|d| !is_weekend(**d)) {
        return Err(format!(
            "{region} {year}: working_days: {weekday} is a {}: weekdays are working days already; \
             list only Saturdays and Sundays that are worked",
            day_name(weekday.weekday())
        ));
    }
    Ok(Year {
        region,
        year,
        status,
        source,
        source_ru,
        days_off: days_off.into_iter().collect(),
        working_days: working_days.into_iter().collect(),
    })
}

/// Reads one list of dates: each `YYYY-MM-DD`, real, in `year`, once.
fn dates(
    list: &[String],
    field: &str,
    year: i32,
) -> std::result::Result<BTreeSet<NaiveDate>, String> {
    let mut out = BTreeSet::new();
    for text in list {
        let date = date(text).map_err(|e| format!("{field}: {e}"))?;
        if date.year() != year {
            return Err(format!(
                "{field}: {date} is not in {year}, the year of the file"
            ));
        }
        if !out.insert(date) {
            return Err(format!("{field}: {date} is listed twice"));
        }
    }
    Ok(out)
}

/// A strict `YYYY-MM-DD`: the shape first, then whether the day exists.
fn date(text: &str) -> std::result::Result<NaiveDate, String> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(format!("{text:?} is not a date written YYYY-MM-DD"));
    }
    // The shape guarantees ASCII digits, so these parse.
    let y: i32 = text[0..4].parse().unwrap_or_default();
    let m: u32 = text[5..7].parse().unwrap_or_default();
    let d: u32 = text[8..10].parse().unwrap_or_default();
    if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
        return Ok(date);
    }
    let why = if !(1..=12).contains(&m) {
        format!("there is no month {m}")
    } else {
        let first = NaiveDate::from_ymd_opt(y, m, 1);
        let next = if m == 12 {
            NaiveDate::from_ymd_opt(y + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1)
        };
        match (first, next) {
            (Some(first), Some(next)) => format!(
                "{} {y} has {} days",
                first.format("%B"),
                (next - first).num_days()
            ),
            _ => "no such day".to_string(),
        }
    };
    Err(format!("{text} is not a real date ({why})"))
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}
