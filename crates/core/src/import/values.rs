//! Reading single values of an import: e-mails, phones, dates, IP addresses
//! and consent actions, each normalised or refused with a reason.

use std::net::IpAddr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use super::Action;

/// Moscow time, the zone assumed for naive Russian-style dates. Moscow has
/// kept UTC+03:00 all year since 26 October 2014; older naive dates are read
/// at +03:00 too (consent lists of Bitrix24 and amoCRM start after that).
fn moscow() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("valid offset")
}

/// Trims, lowercases and checks an e-mail address; `None` if it is not one.
///
/// Accepts `mailto:` and `<...>` wrappers. The check is deliberately basic:
/// one `@`, a non-empty local part of at most 64 bytes, a domain with a dot,
/// no empty labels, a top-level domain of two or more letters, no spaces or
/// list punctuation. Internationalised domains (`почта.рф`) are accepted.
pub fn normalize_email(s: &str) -> Option<String> {
    let mut t = s.trim();
    if let Some(rest) = t
        .strip_prefix("mailto:")
        .or_else(|| t.strip_prefix("MAILTO:"))
    {
        t = rest.trim();
    }
    if let Some(inner) = t.strip_prefix('<').and_then(|x| x.strip_suffix('>')) {
        t = inner.trim();
    }
    if t.is_empty() || t.len() > 254 {
        return None;
    }
    let (local, domain) = t.split_once('@')?;
    if local.is_empty() || local.len() > 64 || domain.contains('@') {
        return None;
    }
    let bad = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                ',' | ';' | '<' | '>' | '(' | ')' | '[' | ']' | '\\' | '"' | ':'
            )
    };
    if local.chars().any(bad) || domain.chars().any(bad) {
        return None;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return None;
    }
    let tld = labels[labels.len() - 1];
    if tld.chars().count() < 2 || !tld.chars().all(|c| c.is_alphanumeric() || c == '-') {
        return None;
    }
    Some(t.to_lowercase())
}

/// Reduces a phone number to its digits; `None` if fewer than 7 remain (or
/// more than 15, the E.164 maximum).
///
/// Rules: an extension ("доб. 12", "ext. 12", "#12") is dropped; of several
/// numbers in one value (separated by `,` `;` `/`) the first is taken.
/// Russian numbers are brought to one form: `8XXXXXXXXXX` and `7XXXXXXXXXX`
/// (11 digits, with or without `+`) become `7XXXXXXXXXX`, and a bare 10-digit
/// number starting with 9 (a mobile written without the country code) gets
/// the 7 in front. Any other number written with `+` is kept as its digits.
pub fn normalize_phone(s: &str) -> Option<String> {
    let first = s
        .split([',', ';', '/'])
        .map(str::trim)
        .find(|p| !p.is_empty())?;
    let lower = first.to_lowercase();
    let cut = ["доб", "ext", "#", "вн."]
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .unwrap_or(lower.len());
    let main = &lower[..cut];
    let plus = main.trim_start().starts_with('+');
    let digits: String = main.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 7 || digits.len() > 15 {
        return None;
    }
    if digits.len() == 11 && (digits.starts_with('8') && !plus || digits.starts_with('7')) {
        return Some(format!("7{}", &digits[1..]));
    }
    if !plus && digits.len() == 10 && digits.starts_with('9') {
        return Some(format!("7{digits}"));
    }
    Some(digits)
}

/// Reads a date and time and normalises it to UTC; `None` if the text is not
/// a date in one of the formats below.
///
/// The rule for the time zone:
/// - a value that carries its offset is taken at that offset: RFC 3339 /
///   ISO 8601 (`2025-03-14T10:22:01+03:00`, `…Z`, `+0300`, fractions of a
///   second, `T` or a space between date and time) and RFC 2822
///   (`Fri, 14 Mar 2025 10:22:01 +0300`);
/// - a naive ISO value (`2025-03-14 10:22:01`, `2025-03-14T10:22`,
///   `2025-03-14`) is UTC: that is what machines write;
/// - a naive Russian value (`14.03.2025 10:22:01`, `14.03.2025 10:22`,
///   `14.03.2025`) is Moscow time, UTC+03:00: that is what Bitrix24, amoCRM
///   and Excel in a Russian locale write;
/// - an integer of 9 to 11 digits is Unix seconds, of 12 or 13 digits Unix
///   milliseconds (both UTC);
/// - a date without a time is 00:00 of its zone.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = t.parse().ok()?;
        return match t.len() {
            9..=11 => Utc.timestamp_opt(n, 0).single(),
            12 | 13 => Utc.timestamp_millis_opt(n).single(),
            _ => None,
        };
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    // ISO with an offset but a space instead of `T`, or `+0300` offsets.
    let iso = t.replacen(' ', "T", 1);
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(&iso, f) {
            return Some(d.with_timezone(&Utc));
        }
    }
    if let Some(z) = iso.strip_suffix('Z').or_else(|| iso.strip_suffix('z')) {
        if let Some(n) = naive_iso(z) {
            return Some(Utc.from_utc_datetime(&n));
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.with_timezone(&Utc));
    }
    if let Some(n) = naive_iso(&iso) {
        return Some(Utc.from_utc_datetime(&n));
    }
    if let Some(n) = naive_russian(t) {
        return moscow()
            .from_local_datetime(&n)
            .single()
            .map(|d| d.with_timezone(&Utc));
    }
    None
}

fn naive_iso(t: &str) -> Option<NaiveDateTime> {
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Some(n);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

fn naive_russian(t: &str) -> Option<NaiveDateTime> {
    let t = t.replace(", ", " ");
    for f in ["%d.%m.%Y %H:%M:%S%.f", "%d.%m.%Y %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(&t, f) {
            return Some(n);
        }
    }
    NaiveDate::parse_from_str(&t, "%d.%m.%Y")
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN))
}

/// Reads an IP address (IPv4 or IPv6, IPv6 possibly in brackets).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let t = s.trim();
    let t = t
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(t);
    t.parse().ok()
}

/// Whether an unparseable IP looks like an IPv6 address cut short (hex digits
/// and colons only), as a column sized for IPv4 leaves it.
pub(crate) fn looks_like_cut_ipv6(s: &str) -> bool {
    let t = s.trim();
    t.contains(':')
        && t.len() >= 4
        && t.chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
}

/// Reads a consent action written in Russian or English, or as a DPV /
/// ISO/IEC TS 27560 status (`dpv:ConsentGiven`, `ConsentRefused`, …);
/// `None` for anything else. Case and surrounding spaces do not matter.
pub fn parse_action(s: &str) -> Option<Action> {
    let t = s.trim().to_lowercase();
    let t = t
        .rsplit_once(':')
        .map(|(p, r)| {
            if p.contains("//") || p.len() < 8 {
                r
            } else {
                t.as_str()
            }
        })
        .unwrap_or(&t);
    let t = t.rsplit('#').next().unwrap_or(t).trim();
    match t {
        "given"
        | "согласие"
        | "да"
        | "yes"
        | "y"
        | "1"
        | "принято"
        | "согласен"
        | "согласна"
        | "дано"
        | "granted"
        | "accepted"
        | "true"
        | "consentgiven"
        | "renewedconsentgiven"
        | "consent given"
        | "active"
        | "opt-in"
        | "optin" => Some(Action::Given),
        "refused" | "отказ" | "нет" | "no" | "n" | "0" | "false" | "denied" | "declined"
        | "отказано" | "consentrefused" | "consent refused" | "opt-out" | "optout" => {
            Some(Action::Refused)
        }
        "withdrawn" | "отозвано" | "отзыв" | "отозван" | "отозвана" | "revoked"
        | "consentwithdrawn" | "consent withdrawn" => Some(Action::Withdrawn),
        _ => None,
    }
}

/// Formats an Excel date cell as the text a Russian Excel shows,
/// `DD.MM.YYYY HH:MM:SS` (or `DD.MM.YYYY` at midnight), so that
/// [`parse_datetime`] reads it as Moscow time (Excel keeps no zone).
pub(crate) fn excel_datetime_text(dt: &calamine::ExcelDateTime) -> Option<String> {
    if !(1.0..2_958_466.0).contains(&dt.as_f64()) {
        return None;
    }
    let (y, mo, d, h, mi, s, _ms) = dt.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        Some(format!("{d:02}.{mo:02}.{y:04}"))
    } else {
        Some(format!("{d:02}.{mo:02}.{y:04} {h:02}:{mi:02}:{s:02}"))
    }
}

/// The same for a bare number in a date column (an Excel serial date whose
/// cell has no date format), in the 1900 date system.
pub(crate) fn excel_serial_text(value: f64) -> Option<String> {
    excel_datetime_text(&calamine::ExcelDateTime::new(
        value,
        calamine::ExcelDateTimeType::DateTime,
        false,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email("  Ivan.Petrov@Example.RU "),
            Some("ivan.petrov@example.ru".into())
        );
        assert_eq!(normalize_email("mailto:a@b.ru"), Some("a@b.ru".into()));
        assert_eq!(normalize_email("<a@b.ru>"), Some("a@b.ru".into()));
        assert_eq!(
            normalize_email("Иван@Почта.РФ"),
            Some("иван@почта.рф".into())
        );
        for bad in [
            "",
            "ivan",
            "ivan@",
            "@example.ru",
            "ivan@example",
            "a b@c.ru",
            "a@b@c.ru",
            "a@.ru",
            "a@b.r",
            "a@b..ru",
            "a,b@c.ru",
            ".a@b.ru",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn phones() {
        assert_eq!(
            normalize_phone("+7 (916) 123-45-67"),
            Some("79161234567".into())
        );
        assert_eq!(
            normalize_phone("8 916 123 45 67"),
            Some("79161234567".into())
        );
        assert_eq!(normalize_phone("79161234567"), Some("79161234567".into()));
        assert_eq!(normalize_phone("916 123-45-67"), Some("79161234567".into()));
        assert_eq!(
            normalize_phone("+49 30 1234567"),
            Some("49301234567".into())
        );
        assert_eq!(
            normalize_phone("+8 800 555 35 35"),
            Some("88005553535".into())
        );
        assert_eq!(
            normalize_phone("8 (495) 123-45-67 доб. 123"),
            Some("74951234567".into())
        );
        assert_eq!(
            normalize_phone("+7 916 123-45-67, +7 495 000-00-00"),
            Some("79161234567".into())
        );
        assert_eq!(normalize_phone("123-45"), None);
        assert_eq!(normalize_phone("нет"), None);
        assert_eq!(normalize_phone("1234567890123456"), None);
        assert_eq!(normalize_phone("123-45-67"), Some("1234567".into()));
    }

    #[test]
    fn dates_in_several_formats_and_zones() {
        let want = utc("2025-03-14T07:22:01Z");
        for s in [
            "2025-03-14T10:22:01+03:00",
            "2025-03-14 10:22:01+03:00",
            "2025-03-14T10:22:01+0300",
            "2025-03-14T07:22:01Z",
            "2025-03-14T07:22:01.000Z",
            "2025-03-14 07:22:01",
            "2025-03-14T07:22:01",
            "14.03.2025 10:22:01",
            " 14.03.2025 10:22:01 ",
            "Fri, 14 Mar 2025 10:22:01 +0300",
            "1741936921",
            "1741936921000",
            "2025-03-14T02:22:01-05:00",
        ] {
            assert_eq!(parse_datetime(s), Some(want), "{s}");
        }
        assert_eq!(
            parse_datetime("14.03.2025 10:22"),
            Some(utc("2025-03-14T07:22:00Z"))
        );
        assert_eq!(
            parse_datetime("14.03.2025"),
            Some(utc("2025-03-13T21:00:00Z"))
        );
        assert_eq!(
            parse_datetime("2025-03-14"),
            Some(utc("2025-03-14T00:00:00Z"))
        );
        assert_eq!(
            parse_datetime("2025-03-14 10:22"),
            Some(utc("2025-03-14T10:22:00Z"))
        );
        for bad in [
            "",
            "вчера",
            "31.02.2025",
            "2025-13-01",
            "14/03/2025",
            "45730",
            "12:00",
            "2025-03-14 25:00:00",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn ips() {
        assert_eq!(
            parse_ip("95.165.12.4"),
            Some("95.165.12.4".parse().unwrap())
        );
        assert_eq!(
            parse_ip(" 2a02:6b8:c0e:500:1:2:3:4 "),
            Some("2a02:6b8:c0e:500:1:2:3:4".parse().unwrap())
        );
        assert_eq!(parse_ip("[::1]"), Some("::1".parse().unwrap()));
        for bad in [
            "999.1.1.1",
            "1.2.3",
            "localhost",
            "2a02:6b8:c0e:50g::1",
            "1.2.3.4:80",
        ] {
            assert_eq!(parse_ip(bad), None, "{bad}");
        }
        assert!(looks_like_cut_ipv6("2a02:6b8:c0e:50"));
        assert!(!looks_like_cut_ipv6("999.1.1.1"));
        assert!(!looks_like_cut_ipv6("localhost"));
    }

    #[test]
    fn actions() {
        for s in [
            "given",
            "Согласие",
            "ДА",
            "yes",
            "Y",
            "1",
            "принято",
            "dpv:ConsentGiven",
            "ConsentGiven",
            "https://w3id.org/dpv#ConsentGiven",
        ] {
            assert_eq!(parse_action(s), Some(Action::Given), "{s}");
        }
        for s in ["отказ", "Нет", "no", "refused", "0", "dpv:ConsentRefused"] {
            assert_eq!(parse_action(s), Some(Action::Refused), "{s}");
        }
        for s in ["отозвано", "Отзыв", "withdrawn", "dpv:ConsentWithdrawn"] {
            assert_eq!(parse_action(s), Some(Action::Withdrawn), "{s}");
        }
        for s in ["", "может быть", "dpv:ConsentExpired", "2"] {
            assert_eq!(parse_action(s), None, "{s}");
        }
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_text(45730.0).as_deref(), Some("14.03.2025"));
        assert_eq!(
            excel_serial_text(45730.5).as_deref(),
            Some("14.03.2025 12:00:00")
        );
        assert_eq!(excel_serial_text(0.0), None);
    }
}
