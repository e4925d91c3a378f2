//! `request`, `calendar` and `suppression` through the real binary: the
//! fields scripts rely on, each bad input refused with a clear message and
//! nothing stored, and an erasure killed at many points being all or nothing.

mod common;

use std::path::Path;

use common::*;

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

fn days_ago(n: u64) -> String {
    (chrono::Local::now().date_naive() - chrono::Days::new(n)).to_string()
}

/// Events other than the unlock, lock and checkpoint every command records.
fn events(dir: &Path) -> usize {
    let log = json(&cli(dir, &["--json", "log", "--limit", "10000"]));
    log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !matches!(e["kind"].as_str(), Some("vault.unlocked" | "vault.locked" | "checkpoint.created")))
        .count()
}

/// A person in the register; returns their subject id.
fn consent(dir: &Path, name: &str, email: &str) -> String {
    let v = json(&cli(dir, &["--json", "consent", "add", "--agreement", "A1", "--name", name, "--email", email]));
    v["subject"].as_str().unwrap().to_string()
}

#[test]
fn a_withdrawal_from_intake_to_destruction() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let s = consent(&dir, "Фёдоров Дмитрий", "fedorov@kvartirnik.ru");
    // Someone searched for by a Latin spelling is offered, not taken for a stranger.
    let o = cli(&dir, &["--json", "request", "new", "--kind", "withdrawal", "--name", "Dmitry Fedorov"]);
    assert_eq!(refused(&o, &s), "invalid");
    // The register search offers the same person under the other spelling, apart.
    assert_eq!(json(&cli(&dir, &["--json", "consent", "search", "Dmitry Fedorov"])), serde_json::json!([]));
    let shown = text(&cli(&dir, &["consent", "search", "Dmitry Fedorov"]).stdout);
    assert!(shown.starts_with("Nobody found.\nPerhaps the same person") && shown.contains(&s), "{shown}");
    assert!(text(&cli(&dir, &["consent", "search", "федоров"]).stdout).starts_with(&s));
    let received = days_ago(2);
    let r = json(&cli(
        &dir,
        &["--json", "request", "new", "--kind", "withdrawal", "--channel", "email", "--subject", &s, "--received", &received, "--text", "Отзываю согласие"],
    ));
    let id = r["id"].as_u64().unwrap();
    for k in ["id", "kind", "law", "received", "status", "due"] {
        assert!(!r[k].is_null(), "{k} missing: {r}");
    }
    assert_eq!((r["kind"].as_str(), r["law"].as_str(), r["status"].as_str()), (Some("withdrawal"), Some("152-fz"), Some("received")));
    assert_eq!(r["received"].as_str(), Some(received.as_str()));
    // 30 calendar days from receipt (152-FZ art. 21 part 5).
    let due = (chrono::NaiveDate::parse_from_str(&received, "%Y-%m-%d").unwrap() + chrono::Days::new(30)).to_string();
    assert_eq!(r["due"].as_str(), Some(due.as_str()));
    // Not before the identity check.
    assert_eq!(refused(&cli(&dir, &["--json", "request", "fulfil", &id.to_string()]), "identity"), "invalid");
    ok(&cli(&dir, &["request", "identity", &id.to_string(), "--method", "email"]));
    let done = json(&cli(&dir, &["--json", "request", "fulfil", &id.to_string()]));
    assert_eq!(done["outcome"], "withdrawn");
    assert_eq!(done["consents_withdrawn"], 1);
    assert_eq!(done["followups"][0]["kind"], "destroy");
    let show = json(&cli(&dir, &["--json", "request", "show", &id.to_string()]));
    assert_eq!((show["id"].as_u64(), show["status"].as_str()), (Some(id), Some("fulfilled")));
    assert_eq!(show["data"]["text"], "Отзываю согласие");
    let t = json(&cli(&dir, &["--json", "consent", "show", "--subject", &s]));
    assert_eq!(t["items"].as_array().unwrap().last().unwrap()["entry"]["action"], "withdrawn");
    // The suppression list: hashes by default, the value when asked.
    let out = tmp.path().join("suppression.csv");
    ok(&cli(&dir, &["suppression", "export", "--out", out.to_str().unwrap()]));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("kind;sha256;value\n") && !csv.contains("fedorov@"), "{csv}");
    let plain = text(&cli(&dir, &["suppression", "export", "--plain"]).stdout);
    assert!(plain.contains("email;") && plain.contains("fedorov@kvartirnik.ru"), "{plain}");
    // A CRM export that still holds the old consent does not bring it back,
    // even after the person was erased (the suppression list keeps hashes).
    ok(&cli(&dir, &["subject", "erase", &s, "--reason", &format!("request {id}"), "--yes"]));
    let crm = tmp.path().join("crm.csv");
    std::fs::write(&crm, "Дата;ФИО;E-mail\n2025-01-10 10:00;Фёдоров Дмитрий;FEDOROV@kvartirnik.ru\n2025-01-11 10:00;Новый Человек;new@kvartirnik.ru\n").unwrap();
    let r = json(&cli(&dir, &["--json", "import", crm.to_str().unwrap(), "--agreement", "A1"]));
    assert_eq!((r["added"].as_u64(), r["suppressed"][0].as_u64()), (Some(1), Some(2)), "{r}");
    assert!(json(&cli(&dir, &["--json", "consent", "search", "kvartirnik"])).as_array().unwrap().iter().all(|h| h["emails"][0] != "fedorov@kvartirnik.ru"));
    let shown = ok(&cli(&dir, &["import", crm.to_str().unwrap(), "--agreement", "A1"]));
    assert!(shown.contains("suppression list"), "{shown}");
    // The list by due date shows it closed; the vault verifies.
    let list = json(&cli(&dir, &["--json", "request", "list"]));
    assert_eq!(list["requests"][0]["status"], "fulfilled");
    assert!(json(&cli(&dir, &["--json", "request", "list", "--open"]))["requests"].as_array().unwrap().is_empty());
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn both_laws_show_both_dates_and_extension_prints_the_new_due() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let s = consent(&dir, "Smith Anna", "anna@kvartirnik.ru");
    let r = json(&cli(&dir, &["--json", "request", "new", "--kind", "access", "--law", "both", "--subject", &s]));
    let id = r["id"].as_u64().unwrap().to_string();
    let (a, b) = (r["due_152fz"].as_str().unwrap(), r["due_gdpr"].as_str().unwrap());
    assert_eq!(r["due"].as_str().unwrap(), a.min(b));
    let e = json(&cli(&dir, &["--json", "request", "extend", &id, "--reason", "archive search", "--notice-sent", &today()]));
    assert!(e["due"].as_str().unwrap() > r["due"].as_str().unwrap(), "{e}");
    assert!(e["extended_on"].is_string());
    // Twice: refused.
    refused(&cli(&dir, &["--json", "request", "extend", &id, "--reason", "again", "--notice-sent", &today()]), "extended already");
    // Duplicate of the same kind for the same person is flagged.
    let d = json(&cli(&dir, &["--json", "request", "new", "--kind", "access", "--subject", &s]));
    assert_eq!(d["duplicate_of"].as_u64(), r["id"].as_u64());
}

#[test]
fn bad_input_is_refused_with_a_clear_message_and_nothing_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let s = consent(&dir, "Иванов Иван", "ivanov@kvartirnik.ru");
    let other = consent(&dir, "Иванов И.", "ivan.ivanov@kvartirnik.ru");
    ok(&cli(&dir, &["consent", "show", "--subject", &s]));
    let before = events(&dir);
    assert!(before > 0);
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1)).to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["request", "new", "--kind", "access", "--subject", &s, "--received", &tomorrow], "in the future"),
        (vec!["request", "new", "--kind", "forget-me", "--subject", &s], "unknown request kind"),
        (vec!["request", "new", "--kind", "access", "--law", "ccpa", "--subject", &s], "unknown law"),
        (vec!["request", "new", "--kind", "access", "--subject", &s, "--received", "2026-02-30"], "not a date"),
        (vec!["request", "new", "--kind", "access", "--subject", &s, "--attach", "/nonexistent/letter.pdf"], "letter.pdf"),
        (vec!["request", "new", "--kind", "access", "--email", "not-an-email"], "not an e-mail"),
        (vec!["request", "show", "999"], "does not exist"),
        (vec!["request", "refuse", "999", "--reason", "other", "--text", "x"], "does not exist"),
        (vec!["calendar", "show", "1999"], "no calendar"),
        (vec!["calendar", "country", "Germany"], "two letters"),
    ];
    for (args, says) in cases {
        let mut a = vec!["--json"];
        a.extend(args.iter().copied());
        refused(&cli(&dir, &a), says);
    }
    // A calendar file: malformed, a duplicate date, an impossible date.
    for (body, says) in [
        ("{ not json", "not valid"),
        (r#"{"region":"RU","year":2027,"status":"decreed","source":"x","days_off":["2027-01-11","2027-01-11"],"working_days":[]}"#, "2027-01-11"),
        (r#"{"region":"RU","year":2027,"status":"decreed","source":"x","days_off":["2027-02-30"],"working_days":[]}"#, "2027-02-30"),
    ] {
        let f = tmp.path().join("cal.json");
        std::fs::write(&f, body).unwrap();
        refused(&cli(&dir, &["--json", "calendar", "load", f.to_str().unwrap()]), says);
    }
    // A merged subject.
    ok(&cli(&dir, &["consent", "merge", &s, &other]));
    let merged = events(&dir);
    refused(&cli(&dir, &["--json", "request", "new", "--kind", "access", "--subject", &other]), "merged into");
    assert_eq!(events(&dir), merged, "nothing was recorded by the refusals");
    assert_eq!(merged, before + 1, "the merge only");
    // Extension without reasons; a refusal without text; fulfilling twice.
    let id = json(&cli(&dir, &["--json", "request", "new", "--kind", "erasure", "--subject", &s]))["id"].as_u64().unwrap().to_string();
    refused(&cli(&dir, &["--json", "request", "extend", &id, "--reason", " ", "--notice-sent", &today()]), "reasons");
    refused(&cli(&dir, &["--json", "request", "refuse", &id, "--reason", "legal_claims", "--text", ""]), "required");
    refused(&cli(&dir, &["--json", "request", "refuse", &id, "--reason", "nope", "--text", "x"]), "legal_claims");
    ok(&cli(&dir, &["request", "identity", &id, "--method", "waived", "--details", "known customer, signed in person"]));
    let done = json(&cli(&dir, &["--json", "request", "fulfil", &id]));
    assert_eq!(done["outcome"], "erased");
    refused(&cli(&dir, &["--json", "request", "fulfil", &id]), "fulfilled already");
    // Erasing an erased person.
    assert_eq!(refused(&cli(&dir, &["--json", "request", "new", "--kind", "erasure", "--subject", &s]), "erased"), "erased");
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn calendar_show_load_and_country() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let y = json(&cli(&dir, &["--json", "calendar", "show", "2026"]));
    assert_eq!((y["working_day_count"].as_u64(), y["day_off_count"].as_u64()), (Some(247), Some(118)));
    let y = json(&cli(&dir, &["--json", "calendar", "show", "2027"]));
    assert_eq!(y["status"], "provisional");
    let f = tmp.path().join("ru-2027.json");
    std::fs::write(
        &f,
        r#"{"region":"RU","year":2027,"status":"decreed","source":"decree (test)","days_off":["2027-01-01","2027-01-04","2027-01-05","2027-01-06","2027-01-07","2027-01-08","2027-02-23","2027-03-08","2027-05-03","2027-05-10","2027-06-14","2027-11-04","2027-12-31"],"working_days":[]}"#,
    )
    .unwrap();
    let loaded = json(&cli(&dir, &["--json", "calendar", "load", f.to_str().unwrap()]));
    assert_eq!(loaded[0]["status"], "decreed");
    assert_eq!(json(&cli(&dir, &["--json", "calendar", "show", "2027"]))["status"], "decreed");
    ok(&cli(&dir, &["calendar", "country", "de"]));
    assert_eq!(json(&cli(&dir, &["--json", "calendar", "country"]))["country"], "DE");
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn the_vault_can_keep_its_own_request_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let s = consent(&dir, "Smith Anna", "anna@kvartirnik.ru");
    let r = json(&cli(&dir, &["--json", "request", "new", "--kind", "access", "--law", "152-fz", "--subject", &s]));
    let id = r["id"].as_u64().unwrap().to_string();
    let shipped = json(&cli(&dir, &["--json", "request", "rules"]));
    assert_eq!(shipped["own"], false);
    let access = |info: &serde_json::Value| {
        info["deadlines"].as_array().unwrap().iter().find(|d| d["law"] == "152-fz" && d["kind"] == "access").unwrap().clone()
    };
    assert_eq!(access(&shipped)["period"], serde_json::json!({ "working_days": 10 }));
    // Export, edit the access deadline as a lawyer might, load it back.
    let f = tmp.path().join("rules.json");
    ok(&cli(&dir, &["request", "rules", "--export", f.to_str().unwrap()]));
    let text = std::fs::read_to_string(&f).unwrap();
    let marker = r#""access":        { "period": { "working_days": 10 }"#;
    assert!(text.contains(marker), "the shipped layout changed: adjust the test");
    std::fs::write(&f, text.replacen(marker, r#""access":        { "period": { "working_days": 5 }"#, 1)).unwrap();
    let before = events(&dir);
    // A broken copy is refused whole and changes nothing.
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, text.replace(r#""other""#, r#""another""#)).unwrap();
    refused(&cli(&dir, &["--json", "request", "rules", "--load", bad.to_str().unwrap()]), "need a refusal reason");
    std::fs::write(&bad, "{ not json").unwrap();
    refused(&cli(&dir, &["--json", "request", "rules", "--load", bad.to_str().unwrap()]), "not valid");
    assert_eq!(events(&dir), before);
    let loaded = json(&cli(&dir, &["--json", "request", "rules", "--load", f.to_str().unwrap()]));
    assert_eq!(loaded["own"], true);
    let own = json(&cli(&dir, &["--json", "request", "rules"]));
    assert_eq!((own["own"].as_bool(), own["event_seq"].as_u64()), (Some(true), loaded["seq"].as_u64()));
    assert_eq!(access(&own)["period"], serde_json::json!({ "working_days": 5 }));
    // The open request follows the vault's rules.
    let shown = json(&cli(&dir, &["--json", "request", "show", &id]));
    assert!(shown["due"].as_str().unwrap() < r["due"].as_str().unwrap(), "{shown}");
    ok(&cli(&dir, &["request", "rules", "--reset"]));
    assert_eq!(json(&cli(&dir, &["--json", "request", "show", &id]))["due"], r["due"]);
    assert_eq!(json(&cli(&dir, &["--json", "request", "rules"]))["own"], false);
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn request_help_has_examples() {
    for args in [vec!["request", "--help"], vec!["calendar", "--help"], vec!["suppression", "--help"]] {
        let o = ok(&cli(Path::new("unused"), &args));
        assert!(o.contains("Examples:") || o.contains("Example:"), "{o}");
    }
}

/// An erasure request on a person with many records, killed at many points:
/// each time the person is either erased whole with the request fulfilled,
/// or untouched with the request still open, and the vault verifies.
#[test]
fn an_erasure_killed_at_any_point_is_all_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let file = tmp.path().join("many.csv");
    let mut s = String::from("Дата;ФИО;E-mail\n");
    for i in 0..4000 {
        let (d, h, m) = (1 + i % 28, (i / 28) % 24, (i / 672) % 60);
        s.push_str(&format!("2025-03-{d:02} {h:02}:{m:02};Zebulon Quixworth;zebulon@velvetharbor.museum\n"));
        s.push_str(&format!("2025-04-{d:02} {h:02}:{m:02};Person {i};p{i}@kvartirnik.ru\n"));
    }
    std::fs::write(&file, s).unwrap();
    ok(&cli(&dir, &["import", file.to_str().unwrap(), "--agreement", "A1"]));
    let hit = json(&cli(&dir, &["--json", "consent", "search", "zebulon"]));
    let subject = hit[0]["subject"].as_str().unwrap().to_string();
    let id = json(&cli(&dir, &["--json", "request", "new", "--kind", "erasure", "--subject", &subject]))["id"].as_u64().unwrap().to_string();
    ok(&cli(&dir, &["request", "identity", &id, "--method", "email"]));
    // How long a whole run takes, on a copy.
    let copy = |n: usize| {
        let to = tmp.path().join(format!("c{n}"));
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
        to
    };
    let probe = copy(0);
    let t = std::time::Instant::now();
    ok(&cli(&probe, &["request", "fulfil", &id]));
    let whole = t.elapsed();
    let (mut erased, mut intact) = (0, 0);
    for n in 1..=12 {
        let v = copy(n);
        let mut child = command(&v, &["request", "fulfil", &id])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole.mul_f64(n as f64 / 13.0));
        let _ = child.kill();
        child.wait().unwrap();
        let r = json(&cli(&v, &["--json", "request", "show", &id]));
        let found = json(&cli(&v, &["--json", "consent", "search", "zebulon"]));
        match r["status"].as_str() {
            Some("fulfilled") => {
                erased += 1;
                assert!(found.as_array().unwrap().is_empty(), "run {n}: fulfilled but the person is still found");
            }
            Some("in_progress") => {
                intact += 1;
                assert_eq!(found[0]["subject"].as_str(), Some(subject.as_str()), "run {n}: open but the person is gone");
                assert!(r["data"].is_object(), "run {n}: the request's data was lost");
            }
            other => panic!("run {n}: status {other:?}"),
        }
        ok(&cli(&v, &["verify"]));
    }
    eprintln!("killed runs: {erased} erased whole, {intact} untouched (a whole run takes {whole:?})");
    assert!(intact > 0, "no run was killed before the erasure committed");
}

#[test]
fn a_restricted_person_is_left_out_of_exports_unless_included_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let s = consent(&dir, "Blocked Person", "blocked@kvartirnik.ru");
    consent(&dir, "Free Person", "free@kvartirnik.ru");
    let id = json(&cli(&dir, &["--json", "request", "new", "--kind", "restriction", "--subject", &s]))["id"].as_u64().unwrap().to_string();
    ok(&cli(&dir, &["request", "identity", &id, "--method", "email"]));
    ok(&cli(&dir, &["request", "fulfil", &id]));
    assert_eq!(json(&cli(&dir, &["--json", "consent", "show", "--subject", &s]))["restricted"], true);
    let out = cli(&dir, &["consent", "export", "--out", "-"]);
    let csv = ok(&out);
    assert!(csv.contains("free@kvartirnik.ru") && !csv.contains("blocked@kvartirnik.ru"), "{csv}");
    assert!(text(&out.stderr).contains("restricted were left out"), "{}", text(&out.stderr));
    let csv = ok(&cli(&dir, &["consent", "export", "--out", "-", "--include-restricted", "court order 12-345"]));
    assert!(csv.contains("blocked@kvartirnik.ru"));
    let log = json(&cli(&dir, &["--json", "log", "--limit", "20"]));
    let ev = log["events"].as_array().unwrap().iter().find(|e| e["kind"] == "export.restricted_included").unwrap().clone();
    assert!(ev["body"].as_str().unwrap_or(&ev["body"].to_string()).contains("court order 12-345"), "{ev}");
    // Lifting it is an event too; then the export includes the person again.
    ok(&cli(&dir, &["subject", "unrestrict", &s, "--reason", "the check is over"]));
    assert!(ok(&cli(&dir, &["consent", "export", "--out", "-"])).contains("blocked@kvartirnik.ru"));
    ok(&cli(&dir, &["verify"]));
}
