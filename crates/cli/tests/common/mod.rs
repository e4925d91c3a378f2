//! Shared helpers of the CLI tests: running the real binary on a vault with
//! a test passphrase and a private app-data folder, reading its output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const PASS: &str = "tulip orbit canyon ledger 42";

/// The binary on `vault`, the passphrase from the environment, the app's
/// data folder (a witness of checkpoints) beside the vault, never the real one.
pub fn command(vault: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-ledger"));
    c.arg("--vault").arg(vault).args(args);
    c.env_remove("CONSENT_LEDGER_NEW_PASSPHRASE")
        .env_remove("CONSENT_LEDGER_RECOVERY_CODE")
        .env("CONSENT_LEDGER_PASSPHRASE", PASS)
        .env("CONSENT_LEDGER_DATA_DIR", vault.with_extension("app-data"));
    c
}

pub fn cli(vault: &Path, args: &[&str]) -> Output {
    command(vault, args).output().unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).unwrap()
}

/// A refusal of a `--json` command: exit 1 and a message on stderr that
/// says `says`; returns the error's code.
pub fn refused(o: &Output, says: &str) -> String {
    assert_eq!(o.status.code(), Some(1), "stdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(says), "{err}");
    let v: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    v["error"]["code"].as_str().unwrap().to_string()
}

/// A vault with the requisites and one published agreement (A1, 152-FZ).
pub fn register_vault(tmp: &Path) -> PathBuf {
    let dir = tmp.join("v");
    ok(&cli(&dir, &["init", "--org", "ООО «Ромашка»"]));
    ok(&cli(&dir, &["org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва", "--email", "p@romashka.example"]));
    ok(&cli(&dir, &["agreement", "new", "--template", "processing", "--lang", "ru"]));
    ok(&cli(&dir, &["agreement", "publish", "1"]));
    dir
}
