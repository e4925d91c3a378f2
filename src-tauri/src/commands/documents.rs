//! The documents `#[tauri::command]`s: a request's letters (those it can have
//! now and those issued), issuing one, an issued document's text and PDF
//! (saved through the native dialog), the documents profile of Settings,
//! the destruction acts of the Evidence screen (list, render again in
//! the other language, destroy at the end of their retention), and the
//! evidence packs (a person's or an agreement's, made with progress and a
//! cancel, and a pack file checked without the vault).

use std::sync::atomic::Ordering;

use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::documents::{self, act, inspection, letters, pack, profile, DocKind, Issued};
use consent_ledger_core::{audit, requests};
use serde::Serialize;
use tauri::{Emitter, Runtime, Window};
use ts_rs::TS;

use crate::commands::{on_vault, save_as, AppStateArc};
use crate::error::IpcResult;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// A request's letters as its page lists them.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LetterList {
    /// The letters the request can have now, in the order they are usually sent.
    pub available: Vec<DocKind>,
    /// The documents issued for it, oldest first.
    pub issued: Vec<Issued>,
    /// The language a letter is written in unless the user chooses another (from the request's law).
    pub default_language: Language,
}

#[tauri::command]
pub async fn letter_list(state: AppStateArc<'_>, request: u64) -> IpcResult<LetterList> {
    on_vault(state, move |v| {
        let today = today();
        let law = requests::get_item(v.conn(), request, today)?.law;
        Ok(LetterList {
            available: letters::available(v.conn(), request, today)?,
            issued: documents::of_request(v.conn(), request)?,
            default_language: letters::default_language(law),
        })
    })
    .await
}

/// Issues the letter `kind` of the request (or returns it unchanged when it
/// was issued before and its facts did not change), with its warnings.
#[tauri::command]
pub async fn letter_issue(state: AppStateArc<'_>, request: u64, kind: DocKind, language: Language) -> IpcResult<Issued> {
    on_vault(state, move |v| Ok(letters::issue(v, request, kind, Some(language), today())?)).await
}

/// An issued document's plain text (checked against its event; `erased` once the person was).
#[tauri::command]
pub async fn document_text(state: AppStateArc<'_>, id: String) -> IpcResult<String> {
    on_vault(state, move |v| {
        let text = documents::content(v.conn(), &id)?.text;
        v.audit_export(audit::What::Document, 1, serde_json::json!({ "document": id, "text": true }))?;
        Ok(text)
    })
    .await
}

/// Saves an issued document's PDF (checked against its event first) where
/// the user chooses; the path, or None if cancelled.
#[tauri::command]
pub async fn document_save<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    id: String,
    title: String,
) -> IpcResult<Option<String>> {
    let st = state.inner().clone();
    let doc = id.clone();
    let pdf = crate::commands::blocking(move || {
        st.with_vault(|v| {
            let pdf = documents::content(v.conn(), &doc)?.pdf;
            v.audit_export(audit::What::Document, 1, serde_json::json!({ "document": doc, "pdf": true }))?;
            Ok(pdf)
        })
    })
    .await?;
    let pdf = zeroize::Zeroizing::new(pdf);
    let Some(path) = save_as(&window, title, &format!("{}.pdf", id.replace('/', "-")), Some("pdf")).await else {
        return Ok(None);
    };
    consent_ledger_core::files::write_atomic(&path, &pdf)?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command]
pub async fn documents_profile(state: AppStateArc<'_>) -> IpcResult<profile::Profile> {
    on_vault(state, move |v| Ok(profile::get(v.conn())?)).await
}

/// Stores the documents profile (checked and trimmed by the core; a
/// `settings.changed` event when it changed); the profile as stored.
#[tauri::command]
pub async fn set_documents_profile(state: AppStateArc<'_>, profile: profile::Profile) -> IpcResult<profile::Profile> {
    on_vault(state, move |v| {
        v.with_tx(|tx, actor| profile::set(tx, actor, &profile))?;
        Ok(profile::get(v.conn())?)
    })
    .await
}

/// The destruction acts (not their extracts), newest first; destroyed ones too.
#[tauri::command]
pub async fn act_list(state: AppStateArc<'_>) -> IpcResult<Vec<Issued>> {
    on_vault(state, move |v| Ok(act::list(v.conn())?)).await
}

/// Renders an act and its log extract again from the facts the act keeps,
/// in `language` (the same documents when nothing changed; new revisions
/// when the profile did). The act, then the extract.
#[tauri::command]
pub async fn act_issue(state: AppStateArc<'_>, id: String, language: Language) -> IpcResult<Vec<Issued>> {
    on_vault(state, move |v| {
        let facts = act::facts_of(v.conn(), &id)?;
        let (a, l) = v.with_tx(|tx, actor| act::issue_pair(tx, actor, &facts, language))?;
        Ok(vec![a, l])
    })
    .await
}

/// Destroys an act and its extract (every revision and language of that
/// erasure) with a reason, required also before the end of the three years
/// (then an early destruction); the seq of `document.destroyed`.
#[tauri::command]
pub async fn act_destroy(state: AppStateArc<'_>, id: String, reason: String) -> IpcResult<u64> {
    on_vault(state, move |v| Ok(v.destroy_act(&id, &reason, today())?)).await
}

// ---- evidence packs ----------------------------------------------------------------------

/// How far the making of an evidence pack is (`pack-progress` events).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackProgress {
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

/// An evidence pack made and written where the user chose.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackMade {
    /// The pack's document id (its `document.issued` event).
    pub id: String,
    /// The ZIP file written.
    pub path: String,
    /// How many ledger events the pack carries, each with its inclusion proof.
    pub events: usize,
    /// Pages of its PDF.
    pub pages: usize,
    /// The ZIP's size in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What checking a pack file found: intact (with what the pack is), or not
/// with the first failure as the reason.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackChecked {
    pub path: String,
    pub intact: bool,
    /// Why the pack is not intact (the first failure), when it is not.
    pub reason: Option<String>,
    /// The pack's document id (when intact).
    pub id: Option<String>,
    /// `person` or `agreement` (when intact).
    pub kind: Option<String>,
    pub vault_id: Option<String>,
    /// The signed checkpoint's tree size and root (when intact).
    #[ts(type = "number | null")]
    pub tree_size: Option<u64>,
    pub root: Option<String>,
    pub events: Option<usize>,
    /// The verifier key the checkpoint is signed with (when intact).
    pub verifier_key: Option<String>,
}

/// A file-name-safe form of `name` for the suggested file name.
fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(64)
        .collect();
    if s.is_empty() { "pack".into() } else { s }
}

/// Asks where to save, then makes the pack with `make` (progress as
/// `pack-progress` events; stopped by `pack_cancel` or locking, recording
/// nothing) and writes it atomically; None if the dialog was cancelled.
async fn make_pack<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    file_name: String,
    title: String,
    make: impl FnOnce(&mut consent_ledger_core::Vault, &mut dyn FnMut(u64, u64) -> bool) -> consent_ledger_core::Result<pack::Made>
        + Send
        + 'static,
) -> IpcResult<Option<PackMade>> {
    let Some(path) = save_as(&window, title, &file_name, Some("zip")).await else {
        return Ok(None);
    };
    let st = state.inner().clone();
    st.cancel_pack.store(false, Ordering::SeqCst);
    crate::commands::blocking(move || {
        let cancel = st.cancel_pack.clone();
        let clock = st.clone();
        let made = st.with_vault(|v| {
            let mut progress = |done: u64, total: u64| {
                clock.touch(); // long work is activity: no idle lock mid-pack
                let _ = window.emit("pack-progress", PackProgress { done, total });
                !cancel.load(Ordering::SeqCst)
            };
            Ok(make(v, &mut progress)?)
        })?;
        let zip = zeroize::Zeroizing::new(made.zip);
        consent_ledger_core::files::write_atomic(&path, &zip)?;
        Ok(Some(PackMade {
            id: made.id,
            path: path.display().to_string(),
            events: made.events,
            pages: made.pages,
            bytes: zip.len() as u64,
        }))
    })
    .await
}

/// Makes a person's evidence pack (every consent, refusal, withdrawal and
/// request, with the events they rest on and their proofs) into a ZIP the
/// user chooses (suggested `evidence-<subject>.zip`); None if cancelled.
#[tauri::command]
pub async fn pack_person<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    subject: String,
    language: Language,
    title: String,
) -> IpcResult<Option<PackMade>> {
    let name = format!("evidence-{}.zip", file_safe(&subject));
    make_pack(window, state, name, title, move |v, progress| pack::person(v, &subject, language, progress)).await
}

/// Makes an agreement's evidence pack (every published version) into a ZIP
/// the user chooses (suggested `evidence-A<id>.zip`); None if cancelled.
#[tauri::command]
pub async fn pack_agreement<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    id: u64,
    language: Language,
    title: String,
) -> IpcResult<Option<PackMade>> {
    let name = format!("evidence-A{id}.zip");
    make_pack(window, state, name, title, move |v, progress| pack::agreement(v, id, language, progress)).await
}

/// Makes the inspection pack of the days `from`..=`to` (YYYY-MM-DD; None:
/// the register's start / today) into a ZIP the user chooses (suggested
/// `inspection-<date>.zip`); None if cancelled.
#[tauri::command]
pub async fn pack_inspection<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    from: Option<String>,
    to: Option<String>,
    language: Language,
    title: String,
) -> IpcResult<Option<PackMade>> {
    let day = |d: Option<String>| -> IpcResult<Option<chrono::NaiveDate>> {
        d.filter(|s| !s.trim().is_empty())
            .map(|s| {
                chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map_err(|_| consent_ledger_core::Error::Invalid(format!("{s:?} is not a day as YYYY-MM-DD")).into())
            })
            .transpose()
    };
    let scope = inspection::Scope { from: day(from)?, to: day(to)? };
    let name = format!("inspection-{}.zip", scope.to.unwrap_or_else(|| chrono::Utc::now().date_naive()));
    make_pack(window, state, name, title, move |v, progress| inspection::inspection(v, scope, language, progress)).await
}

/// Stops the pack being made (it records nothing and writes no file).
#[tauri::command]
pub async fn pack_cancel(state: AppStateArc<'_>) -> IpcResult<()> {
    state.cancel_pack.store(true, Ordering::SeqCst);
    Ok(())
}

/// Asks for an evidence pack to check (native dialog, ZIP files); None if cancelled.
#[tauri::command]
pub async fn pack_pick_file<R: Runtime>(window: Window<R>, title: String) -> IpcResult<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .add_filter("ZIP", &["zip"])
        .set_parent(&window)
        .pick_file()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

/// Checks the pack file at `path` without the vault (as `pack verify` does),
/// against `verifier_key` when given. A pack that fails a check is not an
/// error: `intact` false with the reason. Unreadable files are.
#[tauri::command]
pub async fn pack_verify(path: String, verifier_key: Option<String>) -> IpcResult<PackChecked> {
    crate::commands::blocking(move || {
        let bytes = crate::commands::consents::read_file(&path)?;
        let key = verifier_key.as_deref().map(str::trim).filter(|k| !k.is_empty());
        Ok(match pack::verify(&bytes, key) {
            Ok(c) => PackChecked {
                path,
                intact: true,
                reason: None,
                id: Some(c.id),
                kind: Some(c.kind),
                vault_id: Some(c.vault_id),
                tree_size: Some(c.tree_size),
                root: Some(c.root),
                events: Some(c.events),
                verifier_key: Some(c.verifier_key),
            },
            Err(e) => PackChecked {
                path,
                intact: false,
                reason: Some(e.to_string()),
                id: None,
                kind: None,
                vault_id: None,
                tree_size: None,
                root: None,
                events: None,
                verifier_key: None,
            },
        })
    })
    .await
}
