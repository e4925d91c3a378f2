//! The agreement `#[tauri::command]`s: list, open, create from a template,
//! save the draft, live preview, publish, retire, diff and export through a
//! native save dialog. Each one calls `consent_ledger_core::agreements`.


use consent_ledger_core::agreements::templates::{self, Template};
use consent_ledger_core::agreements::{
    self, Content, DiffLine, ExportFormat, Language, Published, Summary, TemplateKind,
};
use consent_ledger_core::Vault;
use tauri::{Runtime, Window};

use crate::dto::{AgreementPreview, AgreementView};
use crate::commands::{on_vault, AppStateArc};
use crate::error::IpcResult;



/// The version with, for drafts, what the check finds with today's requisites.
fn view(v: &Vault, id: u64, version: Option<u32>, reader: Language) -> IpcResult<AgreementView> {
    let view = agreements::view(v.conn(), id, version)?;
    let findings = if view.version.draft {
        agreements::check(&view.content, &v.requisites()?, reader)
    } else {
        vec![]
    };
    Ok(AgreementView::of(view, findings))
}

#[tauri::command]
pub async fn agreement_templates() -> IpcResult<Vec<Template>> {
    Ok(templates::all().to_vec())
}

#[tauri::command]
pub async fn agreement_list(state: AppStateArc<'_>) -> IpcResult<Vec<Summary>> {
    on_vault(state, |v| Ok(agreements::list(v.conn())?)).await
}

#[tauri::command]
pub async fn agreement_get(
    state: AppStateArc<'_>,
    id: u64,
    version: Option<u32>,
    reader: Language,
) -> IpcResult<AgreementView> {
    on_vault(state, move |v| view(v, id, version, reader)).await
}

#[tauri::command]
pub async fn agreement_create(
    state: AppStateArc<'_>,
    template: TemplateKind,
    language: Language,
    title: Option<String>,
    translation_of: Option<u64>,
    reader: Language,
) -> IpcResult<AgreementView> {
    on_vault(state, move |v| {
        let id = v.with_tx(|tx, _| {
            agreements::create(tx, template, language, title.as_deref(), translation_of)
        })?;
        view(v, id, None, reader)
    })
    .await
}

/// Saves the draft (a published newest version gets a new draft after it).
#[tauri::command]
pub async fn agreement_save(
    state: AppStateArc<'_>,
    id: u64,
    content: Content,
    reader: Language,
) -> IpcResult<AgreementView> {
    on_vault(state, move |v| {
        v.with_tx(|tx, _| agreements::save_draft(tx, id, content))?;
        view(v, id, None, reader)
    })
    .await
}

/// The text and the check of unsaved content, for the live preview.
#[tauri::command]
pub async fn agreement_preview(
    state: AppStateArc<'_>,
    content: Content,
    reader: Language,
) -> IpcResult<AgreementPreview> {
    on_vault(state, move |v| {
        let content = content.normalized()?;
        let r = v.requisites()?;
        Ok(AgreementPreview {
            document: agreements::render::document(&content, &r),
            findings: agreements::check(&content, &r, reader),
        })
    })
    .await
}

#[tauri::command]
pub async fn agreement_publish(
    state: AppStateArc<'_>,
    id: u64,
    acknowledged: Vec<String>,
    reader: Language,
) -> IpcResult<Published> {
    on_vault(state, move |v| {
        Ok(v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &acknowledged, reader))?)
    })
    .await
}

#[tauri::command]
pub async fn agreement_retire(
    state: AppStateArc<'_>,
    id: u64,
    reader: Language,
) -> IpcResult<AgreementView> {
    on_vault(state, move |v| {
        v.with_tx(|tx, actor| agreements::retire(tx, actor, id))?;
        view(v, id, None, reader)
    })
    .await
}

#[tauri::command]
pub async fn agreement_diff(
    state: AppStateArc<'_>,
    id: u64,
    from: u32,
    to: u32,
) -> IpcResult<Vec<DiffLine>> {
    on_vault(state, move |v| Ok(agreements::diff(v.conn(), id, from, to)?)).await
}

/// Exports a published version (`format`: pdf, html or txt) where the user
/// chooses in a native dialog; false if the dialog was cancelled.
#[tauri::command]
pub async fn agreement_export<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    id: u64,
    version: Option<u32>,
    format: String,
    title: String,
) -> IpcResult<bool> {
    let format = ExportFormat::parse(&format)?;
    let export = on_vault(state, move |v| {
        Ok(agreements::export(v.conn(), id, version, format)?)
    })
    .await?;
    let Some(path) =
        crate::commands::save_as(&window, title, &export.file_name, Some(format.extension())).await
    else {
        return Ok(false);
    };
    consent_ledger_core::files::write_atomic(&path, &export.bytes)?;
    Ok(true)
}
