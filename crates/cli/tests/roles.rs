//! Operators and roles through the real binary: `operator add/list/role/remove`,
//! and the role matrix — every changing command run by an auditor and every
//! owner's command run by an operator exits 1 with the error code
//! `forbidden` and records nothing, while what each role may do works.

mod common;

use std::path::Path;

use common::*;

const OPERATOR_PASS: &str = "violet harbour engine 77 maple";
const AUDITOR_PASS: &str = "copper meadow lantern 19 quartz";

fn as_role(dir: &Path, pass: &str, args: &[&str]) -> std::process::Output {
    command(dir, args).env("CONSENT_LEDGER_PASSPHRASE", pass).output().unwrap()
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

fn vault_with_operators(tmp: &Path) -> (std::path::PathBuf, String) {
    let dir = register_vault(tmp);
    let s = json(&cli(&dir, &["--json", "consent", "add", "--agreement", "A1", "--name", "Фёдоров", "--email", "f@example.org"]))["subject"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&cli(&dir, &["request", "new", "--kind", "access", "--subject", &s]));
    ok(&cli(&dir, &["incident", "new", "--title", "t", "--detected", "now", "--summary", "s"]));
    for (name, role, pass) in [("Олег", "operator", OPERATOR_PASS), ("Аудитор", "auditor", AUDITOR_PASS)] {
        let o = command(&dir, &["--json", "operator", "add", "--name", name, "--role", role])
            .env("CONSENT_LEDGER_NEW_PASSPHRASE", pass)
            .output()
            .unwrap();
        assert_eq!(json(&o)["role"], role);
    }
    (dir, s)
}

#[test]
fn operators_are_listed_added_and_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, _) = vault_with_operators(tmp.path());
    let list = json(&cli(&dir, &["--json", "operator", "list"]));
    let roles: Vec<(&str, &str)> = list.as_array().unwrap().iter().map(|o| (o["name"].as_str().unwrap(), o["role"].as_str().unwrap())).collect();
    assert_eq!(roles, [("owner", "owner"), ("Олег", "operator"), ("Аудитор", "auditor")]);
    let info = json(&as_role(&dir, AUDITOR_PASS, &["--json", "info"]));
    assert_eq!((info["operator"].as_str(), info["role"].as_str()), (Some("Аудитор"), Some("auditor")));
    // The last owner stays an owner; nobody removes themselves.
    assert_eq!(refused(&cli(&dir, &["--json", "operator", "role", "owner", "--role", "auditor"]), "only owner"), "invalid");
    assert_eq!(refused(&cli(&dir, &["--json", "operator", "remove", "owner"]), "cannot remove yourself"), "invalid");
    // Removing destroys the slot: the auditor's passphrase no longer opens the vault.
    ok(&cli(&dir, &["operator", "remove", "Аудитор"]));
    let o = as_role(&dir, AUDITOR_PASS, &["--json", "info"]);
    assert_eq!(refused(&o, "wrong passphrase"), "wrong_secret");
    let log = json(&cli(&dir, &["--json", "log", "--limit", "200"]));
    let kinds: Vec<&str> = log["events"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert!(kinds.contains(&"operator.added") && kinds.contains(&"operator.removed"), "{kinds:?}");
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn each_role_is_refused_what_it_may_not_do_with_the_same_code() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, s) = vault_with_operators(tmp.path());
    let csv = tmp.path().join("c.csv");
    std::fs::write(&csv, "Дата;E-mail\n2026-03-14 10:00;imp@example.org\n").unwrap();
    let rules = tmp.path().join("rules.json");
    ok(&cli(&dir, &["incident", "rules", "--export", rules.to_str().unwrap()]));
    let pdf = tmp.path().join("n.pdf");
    let csv = csv.to_str().unwrap();
    let rules = rules.to_str().unwrap();
    let pdf = pdf.to_str().unwrap();
    let owners_only: Vec<Vec<&str>> = vec![
        vec!["org", "set", "--dpo", "Иванова"],
        vec!["agreement", "new", "--template", "marketing", "--lang", "ru"],
        vec!["agreement", "retire", "1"],
        vec!["calendar", "country", "DE"],
        vec!["incident", "rules", "--load", rules],
        vec!["activity", "from-agreement", "1"],
        vec!["operator", "add", "--name", "Новый", "--role", "auditor"],
        vec!["operator", "role", "Аудитор", "--role", "operator"],
        vec!["operator", "remove", "Аудитор"],
    ];
    let recording: Vec<Vec<&str>> = vec![
        vec!["consent", "add", "--agreement", "A1", "--email", "new@example.org"],
        vec!["consent", "withdraw", "--agreement", "A1", "--email", "f@example.org"],
        vec!["import", csv, "--agreement", "A1"],
        vec!["request", "new", "--kind", "erasure", "--subject", &s],
        vec!["request", "cancel", "6"],
        vec!["incident", "new", "--title", "t2", "--detected", "now", "--summary", "s"],
        vec!["incident", "sent", "7", "rkn-24h", "--at", "now"],
        vec!["incident", "notice", "7", "rkn-24h", "--out", pdf],
        vec!["incident", "close", "7"],
        vec!["subject", "erase", &s, "--reason", "request", "--yes"],
    ];
    let ids = json(&cli(&dir, &["--json", "log", "--limit", "100"]));
    let kinds: Vec<(u64, String)> = ids["events"].as_array().unwrap().iter().map(|e| (e["seq"].as_u64().unwrap(), e["kind"].as_str().unwrap().to_string())).collect();
    let seq_of = |k: &str| kinds.iter().find(|(_, kind)| kind == k).map(|(s, _)| s.to_string()).unwrap();
    let (request, incident) = (seq_of("request.received"), seq_of("incident.recorded"));
    let fix = |args: &Vec<&str>| -> Vec<String> {
        args.iter()
            .map(|a| match *a {
                "6" => request.clone(),
                "7" => incident.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let before = events(&dir);
    for (pass, role, cmds) in [
        (AUDITOR_PASS, "auditor", owners_only.iter().chain(recording.iter()).collect::<Vec<_>>()),
        (OPERATOR_PASS, "operator", owners_only.iter().collect()),
    ] {
        for args in cmds {
            let args = fix(args);
            let mut a: Vec<&str> = vec!["--json"];
            a.extend(args.iter().map(String::as_str));
            let o = command(&dir, &a)
                .env("CONSENT_LEDGER_PASSPHRASE", pass)
                .env("CONSENT_LEDGER_NEW_PASSPHRASE", "sapphire tundra beacon 31 olive")
                .output()
                .unwrap();
            assert_eq!(refused(&o, &format!("not allowed to a vault's {role}")), "forbidden", "{role}: {args:?}");
        }
    }
    assert_eq!(events(&dir), before, "nothing recorded");

    // What each may do: the auditor reads and exports evidence; the operator records.
    let pack = tmp.path().join("p.zip");
    ok(&as_role(&dir, AUDITOR_PASS, &["consent", "list"]));
    ok(&as_role(&dir, AUDITOR_PASS, &["pack", "inspection", "--out", pack.to_str().unwrap()]));
    ok(&as_role(&dir, AUDITOR_PASS, &["verify"]));
    for args in &recording {
        let args = fix(args);
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&as_role(&dir, OPERATOR_PASS, &a));
    }
    let log = json(&cli(&dir, &["--json", "log", "--limit", "5"]));
    assert!(log["events"].as_array().unwrap().iter().any(|e| e["actor"] == "Олег"), "the operator is the actor");
    ok(&cli(&dir, &["verify"]));
}

#[test]
fn reading_is_audited_with_the_reader_as_the_actor() {
    let tmp = tempfile::tempdir().unwrap();
    let (dir, s) = vault_with_operators(tmp.path());
    let request = {
        let log = json(&cli(&dir, &["--json", "log", "--kind", "request.received"]));
        log["events"][0]["seq"].as_u64().unwrap().to_string()
    };
    let csv = tmp.path().join("export.csv");
    for args in [
        vec!["consent", "search", "Фёдоров"],
        vec!["consent", "show", &s, "--subject"],
        vec!["consent", "list", "--text", "Фёдоров"],
        vec!["consent", "export", "--format", "csv", "--out", csv.to_str().unwrap()],
        vec!["request", "show", &request],
        vec!["suppression", "export"],
    ] {
        ok(&as_role(&dir, AUDITOR_PASS, &args));
    }
    // Browsing the register is not a search.
    ok(&as_role(&dir, AUDITOR_PASS, &["consent", "list"]));
    let reads = json(&cli(&dir, &["--json", "log", "--kind", "read.", "--actor", "Аудитор", "--limit", "50"]));
    let got: Vec<(String, String)> = reads["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| (e["kind"].as_str().unwrap().to_string(), serde_json::from_str::<serde_json::Value>(e["body"].as_str().unwrap()).unwrap()["what"].as_str().unwrap().to_string()))
        .collect();
    let want: Vec<(String, String)> = [
        ("read.search", "register"),
        ("read.person", "person_page"),
        ("read.search", "register"),
        ("read.export", "consents_csv"),
        ("read.person", "request_page"),
        ("read.export", "suppression_list"),
    ]
    .iter()
    .map(|(k, w)| (k.to_string(), w.to_string()))
    .collect();
    assert_eq!(got, want);
    for e in reads["events"].as_array().unwrap() {
        let body = e["body"].as_str().unwrap();
        assert!(!body.contains("Фёдоров") && !body.contains("f@example.org"), "{body}");
    }
    // The same filter by operator: the owner's own events are not the auditor's.
    let owners = json(&cli(&dir, &["--json", "log", "--actor", "owner", "--kind", "read.", "--limit", "50"]));
    assert!(owners["events"].as_array().unwrap().iter().all(|e| e["actor"] == "owner"));
    ok(&cli(&dir, &["verify"]));
}
