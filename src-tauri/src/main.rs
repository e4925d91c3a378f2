//! Consent Ledger desktop app entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // SAFETY: first thing in main; no thread or database exists yet.
    unsafe { consent_ledger_core::db::configure_sqlite() };
    consent_ledger_app::run();
}
