//! Reading consent files to import (CSV, XLSX, JSON) into uniform rows.
//!
//! This is the pure parsing layer of the importer: bytes in, [`Row`]s (or a
//! [`RowError`] per bad row, or one whole-file [`Error::Invalid`]) out. It
//! touches no database; the register stores, deduplicates and logs.
//!
//! # Detection
//! - **Format** ([`detect_format`]): ZIP magic (`PK\x03\x04`) is XLSX; a first
//!   character `{` or `[` after a BOM and white space is JSON; anything else
//!   is CSV. [`Options::format`] overrides it.
//! - **Encoding** (CSV): a BOM decides (UTF-8, UTF-16); else valid UTF-8 is
//!   UTF-8 (a multi-byte character cut by a truncated file still counts);
//!   else `chardetng` guesses, which for Russian text gives Windows-1251.
//!   [`Options::encoding`] (an `encoding_rs` label) overrides it. A file with
//!   NUL bytes (and no UTF-16 BOM), with many control characters, or that does
//!   not decode in the guessed encoding is refused as not a text file.
//! - **Delimiter** (CSV): `;`, `,` or tab, whichever occurs outside quotes on
//!   the first records most consistently (ties: `;` before `,` before tab).
//!   [`Options::delimiter`] overrides it.
//! - **Columns**: a given [`Options::mapping`] wins; else the given
//!   [`Options::preset`]; else a Bitrix24 or amoCRM export recognised by its
//!   headers; else [`suggest_mapping`] from Russian and English header names.
//!
//! # Limits
//! A file on disk ([`Input::File`]) is read in pieces, never whole: a CSV
//! three times (to choose its encoding and hash it, to check its text and
//! find its delimiter, to parse it as the rows are taken), decoded to UTF-8
//! as it is read; an XLSX by calamine from the file (its shared strings
//! table is held, the sheet streams). A JSON list is held as text and split
//! one record at a time, so a JSON file over [`MAX_JSON_BYTES`] (160
//! MB; [`MAX_JSON_OBJECT_BYTES`], 16 MB, when it is not a list, which is parsed whole) is refused before
//! it is read. A CSV record (one line, or several joined by a quoted field)
//! longer than [`MAX_RECORD_BYTES`] is a whole-file error, found before the
//! record is parsed. Rows stream: nothing holds all rows at once (XLSX cells
//! are read by a worker thread through a small bounded channel). Measured
//! by `cargo bench --bench big_inputs` (figures in the README).

mod csvsrc;
mod detect;
mod input;
mod json;
mod mapping;
mod tabular;
mod values;
mod xlsx;

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub use detect::detect_format;
pub use input::Input;
pub use json::{MAX_JSON_BYTES, MAX_JSON_OBJECT_BYTES};
pub use xlsx::MAX_SHARED_STRINGS_BYTES;
pub use mapping::{preset_mapping, suggest_mapping};
pub use values::{normalize_email, normalize_phone, parse_action, parse_datetime, parse_ip};

/// The longest CSV record accepted (10 MiB). Longer is a whole-file error.
pub const MAX_RECORD_BYTES: usize = 10 * 1024 * 1024;

/// The kind of file, detected from its content or given.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportFormat"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Xlsx,
    Json,
}

/// A known source of consent files, with its own columns and rules.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportPreset"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Bitrix24 consent list ("Согласия пользователей"): CSV or XLSX.
    Bitrix24,
    /// amoCRM contact export: each contact is a consent given.
    #[serde(rename = "amocrm")]
    AmoCrm,
    /// Kantara Consent Receipt v1.1 (JSON).
    Kantara,
    /// ISO/IEC TS 27560 consent records, as in the W3C DPV guide (JSON).
    Iso27560,
}

/// What the subject did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportAction"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    #[default]
    Given,
    Refused,
    Withdrawn,
}

/// What a column can be mapped to.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportField"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Email,
    Phone,
    Action,
    ActedAt,
    Ip,
    Url,
    UserAgent,
    Channel,
    Agreement,
    Address,
    IdDocument,
    /// A column of `Label: value` pairs, as Bitrix24's consent list writes the
    /// data a form collected ("Имя: Иван, E-mail: ivan@example.ru, …"); the
    /// name, e-mail, phone and address are read out of it where their own
    /// columns are absent or empty.
    Items,
}

impl Field {
    /// All fields, in the order they are suggested.
    pub const ALL: [Field; 13] = [
        Field::ActedAt,
        Field::Email,
        Field::Phone,
        Field::Name,
        Field::Action,
        Field::Ip,
        Field::Url,
        Field::UserAgent,
        Field::Channel,
        Field::Agreement,
        Field::Items,
        Field::IdDocument,
        Field::Address,
    ];

    /// The snake_case name, as in a saved mapping.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Action => "action",
            Field::ActedAt => "acted_at",
            Field::Ip => "ip",
            Field::Url => "url",
            Field::UserAgent => "user_agent",
            Field::Channel => "channel",
            Field::Agreement => "agreement",
            Field::Address => "address",
            Field::IdDocument => "id_document",
            Field::Items => "items",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! from_str_via_serde {
    ($t:ty, $what:literal) => {
        impl FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                serde_json::from_value(serde_json::Value::String(s.trim().to_lowercase()))
                    .map_err(|_| Error::Invalid(format!(concat!("unknown ", $what, " {:?}"), s)))
            }
        }
    };
}
from_str_via_serde!(Format, "format");
from_str_via_serde!(Preset, "preset");
from_str_via_serde!(Action, "action");
from_str_via_serde!(Field, "field");

/// Which column holds which field: saved and loaded as a JSON file by the
/// CLI (the "remembered mapping"). Header texts match case-insensitively,
/// ignoring surrounding spaces.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportMapping"))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    #[serde(default)]
    pub columns: BTreeMap<Field, String>,
    /// Further columns tried in order when the main one is empty in a row
    /// (amoCRM has "Рабочий телефон", then "Мобильный телефон", …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fallback: BTreeMap<Field, Vec<String>>,
    /// The action of rows without an action column (or with it empty).
    #[serde(default)]
    pub default_action: Action,
}

impl Mapping {
    /// Reads a saved mapping.
    pub fn from_json(s: &str) -> Result<Self> {
        serde_json::from_str(s)
            .map_err(|e| Error::Invalid(format!("mapping file is not valid: {e}")))
    }

    /// Writes the mapping as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a mapping serialises")
    }
}

/// How to read a file; every field is optional (detected when `None`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub format: Option<Format>,
    pub preset: Option<Preset>,
    /// An `encoding_rs` label: "utf-8", "windows-1251", "cp1251", "koi8-r", …
    pub encoding: Option<String>,
    /// `b';'`, `b','`, `b'\t'`, or another single ASCII byte.
    pub delimiter: Option<u8>,
    pub mapping: Option<Mapping>,
}

/// One consent action read from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// 1-based: CSV, the physical line where the record starts; XLSX, the
    /// sheet row; JSON, the record's index + 1.
    pub line: u64,
    pub name: Option<String>,
    /// Normalised by [`normalize_email`].
    pub email: Option<String>,
    /// Normalised by [`normalize_phone`].
    pub phone: Option<String>,
    pub address: Option<String>,
    pub id_document: Option<String>,
    pub action: Action,
    /// When the subject acted, normalised to UTC ([`parse_datetime`]).
    pub acted_at: DateTime<Utc>,
    /// The date exactly as in the file.
    pub acted_at_original: String,
    pub ip: Option<IpAddr>,
    pub url: Option<String>,
    pub user_agent: Option<String>,
    pub channel: Option<String>,
    /// As written in the file (a version id, an agreement title, a Bitrix24
    /// agreement name, a policy URL); the register resolves it.
    pub agreement: Option<String>,
    /// The form's other data as provided (header → value, verbatim): every
    /// non-empty column except those kept above as read (a name, a single
    /// e-mail, a phone, the date, a valid IP, the action, address, document,
    /// URL, user agent). A value the row could not keep whole, such as a cut
    /// IPv6 address or a list of e-mails, stays here. For JSON, every
    /// top-level member (objects and arrays as compact JSON).
    pub fields: BTreeMap<String, String>,
    /// Things accepted but worth a look, e.g. a value Bitrix24 cut at 50
    /// characters or an IPv6 address cut by its IPv4-sized column.
    pub warnings: Vec<String>,
}

/// A row that cannot be imported, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Rejected"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub line: u64,
    /// In English, every problem joined with "; ".
    pub reason: String,
    /// The same as message ids with their values, for a front end to show in
    /// its own language; empty when a reason has no id (it is then shown as is).
    pub problems: Vec<Problem>,
}

/// One reason a row was refused: a message id (`date_invalid`, …) and the
/// values the message names (`value`: what the file had, …).
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportProblem"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub id: String,
    pub values: BTreeMap<String, String>,
}

impl Problem {
    pub fn new(id: &str, values: &[(&str, &str)]) -> Self {
        Problem {
            id: id.to_string(),
            values: values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }
}

impl RowError {
    /// A reason with no message id.
    pub fn text(line: u64, reason: impl Into<String>) -> Self {
        RowError { line, reason: reason.into(), problems: Vec::new() }
    }

    /// One problem with its id, and its English text.
    pub fn one(line: u64, problem: Problem, english: impl Into<String>) -> Self {
        RowError { line, reason: english.into(), problems: vec![problem] }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for RowError {}

/// What was found out about a file.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportSource"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub format: Format,
    /// Lower-case `encoding_rs` name: "utf-8", "windows-1251", "utf-16le", …
    /// (JSON and XLSX: "utf-8").
    pub encoding: String,
    /// CSV only.
    pub delimiter: Option<u8>,
    /// CSV/XLSX: the header row. JSON: the top-level member names of the first
    /// record.
    pub headers: Vec<String>,
    /// Hex SHA-256 of the raw file bytes.
    pub sha256: String,
    /// The preset in use: given, or recognised from the headers / records.
    pub preset: Option<Preset>,
    /// The mapping in use: given, the preset's, or suggested. For JSON it
    /// names the members each field is read from (informative only).
    pub mapping: Mapping,
}

/// The first records of a file, for the column-mapping step.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ImportPreview"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub source: Source,
    /// The first `n` raw records after the header (JSON: the values of
    /// `source.headers` in the first `n` records).
    pub rows: Vec<Vec<String>>,
    /// The preset's mapping, or the one suggested from the headers.
    pub suggested: Mapping,
    /// Required fields that `source.mapping` does not map to a column of the
    /// file: `acted_at`, and — when none of them is — `name`, `email` and
    /// `phone` (one of the three is needed). Empty for JSON.
    pub missing: Vec<Field>,
}

/// The rows of an opened file, read lazily.
pub struct Rows<'a> {
    inner: RowsInner<'a>,
}

enum RowsInner<'a> {
    Csv(Box<csvsrc::CsvRows<'a>>),
    Xlsx(xlsx::XlsxRows),
    Json(json::JsonRows<'a>),
}

impl Iterator for Rows<'_> {
    type Item = std::result::Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            RowsInner::Csv(r) => r.next(),
            RowsInner::Xlsx(r) => r.next(),
            RowsInner::Json(r) => r.next(),
        }
    }
}

impl fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rows")
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Preset {
    /// The snake_case name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Bitrix24 => "bitrix24",
            Preset::AmoCrm => "amocrm",
            Preset::Kantara => "kantara",
            Preset::Iso27560 => "iso27560",
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn check_preset_format(format: Format, preset: Option<Preset>) -> Result<()> {
    let (Some(p), json) = (preset, format == Format::Json) else {
        return Ok(());
    };
    if json != matches!(p, Preset::Kantara | Preset::Iso27560) {
        let what = if json { "JSON" } else { "CSV or XLSX" };
        return Err(Error::Invalid(format!(
            "preset {p} does not read {what} files"
        )));
    }
    Ok(())
}

/// The format named in `opts`, or detected from the file's first bytes.
fn format_of(input: Input<'_>, opts: &Options) -> Result<Format> {
    let format = match opts.format {
        Some(f) => f,
        None => detect_format(&input.head(64 * 1024)?),
    };
    check_preset_format(format, opts.preset)?;
    Ok(format)
}

/// Opens a file for import: detects what it is, checks its header against
/// the mapping (a missing required column is a whole-file error) and returns
/// the rows, read lazily. Whole-file problems (not a text file, duplicate
/// headers, a record over 10 MB, invalid JSON, a JSON file too large to read
/// whole) are `Err`; a bad row is a [`RowError`] in the iteration. A file on
/// disk ([`Input::File`]) is read in pieces: CSV and XLSX of any size stream.
pub fn open<'a>(input: impl Into<Input<'a>>, opts: &Options) -> Result<(Source, Rows<'a>)> {
    let input = input.into();
    let inner = match format_of(input, opts)? {
        Format::Csv => {
            let (source, rows) = csvsrc::open(input, opts)?;
            (source, RowsInner::Csv(Box::new(rows)))
        }
        Format::Xlsx => {
            let (source, rows) = xlsx::open(input, opts)?;
            (source, RowsInner::Xlsx(rows))
        }
        Format::Json => {
            let (source, rows) = json::open(input, opts)?;
            (source, RowsInner::Json(rows))
        }
    };
    Ok((inner.0, Rows { inner: inner.1 }))
}

/// The rows of a CSV or XLSX file on `lines` (as reported for rejected
/// rows) under the file's header, as a CSV to fix and import again: UTF-8
/// with a BOM, `;`-separated, values that would start a spreadsheet formula
/// neutralised as in exports (an apostrophe in front, which the importer
/// removes again). None for JSON: its records have no columns.
pub fn rejected_rows<'a>(input: impl Into<Input<'a>>, opts: &Options, lines: &[u64]) -> Result<Option<Vec<u8>>> {
    let input = input.into();
    let wanted: std::collections::BTreeSet<u64> = lines.iter().copied().collect();
    let (headers, rows) = match format_of(input, opts)? {
        Format::Csv => csvsrc::records_at(input, opts, &wanted)?,
        Format::Xlsx => xlsx::records_at(input, &wanted)?,
        _ => return Ok(None),
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .flexible(true)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    let io = |e: csv::Error| Error::Invalid(format!("writing the rejected rows: {e}"));
    w.write_record(headers.iter().map(|h| crate::consents::export::neutralise(h).into_owned()))
        .map_err(io)?;
    for r in &rows {
        w.write_record(r.iter().map(|v| crate::consents::export::neutralise(v).into_owned()))
            .map_err(io)?;
    }
    w.into_inner()
        .map(Some)
        .map_err(|e| Error::Invalid(format!("writing the rejected rows: {e}")))
}

/// Reads the header and the first `n` records without judging them, for the
/// mapping step. Whole-file problems are errors as in [`open`]; missing
/// columns are not (they are listed in [`Preview::missing`]).
pub fn preview<'a>(input: impl Into<Input<'a>>, opts: &Options, n: usize) -> Result<Preview> {
    let input = input.into();
    match format_of(input, opts)? {
        Format::Csv => csvsrc::preview(input, opts, n),
        Format::Xlsx => xlsx::preview(input, opts, n),
        Format::Json => json::preview(input, opts, n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_use_snake_case_names() {
        assert_eq!(
            serde_json::to_string(&Preset::AmoCrm).unwrap(),
            "\"amocrm\""
        );
        assert_eq!(
            serde_json::to_string(&Preset::Bitrix24).unwrap(),
            "\"bitrix24\""
        );
        assert_eq!(
            serde_json::to_string(&Preset::Iso27560).unwrap(),
            "\"iso27560\""
        );
        assert_eq!(
            serde_json::to_string(&Field::UserAgent).unwrap(),
            "\"user_agent\""
        );
        assert_eq!(
            serde_json::to_string(&Field::ActedAt).unwrap(),
            "\"acted_at\""
        );
        assert_eq!("AmoCRM".parse::<Preset>().unwrap(), Preset::AmoCrm);
        assert_eq!("kantara".parse::<Preset>().unwrap(), Preset::Kantara);
        assert_eq!("xlsx".parse::<Format>().unwrap(), Format::Xlsx);
        assert!("bitrix".parse::<Preset>().is_err());
        for f in Field::ALL {
            assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
        }
    }

    #[test]
    fn mapping_round_trips_and_defaults() {
        let m =
            Mapping::from_json(r#"{"columns": {"email": "Почта", "acted_at": "Дата"}}"#).unwrap();
        assert_eq!(m.default_action, Action::Given);
        assert_eq!(m.columns[&Field::Email], "Почта");
        assert_eq!(Mapping::from_json(&m.to_json()).unwrap(), m);
        let m2 = Mapping::from_json(r#"{"columns": {}, "default_action": "withdrawn"}"#).unwrap();
        assert_eq!(m2.default_action, Action::Withdrawn);
        assert!(Mapping::from_json(r#"{"columns": {"shoe_size": "x"}}"#).is_err());
    }

    #[test]
    fn preset_must_fit_format() {
        let opts = Options {
            preset: Some(Preset::Kantara),
            ..Default::default()
        };
        let e = open(b"a;b\n1;2\n", &opts).unwrap_err();
        assert!(e.to_string().contains("kantara"), "{e}");
        let opts = Options {
            preset: Some(Preset::Bitrix24),
            ..Default::default()
        };
        assert!(open(b"[]", &opts).is_err());
    }
}
