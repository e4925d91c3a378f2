//! Errors as they cross IPC: `{code, message}`. The UI branches on `code` only.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS, PartialEq, Eq)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        IpcError {
            code: code.into(),
            message: message.into(),
        }
    }
    /// No vault is open (never opened, locked by the user or by the idle timer).
    pub fn locked() -> Self {
        IpcError::new("locked", "the vault is locked")
    }
}

impl From<consent_ledger_core::Error> for IpcError {
    fn from(e: consent_ledger_core::Error) -> Self {
        IpcError {
            code: e.code().to_string(),
            message: e.to_string(),
        }
    }
}

pub type IpcResult<T> = Result<T, IpcError>;
