//! Consent Ledger desktop shell: wires the core to the Svelte UI through thin
//! Tauri commands. All domain logic lives in `consent-ledger-core`.

pub mod commands;
pub mod dto;
pub mod error;
pub mod state;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tauri::{Emitter, Manager, Runtime};

use crate::dto::LockedEvent;
use crate::state::{AppState, DATA_DIR_ENV};

/// Adds the app's state, commands and idle lock to a builder; generic over
/// the runtime so tests can pass `tauri::test::mock_builder()`.
/// `data_dir` overrides the platform's app-data folder.
pub fn configure<R: Runtime>(
    builder: tauri::Builder<R>,
    data_dir: Option<PathBuf>,
) -> tauri::Builder<R> {
    // A given folder is managed at once (the mock runtime never runs `setup`);
    // the platform's app-data folder is only known once the app exists.
    // A relative override would follow the working directory: make it absolute.
    let builder = match data_dir.and_then(|d| std::path::absolute(d).ok()) {
        Some(dir) => builder.manage(Arc::new(AppState::new(dir))),
        None => builder,
    };
    builder
        .setup(|app| {
            if app.try_state::<Arc<AppState>>().is_none() {
                app.manage(Arc::new(AppState::new(std::path::absolute(
                    app.path().app_data_dir()?,
                )?)));
            }
            let state = app.state::<Arc<AppState>>().inner().clone();
            std::fs::create_dir_all(&state.data_dir)?;
            spawn_idle_lock(app.handle().clone(), state);
            Ok(())
        })
        // Quitting locks the open vault (and backs it up when a backup folder is set).
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event {
                if let Some(st) = window.try_state::<Arc<AppState>>() {
                    let _ = st.lock();
                    // The backup that lock started finishes before the app quits.
                    st.wait_for_backup();
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::passphrase_strength,
            commands::pick_vault_folder,
            commands::create_vault,
            commands::save_recovery_code,
            commands::open_demo,
            commands::unlock,
            commands::recover,
            commands::lock,
            commands::touch,
            commands::vault_summary,
            commands::ledger_page,
            commands::ledger_filtered,
            commands::ledger_actors,
            commands::ledger_event,
            commands::verify_ledger,
            commands::cancel_verify,
            commands::create_checkpoint,
            commands::list_checkpoints,
            commands::export_checkpoint,
            commands::get_settings,
            commands::set_settings,
            commands::get_requisites,
            commands::set_requisites,
            commands::change_passphrase,
            commands::agreements::agreement_templates,
            commands::agreements::agreement_list,
            commands::agreements::agreement_get,
            commands::agreements::agreement_create,
            commands::agreements::agreement_save,
            commands::agreements::agreement_preview,
            commands::agreements::agreement_publish,
            commands::agreements::agreement_retire,
            commands::agreements::agreement_diff,
            commands::agreements::agreement_export,
            commands::consents::consent_list,
            commands::consents::consent_get,
            commands::consents::consent_timeline,
            commands::consents::consent_search,
            commands::consents::consent_record,
            commands::consents::consent_same_name,
            commands::consents::consent_merge,
            commands::consents::consent_expiry_due,
            commands::consents::consent_expire,
            commands::consents::import_pick_file,
            commands::consents::import_preview,
            commands::consents::import_run,
            commands::consents::import_cancel,
            commands::consents::import_save_rejected,
            commands::operators::operator_list,
            commands::operators::operator_add,
            commands::operators::operator_set_role,
            commands::operators::operator_remove,
            commands::processing::activity_list,
            commands::processing::activity_get,
            commands::processing::activity_draft,
            commands::processing::activity_drift,
            commands::processing::activity_new,
            commands::processing::activity_save,
            commands::processing::activity_retire,
            commands::processing::agreement_drift,
            commands::processing::processing_check,
            commands::processing::processing_publish,
            commands::processing::processing_revisions,
            commands::processing::processing_save_html,
            commands::processing::processing_preview,
            commands::processing::notice_changes,
            commands::processing::notice_sent,
            commands::incidents::incident_list,
            commands::incidents::incident_get,
            commands::incidents::incident_new,
            commands::incidents::incident_save,
            commands::incidents::incident_count,
            commands::incidents::incident_notice,
            commands::incidents::incident_sent,
            commands::incidents::incident_close,
            commands::incidents::incident_rules,
            commands::incidents::incident_rules_load,
            commands::incidents::incident_rules_export,
            commands::requests::request_overview,
            commands::requests::request_list,
            commands::requests::request_get,
            commands::requests::request_find_person,
            commands::requests::request_open,
            commands::requests::request_identity,
            commands::requests::request_extend,
            commands::requests::request_fulfil,
            commands::requests::request_refuse,
            commands::requests::request_cancel,
            commands::requests::request_reasons,
            commands::requests::request_attach,
            commands::requests::request_export,
            commands::requests::request_file_save,
            commands::requests::calendar_info,
            commands::requests::calendar_load,
            commands::requests::request_rules,
            commands::requests::request_rules_load,
            commands::requests::request_rules_export,
            commands::requests::set_gdpr_country,
            commands::requests::subject_erase,
            commands::requests::subject_unrestrict,
            commands::requests::suppression_export,
            commands::documents::letter_list,
            commands::documents::letter_issue,
            commands::documents::document_text,
            commands::documents::document_save,
            commands::documents::documents_profile,
            commands::documents::set_documents_profile,
            commands::documents::act_list,
            commands::documents::act_issue,
            commands::documents::act_destroy,
            commands::documents::pack_person,
            commands::documents::pack_agreement,
            commands::documents::pack_inspection,
            commands::backup::backup_now,
            commands::backup::backup_cancel,
            commands::backup::backup_last,
            commands::backup::backup_pick_file,
            commands::backup::backup_restore,
            commands::documents::pack_cancel,
            commands::documents::pack_pick_file,
            commands::documents::pack_verify,
        ])
}

/// Locks the vault after the idle time set in Settings and tells the UI.
fn spawn_idle_lock<R: Runtime>(app: tauri::AppHandle<R>, state: Arc<AppState>) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(5));
        if lock_if_idle(&state) {
            let _ = app.emit(
                "vault-locked",
                LockedEvent {
                    reason: "idle".into(),
                },
            );
        }
    });
}

/// Locks the open vault if nothing happened for the auto-lock time; true if it did.
pub fn lock_if_idle(state: &AppState) -> bool {
    state.lock_if_idle(Duration::from_secs(
        u64::from(state.settings().auto_lock_minutes) * 60,
    ))
}

/// Starts the app; `CONSENT_LEDGER_DATA_DIR` redirects the app-data folder.
pub fn run() {
    configure(
        tauri::Builder::default(),
        std::env::var_os(DATA_DIR_ENV).map(PathBuf::from),
    )
    .run(tauri::generate_context!())
    .expect("Consent Ledger could not start");
}

#[cfg(test)]
mod tests {
    /// Every command is declared in build.rs (so it needs a grant), registered
    /// with the handler, and granted to the window; nothing more is granted.
    #[test]
    fn commands_declared_registered_and_granted_agree() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
        let build = read("build.rs");
        let list = &build[build.find("&[").unwrap()..build.rfind(']').unwrap()];
        let mut declared: Vec<String> = list
            .split('"')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect();
        let lib = read("src/lib.rs");
        let handler = &lib[lib.find("generate_handler![").unwrap()..];
        let handler = &handler[..handler.find(']').unwrap()];
        let mut registered: Vec<String> = handler
            .split("commands::")
            .skip(1)
            .map(|s| s.split(',').next().unwrap().trim().rsplit("::").next().unwrap().to_string())
            .collect();
        let caps: serde_json::Value =
            serde_json::from_str(&read("capabilities/main.json")).unwrap();
        let mut granted: Vec<String> = caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| {
                p.as_str()?
                    .strip_prefix("allow-")
                    .map(|c| c.replace('-', "_"))
            })
            .collect();
        declared.sort();
        registered.sort();
        granted.sort();
        assert!(!declared.is_empty());
        assert_eq!(declared, registered, "build.rs vs generate_handler!");
        assert_eq!(declared, granted, "build.rs vs capabilities/main.json");
        let others: Vec<&str> = caps["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| !p.starts_with("allow-"))
            .collect();
        assert_eq!(
            others,
            ["core:event:allow-listen", "core:event:allow-unlisten"]
        );
    }
}
