//! Consent Ledger core: the encrypted vault, the tamper-evident ledger and
//! everything stored in them. No UI, no Tauri, no command-line parsing; the
//! callers pass every path in.
//!
//! Start at [`vault::Vault`]; the storage format is in `docs/FORMAT.md`.

pub mod agreements;
pub mod backup;
pub mod calendar;
pub mod checkpoint;
pub mod consents;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod error;
pub mod files;
pub mod fuzzing;
pub mod import;
pub mod keyslots;
pub mod ledger;
pub mod merkle;
pub mod organisation;
pub mod passphrase;
pub mod pdf;
#[macro_use]
pub mod requests;
pub mod documents;
pub mod audit;
pub mod incidents;
pub mod operators;
pub mod processing;
pub mod subjects;
pub mod vault;
pub mod verify;
pub mod witness;

pub use error::{Error, Result};
pub use ledger::{Event, NewEvent};
pub use vault::{CreateOptions, Created, Vault};
