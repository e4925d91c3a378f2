//! Fuzz target: consent_ledger_core::fuzzing::import_json (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    consent_ledger_core::fuzzing::import_json(data);
});
