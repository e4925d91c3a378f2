//! The incident register's `#[tauri::command]`s: the list (with the law a
//! new incident falls under), one incident, recording and saving one,
//! counting the people a register query finds, drafting a notice (then shown
//! and saved with `document_text` and `document_save`), recording a notice
//! as sent, closing; and the incident rules of Settings (show, load, save).

use chrono::Utc;
use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::documents::Issued;
use consent_ledger_core::incidents::{self, notices, rules, AffectedFilter, Details, Incident, Item, Notice};
use consent_ledger_core::requests::Law;
use serde::Serialize;
use ts_rs::TS;

use tauri::{Runtime, Window};

use crate::commands::{on_vault, save_as, AppStateArc};
use crate::error::IpcResult;

/// The incident register as its screen lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IncidentRegister {
    /// Newest detection first.
    pub items: Vec<Item>,
    /// The law a new incident falls under (both when a GDPR country is set).
    pub default_law: Law,
    /// The time the clocks were counted at (RFC 3339 UTC).
    pub now: String,
}

#[tauri::command]
pub async fn incident_list(state: AppStateArc<'_>) -> IpcResult<IncidentRegister> {
    on_vault(state, move |v| {
        let now = Utc::now();
        Ok(IncidentRegister {
            items: incidents::list(v.conn(), now)?,
            default_law: incidents::default_law(v.conn())?,
            now: consent_ledger_core::ledger::utc_text(now),
        })
    })
    .await
}

#[tauri::command]
pub async fn incident_get(state: AppStateArc<'_>, id: u64) -> IpcResult<Incident> {
    on_vault(state, move |v| Ok(incidents::get(v.conn(), id, Utc::now())?)).await
}

/// Records a new incident; the incident as stored.
#[tauri::command]
pub async fn incident_new(state: AppStateArc<'_>, details: Details) -> IpcResult<Incident> {
    on_vault(state, move |v| {
        let now = Utc::now();
        let id = incidents::record(v, details, now)?;
        Ok(incidents::get(v.conn(), id, now)?)
    })
    .await
}

/// Saves an open incident's record (an event only when something changed).
#[tauri::command]
pub async fn incident_save(state: AppStateArc<'_>, id: u64, details: Details) -> IpcResult<Incident> {
    on_vault(state, move |v| {
        let now = Utc::now();
        incidents::edit(v, id, details, now)?;
        Ok(incidents::get(v.conn(), id, now)?)
    })
    .await
}

/// How many people a register query finds (nothing is recorded).
#[tauri::command]
pub async fn incident_count(state: AppStateArc<'_>, filter: AffectedFilter) -> IpcResult<u64> {
    on_vault(state, move |v| Ok(incidents::count_affected(v.conn(), &filter)?)).await
}

/// Issues the draft of a notice (the same document again when nothing changed).
#[tauri::command]
pub async fn incident_notice(state: AppStateArc<'_>, id: u64, notice: Notice, language: Language) -> IpcResult<Issued> {
    on_vault(state, move |v| Ok(notices::issue(v, id, notice, language)?)).await
}

/// Records that a notice was sent at `sent_at` (RFC 3339).
#[tauri::command]
pub async fn incident_sent(
    state: AppStateArc<'_>,
    id: u64,
    notice: Notice,
    sent_at: String,
    reference: String,
) -> IpcResult<Incident> {
    on_vault(state, move |v| {
        let now = Utc::now();
        incidents::notified(v, id, notice, &sent_at, &reference, now)?;
        Ok(incidents::get(v.conn(), id, now)?)
    })
    .await
}

#[tauri::command]
pub async fn incident_close(state: AppStateArc<'_>, id: u64) -> IpcResult<Incident> {
    on_vault(state, move |v| {
        let now = Utc::now();
        incidents::close(v, id, now)?;
        Ok(incidents::get(v.conn(), id, now)?)
    })
    .await
}

/// The clocks and fines in force, and whether they are the vault's own.
#[tauri::command]
pub async fn incident_rules(state: AppStateArc<'_>) -> IpcResult<rules::Info> {
    on_vault(state, move |v| Ok(rules::info(v.conn())?)).await
}

/// Makes the rules file at `path` (picked with `import_pick_file`) the
/// vault's own, or with no path returns to the shipped rules (owners only).
#[tauri::command]
pub async fn incident_rules_load(state: AppStateArc<'_>, path: Option<String>) -> IpcResult<rules::Info> {
    on_vault(state, move |v| {
        let text = match &path {
            Some(p) => Some(
                String::from_utf8(crate::commands::consents::read_file(p)?)
                    .map_err(|_| consent_ledger_core::Error::Invalid("the rules file is not UTF-8 text".into()))?,
            ),
            None => None,
        };
        v.with_tx(|tx, actor| incidents::set_rules(tx, actor, text.as_deref()))?;
        Ok(rules::info(v.conn())?)
    })
    .await
}

/// Saves the rules in force as JSON where the user chooses; the path, or None if cancelled.
#[tauri::command]
pub async fn incident_rules_export<R: Runtime>(window: Window<R>, state: AppStateArc<'_>, title: String) -> IpcResult<Option<String>> {
    let Some(path) = save_as(&window, title, "incident-rules.json", Some("json")).await else {
        return Ok(None);
    };
    on_vault(state, move |v| {
        consent_ledger_core::files::write_atomic(&path, rules::info(v.conn())?.text.as_bytes())?;
        Ok(Some(path.display().to_string()))
    })
    .await
}
