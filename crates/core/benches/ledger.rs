//! `cargo bench -p consent-ledger-core --bench ledger`: the ledger's figures
//! next to this machine's own limits measured in the same run.
//!
//! BENCH_EVENTS sets the log size (default 1,000,000).

use std::time::{Duration, Instant};

use consent_ledger_core::crypto::{KdfParams, MasterKey};
use consent_ledger_core::ledger::{self, NewEvent};
use consent_ledger_core::{db, CreateOptions, Vault};
use rusqlite::params;
use serde_json::json;
use sha2::{Digest, Sha256};

const PASS: &str = "tulip orbit canyon ledger 42";
const BATCH: usize = 10_000;

fn body(i: usize) -> serde_json::Value {
    json!({
        "agreement": format!("a-{}", i % 17),
        "channel": "web_form",
        "commitment": format!("hmac-sha256:{:064x}", (i as u128) * 0x9E37_79B9_7F4A_7C15),
        "status": "given",
        "version": i % 5 + 1,
    })
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.split_whitespace().nth(1).unwrap().parse().unwrap())
        })
        .unwrap_or(0)
}

fn main() {
    // Child mode: verify in a fresh process so its peak memory is verify's own.
    if let Ok(dir) = std::env::var("BENCH_VERIFY_CHILD") {
        let v = Vault::unlock(std::path::Path::new(&dir), PASS).unwrap();
        let before = vm_hwm_kib();
        let t = Instant::now();
        let r = v.verify(|_, _| true).unwrap();
        assert!(r.ok(), "{:?}", r.problem);
        println!("{} {} {}", t.elapsed().as_secs_f64(), before, vm_hwm_kib());
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` asks; there is nothing to list.
    }
    let n: usize = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    println!(
        "Consent Ledger ledger benchmark: {n} events, batches of {BATCH}, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    // 1. Machine limit: raw SQLCipher insert of rows of the same shape and size.
    let bodies: Vec<String> = (0..BATCH)
        .map(|i| ledger::canonical_json(&body(i)).unwrap())
        .collect();
    let raw_path = tmp.path().join("raw.db");
    let mut raw = db::open(&raw_path, Some(&MasterKey::generate()), true).unwrap();
    raw.execute_batch("CREATE TABLE raw (seq INTEGER PRIMARY KEY, recorded_at TEXT, actor TEXT, kind TEXT, subject TEXT, body TEXT, leaf_hash BLOB)").unwrap();
    let now = ledger::now_utc();
    let t = Instant::now();
    for b in 0..n / BATCH {
        let tx = raw.transaction().unwrap();
        {
            let mut st = tx
                .prepare_cached("INSERT INTO raw VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6)")
                .unwrap();
            for (i, body) in bodies.iter().enumerate() {
                let seq = (b * BATCH + i + 1) as i64;
                st.execute(params![seq, now, "owner", "bench.consent", body, [7u8; 32]])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let raw_insert = rate(n, t.elapsed());
    drop(raw);

    // 2. Ledger append: canonical JSON, leaf hash, Merkle nodes, same batches.
    let dir = tmp.path().join("vault");
    let opts = CreateOptions {
        organisation: "Bench".into(),
        operator: "owner".into(),
        kdf: KdfParams::insecure_for_tests(),
    };
    let mut v = Vault::create(&dir, PASS, &opts).unwrap().vault;
    let events: Vec<NewEvent> = (0..BATCH)
        // A kind verify has no table for: the register has its own bench (register.rs).
        .map(|i| NewEvent::new("bench.consent", body(i)))
        .collect();
    let t = Instant::now();
    for _ in 0..n / BATCH {
        v.record(&events).unwrap();
    }
    let append = rate(n, t.elapsed());
    v.checkpoint().unwrap();
    v.lock().unwrap();

    // 3. Machine limit for verify: read every row and SHA-256 it.
    let v = Vault::unlock(&dir, PASS).unwrap();
    let size = ledger::size(v.conn()).unwrap();
    let t = Instant::now();
    let mut acc = 0u8;
    {
        let mut st = v.conn().prepare("SELECT seq, recorded_at, actor, kind, subject, body, leaf_hash FROM events ORDER BY seq").unwrap();
        let mut rows = st.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let mut h = Sha256::new();
            h.update(r.get::<_, i64>(0).unwrap().to_be_bytes());
            for i in 1..=5 {
                if let Ok(s) = r.get_ref(i).unwrap().as_str() {
                    h.update(s.as_bytes());
                }
            }
            acc ^= h.finalize()[0] ^ r.get_ref(6).unwrap().as_blob().unwrap()[0];
        }
    }
    let read_hash = t.elapsed();
    std::hint::black_box(acc);

    // 4. Proofs on the full log, against the current size.
    let mut rng_state = 0x2545F4914F6CDD1Du64;
    let mut next = |m: u64| {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state % m
    };
    let mut incl = vec![];
    for _ in 0..200 {
        let seq = next(size) + 1;
        let t = Instant::now();
        let p = v.prove(seq, Some(size)).unwrap();
        incl.push(t.elapsed());
        assert!(p.verify());
    }
    let mut cons = vec![];
    for _ in 0..200 {
        let old = next(size - 1) + 1;
        let t = Instant::now();
        let p = v.prove_consistency(old, size).unwrap();
        cons.push(t.elapsed());
        assert!(p.verify());
    }
    let (incl_max, cons_max) = (*incl.iter().max().unwrap(), *cons.iter().max().unwrap());
    let (incl_med, cons_med) = (median(incl), median(cons));
    drop(v);

    // 5. Verify in a child process, with its peak memory.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env("BENCH_VERIFY_CHILD", &dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the verify child failed: {}", String::from_utf8_lossy(&out.stderr));
    let f: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let (verify_s, hwm_before, hwm_after) = (f[0], f[1] / 1024.0, f[2] / 1024.0);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!();
    println!(
        "{:<44} {:>14} {:>22} {:>8}",
        "figure", "measured", "machine limit (same run)", "ratio"
    );
    println!(
        "{:<44} {:>10.0} ev/s {:>17.0} rows/s {:>7.2}x   (goal ≥ 0.50x)",
        "append events, batches of 10k",
        append,
        raw_insert,
        append / raw_insert
    );
    println!(
        "{:<44} {:>12.2} s {:>20.2} s {:>7.2}x   (goal ≤ 1.50x)",
        format!("verify {} events", size),
        verify_s,
        read_hash.as_secs_f64(),
        verify_s / read_hash.as_secs_f64()
    );
    println!(
        "{:<44} {:>10.0} ev/s",
        "verify rate",
        size as f64 / verify_s
    );
    println!(
        "{:<44} {:>11.3} ms  (max {:.3} ms; goal < 5 ms)",
        format!("inclusion proof, log of {size}, median"),
        ms(incl_med),
        ms(incl_max)
    );
    println!(
        "{:<44} {:>11.3} ms  (max {:.3} ms; goal < 5 ms)",
        format!("consistency proof, log of {size}, median"),
        ms(cons_med),
        ms(cons_max)
    );
    println!(
        "{:<44} {:>11.1} MB  (after unlock {:.1} MB; goal < 200 MB)",
        "peak resident memory of the verify process", hwm_after, hwm_before
    );
    println!(
        "{:<44} {:>11.1} MB",
        "vault.db size",
        std::fs::metadata(dir.join("vault.db")).unwrap().len() as f64 / 1e6
    );
}
