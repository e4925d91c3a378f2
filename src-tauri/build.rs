//! Tauri build step: the app's own commands are declared here so that each
//! one needs an explicit grant in `capabilities/`.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(consent_ledger_commands())),
    )
    .expect("tauri build step");
}

fn consent_ledger_commands() -> &'static [&'static str] {
    &[
        "app_info",
        "passphrase_strength",
        "pick_vault_folder",
        "create_vault",
        "save_recovery_code",
        "open_demo",
        "unlock",
        "recover",
        "lock",
        "touch",
        "vault_summary",
        "ledger_page",
        "ledger_event",
        "verify_ledger",
        "cancel_verify",
        "create_checkpoint",
        "list_checkpoints",
        "export_checkpoint",
        "get_settings",
        "set_settings",
        "get_requisites",
        "set_requisites",
        "change_passphrase",
        "agreement_templates",
        "agreement_list",
        "agreement_get",
        "agreement_create",
        "agreement_save",
        "agreement_preview",
        "agreement_publish",
        "agreement_retire",
        "agreement_diff",
        "agreement_export",
        "consent_list",
        "consent_get",
        "consent_timeline",
        "consent_same_name",
        "consent_merge",
        "consent_expiry_due",
        "consent_expire",
        "consent_search",
        "consent_record",
        "import_pick_file",
        "import_preview",
        "import_run",
        "import_cancel",
        "import_save_rejected",
    ]
}
