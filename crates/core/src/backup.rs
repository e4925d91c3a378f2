//! Backups (docs/FORMAT.md §16): one file — a ZIP of stored entries holding
//! the vault's key file, a copy of its encrypted database made while it is
//! open (its bytes under a read snapshot, else SQLite's online backup) and
//! the latest signed checkpoint — opened with the vault's own passphrase or
//! recovery code. A backup is checked (its copy opened with the key, every
//! page's HMAC, the log's size and root equal to the vault's) before it is
//! reported done, and replaces the previous file only then: a crash or a
//! kill halfway leaves the previous backup as it was. A backup is restored
//! into a new folder only, and verified first, also against the witness
//! notes, which show how many events a too-old backup lacks.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto::{self, MasterKey};
use crate::error::{Error, Result};
use crate::keyslots::{KeyFile, SlotKind};
use crate::vault::Vault;
use crate::verify::OutsideNote;
use crate::{checkpoint, db, ledger};

pub const SCHEMA: &str = "consent-ledger/backup/1";
/// The usual file extension of a backup.
pub const EXTENSION: &str = "clbackup";
const MANIFEST: &str = "manifest.json";
const KEYS: &str = "keys.json";
const DB: &str = "vault.db";
const CHECKPOINT: &str = "checkpoint.txt";
/// Pages copied per step of SQLite's online backup (progress is reported between steps).
const PAGES_PER_STEP: std::os::raw::c_int = 4096;

/// `manifest.json`: what the backup holds, for checking it before restoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub vault_id: String,
    pub organisation: String,
    /// RFC 3339 UTC.
    pub made_at: String,
    /// Events in the copied log, and its root (hex).
    pub tree_size: u64,
    pub root: String,
    /// The copied database file (`vault.db`): size and SHA-256.
    pub db_bytes: u64,
    pub db_sha256: String,
    pub schema_version: i64,
    pub program: String,
}

/// A backup written.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// The backup file's size.
    pub bytes: u64,
    /// How the database was copied: `"snapshot"` (its bytes under a read
    /// snapshot) or `"online_backup"` (SQLite's backup API, page by page,
    /// when another connection kept the write-ahead log in use).
    pub copied_with: &'static str,
}

/// Deletes what an interrupted backup to `out` left in its folder (the
/// temporary files are named after it).
fn sweep(out: &Path) {
    let (Some(dir), Some(name)) = (out.parent(), out.file_name()) else { return };
    let prefix = format!(".{}.", name.to_string_lossy());
    if let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) && n.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

fn io(ctx: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let ctx = ctx.into();
    move |e| Error::io(ctx, e)
}

fn zip_err(ctx: &str) -> impl Fn(zip::result::ZipError) -> Error + '_ {
    move |e| Error::Invalid(format!("{ctx}: {e}"))
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a backup of the open `vault` to `out` (usually `*.clbackup`).
/// Records `vault.backed_up` and signs a checkpoint first, so the copy ends
/// with a signed log; events recorded later are not in it (a backup made
/// on locking, [`Vault::lock_backing_up`], has every event).
/// `progress(done, total)` counts database pages; returning false cancels
/// (the previous file at `out` is left as it was).
pub fn backup(vault: &mut Vault, out: &Path, progress: impl FnMut(u64, u64) -> bool) -> Result<Made> {
    check_target(out)?;
    vault.record_any(&[backed_up()])?;
    let sealed = vault.seal()?;
    copy(vault, out, &sealed.checkpoint.note, progress)
}

/// The event recorded before each backup.
pub(crate) fn backed_up() -> ledger::NewEvent {
    ledger::NewEvent::new("vault.backed_up", serde_json::json!({ "schema": SCHEMA }))
}

/// The folder `path` is in, which must exist.
fn folder_of(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::Invalid(format!("the folder {} does not exist", dir.display())));
    }
    Ok(dir)
}

/// Refuses a target that cannot be a backup file, before anything is
/// recorded; else the folder it goes into.
pub fn check_target(out: &Path) -> Result<PathBuf> {
    if out.is_dir() {
        return Err(Error::Invalid(format!("{} is a folder: name the backup file to write", out.display())));
    }
    folder_of(out)
}

/// Copies the vault (its log ending with the checkpoint `note`) into the backup file `out`.
pub(crate) fn copy(vault: &Vault, out: &Path, note: &str, mut progress: impl FnMut(u64, u64) -> bool) -> Result<Made> {
    let dir = check_target(out)?;
    sweep(out);
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = |suffix: &str| {
        tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(suffix)
            .tempfile_in(&dir)
            .map_err(io(format!("writing a backup in {}", dir.display())))
    };
    let keys = std::fs::read(KeyFile::path(vault.dir())).map_err(io("reading the vault's keys.json"))?;
    let zip_file = temp(".tmp")?;
    let mut z = zip::ZipWriter::new(std::io::BufWriter::new(zip_file.as_file()));
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .unix_permissions(0o600);
    let bad = zip_err("writing the backup");
    z.start_file(KEYS, stored).map_err(&bad)?;
    z.write_all(&keys).map_err(io("writing the backup"))?;
    z.start_file(CHECKPOINT, stored).map_err(&bad)?;
    z.write_all(note.as_bytes()).map_err(io("writing the backup"))?;
    z.start_file(DB, stored.large_file(true)).map_err(&bad)?;

    // The encrypted database: its bytes as they are, streamed into the file
    // under a read snapshot while every page's HMAC is checked on that same
    // snapshot, when the log can be checkpointed away; else SQLite's online
    // backup into a private copy, page by page (decrypted and encrypted again
    // with the same key), checked, then streamed.
    let snap = snapshot_into(vault, &mut z, &mut progress)?;
    let (raw, size, root, db_sha256, db_bytes, _copy) = match snap {
        Some(s) => (true, s.size, s.root, s.sha256, s.bytes, None),
        None => {
            let copy = temp(".db.tmp")?;
            let (size, root) = online_copy(vault, copy.path(), &mut progress)?;
            let mut h = Hashing { inner: &mut z, hash: Sha256::new(), bytes: 0 };
            let mut src = std::fs::File::open(copy.path()).map_err(io("reading the backup's copy"))?;
            std::io::copy(&mut src, &mut h).map_err(io("writing the backup"))?;
            let (sha, bytes) = (hex::encode(h.hash.finalize()), h.bytes);
            (false, size, root, sha, bytes, Some(copy))
        }
    };
    let info = vault.info()?;
    let manifest = Manifest {
        schema: SCHEMA.into(),
        vault_id: vault.vault_id().to_string(),
        organisation: info.organisation,
        made_at: ledger::now_utc(),
        tree_size: size,
        root: hex::encode(root),
        db_bytes,
        db_sha256,
        schema_version: db::schema_version(),
        program: concat!("consent-ledger ", env!("CARGO_PKG_VERSION")).into(),
    };
    z.start_file(MANIFEST, stored).map_err(&bad)?;
    z.write_all((serde_json::to_string_pretty(&manifest).map_err(|e| Error::Invalid(e.to_string()))? + "\n").as_bytes())
        .map_err(io("writing the backup"))?;
    let mut w = z.finish().map_err(&bad)?;
    w.flush().map_err(io("writing the backup"))?;
    drop(w);
    zip_file.as_file().sync_all().map_err(io("writing the backup"))?;
    // (Not read back: right after writing, the bytes would come from the
    // page cache, not the disk. `backup check` reads the file and its hash.)
    zip_file.persist(out).map_err(|e| Error::io(format!("writing {}", out.display()), e.error))?;
    crate::files::sync_dir(&dir);
    let bytes = std::fs::metadata(out).map_err(io(format!("reading {}", out.display())))?.len();
    Ok(Made { path: out.to_path_buf(), manifest, bytes, copied_with: if raw { "snapshot" } else { "online_backup" } })
}

/// The log's size and root (of what was copied).
fn log_of(conn: &rusqlite::Connection) -> Result<(u64, crate::merkle::Hash)> {
    let size = ledger::size(conn)?;
    Ok((size, ledger::root(conn, size)?))
}

/// Refuses a copy some page of which fails its HMAC.
fn pages_check(conn: &rusqlite::Connection, what: &str) -> Result<()> {
    let problems: Vec<String> = conn
        .prepare("PRAGMA cipher_integrity_check")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    match problems.first() {
        Some(p) => Err(Error::Invalid(format!("{what} does not check ({p}); nothing was replaced"))),
        None => Ok(()),
    }
}

/// The online backup API into `target` (a private file), checked: every
/// page's HMAC, and the vault's log as it was when the copy began (or that
/// log grown by events recorded during the copy). Returns the copy's log
/// size and root.
fn online_copy(vault: &Vault, target: &Path, progress: &mut impl FnMut(u64, u64) -> bool) -> Result<(u64, crate::merkle::Hash)> {
    let (size, root) = log_of(vault.conn())?;
    let mut dest = db::open_copy_target(target, vault.master_key())?;
    {
        let b = rusqlite::backup::Backup::new(vault.conn(), &mut dest)?;
        loop {
            let step = b.step(PAGES_PER_STEP)?;
            let p = b.progress();
            if !progress((p.pagecount - p.remaining).max(0) as u64, p.pagecount.max(0) as u64) {
                return Err(Error::Cancelled);
            }
            if step == rusqlite::backup::StepResult::Done {
                break;
            }
        }
    }
    pages_check(&dest, "the backup's copy")?;
    // The vault, opened again after its lock, may have been written while
    // the pages were copied (SQLite then starts the copy again, so it is
    // whole): the copy holds that log or a longer one, never another.
    let copied = log_of(&dest)?;
    if copied.0 < size || ledger::root(&dest, size)? != root {
        return Err(Error::Invalid("the backup's copy does not hold the vault's log; nothing was replaced".into()));
    }
    Ok(copied)
}

/// What the snapshot way streamed.
struct Streamed {
    size: u64,
    root: crate::merkle::Hash,
    sha256: String,
    bytes: u64,
}

/// Streams the database file's bytes into `z` under a read transaction that
/// sees the file alone (after a TRUNCATE checkpoint the write-ahead log is
/// empty, and while a reader holds read-mark 0 no connection may write log
/// frames back into the file: SQLite's WAL locking), while the same
/// snapshot's pages are checked (every HMAC) and its log read on this
/// connection, on two threads. None, nothing written, when another
/// connection keeps the log in use.
fn snapshot_into<W: Write + Seek + Send>(
    vault: &Vault,
    z: &mut zip::ZipWriter<W>,
    progress: &mut impl FnMut(u64, u64) -> bool,
) -> Result<Option<Streamed>> {
    let conn = vault.conn();
    // Not waiting for other connections: when they are there, the page way at once.
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let checkpointed = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)));
    conn.busy_timeout(std::time::Duration::from_millis(db::BUSY_TIMEOUT_MS))?;
    let (busy, log) = checkpointed?;
    if busy != 0 || log > 0 {
        return Ok(None);
    }
    if !progress(0, 1) {
        return Err(Error::Cancelled);
    }
    let file = vault.dir().join(db::DB_FILE);
    let wal = PathBuf::from(format!("{}-wal", file.display()));
    conn.execute_batch("BEGIN DEFERRED")?;
    let streamed = (|| -> Result<Option<Streamed>> {
        let (size, root) = log_of(conn)?;
        // A writer that came between the checkpoint and the snapshot: the page way.
        if std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0 {
            return Ok(None);
        }
        let mut src = std::fs::File::open(&file).map_err(io("reading the vault's database"))?;
        let (checked, written) = std::thread::scope(|s| {
            let writer = s.spawn(move || -> Result<(String, u64)> {
                let mut h = Hashing { inner: z, hash: Sha256::new(), bytes: 0 };
                std::io::copy(&mut src, &mut h).map_err(io("writing the backup"))?;
                Ok((hex::encode(h.hash.finalize()), h.bytes))
            });
            let checked = pages_check(conn, "the vault's database");
            (checked, writer.join().unwrap_or_else(|_| Err(Error::Invalid("copying the database stopped".into()))))
        });
        checked?;
        let (sha256, bytes) = written?;
        Ok(Some(Streamed { size, root, sha256, bytes }))
    })();
    conn.execute_batch("COMMIT")?;
    let streamed = streamed?;
    if streamed.is_some() && !progress(1, 1) {
        return Err(Error::Cancelled);
    }
    Ok(streamed)
}

/// What is known of a backup file before any passphrase: its manifest.
pub fn manifest(file: &Path) -> Result<Manifest> {
    let mut z = open_zip(file)?;
    read_manifest(&mut z, file)
}

fn open_zip(file: &Path) -> Result<zip::ZipArchive<std::fs::File>> {
    let f = std::fs::File::open(file).map_err(io(format!("reading {}", file.display())))?;
    zip::ZipArchive::new(f).map_err(|e| Error::Invalid(format!("{} is not a Consent Ledger backup (not a ZIP: {e})", file.display())))
}

fn read_manifest<R: Read + Seek>(z: &mut zip::ZipArchive<R>, file: &Path) -> Result<Manifest> {
    let not_backup = |why: String| Error::Invalid(format!("{} is not a Consent Ledger backup ({why})", file.display()));
    let mut text = String::new();
    z.by_name(MANIFEST)
        .map_err(|_| not_backup(format!("no {MANIFEST}: another ZIP, or the end of the file is missing")))?
        .take(1 << 20)
        .read_to_string(&mut text)
        .map_err(|e| not_backup(e.to_string()))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| not_backup(format!("{MANIFEST}: {e}")))?;
    if m.schema != SCHEMA {
        return Err(not_backup(format!("schema {:?}; this program reads {SCHEMA}", m.schema)));
    }
    if m.schema_version > db::schema_version() {
        return Err(Error::TooNew { file: file.to_path_buf(), found: m.schema_version, supported: db::schema_version() });
    }
    Ok(m)
}

/// The secret that opens a backup: the vault's passphrase or its recovery code.
pub enum Secret<'a> {
    Passphrase(&'a str),
    RecoveryCode(&'a str),
}

/// What restoring (or checking) a backup found.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    /// The folder of the restored vault (None when only checked).
    pub dir: Option<PathBuf>,
    pub manifest: Manifest,
    /// Events verified in the restored log.
    pub events: u64,
    /// Events a witness note saw that the backup lacks (it is older than
    /// the vault it came from was later).
    pub missing: u64,
    /// The witness note that shows them.
    pub missing_seen_by: Option<String>,
}

/// Restores the backup `file` into the new folder `into` (which must not
/// exist, or be empty), verified first, also against the notes of the
/// witness folders. A backup older than a witness note (events missing)
/// is restored only with `accept_missing`: without it nothing is restored
/// and the answer has no `dir` (and says how many events are missing).
/// Nothing is left in `into` unless the restored vault verified.
pub fn restore(file: &Path, into: &Path, secret: Secret, witnesses: &[PathBuf], accept_missing: bool) -> Result<Restored> {
    if into.exists() && std::fs::read_dir(into).map_err(io(format!("reading {}", into.display())))?.next().is_some() {
        return Err(Error::AlreadyExists { path: into.to_path_buf() });
    }
    let parent = folder_of(into)?;
    let staging = tempfile::Builder::new()
        .prefix(".consent-ledger-restore.")
        .tempdir_in(&parent)
        .map_err(io(format!("restoring into {}", parent.display())))?;
    private_dir(staging.path())?;
    let mut r = unpack_and_verify(file, staging.path(), secret, witnesses)?;
    if r.missing > 0 && !accept_missing {
        return Ok(r);
    }
    if into.exists() {
        std::fs::remove_dir(into).map_err(io(format!("restoring into {}", into.display())))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, into).map_err(|e| {
        let _ = std::fs::remove_dir_all(&staged);
        Error::io(format!("restoring into {}", into.display()), e)
    })?;
    crate::files::sync_dir(&parent);
    r.dir = Some(into.to_path_buf());
    Ok(r)
}

/// "1 event", "2 events".
pub fn events(n: u64) -> String {
    if n == 1 { "1 event".into() } else { format!("{n} events") }
}

/// Checks a backup without restoring it: unpacked into a private temporary
/// folder (the system's), opened with the secret, verified, then removed.
pub fn check(file: &Path, secret: Secret, witnesses: &[PathBuf]) -> Result<Restored> {
    let dir = std::env::temp_dir();
    let staging = tempfile::Builder::new()
        .prefix(".consent-ledger-check.")
        .tempdir_in(&dir)
        .map_err(io(format!("checking in {}", dir.display())))?;
    private_dir(staging.path())?;
    unpack_and_verify(file, staging.path(), secret, witnesses)
}

/// A vault folder is its owner's only (as `Vault::create` makes it).
fn private_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(format!("restoring into {}", dir.display())))?;
    }
    let _ = dir;
    Ok(())
}

fn unpack_and_verify(file: &Path, dir: &Path, secret: Secret, witnesses: &[PathBuf]) -> Result<Restored> {
    let mut z = open_zip(file)?;
    let m = read_manifest(&mut z, file)?;
    let damaged = |why: String| Error::Corrupt { file: file.to_path_buf(), detail: why };
    let mut extract = |name: &str, limit: u64| -> Result<(u64, String)> {
        let mut entry = z.by_name(name).map_err(|_| damaged(format!("the backup has no {name}")))?;
        let mut out = crate::files::private_file(&dir.join(name))?;
        let mut h = Hashing { inner: &mut out, hash: Sha256::new(), bytes: 0 };
        std::io::copy(&mut (&mut entry).take(limit), &mut h).map_err(|e| damaged(format!("{name}: {e}")))?;
        let done = (h.bytes, hex::encode(h.hash.finalize()));
        out.sync_all().map_err(io(format!("restoring {name}")))?;
        Ok(done)
    };
    extract(KEYS, 1 << 20)?;
    let (bytes, sha) = extract(DB, u64::MAX)?;
    if bytes != m.db_bytes || sha != m.db_sha256 {
        return Err(damaged("its database is not the one its manifest describes (changed or cut short)".into()));
    }
    let keys = KeyFile::load(dir)?;
    if keys.vault_id != m.vault_id {
        return Err(damaged("its keys.json belongs to another vault".into()));
    }
    let master: MasterKey = match secret {
        Secret::Passphrase(p) => keys.unlock(SlotKind::Passphrase, crypto::passphrase_bytes(p).as_bytes())?.0,
        Secret::RecoveryCode(c) => {
            let code = crypto::normalize_recovery_code(c).map_err(|_| Error::WrongSecret)?;
            keys.unlock(SlotKind::Recovery, code.as_bytes())?.0
        }
    };
    let conn = db::open_read_only(&dir.join(db::DB_FILE), &master).map_err(|e| match e {
        Error::Corrupt { detail, .. } => damaged(detail),
        other => other,
    })?;
    let public = checkpoint::public_key_of(&conn)?;
    let mut notes: Vec<OutsideNote> = crate::witness::read_all(witnesses, &m.vault_id);
    let mut cp = String::new();
    if let Ok(mut e) = z.by_name(CHECKPOINT) {
        let _ = (&mut e).take(1 << 16).read_to_string(&mut cp);
    }
    if !cp.is_empty() {
        notes.push(OutsideNote { label: format!("the backup's {CHECKPOINT}"), note: cp });
    }
    // A witness note over more events than the copy holds tells how many it
    // lacks (the backup is older than the vault got); every other note, the
    // ones that do not open included, is checked by verifying the whole log.
    let size = ledger::size(&conn)?;
    let (mut missing, mut seen_by) = (0, None);
    let mut within = Vec::with_capacity(notes.len());
    for n in notes {
        match checkpoint::open_note(&n.note, &m.vault_id, &public) {
            Ok(s) if s.tree_size > size => {
                if s.tree_size - size > missing {
                    (missing, seen_by) = (s.tree_size - size, Some(n.label.clone()));
                }
            }
            _ => within.push(n),
        }
    }
    let report = crate::verify::verify_with(&conn, &m.vault_id, &public, &within, |_, _| true)?;
    if let Some(p) = report.problem {
        return Err(damaged(format!("it does not verify: {}", p.message)));
    }
    if report.events != m.tree_size || hex::encode(report.root) != m.root {
        return Err(damaged("its log is not the one its manifest describes".into()));
    }
    Ok(Restored { dir: None, manifest: m, events: report.events, missing, missing_seen_by: seen_by })
}
