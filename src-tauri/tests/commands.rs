//! Command wiring through Tauri's mock runtime (no display): each command
//! deserializes its arguments, reaches the core and maps errors to `{code, message}`.

use std::path::Path;

use consent_ledger_app::dto::{
    AppInfo, CheckpointDto, Created, DemoVault, LedgerPage, Strength, VaultSummary, VerifyReport,
};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow};

const PASS: &str = "tulip orbit canyon ledger 42";

struct App {
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn app(data: &Path) -> App {
    let app = consent_ledger_app::configure(mock_builder(), Some(data.to_path_buf()))
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    App { _app: app, webview }
}

impl App {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }
    fn ok<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> T {
        let v = self
            .call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"));
        serde_json::from_value(v).unwrap()
    }
    fn err(&self, cmd: &str, args: Value) -> String {
        let e = self.call(cmd, args).expect_err(cmd);
        assert!(e["message"].is_string(), "{e}");
        e["code"].as_str().unwrap().to_string()
    }
}

#[test]
fn vault_lifecycle_through_commands() {
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    let info: AppInfo = a.ok("app_info", json!({}));
    assert_eq!(info.data_dir, d.path().display().to_string());
    assert_eq!(info.settings.auto_lock_minutes, 10);
    assert!(info.recent.is_empty());

    let weak: Strength = a.ok(
        "passphrase_strength",
        json!({ "passphrase": "password1", "context": [] }),
    );
    assert!(!weak.acceptable && !weak.reason.is_empty());
    let strong: Strength = a.ok(
        "passphrase_strength",
        json!({ "passphrase": PASS, "context": ["Ромашка"] }),
    );
    assert!(strong.acceptable);

    let path = d.path().join("vaults/romashka").display().to_string();
    assert_eq!(a.err("create_vault", json!({ "path": path, "organisation": "ООО «Ромашка»", "operator": "Анна", "passphrase": "12345" })), "weak_passphrase");
    let created: Created = a.ok("create_vault", json!({ "path": path, "organisation": "ООО «Ромашка»", "operator": "Анна", "passphrase": PASS }));
    assert_eq!(created.recovery_code.len(), 39);
    assert_eq!(created.vault.organisation, "ООО «Ромашка»");

    let page: LedgerPage = a.ok("ledger_page", json!({ "before": null, "limit": 200 }));
    assert_eq!(page.events[0].kind, "vault.created");
    assert_eq!(page.next_before, None);

    a.ok::<()>("lock", json!({}));
    assert_eq!(
        a.err("ledger_page", json!({ "before": null, "limit": 10 })),
        "locked"
    );
    assert_eq!(
        a.err(
            "unlock",
            json!({ "path": path, "passphrase": "tulip orbit canyon ledger 43" })
        ),
        "wrong_secret"
    );
    let s: VaultSummary = a.ok("unlock", json!({ "path": path, "passphrase": PASS }));
    assert_eq!(s.operator, "Анна");

    // The lock after creating signed a checkpoint and copied it to the app's
    // witness folder; verify checked the vault against that copy too.
    let r: VerifyReport = a.ok("verify_ledger", json!({}));
    assert!(r.ok && r.problem.is_none(), "{r:?}");
    assert_eq!(r.outside_notes, 1, "{r:?}");
    assert_eq!(info.witness_folder, d.path().join("witness").display().to_string());
    let witness: Vec<_> = std::fs::read_dir(&info.witness_folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(witness.len(), 1, "{witness:?}");
    assert!(witness[0].starts_with("consent-ledger-") && witness[0].ends_with(".checkpoint"));
    let cp: CheckpointDto = a.ok("create_checkpoint", json!({}));
    assert!(cp.note.contains(&format!("\n{}\n", cp.tree_size)));
    let list: Vec<CheckpointDto> = a.ok("list_checkpoints", json!({}));
    assert_eq!(list.len(), 2);

    let mut req: Value = a.ok("get_requisites", json!({}));
    assert_eq!(req["fullName"], "ООО «Ромашка»");
    req["inn"] = json!("7707083894");
    assert_eq!(
        a.err("set_requisites", json!({ "requisites": req })),
        "invalid"
    );
    req["inn"] = json!("7707083893");
    req["shortName"] = json!("ООО «Ромашка-2»");
    let renamed: VaultSummary = a.ok("set_requisites", json!({ "requisites": req }));
    assert_eq!(renamed.organisation, "ООО «Ромашка-2»");
    let back: Value = a.ok("get_requisites", json!({}));
    assert_eq!(back["inn"], "7707083893");

    let info: AppInfo = a.ok("app_info", json!({}));
    assert_eq!(info.recent.len(), 1);
    assert!(info.recent[0].path.ends_with("romashka"));
}

#[test]
fn settings_are_validated_and_kept() {
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    assert_eq!(
        a.err(
            "set_settings",
            json!({ "settings": { "language": "de", "autoLockMinutes": 10 } })
        ),
        "invalid"
    );
    assert_eq!(
        a.err(
            "set_settings",
            json!({ "settings": { "language": "ru", "autoLockMinutes": 0 } })
        ),
        "invalid"
    );
    let s: Value = a.ok(
        "set_settings",
        json!({ "settings": { "language": "ru", "autoLockMinutes": 5 } }),
    );
    assert_eq!(s["language"], "ru");
    drop(a);
    let again = app(d.path());
    let s: Value = again.ok("get_settings", json!({}));
    assert_eq!(s["autoLockMinutes"], 5);
    // Malformed arguments are a clear error, not a crash.
    assert!(again
        .call("ledger_page", json!({ "before": "x", "limit": 1 }))
        .is_err());

    // Extra folders for checkpoint copies: full paths, each once; the open
    // vault copies its next checkpoint there.
    for bad in [json!(["relative/usb"]), json!(["/media/usb", "/media/usb"])] {
        assert_eq!(
            again.err("set_settings", json!({ "settings": { "language": "ru", "autoLockMinutes": 5, "witnessFolders": bad } })),
            "invalid"
        );
    }
    let _: Created = again.ok("create_vault", json!({ "path": d.path().join("v").display().to_string(), "organisation": "ООО «Ромашка»", "operator": "me", "passphrase": PASS }));
    let usb = d.path().join("usb");
    let inside = d.path().join("v").join("copies");
    let s: Value = again.ok(
        "set_settings",
        json!({ "settings": { "language": "ru", "autoLockMinutes": 5,
                "witnessFolders": [usb.display().to_string(), inside.display().to_string()] } }),
    );
    assert_eq!(s["witnessFolders"].as_array().unwrap().len(), 2);
    again.ok::<Value>("lock", json!({}));
    let copies = |dir: &Path| std::fs::read_dir(dir).map(|r| r.count()).unwrap_or(0);
    assert_eq!(copies(&usb), 1, "copied to the folder added");
    assert_eq!(copies(&inside), 0, "never into the vault's own folder");
}

#[test]
fn demo_vault_is_fresh_and_opens() {
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    let demo: DemoVault = a.ok("open_demo", json!({}));
    let info: AppInfo = a.ok("app_info", json!({}));
    let canon = std::fs::canonicalize(&demo.path)
        .unwrap()
        .display()
        .to_string();
    assert_eq!(
        (info.demo_path.as_str(), info.demo_passphrase.as_str()),
        (canon.as_str(), demo.passphrase.as_str())
    );
    let s: VaultSummary = a.ok(
        "unlock",
        json!({ "path": demo.path, "passphrase": demo.passphrase }),
    );
    assert!(s.events > 8);
    let r: VerifyReport = a.ok("verify_ledger", json!({}));
    assert!(r.ok);
    // Asking again while it is open replaces it with a fresh one.
    let again: DemoVault = a.ok("open_demo", json!({}));
    assert_eq!(again.path, demo.path);
    assert_eq!(a.err("vault_summary", json!({})), "locked");
    let fresh: VaultSummary = a.ok(
        "unlock",
        json!({ "path": again.path, "passphrase": again.passphrase }),
    );
    assert_ne!(fresh.vault_id, s.vault_id);
    a.ok::<()>("lock", json!({}));

    // A real vault where the demo goes is never deleted.
    let demo_dir = Path::new(&demo.path);
    std::fs::remove_dir_all(demo_dir).unwrap();
    let created: Created = a.ok("create_vault", json!({ "path": d.path().join("elsewhere").display().to_string(), "organisation": "Real", "operator": "me", "passphrase": PASS }));
    a.ok::<()>("lock", json!({}));
    std::fs::rename(&created.vault.path, demo_dir).unwrap();
    assert_eq!(a.err("open_demo", json!({})), "invalid");
    assert!(demo_dir.join("keys.json").exists());
    // The same for the folder where a fresh demo is built.
    let staging = d.path().join("demo.new");
    std::fs::rename(demo_dir, &staging).unwrap();
    assert_eq!(a.err("open_demo", json!({})), "invalid");
    assert!(staging.join("keys.json").exists());
    std::fs::rename(&staging, demo_dir).unwrap();
    // Nor can one be created inside the demo folder, or at a relative path.
    assert_eq!(a.err("create_vault", json!({ "path": demo_dir.join("x").display().to_string(), "organisation": "R", "operator": "me", "passphrase": PASS })), "invalid");
    assert_eq!(a.err("create_vault", json!({ "path": "relative/vault", "organisation": "R", "operator": "me", "passphrase": PASS })), "invalid");
    assert_eq!(
        a.err("unlock", json!({ "path": "vault", "passphrase": PASS })),
        "invalid"
    );
}

#[test]
fn idle_vault_locks_itself() {
    use consent_ledger_app::state::AppState;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    let demo: DemoVault = a.ok("open_demo", json!({}));
    a.ok::<VaultSummary>(
        "unlock",
        json!({ "path": demo.path, "passphrase": demo.passphrase }),
    );
    let state = a.webview.state::<Arc<AppState>>().inner().clone();
    assert!(
        !consent_ledger_app::lock_if_idle(&state),
        "just used: not idle"
    );
    // Asleep: the monotonic clock stood still, the wall clock moved on.
    state.last_activity.lock().unwrap().wall = SystemTime::now() - Duration::from_secs(11 * 60);
    assert!(consent_ledger_app::lock_if_idle(&state));
    assert_eq!(a.err("vault_summary", json!({})), "locked");
    // The lock was recorded in the vault's ledger.
    let v = consent_ledger_core::Vault::unlock(std::path::Path::new(&demo.path), &demo.passphrase)
        .unwrap();
    let kinds: Vec<String> = v.log(None, 3).unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["vault.unlocked", "checkpoint.created", "vault.locked"]);
}

#[test]
fn agreements_through_commands() {
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    let _: Created = a.ok("create_vault", json!({ "path": d.path().join("v").display().to_string(), "organisation": "ООО «Ромашка»", "operator": "me", "passphrase": PASS }));
    a.ok::<Value>("set_requisites", json!({ "requisites": {
        "fullName": "ООО «Ромашка»", "shortName": "Ромашка", "inn": "7712345671", "ogrn": "",
        "legalAddress": "Москва, ул. Тверская, 1", "dpo": "", "withdrawalEmail": "privacy@romashka.example" } }));

    let templates: Vec<Value> = a.ok("agreement_templates", json!({}));
    assert_eq!(templates.len(), 10);
    let view: Value = a.ok("agreement_create", json!({ "template": "processing", "language": "ru", "title": null, "translationOf": null, "reader": "ru" }));
    let id = view["id"].as_u64().unwrap();
    assert_eq!(view["label"], format!("A{id}-v1"));
    assert_eq!(view["findings"], json!([]), "the template passes");

    // The live preview checks unsaved content and renders it; nothing is saved.
    let mut content = view["content"].clone();
    content["purposes"] = json!([]);
    content["title"] = json!("<img src=x onerror=alert(1)>");
    let preview: Value = a.ok("agreement_preview", json!({ "content": content, "reader": "en" }));
    assert_eq!(preview["findings"][0]["rule"], "purpose.missing");
    assert_eq!(preview["document"][0], json!({ "kind": "title", "text": "<img src=x onerror=alert(1)>" }));
    let again: Value = a.ok("agreement_get", json!({ "id": id, "version": null, "reader": "en" }));
    assert_eq!(again["content"]["purposes"].as_array().unwrap().len(), 1);

    // Saved with the error: publishing is refused with the rule named.
    let saved: Value = a.ok("agreement_save", json!({ "id": id, "content": content, "reader": "en" }));
    assert_eq!(saved["findings"][0]["rule"], "purpose.missing");
    let e = a.call("agreement_publish", json!({ "id": id, "acknowledged": [], "reader": "en" })).unwrap_err();
    assert_eq!(e["code"], "invalid");
    assert!(e["message"].as_str().unwrap().contains("purpose.missing"));

    content["purposes"] = json!(["Ответ на обращение"]);
    a.ok::<Value>("agreement_save", json!({ "id": id, "content": content, "reader": "en" }));
    let p: Value = a.ok("agreement_publish", json!({ "id": id, "acknowledged": [], "reader": "en" }));
    assert_eq!(p["content_sha256"].as_str().unwrap().len(), 64);
    let list: Vec<Value> = a.ok("agreement_list", json!({}));
    assert_eq!(list[0]["published_version"], 1);

    // A new draft, the diff, retirement.
    content["purposes"] = json!(["Ответ на обращение", "Запись на приём"]);
    let v2: Value = a.ok("agreement_save", json!({ "id": id, "content": content, "reader": "en" }));
    assert_eq!(v2["version"]["version"], 2);
    let diff: Vec<Value> = a.ok("agreement_diff", json!({ "id": id, "from": 1, "to": 2 }));
    assert!(diff.iter().any(|l| l["op"] == "insert" && l["text"] == "• Запись на приём"));
    let retired: Value = a.ok("agreement_retire", json!({ "id": id, "reader": "en" }));
    assert!(retired["retiredAt"].is_string());
    assert_eq!(a.err("agreement_export", json!({ "id": id, "version": null, "format": "docx", "title": "x" })), "invalid");
    a.ok::<()>("lock", json!({}));
    assert_eq!(a.err("agreement_list", json!({})), "locked");
}

#[test]
fn expiry_and_merging_through_commands() {
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    let demo: DemoVault = a.ok("open_demo", json!({}));
    let _: VaultSummary = a.ok("unlock", json!({ "path": demo.path, "passphrase": demo.passphrase }));
    // The demo's photo consents with a 12-month term: due, recorded once.
    let due: u64 = a.ok("consent_expiry_due", json!({}));
    assert!(due > 0);
    let recorded: u64 = a.ok("consent_expire", json!({}));
    assert_eq!(recorded, due);
    assert_eq!(a.ok::<u64>("consent_expiry_due", json!({})), 0);
    // Someone of the same name as a subject, merged into it.
    let hits: Vec<Value> = a.ok("consent_search", json!({ "text": "Смирнова", "limit": 1 }));
    let keep = hits[0]["subject"].as_str().unwrap().to_string();
    let same: Vec<Value> = a.ok("consent_same_name", json!({ "subject": keep }));
    let absorb = same[0]["subject"].as_str().unwrap().to_string();
    let seq: u64 = a.ok("consent_merge", json!({ "keep": keep, "absorb": absorb }));
    assert!(seq > 0);
    let after: Vec<Value> = a.ok("consent_same_name", json!({ "subject": keep }));
    assert!(after.iter().all(|h| h["subject"] != absorb.as_str()));
    assert_eq!(a.err("consent_merge", json!({ "keep": keep, "absorb": absorb })), "invalid");
    let r: VerifyReport = a.ok("verify_ledger", json!({}));
    assert!(r.ok);
}

/// A vault put back as it was earlier (an old backup restored over it, or its
/// newest events cut off) no longer contains the checkpoint its last lock
/// copied to the app's witness folder: unlocking it says so at once.
#[test]
fn a_vault_rolled_back_is_flagged_when_unlocked() {
    let d = tempfile::tempdir().unwrap();
    let a = app(d.path());
    let dir = d.path().join("v");
    let path = dir.display().to_string();
    let _: Created = a.ok("create_vault", json!({ "path": path, "organisation": "ООО «Ромашка»", "operator": "me", "passphrase": PASS }));
    a.ok::<Value>("lock", json!({}));
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    };
    let old = d.path().join("old");
    copy(&dir, &old);
    let s: VaultSummary = a.ok("unlock", json!({ "path": path, "passphrase": PASS }));
    assert!(s.witness_problems.is_empty(), "{:?}", s.witness_problems);
    a.ok::<Value>("lock", json!({}));
    // The earlier state comes back.
    std::fs::remove_dir_all(&dir).unwrap();
    copy(&old, &dir);
    let s: VaultSummary = a.ok("unlock", json!({ "path": path, "passphrase": PASS }));
    assert_eq!(s.witness_problems.len(), 1, "{:?}", s.witness_problems);
    assert!(s.witness_problems[0].contains("events were removed"), "{}", s.witness_problems[0]);
    // Verify names the cut.
    let r: VerifyReport = a.ok("verify_ledger", json!({}));
    assert_eq!(r.problem.map(|p| p.code).as_deref(), Some("log_truncated"));
}
