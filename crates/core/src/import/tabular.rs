//! Turning one record of a table (a CSV record or an XLSX row) into a
//! [`Row`], by a mapping resolved against the header row; and reading the
//! `Label: value` items of a Bitrix24 consent list.

use std::collections::{BTreeMap, HashMap};

use super::mapping::{describe, norm, preset_required};
use super::values::{self, excel_serial_text, looks_like_cut_ipv6};
use super::{
    normalize_email, normalize_phone, parse_action, parse_datetime, Action, Field, Mapping, Preset,
    Problem, Row, RowError,
};
use crate::error::{Error, Result};

/// Bitrix24 keeps at most this many characters of an item value.
const BITRIX_ITEM_LIMIT: usize = 50;

/// A mapping resolved to column indices of one header row.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    headers: Vec<String>,
    cols: BTreeMap<Field, Vec<usize>>,
    default_action: Action,
    preset: Option<Preset>,
}

/// Trims headers (and a stray BOM) and refuses duplicate names.
pub(crate) fn clean_headers(raw: &[String]) -> Result<Vec<String>> {
    let headers: Vec<String> = raw
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut dups: Vec<String> = Vec::new();
    for h in &headers {
        if h.is_empty() {
            continue;
        }
        let n = seen.entry(h.to_lowercase()).or_insert(0);
        *n += 1;
        if *n == 2 {
            dups.push(format!("{h:?}"));
        }
    }
    if !dups.is_empty() {
        return Err(Error::Invalid(format!(
            "the header row names {} more than once; rename the duplicate column{} and import again",
            dups.join(", "),
            if dups.len() > 1 { "s" } else { "" }
        )));
    }
    if headers.iter().all(|h| h.is_empty()) {
        return Err(Error::Invalid("the first row (the header) is empty".into()));
    }
    Ok(headers)
}

impl Plan {
    /// Resolves `mapping` against `headers`. The second value lists what is
    /// missing for an import (empty when the file can be imported).
    pub fn resolve(
        headers: &[String],
        mapping: &Mapping,
        preset: Option<Preset>,
    ) -> (Plan, Vec<String>) {
        let index: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, h)| !h.is_empty())
            .map(|(i, h)| (h.trim().to_lowercase(), i))
            .collect();
        let find = |h: &str| index.get(&h.trim().to_lowercase()).copied();
        let mut missing = Vec::new();
        let mut cols: BTreeMap<Field, Vec<usize>> = BTreeMap::new();
        for (&f, h) in &mapping.columns {
            match find(h) {
                Some(i) => cols.entry(f).or_default().push(i),
                None => missing.push(describe(&mapping.columns, f)),
            }
        }
        for (&f, hs) in &mapping.fallback {
            for h in hs {
                if let Some(i) = find(h) {
                    let v = cols.entry(f).or_default();
                    if !v.contains(&i) {
                        v.push(i);
                    }
                }
            }
        }
        let required = preset.map(preset_required).unwrap_or_default();
        let named = |f: Field, generic: &str| {
            required
                .iter()
                .find(|(g, _)| *g == f)
                .map(|(_, n)| format!("{n:?} ({f})"))
                .unwrap_or_else(|| generic.to_string())
        };
        if !mapping.columns.contains_key(&Field::ActedAt) {
            missing.push(named(Field::ActedAt, "a date column (acted_at)"));
        }
        let identity = [Field::Name, Field::Email, Field::Phone, Field::Items];
        if !identity.iter().any(|f| mapping.columns.contains_key(f)) {
            missing.push(named(
                Field::Items,
                "a name, e-mail or phone column (name, email, phone)",
            ));
        }
        let plan = Plan {
            headers: headers.to_vec(),
            cols,
            default_action: mapping.default_action,
            preset,
        };
        (plan, missing)
    }

    /// The whole-file error for what [`Plan::resolve`] found missing.
    pub fn missing_error(missing: &[String]) -> Error {
        Error::Invalid(format!(
            "the header row lacks required columns: {}; nothing was imported (choose the columns in the mapping step)",
            missing.join(", ")
        ))
    }

    /// Required fields with no column in this file, for the preview.
    pub fn missing_fields(&self) -> Vec<Field> {
        let mut v = Vec::new();
        if !self.cols.contains_key(&Field::ActedAt) {
            v.push(Field::ActedAt);
        }
        if ![Field::Name, Field::Email, Field::Phone, Field::Items]
            .iter()
            .any(|f| self.cols.contains_key(f))
        {
            v.extend([Field::Name, Field::Email, Field::Phone]);
        }
        v
    }

    pub fn width(&self) -> usize {
        self.headers.len()
    }

    /// The first non-empty value of a field's columns.
    fn get<'r>(&self, f: Field, vals: &[&'r str]) -> Option<(usize, &'r str)> {
        self.cols.get(&f)?.iter().find_map(|&i| {
            let v = vals.get(i)?.trim();
            (!v.is_empty()).then_some((i, v))
        })
    }

    /// Builds the row of one record; `None` for a record with no value at
    /// all (an empty line Excel left at the end). `nums` carries the numeric
    /// value of XLSX number cells, read as Excel serial dates in the date
    /// column when the text is not a date.
    pub fn build(
        &self,
        line: u64,
        vals: &[&str],
        nums: Option<&[Option<f64>]>,
    ) -> Option<std::result::Result<Row, RowError>> {
        if vals.iter().all(|v| v.trim().is_empty()) {
            return None;
        }
        // A file of rejected rows written by this program, fixed and imported
        // again (copied only then: this runs for every row of every import).
        let cleaned: Vec<&str>;
        let vals = if vals.iter().any(|v| v.starts_with('\'')) {
            cleaned = vals.iter().map(|v| unneutralised(v)).collect();
            &cleaned[..]
        } else {
            vals
        };
        let bitrix = self.preset == Some(Preset::Bitrix24);
        let mut reasons: Vec<String> = Vec::new();
        let mut problems: Vec<Problem> = Vec::new();
        // Each reason in English, and as a message id with its values.
        let mut refuse = |reasons: &mut Vec<String>, id: &str, value: Option<&str>, english: String| {
            reasons.push(english);
            problems.push(Problem::new(id, &value.map(|v| ("value", v)).into_iter().collect::<Vec<_>>()));
        };
        let mut warnings: Vec<String> = Vec::new();
        let mut fields = BTreeMap::new();
        for (i, v) in vals.iter().enumerate() {
            if let Some(h) = self.headers.get(i) {
                if !h.is_empty() && !v.trim().is_empty() {
                    fields.insert(h.clone(), (*v).to_string());
                }
            }
        }
        let items = self.get(Field::Items, vals).map(|(_, s)| parse_items(s));
        if let Some(it) = &items {
            if bitrix {
                for (label, value) in &it.pairs {
                    if value.chars().count() == BITRIX_ITEM_LIMIT {
                        warnings.push(format!("item {label:?} is {BITRIX_ITEM_LIMIT} characters long: Bitrix24 may have cut it"));
                    }
                }
            }
        }

        // Columns whose value the row keeps under its own name: they are
        // not repeated in `fields`.
        let mut kept: Vec<usize> = Vec::new();
        let name = match self.get(Field::Name, vals) {
            Some((i, s)) => {
                kept.push(i);
                Some(s.to_string())
            }
            None => items.as_ref().and_then(|it| it.name.clone()),
        };

        let mut email = None;
        match self.get(Field::Email, vals) {
            Some((i, raw)) => match first_email(raw) {
                Some(e) => {
                    // Kept whole only when it is the one address, as written.
                    if e == raw {
                        kept.push(i);
                    }
                    email = Some(e)
                }
                None => refuse(&mut reasons, "email_invalid", Some(raw), format!("e-mail {raw:?} is not an e-mail address")),
            },
            None => {
                if let Some(raw) = items.as_ref().and_then(|it| it.email.as_deref()) {
                    match normalize_email(raw) {
                        Some(e) => email = Some(e),
                        None => warnings.push(format!(
                            "e-mail {raw:?} in the items is not an e-mail address (cut?); left out"
                        )),
                    }
                }
            }
        }

        let mut phone = None;
        match self.get(Field::Phone, vals) {
            Some((i, raw)) => match normalize_phone(raw) {
                Some(p) => {
                    // A second number or an extension is not in `p`: the
                    // value as written then stays among the fields.
                    if same_number(raw, &p) {
                        kept.push(i);
                    }
                    phone = Some(p)
                }
                None => refuse(
                    &mut reasons,
                    "phone_invalid",
                    Some(raw),
                    format!("phone {raw:?} is not a phone number (fewer than 7 or more than 15 digits)"),
                ),
            },
            None => {
                if let Some(raw) = items.as_ref().and_then(|it| it.phone.as_deref()) {
                    match normalize_phone(raw) {
                        Some(p) => phone = Some(p),
                        None => warnings.push(format!(
                            "phone {raw:?} in the items is not a phone number (cut?); left out"
                        )),
                    }
                }
            }
        }

        let action = match self.get(Field::Action, vals) {
            Some((i, raw)) => match parse_action(raw) {
                Some(a) => {
                    kept.push(i);
                    a
                }
                None => {
                    refuse(
                        &mut reasons,
                        "action_invalid",
                        Some(raw),
                        format!("action {raw:?} is not given (да, согласие, yes, 1), refused (нет, отказ, no, 0) or withdrawn (отозвано, отзыв)"),
                    );
                    self.default_action
                }
            },
            None => self.default_action,
        };

        let mut acted = None;
        match self.get(Field::ActedAt, vals) {
            Some((i, raw)) => match parse_datetime(raw) {
                Some(t) => {
                    kept.push(i);
                    acted = Some((t, raw.to_string()))
                }
                None => {
                    let serial = nums
                        .and_then(|n| n.get(i).copied().flatten())
                        .and_then(excel_serial_text);
                    match serial.as_deref().and_then(parse_datetime) {
                        Some(t) => acted = Some((t, raw.to_string())),
                        None => refuse(&mut reasons, "date_invalid", Some(raw), format!("date {raw:?} is not a date")),
                    }
                }
            },
            None => refuse(&mut reasons, "date_missing", None, "no date".into()),
        }

        let mut ip = None;
        if let Some((i, raw)) = self.get(Field::Ip, vals) {
            match values::parse_ip(raw) {
                Some(a) => {
                    if a.to_string() == raw {
                        kept.push(i);
                    }
                    ip = Some(a)
                }
                None if bitrix && looks_like_cut_ipv6(raw) => {
                    warnings.push(format!("IP {raw:?} looks like an IPv6 address cut by Bitrix24's IP column; kept as text only"))
                }
                None => refuse(&mut reasons, "ip_invalid", Some(raw), format!("IP {raw:?} is not an IPv4 or IPv6 address")),
            }
        }

        let mut text = |f: Field| {
            self.get(f, vals).map(|(i, s)| {
                kept.push(i);
                s.to_string()
            })
        };
        let address =
            text(Field::Address).or_else(|| items.as_ref().and_then(|it| it.address.clone()));
        let (id_document, url, user_agent) =
            (text(Field::IdDocument), text(Field::Url), text(Field::UserAgent));
        // The channel and agreement as written stay in `fields`: the row
        // keeps only what they were read as.
        let as_written = |f: Field| self.get(f, vals).map(|(_, s)| s.to_string());

        if name.is_none()
            && email.is_none()
            && phone.is_none()
            && !reasons
                .iter()
                .any(|r| r.starts_with("e-mail") || r.starts_with("phone"))
        {
            refuse(&mut reasons, "nobody", None, "no name, e-mail or phone: a consent must say whose it is".into());
        }
        if !reasons.is_empty() {
            return Some(Err(RowError { line, reason: reasons.join("; "), problems }));
        }
        let (acted_at, acted_at_original) = acted.expect("checked above");
        for i in kept {
            if let Some(h) = self.headers.get(i) {
                fields.remove(h);
            }
        }
        Some(Ok(Row {
            line,
            name,
            email,
            phone,
            address,
            id_document,
            action,
            acted_at,
            acted_at_original,
            ip,
            url,
            user_agent,
            channel: as_written(Field::Channel),
            agreement: as_written(Field::Agreement),
            fields,
            warnings,
        }))
    }
}

/// Whether `normalized` holds every digit of `raw`: the one number, at most
/// with a Russian 8 written as 7 or the 7 added.
fn same_number(raw: &str, normalized: &str) -> bool {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    normalized == digits
        || normalized.strip_prefix('7').is_some_and(|rest| {
            rest == digits || digits.strip_prefix('8') == Some(rest)
        })
}

/// A value an export wrote with a leading apostrophe so that a spreadsheet
/// would not run it as a formula (`'=…`, `'+7 …`), as it was before.
pub(crate) fn unneutralised(v: &str) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => v,
    }
}

/// The first address in a value that may list several ("a@x.ru, b@y.ru").
fn first_email(raw: &str) -> Option<String> {
    normalize_email(raw).or_else(|| {
        raw.split([',', ';', ' ', '\n', '\t'])
            .find_map(normalize_email)
    })
}

/// What the items of a Bitrix24 consent hold.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Items {
    pub pairs: Vec<(String, String)>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

/// Reads `Label: value` pairs separated by new lines, `,`, `;` or `|`
/// ("Имя: Иван, E-mail: ivan@example.ru, Телефон: +7 916 …"). A separator
/// only splits where a label (up to 40 characters, no `:`/`@`/`/`) and a
/// colon follow, so commas inside values stay ("Адрес: Москва, ул. Ленина").
/// The name is "ФИО"/"Name" if given, else Фамилия Имя Отчество joined.
/// Unlabelled parts that are an e-mail or a phone count as such.
pub(crate) fn parse_items(s: &str) -> Items {
    let is_sep = |c: char| matches!(c, '\n' | '\r' | ',' | ';' | '|');
    // Candidate labels: (label start, colon index).
    let mut labels: Vec<(usize, usize)> = Vec::new();
    for (ci, c) in s.char_indices() {
        if c != ':' {
            continue;
        }
        let before = &s[..ci];
        let start = before.rfind(is_sep).map(|p| p + 1).unwrap_or(0);
        let label = before[start..].trim();
        let ok = !label.is_empty()
            && label.chars().count() <= 40
            && !label.contains([':', '@', '/'])
            && label.chars().any(char::is_alphabetic)
            && !s[ci + 1..].starts_with("//");
        if ok && labels.last().is_none_or(|&(_, prev)| prev < start) {
            labels.push((start, ci));
        }
    }
    let mut items = Items::default();
    let mut loose: Vec<&str> = Vec::new();
    let head_end = labels.first().map(|&(st, _)| st).unwrap_or(s.len());
    loose.extend(s[..head_end].split(is_sep));
    for (k, &(st, colon)) in labels.iter().enumerate() {
        let end = labels
            .get(k + 1)
            .map(|&(next, _)| next.saturating_sub(1))
            .unwrap_or(s.len());
        let label = s[st..colon].trim().to_string();
        let value = s[colon + 1..end.max(colon + 1)]
            .trim()
            .trim_end_matches(is_sep)
            .trim()
            .to_string();
        if !value.is_empty() {
            items.pairs.push((label, value));
        }
    }
    let (mut full, mut first, mut last, mut middle) = (None, None, None, None);
    for (label, value) in &items.pairs {
        let l = norm(label);
        let v = Some(value.clone());
        if l.contains("mail") || l.contains("почт") {
            items.email = items.email.take().or(v);
        } else if l.contains("телефон")
            || l.contains("phone")
            || l == "тел"
            || l.contains("мобильн")
        {
            items.phone = items.phone.take().or(v);
        } else if [
            "фио",
            "полноеимя",
            "fullname",
            "name",
            "имяифамилия",
            "контактноелицо",
            "клиент",
        ]
        .contains(&l.as_str())
        {
            full = full.or(v);
        } else if l == "имя" || l == "firstname" {
            first = first.or(v);
        } else if l == "фамилия" || l == "lastname" || l == "surname" {
            last = last.or(v);
        } else if l == "отчество" || l == "middlename" || l == "secondname" {
            middle = middle.or(v);
        } else if (l.contains("адрес") || l.contains("address"))
            && !l.contains("ip")
            && !l.contains("страниц")
        {
            items.address = items.address.take().or(v);
        }
    }
    items.name = full.or_else(|| {
        let parts: Vec<String> = [last, first, middle].into_iter().flatten().collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    for part in loose.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if items.email.is_none() && normalize_email(part).is_some() {
            items.email = Some(part.to_string());
        } else if items.phone.is_none()
            && part
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c))
            && normalize_phone(part).is_some()
        {
            items.phone = Some(part.to_string());
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn duplicate_headers_are_named() {
        let e = clean_headers(&s(&["Дата", "Телефон", "ФИО", "телефон ", "ФИО"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"телефон\"") || e.contains("\"Телефон\""),
            "{e}"
        );
        assert!(e.contains("\"ФИО\""), "{e}");
        assert!(clean_headers(&s(&["\u{feff}Дата", "", ""])).is_ok());
        assert_eq!(
            clean_headers(&s(&["\u{feff}Дата ", "x"])).unwrap()[0],
            "Дата"
        );
    }

    #[test]
    fn items_of_a_bitrix_consent() {
        let it = parse_items(
            "Имя: Иван, Фамилия: Петров, E-mail: ivan.petrov@example.ru, Телефон: +7 916 123-45-67",
        );
        assert_eq!(it.name.as_deref(), Some("Петров Иван"));
        assert_eq!(it.email.as_deref(), Some("ivan.petrov@example.ru"));
        assert_eq!(it.phone.as_deref(), Some("+7 916 123-45-67"));
        let it = parse_items("ФИО: Сидорова Анна\nАдрес: Москва, ул. Ленина, д. 5\nКомментарий: перезвоните после 18:00, пожалуйста\nСайт: https://example.ru/a");
        assert_eq!(it.name.as_deref(), Some("Сидорова Анна"));
        assert_eq!(it.address.as_deref(), Some("Москва, ул. Ленина, д. 5"));
        assert_eq!(
            it.pairs[2],
            (
                "Комментарий".to_string(),
                "перезвоните после 18:00, пожалуйста".to_string()
            )
        );
        assert_eq!(it.pairs[3].1, "https://example.ru/a");
        let it = parse_items("Олег; oleg@example.com; 8 (903) 111-22-33");
        assert_eq!(
            (it.email.as_deref(), it.phone.as_deref(), it.name),
            (Some("oleg@example.com"), Some("8 (903) 111-22-33"), None)
        );
        assert_eq!(parse_items(""), Items::default());
    }

    #[test]
    fn plan_reports_missing_columns() {
        let headers = s(&["ФИО", "Телефон"]);
        let mut m = Mapping::default();
        m.columns.insert(Field::Name, "ФИО".into());
        m.columns.insert(Field::Email, "Почта".into());
        let (plan, missing) = Plan::resolve(&headers, &m, None);
        assert_eq!(
            missing,
            vec![
                "\"Почта\" (email)".to_string(),
                "a date column (acted_at)".to_string()
            ]
        );
        assert_eq!(plan.missing_fields(), vec![Field::ActedAt]);
        let (plan, missing) = Plan::resolve(&headers, &Mapping::default(), Some(Preset::Bitrix24));
        assert_eq!(missing.len(), 2);
        assert!(missing[0].contains("Дата"), "{missing:?}");
        assert_eq!(
            plan.missing_fields(),
            vec![Field::ActedAt, Field::Name, Field::Email, Field::Phone]
        );
    }

    #[test]
    fn rows_are_built_and_judged() {
        let headers = s(&["ФИО", "Почта", "Телефон", "Дата", "IP", "Статус"]);
        let m = crate::import::suggest_mapping(&headers);
        let (plan, missing) = Plan::resolve(&headers, &m, None);
        assert!(missing.is_empty(), "{missing:?}");
        let row = plan
            .build(
                2,
                &[
                    "<script>alert('x')</script> Иванов",
                    " Ivan@Example.RU ",
                    "8 916 123 45 67",
                    "14.03.2025 10:22:01",
                    "2001:db8::1",
                    "отзыв",
                ],
                None,
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            row.name.as_deref(),
            Some("<script>alert('x')</script> Иванов")
        );
        assert_eq!(row.email.as_deref(), Some("ivan@example.ru"));
        assert_eq!(row.phone.as_deref(), Some("79161234567"));
        assert_eq!(row.action, Action::Withdrawn);
        assert_eq!(row.acted_at.to_rfc3339(), "2025-03-14T07:22:01+00:00");
        assert_eq!(row.acted_at_original, "14.03.2025 10:22:01");
        assert_eq!(row.ip, Some("2001:db8::1".parse().unwrap()));
        // What the row keeps whole under its own name is not repeated in
        // `fields`; the e-mail as written (case, spaces) is.
        assert_eq!(row.fields.len(), 1, "{:?}", row.fields);
        assert_eq!(row.fields["Почта"], " Ivan@Example.RU ");
        assert!(same_number("8 916 123 45 67", "79161234567"));
        assert!(same_number("9161234567", "79161234567"));
        assert!(same_number("+49 30 1234567", "49301234567"));
        assert!(!same_number("+7 916 123-45-67 доб. 12", "79161234567"));
        assert!(!same_number("+7 916 123-45-67, +7 495 111-22-33", "79161234567"));
        assert_eq!(unneutralised("'+7 916 123-45-67"), "+7 916 123-45-67");
        assert_eq!(unneutralised("'=cmd"), "=cmd");
        assert_eq!(unneutralised("'quoted'"), "'quoted'");
        let e = plan
            .build(3, &["", "", "", "вчера", "300.1.1.1", "может быть"], None)
            .unwrap()
            .unwrap_err();
        assert_eq!(e.line, 3);
        // The same reasons as message ids with the values they name, in order.
        let ids: Vec<(&str, Option<&str>)> = e
            .problems
            .iter()
            .map(|p| (p.id.as_str(), p.values.get("value").map(String::as_str)))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("action_invalid", Some("может быть")),
                ("date_invalid", Some("вчера")),
                ("ip_invalid", Some("300.1.1.1")),
                ("nobody", None)
            ]
        );
        for part in [
            "date \"вчера\" is not a date",
            "\"300.1.1.1\" is not an IPv4 or IPv6 address",
            "action \"может быть\"",
            "no name, e-mail or phone",
        ] {
            assert!(e.reason.contains(part), "{}", e.reason);
        }
        assert!(plan.build(4, &["", " ", "", "", "", ""], None).is_none());
        // Excel serial date in a number cell.
        let r = plan
            .build(
                5,
                &["Ann", "", "", "45730.5", "", ""],
                Some(&[None, None, None, Some(45730.5), None, None]),
            )
            .unwrap()
            .unwrap();
        assert_eq!(r.acted_at.to_rfc3339(), "2025-03-14T09:00:00+00:00");
        assert_eq!(r.acted_at_original, "45730.5");
    }
}
