//! Opening the vault database: SQLCipher keying, connection settings,
//! schema migrations and refusal of a database written by a newer version.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use rusqlite_migration::{Migrations, M};
use zeroize::Zeroizing;

use crate::crypto::MasterKey;
use crate::error::{Error, Result};

pub const DB_FILE: &str = "vault.db";

/// Every schema version, in order; `PRAGMA user_version` is the count applied.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_vault_and_ledger.sql")),
        M::up(include_str!("migrations/0002_organisation_requisites.sql")),
        M::up(include_str!("migrations/0003_agreements.sql")),
        M::up(include_str!("migrations/0004_consent_register.sql")),
        M::up(include_str!("migrations/0005_subject_merges.sql")),
        M::up(include_str!("migrations/0006_search_tuning.sql")),
        M::up(include_str!("migrations/0007_register_rebuild.sql")),
        M::up_with_hook(include_str!("migrations/0008_search_folding.sql"), crate::consents::search::refill_index),
        M::up(include_str!("migrations/0009_requests.sql")),
        M::up(include_str!("migrations/0010_documents.sql")),
        M::up(include_str!("migrations/0011_incidents.sql")),
        M::up(include_str!("migrations/0012_operator_roles.sql")),
        M::up(include_str!("migrations/0013_processing_activities.sql")),
        M::up(include_str!("migrations/0014_processing_documents_frozen.sql")),
    ])
}

/// The schema version this build writes and reads.
pub fn schema_version() -> i64 {
    // One migration per entry above.
    14
}

/// Turns off SQLite's global memory statistics: with them on, every
/// allocation SQLite makes takes a process-wide mutex (about 5% of a large
/// import's time here). Nothing in this program reads them.
///
/// # Safety
/// Call it at the start of `main`, before any other thread runs and before
/// any database is opened: `sqlite3_config` must not race SQLite's
/// initialisation. (Called later, it only returns SQLITE_MISUSE, ignored.)
pub unsafe fn configure_sqlite() {
    // SAFETY: MEMSTATUS takes one int argument, which is passed; the caller
    // guarantees that nothing else is using SQLite yet.
    let _ = unsafe { rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0i32) };
}

extern "C" {
    /// SQLCipher's part of SQLite's initialisation (the bundled build passes
    /// `-DSQLITE_EXTRA_INIT=sqlcipher_extra_init`, which SQLCipher requires).
    fn sqlcipher_extra_init(arg: *const std::ffi::c_char) -> std::ffi::c_int;
}

/// Makes sure SQLite and SQLCipher are both initialised before a key is
/// given. `sqlite3_initialize` marks SQLite ready *before* it runs
/// SQLCipher's own initialisation, so a second thread opening its first
/// database at that moment sees SQLite ready and has its key refused ("An
/// error occurred with PRAGMA key or rekey…"): CI saw a vault fail to be
/// created so. SQLCipher's initialisation runs under SQLite's main mutex and
/// does nothing once done, so calling it here waits for the thread that is
/// running it, or runs it. Cheap: a mutex and a flag per call.
pub(crate) fn ensure_sqlcipher_ready() {
    // SAFETY: both functions take no pointer we own (a null argument is what
    // SQLite itself passes) and are safe to call from any thread at any time
    // after `configure_sqlite`; a failure is reported by the keying that follows.
    unsafe {
        rusqlite::ffi::sqlite3_initialize();
        sqlcipher_extra_init(std::ptr::null());
    }
}

/// A connection's page cache in KiB (`PRAGMA cache_size` of `open`).
pub(crate) const CACHE_KIB: i64 = 65536;

/// The page cache of an import (KiB): beside it, an XLSX workbook's shared
/// strings are held (up to about 180 MiB), and an import stays under 300
/// MiB. Measured on a million rows: the import takes the same time (within
/// 4%) as with the usual cache.
pub(crate) const IMPORT_CACHE_KIB: i64 = 32768;

/// How long a connection waits for another's lock (`PRAGMA busy_timeout`).
pub const BUSY_TIMEOUT_MS: u64 = 5000;

/// Opens (or creates) the database at `path`. `key: None` opens a plain,
/// unencrypted SQLite file: only tests use that, to inspect page bytes.
pub fn open(path: &Path, key: Option<&MasterKey>, create: bool) -> Result<Connection> {
    ensure_sqlcipher_ready();
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
        create_private(path)?;
    } else if !path.exists() {
        return Err(Error::NotAVault {
            path: path.parent().unwrap_or(path).to_path_buf(),
            missing: DB_FILE,
        });
    }
    let db_err = |e| Error::from_db(path, e);
    let mut conn = Connection::open_with_flags(path, flags).map_err(db_err)?;
    if let Some(key) = key {
        // Keep SQLCipher from printing "hmac check failed" on a damaged page.
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
        let sql = Zeroizing::new(format!(
            "PRAGMA key = \"{}\";",
            key.sqlcipher_literal().as_str()
        ));
        conn.execute_batch(&sql).map_err(db_err)?;
    }
    // The first read decrypts page 1: a wrong key or a damaged file fails here.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(db_err)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .map_err(db_err)?;
    conn.execute_batch(&format!(
        "PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA cache_size = -{CACHE_KIB};"
    ))
    .map_err(db_err)?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS)).map_err(db_err)?;
    // A transaction takes the write lock when it begins, waiting for it as
    // long as the busy timeout. (A deferred one that reads first and then
    // writes is refused at once, "database is locked", when another
    // connection holds the lock at that moment, since waiting could
    // deadlock: a backup's closing checkpoint on a locked vault's connection
    // while the vault, opened again, records a consent.)
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    // Recording a consent alone uses a dozen cached statements; the default 16 thrashes.
    conn.set_prepared_statement_cache_capacity(128);

    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db_err)?;
    if found > schema_version() {
        return Err(Error::TooNew {
            file: path.to_path_buf(),
            found,
            supported: schema_version(),
        });
    }
    migrations().to_latest(&mut conn).map_err(|e| match e {
        rusqlite_migration::Error::RusqliteError { err, .. } => Error::from_db(path, err),
        other => Error::Migration(other),
    })?;
    Ok(conn)
}

/// Opens the empty file at `path` as the target of a copy of a vault's
/// database (SQLite's online backup), keyed with the vault's key; the copy
/// syncs once, at the end, by its caller.
pub(crate) fn open_copy_target(path: &Path, key: &MasterKey) -> Result<Connection> {
    ensure_sqlcipher_ready();
    let db_err = |e| Error::from_db(path, e);
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(db_err)?;
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    let sql = Zeroizing::new(format!("PRAGMA key = \"{}\";", key.sqlcipher_literal().as_str()));
    conn.execute_batch(&sql).map_err(db_err)?;
    conn.execute_batch("PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF;").map_err(db_err)?;
    Ok(conn)
}

/// Opens the database to read it and nothing else: no migration, no
/// journal-mode change, no file created. With no write-ahead log in use (a
/// locked vault) the file is opened `immutable`, so SQLite does not even
/// create its shared-memory file; an open vault's log is read through the
/// files its owner keeps. A non-empty rollback journal (an interrupted large
/// import) is refused: reading past it would show half an import, and rolling
/// it back is a write. The schema must be this build's.
pub fn open_read_only(path: &Path, key: &MasterKey) -> Result<Connection> {
    ensure_sqlcipher_ready();
    if !path.exists() {
        return Err(Error::NotAVault {
            path: path.parent().unwrap_or(path).to_path_buf(),
            missing: DB_FILE,
        });
    }
    let side = |suffix: &str| std::fs::metadata(format!("{}-{suffix}", path.display())).map(|m| m.len()).unwrap_or(0);
    if side("journal") > 0 {
        return Err(Error::Invalid(format!(
            "{} has an interrupted import's journal: open the vault once in the app (or run any other command) to roll it back, then verify",
            path.display()
        )));
    }
    let immutable = side("wal") == 0;
    let mut uri = url_path(path);
    uri.push_str(if immutable { "?mode=ro&immutable=1" } else { "?mode=ro" });
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db_err = |e| Error::from_db(path, e);
    let conn = Connection::open_with_flags(&uri, flags).map_err(db_err)?;
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    let sql = Zeroizing::new(format!("PRAGMA key = \"{}\";", key.sqlcipher_literal().as_str()));
    conn.execute_batch(&sql).map_err(db_err)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
        .map_err(db_err)?;
    conn.execute_batch(&format!("PRAGMA query_only = ON; PRAGMA cache_size = -{CACHE_KIB};"))
        .map_err(db_err)?;
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err)?;
    if found > schema_version() {
        return Err(Error::TooNew { file: path.to_path_buf(), found, supported: schema_version() });
    }
    if found < schema_version() {
        return Err(Error::Invalid(format!(
            "{} has schema version {found}; this version reads {} without changing it. Open the vault once in the app (or run any other command) to upgrade it, then verify",
            path.display(),
            schema_version()
        )));
    }
    Ok(conn)
}

/// `file:` URI of a path, with the characters URIs reserve escaped.
fn url_path(path: &Path) -> String {
    let mut out = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => out.push_str(&format!("%{:02X}", c as u32)),
            '\\' if cfg!(windows) => out.push('/'),
            _ => out.push(c),
        }
    }
    out
}

/// Switches a connection between its usual write-ahead log and a rollback
/// journal for one large transaction (`bulk`), and back. A bulk import into
/// the WAL writes every new page twice (into the log, then into the file at
/// the checkpoint); through a rollback journal new pages are written once,
/// only pages that existed before are journaled, and a crash rolls back just
/// the same. Returns whether the mode is now the one asked for: another
/// connection to the file keeps it in WAL, which is only slower.
pub(crate) fn bulk_journal(conn: &Connection, bulk: bool) -> bool {
    let want = if bulk { "truncate" } else { "wal" };
    let done = conn
        .query_row(&format!("PRAGMA journal_mode = {want}"), [], |r| {
            r.get::<_, String>(0)
        })
        .map(|m| m.eq_ignore_ascii_case(want))
        .unwrap_or(false);
    if done && !bulk {
        // SQLite leaves the emptied journal behind; a vault folder holds
        // only its own files. (A non-empty one is a crash's, rolled back at
        // the next open: it is never removed here.)
        if let Some(path) = conn.path().filter(|p| !p.is_empty()) {
            let journal = format!("{path}-journal");
            if std::fs::metadata(&journal).is_ok_and(|m| m.len() == 0) {
                let _ = std::fs::remove_file(&journal);
            }
        }
    }
    done
}

/// Creates an empty file readable by its owner only (SQLite gives the WAL
/// and shared-memory files the same permissions).
fn create_private(path: &Path) -> Result<()> {
    crate::files::private_options()
        .create(true)
        .truncate(false)
        .open(path)
        .map(drop)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn schema_version_matches_migration_count() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(&dir.path().join("t.db"), None, true).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
    }

    #[test]
    fn schema_1_database_is_upgraded_keeping_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut c = Connection::open(&path).unwrap();
            Migrations::new(vec![M::up(include_str!(
                "migrations/0001_vault_and_ledger.sql"
            ))])
            .to_latest(&mut c)
            .unwrap();
            c.execute(
                "INSERT INTO vault_meta VALUES (1, 'v', 'ООО «Старая»', 't')",
                [],
            )
            .unwrap();
        }
        let conn = open(&path, None, false).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        assert_eq!(
            crate::organisation::get(&conn).unwrap().full_name,
            "ООО «Старая»"
        );
    }

    #[test]
    fn schema_6_register_is_rebuilt_keeping_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut c = Connection::open(&path).unwrap();
            migrations().to_version(&mut c, 6).unwrap();
            c.execute_batch(
                "INSERT INTO agreements (id, template, language, created_at) VALUES (1, 'processing', 'ru', 't');
                 INSERT INTO agreement_versions (agreement_id, version, status, content, content_hash, updated_at, published_seq)
                   VALUES (1, 1, 'published', '{}', 'h', 't', 1);
                 INSERT INTO imports (id, file_name, file_sha256, format, rows_read, rows_added, rows_duplicate,
                     rows_rejected, imported_at, event_seq) VALUES (1, 'a.csv', 'h', 'csv', 1, 1, 0, 0, 't', 5);
                 INSERT INTO subjects (id, hmac_key, created_at) VALUES ('s-a', zeroblob(32), 't'), ('s-b', zeroblob(32), 't');
                 INSERT INTO events (seq, recorded_at, actor, kind, subject, body, leaf_hash)
                   VALUES (5, 't', 'op', 'consent.given', 's-a', '{}', zeroblob(32)),
                          (9, 't', 'op', 'consent.withdrawn', 's-a', '{}', zeroblob(32)),
                          (12, 't', 'op', 'subject.noted', 's-b', '{}', zeroblob(32));
                 INSERT INTO consents (subject_id, agreement_id, version, action, acted_at, acted_at_original,
                     recorded_at, channel, scan_sha256, import_id, dedup_key, event_seq)
                   VALUES ('s-a', 1, 1, 'given', '2025-01-01', '01.01.2025', 'r', 'web_form', NULL, 1, -7, 5),
                          ('s-a', 1, 1, 'withdrawn', '2025-02-01', NULL, 'r', 'paper', 'abc', NULL, 8, 9);
                 INSERT INTO subject_data (subject_id, event_seq, data)
                   VALUES ('s-a', 5, '{\"name\":\"Анна\"}'), ('s-a', 9, '{}'), ('s-b', 12, '{\"x\":1}');
                 INSERT INTO subject_contacts VALUES ('email', 'a@b.ru', 's-a'), ('name', 'Анна', 's-a');",
            )
            .unwrap();
        }
        let conn = open(&path, None, false).unwrap();
        type ConsentRow = (i64, String, String, Option<String>, i64, Option<i64>);
        let consents: Vec<ConsentRow> = conn
            .prepare("SELECT id, action, channel, scan_sha256, dedup_key, import_id FROM consents ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            consents,
            vec![
                (5, "given".into(), "web_form".into(), None, -7, Some(1)),
                (9, "withdrawn".into(), "paper".into(), Some("abc".into()), 8, None)
            ]
        );
        let columns = |table: &str| -> Vec<String> {
            conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap()
        };
        assert!(!columns("consents").contains(&"event_seq".to_string()));
        assert_eq!(columns("subject_data"), ["event_seq", "subject_id", "data"]);
        let data: Vec<(i64, String, String)> = conn
            .prepare("SELECT event_seq, subject_id, data FROM subject_data ORDER BY event_seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(data.len(), 3);
        assert_eq!(data[0], (5, "s-a".into(), r#"{"name":"Анна"}"#.into()));
        assert_eq!(data[2].0, 12);
        let contacts: i64 = conn
            .query_row("SELECT count(*) FROM subject_contacts WHERE subject_id = 's-a'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(contacts, 2);
        // Still append-only, and the new CHECKs still refuse what the old ones did.
        let e = conn.execute("UPDATE consents SET channel = 'x'", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        assert!(conn.execute("DELETE FROM consents", []).is_err());
        assert!(conn
            .execute("INSERT INTO subject_contacts VALUES ('fax', '1', 's-a')", [])
            .is_err());
        // A consent at the same time with the same dedup key is refused.
        let dup = "INSERT INTO consents (id, subject_id, agreement_id, version, action, acted_at, recorded_at,
                       channel, dedup_key) VALUES (?1, 's-a', 1, 1, 'given', ?2, 'r', 'web_form', -7)";
        let e = conn.execute(dup, params![20, "2025-01-01"]).unwrap_err();
        assert!(e.to_string().contains("UNIQUE"), "{e}");
        conn.execute(dup, params![21, "2025-01-02"]).unwrap();
        // The index by event that went away is now the table's key.
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!names.iter().any(|n| n == "subject_data_by_event"), "{names:?}");
        assert!(names.iter().any(|n| n == "consents_by_subject"), "{names:?}");
    }

    #[test]
    fn newer_database_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(open(&path, None, true).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let e = open(&path, None, false).unwrap_err();
        assert_eq!(e.code(), "too_new", "{e}");
        assert!(e.to_string().contains("newer version"));
        let v: i64 = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 99);
        assert_eq!(std::fs::read(&path).unwrap().len(), before.len());
    }

    #[test]
    fn wrong_key_is_reported_as_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        drop(open(&path, Some(&MasterKey::from_bytes([1; 32])), true).unwrap());
        let e = open(&path, Some(&MasterKey::from_bytes([2; 32])), false).unwrap_err();
        assert_eq!(e.code(), "corrupt", "{e}");
        assert!(e.to_string().contains("t.db"));
    }
}
