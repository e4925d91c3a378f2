//! The operators `#[tauri::command]`s of Settings → Operators: the list,
//! adding an operator with their own passphrase, changing a role, removing
//! one (the core refuses each to anyone but an owner).

use consent_ledger_core::operators::{self, Operator, Role};
use zeroize::Zeroizing;

use crate::commands::{on_vault, AppStateArc};
use crate::error::IpcResult;

#[tauri::command]
pub async fn operator_list(state: AppStateArc<'_>) -> IpcResult<Vec<Operator>> {
    on_vault(state, move |v| Ok(operators::list(v.conn())?)).await
}

/// Adds an operator; the list afterwards.
#[tauri::command]
pub async fn operator_add(state: AppStateArc<'_>, name: String, passphrase: String, role: Role) -> IpcResult<Vec<Operator>> {
    let passphrase = Zeroizing::new(passphrase);
    on_vault(state, move |v| {
        operators::add(v, &name, &passphrase, role)?;
        Ok(operators::list(v.conn())?)
    })
    .await
}

#[tauri::command]
pub async fn operator_set_role(state: AppStateArc<'_>, slot: String, role: Role) -> IpcResult<Vec<Operator>> {
    on_vault(state, move |v| {
        operators::set_role(v, &slot, role)?;
        Ok(operators::list(v.conn())?)
    })
    .await
}

/// Removes an operator and destroys their key slot.
#[tauri::command]
pub async fn operator_remove(state: AppStateArc<'_>, slot: String) -> IpcResult<Vec<Operator>> {
    on_vault(state, move |v| {
        operators::remove(v, &slot)?;
        Ok(operators::list(v.conn())?)
    })
    .await
}
