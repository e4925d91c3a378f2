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
    let builder = match data_dir {
        Some(dir) => builder.manage(Arc::new(AppState::new(dir))),
        None => builder,
    };
    builder
        .setup(|app| {
            if app.try_state::<Arc<AppState>>().is_none() {
                app.manage(Arc::new(AppState::new(app.path().app_data_dir()?)));
            }
            let state = app.state::<Arc<AppState>>().inner().clone();
            std::fs::create_dir_all(&state.data_dir)?;
            spawn_idle_lock(app.handle().clone(), state);
            Ok(())
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
            commands::ledger_event,
            commands::verify_ledger,
            commands::cancel_verify,
            commands::create_checkpoint,
            commands::list_checkpoints,
            commands::export_checkpoint,
            commands::get_settings,
            commands::set_settings,
            commands::rename_organisation,
            commands::change_passphrase,
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
/// A vault busy with long work (verify holds it) is not idle: skipped, not waited for.
pub fn lock_if_idle(state: &AppState) -> bool {
    let limit = Duration::from_secs(u64::from(state.settings().auto_lock_minutes) * 60);
    if state.last_activity.lock().unwrap().elapsed() < limit {
        return false;
    }
    let idle_vault = match state.vault.try_lock() {
        Ok(mut guard) => guard.take(),
        Err(_) => None,
    };
    match idle_vault {
        Some(v) => {
            let _ = v.lock();
            true
        }
        None => false,
    }
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
