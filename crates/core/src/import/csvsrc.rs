//! CSV files: decoding, delimiter, header row, and the records streamed
//! through the `csv` crate into rows.

use std::io::Read;

use super::detect::{choose_encoding, scan_text, Scan};
use super::input::{DecodingReader, Input, CHUNK};
use super::mapping::{preset_mapping, recognise, suggest_mapping};
use super::tabular::{clean_headers, Plan};
use super::{Format, Mapping, Options, Preset, Preview, Problem, Row, RowError, Source, MAX_RECORD_BYTES};
use crate::error::{Error, Result};

type Reader<'a> = csv::Reader<Lines<DecodingReader<Box<dyn Read + Send + 'a>>>>;

/// The decoded text as the `csv` crate reads it, keeping what it has read
/// since the last record numbered, to give records their physical line
/// numbers. (The crate's own line count is one short after a CRLF line end:
/// here a record starts at its first byte after any line-end bytes, and its
/// line is one more than the `\n`s before it.)
struct Lines<R> {
    inner: R,
    /// The text from byte offset `base` to what has been read.
    kept: Vec<u8>,
    base: u64,
    /// Text before `pos` has been counted: `line` `\n`s.
    pos: u64,
    line: u64,
}

/// What `Lines` keeps at most: a record (no longer than the record scan
/// allows) and the reads around it. Older text is counted and dropped, so
/// that blank lines cannot make it grow without end.
const KEEP: usize = MAX_RECORD_BYTES + 4 * CHUNK;

impl<R> Lines<R> {
    fn new(inner: R) -> Self {
        Lines { inner, kept: Vec::new(), base: 0, pos: 0, line: 0 }
    }

    /// Counts the text before `upto` (at most what has been read); drops
    /// what is counted once it is over a MiB (so that the text is not moved
    /// for every record).
    fn count_to(&mut self, upto: u64) {
        let upto = upto.min(self.base + self.kept.len() as u64).max(self.pos);
        let (from, to) = ((self.pos - self.base) as usize, (upto - self.base) as usize);
        self.line += self.kept[from..to].iter().filter(|&&c| c == b'\n').count() as u64;
        self.pos = upto;
        if to > 1 << 20 {
            self.kept.drain(..to);
            self.base = upto;
        }
    }

    /// The line of the record that starts at byte `byte` of the text.
    fn at(&mut self, byte: u64) -> u64 {
        let end = self.base + self.kept.len() as u64;
        let mut b = byte.min(end).max(self.pos);
        while b < end && matches!(self.kept[(b - self.base) as usize], b'\r' | b'\n') {
            b += 1;
        }
        self.count_to(b);
        self.line + 1
    }

    fn of(&mut self, record: &csv::StringRecord) -> u64 {
        self.at(record.position().map(|p| p.byte()).unwrap_or(0))
    }
}

impl<R: Read> Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        if self.kept.len() > 2 * KEEP {
            // No record starts this far back: what lies there is counted.
            self.count_to(self.base + (self.kept.len() - KEEP) as u64);
        }
        Ok(n)
    }
}

/// An opened CSV file up to (and including) its header row.
struct Opened<'a> {
    reader: Reader<'a>,
    scan: Scan,
    headers: Vec<String>,
    encoding: String,
    delimiter: u8,
    sha256: String,
}

fn check_delimiter(d: u8) -> Result<u8> {
    if !d.is_ascii() || matches!(d, b'"' | b'\n' | b'\r' | 0) || d.is_ascii_alphanumeric() {
        return Err(Error::Invalid(format!(
            "{:?} cannot be a CSV delimiter; use ';', ',' or tab",
            d as char
        )));
    }
    Ok(d)
}

fn cut_error(line: u64, last: u64) -> String {
    if last > line {
        format!(
            "a quoted field opened here is never closed: lines {line}–{last} were read as one field; the file is truncated or has a stray quote"
        )
    } else {
        "the record ends inside a quoted field: the file looks truncated".to_string()
    }
}

/// Reads the file three times, one piece at a time: to choose its encoding
/// (and hash it), to check its text and find its delimiter, and then, as
/// the caller reads records, to parse it.
fn open_csv<'a>(input: Input<'a>, opts: &Options) -> Result<Opened<'a>> {
    let given = opts.delimiter.map(check_delimiter).transpose()?;
    let enc = choose_encoding(input, opts.encoding.as_deref())?;
    let text = scan_text(input, &enc, given)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(text.delimiter)
        .from_reader(Lines::new(DecodingReader::new(input.reader()?, enc.encoding)));
    let mut first = csv::StringRecord::new();
    let got = reader
        .read_record(&mut first)
        .map_err(|e| Error::Invalid(format!("the header row cannot be read: {e}")))?;
    if !got {
        return Err(Error::Invalid(
            "the file is empty: no header row and no records".into(),
        ));
    }
    let line = reader.get_mut().of(&first);
    if let Some((l, last)) = text.scan.unterminated {
        if l == line {
            return Err(Error::Invalid(format!("line {l}: {}", cut_error(l, last))));
        }
    }
    let raw: Vec<String> = first.iter().map(String::from).collect();
    let headers = clean_headers(&raw)?;
    Ok(Opened {
        reader,
        scan: text.scan,
        headers,
        encoding: enc.name(),
        delimiter: text.delimiter,
        sha256: enc.sha256,
    })
}

/// The mapping and preset in use, and the one to suggest.
pub(crate) fn choose_mapping(
    headers: &[String],
    opts: &Options,
) -> (Mapping, Option<Preset>, Mapping) {
    let preset = opts.preset.or_else(|| recognise(headers));
    let suggested = match preset {
        Some(p) => preset_mapping(p, headers),
        None => suggest_mapping(headers),
    };
    let mapping = opts.mapping.clone().unwrap_or_else(|| suggested.clone());
    (mapping, preset, suggested)
}

pub(crate) fn open<'a>(input: Input<'a>, opts: &Options) -> Result<(Source, CsvRows<'a>)> {
    let o = open_csv(input, opts)?;
    let (mapping, preset, _) = choose_mapping(&o.headers, opts);
    let (plan, missing) = Plan::resolve(&o.headers, &mapping, preset);
    if !missing.is_empty() {
        return Err(Plan::missing_error(&missing));
    }
    let source = Source {
        format: Format::Csv,
        encoding: o.encoding,
        delimiter: Some(o.delimiter),
        headers: o.headers,
        sha256: o.sha256,
        preset,
        mapping,
    };
    let rows = CsvRows {
        reader: o.reader,
        record: csv::StringRecord::new(),
        plan,
        scan: o.scan,
        done: false,
    };
    Ok((source, rows))
}

/// The header and the raw records that start on `lines` (records that
/// cannot be read are left out).
pub(crate) fn records_at(
    input: Input<'_>,
    opts: &Options,
    lines: &std::collections::BTreeSet<u64>,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let mut o = open_csv(input, opts)?;
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    while out.len() < lines.len() {
        match o.reader.read_record(&mut rec) {
            Ok(true) => {
                if lines.contains(&o.reader.get_mut().of(&rec)) {
                    out.push(rec.iter().map(String::from).collect());
                }
            }
            Ok(false) => break,
            Err(_) if o.reader.is_done() => break,
            Err(_) => continue,
        }
    }
    Ok((o.headers, out))
}

pub(crate) fn preview(input: Input<'_>, opts: &Options, n: usize) -> Result<Preview> {
    let mut o = open_csv(input, opts)?;
    let (mapping, preset, suggested) = choose_mapping(&o.headers, opts);
    let (plan, _) = Plan::resolve(&o.headers, &mapping, preset);
    let mut rows = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rows.len() < n {
        match o.reader.read_record(&mut rec) {
            Ok(true) => rows.push(rec.iter().map(String::from).collect()),
            Ok(false) => break,
            Err(e) => {
                return Err(Error::Invalid(format!(
                    "the file cannot be read as CSV: {e}"
                )))
            }
        }
    }
    Ok(Preview {
        missing: plan.missing_fields(),
        source: Source {
            format: Format::Csv,
            encoding: o.encoding,
            delimiter: Some(o.delimiter),
            headers: o.headers,
            sha256: o.sha256,
            preset,
            mapping,
        },
        rows,
        suggested,
    })
}

/// The records of a CSV file after its header, as rows.
pub(crate) struct CsvRows<'a> {
    reader: Reader<'a>,
    record: csv::StringRecord,
    plan: Plan,
    scan: Scan,
    done: bool,
}

impl Iterator for CsvRows<'_> {
    type Item = std::result::Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.reader.read_record(&mut self.record) {
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    let byte = e.position().map(|p| p.byte()).unwrap_or(0);
                    let line = self.reader.get_mut().at(byte);
                    if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                        self.done = true;
                    }
                    return Some(Err(RowError::text(line, format!("cannot be read as CSV: {e}"))));
                }
                Ok(true) => {}
            }
            let line = self.reader.get_mut().of(&self.record);
            if let Some((l, last)) = self.scan.unterminated {
                if l == line {
                    self.done = true;
                    return Some(Err(RowError::one(
                        line,
                        Problem::new("unclosed_quote", &[("last", &last.to_string())]),
                        cut_error(l, last),
                    )));
                }
            }
            let width = self.plan.width();
            let len = self.record.len();
            let extra_empty =
                len > width && self.record.iter().skip(width).all(|v| v.trim().is_empty());
            if len != width && !extra_empty {
                if len == 1 && self.record.get(0).is_some_and(|v| v.trim().is_empty()) {
                    continue;
                }
                return Some(Err(RowError::one(
                    line,
                    Problem::new("field_count", &[("count", &len.to_string()), ("width", &width.to_string())]),
                    format!(
                        "has {len} field{} where the header has {width}",
                        if len == 1 { "" } else { "s" }
                    ),
                )));
            }
            let vals: Vec<&str> = self.record.iter().take(width).collect();
            match self.plan.build(line, &vals, None) {
                Some(r) => return Some(r),
                None => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{open as open_any, preview as preview_any, Action, Field, Options};

    fn rows(text: &str, opts: &Options) -> Vec<Result<super::Row, super::RowError>> {
        let (_, rows) = open_any(text.as_bytes(), opts).unwrap();
        rows.collect()
    }

    #[test]
    fn quoted_newlines_and_semicolons_keep_their_line() {
        let text = "ФИО;E-mail;Дата;Комментарий\n\
                    Иванов Иван;ivan@example.ru;14.03.2025 10:22;\"строка 1\nстрока 2; с точкой с запятой\"\n\
                    Петрова Анна;anna@example.ru;15.03.2025 09:00;\"\"\"цитата\"\"\"\n";
        let (src, it) = open_any(text.as_bytes(), &Options::default()).unwrap();
        assert_eq!(src.delimiter, Some(b';'));
        assert_eq!(src.encoding, "utf-8");
        let r: Vec<_> = it.map(Result::unwrap).collect();
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].line, r[1].line), (2, 4));
        assert_eq!(
            r[0].fields["Комментарий"],
            "строка 1\nстрока 2; с точкой с запятой"
        );
        assert_eq!(r[1].fields["Комментарий"], "\"цитата\"");
    }

    #[test]
    fn crlf_files_keep_physical_line_numbers() {
        let text = "ФИО;Дата;Комментарий\r\nИванов;14.03.2025;\"a\r\nb\"\r\n\r\nПетров;;x\r\nСидоров;14.03.2025;\"cut";
        let r = rows(text, &Options::default());
        assert_eq!(r[0].as_ref().unwrap().line, 2);
        assert_eq!(r[1].as_ref().unwrap_err().line, 5);
        let e = r[2].as_ref().unwrap_err();
        assert_eq!(e.line, 6);
        assert!(e.reason.contains("truncated"), "{}", e.reason);
    }

    #[test]
    fn wrong_column_counts_are_row_errors() {
        let text = "Имя,Email,Date\nOlga,olga@example.com,2025-03-14\nIvan,ivan@example.com\nPetr,petr@example.com,2025-03-14,,\nAnna,anna@example.com,2025-03-14,extra\n";
        let r = rows(text, &Options::default());
        assert!(r[0].is_ok());
        let e = r[1].as_ref().unwrap_err();
        assert_eq!(
            (e.line, e.reason.as_str()),
            (3, "has 2 fields where the header has 3")
        );
        assert!(r[2].is_ok(), "trailing empty fields are tolerated");
        assert_eq!(r[3].as_ref().unwrap_err().line, 5);
    }

    #[test]
    fn truncated_last_record_is_a_row_error() {
        let text = "Имя;Email;Дата;Комментарий\nOlga;olga@example.com;14.03.2025;ok\nIvan;ivan@example.com;14.03.2025;\"cut in the mi";
        let r = rows(text, &Options::default());
        assert_eq!(r.len(), 2);
        assert!(r[0].is_ok());
        let e = r[1].as_ref().unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("truncated"), "{}", e.reason);
    }

    #[test]
    fn stray_quote_swallowing_lines_is_reported() {
        let text = "Имя;Дата\n\"Olga;14.03.2025\nIvan;14.03.2025\nPetr;14.03.2025\n";
        let r = rows(text, &Options::default());
        let e = r.last().unwrap().as_ref().unwrap_err();
        assert!(e.reason.contains("lines 2–5"), "{}", e.reason);
    }

    #[test]
    fn delimiter_and_encoding_overrides() {
        let text = "Имя|Дата|Телефон\nОльга|14.03.2025|+7 916 000-00-01\n";
        let opts = Options {
            delimiter: Some(b'|'),
            ..Default::default()
        };
        let r = rows(text, &opts);
        assert_eq!(r[0].as_ref().unwrap().phone.as_deref(), Some("79160000001"));
        assert!(open_any(
            text.as_bytes(),
            &Options {
                delimiter: Some(b'"'),
                ..Default::default()
            }
        )
        .is_err());
        // Forced tab on a `;` file: one column, no date: a clear whole-file error.
        let e = open_any(
            "Имя;Дата\nОльга;14.03.2025\n".as_bytes(),
            &Options {
                delimiter: Some(b'\t'),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("lacks required columns"), "{e}");
    }

    #[test]
    fn default_action_and_action_column() {
        let mut opts = Options::default();
        let mut m = super::suggest_mapping(&["Имя".into(), "Дата".into()]);
        m.default_action = Action::Refused;
        opts.mapping = Some(m);
        let r = rows("Имя;Дата\nОльга;14.03.2025\n", &opts);
        assert_eq!(r[0].as_ref().unwrap().action, Action::Refused);
        let r = rows(
            "Имя;Дата;Статус\nОльга;14.03.2025;\nПётр;14.03.2025;Нет\n",
            &Options::default(),
        );
        assert_eq!(r[0].as_ref().unwrap().action, Action::Given);
        assert_eq!(r[1].as_ref().unwrap().action, Action::Refused);
    }

    #[test]
    fn preview_lists_missing_fields_without_failing() {
        let p = preview_any(
            "Комментарий;Когда\nпривет;вчера\nпока;сегодня\nещё;завтра\n".as_bytes(),
            &Options::default(),
            2,
        )
        .unwrap();
        assert_eq!(
            p.rows,
            vec![
                vec!["привет".to_string(), "вчера".into()],
                vec!["пока".into(), "сегодня".into()]
            ]
        );
        assert_eq!(
            p.missing,
            vec![Field::ActedAt, Field::Name, Field::Email, Field::Phone]
        );
        assert!(p.suggested.columns.is_empty());
        assert!(open_any(
            "Комментарий;Когда\nпривет;вчера\n".as_bytes(),
            &Options::default()
        )
        .is_err());
    }

    /// Blank lines are counted and dropped as they are read: more of them
    /// than the text kept for a record still number the next record right.
    #[test]
    fn a_record_after_more_blank_lines_than_are_kept_has_its_line() {
        // Two bytes a line: more than twice what is kept.
        let blank = super::KEEP + 1000;
        let text = format!("Имя;Дата\r\nОльга;14.03.2025\r\n{}Пётр;15.03.2025\r\n", "\r\n".repeat(blank));
        let r = rows(&text, &Options::default());
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].as_ref().unwrap().line, 2);
        assert_eq!(r[1].as_ref().unwrap().line, 3 + blank as u64);
    }

    #[test]
    fn blank_records_are_skipped() {
        let r = rows(
            "Имя;Дата\nОльга;14.03.2025\n;\n\n;;\nПётр;15.03.2025\n",
            &Options::default(),
        );
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!(r[1].as_ref().unwrap().line, 6);
    }
}
