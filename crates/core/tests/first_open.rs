//! The first opens of a process, made at once from several threads. SQLite
//! says it is initialised before SQLCipher has finished its own part, and a
//! key given in between was refused ("An error occurred with PRAGMA key…"):
//! CI saw a vault fail to be created that way. Its own test binary, because
//! each round shuts SQLite down to race its initialisation again.

use std::sync::{Arc, Barrier};

use consent_ledger_core::crypto::MasterKey;
use consent_ledger_core::db;

/// One round: half the threads touch SQLite without a key (as anything else
/// in the process may, and so start its initialisation), half open a keyed
/// database through `db::open`, all released at once. Returns the failures.
fn race(dir: &std::path::Path, round: usize, threads: usize) -> Vec<String> {
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let barrier = barrier.clone();
            let path = dir.join(format!("{round}-{i}.db"));
            std::thread::spawn(move || {
                let key = MasterKey::from_bytes([i as u8 + 1; 32]);
                barrier.wait();
                if i % 2 == 0 {
                    rusqlite::Connection::open_in_memory().map(drop).map_err(|e| e.to_string())
                } else {
                    db::open(&path, Some(&key), true).map(drop).map_err(|e| e.to_string())
                }
            })
        })
        .collect();
    handles.into_iter().filter_map(|h| h.join().unwrap().err()).collect()
}

#[test]
fn keyed_opens_racing_sqlites_initialisation_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let rounds = 100;
    let mut failed = Vec::new();
    for round in 0..rounds {
        failed.extend(race(dir.path(), round, 6));
        // Every connection of the round is closed: SQLite (and SQLCipher with
        // it) can be shut down, and the next round initialises it afresh.
        // SAFETY: no connection is open and no other thread uses SQLite.
        assert_eq!(unsafe { rusqlite::ffi::sqlite3_shutdown() }, rusqlite::ffi::SQLITE_OK);
    }
    assert!(failed.is_empty(), "{} keyed opens of {} failed: {:?}", failed.len(), rounds * 3, &failed[..failed.len().min(3)]);
}
