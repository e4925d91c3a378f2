//! XLSX workbooks: the first sheet, its first non-empty row as headers, the
//! rest as records, streamed cell by cell by a worker thread.
//!
//! calamine's cell reader borrows the workbook, so a worker thread owns both
//! and sends whole rows through a bounded channel: memory stays at a few
//! dozen rows (plus the workbook's shared strings) whatever the sheet size.

use std::io::Cursor;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use calamine::{DataRef, Reader, Xlsx};

use super::csvsrc::choose_mapping;
use super::tabular::{clean_headers, Plan};
use super::values::excel_datetime_text;
use super::{sha256_hex, Format, Options, Preview, Problem, Row, RowError, Source};
use crate::error::{Error, Result};

/// One cell as text, with its number when it is a number cell.
#[derive(Debug, Clone, Default)]
struct XCell {
    text: String,
    num: Option<f64>,
}

enum Msg {
    /// A sheet row (0-based) and its cells.
    Row(u32, Vec<XCell>),
    Failed(String),
    End,
}

fn cell(v: &DataRef<'_>) -> XCell {
    match v {
        DataRef::Int(i) => XCell {
            text: i.to_string(),
            num: Some(*i as f64),
        },
        DataRef::Float(f) => {
            let text = if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            };
            XCell {
                text,
                num: Some(*f),
            }
        }
        DataRef::String(s) => XCell {
            text: s.clone(),
            num: None,
        },
        DataRef::SharedString(s) => XCell {
            text: (*s).to_string(),
            num: None,
        },
        DataRef::Bool(b) => XCell {
            text: b.to_string(),
            num: None,
        },
        DataRef::DateTime(dt) => {
            let text = if dt.is_datetime() {
                excel_datetime_text(dt)
            } else {
                None
            };
            XCell {
                text: text.unwrap_or_else(|| dt.as_f64().to_string()),
                num: None,
            }
        }
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => XCell {
            text: s.clone(),
            num: None,
        },
        DataRef::Error(e) => XCell {
            text: e.to_string(),
            num: None,
        },
        DataRef::Empty => XCell::default(),
    }
}

fn work(data: Vec<u8>, tx: SyncSender<Msg>) {
    let fail = |tx: &SyncSender<Msg>, e: String| {
        let _ = tx.send(Msg::Failed(e));
    };
    let mut wb: Xlsx<Cursor<Vec<u8>>> = match Xlsx::new(Cursor::new(data)) {
        Ok(wb) => wb,
        Err(e) => {
            return fail(
                &tx,
                format!("the file is not a readable XLSX workbook: {e}"),
            )
        }
    };
    let Some(name) = wb.sheet_names().first().cloned() else {
        return fail(&tx, "the workbook has no sheet".into());
    };
    let mut reader = match wb.worksheet_cells_reader(&name) {
        Ok(r) => r,
        Err(e) => return fail(&tx, format!("sheet {name:?} cannot be read: {e}")),
    };
    let mut cur: Option<u32> = None;
    let mut cells: Vec<XCell> = Vec::new();
    loop {
        match reader.next_cell() {
            Ok(Some(c)) => {
                let (r, col) = c.get_position();
                if cur != Some(r) {
                    if let Some(prev) = cur {
                        if tx.send(Msg::Row(prev, std::mem::take(&mut cells))).is_err() {
                            return;
                        }
                    }
                    cur = Some(r);
                }
                let col = col as usize;
                if col > 16_384 {
                    return fail(&tx, format!("row {}: cell beyond column XFD", r + 1));
                }
                if cells.len() <= col {
                    cells.resize(col + 1, XCell::default());
                }
                cells[col] = cell(c.get_value());
            }
            Ok(None) => break,
            Err(e) => return fail(&tx, format!("sheet {name:?} is damaged or cut off: {e}")),
        }
    }
    if let Some(prev) = cur {
        if tx.send(Msg::Row(prev, cells)).is_err() {
            return;
        }
    }
    let _ = tx.send(Msg::End);
}

struct Opened {
    rx: Receiver<Msg>,
    headers: Vec<String>,
}

fn open_xlsx(bytes: &[u8]) -> Result<Opened> {
    let (tx, rx) = sync_channel(64);
    let data = bytes.to_vec();
    std::thread::Builder::new()
        .name("xlsx-import".into())
        .spawn(move || work(data, tx))
        .map_err(|e| Error::io("starting the XLSX reader", e))?;
    loop {
        match rx.recv() {
            Ok(Msg::Row(_, cells)) => {
                if cells.iter().all(|c| c.text.trim().is_empty()) {
                    continue;
                }
                let raw: Vec<String> = cells.into_iter().map(|c| c.text).collect();
                let headers = clean_headers(&raw)?;
                return Ok(Opened { rx, headers });
            }
            Ok(Msg::Failed(e)) => return Err(Error::Invalid(e)),
            Ok(Msg::End) => {
                return Err(Error::Invalid(
                    "the first sheet of the workbook is empty".into(),
                ))
            }
            // The reader stopped without saying why (it panicked).
            Err(_) => {
                return Err(Error::Invalid(
                    "the file is not a readable XLSX workbook: its first sheet is damaged".into(),
                ))
            }
        }
    }
}

pub(crate) fn open(bytes: &[u8], opts: &Options) -> Result<(Source, XlsxRows)> {
    let o = open_xlsx(bytes)?;
    let (mapping, preset, _) = choose_mapping(&o.headers, opts);
    let (plan, missing) = Plan::resolve(&o.headers, &mapping, preset);
    if !missing.is_empty() {
        return Err(Plan::missing_error(&missing));
    }
    let source = Source {
        format: Format::Xlsx,
        encoding: "utf-8".into(),
        delimiter: None,
        headers: o.headers,
        sha256: sha256_hex(bytes),
        preset,
        mapping,
    };
    Ok((
        source,
        XlsxRows {
            rx: o.rx,
            plan,
            done: false,
            last_line: 1,
        },
    ))
}

/// The header and the rows of the first sheet on `lines` (1-based, as reported).
pub(crate) fn records_at(
    bytes: &[u8],
    lines: &std::collections::BTreeSet<u64>,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let o = open_xlsx(bytes)?;
    let mut out = Vec::new();
    while out.len() < lines.len() {
        match o.rx.recv() {
            Ok(Msg::Row(r, cells)) if lines.contains(&(r as u64 + 1)) => {
                out.push(cells.into_iter().map(|c| c.text).collect())
            }
            Ok(Msg::Row(..)) => {}
            Ok(Msg::Failed(_)) | Ok(Msg::End) | Err(_) => break,
        }
    }
    Ok((o.headers, out))
}

pub(crate) fn preview(bytes: &[u8], opts: &Options, n: usize) -> Result<Preview> {
    let o = open_xlsx(bytes)?;
    let (mapping, preset, suggested) = choose_mapping(&o.headers, opts);
    let (plan, _) = Plan::resolve(&o.headers, &mapping, preset);
    let mut rows = Vec::new();
    while rows.len() < n {
        match o.rx.recv() {
            Ok(Msg::Row(_, cells)) => rows.push(cells.into_iter().map(|c| c.text).collect()),
            Ok(Msg::Failed(e)) => return Err(Error::Invalid(e)),
            Ok(Msg::End) | Err(_) => break,
        }
    }
    Ok(Preview {
        missing: plan.missing_fields(),
        source: Source {
            format: Format::Xlsx,
            encoding: "utf-8".into(),
            delimiter: None,
            headers: o.headers,
            sha256: sha256_hex(bytes),
            preset,
            mapping,
        },
        rows,
        suggested,
    })
}

/// The rows of the first sheet after its header row.
pub(crate) struct XlsxRows {
    rx: Receiver<Msg>,
    plan: Plan,
    done: bool,
    /// The last sheet row read; a failure is reported on the row after it.
    last_line: u64,
}

impl Iterator for XlsxRows {
    type Item = std::result::Result<Row, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.rx.recv() {
                Ok(Msg::Row(r, mut cells)) => {
                    let width = self.plan.width();
                    let line = r as u64 + 1;
                    self.last_line = line;
                    if cells.len() > width {
                        if cells[width..].iter().any(|c| !c.text.trim().is_empty()) {
                            return Some(Err(RowError::one(
                                line,
                                Problem::new("beyond_columns", &[("width", &width.to_string())]),
                                format!("has values beyond the {width} columns of the header row"),
                            )));
                        }
                        cells.truncate(width);
                    }
                    cells.resize(width, XCell::default());
                    let vals: Vec<&str> = cells.iter().map(|c| c.text.as_str()).collect();
                    let nums: Vec<Option<f64>> = cells.iter().map(|c| c.num).collect();
                    if let Some(row) = self.plan.build(line, &vals, Some(&nums)) {
                        return Some(row);
                    }
                }
                Ok(Msg::Failed(e)) => {
                    self.done = true;
                    return Some(Err(RowError::text(self.last_line + 1, e)));
                }
                Ok(Msg::End) => self.done = true,
                Err(_) => {
                    self.done = true;
                    return Some(Err(RowError::text(self.last_line + 1, "reading the workbook stopped unexpectedly")));
                }
            }
        }
        None
    }
}
