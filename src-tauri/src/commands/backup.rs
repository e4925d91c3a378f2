//! Backups in the app: "Back up now" into a file the user chooses (with
//! progress and Cancel), how the last automatic backup went, and restoring
//! a backup into a new vault folder (verified first, also against the
//! witness notes).

use std::sync::atomic::Ordering;

use consent_ledger_core::backup::{self, Secret};
use serde::Serialize;
use tauri::{Emitter, Runtime, Window};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::commands::{blocking, save_as, AppStateArc};
use crate::dto::{AutoBackup, BackupMade, BackupRestored};
use crate::error::IpcResult;
use crate::state::vault_path;

/// `backup-progress`: database pages copied of all.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BackupProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// Backs the open vault up into a file the user chooses (suggested
/// `<vault id>-<date>.clbackup`); None if the dialog was cancelled. Events
/// recorded afterwards are not in it (the automatic backup on locking has them all).
#[tauri::command]
pub async fn backup_now<R: Runtime>(window: Window<R>, state: AppStateArc<'_>, title: String) -> IpcResult<Option<BackupMade>> {
    let id = state.with_vault(|v| Ok(v.vault_id().chars().take(8).collect::<String>()))?;
    let today = chrono::Utc::now().format("%Y-%m-%d");
    let name = format!("consent-ledger-{id}-{today}.{}", backup::EXTENSION);
    let Some(path) = save_as(&window, title, &name, Some(backup::EXTENSION)).await else {
        return Ok(None);
    };
    let st = state.inner().clone();
    st.cancel_backup.store(false, Ordering::SeqCst);
    blocking(move || {
        let cancel = st.cancel_backup.clone();
        let clock = st.clone();
        st.with_vault(|v| {
            let made = backup::backup(v, &path, |done, total| {
                clock.touch();
                let _ = window.emit("backup-progress", BackupProgress { done, total });
                !cancel.load(Ordering::SeqCst)
            })?;
            Ok(Some((&made).into()))
        })
    })
    .await
}

/// Stops "Back up now" (the previous file, if any, is left as it was).
#[tauri::command]
pub async fn backup_cancel(state: AppStateArc<'_>) -> IpcResult<()> {
    state.cancel_backup.store(true, Ordering::SeqCst);
    Ok(())
}

/// How the last automatic backup (on locking) went, in this run of the app.
#[tauri::command]
pub async fn backup_last(state: AppStateArc<'_>) -> IpcResult<Option<AutoBackup>> {
    Ok(state.last_backup.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
}

/// Asks for a backup file (native dialog); None if cancelled.
#[tauri::command]
pub async fn backup_pick_file<R: Runtime>(window: Window<R>, title: String) -> IpcResult<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .add_filter("Consent Ledger backup", &[backup::EXTENSION])
        .set_parent(&window)
        .pick_file()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

/// Restores the backup `file` into the new folder `into` (absent or empty),
/// opened with the vault's passphrase, verified first also against the
/// witness folders; a backup older than a witness note only with
/// `accept_missing`. The restored vault joins the recent vaults (not opened).
#[tauri::command]
pub async fn backup_restore(
    state: AppStateArc<'_>,
    file: String,
    into: String,
    passphrase: String,
    accept_missing: bool,
) -> IpcResult<BackupRestored> {
    let st = state.inner().clone();
    let passphrase = Zeroizing::new(passphrase);
    blocking(move || {
        let file = vault_path(&file)?;
        let into = vault_path(&into)?;
        let witnesses = st.witnesses_for(&into);
        let r = backup::restore(&file, &into, Secret::Passphrase(&passphrase), &witnesses, accept_missing)?;
        if r.dir.is_some() {
            st.remember(&into);
        }
        Ok(BackupRestored {
            restored: r.dir.is_some(),
            path: into.display().to_string(),
            organisation: r.manifest.organisation,
            events: r.events,
            missing: r.missing,
        })
    })
    .await
}
