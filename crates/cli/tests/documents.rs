//! `letter` and `org documents` through the real binary: issuing, issuing
//! again (same bytes), showing, the plain text, portability's files, and
//! each bad input refused with a clear message and nothing recorded.

mod common;

use std::path::Path;

use common::*;
use sha2::{Digest, Sha256};

/// A person in the register with a fulfilled request of `kind`; returns the request's id.
fn fulfilled(dir: &Path, kind: &str) -> String {
    let s = json(&cli(dir, &["--json", "consent", "add", "--agreement", "A1", "--name", "Фёдоров Дмитрий", "--email", "d@kvartirnik.ru"]));
    let s = s["subject"].as_str().unwrap();
    let id = json(&cli(dir, &["--json", "request", "new", "--kind", kind, "--subject", s]))["id"].as_u64().unwrap().to_string();
    ok(&cli(dir, &["request", "identity", &id, "--method", "email"]));
    ok(&cli(dir, &["request", "fulfil", &id]));
    id
}

#[test]
fn a_letter_is_issued_once_shown_again_and_read_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let id = fulfilled(&dir, "access");
    let list = json(&cli(&dir, &["--json", "letter", "list", &id]));
    assert_eq!(list["available"], serde_json::json!(["acknowledgement", "answer"]));
    let pdf = tmp.path().join("answer.pdf");
    let d = json(&cli(&dir, &["--json", "letter", "issue", &id, "answer", "--out", pdf.to_str().unwrap()]));
    let doc_id = d["id"].as_str().unwrap().to_string();
    assert_eq!(doc_id, format!("R{id}-ANS-ru"));
    assert_eq!(d["new"], true);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(hex::encode(Sha256::digest(&bytes)), d["pdf_sha256"].as_str().unwrap());
    // Again: the same document, the same bytes.
    let again_pdf = tmp.path().join("again.pdf");
    let again = json(&cli(&dir, &["--json", "letter", "issue", &id, "answer", "--out", again_pdf.to_str().unwrap()]));
    assert_eq!((again["id"].as_str(), again["new"].as_bool()), (Some(doc_id.as_str()), Some(false)));
    assert_eq!(std::fs::read(&again_pdf).unwrap(), bytes);
    let shown_pdf = tmp.path().join("shown.pdf");
    ok(&cli(&dir, &["letter", "show", &doc_id, "--out", shown_pdf.to_str().unwrap()]));
    assert_eq!(std::fs::read(&shown_pdf).unwrap(), bytes);
    // The plain text for an e-mail, and its hash is the one in the footer.
    let t = cli(&dir, &["letter", "show", &doc_id, "--text"]);
    let body = text(&t.stdout);
    assert!(body.contains("Фёдоров Дмитрий") && body.contains(&doc_id), "{body}");
    assert_eq!(hex::encode(Sha256::digest(body.as_bytes())), d["text_sha256"].as_str().unwrap());
    let listed = json(&cli(&dir, &["--json", "letter", "list", &id]));
    assert_eq!(listed["issued"][0]["id"].as_str(), Some(doc_id.as_str()));
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn the_profile_fills_the_answer_and_portability_writes_the_files_it_names() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let p = json(&cli(
        &dir,
        &["--json", "org", "documents", "--signatory-name", "Иванова Мария", "--signatory-position", "Директор",
          "--cross-border", "Трансграничная передача не осуществляется.", "--destroyer", "Петров Пётр|Администратор"],
    ));
    assert_eq!(p["destroyers"][0]["position"], "Администратор");
    refused(&cli(&dir, &["--json", "org", "documents", "--destroyer", "Петров Пётр"]), "Full name|Position");
    refused(&cli(&dir, &["--json", "org", "documents", "--destroyer", "Петров Пётр|"]), "position");
    let id = fulfilled(&dir, "portability");
    let pdf = tmp.path().join("port.pdf");
    let d = json(&cli(&dir, &["--json", "letter", "issue", &id, "answer", "--lang", "en", "--out", pdf.to_str().unwrap(), "--text"]));
    let text = d["text"].as_str().unwrap();
    assert!(text.contains("Иванова Мария, Директор"), "{text}");
    assert!(text.contains("Трансграничная передача не осуществляется."));
    for ext in ["json", "csv"] {
        let f = pdf.with_extension(ext);
        let sha = hex::encode(Sha256::digest(std::fs::read(&f).unwrap()));
        assert!(text.contains(&format!("access.{ext} — SHA-256 {sha}")), "{ext} named by its hash");
    }
}

#[test]
fn bad_letters_are_refused_and_record_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let id = fulfilled(&dir, "access");
    let events = |d: &Path| json(&cli(d, &["--json", "log", "--limit", "10000"]))["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "document.issued").count();
    refused(&cli(&dir, &["--json", "letter", "issue", &id, "thanks"]), "unknown document kind");
    refused(&cli(&dir, &["--json", "letter", "issue", &id, "refusal"]), "refuse the request first");
    refused(&cli(&dir, &["--json", "letter", "issue", &id, "extension"]), "extend the deadline first");
    refused(&cli(&dir, &["--json", "letter", "issue", &id, "answer", "--lang", "de"]), "use ru or en");
    refused(&cli(&dir, &["--json", "letter", "issue", "999", "answer"]), "999");
    assert_eq!(refused(&cli(&dir, &["--json", "letter", "show", "R1-XXX-ru"]), "no document"), "not_found");
    assert_eq!(events(&dir), 0);
}

fn ok_cli(dir: &Path, out: &Path) {
    let made = json(&cli(dir, &["--json", "pack", "agreement", "1", "--out", out.to_str().unwrap(), "--lang", "en"]));
    assert!(made["id"].as_str().unwrap().starts_with("P-A1-en"), "{made}");
}

#[test]
fn a_person_pack_is_made_and_checked_without_the_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    fulfilled(&dir, "access");
    let s = json(&cli(&dir, &["--json", "consent", "search", "d@kvartirnik.ru"]))[0]["subject"].as_str().unwrap().to_string();
    let zip = tmp.path().join("pack.zip");
    let made = json(&cli(&dir, &["--json", "pack", "person", &s, "--out", zip.to_str().unwrap()]));
    assert!(made["events"].as_u64().unwrap() >= 4, "{made}");
    let key = json(&cli(&dir, &["--json", "info"]))["verifier_key"].as_str().unwrap().to_string();
    // No vault, no passphrase: the inspector's command.
    let verify = |file: &Path, key: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_consent-ledger"))
            .args(["--json", "pack", "verify", file.to_str().unwrap(), "--verifier-key", key])
            .env_remove("CONSENT_LEDGER_PASSPHRASE")
            .env_remove("CONSENT_LEDGER_VAULT")
            .output()
            .unwrap()
    };
    let ok = verify(&zip, &key);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
    let a1 = tmp.path().join("a1.zip");
    ok_cli(&dir, &a1);
    assert_eq!(verify(&a1, &key).status.code(), Some(0));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&ok.stdout).unwrap()["ok"], true);
    // One byte changed: exit 3 and the reason.
    let mut bytes = std::fs::read(&zip).unwrap();
    let i = bytes.len() / 3;
    bytes[i] ^= 0x20;
    let bad = tmp.path().join("bad.zip");
    std::fs::write(&bad, &bytes).unwrap();
    let o = verify(&bad, &key);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["ok"], false);
}

/// How many documents (letters, acts, packs) the ledger has recorded.
fn documents_issued(dir: &Path) -> usize {
    let log = json(&cli(dir, &["--json", "log", "--limit", "10000"]));
    log["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "document.issued").count()
}

/// `pack inspection`: made for a period, checked without the vault; a
/// period that runs backwards or is no day is refused and records nothing.
#[test]
fn an_inspection_pack_is_made_for_a_period_and_bad_periods_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    fulfilled(&dir, "withdrawal");
    let zip = tmp.path().join("inspection.zip");
    let made = json(&cli(&dir, &["--json", "pack", "inspection", "--from", "2020-01-01", "--lang", "en", "--out", zip.to_str().unwrap()]));
    assert!(made["id"].as_str().unwrap().starts_with("P-INS-2020-01-01.."), "{made}");
    let checked = json(&cli(&dir, &["--json", "pack", "verify", zip.to_str().unwrap()]));
    assert_eq!((checked["ok"].as_bool(), checked["pack"]["kind"].as_str()), (Some(true), Some("inspection")));
    let issued = documents_issued(&dir);
    for bad in [&["--from", "2026-02-01", "--to", "2026-01-01"][..], &["--from", "01.02.2026"][..]] {
        let out = tmp.path().join("bad.zip");
        let mut args = vec!["pack", "inspection", "--out", out.to_str().unwrap()];
        args.extend_from_slice(bad);
        let o = cli(&dir, &args);
        assert!(!o.status.success(), "{bad:?}");
        let err = text(&o.stderr);
        assert!(err.contains("period") || err.contains("YYYY-MM-DD"), "{err}");
        assert!(!out.exists());
    }
    assert_eq!(documents_issued(&dir), issued, "nothing recorded");
}

/// A full disk while making a pack (simulated with a file-size limit, which
/// makes every write past it fail as a full disk does): a clear error, no
/// file, nothing recorded, and the vault intact; with room again it works.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_while_making_a_pack_loses_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    fulfilled(&dir, "access");
    let issued = documents_issued(&dir);
    let zip = tmp.path().join("inspection.zip");
    let c = command(&dir, &["pack", "inspection", "--out", zip.to_str().unwrap()]);
    let program = c.get_program().to_owned();
    let args: Vec<_> = c.get_args().map(|a| a.to_owned()).collect();
    // SIGXFSZ ignored: a write past the limit fails with EFBIG instead of killing.
    let o = std::process::Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 32; exec \"$@\"")
        .arg("bash")
        .arg(program)
        .args(args)
        .envs(c.get_envs().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))))
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o.stdout));
    let err = text(&o.stderr);
    // Whichever write failed first (the vault's, or the pack's file at 32 KiB), it is named.
    assert!(
        (err.contains("disk may be full") && err.contains("nothing saved before is lost")) || err.contains("File too large"),
        "{err}"
    );
    assert!(!zip.exists());
    assert!(std::fs::read_dir(tmp.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
    assert_eq!(documents_issued(&dir), issued, "nothing recorded");
    ok(&cli(&dir, &["verify"]));
    ok(&cli(&dir, &["pack", "inspection", "--out", zip.to_str().unwrap()]));
    assert!(zip.exists());
}
