//! `subject erase` through the real binary: the erased person's values are
//! in no page of the vault afterwards (decrypted page by page, without
//! SQLite), the others' are, the log verifies; refusals erase nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use consent_ledger_core::keyslots::{KeyFile, SlotKind};

#[path = "../../core/tests/common/pages.rs"]
mod pages;

const PASS: &str = "tulip orbit canyon ledger 42";

fn cli(vault: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-ledger"));
    c.arg("--vault").arg(vault).args(args);
    c.env_remove("CONSENT_LEDGER_NEW_PASSPHRASE")
        .env_remove("CONSENT_LEDGER_RECOVERY_CODE")
        .env("CONSENT_LEDGER_PASSPHRASE", PASS)
        // The app's data folder (a witness of checkpoints): never the real one.
        .env("CONSENT_LEDGER_DATA_DIR", vault.with_extension("app-data"));
    c.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).unwrap()
}

/// A refusal: exit 1, a message on stderr; returns the error's code (`--json`).
fn refused(o: &Output, says: &str) -> String {
    assert_eq!(o.status.code(), Some(1), "stdout: {}\nstderr: {}", text(&o.stdout), text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains(says), "{err}");
    let v: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    v["error"]["code"].as_str().unwrap().to_string()
}

struct Person {
    name: &'static str,
    email: &'static str,
    phone: &'static str,
}

// Each person's words start with letters no other person's words start
// with (see core's tests/erasure.rs).
const ERASED: Person = Person {
    name: "Zebulon Quixworth",
    email: "lantern.zebulon@velvetharbor.museum",
    phone: "+7 (917) 864-20-53",
};
const KEPT: Person = Person {
    name: "Anna Wintergreen",
    email: "hollis.anna@bellflower.example",
    phone: "+33 1 44 55 66 77",
};

impl Person {
    /// Records a consent (or a withdrawal); returns the subject id.
    fn record(&self, dir: &Path, action: &str) -> String {
        let v = json(&cli(
            dir,
            &["--json", "consent", action, "--agreement", "A1", "--name", self.name, "--email", self.email, "--phone", self.phone],
        ));
        v["subject"].as_str().unwrap().to_string()
    }

    fn needles(&self) -> Vec<String> {
        let mut out = pages::traces(self.name);
        let (local, domain) = self.email.split_once('@').unwrap();
        for v in [self.email, local, domain] {
            out.extend(pages::traces(v));
        }
        let digits: String = self.phone.chars().filter(char::is_ascii_digit).collect();
        out.extend([self.phone.to_string(), digits[1..].to_string(), digits]);
        out.sort();
        out.dedup();
        out
    }
}

/// Every page of vault.db and every frame of its WAL, decrypted.
fn plaintext(dir: &Path) -> Vec<u8> {
    let keys = KeyFile::load(dir).unwrap();
    let (master, _) = keys.unlock(SlotKind::Passphrase, PASS.as_bytes()).unwrap();
    pages::decrypted_vault(master.as_bytes(), dir).0
}

fn register_vault(tmp: &Path) -> PathBuf {
    let dir = tmp.join("v");
    ok(&cli(&dir, &["init", "--org", "ООО «Ромашка»"]));
    ok(&cli(&dir, &["org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва", "--email", "p@romashka.example"]));
    ok(&cli(&dir, &["agreement", "new", "--template", "processing", "--lang", "ru"]));
    ok(&cli(&dir, &["agreement", "publish", "1"]));
    dir
}

fn erased_events(dir: &Path) -> usize {
    let log = json(&cli(dir, &["--json", "log", "--limit", "10000"]));
    log["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "subject.erased").count()
}

#[test]
fn erase_leaves_no_value_of_the_person_in_any_page_and_refusals_erase_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let subject = ERASED.record(&dir, "add");
    assert_eq!(ERASED.record(&dir, "withdraw"), subject);
    let kept = KEPT.record(&dir, "add");
    assert_ne!(kept, subject);
    assert!(ERASED.needles().iter().any(|n| pages::has_bytes(&plaintext(&dir), n.as_bytes())));

    // Refused, with a clear message, erasing nothing.
    let erase = |args: &[&str]| cli(&dir, &[&["--json", "subject", "erase"][..], args].concat());
    let unknown = "s-000000000000000000000000";
    assert_eq!(refused(&erase(&[unknown, "--reason", "request 12", "--yes"]), unknown), "not_found");
    assert_eq!(refused(&erase(&[&subject, "--reason", "request 12"]), "--yes"), "invalid");
    assert_eq!(refused(&erase(&[&subject, "--reason", " ", "--yes"]), "--reason"), "invalid");
    let found = json(&cli(&dir, &["--json", "consent", "search", "quixw"]));
    assert_eq!(found[0]["subject"], subject.as_str(), "{found}");
    assert_eq!(erased_events(&dir), 0);

    let e = json(&erase(&[&subject, "--reason", "request 12", "--yes"]));
    assert_eq!(e["subject"], subject.as_str());
    assert_eq!(e["erased"], serde_json::json!([subject]));
    assert_eq!(e["records_destroyed"], 2);
    let seq = e["event_seq"].as_u64().unwrap();
    let ev = json(&cli(&dir, &["--json", "show", &seq.to_string()]));
    assert_eq!((ev["kind"].as_str(), ev["subject"].as_str()), (Some("subject.erased"), Some(subject.as_str())));
    assert!(ev["body"].as_str().unwrap().contains("request 12"));

    // The destruction act names the person (kept on order 179's ground) until it is destroyed in turn.
    let act = e["act"].as_str().unwrap().to_string();
    let act_text = text(&cli(&dir, &["act", "show", &act, "--text"]).stdout);
    assert!(act_text.contains(ERASED.name) && act_text.contains("request 12"), "{act_text}");
    refused(&cli(&dir, &["--json", "act", "destroy", &act, "--reason", " ", "--yes"]), "earlier");
    refused(&cli(&dir, &["--json", "act", "destroy", &act, "--reason", "test"]), "--yes");
    ok(&cli(&dir, &["act", "destroy", &act, "--reason", "test: the act is destroyed at once", "--yes"]));
    assert_eq!(refused(&cli(&dir, &["--json", "act", "show", &act, "--text"]), "erased"), "erased");

    // Not a word of the person in any page or WAL frame; the other's are all there.
    let bytes = plaintext(&dir);
    let left: Vec<String> = ERASED.needles().into_iter().filter(|n| pages::has_bytes(&bytes, n.as_bytes())).collect();
    assert!(left.is_empty(), "erased values still in the vault: {left:?}");
    for n in [KEPT.name, KEPT.email, KEPT.phone, "33144556677", "wintergreen"] {
        assert!(pages::has_bytes(&bytes, n.as_bytes()), "{n} was lost though not erased");
    }
    assert_eq!(json(&cli(&dir, &["--json", "consent", "search", "quixw"])), serde_json::json!([]));
    assert_eq!(json(&cli(&dir, &["--json", "consent", "search", "wintergr"]))[0]["subject"], kept.as_str());
    let report = json(&cli(&dir, &["--json", "verify"]));
    assert_eq!(report["problem"], serde_json::Value::Null, "{report}");

    // Twice: refused as erased, nothing more recorded. The text output names the subject.
    assert_eq!(refused(&erase(&[&subject, "--reason", "request 12", "--yes"]), "was erased"), "erased");
    assert_eq!(erased_events(&dir), 1);
    let out = ok(&cli(&dir, &["subject", "erase", &kept, "--reason", "request 13", "--yes"]));
    assert!(out.contains(&kept) && out.contains("1 record(s)"), "{out}");
    assert!(!out.contains("Wintergreen") && !out.contains("hollis"), "no personal data in the output: {out}");
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn subject_help_has_examples() {
    let d = tempfile::tempdir().unwrap();
    let out = ok(&cli(d.path(), &["subject", "--help"]));
    assert!(out.contains("Example") && out.contains("subject erase"), "{out}");
    let out = ok(&cli(d.path(), &["subject", "erase", "--help"]));
    assert!(out.contains("--reason") && out.contains("--yes") && out.contains("Cannot be undone") && out.contains("Example"), "{out}");
}
