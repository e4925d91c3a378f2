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
        Ok(old) => {
            let shown = path.display();
            let old = checkpoint::open_note(&old, vault_id, public).map_err(|e| {
                Error::Tampered(format!("{shown} is not a checkpoint signed by this vault ({e}); it was left as it is"))
            })?;
            if old.tree_size > cp.tree_size {
                return Err(Error::Tampered(format!(
                    "{shown} signed {} events, but the vault now has {}: events were removed; it was left as it is. Run verify",
                    old.tree_size, cp.tree_size
                )));
            }
            if ledger::root(conn, old.tree_size)? != old.root {
                return Err(Error::Tampered(format!(
                    "{shown} signed a log whose first {} events are no longer the vault's: events were rewritten; it was left as it is. Run verify",
                    old.tree_size
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
    }
    std::fs::create_dir_all(folder).map_err(|e| Error::io(format!("creating {}", folder.display()), e))?;
    crate::files::write_atomic(&path, cp.note.as_bytes())
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
