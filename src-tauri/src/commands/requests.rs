//! The requests `#[tauri::command]`s: the overview (home screen), the list
//! and one request, intake with the person search, identity check,
//! extension, fulfilment, refusal, cancellation, attached files, the access
//! export, the calendar and GDPR country, and the suppression list.

use consent_ledger_core::calendar::Calendar;
use consent_ledger_core::consents::search;
use consent_ledger_core::requests::{
    self, access, fulfil, overview, rules, settings, Cursor, Detail, Filter, IdentityCheck, Item, NewRequest, Opened,
};
use consent_ledger_core::{audit, Error};
use serde::Serialize;
use tauri::{Runtime, Window};
use ts_rs::TS;

use crate::commands::{on_vault, save_as, AppStateArc};
use crate::error::IpcResult;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// One page of the request list.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RequestPage {
    pub items: Vec<Item>,
    /// Pass back as `after` for the next page; null on the last page.
    pub next: Option<Cursor>,
}

/// A calendar year as Settings lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CalendarYear {
    pub region: String,
    pub year: i32,
    /// decreed or provisional.
    pub status: String,
    pub source: String,
    /// The source in Russian, when the calendar file gives it.
    pub source_ru: Option<String>,
    /// Loaded by the user (not shipped with the program).
    pub loaded: bool,
}

/// The calendar as Settings shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CalendarInfo {
    pub years: Vec<CalendarYear>,
    /// The GDPR country whose holidays count; null: weekends only.
    pub gdpr_country: Option<String>,
    /// Countries with holidays known to this vault.
    pub countries: Vec<String>,
}

#[tauri::command]
pub async fn request_overview(state: AppStateArc<'_>) -> IpcResult<overview::Overview> {
    on_vault(state, move |v| Ok(overview::overview(v.conn(), today())?)).await
}

#[tauri::command]
pub async fn request_list(
    state: AppStateArc<'_>,
    filter: Filter,
    after: Option<Cursor>,
    limit: u32,
) -> IpcResult<RequestPage> {
    on_vault(state, move |v| {
        let items = requests::list(v.conn(), &filter, after.as_ref(), limit, today())?;
        Ok(RequestPage { next: requests::next_cursor(&items, limit), items })
    })
    .await
}

#[tauri::command]
pub async fn request_get(state: AppStateArc<'_>, id: u64) -> IpcResult<Detail> {
    on_vault(state, move |v| {
        let d = requests::get(v.conn(), id, today())?;
        v.audit_person(&d.request.subject, audit::What::RequestPage)?;
        Ok(d)
    })
    .await
}

/// The people a search finds: directly, and through transliteration
/// (candidates to confirm).
#[tauri::command]
pub async fn request_find_person(state: AppStateArc<'_>, text: String) -> IpcResult<search::Found> {
    on_vault(state, move |v| {
        let found = search::find(v.conn(), &text, 50)?;
        v.audit_search(audit::What::PersonSearch, vec!["text".into()], (found.hits.len() + found.candidates.len()) as u64)?;
        Ok(found)
    })
    .await
}

#[tauri::command]
pub async fn request_open(state: AppStateArc<'_>, input: NewRequest) -> IpcResult<Opened> {
    on_vault(state, move |v| Ok(requests::open(v, input, today())?)).await
}

#[tauri::command]
pub async fn request_identity(state: AppStateArc<'_>, id: u64, check: IdentityCheck) -> IpcResult<Item> {
    on_vault(state, move |v| {
        requests::identity(v, id, check)?;
        Ok(requests::get_item(v.conn(), id, today())?)
    })
    .await
}

#[tauri::command]
pub async fn request_extend(state: AppStateArc<'_>, id: u64, reasons: String, notice_sent: String) -> IpcResult<Item> {
    on_vault(state, move |v| {
        requests::extend(v, id, &reasons, &notice_sent, today())?;
        Ok(requests::get_item(v.conn(), id, today())?)
    })
    .await
}

#[tauri::command]
pub async fn request_fulfil(state: AppStateArc<'_>, id: u64, fulfilment: fulfil::Fulfilment) -> IpcResult<fulfil::Fulfilled> {
    on_vault(state, move |v| Ok(fulfil::fulfil(v, id, fulfilment, today())?)).await
}

#[tauri::command]
pub async fn request_refuse(state: AppStateArc<'_>, id: u64, reason: String, text: String) -> IpcResult<Item> {
    on_vault(state, move |v| {
        requests::refuse(v, id, &reason, &text, today())?;
        Ok(requests::get_item(v.conn(), id, today())?)
    })
    .await
}

#[tauri::command]
pub async fn request_cancel(state: AppStateArc<'_>, id: u64, note: Option<String>) -> IpcResult<Item> {
    on_vault(state, move |v| {
        requests::cancel(v, id, note.as_deref(), today())?;
        Ok(requests::get_item(v.conn(), id, today())?)
    })
    .await
}

#[tauri::command]
pub async fn request_reasons(state: AppStateArc<'_>) -> IpcResult<Vec<rules::Reason>> {
    on_vault(state, move |v| Ok(rules::Rules::of_vault(v.conn())?.refusal_reasons)).await
}

/// Attaches the file at `path` (picked with `import_pick_file`) to the request.
#[tauri::command]
pub async fn request_attach(state: AppStateArc<'_>, id: u64, purpose: String, path: String) -> IpcResult<u64> {
    on_vault(state, move |v| {
        let bytes = crate::commands::consents::read_file(&path)?;
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(requests::attach(v, id, &purpose, &name, &bytes)?)
    })
    .await
}

/// Saves the access answer's JSON (and the CSV beside it) where the user
/// chooses; the paths written, or none if cancelled.
#[tauri::command]
pub async fn request_export<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    id: u64,
    title: String,
) -> IpcResult<Vec<String>> {
    let Some(path) = save_as(&window, title, &format!("request-{id}-access.json"), Some("json")).await else {
        return Ok(vec![]);
    };
    on_vault(state, move |v| {
        let subject = requests::get_item(v.conn(), id, today())?.subject;
        let facts = access::gather(v.conn(), &subject, Some(id), today())?;
        let files: Vec<String> = access::write_files(&facts, &path)?.iter().map(|p| p.display().to_string()).collect();
        v.audit_export(audit::What::AccessAnswer, files.len() as u64, serde_json::json!({ "request": id }))?;
        Ok(files)
    })
    .await
}

/// Saves an attached file where the user chooses (checked against the hash
/// its event recorded first); the path, or None if cancelled.
#[tauri::command]
pub async fn request_file_save<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    file_id: u64,
    title: String,
) -> IpcResult<Option<String>> {
    let st = state.inner().clone();
    let (name, bytes) = crate::commands::blocking(move || {
        st.with_vault(|v| {
            let f = requests::file(v.conn(), file_id)?;
            v.audit_export(audit::What::RequestFile, 1, serde_json::json!({ "file": file_id }))?;
            Ok(f)
        })
    })
    .await?;
    let bytes = zeroize::Zeroizing::new(bytes);
    let Some(path) = save_as(&window, title, &name, None).await else {
        return Ok(None);
    };
    consent_ledger_core::files::write_atomic(&path, &bytes)?;
    Ok(Some(path.display().to_string()))
}

#[tauri::command]
pub async fn calendar_info(state: AppStateArc<'_>) -> IpcResult<CalendarInfo> {
    on_vault(state, move |v| {
        let cal = rules::calendar_of(v.conn())?;
        let shipped = Calendar::builtin();
        let mut countries = vec![];
        let years = cal
            .years()
            .into_iter()
            .map(|y| {
                if y.region != "RU" && !countries.contains(&y.region) {
                    countries.push(y.region.clone());
                }
                CalendarYear {
                    region: y.region.clone(),
                    year: y.year,
                    status: serde_json::to_value(y.status).ok().and_then(|s| s.as_str().map(String::from)).unwrap_or_default(),
                    source: y.source.clone(),
                    source_ru: y.source_ru.clone(),
                    loaded: shipped.year(&y.region, y.year) != Some(y),
                }
            })
            .collect();
        Ok(CalendarInfo { years, gdpr_country: rules::country_of(v.conn())?, countries })
    })
    .await
}

/// Loads a calendar file (picked with `import_pick_file`).
#[tauri::command]
pub async fn calendar_load(state: AppStateArc<'_>, path: String) -> IpcResult<Vec<settings::LoadedYear>> {
    on_vault(state, move |v| {
        let bytes = crate::commands::consents::read_file(&path)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Invalid("the calendar file is not UTF-8 text".into()))?;
        Ok(v.with_tx(|tx, actor| settings::load_calendar(tx, actor, &text))?)
    })
    .await
}

/// The request rules in force (the shipped ones or the vault's own) with their deadlines.
#[tauri::command]
pub async fn request_rules(state: AppStateArc<'_>) -> IpcResult<settings::RulesInfo> {
    on_vault(state, move |v| Ok(settings::rules_info(v.conn())?)).await
}

/// Makes the rules file at `path` (picked with `import_pick_file`) the
/// vault's own, or with no path returns to the shipped rules; open requests
/// are dated again.
#[tauri::command]
pub async fn request_rules_load(state: AppStateArc<'_>, path: Option<String>) -> IpcResult<settings::RulesInfo> {
    on_vault(state, move |v| {
        let text = match &path {
            Some(p) => Some(
                String::from_utf8(crate::commands::consents::read_file(p)?)
                    .map_err(|_| Error::Invalid("the rules file is not UTF-8 text".into()))?,
            ),
            None => None,
        };
        v.with_tx(|tx, actor| settings::set_rules(tx, actor, text.as_deref()))?;
        Ok(settings::rules_info(v.conn())?)
    })
    .await
}

/// Saves the rules in force as JSON where the user chooses (to edit and load
/// back); the path, or None if cancelled.
#[tauri::command]
pub async fn request_rules_export<R: Runtime>(window: Window<R>, state: AppStateArc<'_>, title: String) -> IpcResult<Option<String>> {
    let Some(path) = save_as(&window, title, "request-rules.json", Some("json")).await else {
        return Ok(None);
    };
    on_vault(state, move |v| {
        let info = settings::rules_info(v.conn())?;
        consent_ledger_core::files::write_atomic(&path, info.text.as_bytes())?;
        Ok(Some(path.display().to_string()))
    })
    .await
}

#[tauri::command]
pub async fn set_gdpr_country(state: AppStateArc<'_>, country: Option<String>) -> IpcResult<()> {
    on_vault(state, move |v| {
        v.with_tx(|tx, actor| settings::set_country(tx, actor, country.as_deref()))?;
        Ok(())
    })
    .await
}

/// Erases a person for good (every merged subject), e.g. to meet a
/// destruction deadline; `reason` names the request.
#[tauri::command]
pub async fn subject_erase(state: AppStateArc<'_>, subject: String, reason: String) -> IpcResult<consent_ledger_core::subjects::Erased> {
    on_vault(state, move |v| Ok(v.erase_person(&subject, &reason)?)).await
}

#[tauri::command]
pub async fn subject_unrestrict(state: AppStateArc<'_>, subject: String, reason: String) -> IpcResult<u64> {
    on_vault(state, move |v| Ok(fulfil::lift_restriction(v, &subject, &reason)?)).await
}

/// Saves the suppression list as CSV where the user chooses; the path, or
/// None if cancelled.
#[tauri::command]
pub async fn suppression_export<R: Runtime>(
    window: Window<R>,
    state: AppStateArc<'_>,
    plain: bool,
    title: String,
) -> IpcResult<Option<String>> {
    let Some(path) = save_as(&window, title, "suppression.csv", Some("csv")).await else {
        return Ok(None);
    };
    on_vault(state, move |v| {
        let (n, bytes) = fulfil::suppression_csv(v.conn(), plain)?;
        consent_ledger_core::files::write_atomic(&path, &bytes)?;
        v.audit_export(audit::What::SuppressionList, n as u64, serde_json::json!({ "plain": plain }))?;
        Ok(Some(path.display().to_string()))
    })
    .await
}
