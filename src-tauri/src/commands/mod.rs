//! The `#[tauri::command]`s: deserialize the arguments, call the core on a
//! blocking thread, map the result to a DTO. Nothing else happens here.

use std::sync::atomic::Ordering;
use std::sync::Arc;

pub mod agreements;
pub mod backup;
pub mod consents;
pub mod documents;
pub mod incidents;
pub mod operators;
pub mod processing;
pub mod requests;

use consent_ledger_core::{checkpoint, demo, ledger, passphrase, CreateOptions, Vault};
use tauri::{AppHandle, Emitter, Runtime, State, Window};
use zeroize::Zeroizing;

use crate::dto::*;
use crate::error::{IpcError, IpcResult};
use crate::state::{vault_path, AppState};

pub(crate) type AppStateArc<'a> = State<'a, Arc<AppState>>;

/// Runs `f` on the open vault, on a blocking thread; `locked` when none is open.
pub(crate) async fn on_vault<T: Send + 'static>(
    state: AppStateArc<'_>,
    f: impl FnOnce(&mut Vault) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    let st = state.inner().clone();
    blocking(move || st.with_vault(f)).await
}

/// Runs blocking work (key derivation, SQLCipher) off the UI and IPC threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::new("internal", e.to_string()))?
}

#[tauri::command]
pub async fn app_info(state: AppStateArc<'_>) -> IpcResult<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        format_version: consent_ledger_core::db::schema_version(),
        key_file_version: consent_ledger_core::keyslots::FORMAT_VERSION,
        licence: env!("CARGO_PKG_LICENSE").to_string(),
        data_dir: state.data_dir.display().to_string(),
        default_vault_dir: state.default_vault_dir().display().to_string(),
        recent: state.recent(),
        settings: state.settings(),
        open_demo: std::env::var_os(crate::state::OPEN_DEMO_ENV).is_some(),
        // Canonical, like the paths in the recent list it is compared with.
        demo_path: std::fs::canonicalize(state.demo_dir())
            .unwrap_or_else(|_| state.demo_dir())
            .display()
            .to_string(),
        demo_passphrase: demo::PASSPHRASE.to_string(),
        witness_folder: state.witness_folder().display().to_string(),
    })
}

#[tauri::command]
pub async fn passphrase_strength(passphrase: String, context: Vec<String>) -> IpcResult<Strength> {
    let passphrase = Zeroizing::new(passphrase);
    let words: Vec<&str> = context.iter().map(String::as_str).collect();
    Ok(passphrase::strength(&passphrase, &words).into())
}

/// Native folder picker; `title` comes from the UI in the user's language.
#[tauri::command]
pub async fn pick_vault_folder<R: Runtime>(
    window: Window<R>,
    title: String,
) -> IpcResult<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_parent(&window)
        .pick_folder()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

#[tauri::command]
pub async fn create_vault(
    state: AppStateArc<'_>,
    path: String,
    organisation: String,
    operator: String,
    passphrase: String,
) -> IpcResult<Created> {
    let st = state.inner().clone();
    let passphrase = Zeroizing::new(passphrase);
    blocking(move || {
        let mut opts = CreateOptions::new(&organisation);
        opts.operator = operator;
        let dir = vault_path(&path)?;
        if dir.starts_with(st.demo_dir()) || dir.starts_with(st.demo_staging_dir()) {
            return Err(IpcError::new(
                "invalid",
                "this folder is reserved for the demo vault; choose another",
            ));
        }
        let mut created = Vault::create(&dir, &passphrase, &opts)?;
        st.prepare(&mut created.vault);
        let summary = VaultSummary::of(&created.vault)?;
        let recovery_code = created.recovery_code.to_string();
        st.set_vault(created.vault)?;
        Ok(Created {
            vault: summary,
            recovery_code,
        })
    })
    .await
}

/// Saves the recovery-code sheet (composed by the UI in the user's language)
/// where the user chooses, readable by the owner only. False if cancelled.
#[tauri::command]
pub async fn save_recovery_code<R: Runtime>(
    window: Window<R>,
    title: String,
    file_name: String,
    text: String,
) -> IpcResult<bool> {
    let text = Zeroizing::new(text);
    // Always the dialog: the recovery code goes only where the user says.
    let Some(file) = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(file_name)
        .set_parent(&window)
        .save_file()
        .await
    else {
        return Ok(false);
    };
    write_private(file.path(), text.as_bytes())?;
    Ok(true)
}

/// Asks where to save an export (native dialog, `file_name` suggested); None if
/// cancelled. With `CONSENT_LEDGER_SAVE_DIR` set, answers that folder at once.
/// Never used for secrets (the recovery code always asks).
pub(crate) async fn save_as<R: Runtime>(
    window: &Window<R>,
    title: String,
    file_name: &str,
    extension: Option<&str>,
) -> Option<std::path::PathBuf> {
    if let Some(dir) = std::env::var_os(crate::state::SAVE_DIR_ENV) {
        return Some(std::path::PathBuf::from(dir).join(file_name));
    }
    let mut dialog = rfd::AsyncFileDialog::new()
        .set_title(title)
        .set_file_name(file_name)
        .set_parent(window);
    if let Some(ext) = extension {
        dialog = dialog.add_filter(ext, &[ext]);
    }
    dialog.save_file().await.map(|f| f.path().to_path_buf())
}

/// Writes a file readable by its owner only (it holds the recovery code).
fn write_private(path: &std::path::Path, bytes: &[u8]) -> IpcResult<()> {
    use std::io::Write;
    consent_ledger_core::files::private_options()
        .create(true)
        .truncate(true)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| io_err(path, e))
}

#[tauri::command]
pub async fn open_demo(state: AppStateArc<'_>) -> IpcResult<DemoVault> {
    let st = state.inner().clone();
    blocking(move || {
        let dir = st.demo_dir();
        // Throwaway: a fresh demo every time. Built beside the old one and
        // swapped in, and only ever replacing a folder that is the demo.
        let fresh = st.demo_staging_dir();
        if fresh.exists() {
            // Left by an interrupted run: remove it only if it is (or was becoming) a demo.
            if fresh.join("keys.json").exists() && !demo::is_demo(&fresh) {
                return Err(IpcError::new(
                    "invalid",
                    format!(
                        "{} holds something other than the demo vault; it was left untouched",
                        fresh.display()
                    ),
                ));
            }
            std::fs::remove_dir_all(&fresh).map_err(|e| io_err(&fresh, e))?;
        }
        demo::create(&fresh)?.lock()?;
        if dir.exists() {
            if !demo::is_demo(&dir) {
                let _ = std::fs::remove_dir_all(&fresh);
                return Err(IpcError::new(
                    "invalid",
                    format!(
                        "{} holds something other than the demo vault; it was left untouched",
                        dir.display()
                    ),
                ));
            }
            if st.is_open(&dir) {
                st.lock()?;
            }
            std::fs::remove_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        }
        std::fs::rename(&fresh, &dir).map_err(|e| io_err(&dir, e))?;
        Ok(DemoVault {
            path: dir.display().to_string(),
            passphrase: demo::PASSPHRASE.to_string(),
        })
    })
    .await
}

fn io_err(path: &std::path::Path, e: std::io::Error) -> IpcError {
    IpcError::new("io", format!("{}: {e}", path.display()))
}

#[tauri::command]
pub async fn unlock(
    state: AppStateArc<'_>,
    path: String,
    passphrase: String,
) -> IpcResult<VaultSummary> {
    let st = state.inner().clone();
    let passphrase = Zeroizing::new(passphrase);
    blocking(move || {
        let mut v = Vault::unlock(&vault_path(&path)?, &passphrase)?;
        st.prepare(&mut v);
        let summary = VaultSummary::of(&v)?;
        st.set_vault(v)?;
        Ok(summary)
    })
    .await
}

#[tauri::command]
pub async fn recover(
    state: AppStateArc<'_>,
    path: String,
    recovery_code: String,
    new_passphrase: String,
) -> IpcResult<VaultSummary> {
    let st = state.inner().clone();
    let (code, new) = (
        Zeroizing::new(recovery_code),
        Zeroizing::new(new_passphrase),
    );
    blocking(move || {
        let mut v = Vault::recover(&vault_path(&path)?, &code, &new)?;
        st.prepare(&mut v);
        let summary = VaultSummary::of(&v)?;
        st.set_vault(v)?;
        Ok(summary)
    })
    .await
}

#[tauri::command]
pub async fn lock<R: Runtime>(app: AppHandle<R>, state: AppStateArc<'_>) -> IpcResult<()> {
    let st = state.inner().clone();
    if blocking(move || st.lock()).await? {
        let _ = app.emit(
            "vault-locked",
            LockedEvent {
                reason: "user".into(),
            },
        );
    }
    Ok(())
}

#[tauri::command]
pub async fn touch(state: AppStateArc<'_>) -> IpcResult<()> {
    state.touch();
    Ok(())
}

#[tauri::command]
pub async fn vault_summary(state: AppStateArc<'_>) -> IpcResult<VaultSummary> {
    let st = state.inner().clone();
    blocking(move || st.with_vault(|v| Ok(VaultSummary::of(v)?))).await
}

/// Events of one kind (or kind prefix such as `read.`) and/or one actor,
/// newest first, a page at a time; each page looks at no more than
/// `ledger::FILTER_SCAN` events, so `nextBefore` may follow a short page.
#[tauri::command]
pub async fn ledger_filtered(
    state: AppStateArc<'_>,
    before: Option<u64>,
    limit: u32,
    kind: Option<String>,
    actor: Option<String>,
) -> IpcResult<LedgerPage> {
    let st = state.inner().clone();
    blocking(move || {
        st.with_vault(|v| {
            let kind = kind.filter(|k| !k.is_empty());
            let actor = actor.filter(|a| !a.is_empty());
            let page = ledger::page_filtered(v.conn(), before, limit.clamp(1, 1000), kind.as_deref(), actor.as_deref())?;
            Ok(LedgerPage {
                events: page.events.into_iter().map(EventDto::from).collect(),
                next_before: page.next_before,
                total: ledger::size(v.conn())?,
            })
        })
    })
    .await
}

/// The names of the vault's operators (the Ledger's filter by operator).
#[tauri::command]
pub async fn ledger_actors(state: AppStateArc<'_>) -> IpcResult<Vec<String>> {
    let st = state.inner().clone();
    blocking(move || st.with_vault(|v| Ok(consent_ledger_core::operators::list(v.conn())?.into_iter().map(|o| o.name).collect()))).await
}

#[tauri::command]
pub async fn ledger_page(
    state: AppStateArc<'_>,
    before: Option<u64>,
    limit: u32,
) -> IpcResult<LedgerPage> {
    let st = state.inner().clone();
    blocking(move || {
        st.with_vault(|v| {
            let limit = limit.clamp(1, 1000);
            let events = v.log(before, limit)?;
            let next_before = ledger::next_before(&events, limit);
            let total = ledger::size(v.conn())?;
            Ok(LedgerPage {
                events: events.into_iter().map(EventDto::from).collect(),
                next_before,
                total,
            })
        })
    })
    .await
}

#[tauri::command]
pub async fn ledger_event(state: AppStateArc<'_>, seq: u64) -> IpcResult<EventDto> {
    let st = state.inner().clone();
    blocking(move || st.with_vault(|v| Ok(v.event(seq)?.into()))).await
}

#[tauri::command]
pub async fn verify_ledger<R: Runtime>(
    app: AppHandle<R>,
    state: AppStateArc<'_>,
) -> IpcResult<VerifyReport> {
    let st = state.inner().clone();
    st.cancel_verify.store(false, Ordering::SeqCst);
    blocking(move || {
        let cancel = st.cancel_verify.clone();
        let clock = st.clone();
        st.with_vault(|v| {
            let report = v.verify(|done, total| {
                clock.touch(); // long work is activity: no idle lock mid-verify
                let _ = app.emit("verify-progress", VerifyProgress { done, total });
                !cancel.load(Ordering::SeqCst)
            })?;
            Ok(report.into())
        })
    })
    .await
}

#[tauri::command]
pub async fn cancel_verify(state: AppStateArc<'_>) -> IpcResult<()> {
    state.cancel_verify.store(true, Ordering::SeqCst);
    Ok(())
}

#[tauri::command]
pub async fn create_checkpoint(state: AppStateArc<'_>) -> IpcResult<CheckpointDto> {
    let st = state.inner().clone();
    blocking(move || st.with_vault(|v| Ok(v.checkpoint()?.into()))).await
}

#[tauri::command]
pub async fn list_checkpoints(state: AppStateArc<'_>) -> IpcResult<Vec<CheckpointDto>> {
    let st = state.inner().clone();
    blocking(move || {
        st.with_vault(|v| {
            Ok(v.checkpoints()?
                .into_iter()
                .rev()
                .map(CheckpointDto::from)
                .collect())
        })
    })
    .await
}

#[tauri::command]
pub async fn export_checkpoint<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    id: u64,
    title: String,
) -> IpcResult<bool> {
    let st = state.inner().clone();
    let cp: checkpoint::Checkpoint = blocking(move || {
        st.with_vault(|v| {
            v.checkpoints()?
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| {
                    IpcError::new("not_found", format!("checkpoint {id} does not exist"))
                })
        })
    })
    .await?;
    let name = format!(
        "consent-ledger-checkpoint-{}-{}.txt",
        cp.tree_size,
        cp.created_at.get(..10).unwrap_or("today")
    );
    let Some(path) = save_as(&window, title, &name, None).await else {
        return Ok(false);
    };
    consent_ledger_core::files::write_atomic(&path, cp.note.as_bytes())?;
    Ok(true)
}

#[tauri::command]
pub async fn get_settings(state: AppStateArc<'_>) -> IpcResult<Settings> {
    Ok(state.settings())
}

#[tauri::command]
pub async fn set_settings(state: AppStateArc<'_>, settings: Settings) -> IpcResult<Settings> {
    state.save_settings(settings)
}

#[tauri::command]
pub async fn get_requisites(state: AppStateArc<'_>) -> IpcResult<Requisites> {
    let st = state.inner().clone();
    blocking(move || st.with_vault(|v| Ok(v.requisites()?.into()))).await
}

/// Saves the requisites (validated by the core: INN and OGRN checksums,
/// e-mail); the short name becomes the name shown for the vault.
#[tauri::command]
pub async fn set_requisites(
    state: AppStateArc<'_>,
    requisites: Requisites,
) -> IpcResult<VaultSummary> {
    let st = state.inner().clone();
    blocking(move || {
        st.with_vault(|v| {
            v.set_requisites(requisites.into())?;
            Ok(VaultSummary::of(v)?)
        })
    })
    .await
}

#[tauri::command]
pub async fn change_passphrase(
    state: AppStateArc<'_>,
    current: String,
    new_passphrase: String,
) -> IpcResult<()> {
    let st = state.inner().clone();
    let (current, new) = (Zeroizing::new(current), Zeroizing::new(new_passphrase));
    blocking(move || st.with_vault(|v| Ok(v.change_passphrase(&current, &new)?))).await
}
