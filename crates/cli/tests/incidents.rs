//! `incident` through the real binary: record, count the people affected,
//! draft the Roskomnadzor notice as PDF and text, record it sent, close; the
//! fields scripts rely on; bad input refused with nothing stored; verify.

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

fn hours_ago(h: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::hours(h)).to_rfc3339()
}

#[test]
fn an_incident_from_record_to_closing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    for (n, e) in [("Иванов", "i@example.org"), ("Петров", "p@example.org")] {
        ok(&cli(&dir, &["consent", "add", "--agreement", "A1", "--name", n, "--email", e]));
    }
    let detected = hours_ago(3);
    let i = json(&cli(
        &dir,
        &[
            "--json", "incident", "new", "--title", "Выгрузка CRM <script>alert(1)</script>", "--detected", &detected,
            "--summary", "Выгрузка была доступна по открытой ссылке", "--category", "e-mail", "--category", "ФИО",
            "--records", "4", "--causes", "Ссылка отправлена по ошибке", "--contact", "Иванов И. И., +7 495 000-00-00",
        ],
    ));
    let id = i["id"].as_u64().unwrap();
    assert_eq!(i["status"], "open");
    assert_eq!(i["details"]["law"], "152-fz", "no GDPR country: 152-FZ");
    let c24 = i["clocks"].as_array().unwrap().iter().find(|c| c["notice"] == "rkn_24h").unwrap().clone();
    assert_eq!(c24["state"], "pending");
    assert!(c24["due_at"].as_str().is_some());

    // The people affected: everyone with a consent to agreement 1.
    let a = json(&cli(&dir, &["--json", "incident", "affected", &id.to_string(), "--agreement", "1"]));
    assert_eq!(a["count"], 2);
    let shown = json(&cli(&dir, &["--json", "incident", "show", &id.to_string()]));
    assert_eq!((shown["details"]["subjects"].as_u64(), shown["details"]["affected"]["count"].as_u64()), (Some(2), Some(2)));
    assert_eq!(shown["fine"]["parts"], serde_json::json!([]), "2 people: no size part");
    assert!(shown["fine"]["note"].as_str().unwrap().contains("to be checked"));

    // The 24 h notice: PDF and text.
    let pdf = tmp.path().join("rkn-24h.pdf");
    let d = json(&cli(&dir, &["--json", "incident", "notice", &id.to_string(), "rkn-24h", "--out", pdf.to_str().unwrap(), "--text"]));
    assert_eq!(d["id"], format!("I{id}-RKN24-ru"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    let text = d["text"].as_str().unwrap();
    for want in ["ООО «Ромашка»", "около 2 субъектов", "Ссылка отправлена по ошибке", "Иванов И. И."] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let codes: Vec<&str> = d["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"incident.measures") && codes.contains(&"incident.harm"), "{codes:?}");

    let sent = json(&cli(&dir, &["--json", "incident", "sent", &id.to_string(), "rkn-24h", "--at", "now", "--reference", "портал № 1"]));
    assert_eq!(sent["clock"]["state"], "sent");
    let list = json(&cli(&dir, &["--json", "incident", "list"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    let human = ok(&cli(&dir, &["incident", "list"]));
    assert!(human.contains("rkn_72h") && human.contains(" h ") && human.contains("<script>"), "{human}");
    ok(&cli(&dir, &["incident", "close", &id.to_string()]));
    let before = events(&dir);
    let o = cli(&dir, &["--json", "incident", "edit", &id.to_string(), "--measures", "x"]);
    assert_eq!(refused(&o, "closed"), "invalid");
    assert_eq!(events(&dir), before);
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn bad_input_is_refused_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = register_vault(tmp.path());
    let before = events(&dir);
    let future = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    for (args, says) in [
        (vec!["--title", "t", "--detected", future.as_str(), "--summary", "s"], "in the future"),
        (vec!["--title", "t", "--detected", "вчера", "--summary", "s"], "is not a time"),
        (vec!["--detected", "now", "--summary", "s"], "title"),
        (vec!["--title", "t", "--detected", "now", "--summary", "s", "--risk", "huge"], "unknown risk"),
        (vec!["--title", "t", "--summary", "s"], "detected"),
    ] {
        let mut a = vec!["--json", "incident", "new"];
        a.extend(args);
        assert_eq!(refused(&cli(&dir, &a), says), "invalid");
    }
    assert_eq!(refused(&cli(&dir, &["--json", "incident", "show", "99"]), "no incident 99"), "not_found");
    let i = json(&cli(&dir, &["--json", "incident", "new", "--title", "t", "--detected", &hours_ago(1), "--summary", "s"]));
    let id = i["id"].as_u64().unwrap().to_string();
    let before_sent = events(&dir);
    assert_eq!(refused(&cli(&dir, &["--json", "incident", "sent", &id, "fax", "--at", "now"]), "unknown notice"), "invalid");
    assert_eq!(refused(&cli(&dir, &["--json", "incident", "sent", &id, "rkn-24h", "--at", &hours_ago(5)]), "before the incident was detected"), "invalid");
    assert_eq!(events(&dir), before_sent);
    let bad = tmp.path().join("rules.json");
    std::fs::write(&bad, "{\"clocks\": []}").unwrap();
    assert_eq!(refused(&cli(&dir, &["--json", "incident", "rules", "--load", bad.to_str().unwrap()]), "not valid"), "invalid");
    assert_eq!(events(&dir), before + 1, "only the incident");
    ok(&cli(&dir, &["verify"]));
}
