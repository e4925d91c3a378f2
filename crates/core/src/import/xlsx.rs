//! XLSX workbooks: the first sheet, its first non-empty row as headers, the
//! rest as records, streamed cell by cell by a worker thread.
//!
//! calamine's cell reader borrows the workbook, so a worker thread owns both
//! and sends whole rows through a bounded channel: memory stays at a few
//! dozen rows (plus the workbook's shared strings) whatever the sheet size.

use std::io::{BufReader, Cursor, Read, Seek};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use calamine::{DataRef, Reader, Xlsx};

use super::csvsrc::choose_mapping;
use super::tabular::{clean_headers, Plan};
use super::values::excel_datetime_text;
use super::input::{Input, CHUNK};
use super::{Format, Options, Preview, Problem, Row, RowError, Source};
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

/// The workbook as the worker thread owns it: a copy of bytes in memory,
/// or the file on disk, which calamine reads (and unzips) as it goes.
enum Book {
    Bytes(Vec<u8>),
    File(PathBuf),
}

fn fail(tx: &SyncSender<Msg>, e: String) {
    let _ = tx.send(Msg::Failed(e));
}

/// The caller's end of the worker's channel. Dropping it stops the worker
/// and waits for it: a reader nobody listens to any more (a preview of the
/// first rows, an import that failed) must not go on parsing on its own or
/// outlive the call that started it.
struct Feed {
    rx: Receiver<Msg>,
    stop: Arc<AtomicBool>,
    worker: Option<JoinHandle<()>>,
}

impl Feed {
    fn start(book: Book) -> Result<Feed> {
        let (tx, rx) = sync_channel(64);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let worker = std::thread::Builder::new()
            .name("xlsx-import".into())
            .spawn(move || work(book, tx, &flag))
            .map_err(|e| Error::io("starting the XLSX reader", e))?;
        Ok(Feed { rx, stop, worker: Some(worker) })
    }

    fn recv(&self) -> std::result::Result<Msg, RecvError> {
        self.rx.recv()
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Take whatever the worker is blocked sending until it sees the flag
        // and drops its end.
        while self.rx.recv().is_ok() {}
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn work(book: Book, tx: SyncSender<Msg>, stop: &AtomicBool) {
    let unreadable = |e: &dyn std::fmt::Display| format!("the file is not a readable XLSX workbook: {e}");
    match book {
        Book::Bytes(data) => match Xlsx::new(Cursor::new(data)) {
            Ok(wb) => read_sheet(wb, tx, stop),
            Err(e) => fail(&tx, unreadable(&e)),
        },
        Book::File(path) => match std::fs::File::open(&path) {
            Ok(f) => match Xlsx::new(BufReader::with_capacity(CHUNK, f)) {
                Ok(wb) => read_sheet(wb, tx, stop),
                Err(e) => fail(&tx, unreadable(&e)),
            },
            Err(e) => fail(&tx, format!("reading {}: {e}", path.display())),
        },
    }
}

fn read_sheet<RS: Read + Seek>(mut wb: Xlsx<RS>, tx: SyncSender<Msg>, stop: &AtomicBool) {
    let Some(name) = wb.sheet_names().first().cloned() else {
        return fail(&tx, "the workbook has no sheet".into());
    };
    let mut reader = match wb.worksheet_cells_reader(&name) {
        Ok(r) => r,
        Err(e) => return fail(&tx, format!("sheet {name:?} cannot be read: {e}")),
    };
    let mut cur: Option<u32> = None;
    let mut cells: Vec<XCell> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
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
    rx: Feed,
    headers: Vec<String>,
}

/// The largest shared strings table read (decimal MB of XML, unpacked):
/// calamine holds every string of it in memory, about 1.4 times its size
/// (an Excel sheet of a million consents has 120 MB of them).
pub const MAX_SHARED_STRINGS_BYTES: u64 = 128_000_000;
/// The largest other part calamine reads whole (styles, workbook, relationships).
const MAX_PART_BYTES: u64 = 16_000_000;

/// Checks, before calamine reads the workbook, what it would hold in
/// memory: the parts it reads whole, unpacked (their sizes as they unpack,
/// not as the ZIP declares them), and that the shared strings table holds
/// as many strings as it says (calamine reserves room for the number it
/// says). A ZIP that does not open is left for calamine to describe.
fn precheck(input: Input<'_>) -> Result<()> {
    match input {
        Input::Bytes(b) => precheck_zip(Cursor::new(b)),
        Input::File(p) => match std::fs::File::open(p) {
            Ok(f) => precheck_zip(BufReader::with_capacity(CHUNK, f)),
            Err(e) => Err(Error::io(format!("reading {}", p.display()), e)),
        },
    }
}

fn precheck_zip<R: Read + Seek>(reader: R) -> Result<()> {
    let Ok(mut zip) = zip::ZipArchive::new(reader) else {
        return Ok(());
    };
    let damaged = |why: String| Error::Invalid(format!("the file is not a readable XLSX workbook: {why}; nothing was imported"));
    for i in 0..zip.len() {
        let Ok(mut part) = zip.by_index(i) else { continue };
        let Ok(shown) = part.name().map(|n| n.into_owned()) else { continue };
        let name = shown.to_ascii_lowercase();
        let strings = name.ends_with("sharedstrings.xml");
        // Only what calamine reads whole: the sheets stream, and other parts
        // (a large pivot cache, pictures) it does not read at all.
        let whole = strings || name.ends_with("styles.xml") || name.ends_with("workbook.xml") || name.ends_with(".rels");
        if name.contains("/worksheets/") || !whole {
            continue;
        }
        let limit = if strings { MAX_SHARED_STRINGS_BYTES } else { MAX_PART_BYTES };
        let mut count = SiCount::default();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = match part.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                // Damage is calamine's to describe.
                Err(_) => return Ok(()),
            };
            size += n as u64;
            if size > limit {
                return Err(if strings {
                    Error::Invalid(format!(
                        "the workbook's table of texts (shared strings) unpacks to more than {}, more than this app holds at once; save the sheet as \"CSV UTF-8\" in Excel and import that (a CSV of any size is read in pieces); nothing was imported",
                        super::input::megabytes(limit)
                    ))
                } else {
                    damaged(format!("its part {shown} unpacks to more than {}", super::input::megabytes(limit)))
                });
            }
            if strings {
                count.feed(&buf[..n]);
            }
        }
        if strings {
            if let Some(said) = count.unique_count() {
                if said > count.si {
                    return Err(damaged(format!("its table of texts says it holds {said} texts and holds {}", count.si)));
                }
            }
        }
    }
    Ok(())
}

/// Counts the `<si>` elements of a shared strings table read in pieces (with
/// any namespace prefix), keeping its start to read its `uniqueCount`.
#[derive(Default)]
struct SiCount {
    si: u64,
    /// A tag cut by the end of the previous piece.
    carry: Vec<u8>,
    /// The first 8 KiB of the table.
    head: Vec<u8>,
}

impl SiCount {
    fn feed(&mut self, piece: &[u8]) {
        let room = 8192usize.saturating_sub(self.head.len()).min(piece.len());
        self.head.extend_from_slice(&piece[..room]);
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(piece);
        let mut i = 0;
        while let Some(off) = memchr::memchr(b'<', &data[i..]) {
            let start = i + off + 1;
            match data[start..].iter().position(|c| matches!(c, b'>' | b' ' | b'/' | b'\t' | b'\n' | b'\r')) {
                Some(len) => {
                    let name = &data[start..start + len];
                    if name.rsplit(|&c| c == b':').next() == Some(b"si".as_slice()) {
                        self.si += 1;
                    }
                    i = start + len;
                }
                None => {
                    // A tag name is short: a longer run is no tag of interest.
                    if data.len() - start < 64 {
                        self.carry = data[start - 1..].to_vec();
                    }
                    return;
                }
            }
        }
    }

    /// The `uniqueCount` of the `<sst>` tag, when it has one.
    fn unique_count(&self) -> Option<u64> {
        let at = find(&self.head, b"sst")?;
        let end = at + self.head[at..].iter().position(|&c| c == b'>')?;
        let tag = &self.head[at..end];
        let value = &tag[find(tag, b"uniqueCount=")? + 13..];
        let digits = value.iter().take_while(|c| c.is_ascii_digit()).count();
        std::str::from_utf8(&value[..digits]).ok()?.parse().ok()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

fn open_xlsx(input: Input<'_>) -> Result<Opened> {
    precheck(input)?;
    let rx = Feed::start(match input {
        Input::Bytes(b) => Book::Bytes(b.to_vec()),
        Input::File(p) => Book::File(p.to_path_buf()),
    })?;
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

pub(crate) fn open(input: Input<'_>, opts: &Options) -> Result<(Source, XlsxRows)> {
    let o = open_xlsx(input)?;
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
        sha256: input.sha256()?,
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
    input: Input<'_>,
    lines: &std::collections::BTreeSet<u64>,
) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let o = open_xlsx(input)?;
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

pub(crate) fn preview(input: Input<'_>, opts: &Options, n: usize) -> Result<Preview> {
    let o = open_xlsx(input)?;
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
            sha256: input.sha256()?,
            preset,
            mapping,
        },
        rows,
        suggested,
    })
}

/// The rows of the first sheet after its header row.
pub(crate) struct XlsxRows {
    rx: Feed,
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

#[cfg(test)]
mod tests {
    use super::SiCount;

    #[test]
    fn shared_strings_are_counted_whatever_the_pieces() {
        let sst = "<?xml version=\"1.0\"?><sst xmlns=\"main\" count=\"9\" uniqueCount=\"4\"><si><t>a</t></si>\
                   <x:si><x:t>b</x:t></x:si><si/><si\n><r><t>c</t></r></si><sis>not one</sis><!-- <si> in a comment counts: more is safe --></sst>";
        for piece in [1, 2, 3, 7, 4096] {
            let mut c = SiCount::default();
            sst.as_bytes().chunks(piece).for_each(|p| c.feed(p));
            assert_eq!((c.si, c.unique_count()), (5, Some(4)), "pieces of {piece}");
        }
        let mut c = SiCount::default();
        c.feed(b"<sst count=\"1\"><si><t>a</t></si></sst>");
        assert_eq!((c.si, c.unique_count()), (1, None));
    }
}
