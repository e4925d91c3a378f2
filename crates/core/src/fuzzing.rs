//! The entry points of the fuzz targets (`fuzz/`) and of their regression
//! tests (`crates/core/tests/fuzz_regressions.rs`): each reads arbitrary bytes
//! as one kind of outside input, the way the app and the CLI read it, and
//! must come back with a result or a clean error, never a panic, a hang or
//! an allocation out of proportion to the input.

use crate::calendar::Calendar;
use crate::checkpoint;
use crate::documents::pack;
use crate::import::{self, Format, Options, Preset};
use crate::keyslots::KeyFile;
use std::path::Path;

/// Rows read per input at most: enough to cross every state of the readers.
const ROWS: usize = 2_000;

fn import_as(data: &[u8], format: Option<Format>, preset: Option<Preset>) {
    let opts = Options {
        format,
        preset,
        ..Options::default()
    };
    let _ = import::preview(data, &opts, 20);
    if let Ok((_, rows)) = import::open(data, &opts) {
        for row in rows.take(ROWS) {
            let _ = row;
        }
    }
}

/// A CSV file as the import reads it: encoding and delimiter detected.
pub fn import_csv(data: &[u8]) {
    import_as(data, Some(Format::Csv), None);
    // The first byte picks a preset's mapping (Bitrix24, amoCRM) or none.
    let preset = match data.first().map(|b| b % 3) {
        Some(1) => Some(Preset::Bitrix24),
        Some(2) => Some(Preset::AmoCrm),
        _ => return,
    };
    import_as(data, Some(Format::Csv), preset);
}

/// An XLSX workbook.
pub fn import_xlsx(data: &[u8]) {
    import_as(data, Some(Format::Xlsx), None);
}

/// Kantara consent receipts and ISO/IEC 27560 records (JSON).
pub fn import_json(data: &[u8]) {
    import_as(data, Some(Format::Json), Some(Preset::Kantara));
    import_as(data, Some(Format::Json), Some(Preset::Iso27560));
}

/// Whatever file a user picks: its format detected first.
pub fn import_any(data: &[u8]) {
    import_as(data, None, None);
}

/// A vault's key-slot file (keys.json).
pub fn key_file(data: &[u8]) {
    let _ = KeyFile::from_bytes(data, Path::new("keys.json"));
}

/// A witness's verifier-key line, then a signed checkpoint note (as in
/// docs/sample-vault: `expected.json`'s `verifier_key`, a newline, the note):
/// the key is read as `checkpoint verify --key` reads it, the note is
/// checked against it.
pub fn checkpoint_note(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (line, note) = text.split_once('\n').unwrap_or((&text, ""));
    if let Ok((vault_id, key)) = checkpoint::parse_verifier_key(line) {
        let _ = checkpoint::open_note(note, &vault_id, &key);
    }
}

/// A working-day calendar file (JSON), as loaded in Settings.
pub fn calendar(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Calendar::parse(text);
    }
}

/// An evidence pack (ZIP), checked without the vault as `pack verify` does.
pub fn evidence_pack(data: &[u8]) {
    let _ = pack::verify(data, None);
}

/// Every target by name: the fuzz crate's binaries and the regression
/// folders under `fuzz/regressions/` carry these names.
/// A target's function: arbitrary bytes in, no panic out.
pub type Target = fn(&[u8]);

pub const TARGETS: &[(&str, Target)] = &[
    ("import_csv", import_csv),
    ("import_xlsx", import_xlsx),
    ("import_json", import_json),
    ("import_any", import_any),
    ("key_file", key_file),
    ("checkpoint_note", checkpoint_note),
    ("calendar", calendar),
    ("evidence_pack", evidence_pack),
];
