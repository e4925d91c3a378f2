//! The consent-register `#[tauri::command]`s: list with filters and keyset
//! paging, one consent, a subject's timeline, search, and manual entry.

use std::sync::Arc;

use consent_ledger_core::consents::{
    self, search, Action, Channel, Cursor, Detail, Entry, Filter, Intake, Outcome, Timeline,
};
use consent_ledger_core::Error;
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use crate::error::IpcResult;
use crate::state::AppState;

type AppStateArc<'a> = State<'a, Arc<AppState>>;

async fn on_vault<T: Send + 'static>(
    state: AppStateArc<'_>,
    f: impl FnOnce(&mut consent_ledger_core::Vault) -> IpcResult<T> + Send + 'static,
) -> IpcResult<T> {
    let st = state.inner().clone();
    crate::commands::blocking(move || st.with_vault(f)).await
}

/// One page of the register.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RegisterPage {
    pub entries: Vec<Entry>,
    /// Pass back as `after` for the next page; null on the last page.
    pub next: Option<Cursor>,
    #[ts(type = "number")]
    pub total: u64,
}

/// A consent typed in by an operator (paper form, phone call).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsentInput {
    /// "A3-v2", or "A3" for the newest published version.
    pub agreement: String,
    pub action: Option<Action>,
    pub channel: Option<Channel>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub address: String,
    pub id_document: String,
    /// When the subject acted, RFC 3339; empty: now.
    pub acted_at: String,
    /// SHA-256 of a scanned paper form, if any.
    pub scan_sha256: String,
}

fn some(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

#[tauri::command]
pub async fn consent_list(
    state: AppStateArc<'_>,
    filter: Filter,
    after: Option<Cursor>,
    limit: u32,
) -> IpcResult<RegisterPage> {
    on_vault(state, move |v| {
        let entries = consents::list(v.conn(), &filter, after.as_ref(), limit)?;
        Ok(RegisterPage {
            next: consents::next_cursor(&entries, limit),
            entries,
            total: consents::count(v.conn())?,
        })
    })
    .await
}

#[tauri::command]
pub async fn consent_get(state: AppStateArc<'_>, id: u64) -> IpcResult<Detail> {
    on_vault(state, move |v| Ok(consents::get(v.conn(), id)?)).await
}

#[tauri::command]
pub async fn consent_timeline(state: AppStateArc<'_>, subject: String) -> IpcResult<Timeline> {
    on_vault(state, move |v| Ok(consents::timeline(v.conn(), &subject)?)).await
}

#[tauri::command]
pub async fn consent_search(
    state: AppStateArc<'_>,
    text: String,
    limit: u32,
) -> IpcResult<Vec<search::Hit>> {
    on_vault(state, move |v| Ok(search::subjects(v.conn(), &text, limit)?)).await
}

#[tauri::command]
pub async fn consent_record(state: AppStateArc<'_>, input: ConsentInput) -> IpcResult<Outcome> {
    on_vault(state, move |v| {
        let action = input.action.unwrap_or(Action::Given);
        let channel = input.channel.unwrap_or(Channel::Paper);
        let target = consents::resolve_target(v.conn(), &input.agreement, action)?;
        let acted_at = some(input.acted_at.clone())
            .map(|t| {
                chrono::DateTime::parse_from_rfc3339(t.trim())
                    .map(|d| d.with_timezone(&chrono::Utc))
                    .map_err(|_| Error::Invalid(format!("{t:?} is not a date and time")))
            })
            .transpose()?;
        let intake = Intake {
            name: some(input.name),
            email: some(input.email),
            phone: some(input.phone),
            address: some(input.address),
            id_document: some(input.id_document),
            acted_at,
            acted_at_original: some(input.acted_at),
            scan_sha256: some(input.scan_sha256),
            ..Default::default()
        };
        Ok(v.with_tx(|tx, actor| consents::record(tx, actor, &target, action, channel, intake))?)
    })
    .await
}
