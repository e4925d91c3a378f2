//! The consent-register `#[tauri::command]`s: list with filters and keyset
//! paging, one consent, a subject's timeline, search, manual entry, merging
//! subjects, recording consents whose term ended, and importing a file
//! (pick, preview with a column mapping, run with progress).

use std::sync::atomic::Ordering;

use consent_ledger_core::consents::{
    self, expiry, search, Action, Channel, Cursor, Detail, Entry, Filter, Intake, Outcome, Timeline,
};
use consent_ledger_core::consents::importer::{ImportOptions, ImportReport};
use consent_ledger_core::{audit, import, Error};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Runtime, Window};
use ts_rs::TS;

use crate::commands::{on_vault, AppStateArc};
use crate::error::IpcResult;



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
    /// When the subject acted (RFC 3339, or 14.03.2025 10:22 Moscow time); empty: now.
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
        // A search is audited once, at its first page (not each page scrolled to).
        if after.is_none() && audit::is_search(&filter) {
            v.audit_search(audit::What::Register, audit::filter_fields(&filter), entries.len() as u64)?;
        }
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
    on_vault(state, move |v| {
        let d = consents::get(v.conn(), id)?;
        v.audit_person(&d.entry.subject, audit::What::PersonPage)?;
        Ok(d)
    })
    .await
}

#[tauri::command]
pub async fn consent_timeline(state: AppStateArc<'_>, subject: String) -> IpcResult<Timeline> {
    on_vault(state, move |v| {
        let t = consents::timeline(v.conn(), &subject)?;
        v.audit_person(&t.subject, audit::What::PersonPage)?;
        Ok(t)
    })
    .await
}

#[tauri::command]
pub async fn consent_search(
    state: AppStateArc<'_>,
    text: String,
    limit: u32,
) -> IpcResult<Vec<search::Hit>> {
    on_vault(state, move |v| {
        let hits = search::subjects(v.conn(), &text, limit)?;
        v.audit_search(audit::What::Register, vec!["text".into()], hits.len() as u64)?;
        Ok(hits)
    })
    .await
}

/// Other subjects of the same name: perhaps the same person (to review and merge).
#[tauri::command]
pub async fn consent_same_name(state: AppStateArc<'_>, subject: String) -> IpcResult<Vec<search::Hit>> {
    on_vault(state, move |v| Ok(search::same_name(v.conn(), &subject, 20)?)).await
}

/// Records that `absorb` is the same person as `keep`; returns the event's seq.
#[tauri::command]
pub async fn consent_merge(state: AppStateArc<'_>, keep: String, absorb: String) -> IpcResult<u64> {
    on_vault(state, move |v| Ok(v.with_tx(|tx, actor| consents::merge(tx, actor, &keep, &absorb))?)).await
}

/// How many consents have reached the end of their term and are not yet
/// recorded as expired (the register's reminder; the list is not sent;
/// kept between register visits while nothing changes, see
/// `Vault::expiry_due_count`).
#[tauri::command]
pub async fn consent_expiry_due(state: AppStateArc<'_>) -> IpcResult<u64> {
    on_vault(state, move |v| Ok(v.expiry_due_count(chrono::Utc::now())?)).await
}

/// Records every consent whose term has ended as expired; returns how many.
#[tauri::command]
pub async fn consent_expire(state: AppStateArc<'_>) -> IpcResult<u64> {
    on_vault(state, move |v| {
        let now = chrono::Utc::now();
        Ok(v.with_tx(|tx, actor| expiry::record_due(tx, actor, now))?)
    })
    .await
}

#[tauri::command]
pub async fn consent_record(state: AppStateArc<'_>, input: ConsentInput) -> IpcResult<Outcome> {
    on_vault(state, move |v| {
        let action = input.action.unwrap_or(Action::Given);
        let channel = input.channel.unwrap_or(Channel::Paper);
        let target = consents::resolve_target(v.conn(), &input.agreement, action)?;
        let acted_at = some(input.acted_at.clone())
            .map(|t| consents::parse_time(&t))
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

/// How to read an import file (all optional: detected when absent).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ImportRead {
    pub preset: Option<import::Preset>,
    /// An encoding label: "utf-8", "windows-1251", …
    pub encoding: Option<String>,
    /// ";", ",", "|" or "tab".
    pub delimiter: Option<String>,
    pub mapping: Option<import::Mapping>,
}

impl ImportRead {
    fn options(&self) -> IpcResult<import::Options> {
        let delimiter = match self.delimiter.as_deref() {
            None | Some("") => None,
            Some("tab") => Some(b'\t'),
            Some(d) if d.len() == 1 && ";,|".contains(d) => Some(d.as_bytes()[0]),
            Some(d) => return Err(Error::Invalid(format!("unknown delimiter {d:?}")).into()),
        };
        Ok(import::Options {
            preset: self.preset,
            encoding: self.encoding.clone().filter(|e| !e.is_empty()),
            delimiter,
            mapping: self.mapping.clone(),
            ..Default::default()
        })
    }
}

/// Rows read so far by a running import.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportProgress {
    #[ts(type = "number")]
    pub rows: u64,
}

pub(crate) fn read_file(path: &str) -> IpcResult<Vec<u8>> {
    let p = std::path::Path::new(path);
    if !p.is_absolute() {
        return Err(Error::Invalid(format!("{path:?} is not a full path to a file")).into());
    }
    Ok(std::fs::read(p).map_err(|e| Error::io(format!("reading {path}"), e))?)
}

/// A file to import, read in pieces as it is parsed (never whole in memory).
pub(crate) fn import_file(path: &str) -> IpcResult<std::path::PathBuf> {
    let p = std::path::Path::new(path);
    if !p.is_absolute() {
        return Err(Error::Invalid(format!("{path:?} is not a full path to a file")).into());
    }
    std::fs::metadata(p).map_err(|e| Error::io(format!("reading {path}"), e))?;
    Ok(p.to_path_buf())
}

/// Asks for a file to import (native dialog); None if cancelled.
#[tauri::command]
pub async fn import_pick_file<R: Runtime>(window: Window<R>, title: String) -> IpcResult<Option<String>> {
    let picked = rfd::AsyncFileDialog::new()
        .set_title(title)
        .add_filter("CSV, XLSX, JSON", &["csv", "txt", "tsv", "xlsx", "json"])
        .set_parent(&window)
        .pick_file()
        .await;
    Ok(picked.map(|f| f.path().display().to_string()))
}

/// What was detected in the file, its first rows and the suggested mapping.
#[tauri::command]
pub async fn import_preview(path: String, read: ImportRead) -> IpcResult<import::Preview> {
    crate::commands::blocking(move || {
        let file = import_file(&path)?;
        Ok(import::preview(&file, &read.options()?, 8)?)
    })
    .await
}

/// Imports the file; reports progress as `import-progress` events. Stops
/// without storing anything on `import_cancel` or when the vault locks.
#[tauri::command]
pub async fn import_run<R: Runtime>(
    app: AppHandle<R>,
    state: AppStateArc<'_>,
    path: String,
    read: ImportRead,
    agreement: Option<String>,
    keep_good_rows: bool,
) -> IpcResult<ImportReport> {
    let st = state.inner().clone();
    st.cancel_import.store(false, Ordering::SeqCst);
    crate::commands::blocking(move || {
        let file = import_file(&path)?;
        let opts = read.options()?;
        let name = std::path::Path::new(&path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let cancel = st.cancel_import.clone();
        let clock = st.clone();
        st.with_vault(|v| {
            Ok(v.import(
                &name,
                &file,
                &opts,
                &ImportOptions { agreement, keep_good_rows },
                |rows| {
                    clock.touch();
                    let _ = app.emit("import-progress", ImportProgress { rows });
                    !cancel.load(Ordering::SeqCst)
                },
            )?)
        })
    })
    .await
}

/// Saves the rejected rows of `path` (CSV or XLSX) as they were, under the
/// file's header, to fix and import again (native save dialog); refused if
/// the file is no longer the one imported (`file_sha256`). Returns the file
/// written; None if cancelled or the file has no columns (JSON).
#[tauri::command]
pub async fn import_save_rejected<R: Runtime>(
    window: Window<R>,
    path: String,
    read: ImportRead,
    lines: Vec<u64>,
    file_sha256: String,
    title: String,
) -> IpcResult<Option<String>> {
    let rows = {
        let path = path.clone();
        crate::commands::blocking(move || {
            let file = import_file(&path)?;
            // The line numbers are those of the file as it was imported.
            if import::Input::File(&file).sha256()? != file_sha256 {
                return Err(Error::Invalid(format!(
                    "{path} has changed since it was imported: import it again to see which rows are rejected"
                ))
                .into());
            }
            Ok(import::rejected_rows(&file, &read.options()?, &lines)?)
        })
        .await?
    };
    let Some(rows) = rows else { return Ok(None) };
    let stem = std::path::Path::new(&path)
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "import".into());
    let Some(target) = crate::commands::save_as(&window, title, &format!("{stem}.rejected.csv"), Some("csv")).await else {
        return Ok(None);
    };
    consent_ledger_core::files::write_atomic(&target, &rows)?;
    Ok(Some(target.display().to_string()))
}

#[tauri::command]
pub async fn import_cancel(state: AppStateArc<'_>) -> IpcResult<()> {
    state.cancel_import.store(true, Ordering::SeqCst);
    Ok(())
}
