//! A vault's pages decrypted without SQLite, as docs/FORMAT.md §3.2 says
//! (AES-256-CBC under the raw master key, the IV in each page's reserved
//! bytes; the HMAC is not checked): every page of `vault.db`, free pages
//! included, and every frame of `vault.db-wal`, stale ones included. Tests
//! search the plaintext for values that must be gone. Also included by the
//! CLI's tests (`#[path]`), so it needs nothing but `aes` and `cbc`.
#![allow(dead_code)]

use std::path::Path;

use aes::cipher::{block_padding::NoPadding, BlockModeDecrypt, KeyIvInit};

/// SQLCipher's page size (`cipher_page_size`, the default).
pub const PAGE: usize = 4096;
/// Reserved bytes at the end of each page: IV (16) then HMAC (64).
const RESERVED: usize = 80;
/// The salt in the clear at the start of the file (page 1 only).
const SALT: usize = 16;
const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// The plaintext of page `pgno` (1-based) stored as `page`: the 4016 bytes
/// that precede the reserved space (4000 on page 1, whose first 16 bytes are
/// the salt).
pub fn decrypt_page(key: &[u8; 32], pgno: u32, page: &[u8]) -> Vec<u8> {
    assert_eq!(page.len(), PAGE, "a whole page");
    let start = if pgno == 1 { SALT } else { 0 };
    let iv = &page[PAGE - RESERVED..PAGE - RESERVED + 16];
    let mut buf = page[start..PAGE - RESERVED].to_vec();
    cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
        .expect("32-byte key, 16-byte IV")
        .decrypt_padded::<NoPadding>(&mut buf)
        .expect("a whole number of blocks");
    buf
}

/// Each page of a database file, decrypted, in file order (a last partial
/// page, which SQLite never writes, is ignored).
pub fn decrypt_db_file(key: &[u8; 32], file: &[u8]) -> Vec<Vec<u8>> {
    file.chunks_exact(PAGE)
        .enumerate()
        .map(|(i, p)| decrypt_page(key, i as u32 + 1, p))
        .collect()
}

/// Each frame of a WAL file, decrypted: every frame present in the file,
/// whether or not it belongs to the current transaction log (an old frame
/// still holds old data).
pub fn decrypt_wal_file(key: &[u8; 32], wal: &[u8]) -> Vec<Vec<u8>> {
    if wal.len() < WAL_HEADER {
        return vec![];
    }
    wal[WAL_HEADER..]
        .chunks_exact(FRAME_HEADER + PAGE)
        .map(|f| {
            let pgno = u32::from_be_bytes(f[..4].try_into().expect("4 bytes"));
            decrypt_page(key, pgno, &f[FRAME_HEADER..])
        })
        .collect()
}

/// Every decrypted page of `vault.db` and every decrypted frame of
/// `vault.db-wal` (if there is one) in `dir`, concatenated, with the number
/// of pages and of frames.
pub fn decrypted_vault(key: &[u8; 32], dir: &Path) -> (Vec<u8>, usize, usize) {
    let db = std::fs::read(dir.join("vault.db")).expect("vault.db");
    assert_eq!(db.len() % PAGE, 0, "vault.db is whole pages");
    let pages = decrypt_db_file(key, &db);
    let frames = match std::fs::read(dir.join("vault.db-wal")) {
        Ok(w) => decrypt_wal_file(key, &w),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
        Err(e) => panic!("vault.db-wal: {e}"),
    };
    let (np, nf) = (pages.len(), frames.len());
    (pages.into_iter().chain(frames).flatten().collect(), np, nf)
}

/// Whether `needle` occurs in `hay`.
pub fn has_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The needles a value may leave in a page: the value as given, lower- and
/// upper-cased, and each of its words of four characters or more (split
/// where the search index splits: at anything not a letter or digit; shorter
/// ones would match by chance) in the three cases; for words of six
/// characters or more, also the word without its first character, which is
/// what the search index stores of a word that shares its first character
/// with the word before it on a page.
pub fn traces(value: &str) -> Vec<String> {
    let mut out = vec![];
    let mut push = |s: &str| {
        for v in [s.to_string(), s.to_lowercase(), s.to_uppercase()] {
            if !v.is_empty() && !out.contains(&v) {
                out.push(v);
            }
        }
    };
    push(value);
    for w in value.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 4) {
        push(w);
        if w.chars().count() >= 6 {
            let tail: String = w.chars().skip(1).collect();
            push(&tail);
        }
    }
    out
}
