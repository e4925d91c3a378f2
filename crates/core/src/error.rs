//! The one error type of the core, with stable machine-readable codes.
//!
//! Every error carries a `code()` that front ends branch on (the CLI maps it
//! to an exit code, the desktop shell sends it across IPC as `{code, message}`)
//! and a message a non-technical user can act on.

use std::path::PathBuf;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The passphrase or recovery code does not open any key slot.
    #[error("wrong passphrase or recovery code: the vault was not opened and nothing was changed")]
    WrongSecret,

    /// A new passphrase is too easy to guess.
    #[error("passphrase too weak: {reason}")]
    WeakPassphrase { reason: String },

    /// A file of the vault cannot be read as what it should be.
    #[error("{} is damaged or is not part of a Consent Ledger vault: {detail}", file.display())]
    Corrupt { file: PathBuf, detail: String },

    /// The vault was written by a newer version of Consent Ledger.
    #[error("{} was written by a newer version of Consent Ledger (format {found}, this program reads up to {supported}); update the program, the vault was not changed", file.display())]
    TooNew {
        file: PathBuf,
        found: i64,
        supported: i64,
    },

    /// The folder is not a vault (no key-slot file or no database).
    #[error("{} is not a Consent Ledger vault (missing {missing})", path.display())]
    NotAVault {
        path: PathBuf,
        missing: &'static str,
    },

    /// Creating a vault where one (or other files) already exists.
    #[error("{} already exists and is not empty; choose an empty or new folder", path.display())]
    AlreadyExists { path: PathBuf },

    /// Input that the operation refuses, with the reason.
    #[error("{0}")]
    Invalid(String),

    /// Something asked for does not exist (an event, a checkpoint, a subject).
    #[error("{0}")]
    NotFound(String),

    /// A subject's data was erased; only the fact and time of erasure remain.
    #[error("subject {0} was erased")]
    Erased(String),

    /// The ledger is visibly damaged; nothing new is appended to it.
    #[error("{0}")]
    Tampered(String),

    /// The operator's role does not allow this; nothing was changed.
    #[error("{0}")]
    Forbidden(String),

    /// Long work stopped on request; nothing was changed.
    #[error("cancelled")]
    Cancelled,

    #[error("file system: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("database: {0}")]
    Db(rusqlite::Error),

    #[error("database migration: {0}")]
    Migration(#[from] rusqlite_migration::Error),
}

/// A damaged page can surface in any query, long after opening: name the
/// vault's database file whenever SQLite reports damage.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::from_db(std::path::Path::new(crate::db::DB_FILE), e)
    }
}

impl Error {
    /// Stable identifier for programs (UI, scripts); never localised.
    pub fn code(&self) -> &'static str {
        match self {
            Error::WrongSecret => "wrong_secret",
            Error::WeakPassphrase { .. } => "weak_passphrase",
            Error::Corrupt { .. } => "corrupt",
            Error::TooNew { .. } => "too_new",
            Error::NotAVault { .. } => "not_a_vault",
            Error::AlreadyExists { .. } => "already_exists",
            Error::Invalid(_) => "invalid",
            Error::NotFound(_) => "not_found",
            Error::Erased(_) => "erased",
            Error::Cancelled => "cancelled",
            Error::Forbidden(_) => "forbidden",
            Error::Tampered(_) => "tampered",
            Error::Io { .. } => "io",
            Error::Db(_) => "database",
            Error::Migration(_) => "migration",
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Turns SQLite's "not a database" / "malformed" into [`Error::Corrupt`]
    /// naming `file`, and a failed write (full disk, a file that may not
    /// grow, a folder made read-only) into [`Error::Io`] saying so; other
    /// errors pass through. SQLite rolls the transaction back in both cases.
    pub(crate) fn from_db(file: &std::path::Path, e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseCorrupt, DiskFull, NotADatabase, ReadOnly, SystemIoFailure};
        match e.sqlite_error_code() {
            Some(NotADatabase) | Some(DatabaseCorrupt) => Error::Corrupt {
                file: file.to_path_buf(),
                detail: e.to_string(),
            },
            Some(DiskFull) | Some(SystemIoFailure) | Some(ReadOnly) => Error::Io {
                context: format!(
                    "writing the vault ({}) failed: the disk may be full or the folder not writable; this change was not saved, and nothing saved before is lost",
                    file.display()
                ),
                source: std::io::Error::other(e.to_string()),
            },
            _ => Error::Db(e),
        }
    }
}
