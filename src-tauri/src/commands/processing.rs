//! The processing register's `#[tauri::command]`s: the activities (list,
//! one, record, save, retire), an activity drafted from an agreement's
//! published version for the owner to complete before recording it, and the
//! drift an agreement's page shows; the documents it generates: their
//! check, live preview, publishing, revisions, and the policy's web page;
//! the notice's notices of changes and the sending of a notice.

use chrono::Utc;
use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::processing::check::{self, Document, Finding};
use consent_ledger_core::processing::{self, Activity, Drift, Item, View};

use consent_ledger_core::audit;
use consent_ledger_core::documents::Issued;
use consent_ledger_core::processing::changes::{self, ChangeNotice, Section};
use consent_ledger_core::processing::documents as pdocs;
use serde::Serialize;
use tauri::{Runtime, Window};
use ts_rs::TS;

use crate::commands::{on_vault, save_as, AppStateArc};
use crate::error::IpcResult;

#[tauri::command]
pub async fn activity_list(state: AppStateArc<'_>) -> IpcResult<Vec<Item>> {
    on_vault(state, move |v| Ok(processing::list(v.conn())?)).await
}

#[tauri::command]
pub async fn activity_get(state: AppStateArc<'_>, id: u64) -> IpcResult<View> {
    on_vault(state, move |v| Ok(processing::get(v.conn(), id)?)).await
}

/// What an agreement's newest published version says of its processing, as
/// an activity not recorded yet, with its drift (none, as made).
#[tauri::command]
pub async fn activity_draft(state: AppStateArc<'_>, agreement: u64) -> IpcResult<Activity> {
    on_vault(state, move |v| Ok(processing::from_agreement(v.conn(), agreement)?)).await
}

/// What the agreements an activity being written lists have that it does not.
#[tauri::command]
pub async fn activity_drift(state: AppStateArc<'_>, activity: Activity) -> IpcResult<Vec<Drift>> {
    on_vault(state, move |v| Ok(processing::drift(v.conn(), &activity)?)).await
}

/// Records an activity (event `activity.recorded`); the activity as stored.
#[tauri::command]
pub async fn activity_new(state: AppStateArc<'_>, activity: Activity) -> IpcResult<View> {
    on_vault(state, move |v| {
        let id = processing::record(v, activity)?;
        Ok(processing::get(v.conn(), id)?)
    })
    .await
}

/// Saves an activity (event `activity.updated` only when something changed).
#[tauri::command]
pub async fn activity_save(state: AppStateArc<'_>, id: u64, activity: Activity) -> IpcResult<View> {
    on_vault(state, move |v| {
        processing::edit(v, id, activity)?;
        Ok(processing::get(v.conn(), id)?)
    })
    .await
}

/// Retires an activity (event `activity.retired`).
#[tauri::command]
pub async fn activity_retire(state: AppStateArc<'_>, id: u64) -> IpcResult<View> {
    on_vault(state, move |v| {
        processing::retire(v, id, Utc::now())?;
        Ok(processing::get(v.conn(), id)?)
    })
    .await
}

/// The agreement's side of drift: what its newest published version has
/// that the activities relying on it do not list.
#[tauri::command]
pub async fn agreement_drift(state: AppStateArc<'_>, agreement: u64) -> IpcResult<Vec<Drift>> {
    on_vault(state, move |v| Ok(processing::drift_of_agreement(v.conn(), agreement)?)).await
}

/// Every mandatory item of a document the register generates that is
/// missing, in the reader's language.
#[tauri::command]
pub async fn processing_check(state: AppStateArc<'_>, document: Document, language: Language) -> IpcResult<Vec<Finding>> {
    on_vault(state, move |v| Ok(check::check(v.conn(), document, language)?)).await
}

/// Publishes a document the register generates (owners; refused while its
/// check finds an error); the revision in force.
#[tauri::command]
pub async fn processing_publish(state: AppStateArc<'_>, document: Document, language: Language) -> IpcResult<Issued> {
    on_vault(state, move |v| Ok(pdocs::publish(v, document, language)?)).await
}

/// A document as publishing it now would make it: its title and plain text.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DocumentPreview {
    pub title: String,
    pub text: String,
}

/// The live preview of a document the register generates (nothing recorded).
#[tauri::command]
pub async fn processing_preview(state: AppStateArc<'_>, document: Document, language: Language) -> IpcResult<DocumentPreview> {
    on_vault(state, move |v| {
        let d = pdocs::preview(v.conn(), document, language)?;
        Ok(DocumentPreview { title: d.title, text: d.body.text })
    })
    .await
}

/// The notice's notices of changes, and what the notice in force does not state yet.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NoticeChanges {
    /// Changes in the register since the notice in force (publishing the notice issues their notice).
    pub pending: Vec<Section>,
    /// The notices of changes issued, newest first.
    pub notices: Vec<ChangeNotice>,
    /// When the notice in force was recorded as sent.
    pub in_force_sent_on: Option<String>,
}

#[tauri::command]
pub async fn notice_changes(state: AppStateArc<'_>, language: Language) -> IpcResult<NoticeChanges> {
    on_vault(state, move |v| {
        let in_force = pdocs::in_force(v.conn(), Document::Notice, language)?;
        Ok(NoticeChanges {
            pending: changes::pending(v.conn(), language)?,
            notices: changes::list(v.conn(), language)?,
            in_force_sent_on: match in_force {
                Some(d) => changes::sent_on(v.conn(), &d.id)?,
                None => None,
            },
        })
    })
    .await
}

/// Records that a notice (of intent or of changes) was sent to Roskomnadzor
/// on `on` (YYYY-MM-DD; owners); the event's seq.
#[tauri::command]
pub async fn notice_sent(state: AppStateArc<'_>, id: String, on: String) -> IpcResult<u64> {
    let day = chrono::NaiveDate::parse_from_str(on.trim(), "%Y-%m-%d")
        .map_err(|e| consent_ledger_core::Error::Invalid(format!("the day it was sent ({on:?}): {e}")))?;
    on_vault(state, move |v| Ok(changes::sent(v, &id, day, chrono::Local::now().date_naive())?)).await
}

/// A document's published revisions, newest (in force) first.
#[tauri::command]
pub async fn processing_revisions(state: AppStateArc<'_>, document: Document, language: Language) -> IpcResult<Vec<Issued>> {
    on_vault(state, move |v| Ok(pdocs::revisions(v.conn(), document, language)?)).await
}

/// Saves a published revision as a web page (made again from its
/// snapshot) where the user chooses; the path, or None if cancelled.
#[tauri::command]
pub async fn processing_save_html<R: Runtime>(window: Window<R>, state: AppStateArc<'_>, id: String, title: String) -> IpcResult<Option<String>> {
    let st = state.inner().clone();
    let doc = id.clone();
    let page = crate::commands::blocking(move || {
        st.with_vault(|v| {
            let page = pdocs::html(v.conn(), &doc)?;
            v.audit_export(audit::What::Document, 1, serde_json::json!({ "document": doc, "html": true }))?;
            Ok(page)
        })
    })
    .await?;
    let Some(path) = save_as(&window, title, &format!("{}.html", id.replace('/', "-")), Some("html")).await else {
        return Ok(None);
    };
    consent_ledger_core::files::write_atomic(&path, page.as_bytes())?;
    Ok(Some(path.display().to_string()))
}
