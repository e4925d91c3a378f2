//! Fuzz target: consent_ledger_core::fuzzing::import_any (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    consent_ledger_core::fuzzing::import_any(data);
});
