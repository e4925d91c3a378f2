//! Fuzz target: consent_ledger_core::fuzzing::evidence_pack (see fuzz/README.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    consent_ledger_core::fuzzing::evidence_pack(data);
});
