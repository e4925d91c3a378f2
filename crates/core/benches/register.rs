//! `cargo bench -p consent-ledger-core --bench register`: importing a CSV of
//! consents (parsed, matched to subjects, hashed into the ledger, indexed for
//! search) next to the raw SQLCipher insert of the same rows measured in the
//! same run; then search, the first page and a timeline on that register.
//!
//! BENCH_CONSENTS sets the number of rows (default 1,000,000);
//! BENCH_ENCODING=windows-1251 writes the file in that encoding.

use std::time::{Duration, Instant};

use consent_ledger_core::consents::{self, importer, search, Filter};
use consent_ledger_core::crypto::MasterKey;
use consent_ledger_core::{db, import, Vault};

mod common;
use common::{reset_peak, status_mib, PASS};

// The allocator the CLI and the app use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn csv(n: usize) -> Vec<u8> {
    let mut s = String::with_capacity(n * 200);
    s.push_str(&common::HEADER.join(";"));
    s.push('\n');
    for i in 0..n {
        s.push_str(&common::csv_line(i));
    }
    s.into_bytes()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Inserts every line of `text` into a fresh encrypted table `r` (with the
/// indexes `indexes` creates) in one transaction, the way the vault opens
/// its database; returns the time taken.
fn raw_insert(path: &std::path::Path, key: &MasterKey, text: &str, indexes: &str) -> Duration {
    let mut raw = db::open(path, Some(key), true).unwrap();
    raw.execute_batch("CREATE TABLE r (a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT, g TEXT, k INTEGER)").unwrap();
    raw.execute_batch(indexes).unwrap();
    let t = Instant::now();
    let tx = raw.transaction().unwrap();
    {
        let mut st = tx.prepare("INSERT INTO r VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)").unwrap();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(';').collect();
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(line, &mut h);
            let k = std::hash::Hasher::finish(&h) as i64;
            st.execute(rusqlite::params![f[0], f[1], f[2], f[3], f[4], f[5], f[6], k]).unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed()
}

fn main() {
    // SAFETY: first thing in main; no thread or database exists yet. (As
    // the app and the CLI do.)
    unsafe { db::configure_sqlite() };
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = std::env::var("BENCH_CONSENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let tmp = tempfile::tempdir().unwrap();
    let mut bytes = csv(n);
    // BENCH_ENCODING=windows-1251: the same file as Excel on a Russian
    // Windows saves it (the importer then decodes it as it reads).
    let cp1251 = std::env::var("BENCH_ENCODING").is_ok_and(|e| e == "windows-1251");
    if cp1251 {
        let (b, _, bad) = encoding_rs::WINDOWS_1251.encode(std::str::from_utf8(&bytes).unwrap());
        assert!(!bad);
        bytes = b.into_owned();
    }
    let n_bytes = bytes.len();

    // The machine's limit: the same rows inserted raw into an encrypted database.
    let key = MasterKey::generate();
    let (raw_time, shaped_time) = {
        let utf8;
        let text = if cp1251 {
            utf8 = encoding_rs::WINDOWS_1251.decode(&bytes).0.into_owned();
            &utf8
        } else {
            std::str::from_utf8(&bytes).unwrap()
        };
        let raw_time = raw_insert(&tmp.path().join("raw.db"), &key, text, "");
        // The same, into a table shaped like the register's consents: unique
        // by time and a random key (as a dedup hash is), indexes by e-mail and
        // by name (as by subject).
        let shaped_time = raw_insert(
            &tmp.path().join("shaped.db"),
            &key,
            text,
            "CREATE UNIQUE INDEX r_k ON r(a, k); CREATE INDEX r_c ON r(c); CREATE INDEX r_b ON r(b);",
        );
        (raw_time, shaped_time)
    };

    let dir = tmp.path().join("v");
    let (mut v, id) = common::bench_vault(&dir);

    // The file is read from disk as the CLI and the app read it: in pieces.
    let file = tmp.path().join("bench.csv");
    std::fs::write(&file, &bytes).unwrap();
    drop(bytes);
    // SAFETY: mi_collect only returns freed memory to the system; any thread may call it.
    unsafe { libmimalloc_sys::mi_collect(true) };
    let peak_reset = reset_peak();
    let before_import = status_mib("VmRSS:");

    let t = Instant::now();
    let actor = v.actor().to_string();
    let report = importer::import(
        v.conn_mut(),
        &actor,
        "bench.csv",
        import::Input::File(&file),
        &import::Options::default(),
        &importer::ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false },
        |_| true,
    )
    .unwrap();
    let import_time = t.elapsed();
    assert!(report.committed && report.rejected.is_empty(), "{:?}", &report.rejected[..report.rejected.len().min(3)]);
    let peak = status_mib("VmHWM:");

    println!("{n} consents ({} subjects), one CSV file ({}); medians of 41 runs for reads", report.new_subjects, if cp1251 { "windows-1251" } else { "UTF-8" });
    println!("  machine: raw SQLCipher insert of the same rows   {:>8.2} s  ({:.0} rows/s)", raw_time.as_secs_f64(), n as f64 / raw_time.as_secs_f64());
    println!("  machine: the same into a register-shaped table    {:>8.2} s  ({:.0} rows/s; unique time + random key, e-mail and name indexes)", shaped_time.as_secs_f64(), n as f64 / shaped_time.as_secs_f64());
    println!(
        "  import (parse, match, ledger, index, commit)     {:>8.2} s  ({:.0} rows/s, {:.2}x raw, {:.2}x register-shaped; target < 2.5x, about 25 s)",
        import_time.as_secs_f64(),
        n as f64 / import_time.as_secs_f64(),
        import_time.as_secs_f64() / raw_time.as_secs_f64(),
        import_time.as_secs_f64() / shaped_time.as_secs_f64()
    );
    println!(
        "  peak memory during import                        {:>8.0} MiB (resident at its start: {:.0} MiB; the file, {:.0} MiB, is read from disk in pieces{}; target < 300 MiB)",
        peak,
        before_import,
        n_bytes as f64 / 1048576.0,
        if peak_reset { "" } else { "; peak not reset, so it includes the set-up" }
    );
    let runs = 41;
    let time = |f: &dyn Fn()| median((0..runs).map(|_| { let t = Instant::now(); f(); t.elapsed() }).collect());
    let conn = v.conn();
    let word = time(&|| assert!(!search::subjects(conn, "Морозов", 20).unwrap().is_empty()));
    let prefix = time(&|| assert!(!search::subjects(conn, "Смирн Ната", 20).unwrap().is_empty()));
    let phone = time(&|| assert!(!search::subjects(conn, "+7 900 001 23", 20).unwrap().is_empty()));
    let email = time(&|| assert!(!search::subjects(conn, "user12345@exa", 20).unwrap().is_empty()));
    let two = time(&|| assert!(!search::subjects(conn, "Ми", 20).unwrap().is_empty()));
    let page = time(&|| assert_eq!(consents::list(conn, &Filter::default(), None, 100).unwrap().len(), 100));
    let total = time(&|| assert_eq!(consents::count(conn).unwrap(), n as u64));
    let filtered = time(&|| {
        let f = Filter { action: Some(consents::Action::Withdrawn), ..Default::default() };
        consents::list(conn, &f, None, 100).unwrap();
    });
    let subject = consents::list(conn, &Filter::default(), None, 1).unwrap()[0].subject.clone();
    let timeline = time(&|| assert!(!consents::timeline(conn, &subject).unwrap().items.is_empty()));

    println!("  search a word (surname)                          {:>8.2} ms  (target < 10 ms)", ms(word));
    println!("  search two prefixes                              {:>8.2} ms", ms(prefix));
    println!("  search a phone number                            {:>8.2} ms", ms(phone));
    println!("  search an e-mail prefix                          {:>8.2} ms", ms(email));
    println!("  search two letters (\"Ми\")                       {:>8.2} ms", ms(two));
    println!("  first page of 100                                {:>8.2} ms  (target < 5 ms)", ms(page));
    println!("  first page of 100 withdrawals                    {:>8.2} ms", ms(filtered));
    println!("  count of all consents                            {:>8.2} ms", ms(total));
    println!("  a subject's timeline                             {:>8.2} ms  (target < 5 ms)", ms(timeline));
    // Audited reading: the same search with its `read.search` event (a durable write).
    let audited = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let hits = search::subjects(v.conn(), "Морозов", 20).unwrap();
                v.audit_search(consent_ledger_core::audit::What::Register, vec!["text".into()], hits.len() as u64).unwrap();
                t.elapsed()
            })
            .collect(),
    );
    let t = Instant::now();
    let reads = consent_ledger_core::ledger::page_filtered(v.conn(), None, 200, Some("read."), None).unwrap();
    let filtered_page = t.elapsed();
    println!(
        "  search a word with its read.search event         {:>8.2} ms  (the search alone {:.2} ms; target < 10 ms)",
        ms(audited),
        ms(word)
    );
    println!(
        "  ledger filtered to read.* (one slice of {} events) {:>8.2} ms, {} found",
        consent_ledger_core::ledger::FILTER_SCAN,
        ms(filtered_page),
        reads.events.len()
    );
    // What the register screen asks each time it opens: how many consents' terms have ended.
    let now = chrono::Utc::now();
    let t = Instant::now();
    let due = v.expiry_due_count(now).unwrap();
    let first = t.elapsed();
    let t = Instant::now();
    assert_eq!(v.expiry_due_count(now).unwrap(), due);
    let again = t.elapsed();
    println!("  consents whose 12-month term has ended ({due:>7})  {:>8.2} ms  (the register's reminder; {:.3} ms when nothing changed since)", ms(first), ms(again));

    requests_figures(&mut v, n);
    inspection_figures(&mut v);

    // Verify, read-only, as an inspector runs it: the whole log and every
    // fact derived from it, next to the machine's limit measured here too:
    // reading the same rows (events, register, personal data) and hashing them.
    v.lock().unwrap();
    let v = Vault::open_read_only(&dir, PASS).unwrap();
    let t = Instant::now();
    let rows = read_and_hash(v.conn());
    let read_time = t.elapsed();
    unsafe { libmimalloc_sys::mi_collect(true) };
    let peak_reset = reset_peak();
    let t = Instant::now();
    let report = v.verify(|_, _| true).unwrap();
    let verify_time = t.elapsed();
    let peak = status_mib("VmHWM:");
    assert!(report.ok(), "{:?}", report.problem);
    println!("  machine: read and SHA-256 the same rows ({rows})  {:>8.2} s", read_time.as_secs_f64());
    println!(
        "  verify ({} events; log, register, data, checks)  {:>8.2} s  ({:.2}x reading and hashing; target <= 2x)",
        report.events,
        verify_time.as_secs_f64(),
        verify_time.as_secs_f64() / read_time.as_secs_f64()
    );
    println!(
        "  peak memory during verify                        {:>8.0} MiB{} (target < 300 MiB)",
        peak,
        if peak_reset { "" } else { "; peak not reset, so it includes the set-up" }
    );
    drop(v);
    backup_figures(&dir, tmp.path(), verify_time);
}

/// A backup of the vault next to copying its file, and restoring it (with
/// its verification) next to the plain verify measured just before (issue 14).
fn backup_figures(dir: &std::path::Path, tmp: &std::path::Path, verify_time: Duration) {
    use consent_ledger_core::backup::{self, Secret};
    let db_file = dir.join(db::DB_FILE);
    let bytes = std::fs::metadata(&db_file).unwrap().len();
    let t = Instant::now();
    std::fs::copy(&db_file, tmp.join("plain-copy.db")).unwrap();
    let copy_time = t.elapsed();
    std::fs::remove_file(tmp.join("plain-copy.db")).unwrap();
    let t = Instant::now();
    {
        let f = std::fs::File::create(tmp.join("plain-copy.db")).unwrap();
        std::io::copy(&mut std::fs::File::open(&db_file).unwrap(), &mut std::io::BufWriter::new(&f)).unwrap();
        f.sync_all().unwrap();
    }
    let synced_copy_time = t.elapsed();
    std::fs::remove_file(tmp.join("plain-copy.db")).unwrap();
    let out = tmp.join("bench.clbackup");
    let v = Vault::unlock(dir, PASS).unwrap();
    // One pass of SQLCipher over every page (HMAC checked): the copy makes two (decrypt, encrypt) and checks once.
    let t = Instant::now();
    let problems = v.conn().prepare("PRAGMA cipher_integrity_check").unwrap().query_map([], |r| r.get::<_, String>(0)).unwrap().count();
    assert_eq!(problems, 0);
    let page_pass = t.elapsed();
    let t = Instant::now();
    let (_, made) = v.lock_backing_up(&out, |_, _| true).unwrap();
    let backup_time = t.elapsed();
    let t = Instant::now();
    let r = backup::restore(&out, &tmp.join("restored"), Secret::Passphrase(PASS), &[], false).unwrap();
    let restore_time = t.elapsed();
    assert_eq!(r.events, made.manifest.tree_size);
    println!("backup of that vault ({:.0} MiB database, {} events; copied by {})", bytes as f64 / 1048576.0, made.manifest.tree_size, made.copied_with);
    println!(
        "  machine: copy the database file                  {:>8.2} s  (through user space and synced: {:.2} s; SQLCipher's check of every page: {:.2} s)",
        copy_time.as_secs_f64(),
        synced_copy_time.as_secs_f64(),
        page_pass.as_secs_f64()
    );
    println!(
        "  backup (copied, every page checked, the file written and synced) {:>8.2} s  ({:.2}x copying; target <= 2x)",
        backup_time.as_secs_f64(),
        backup_time.as_secs_f64() / copy_time.as_secs_f64()
    );
    println!(
        "  restore (unpacked, opened, the whole ledger verified) {:>8.2} s  ({:.2}x the plain verify above; target <= 2x)",
        restore_time.as_secs_f64(),
        restore_time.as_secs_f64() / verify_time.as_secs_f64()
    );
}

/// The inspection pack over the whole register (issue 13), next to reading
/// the rows it rests on: what verify reads, and the register's rows once more
/// for the summaries.
fn inspection_figures(v: &mut Vault) {
    use consent_ledger_core::documents::{inspection, pack};
    let t = Instant::now();
    let rows = read_and_hash(v.conn());
    let mut stmt = v.conn().prepare("SELECT agreement_id, version, action, channel, acted_at FROM consents").unwrap();
    let (mut scanned, mut bytes) = (0u64, 0usize);
    let mut q = stmt.query([]).unwrap();
    while let Some(r) = q.next().unwrap() {
        bytes += r.get_ref(3).unwrap().as_str().unwrap().len() + r.get_ref(4).unwrap().as_str().unwrap().len();
        scanned += 1;
    }
    std::hint::black_box(bytes);
    drop(q);
    drop(stmt);
    let read_time = t.elapsed();
    unsafe { libmimalloc_sys::mi_collect(true) };
    let peak_reset = reset_peak();
    let t = Instant::now();
    let made = inspection::inspection(v, inspection::Scope::default(), consent_ledger_core::agreements::model::Language::Ru, |_, _| true).unwrap();
    let made_time = t.elapsed();
    let peak = status_mib("VmHWM:");
    let t = Instant::now();
    let checked = pack::verify(&made.zip, None).unwrap();
    let verify_time = t.elapsed();
    println!("inspection pack of the whole register ({} PDF pages, {} KB, {} events proven)", made.pages, made.zip.len() / 1024, checked.events);
    println!(
        "  machine: read and SHA-256 the rows verify reads ({rows}), then scan the register again ({scanned}) {:>8.2} s",
        read_time.as_secs_f64()
    );
    println!(
        "  made (the ledger verified whole, summaries, PDF, checkpoints) {:>8.2} s  ({:.2}x reading; target < 15 s)",
        made_time.as_secs_f64(),
        made_time.as_secs_f64() / read_time.as_secs_f64()
    );
    println!(
        "  peak memory while making it                      {:>8.0} MiB{} (target < 300 MiB)",
        peak,
        if peak_reset { "" } else { "; peak not reset, so it includes the set-up" }
    );
    println!("  pack verify, without the vault                   {:>8.2} ms  (target < 2 s)", ms(verify_time));
}

/// Reads every event, register row and personal-data row and hashes each
/// row's columns: what any verifier must at least do. Returns the row count.
fn read_and_hash(conn: &rusqlite::Connection) -> u64 {
    use sha2::{Digest, Sha256};
    let mut n = 0u64;
    let mut acc = [0u8; 32];
    for sql in [
        "SELECT seq, recorded_at, actor, kind, subject, body, leaf_hash FROM events ORDER BY seq",
        "SELECT id, subject_id, agreement_id, version, action, acted_at, channel, scan_sha256, import_id FROM consents ORDER BY id",
        "SELECT event_seq, subject_id, data FROM subject_data ORDER BY event_seq",
    ] {
        let mut stmt = conn.prepare(sql).unwrap();
        let cols = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let mut h = Sha256::new();
            for i in 0..cols {
                match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => h.update(b),
                    rusqlite::types::ValueRef::Integer(x) => h.update(x.to_be_bytes()),
                    _ => {}
                }
            }
            let d = h.finalize();
            acc[0] ^= d[0];
            n += 1;
        }
    }
    std::hint::black_box(acc);
    n
}

/// Issue 12's figures on this register: 10,000 requests, the overview's
/// data, a page of the request list, the access answer of a person with
/// 1,000 consents and the erasure of that person.
fn requests_figures(v: &mut Vault, n: usize) {
    use consent_ledger_core::requests::{self, access, fulfil, overview, IdentityCheck, IdentityMethod, Kind, Law, NewRequest};
    let today = chrono::Local::now().date_naive();
    // One person with 1,000 consents, recorded in one transaction.
    let agreement = consents::list(v.conn(), &Filter::default(), None, 1).unwrap()[0].agreement;
    let target = consents::target(v.conn(), agreement, None, consents::Action::Given).unwrap();
    let heavy = v
        .with_tx(|tx, actor| {
            let mut r = consents::Recorder::new(tx, actor, None)?;
            let mut subject = String::new();
            for i in 0..1000u32 {
                let intake = consents::Intake {
                    name: Some("Тяжёлов Пётр".into()),
                    email: Some("heavy.person@example.ru".into()),
                    acted_at: Some(chrono::Utc::now() - chrono::Duration::minutes(i as i64)),
                    url: Some(format!("https://example.ru/form?visit={i}")),
                    ..Default::default()
                };
                subject = r.add(&target, consents::Action::Given, consents::Channel::WebForm, intake)?.subject;
            }
            r.finish()?;
            Ok(subject)
        })
        .unwrap();
    // 10,000 requests of people in the register, received over the last 60 days.
    let people: Vec<String> = v
        .conn()
        .prepare("SELECT id FROM subjects WHERE erased_at IS NULL LIMIT 10000")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let t = Instant::now();
    v.with_tx(|tx, actor| {
        for (i, s) in people.iter().enumerate() {
            let req = NewRequest {
                kind: Kind::ALL[i % Kind::ALL.len()],
                law: Some([Law::Fz152, Law::Gdpr, Law::Both][i % 3]),
                subject: Some(s.clone()),
                received: Some((today - chrono::Days::new((i % 60) as u64)).to_string()),
                text: Some(format!("Запрос номер {i}")),
                ..Default::default()
            };
            requests::open_in(tx, actor, req, today)?;
        }
        Ok(())
    })
    .unwrap();
    let intake = t.elapsed();
    let runs = 41;
    let time = |f: &dyn Fn()| median((0..runs).map(|_| { let t = Instant::now(); f(); t.elapsed() }).collect());
    let conn = v.conn();
    let ov = time(&|| assert!(overview::overview(conn, today).unwrap().open_total >= people.len() as u64));
    let page = time(&|| assert_eq!(requests::list(conn, &requests::Filter { open: true, ..Default::default() }, None, 50, today).unwrap().len(), 50));
    let mut cursor = None;
    for _ in 0..5 {
        let page = requests::list(conn, &requests::Filter::default(), cursor.as_ref(), 1000, today).unwrap();
        cursor = requests::next_cursor(&page, 1000);
    }
    let cursor = cursor.unwrap();
    let deep = time(&|| assert_eq!(requests::list(conn, &requests::Filter::default(), Some(&cursor), 50, today).unwrap().len(), 50));
    let answer = median(
        (0..11)
            .map(|_| {
                let t = Instant::now();
                let f = access::gather(conn, &heavy, None, today).unwrap();
                assert_eq!(f.consents.len(), 1000);
                access::json(&f).unwrap();
                t.elapsed()
            })
            .collect(),
    );
    // The answer letter to that person (issue 13): every consent in its appendix.
    let access_id = requests::open(v, NewRequest { kind: Kind::Access, subject: Some(heavy.clone()), ..Default::default() }, today).unwrap().request.id;
    requests::identity(v, access_id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    fulfil::fulfil(v, access_id, Default::default(), today).unwrap();
    let t = Instant::now();
    let letter = consent_ledger_core::documents::letters::issue(v, access_id, consent_ledger_core::documents::DocKind::Answer, None, today).unwrap();
    let letter_time = t.elapsed();
    let pdf = consent_ledger_core::documents::content(v.conn(), &letter.id).unwrap().pdf;
    let pages = consent_ledger_core::pdf::page_count(&pdf);
    let t = Instant::now();
    let again = consent_ledger_core::documents::letters::issue(v, access_id, consent_ledger_core::documents::DocKind::Answer, None, today).unwrap();
    let again_time = t.elapsed();
    assert!(!again.new);
    // The evidence pack of that person (issue 13): made, then checked without the vault.
    let t = Instant::now();
    let made = consent_ledger_core::documents::pack::person(v, &heavy, consent_ledger_core::agreements::model::Language::Ru, |_, _| true).unwrap();
    let pack_time = t.elapsed();
    let t = Instant::now();
    let checked = consent_ledger_core::documents::pack::verify(&made.zip, None).unwrap();
    let pack_verify = t.elapsed();
    let id = requests::open(v, NewRequest { kind: Kind::Erasure, subject: Some(heavy.clone()), ..Default::default() }, today).unwrap().request.id;
    requests::identity(v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    let t = Instant::now();
    let done = fulfil::fulfil(v, id, Default::default(), today).unwrap();
    let erase = t.elapsed();
    assert_eq!(done.outcome, "erased");
    println!("requests: {} requests on the {n} consents (taken in in one transaction: {:.2} s)", people.len(), intake.as_secs_f64());
    println!("  overview's data                                  {:>8.2} ms  (target < 50 ms)", ms(ov));
    println!("  a page of 50 open requests by due date           {:>8.2} ms  (target < 5 ms)", ms(page));
    println!("  a page of 50 after the first 5,000               {:>8.2} ms", ms(deep));
    println!("  access answer of a person with 1,000 consents    {:>8.2} ms  (gathered and as JSON; target < 300 ms)", ms(answer));
    println!(
        "  the answer letter to that person (PDF, {} KB, {pages} pages) {:>8.2} ms  (issued again, unchanged: {:.2} ms)",
        pdf.len() / 1024,
        ms(letter_time),
        ms(again_time)
    );
    println!(
        "  that person's evidence pack ({} events, {} PDF pages, {} KB)  {:>8.2} ms  (target < 1 s and < 1 MB for 100 pages; pack verify {:.2} ms)",
        checked.events,
        made.pages,
        made.zip.len() / 1024,
        ms(pack_time),
        ms(pack_verify)
    );
    println!("  erasing that person (request fulfilled, destruction act issued, WAL purged, sealed) {:>8.2} ms  (target < 1 s)", ms(erase));
}
