//! Witness folders: copies of the latest signed checkpoint kept outside the
//! vault folder (the app's data folder by default; a USB stick or a synced
//! folder if the user adds one). A checkpoint kept only inside the vault
//! cannot show that someone holding the passphrase cut off or rewrote the
//! log's end; a copy kept elsewhere can: `verify` checks the vault against
//! every note it finds in these folders.
//!
//! Each folder holds one file per vault, `consent-ledger-<vault_id>.checkpoint`,
//! replaced atomically by a newer note only after the vault is checked to
//! still contain exactly the log the older note signed: a vault whose end
//! was cut off cannot overwrite the evidence of it.

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use rusqlite::Connection;
use serde::Serialize;

use crate::checkpoint::{self, Checkpoint};
use crate::error::{Error, Result};
use crate::ledger;
use crate::verify::OutsideNote;

/// The file a witness folder keeps for a vault.
pub fn file_name(vault_id: &str) -> String {
    format!("consent-ledger-{vault_id}.checkpoint")
}

/// What happened in one witness folder when a checkpoint was written out.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub folder: PathBuf,
    /// None when written; otherwise why not (the folder is missing, or the
    /// note already there shows the vault lost or changed events).
    pub problem: Option<String>,
    /// The note already there does not fit this vault's log: evidence of
    /// tampering, left in place.
    pub conflict: bool,
}

/// Writes `cp`'s note into each folder (created if missing), after checking
/// that the note already kept there is still part of this log.
pub fn write_all(
    folders: &[PathBuf],
    conn: &Connection,
    vault_id: &str,
    public: &VerifyingKey,
    cp: &Checkpoint,
) -> Vec<Written> {
    folders
        .iter()
        .map(|folder| {
            let (problem, conflict) = match write(folder, conn, vault_id, public, cp) {
                Ok(()) => (None, false),
                Err(Error::Tampered(why)) => (Some(why), true),
                Err(e) => (Some(e.to_string()), false),
            };
            Written { folder: folder.clone(), problem, conflict }
        })
        .collect()
}

fn write(folder: &Path, conn: &Connection, vault_id: &str, public: &VerifyingKey, cp: &Checkpoint) -> Result<()> {
    let path = folder.join(file_name(vault_id));
    match std::fs::read_to_string(&path) {
        Ok(old) => still_contained(conn, vault_id, public, &path.display().to_string(), &old)
            .map_err(|e| match e {
                Error::Tampered(why) => Error::Tampered(format!("{why}; it was left as it is")),
                other => other,
            })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    }
    std::fs::create_dir_all(folder).map_err(|e| Error::io(format!("creating {}", folder.display()), e))?;
    crate::files::write_atomic(&path, cp.note.as_bytes())
}

/// `Tampered` unless `note` is signed by this vault and the log still holds
/// exactly the events it signed (a quick check: the root at its size, from
/// the stored Merkle nodes; `verify` does the full one).
fn still_contained(conn: &Connection, vault_id: &str, public: &VerifyingKey, label: &str, note: &str) -> Result<()> {
    let old = checkpoint::open_note(note, vault_id, public)
        .map_err(|e| Error::Tampered(format!("{label} is not a checkpoint signed by this vault ({e})")))?;
    let size = ledger::size(conn)?;
    if old.tree_size > size {
        return Err(Error::Tampered(format!(
            "{label} signed {} events, but the vault has {size}: events were removed. Run verify",
            old.tree_size
        )));
    }
    let root = match ledger::root(conn, old.tree_size) {
        Ok(r) => r,
        Err(Error::Invalid(_)) => [0; 32], // nodes or events missing: not the signed log
        Err(e) => return Err(e),
    };
    if root != old.root {
        return Err(Error::Tampered(format!(
            "{label} signed a log whose first {} events are no longer the vault's: events were rewritten. Run verify",
            old.tree_size
        )));
    }
    Ok(())
}

/// What the notes kept in `folders` say about this vault's log now, one
/// sentence per note that it no longer matches (none: all agree). Cheap
/// enough to run each time a vault is opened.
pub fn problems(folders: &[PathBuf], conn: &Connection, vault_id: &str, public: &VerifyingKey) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for n in read_all(folders, vault_id) {
        match still_contained(conn, vault_id, public, &n.label, &n.note) {
            Ok(()) => {}
            Err(Error::Tampered(why)) => out.push(why),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The notes kept for this vault in `folders` (absent files are skipped; an
/// unreadable one is returned as it is, and fails verification).
pub fn read_all(folders: &[PathBuf], vault_id: &str) -> Vec<OutsideNote> {
    folders
        .iter()
        .filter_map(|f| {
            let path = f.join(file_name(vault_id));
            match std::fs::read(&path) {
                Ok(bytes) => Some(OutsideNote {
                    label: path.display().to_string(),
                    note: String::from_utf8_lossy(&bytes).into_owned(),
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                // Unreadable evidence is not skipped: it fails verification.
                Err(e) => Some(OutsideNote { label: format!("{} ({e})", path.display()), note: String::new() }),
            }
        })
        .collect()
}
