//! CLI scenarios: the real `consent-ledger` binary on real vaults, checking
//! output, JSON, exit codes (0 ok, 1 error, 2 usage, 3 verification failed)
//! and that failures change nothing.

use std::path::Path;
use std::process::{Command, Output};

use consent_ledger_core::keyslots::{KeyFile, SlotKind};

const PASS: &str = "tulip orbit canyon ledger 42";

fn cli(vault: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-ledger"));
    c.arg("--vault").arg(vault).args(args);
    c.env_remove("CONSENT_LEDGER_PASSPHRASE")
        .env_remove("CONSENT_LEDGER_NEW_PASSPHRASE")
        .env_remove("CONSENT_LEDGER_RECOVERY_CODE");
    c.env("CONSENT_LEDGER_PASSPHRASE", PASS);
    // The default witness folder lives in the app's data folder: never the real one.
    let parent = vault.parent().unwrap_or(vault);
    c.env("CONSENT_LEDGER_DATA_DIR", parent.join(format!("{}-app-data", vault.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())));
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).unwrap()
}

fn init(dir: &Path) -> String {
    let v = json(&cli(
        dir,
        &[
            "--json",
            "init",
            "--org",
            "ООО «Ромашка»",
            "--operator",
            "Анна",
        ],
        &[],
    ));
    v["recovery_code"].as_str().unwrap().to_string()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn raw_sql(dir: &Path, sql: &str) {
    let keys = KeyFile::load(dir).unwrap();
    let (master, _) = keys.unlock(SlotKind::Passphrase, PASS.as_bytes()).unwrap();
    let c = consent_ledger_core::db::open(&dir.join("vault.db"), Some(&master), false).unwrap();
    c.execute_batch(sql).unwrap();
    c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
}

#[test]
fn init_log_checkpoint_prove_verify() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("acme");
    let out = ok(&cli(&dir, &["init", "--org", "ООО «Ромашка»"], &[]));
    assert!(out.contains("RECOVERY CODE"), "{out}");
    assert!(out.contains("ООО «Ромашка»"));

    let info = json(&cli(&dir, &["--json", "info"], &[]));
    assert_eq!(info["organisation"], "ООО «Ромашка»");
    // created, locked and its checkpoint, unlocked (this session)
    assert_eq!(info["events"], 4);

    let log = ok(&cli(&dir, &["log"], &[]));
    let kinds: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert_eq!(
        kinds,
        [
            "vault.unlocked",
            "checkpoint.created",
            "vault.locked",
            "vault.unlocked",
            "checkpoint.created",
            "vault.locked",
            "vault.created"
        ]
    );
    let page = json(&cli(
        &dir,
        &["--json", "log", "--limit", "2", "--before", "5"],
        &[],
    ));
    let seqs: Vec<u64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [4, 3]);
    assert_eq!(page["next_before"], 3);

    let note = ok(&cli(&dir, &["checkpoint"], &[]));
    assert!(note.starts_with("consent-ledger/"), "{note}");
    assert!(note.contains("\n\n\u{2014} consent-ledger/"));
    let note_file = d.path().join("cp.txt");
    std::fs::write(&note_file, &note).unwrap();
    let checked = ok(&cli(
        &dir,
        &["checkpoint", "check", note_file.to_str().unwrap()],
        &[],
    ));
    assert!(checked.starts_with("OK"), "{checked}");
    // Checking a note is read-only; every other run signed one more when it locked.
    let list = json(&cli(&dir, &["--json", "checkpoint", "list"], &[]));
    assert_eq!(list.as_array().unwrap().len(), 6);

    let proof = json(&cli(&dir, &["--json", "prove", "2"], &[]));
    assert_eq!(proof["seq"], 2);
    assert_eq!(proof["event"]["kind"], "vault.locked");
    assert!(!proof["path"].as_array().unwrap().is_empty());
    let cons = json(&cli(&dir, &["--json", "consistency", "3"], &[]));
    assert_eq!(cons["old_size"], 3);

    let shown = ok(&cli(&dir, &["show", "1"], &[]));
    assert!(
        shown.contains("vault.created") && shown.contains("checkpoint_key"),
        "{shown}"
    );

    let v = ok(&cli(&dir, &["verify"], &[]));
    assert!(v.starts_with("OK:"), "{v}");
    let r = json(&cli(&dir, &["--json", "verify"], &[]));
    assert!(r["problem"].is_null());
}

#[test]
fn wrong_passphrase_exits_1_and_changes_nothing() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let before = snapshot(d.path());
    let o = cli(
        d.path(),
        &["log"],
        &[("CONSENT_LEDGER_PASSPHRASE", "tulip orbit canyon ledger 43")],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("wrong passphrase"), "{err}");
    assert!(!err.contains("panicked"));
    assert_eq!(snapshot(d.path()), before);
    let o = cli(
        d.path(),
        &["--json", "verify"],
        &[("CONSENT_LEDGER_PASSPHRASE", "nope")],
    );
    let e: serde_json::Value = serde_json::from_str(&text(&o.stderr)).unwrap();
    assert_eq!(e["error"]["code"], "wrong_secret");
    assert_eq!(snapshot(d.path()), before);
}

#[test]
fn tampered_ledger_exits_3_naming_the_event() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    ok(&cli(d.path(), &["checkpoint"], &[]));
    raw_sql(d.path(), "DROP TRIGGER events_no_update; UPDATE events SET body = '{\"forged\":true}' WHERE seq = 2;");
    let o = cli(d.path(), &["verify"], &[]);
    assert_eq!(o.status.code(), Some(3));
    let out = text(&o.stdout);
    assert!(out.contains("FAILED") && out.contains("#2"), "{out}");
    let o = cli(d.path(), &["--json", "verify"], &[]);
    assert_eq!(o.status.code(), Some(3));
    let r: serde_json::Value = serde_json::from_str(&text(&o.stdout)).unwrap();
    assert_eq!(r["problem"]["seq"], 2);
    assert_eq!(r["problem"]["code"], "event_altered");
}

#[test]
fn forged_checkpoint_file_exits_3() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let note = ok(&cli(d.path(), &["checkpoint"], &[]));
    let forged = d.path().join("forged.txt");
    let mut lines: Vec<String> = note.lines().map(String::from).collect();
    lines[1] = "1".into();
    std::fs::write(&forged, lines.join("\n") + "\n").unwrap();
    let o = cli(
        d.path(),
        &["checkpoint", "check", forged.to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("signature"));
    let o = cli(
        d.path(),
        &["checkpoint", "check", "/nonexistent/cp.txt"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn passwd_then_recover() {
    let d = tempfile::tempdir().unwrap();
    let code = init(d.path());
    let new = "velvet harbour quietly 1911";
    let o = cli(
        d.path(),
        &["passwd"],
        &[("CONSENT_LEDGER_NEW_PASSPHRASE", "password1")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("too weak"), "{}", text(&o.stderr));
    ok(&cli(
        d.path(),
        &["passwd"],
        &[("CONSENT_LEDGER_NEW_PASSPHRASE", new)],
    ));
    assert_eq!(cli(d.path(), &["info"], &[]).status.code(), Some(1));
    ok(&cli(
        d.path(),
        &["info"],
        &[("CONSENT_LEDGER_PASSPHRASE", new)],
    ));

    let o = cli(
        d.path(),
        &["recover"],
        &[
            (
                "CONSENT_LEDGER_RECOVERY_CODE",
                "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
            ),
            (
                "CONSENT_LEDGER_NEW_PASSPHRASE",
                "copper lantern uphill 2048",
            ),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    ok(&cli(
        d.path(),
        &["recover"],
        &[
            ("CONSENT_LEDGER_RECOVERY_CODE", &code),
            (
                "CONSENT_LEDGER_NEW_PASSPHRASE",
                "copper lantern uphill 2048",
            ),
        ],
    ));
    let log = ok(&cli(
        d.path(),
        &["log"],
        &[("CONSENT_LEDGER_PASSPHRASE", "copper lantern uphill 2048")],
    ));
    assert!(
        log.contains("vault.recovered") && log.contains("passphrase.changed"),
        "{log}"
    );
}

#[test]
fn usage_errors_exit_2_and_every_command_has_help_with_examples() {
    let d = tempfile::tempdir().unwrap();
    for args in [
        &["frobnicate"][..],
        &["init"],
        &["log", "--limit", "0"],
        &["prove", "x"],
    ] {
        let o = cli(d.path(), args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
    }
    for cmd in [
        "init",
        "info",
        "verify",
        "log",
        "show",
        "checkpoint",
        "prove",
        "consistency",
        "passwd",
        "recover",
        "org",
        "agreement",
        "consent",
        "import",
        "subject",
    ] {
        let o = cli(d.path(), &[cmd, "--help"], &[]);
        let out = ok(&o);
        assert!(
            out.contains("Example"),
            "{cmd} --help has no example:\n{out}"
        );
    }
}

#[test]
fn weak_passphrase_no_terminal_and_damaged_vault_are_clear_errors() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("weak");
    let o = cli(
        &dir,
        &["init", "--org", "X"],
        &[("CONSENT_LEDGER_PASSPHRASE", "qwerty123")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("too weak"));
    assert!(!dir.exists());

    let dir = d.path().join("v");
    init(&dir);
    let mut c = Command::new(env!("CARGO_BIN_EXE_consent-ledger"));
    let o = c
        .arg("--vault")
        .arg(&dir)
        .arg("info")
        .env_remove("CONSENT_LEDGER_PASSPHRASE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("CONSENT_LEDGER_PASSPHRASE"),
        "{}",
        text(&o.stderr)
    );

    let db = dir.join("vault.db");
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len() / 2]).unwrap();
    let o = cli(&dir, &["verify"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("vault.db") && err.contains("damaged"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn organisation_requisites_are_validated_and_recorded() {
    let d = tempfile::tempdir().unwrap();
    init(d.path());
    let r = json(&cli(d.path(), &["--json", "org", "show"], &[]));
    assert_eq!(r["full_name"], "ООО «Ромашка»");
    let o = cli(d.path(), &["org", "set", "--inn", "7707083894"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("check digit"),
        "{}",
        text(&o.stderr)
    );
    let o = cli(d.path(), &["org", "set", "--email", "not-an-email"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let r = json(&cli(
        d.path(),
        &[
            "--json",
            "org",
            "set",
            "--inn",
            "7707083893",
            "--ogrn",
            "1027700132195",
            "--email",
            "privacy@romashka.example",
            "--dpo",
            "Анна Иванова",
        ],
        &[],
    ));
    assert_eq!(
        (r["inn"].as_str(), r["full_name"].as_str()),
        (Some("7707083893"), Some("ООО «Ромашка»"))
    );
    let log = ok(&cli(d.path(), &["log"], &[]));
    assert_eq!(
        log.matches("organisation.requisites_changed").count(),
        1,
        "{log}"
    );
    let ev = json(&cli(d.path(), &["--json", "log", "--limit", "50"], &[]));
    let body = ev["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "organisation.requisites_changed")
        .unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!body.contains("Анна") && body.contains("sha256"), "{body}");
    let shown = ok(&cli(d.path(), &["org", "show"], &[]));
    assert!(
        shown.contains("1027700132195") && shown.contains("Анна Иванова"),
        "{shown}"
    );
}

#[test]
fn agreement_from_template_to_published_pdf_then_new_version_diff_and_retire() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    init(&dir);
    ok(&cli(
        &dir,
        &[
            "org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва, ул. Тверская, 1",
            "--email", "privacy@romashka.example", "--inn", "7712345671",
        ],
        &[],
    ));
    let created = json(&cli(&dir, &["--json", "agreement", "new", "--template", "gdpr", "--lang", "en"], &[]));
    assert_eq!(created["id"], 1);

    // A blocking error: check exits 1 and names the rule; publish refuses and records nothing.
    ok(&cli(&dir, &["agreement", "edit", "1", "--purpose", "other"], &[]));
    let check = cli(&dir, &["--json", "agreement", "check", "1"], &[]);
    assert_eq!(check.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(findings["publishable"], false);
    assert_eq!(findings["findings"][0]["rule"], "purpose.vague");
    let before = json(&cli(&dir, &["--json", "info"], &[]))["events"].as_u64().unwrap();
    let refused = cli(&dir, &["agreement", "publish", "1"], &[]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("purpose.vague"));
    // info, publish (refused) and info each unlock, lock and sign: 3 events per run.
    let after = json(&cli(&dir, &["--json", "info"], &[]))["events"].as_u64().unwrap();
    assert_eq!(after, before + 6, "the refused publish recorded only its unlock, lock and checkpoint");

    // Fixed: published; the PDF names the organisation and carries the hash.
    ok(&cli(&dir, &["agreement", "edit", "1", "--purpose", "Answering my enquiry", "--behaviour", "pre_ticked"], &[]));
    let warned = cli(&dir, &["agreement", "publish", "1"], &[]);
    assert!(text(&warned.stderr).contains("behaviour.preticked_gdpr"), "{}", text(&warned.stderr));
    ok(&cli(&dir, &["agreement", "edit", "1", "--behaviour", "required"], &[]));
    let p = json(&cli(&dir, &["--json", "agreement", "publish", "1"], &[]));
    let hash = p["content_sha256"].as_str().unwrap().to_string();
    let pdf = tmp.path().join("a.pdf");
    ok(&cli(&dir, &["agreement", "export", "1", "--out", pdf.to_str().unwrap()], &[]));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let html = ok(&cli(&dir, &["agreement", "export", "1", "--format", "html", "--out", "-"], &[]));
    assert!(html.contains(&hash) && html.contains("required>"));

    // Editing the published agreement starts v2; the diff shows the change.
    ok(&cli(&dir, &["agreement", "edit", "1", "--form-field", "Phone number"], &[]));
    let show = json(&cli(&dir, &["--json", "agreement", "show", "1"], &[]));
    assert_eq!((show["version"]["version"].as_u64(), show["version"]["draft"].as_bool()), (Some(2), Some(true)));
    let diff = ok(&cli(&dir, &["agreement", "diff", "1", "1", "2"], &[]));
    assert!(diff.contains("+ • Phone number"), "{diff}");
    let v1 = ok(&cli(&dir, &["agreement", "show", "1", "--version", "1"], &[]));
    assert!(v1.contains(&hash) && !v1.contains("Phone number"));
    // A draft is not exported.
    assert_eq!(cli(&dir, &["agreement", "export", "1", "--version", "2"], &[]).status.code(), Some(1));

    let r = json(&cli(&dir, &["--json", "agreement", "retire", "1"], &[]));
    assert!(r["seq"].as_u64().unwrap() > 0);
    assert!(ok(&cli(&dir, &["agreement", "list"], &[])).contains("retired"));
    assert_eq!(cli(&dir, &["agreement", "edit", "1", "--title", "x"], &[]).status.code(), Some(1));
    ok(&cli(&dir, &["verify"], &[]));
}

#[test]
fn agreement_bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    init(&dir);
    for (args, needle) in [
        (vec!["agreement", "new", "--template", "nda"], "unknown template"),
        (vec!["agreement", "new", "--template", "gdpr", "--lang", "de"], "unknown language"),
        (vec!["agreement", "show", "7"], "A7 does not exist"),
    ] {
        let o = cli(&dir, &args, &[]);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(text(&o.stderr).contains(needle), "{args:?}: {}", text(&o.stderr));
    }
    ok(&cli(&dir, &["agreement", "new", "--template", "custom"], &[]));
    let bad_json = tmp.path().join("c.json");
    std::fs::write(&bad_json, "{\"title\": 5}").unwrap();
    let o = cli(&dir, &["agreement", "edit", "1", "--from", bad_json.to_str().unwrap()], &[]);
    assert!(text(&o.stderr).contains("is not agreement content JSON"), "{}", text(&o.stderr));
    let o = cli(&dir, &["agreement", "edit", "1", "--behaviour", "sometimes"], &[]);
    assert!(text(&o.stderr).contains("unknown behaviour"));
    let o = cli(&dir, &["agreement", "edit", "1", "--title", &"я".repeat(1001)], &[]);
    assert!(text(&o.stderr).contains("title is too long"));
    // Markup is kept as text and comes out escaped.
    ok(&cli(&dir, &["agreement", "edit", "1", "--title", "<script>x</script>"], &[]));
    assert!(ok(&cli(&dir, &["agreement", "show", "1"], &[])).contains("<script>x</script>"));
    ok(&cli(&dir, &["org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва", "--email", "p@romashka.example"], &[]));
    ok(&cli(&dir, &["agreement", "edit", "1", "--purpose", "Ответ на обращение", "--data", "Имя", "--term", "1 год",
        "--withdrawal", "письмом на {email}", "--checkbox-label", "Согласен", "--action", "сбор", "--storage", "РФ"], &[]));
    let mut content = json(&cli(&dir, &["--json", "agreement", "show", "1"], &[]))["content"].clone();
    content["methods"] = serde_json::json!("mixed");
    std::fs::write(&bad_json, content.to_string()).unwrap();
    ok(&cli(&dir, &["agreement", "edit", "1", "--from", bad_json.to_str().unwrap()], &[]));
    ok(&cli(&dir, &["agreement", "publish", "1", "--acknowledge", "subject.identity"], &[]));
    let html = ok(&cli(&dir, &["agreement", "export", "1", "--format", "html", "--out", "-"], &[]));
    assert!(html.contains("<h3>&lt;script&gt;x&lt;/script&gt;</h3>") && !html.contains("<script>"), "{html}");
}

/// A vault with one published agreement (A1), for the register scenarios.
fn register_vault(tmp: &Path) -> std::path::PathBuf {
    let dir = tmp.join("v");
    init(&dir);
    ok(&cli(&dir, &["org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва", "--email", "p@romashka.example"], &[]));
    ok(&cli(&dir, &["agreement", "new", "--template", "processing", "--lang", "ru"], &[]));
    ok(&cli(&dir, &["agreement", "publish", "1"], &[]));
    dir
}

#[test]
fn import_csv_in_windows_1251_then_search_withdraw_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let text = "Дата;ФИО;E-mail;Телефон;IP-адрес;URL\n\
        14.03.2025 10:22;Смирнова Анна Сергеевна;anna@example.ru;+7 916 123-45-67;2001:db8::7;https://romashka.example/form?utm=1\n\
        15.03.2025 11:00;\"Иванов\nИван\";ivan@example.ru;8 903 555 12 34;10.0.0.1;https://romashka.example/form\n\
        16.03.2025 12:00;=HYPERLINK(\"http://evil\");x@example.ru;;;\n";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    let file = tmp.path().join("consents.csv");
    std::fs::write(&file, &cp1251).unwrap();

    let preview = json(&cli(&dir, &["--json", "import", file.to_str().unwrap(), "--preview"], &[]));
    assert_eq!(preview["source"]["encoding"].as_str().unwrap().to_lowercase(), "windows-1251");
    let before = json(&cli(&dir, &["--json", "info"], &[]))["events"].as_u64().unwrap();
    let r = json(&cli(&dir, &["--json", "import", file.to_str().unwrap(), "--agreement", "A1"], &[]));
    assert_eq!((r["added"].as_u64(), r["committed"].as_bool()), (Some(3), Some(true)), "{r}");
    // Re-importing the same file adds nothing.
    let again = json(&cli(&dir, &["--json", "import", file.to_str().unwrap(), "--agreement", "A1"], &[]));
    assert_eq!((again["added"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(3)));
    let after = json(&cli(&dir, &["--json", "info"], &[]))["events"].as_u64().unwrap();
    assert!(after > before + 3);

    let hits = json(&cli(&dir, &["--json", "consent", "search", "смирн"], &[]));
    let subject = hits[0]["subject"].as_str().unwrap().to_string();
    ok(&cli(&dir, &["consent", "withdraw", "--agreement", "A1", "--email", "ANNA@example.ru", "--channel", "email"], &[]));
    let tl = json(&cli(&dir, &["--json", "consent", "show", &subject, "--subject"], &[]));
    let actions: Vec<&str> = tl["items"].as_array().unwrap().iter().map(|d| d["entry"]["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["given", "withdrawn"]);
    let list = ok(&cli(&dir, &["consent", "list", "--action", "withdrawn"], &[]));
    assert!(list.contains("withdrawn") && list.contains("anna@example.ru"), "{list}");

    // Two subjects that are one person are merged by the operator.
    let ivan = json(&cli(&dir, &["--json", "consent", "search", "ivan@example.ru"], &[]))[0]["subject"].as_str().unwrap().to_string();
    let m = json(&cli(&dir, &["--json", "consent", "merge", &subject, &ivan], &[]));
    assert!(m["seq"].as_u64().is_some());
    let tl = json(&cli(&dir, &["--json", "consent", "show", &ivan, "--subject"], &[]));
    assert_eq!((tl["subject"].as_str(), tl["items"].as_array().unwrap().len()), (Some(subject.as_str()), 3));
    assert_eq!(cli(&dir, &["consent", "merge", &subject, &ivan], &[]).status.code(), Some(1));

    let csv_out = ok(&cli(&dir, &["consent", "export", "--out", "-"], &[]));
    assert!(csv_out.contains("'=HYPERLINK"), "formula neutralised: {csv_out}");
    assert!(!csv_out.contains(";=HYPERLINK"));
    let iso = ok(&cli(&dir, &["consent", "export", "--format", "iso27560", "--out", "-"], &[]));
    let records: serde_json::Value = serde_json::from_str(&iso).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 4);
    ok(&cli(&dir, &["verify"], &[]));
}

#[test]
fn a_file_with_bad_rows_is_refused_whole_unless_good_rows_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let file = tmp.path().join("bad.csv");
    std::fs::write(
        &file,
        "Дата;ФИО;E-mail;IP-адрес\n2025-03-14;Анна;anna@example.ru;10.0.0.1\nвчера;Пётр;petr@example.ru;10.0.0.2\n2025-03-15;Олег;oleg@example.ru;999.1.1.1\n",
    )
    .unwrap();
    let before = json(&cli(&dir, &["--json", "info"], &[]))["events"].as_u64().unwrap();
    let o = cli(&dir, &["--json", "import", file.to_str().unwrap(), "--agreement", "A1"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["committed"], false);
    let lines: Vec<u64> = r["rejected"].as_array().unwrap().iter().map(|x| x["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, vec![3, 4], "{r}");
    assert_eq!((r["rejected"][0]["problems"][0]["id"].as_str(), r["rejected"][0]["problems"][0]["values"]["value"].as_str()), (Some("date_invalid"), Some("вчера")), "{r}");
    assert_eq!(r["rejected"][1]["problems"][0]["id"], "ip_invalid", "{r}");
    // Only the unlock, lock and checkpoint of the refused run were recorded.
    let after = json(&cli(&dir, &["--json", "info"], &[]))["events"].as_u64().unwrap();
    assert_eq!(after, before + 6);
    assert!(json(&cli(&dir, &["--json", "consent", "list"], &[]))["entries"].as_array().unwrap().is_empty());

    let r = json(&cli(&dir, &["--json", "import", file.to_str().unwrap(), "--agreement", "A1", "--keep-good-rows"], &[]));
    assert_eq!((r["added"].as_u64(), r["committed"].as_bool()), (Some(1), Some(true)));
    // The bad rows as they were (to fix and import again), and why each was refused.
    let rows = std::fs::read_to_string(tmp.path().join("bad.csv.rejected.csv")).unwrap();
    assert_eq!(
        rows,
        "\u{feff}Дата;ФИО;E-mail;IP-адрес\nвчера;Пётр;petr@example.ru;10.0.0.2\n2025-03-15;Олег;oleg@example.ru;999.1.1.1\n"
    );
    let reasons = std::fs::read_to_string(tmp.path().join("bad.csv.rejected-reasons.csv")).unwrap();
    assert!(reasons.contains("3;") && reasons.contains("4;"), "{reasons}");
    // Fixed, the rows go in; what was imported already is not duplicated.
    let fixed = rows.replace("вчера", "2025-03-13").replace("999.1.1.1", "10.0.0.3");
    let fixed_file = tmp.path().join("fixed.csv");
    std::fs::write(&fixed_file, fixed).unwrap();
    let r = json(&cli(&dir, &["--json", "import", fixed_file.to_str().unwrap(), "--agreement", "A1"], &[]));
    assert_eq!((r["added"].as_u64(), r["committed"].as_bool()), (Some(2), Some(true)), "{r}");

    // Unknown agreement, a binary file: clear errors, nothing stored.
    let o = cli(&dir, &["import", file.to_str().unwrap(), "--agreement", "A9"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("A9"), "{}", text(&o.stdout));
    let bin = tmp.path().join("x.csv");
    std::fs::write(&bin, [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 0]).unwrap();
    let o = cli(&dir, &["import", bin.to_str().unwrap(), "--agreement", "A1"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("not a text file"), "{}", text(&o.stderr));
}

#[test]
fn an_import_killed_midway_leaves_nothing_and_the_vault_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let file = tmp.path().join("big.csv");
    let mut s = String::from("Дата;ФИО;E-mail\n");
    for i in 0..60_000 {
        s.push_str(&format!("2025-03-14 10:00;Person {i};p{i}@example.ru\n"));
    }
    std::fs::write(&file, s).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_consent-ledger"))
        .arg("--vault")
        .arg(&dir)
        .args(["import", file.to_str().unwrap(), "--agreement", "A1"])
        .env("CONSENT_LEDGER_PASSPHRASE", PASS)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A file this size is imported through a rollback journal: wait until
    // the transaction has one (rows are being written), then pull the plug.
    let journal = dir.join("vault.db-journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(std::time::Instant::now() < deadline, "the import wrote nothing");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(child.try_wait().unwrap().is_none(), "the import finished before it could be killed");
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(std::fs::metadata(&journal).map(|m| m.len()).unwrap_or(0) > 0, "the killed import left its journal");
    let list = json(&cli(&dir, &["--json", "consent", "list"], &[]));
    assert!(list["entries"].as_array().unwrap().is_empty(), "{list}");
    ok(&cli(&dir, &["verify"], &[]));
    // And the same file imports whole afterwards.
    let r = json(&cli(&dir, &["--json", "import", file.to_str().unwrap(), "--agreement", "A1"], &[]));
    assert_eq!(r["added"].as_u64(), Some(60_000));
}

#[test]
fn consents_whose_term_ended_are_recorded_as_expired() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("v");
    init(&dir);
    ok(&cli(&dir, &["org", "set", "--full-name", "ООО «Ромашка»", "--address", "Москва", "--email", "p@romashka.example"], &[]));
    ok(&cli(&dir, &["agreement", "new", "--template", "marketing", "--lang", "ru"], &[]));
    ok(&cli(&dir, &["agreement", "edit", "1", "--expires-after-months", "12"], &[]));
    let o = cli(&dir, &["agreement", "edit", "1", "--expires-after-months", "5000"], &[]);
    assert_eq!(o.status.code(), Some(1), "a term of over 100 years is refused");
    let findings = json(&cli(&dir, &["--json", "agreement", "check", "1"], &[]));
    let warnings: Vec<String> = findings["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap_or("").to_string()).collect();
    let mut publish = vec!["agreement", "publish", "1"];
    for w in &warnings {
        publish.extend(["--acknowledge", w.as_str()]);
    }
    ok(&cli(&dir, &publish, &[]));
    for (email, at) in [("old@example.ru", "2020-05-01T10:00:00Z"), ("new@example.ru", "2099-01-01T10:00:00Z")] {
        ok(&cli(&dir, &["consent", "add", "--agreement", "A1", "--email", email, "--at", at], &[]));
    }
    let dry = json(&cli(&dir, &["--json", "consent", "expire", "--dry-run"], &[]));
    assert_eq!(dry["due"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(dry["due"][0]["expires_at"], "2021-05-01T10:00:00.000000Z");
    assert_eq!(dry["recorded"], 0);
    let r = json(&cli(&dir, &["--json", "consent", "expire"], &[]));
    assert_eq!(r["recorded"], 1, "{r}");
    let list = json(&cli(&dir, &["--json", "consent", "list", "--action", "expired"], &[]));
    assert_eq!(list["entries"].as_array().unwrap().len(), 1, "{list}");
    let again = text(&cli(&dir, &["consent", "expire"], &[]).stdout);
    assert!(again.contains("No consent's term has ended"), "{again}");
    ok(&cli(&dir, &["verify"], &[]));
}

#[test]
fn verify_is_read_only_and_checks_the_witness_copies() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("acme");
    init(&dir);
    let usb = d.path().join("usb");
    // Any command's lock copies its checkpoint to the default and the given witness folders.
    ok(&cli(&dir, &["--witness", usb.to_str().unwrap(), "info"], &[]));
    let copies = |f: &Path| std::fs::read_dir(f).map(|r| r.count()).unwrap_or(0);
    assert_eq!(copies(&usb), 1);
    assert_eq!(copies(&d.path().join("acme-app-data").join("witness")), 1);

    let before = snapshot(&dir);
    let r = json(&cli(&dir, &["--json", "--witness", usb.to_str().unwrap(), "verify"], &[]));
    assert!(r["problem"].is_null(), "{r}");
    assert_eq!(r["outside_notes"], 2, "{r}");
    let note = usb.join(std::fs::read_dir(&usb).unwrap().next().unwrap().unwrap().file_name());
    ok(&cli(&dir, &["checkpoint", "check", note.to_str().unwrap()], &[]));
    assert_eq!(snapshot(&dir), before, "verify and checkpoint check changed the vault");

    // The end cut off (the last run's events, its checkpoint and its nodes):
    // the vault agrees with itself, the copies kept outside do not.
    // (The list is printed before its own run's lock signs one more.)
    let cps = json(&cli(&dir, &["--json", "checkpoint", "list"], &[]));
    let keep = cps.as_array().unwrap().last().unwrap()["tree_size"].as_u64().unwrap() + 1;
    raw_sql(&dir, &format!(
        "DROP TRIGGER events_no_delete; DROP TRIGGER checkpoints_no_delete; DROP TRIGGER merkle_nodes_no_delete;
         DELETE FROM events WHERE seq > {keep}; DELETE FROM checkpoints WHERE tree_size >= {keep};
         DELETE FROM merkle_nodes WHERE (idx + 1) << level > {keep};"
    ));
    let o = cli(&dir, &["--json", "verify"], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((r["problem"]["code"].as_str(), r["problem"]["seq"].as_u64()), (Some("log_truncated"), Some(keep + 1)));
    // With no copy to compare, the cut is invisible: what FORMAT.md says plainly.
    let alone = cli(&dir, &["--json", "verify"], &[("CONSENT_LEDGER_DATA_DIR", d.path().join("elsewhere").to_str().unwrap())]);
    assert_eq!(alone.status.code(), Some(0), "{}", text(&alone.stdout));
    // A command on the cut vault cannot replace the copy that shows the cut
    // (the default folder's, made by the run that was cut off); the USB
    // stick's copy, older than the cut, is replaced as usual.
    let default = d.path().join("acme-app-data").join("witness").join(note.file_name().unwrap());
    let kept = std::fs::read(&default).unwrap();
    let o = cli(&dir, &["--witness", usb.to_str().unwrap(), "info"], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("TAMPERING"), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(&default).unwrap(), kept);
}
