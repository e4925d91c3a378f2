//! Consent Ledger desktop app entry point.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    consent_ledger_app::run();
}
