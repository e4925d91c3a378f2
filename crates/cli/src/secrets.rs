//! Reading passphrases and recovery codes: from the environment when set,
//! else from the terminal without echo. Every secret is zeroized on drop.

use consent_ledger_core::{Error, Result};
use zeroize::Zeroizing;

pub const PASSPHRASE_ENV: &str = "CONSENT_LEDGER_PASSPHRASE";
pub const NEW_PASSPHRASE_ENV: &str = "CONSENT_LEDGER_NEW_PASSPHRASE";
pub const RECOVERY_ENV: &str = "CONSENT_LEDGER_RECOVERY_CODE";

fn from_env(var: &str) -> Option<Zeroizing<String>> {
    std::env::var(var).ok().map(Zeroizing::new)
}

fn prompt(label: &str, var: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|e| {
            Error::Invalid(format!(
                "cannot read the {} from the terminal ({e}); set {var}",
                label.trim_end_matches(": ").to_lowercase()
            ))
        })
}

/// The operator passphrase of an existing vault.
pub fn passphrase() -> Result<Zeroizing<String>> {
    match from_env(PASSPHRASE_ENV) {
        Some(p) => Ok(p),
        None => prompt("Passphrase: ", PASSPHRASE_ENV),
    }
}

/// A passphrase being chosen: asked twice on a terminal.
pub fn new_passphrase(var: &str) -> Result<Zeroizing<String>> {
    if let Some(p) = from_env(var) {
        return Ok(p);
    }
    let first = prompt("New passphrase: ", var)?;
    let again = prompt("Repeat the new passphrase: ", var)?;
    if first != again {
        return Err(Error::Invalid(
            "the two passphrases differ; nothing was changed".into(),
        ));
    }
    Ok(first)
}

pub fn recovery_code() -> Result<Zeroizing<String>> {
    match from_env(RECOVERY_ENV) {
        Some(p) => Ok(p),
        None => prompt("Recovery code: ", RECOVERY_ENV),
    }
}
