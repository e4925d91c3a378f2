//! The documents `#[tauri::command]`s: a request's letters (those it can have
//! now and those issued), issuing one, an issued document's text and PDF
//! (saved through the native dialog), the documents profile of Settings,
//! and the destruction acts of the Evidence screen (list, render again in
//! the other language, destroy at the end of their retention).

use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::documents::{self, act, letters, profile, DocKind, Issued};
use consent_ledger_core::requests;
use serde::Serialize;
use tauri::{Runtime, Window};
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
    on_vault(state, move |v| Ok(documents::content(v.conn(), &id)?.text)).await
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
    let pdf = crate::commands::blocking(move || st.with_vault(|v| Ok(documents::content(v.conn(), &doc)?.pdf))).await?;
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
