//! Imports a file of consents into the register in one transaction: every
//! row read by [`crate::import`] is resolved to an agreement version and
//! recorded; duplicates are skipped; the import itself is a ledger event with
//! the file's SHA-256. All or nothing, unless the caller keeps the good rows.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::json;

use super::recorder::Prepared;
use super::{resolve_target, Action, Channel, Intake, Recorder, Target};
use crate::db;
use crate::error::{Error, Result};
use crate::import::{self, Row};
use crate::ledger::{self, NewEvent};

/// How an import treats its rows.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The agreement version for rows that name none (A3-v2, or A3).
    pub agreement: Option<String>,
    /// Store the good rows even when some are bad (the bad ones are reported).
    pub keep_good_rows: bool,
}

/// A row that was not imported, and why: the reader's own row error, or
/// one found while recording it.
pub type Rejected = import::RowError;

/// Why a row's agreement could not be resolved: English, and as a message id.
type Unresolved = (String, Option<import::Problem>);

/// What an import did (or, when `committed` is false, would have done).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub file_name: String,
    pub file_sha256: String,
    pub format: String,
    pub encoding: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rows_read: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub added: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duplicates: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub new_subjects: u64,
    pub rejected: Vec<Rejected>,
    /// Lines of "given" rows for people on the suppression list (they
    /// withdrew or objected): not imported, so the withdrawal stays in force.
    #[cfg_attr(feature = "ts", ts(type = "Array<number>"))]
    pub suppressed: Vec<u64>,
    /// Stored. False when bad rows made the whole file be refused.
    pub committed: bool,
    /// The `consent.imported` event, when committed.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub seq: Option<u64>,
}

/// Reported at most this often (rows).
pub const PROGRESS_EVERY: u64 = 5_000;

fn action_of(a: import::Action) -> Action {
    match a {
        import::Action::Given => Action::Given,
        import::Action::Refused => Action::Refused,
        import::Action::Withdrawn => Action::Withdrawn,
    }
}

fn channel_of(s: Option<&str>) -> Channel {
    match s.map(|c| c.trim().to_lowercase()).as_deref() {
        None | Some("") => Channel::Import,
        Some(c) => Channel::parse(c).unwrap_or(match c {
            "web" | "site" | "сайт" | "веб-форма" | "форма" | "crm-форма" => Channel::WebForm,
            "chat" | "чат" | "открытая линия" | "open line" => Channel::Chat,
            "телефон" | "call" | "звонок" => Channel::Phone,
            "почта" | "e-mail" => Channel::Email,
            "бумага" | "бумажная анкета" => Channel::Paper,
            _ => Channel::Other,
        }),
    }
}

fn intake_of(row: Row) -> Intake {
    Intake {
        name: row.name,
        email: row.email,
        phone: row.phone,
        address: row.address,
        id_document: row.id_document,
        acted_at: Some(row.acted_at),
        acted_at_original: Some(row.acted_at_original),
        ip: row.ip,
        url: row.url,
        user_agent: row.user_agent,
        scan_sha256: None,
        fields: row.fields.into_iter().collect(),
    }
}

/// The version a row is recorded against: what the row names (a label such
/// as A3-v2, or an agreement's exact title, as Bitrix24 exports write it),
/// else the file's default.
fn resolve(
    conn: &Connection,
    named: Option<&str>,
    default: Option<&str>,
    action: Action,
) -> std::result::Result<Target, Unresolved> {
    let plain = |e: Error| (e.to_string(), None);
    if let Some(n) = named.map(str::trim).filter(|n| !n.is_empty()) {
        if let Ok(t) = resolve_target(conn, n, action) {
            return Ok(t);
        }
        let by_title = crate::agreements::list(conn)
            .map_err(plain)?
            .into_iter()
            .find(|a| a.title.trim().to_lowercase() == n.to_lowercase() && a.published_version.is_some());
        match (by_title, default) {
            (Some(a), _) => return super::target(conn, a.id, None, action).map_err(plain),
            (None, None) => {
                return Err((
                    format!("agreement {n:?} is not a version label (A3-v2) nor the title of a published agreement"),
                    Some(import::Problem::new("agreement_unknown", &[("value", n)])),
                ))
            }
            (None, Some(_)) => {}
        }
    }
    match default {
        None => Err((
            "no agreement: name one for the whole file (--agreement)".to_string(),
            Some(import::Problem::new("agreement_missing", &[])),
        )),
        Some(d) => resolve_target(conn, d, action).map_err(plain),
    }
}

/// Files from this size on are imported through a rollback journal
/// ([`db::bulk_journal`]): about 6,000 rows of a typical CSV.
const BULK_BYTES: u64 = 1 << 20;

/// Rows passed from the reading thread at a time, and chunks it may read ahead.
const CHUNK: usize = 1024;
const READ_AHEAD: usize = 8;

/// A row as the writing thread takes it: what it is recorded against, and
/// its intake already checked and prepared on the reading thread (or why not).
struct Ready {
    line: u64,
    agreement: Option<String>,
    action: Action,
    channel: Channel,
    intake: Result<Prepared>,
}

impl Ready {
    fn of(mut row: Row) -> Self {
        Ready {
            line: row.line,
            agreement: row.agreement.take(),
            action: action_of(row.action),
            channel: channel_of(row.channel.as_deref()),
            intake: Prepared::new(intake_of(row)),
        }
    }
}

type RowResult = std::result::Result<Ready, import::RowError>;

/// Imports `input` (the file `file_name`) read with `read`. `progress(rows
/// done)` returning false cancels: nothing is stored ([`Error::Cancelled`]).
pub fn import<'a>(
    conn: &mut Connection,
    actor: &str,
    file_name: &str,
    input: impl Into<import::Input<'a>>,
    read: &import::Options,
    opts: &ImportOptions,
    progress: impl FnMut(u64) -> bool,
) -> Result<ImportReport> {
    let input = input.into();
    let bulk = input.len()? >= BULK_BYTES && db::bulk_journal(conn, true);
    conn.execute_batch(&format!("PRAGMA cache_size = -{}", db::IMPORT_CACHE_KIB))?;
    let result = import_in_one_transaction(conn, actor, file_name, input, read, opts, progress);
    // Back to the usual cache and the write-ahead log (if this fails, the next open sets them).
    let _ = conn.execute_batch(&format!("PRAGMA cache_size = -{}", db::CACHE_KIB));
    if bulk {
        db::bulk_journal(conn, false);
    }
    result
}

fn import_in_one_transaction(
    conn: &mut Connection,
    actor: &str,
    file_name: &str,
    input: import::Input<'_>,
    read: &import::Options,
    opts: &ImportOptions,
    mut progress: impl FnMut(u64) -> bool,
) -> Result<ImportReport> {
    let (source, rows) = import::open(input, read)?;
    let report = ImportReport {
        file_name: file_name.to_string(),
        file_sha256: source.sha256.clone(),
        format: format!("{:?}", source.format).to_lowercase(),
        encoding: source.encoding.clone(),
        rows_read: 0,
        added: 0,
        duplicates: 0,
        new_subjects: 0,
        rejected: Vec::new(),
        suppressed: Vec::new(),
        committed: false,
        seq: None,
    };
    // Rows are read and parsed on a second thread while this one writes.
    std::thread::scope(|scope| {
        let (send, recv) = std::sync::mpsc::sync_channel(READ_AHEAD);
        let reader = scope.spawn(move || read_ahead(rows, send));
        let written = write_rows(conn, actor, file_name, opts, report, Incoming::new(recv), &mut progress);
        match reader.join() {
            // The writer commits only after the reader's `End`, so a reader
            // that failed before it left nothing stored.
            Err(_) => Err(reader_failed()),
            Ok(()) => written,
        }
    })
}

fn reader_failed() -> Error {
    Error::Invalid(
        "the file could not be read to its end (an internal error in the reader); nothing was imported".into(),
    )
}

/// What the reading thread sends: rows, then `End` once the file is read.
enum Chunk {
    Rows(Vec<RowResult>),
    End,
}

/// Sends the file's rows in chunks, then `End`; stops early when the writer stops listening.
fn read_ahead(rows: import::Rows<'_>, send: SyncSender<Chunk>) {
    let mut chunk = Vec::with_capacity(CHUNK);
    for r in rows {
        chunk.push(r.map(Ready::of));
        if chunk.len() == CHUNK && send.send(Chunk::Rows(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK)))).is_err() {
            return;
        }
    }
    if send.send(Chunk::Rows(chunk)).is_ok() {
        let _ = send.send(Chunk::End);
    }
}

/// The rows as they arrive from the reading thread; `broken` when it
/// stopped without saying the file had ended.
struct Incoming {
    recv: Receiver<Chunk>,
    chunk: std::vec::IntoIter<RowResult>,
    broken: bool,
}

impl Incoming {
    fn new(recv: Receiver<Chunk>) -> Self {
        Incoming { recv, chunk: Vec::new().into_iter(), broken: false }
    }
}

impl Iterator for Incoming {
    type Item = RowResult;

    fn next(&mut self) -> Option<RowResult> {
        loop {
            if let Some(r) = self.chunk.next() {
                return Some(r);
            }
            match self.recv.recv() {
                Ok(Chunk::Rows(rows)) => self.chunk = rows.into_iter(),
                Ok(Chunk::End) => return None,
                Err(_) => {
                    self.broken = true;
                    return None;
                }
            }
        }
    }
}

fn write_rows(
    conn: &mut Connection,
    actor: &str,
    file_name: &str,
    opts: &ImportOptions,
    mut report: ImportReport,
    mut rows: Incoming,
    progress: &mut impl FnMut(u64) -> bool,
) -> Result<ImportReport> {
    let tx = conn.transaction()?;
    tx.execute(
        "INSERT INTO imports (file_name, file_sha256, format, rows_read, rows_added, rows_duplicate,
            rows_rejected, imported_at, event_seq) VALUES (?1, ?2, ?3, 0, 0, 0, 0, ?4, 0)",
        params![file_name, report.file_sha256, report.format, ledger::now_utc()],
    )?;
    let import_id = tx.last_insert_rowid();
    let default = opts.agreement.as_deref();
    // People who withdrew or objected (SHA-256 of their normalised e-mails and phones).
    let suppressed: std::collections::HashSet<String> = tx
        .prepare("SELECT sha256 FROM suppression")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut targets: HashMap<(Option<String>, Action), std::result::Result<Target, Unresolved>> =
        HashMap::new();
    {
        let mut rec = Recorder::new(&tx, actor, Some(import_id))?;
        for row in rows.by_ref() {
            report.rows_read += 1;
            if report.rows_read % PROGRESS_EVERY == 0 && !progress(report.rows_read) {
                return Err(Error::Cancelled);
            }
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    report.rejected.push(e);
                    continue;
                }
            };
            let (action, spec) = (row.action, row.agreement);
            let target = targets
                .entry((spec.clone(), action))
                .or_insert_with(|| resolve(&tx, spec.as_deref(), default, action))
                .clone();
            let target = match target {
                Ok(t) => t,
                Err((reason, problem)) => {
                    report.rejected.push(Rejected { line: row.line, reason, problems: problem.into_iter().collect() });
                    continue;
                }
            };
            let line = row.line;
            if action == Action::Given && !suppressed.is_empty() {
                if let Ok(p) = &row.intake {
                    if p.contact_keys().any(|k| suppressed.contains(&crate::requests::fulfil::suppression_hash(k))) {
                        report.suppressed.push(line);
                        continue;
                    }
                }
            }
            match row.intake.and_then(|i| rec.add_prepared(&target, action, row.channel, i)) {
                Ok(o) if o.duplicate => report.duplicates += 1,
                Ok(o) => {
                    report.added += 1;
                    report.new_subjects += u64::from(o.new_subject);
                }
                Err(e @ (Error::Invalid(_) | Error::Erased(_))) => {
                    report.rejected.push(Rejected::text(line, e.to_string()))
                }
                Err(e) => return Err(e),
            }
        }
        if rows.broken {
            return Err(reader_failed());
        }
        rec.finish()?;
    }
    progress(report.rows_read);
    if !report.rejected.is_empty() && !opts.keep_good_rows {
        // All or nothing: the transaction is dropped, nothing was stored.
        return Ok(report);
    }
    let ev = NewEvent::new(
        "consent.imported",
        json!({
            "import": import_id,
            "file_sha256": report.file_sha256,
            "format": report.format,
            "rows_read": report.rows_read,
            "added": report.added,
            "duplicates": report.duplicates,
            "rejected": report.rejected.len(),
            "suppressed": report.suppressed.len(),
        }),
    );
    let seq = ledger::append(&tx, actor, &[ev])?[0];
    tx.execute(
        "UPDATE imports SET rows_read = ?1, rows_added = ?2, rows_duplicate = ?3, rows_rejected = ?4, event_seq = ?5 WHERE id = ?6",
        params![
            report.rows_read as i64,
            report.added as i64,
            report.duplicates as i64,
            report.rejected.len() as i64,
            seq as i64,
            import_id
        ],
    )?;
    tx.commit()?;
    report.committed = true;
    report.seq = Some(seq);
    Ok(report)
}
