//! Tests of the calendar: the shipped data against the rules it comes from,
//! a table of real deadlines (152-FZ working days, GDPR months) and every
//! message of the file checks.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn builtin() -> Calendar {
    Calendar::builtin()
}

fn parse_err(text: &str) -> String {
    match Calendar::parse(text) {
        Ok(years) => panic!("expected an error, parsed {years:?}"),
        Err(Error::Invalid(message)) => message,
        Err(other) => panic!("expected Error::Invalid, got {other:?}"),
    }
}

/// A one-year file with the given lists (JSON arrays as text).
fn file(region: &str, year: i64, status: &str, days_off: &str, working_days: &str) -> String {
    format!(
        r#"{{"region":"{region}","year":{year},"status":"{status}","source":"test","days_off":{days_off},"working_days":{working_days}}}"#
    )
}

/// Easter Sunday (anonymous Gregorian algorithm), to check the shipped
/// movable holidays against a computation rather than a second copy.
fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let dd = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - dd - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    d(year, month as u32, day as u32)
}

fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    date + chrono::Duration::days(days)
}

// ---------------------------------------------------------------- shipped data

#[test]
fn builtin_holds_the_shipped_years() {
    let cal = builtin();
    let keys: Vec<(String, i32, YearStatus)> = cal
        .years()
        .iter()
        .map(|y| (y.region.clone(), y.year, y.status))
        .collect();
    let mut expected = Vec::new();
    for region in ["DE", "FR"] {
        for year in 2025..=2027 {
            expected.push((region.to_string(), year, YearStatus::Decreed));
        }
    }
    expected.push(("RU".into(), 2025, YearStatus::Decreed));
    expected.push(("RU".into(), 2026, YearStatus::Decreed));
    expected.push(("RU".into(), 2027, YearStatus::Provisional));
    assert_eq!(keys, expected);
    assert!(cal
        .year("RU", 2025)
        .unwrap()
        .source
        .contains("No. 1335 of 04.10.2024"));
    assert!(cal
        .year("RU", 2026)
        .unwrap()
        .source
        .contains("No. 1466 of 24.09.2025"));
    assert!(cal
        .year("ru", 2027)
        .unwrap()
        .source
        .starts_with("PROVISIONAL"));
}

#[test]
fn ru_2025_and_2026_have_247_working_days_and_118_days_off() {
    let cal = builtin();
    for year in [2025, 2026] {
        let s = cal.summary("RU", year).unwrap();
        assert_eq!(s.working_day_count, 247, "RU {year}");
        assert_eq!(s.day_off_count, 118, "RU {year}");
        assert_eq!(s.status, YearStatus::Decreed);
    }
    let s2025 = cal.summary("RU", 2025).unwrap();
    assert_eq!(s2025.working_weekend_days, vec![d(2025, 11, 1)]);
    assert_eq!(s2025.days_off.len(), 15);
    assert!(cal.summary("RU", 2028).is_none());
}

/// Every holiday of Labour Code art. 112 part 1 that falls on a weekday is a
/// day off in each shipped RU year, whatever the decree moved.
#[test]
#[rustfmt::skip]
fn ru_years_give_every_weekday_holiday_off() {
    let cal = builtin();
    let holidays = [
        (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
        (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4),
    ];
    for year in 2025..=2027 {
        for (m, day) in holidays {
            let date = d(year, m, day);
            if date.weekday().number_from_monday() <= 5 {
                assert!(!cal.is_working_day("RU", date).0, "{date} should be off");
            }
        }
    }
}

/// RU 2027 is exactly what art. 112 alone gives: the weekday holidays, and a
/// holiday outside 1–8 January that falls on a weekend moved to the next
/// weekday that is not already off (part 2).
#[test]
#[rustfmt::skip]
fn ru_2027_provisional_is_article_112_alone() {
    let mut expected = std::collections::BTreeSet::new();
    let january: Vec<NaiveDate> = (1..=8).map(|day| d(2027, 1, day)).collect();
    let others = [d(2027, 2, 23), d(2027, 3, 8), d(2027, 5, 1), d(2027, 5, 9), d(2027, 6, 12), d(2027, 11, 4)];
    for date in january.iter().chain(others.iter()) {
        if !super::is_weekend(*date) {
            expected.insert(*date);
        }
    }
    for date in others {
        if super::is_weekend(date) {
            let mut moved = date;
            while super::is_weekend(moved) || expected.contains(&moved) {
                moved = moved.succ_opt().unwrap();
            }
            expected.insert(moved);
        }
    }
    let cal = builtin();
    let year = cal.year("RU", 2027).unwrap();
    assert_eq!(year.days_off, expected.into_iter().collect::<Vec<_>>());
    assert!(year.working_days.is_empty());
    assert_eq!(year.status, YearStatus::Provisional);
}

/// DE: the nine nationwide holidays, movable ones from a computed Easter.
#[test]
fn de_years_are_the_nationwide_holidays() {
    let cal = builtin();
    for year in 2025..=2027 {
        let e = easter(year);
        let mut expected = vec![
            d(year, 1, 1),
            shift(e, -2), // Good Friday
            shift(e, 1),  // Easter Monday
            d(year, 5, 1),
            shift(e, 39), // Ascension
            shift(e, 50), // Whit Monday
            d(year, 10, 3),
            d(year, 12, 25),
            d(year, 12, 26),
        ];
        expected.sort();
        assert_eq!(
            cal.year("DE", year).unwrap().days_off,
            expected,
            "DE {year}"
        );
    }
}

/// FR: Code du travail art. L3133-1, movable ones from a computed Easter.
#[test]
fn fr_years_are_the_jours_feries() {
    let cal = builtin();
    for year in 2025..=2027 {
        let e = easter(year);
        let mut expected = vec![
            d(year, 1, 1),
            shift(e, 1),
            d(year, 5, 1),
            d(year, 5, 8),
            shift(e, 39),
            shift(e, 50),
            d(year, 7, 14),
            d(year, 8, 15),
            d(year, 11, 1),
            d(year, 11, 11),
            d(year, 12, 25),
        ];
        expected.sort();
        assert_eq!(
            cal.year("FR", year).unwrap().days_off,
            expected,
            "FR {year}"
        );
    }
}

#[test]
fn easter_algorithm_matches_known_sundays() {
    // Independent anchors for the helper above.
    assert_eq!(easter(2024), d(2024, 3, 31));
    assert_eq!(easter(2025), d(2025, 4, 20));
    for year in 2025..=2027 {
        assert_eq!(easter(year).weekday(), Weekday::Sun);
    }
}

// ------------------------------------------------------------- working days

#[test]
fn is_working_day_follows_the_year_or_weekdays_when_missing() {
    let cal = builtin();
    assert_eq!(
        cal.is_working_day("RU", d(2025, 11, 1)),
        (true, Basis::Decreed)
    ); // working Saturday
    assert_eq!(
        cal.is_working_day("RU", d(2025, 11, 3)),
        (false, Basis::Decreed)
    );
    assert_eq!(
        cal.is_working_day("RU", d(2025, 11, 4)),
        (false, Basis::Decreed)
    );
    assert_eq!(
        cal.is_working_day("RU", d(2025, 2, 24)),
        (true, Basis::Decreed)
    ); // Feb 23 moved away
    assert_eq!(
        cal.is_working_day("RU", d(2027, 1, 4)),
        (false, Basis::Provisional)
    );
    assert_eq!(
        cal.is_working_day("RU", d(2028, 1, 3)),
        (true, Basis::Missing)
    );
    assert_eq!(
        cal.is_working_day("RU", d(2028, 1, 1)),
        (false, Basis::Missing)
    );
    assert_eq!(
        cal.is_working_day("de", d(2026, 10, 5)),
        (true, Basis::Decreed)
    );
    assert_eq!(
        cal.is_working_day("XX", d(2026, 10, 5)),
        (true, Basis::Missing)
    );
}

/// The 152-FZ deadline table: (receipt, working days, due, basis, uncertain years).
#[test]
#[rustfmt::skip]
fn working_day_deadlines() {
    let cal = builtin();
    #[allow(clippy::type_complexity)]
    let table: &[(NaiveDate, u32, NaiveDate, Basis, &[i32])] = &[
        // Across New Year: skips 31 Dec 2025, 1–9 Jan 2026 and the weekends.
        (d(2025, 12, 26), 10, d(2026, 1, 21), Basis::Decreed, &[]),
        // Same, +5 with a reasoned notice.
        (d(2025, 12, 26), 15, d(2026, 1, 28), Basis::Decreed, &[]),
        // The working Saturday 1 Nov 2025 is day 2; 3 and 4 Nov are off.
        (d(2025, 10, 30), 10, d(2025, 11, 14), Basis::Decreed, &[]),
        (d(2025, 10, 31), 1, d(2025, 11, 1), Basis::Decreed, &[]),
        (d(2025, 10, 31), 2, d(2025, 11, 5), Basis::Decreed, &[]),
        // May 2025: 1, 2, 8, 9 May off.
        (d(2025, 4, 30), 10, d(2025, 5, 20), Basis::Decreed, &[]),
        // May 2026: 1 and 11 May off.
        (d(2026, 4, 30), 10, d(2026, 5, 18), Basis::Decreed, &[]),
        // 7 working days to rectify, across 23 Feb 2026 (a Monday off).
        (d(2026, 2, 19), 7, d(2026, 3, 3), Basis::Decreed, &[]),
        // Into provisional 2027: 31 Dec 2026 and 1–8 Jan 2027 off.
        (d(2026, 12, 24), 10, d(2027, 1, 18), Basis::Provisional, &[2027]),
        // Into 2028, not loaded: Monday to Friday, no holidays known.
        (d(2027, 12, 24), 10, d(2028, 1, 7), Basis::Missing, &[2027, 2028]),
        // Zero: the receipt day itself.
        (d(2026, 1, 5), 0, d(2026, 1, 5), Basis::Decreed, &[]),
    ];
    for &(start, n, date, basis, years) in table {
        let due = cal.due(Period::WorkingDays(n), start, None);
        assert_eq!(
            (due.date, due.basis, due.uncertain_years.as_slice(), due.weekends_only),
            (date, basis, years, false),
            "{n} working days from {start}"
        );
        // Region None is RU.
        assert_eq!(cal.due(Period::WorkingDays(n), start, Some("RU")), due);
    }
}

#[test]
fn working_days_without_a_calendar_are_weekdays_and_missing() {
    let due = Calendar::empty().due(Period::WorkingDays(10), d(2026, 1, 5), None);
    assert_eq!(due.date, d(2026, 1, 19));
    assert_eq!(due.basis, Basis::Missing);
    assert_eq!(due.uncertain_years, vec![2026]);
}

#[test]
fn loading_the_decree_replaces_the_provisional_year() {
    let mut cal = builtin();
    // A made-up 2027 decree that also gives Monday 11 January off.
    let mut decreed = cal.year("RU", 2027).unwrap().clone();
    decreed.status = YearStatus::Decreed;
    decreed.source = "test decree".into();
    decreed.days_off.push(d(2027, 1, 11));
    cal.load(decreed);
    assert_eq!(cal.years().len(), 9);
    let due = cal.due(Period::WorkingDays(10), d(2026, 12, 24), None);
    assert_eq!(due.date, d(2027, 1, 19));
    assert_eq!(due.basis, Basis::Decreed);
    assert!(due.uncertain_years.is_empty());
}

#[test]
fn calendar_days_add_without_roll() {
    let cal = builtin();
    // 30 days from 2 Jan 2026 is Sunday 1 Feb 2026: not moved.
    let due = cal.due(Period::CalendarDays(30), d(2026, 1, 2), None);
    assert_eq!(due.date, d(2026, 2, 1));
    assert_eq!(due.date.weekday(), Weekday::Sun);
    assert_eq!((due.basis, due.weekends_only), (Basis::Decreed, false));
    assert!(due.uncertain_years.is_empty());
    // Years not loaded are not consulted.
    let far = Calendar::empty().due(Period::CalendarDays(30), d(2030, 12, 15), None);
    assert_eq!((far.date, far.basis), (d(2031, 1, 14), Basis::Decreed));
}

// ------------------------------------------------------------------- months

/// GDPR art. 12(3) table: (receipt, months, region, due, weekends_only, basis, uncertain).
#[test]
#[rustfmt::skip]
fn month_deadlines() {
    let cal = builtin();
    #[allow(clippy::type_complexity)]
    let table: &[(NaiveDate, u32, Option<&str>, NaiveDate, bool, Basis, &[i32])] = &[
        // 31 Jan → 28 Feb 2026, a Saturday → Monday 2 March.
        (d(2026, 1, 31), 1, None, d(2026, 3, 2), true, Basis::Decreed, &[]),
        (d(2026, 1, 31), 1, Some("DE"), d(2026, 3, 2), false, Basis::Decreed, &[]),
        // Leap year: 31 Jan 2028 → Tuesday 29 Feb 2028.
        (d(2028, 1, 31), 1, None, d(2028, 2, 29), true, Basis::Decreed, &[]),
        // ... and with DE, whose 2028 is not loaded.
        (d(2028, 1, 31), 1, Some("DE"), d(2028, 2, 29), false, Basis::Missing, &[2028]),
        // 31 Mar → 30 Apr 2026 (Thursday).
        (d(2026, 3, 31), 1, None, d(2026, 4, 30), true, Basis::Decreed, &[]),
        // Lands on Sunday 15 Mar 2026 → Monday.
        (d(2026, 2, 15), 1, None, d(2026, 3, 16), true, Basis::Decreed, &[]),
        // Lands on Good Friday 3 Apr 2026: DE rolls past Easter Monday...
        (d(2026, 3, 3), 1, Some("DE"), d(2026, 4, 7), false, Basis::Decreed, &[]),
        // ... FR does not keep Good Friday ...
        (d(2026, 3, 3), 1, Some("FR"), d(2026, 4, 3), false, Basis::Decreed, &[]),
        // ... and no region sees only the weekend.
        (d(2026, 3, 3), 1, None, d(2026, 4, 3), true, Basis::Decreed, &[]),
        // Lands on Easter Monday 6 Apr 2026 in FR.
        (d(2026, 3, 6), 1, Some("fr"), d(2026, 4, 7), false, Basis::Decreed, &[]),
        // 3 Oct 2025 (Friday, German Unity Day), then the weekend.
        (d(2025, 9, 3), 1, Some("DE"), d(2025, 10, 6), false, Basis::Decreed, &[]),
        // Christmas 2025: 25 and 26 Dec, then the weekend.
        (d(2025, 11, 25), 1, Some("DE"), d(2025, 12, 29), false, Basis::Decreed, &[]),
        // Extension: 3 months from receipt, landing on Good Friday 2026.
        (d(2026, 1, 3), 3, Some("DE"), d(2026, 4, 7), false, Basis::Decreed, &[]),
        // A region with nothing loaded: Saturday 15 Jan 2028 → Monday, Missing.
        (d(2027, 12, 15), 1, Some("DE"), d(2028, 1, 17), false, Basis::Missing, &[2028]),
        // RU production calendar: the working Saturday 1 Nov 2025 is not rolled over.
        (d(2025, 10, 1), 1, Some("RU"), d(2025, 11, 1), false, Basis::Decreed, &[]),
        // RU: 9 Jan 2026 is off, then the weekend.
        (d(2025, 12, 9), 1, Some("RU"), d(2026, 1, 12), false, Basis::Decreed, &[]),
    ];
    for &(start, n, region, date, weekends_only, basis, years) in table {
        let due = cal.due(Period::Months(n), start, region);
        assert_eq!(
            (due.date, due.weekends_only, due.basis, due.uncertain_years.as_slice()),
            (date, weekends_only, basis, years),
            "{n} months from {start} in {region:?}"
        );
    }
}

#[test]
fn month_extension_is_the_sum_of_periods() {
    let cal = builtin();
    let extended = Period::Months(1).plus(Period::Months(2)).unwrap();
    assert_eq!(extended, Period::Months(3));
    // 30 Nov 2025 + 3 months: no 30 Feb → Saturday 28 Feb 2026 → Monday 2 Mar.
    assert_eq!(
        cal.due(extended, d(2025, 11, 30), Some("DE")).date,
        d(2026, 3, 2)
    );
}

// ------------------------------------------------------------------ periods

#[test]
fn periods_add_in_their_own_unit_only() {
    assert_eq!(
        Period::WorkingDays(10)
            .plus(Period::WorkingDays(5))
            .unwrap(),
        Period::WorkingDays(15)
    );
    assert_eq!(
        Period::CalendarDays(30)
            .plus(Period::CalendarDays(1))
            .unwrap(),
        Period::CalendarDays(31)
    );
    let mixed = Period::WorkingDays(10).plus(Period::Months(1)).unwrap_err();
    assert_eq!(mixed.code(), "invalid");
    assert!(
        mixed
            .to_string()
            .contains("cannot add 1 month to 10 working days"),
        "{mixed}"
    );
    let overflow = Period::Months(u32::MAX)
        .plus(Period::Months(1))
        .unwrap_err();
    assert!(overflow.to_string().contains("too long"), "{overflow}");
}

#[test]
#[rustfmt::skip]
fn json_shapes() {
    assert_eq!(serde_json::to_string(&Period::WorkingDays(10)).unwrap(), r#"{"working_days":10}"#);
    assert_eq!(serde_json::to_string(&Period::CalendarDays(30)).unwrap(), r#"{"calendar_days":30}"#);
    assert_eq!(serde_json::to_string(&Period::Months(1)).unwrap(), r#"{"months":1}"#);
    let back: Period = serde_json::from_str(r#"{"months":3}"#).unwrap();
    assert_eq!(back, Period::Months(3));
    assert_eq!(serde_json::to_string(&Basis::Provisional).unwrap(), r#""provisional""#);
    let due = builtin().due(Period::WorkingDays(10), d(2026, 12, 24), None);
    assert_eq!(
        serde_json::to_value(&due).unwrap(),
        serde_json::json!({"date":"2027-01-18","basis":"provisional","uncertain_years":[2027],"weekends_only":false})
    );
    assert!(Basis::Decreed < Basis::Provisional && Basis::Provisional < Basis::Missing);
}

#[test]
fn extreme_dates_do_not_panic() {
    let cal = builtin();
    let near_end = NaiveDate::MAX.checked_sub_days(Days::new(3)).unwrap();
    assert_eq!(
        cal.due(Period::WorkingDays(u32::MAX), near_end, None).date,
        NaiveDate::MAX
    );
    assert_eq!(
        cal.due(Period::CalendarDays(u32::MAX), near_end, None).date,
        NaiveDate::MAX
    );
    assert_eq!(
        cal.due(Period::Months(u32::MAX), d(2026, 1, 1), Some("DE"))
            .date,
        NaiveDate::MAX
    );
}

// -------------------------------------------------------------------- parse

#[test]
#[rustfmt::skip]
fn parse_accepts_one_year_or_an_array_and_sorts() {
    let one = Calendar::parse(&file("RU", 2030, "provisional", r#"["2030-01-02","2030-01-01"]"#, "[]")).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].days_off, vec![d(2030, 1, 1), d(2030, 1, 2)]);
    assert_eq!(one[0].status, YearStatus::Provisional);
    let many = format!(
        "[{},{}]",
        file("DE", 2030, "decreed", r#"["2030-12-25"]"#, "[]"),
        file("FR", 2030, "decreed", r#"["2030-12-25"]"#, "[]")
    );
    let years = Calendar::parse(&many).unwrap();
    assert_eq!(years.iter().map(|y| y.region.as_str()).collect::<Vec<_>>(), ["DE", "FR"]);
    // A country may list a holiday on a weekend (25 Dec 2027 is a Saturday).
    assert!(Calendar::parse(&file("DE", 2027, "decreed", r#"["2027-12-25"]"#, "[]")).is_ok());
}

#[test]
#[rustfmt::skip]
fn parse_errors_name_the_problem() {
    let cases: Vec<(String, &str)> = vec![
        ("{\"region\": \"RU\",".into(), "not valid JSON"),
        ("42".into(), "one year object or an array"),
        ("[]".into(), "holds no year"),
        (file("RU", 2026, "decreed", r#"["2026-02-30"]"#, "[]"), "2026-02-30 is not a real date (February 2026 has 28 days)"),
        (file("RU", 2026, "decreed", r#"["2026-13-01"]"#, "[]"), "2026-13-01 is not a real date (there is no month 13)"),
        (file("RU", 2026, "decreed", r#"["30.01.2026"]"#, "[]"), r#""30.01.2026" is not a date written YYYY-MM-DD"#),
        (file("RU", 2026, "decreed", r#"["2025-12-31"]"#, "[]"), "days_off: 2025-12-31 is not in 2026, the year of the file"),
        (file("RU", 2026, "decreed", r#"["2026-01-05","2026-01-05"]"#, "[]"), "days_off: 2026-01-05 is listed twice"),
        (file("DE", 2025, "decreed", r#"["2025-11-01"]"#, r#"["2025-11-01"]"#), "2025-11-01 is in both days_off and working_days"),
        (file("RU", 2026, "decreed", r#"["2026-01-03"]"#, "[]"), "days_off: 2026-01-03 is a Saturday: weekends are days off already"),
        (file("RU", 2025, "decreed", "[]", r#"["2025-11-05"]"#), "working_days: 2025-11-05 is a Wednesday: weekdays are working days already"),
        (file("RU", 2026, "final", "[]", "[]"), r#"unknown status "final": use "decreed" or "provisional""#),
        (file("ru", 2026, "decreed", "[]", "[]"), r#"region "ru" must be two upper-case letters"#),
        (file("RUS", 2026, "decreed", "[]", "[]"), r#"region "RUS" must be two upper-case letters"#),
        (file("RU", 1899, "decreed", "[]", "[]"), "year 1899 is outside 1900..=2200"),
        (file("RU", 2201, "decreed", "[]", "[]"), "year 2201 is outside 1900..=2200"),
        (r#"{"region":"RU","year":2026,"status":"decreed","days_off":[],"working_days":[]}"#.into(), "missing field `source`"),
        (r#"{"region":"RU","year":2026,"status":"decreed","source":"x","days_off":[]}"#.into(), "missing field `working_days`"),
        (
            r#"{"region":"RU","year":2026,"status":"decreed","source":"x","days_off":[],"working_days":[],"note":"x"}"#.into(),
            "unknown field `note`",
        ),
        (file("RU", 2026, "decreed", "[]", "[]").replace("\"test\"", "\" \""), "source is empty"),
        (
            format!("[{},{}]", file("RU", 2026, "decreed", "[]", "[]"), file("RU", 2026, "provisional", "[]", "[]")),
            "entry 2 of 2: RU 2026 appears twice",
        ),
    ];
    for (text, wanted) in cases {
        let message = parse_err(&text);
        assert!(message.contains(wanted), "for {text}\n  got: {message}\n  wanted: {wanted}");
    }
}

#[test]
fn shipped_files_round_trip_through_serde() {
    // What `Year` serializes is a file `parse` accepts, unchanged.
    for year in builtin().years() {
        let text = serde_json::to_string(year).unwrap();
        assert_eq!(Calendar::parse(&text).unwrap(), vec![year.clone()]);
    }
}
