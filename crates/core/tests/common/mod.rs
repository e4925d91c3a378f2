//! Shared helpers for the core's integration tests: quick vaults and raw
//! access to a vault's database, as an attacker with the key would have.
#![allow(dead_code)]

use std::path::Path;

use consent_ledger_core::crypto::KdfParams;
use consent_ledger_core::keyslots::{KeyFile, SlotKind};
use consent_ledger_core::{db, CreateOptions, Created, Vault};
use rusqlite::Connection;

pub mod pages;

pub const PASS: &str = "tulip orbit canyon ledger 42";
pub const ORG: &str = "ООО «Уникальная Ромашка 7Q»";

pub fn options() -> CreateOptions {
    CreateOptions {
        organisation: ORG.into(),
        operator: "Анна Operator".into(),
        kdf: KdfParams::insecure_for_tests(),
    }
}

pub fn create(dir: &Path) -> Created {
    Vault::create(dir, PASS, &options()).expect("create vault")
}

/// A vault with the organisation's requisites filled in and one published
/// GDPR agreement; returns the vault and the agreement's id.
pub fn vault_with_agreement(dir: &Path) -> (Vault, u64) {
    use consent_ledger_core::agreements::{self, Language, TemplateKind};
    let mut v = create(dir).vault;
    let mut r = v.requisites().unwrap();
    r.full_name = "ООО «Ромашка»".into();
    r.legal_address = "Москва".into();
    r.withdrawal_email = "privacy@romashka.example".into();
    v.set_requisites(r).unwrap();
    let id = v
        .with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, None))
        .unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::En))
        .unwrap();
    (v, id)
}

/// The vault's database opened with its master key, bypassing the core.
pub fn raw_conn(dir: &Path) -> Connection {
    db::open(&dir.join(db::DB_FILE), Some(&master_key(dir)), false).unwrap()
}

/// The vault's master key, from its passphrase slot.
pub fn master_key(dir: &Path) -> consent_ledger_core::crypto::MasterKey {
    let keys = KeyFile::load(dir).unwrap();
    keys.unlock(SlotKind::Passphrase, PASS.as_bytes()).unwrap().0
}

/// Every byte of every file in the folder.
pub fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            out.push((
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
    }
    out.sort();
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub fn copy_vault(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// The text `pdftotext -layout` extracts, whitespace folded (lines wrap).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("d.pdf");
    std::fs::write(&f, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", f.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by `cargo xtask test`");
    assert!(out.status.success());
    // Lines wrap: compare with the whitespace folded.
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}
