//! `activity` through the real binary: an activity made from a published
//! agreement, one written with options and one from a JSON file; edit, show,
//! list and retire; bad input refused with nothing stored; drift after the
//! agreement's next version collects more; the documents checked, previewed
//! and published, the notice of changes issued and its sending recorded;
//! verify.

mod common;

use std::path::Path;

use common::*;

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

#[test]
fn activities_are_recorded_edited_shown_and_retired() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    // From the agreement: its purposes and data.
    let agreement = json(&cli(&dir, &["--json", "agreement", "show", "1"]));
    let from = json(&cli(&dir, &["--json", "activity", "from-agreement", "1"]));
    let id = from["id"].as_u64().unwrap();
    assert_eq!(from["details"]["purposes"], agreement["content"]["purposes"]);
    assert_eq!(from["details"]["legal_bases"], serde_json::json!(["consent"]));
    assert_eq!(from["details"]["agreements"], serde_json::json!([1]));
    assert_eq!(from["drift"], serde_json::json!([]));
    let shown = ok(&cli(&dir, &["activity", "show", &id.to_string()]));
    assert!(shown.contains("activity.recorded") && shown.contains("A1"), "{shown}");

    // Written with options, hostile text kept as typed.
    let name = "Рассылка <script>alert(1)</script>";
    let new = json(&cli(
        &dir,
        &[
            "--json", "activity", "new", "--name", name, "--law", "both", "--purpose", "Информирование об акциях", "--basis", "consent",
            "--people", "Клиенты", "--data", "ФИО", "--data", "E-mail", "--special", "Сведения о здоровье", "--special-condition",
            "Письменное согласие", "--processor", "ООО «Рассыльщик»", "--transfer", "Германия; Mailer GmbH; стандартные условия",
            "--storage-country", "Россия", "--security", "Шифрование", "--responsible", "Иванова М. П.", "--started", "2025-03-01",
        ],
    ));
    let new_id = new["id"].as_u64().unwrap().to_string();
    assert_eq!(new["details"]["name"], name);
    assert_eq!(new["details"]["transfers"][0]["country"], "Германия");
    assert_eq!(new["details"]["recipients"][0]["role"], "processor");
    // Edited: only what is given changes.
    let edited = json(&cli(&dir, &["--json", "activity", "edit", &new_id, "--data", "ФИО", "--data", "Телефон"]));
    assert!(edited["seq"].as_u64().is_some());
    assert_eq!(edited["activity"]["details"]["data_categories"], serde_json::json!(["ФИО", "Телефон"]));
    assert_eq!(edited["activity"]["details"]["purposes"], new["details"]["purposes"]);
    let same = json(&cli(&dir, &["--json", "activity", "edit", &new_id, "--data", "ФИО", "--data", "Телефон"]));
    assert_eq!(same["seq"], serde_json::Value::Null, "nothing changed, nothing recorded");
    // A JSON file: the details as `show --json` prints them.
    let file = tmp.path().join("activity.json");
    let mut details = edited["activity"]["details"].clone();
    details["name"] = "Копия".into();
    std::fs::write(&file, details.to_string()).unwrap();
    let copy = json(&cli(&dir, &["--json", "activity", "new", "--file", file.to_str().unwrap()]));
    assert_eq!(copy["details"]["data_categories"], details["data_categories"]);
    ok(&cli(&dir, &["activity", "retire", &copy["id"].as_u64().unwrap().to_string()]));

    let list = json(&cli(&dir, &["--json", "activity", "list"]));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[2]["status"], "retired", "retired ones last");
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn bad_activities_are_refused_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let before = events(&dir);
    let base = ["--json", "activity", "new", "--name", "Рассылка", "--purpose", "Акции"];
    let with = |more: &[&str]| -> Vec<String> { base.iter().chain(more).map(|s| s.to_string()).collect() };
    for (args, says) in [
        (with(&[]), "needs a legal basis"),
        (with(&["--basis", "whim"]), "unknown legal basis"),
        (with(&["--basis", "consent", "--special", "Здоровье"]), "need the condition that allows them"),
        (with(&["--basis", "consent", "--transfer", " ; Mailer GmbH"]), "needs the country"),
        (with(&["--basis", "consent", "--started", "вчера"]), "is not a date"),
        (with(&["--basis", "consent", "--agreement", "42"]), "no agreement A42"),
    ] {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&cli(&dir, &a), says);
    }
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "{\"name\": \"x\", \"colour\": \"red\"}").unwrap();
    refused(&cli(&dir, &["--json", "activity", "new", "--file", bad.to_str().unwrap()]), "is not an activity");
    assert_eq!(events(&dir), before, "nothing recorded");
    assert_eq!(json(&cli(&dir, &["--json", "activity", "list"])), serde_json::json!([]));
}

#[test]
fn drift_shows_after_the_agreement_collects_more() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let id = json(&cli(&dir, &["--json", "activity", "from-agreement", "1"]))["id"].as_u64().unwrap().to_string();
    let content = json(&cli(&dir, &["--json", "agreement", "show", "1"]))["content"].clone();
    let mut fields: Vec<String> = content["form_fields"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    fields.push("Номер паспорта".into());
    let mut args = vec!["agreement".to_string(), "edit".into(), "1".into()];
    for f in &fields {
        args.push("--form-field".into());
        args.push(f.clone());
    }
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&cli(&dir, &a));
    ok(&cli(&dir, &["agreement", "publish", "1", "--acknowledge", "*"]));
    let shown = json(&cli(&dir, &["--json", "activity", "show", &id]));
    assert_eq!(shown["drift"][0]["value"], "Номер паспорта", "{shown}");
    assert_eq!(shown["drift"][0]["label"], "A1-v2");
    let text = ok(&cli(&dir, &["activity", "list"]));
    assert!(text.contains("DRIFT: 1 not listed"), "{text}");
    let text = ok(&cli(&dir, &["activity", "show", &id]));
    assert!(text.contains("A1-v2 collects «Номер паспорта»"), "{text}");
    // The agreement's side.
    let text = ok(&cli(&dir, &["agreement", "show", "1"]));
    assert!(text.contains(&format!("activity {id}: data «Номер паспорта» (A1-v2)")), "{text}");
}

#[test]
fn the_documents_are_checked_item_by_item() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    // Nothing recorded: the notice has nothing to notify.
    let o = cli(&dir, &["--json", "notice", "check"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["publishable"], false);
    assert_eq!(v["findings"][0]["rule"], "notice.activities");
    // An activity from the agreement lacks what an agreement does not say.
    let id = json(&cli(&dir, &["--json", "activity", "from-agreement", "1"]))["id"].as_u64().unwrap().to_string();
    let o = cli(&dir, &["--json", "notice", "check", "--lang", "ru"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for want in ["notice.subjects", "notice.security", "notice.responsible", "notice.start", "notice.db_location"] {
        assert!(rules.contains(&want), "{want} in {rules:?}");
    }
    assert!(v["findings"][0]["law"].as_str().unwrap().contains("152-ФЗ"), "{v}");
    // The GDPR records do not cover a 152-FZ activity.
    let o = cli(&dir, &["--json", "ropa", "check"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "ropa.activities"), "{v}");
    // Completed, the notice passes; the text says so.
    ok(&cli(
        &dir,
        &[
            "activity", "edit", &id, "--people", "Клиенты", "--security", "Шифрование диска", "--responsible",
            "Иванова М. П., +7 495 000-00-00, Москва, p@romashka.example", "--started", "2025-03-01", "--storage-country", "Россия",
            "--methods", "automated",
        ],
    ));
    let text = ok(&cli(&dir, &["notice", "check"]));
    assert!(text.contains("Every mandatory item is there."), "{text}");
    let text = ok(&cli(&dir, &["policy", "check"]));
    assert!(!text.contains("ERROR"), "{text}");

    // Published: a PDF whose text names the organisation and the agreement's purpose.
    let purpose = agreement_purpose(&dir);
    let pdf = tmp.path().join("notice.pdf");
    let issued = json(&cli(&dir, &["--json", "notice", "publish", "--out", pdf.to_str().unwrap()]));
    assert_eq!(issued["id"], "NTF-ru");
    let text = pdftotext(&pdf);
    assert!(text.contains("ООО «Ромашка»") && text.contains(&purpose), "{text}");
    let again = json(&cli(&dir, &["--json", "notice", "publish"]));
    assert_eq!((again["id"].as_str(), again["new"].as_bool()), (Some("NTF-ru"), Some(false)), "unchanged: the same revision");
    // The policy as a web page, and its PDF.
    ok(&cli(&dir, &["policy", "publish"]));
    let html = tmp.path().join("privacy.html");
    let policy_pdf = tmp.path().join("policy.pdf");
    ok(&cli(&dir, &["policy", "export", "--html", html.to_str().unwrap(), "--out", policy_pdf.to_str().unwrap()]));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("ООО «Ромашка»") && page.contains(&purpose), "{page}");
    assert!(!page.contains("<script"), "no script in the page");
    let text = pdftotext(&policy_pdf);
    assert!(text.contains("ООО «Ромашка»") && text.contains(&purpose), "{text}");
    let list = json(&cli(&dir, &["--json", "policy", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    refused(&cli(&dir, &["--json", "ropa", "publish"]), "cannot be published");
    refused(&cli(&dir, &["--json", "policy", "export", "--revision", "NTF-ru", "--text"]), "not a revision of the policy");

    // A live preview records nothing and shows the change before it is published.
    let before = events(&dir);
    ok(&cli(&dir, &["activity", "edit", &id, "--retention", "Три года после последней покупки"]));
    let preview = ok(&cli(&dir, &["notice", "preview"]));
    assert!(preview.contains("Три года после последней покупки") && preview.contains("NTF-ru"), "{preview}");
    assert_eq!(events(&dir), before + 1, "only the edit");
    // The change is pending; publishing the notice issues the notice of changes.
    let changes = json(&cli(&dir, &["--json", "notice", "changes"]));
    assert_eq!(changes["notices"], serde_json::json!([]));
    assert_eq!(changes["pending"][0]["items"][0]["after"], "Три года после последней покупки");
    let text = ok(&cli(&dir, &["notice", "publish"]));
    assert!(text.contains("Issued NTF-ru/2") && text.contains("Notice of changes NTFCH-ru-2 (NTF-ru -> NTF-ru/2)") && text.contains("NOT SENT"), "{text}");
    let changes = json(&cli(&dir, &["--json", "notice", "changes"]));
    assert_eq!(changes["pending"], serde_json::json!([]));
    let due = changes["notices"][0]["due"].as_str().unwrap().to_string();
    assert!(due.ends_with("-15"), "{due}");
    let pdf = tmp.path().join("changes.pdf");
    ok(&cli(&dir, &["notice", "export", "--revision", "NTFCH-ru-2", "--out", pdf.to_str().unwrap()]));
    let text = pdftotext(&pdf);
    assert!(text.contains("Информационное письмо о внесении изменений") && text.contains("Три года после последней покупки"), "{text}");
    // Sent: recorded once; refused for the policy and for a day in the future.
    refused(&cli(&dir, &["--json", "policy", "sent", "POL-ru"]), "only the notice to Roskomnadzor");
    refused(&cli(&dir, &["--json", "notice", "sent", "NTFCH-ru-2", "--on", "2999-01-01"]), "in the future");
    refused(&cli(&dir, &["--json", "notice", "sent", "NTFCH-ru-2", "--on", "yesterday"]), "YYYY-MM-DD");
    ok(&cli(&dir, &["notice", "sent", "NTFCH-ru-2"]));
    refused(&cli(&dir, &["--json", "notice", "sent", "NTFCH-ru-2"]), "already recorded as sent");
    let text = ok(&cli(&dir, &["notice", "changes"]));
    assert!(text.contains("sent on") && !text.contains("NOT SENT"), "{text}");
    ok(&cli(&dir, &["verify"]));
}

/// The first purpose of agreement 1, with its white space folded.
fn agreement_purpose(dir: &Path) -> String {
    let a = json(&cli(dir, &["--json", "agreement", "show", "1"]));
    a["content"]["purposes"][0].as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The PDF's text, white space folded.
fn pdftotext(pdf: &Path) -> String {
    let out = std::process::Command::new("pdftotext").args(["-layout", pdf.to_str().unwrap(), "-"]).output().expect("pdftotext");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}
