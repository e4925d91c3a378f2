//! `cargo bench -p consent-ledger-core --bench big_inputs`: importing very
//! large files from disk, as the CLI and the app do, with the peak memory of
//! each import: a UTF-8 CSV of 2 GB, a Windows-1251 CSV of 1,000,000 rows and
//! an XLSX of 1,000,000 rows (dates as Excel dates, text in the shared
//! strings table, as Excel saves it). Next to them, the machine's own limit
//! measured in the same run: reading the 2 GB file from disk.
//!
//! BENCH_BIG_MB sets the size of the large CSV (default 2000, decimal MB);
//! BENCH_BIG_ROWS the rows of the other two (default 1,000,000);
//! BENCH_BIG_ONLY=csv|cp1251|xlsx runs one of them.

use std::io::{BufWriter, Read, Write};
use std::path::Path;
use std::time::Instant;

use consent_ledger_core::consents::importer::ImportOptions;
use consent_ledger_core::{db, import};

mod common;
use common::{bench_vault, csv_line, reset_peak, row, status_mib, HEADER};

// The allocator the CLI and the app use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writes the header and rows from 0 until the file reaches `bytes` (or
/// `rows` rows), in `encoding`; returns the rows written.
fn write_csv(path: &Path, bytes: u64, rows: usize, encoding: &'static encoding_rs::Encoding) -> usize {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut put = |s: &str| -> u64 {
        let (b, _, bad) = encoding.encode(s);
        assert!(!bad);
        w.write_all(&b).unwrap();
        b.len() as u64
    };
    let mut written = put(&format!("{}\n", HEADER.join(";")));
    let mut i = 0;
    while written < bytes && i < rows {
        written += put(&csv_line(i));
        i += 1;
    }
    w.into_inner().unwrap().sync_all().unwrap();
    i
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// An .xlsx of `rows` rows as Excel saves it: the date as a number with a
/// date format, every text in the shared strings table once (a person's
/// name, e-mail and phone are shared by their rows).
fn write_xlsx(path: &Path, rows: usize) {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(BufWriter::new(std::fs::File::create(path).unwrap()));
    let o = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let put = |z: &mut zip::ZipWriter<_>, name: &str, text: &str| {
        z.start_file(name, o).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    };
    put(&mut z, "[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#);
    put(&mut z, "_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#);
    put(&mut z, "xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Согласия" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    put(&mut z, "xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#);
    put(&mut z, "xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#);
    // Shared strings: the header (0–6), the statuses (7–9), each person's
    // name, e-mail and phone, then each row's IP address and URL.
    const STATUS: [&str; 3] = ["согласие", "отказ", "отозвано"];
    let persons = rows.div_ceil(3);
    let person_at = |p: usize, k: usize| 10 + p * 3 + k;
    let row_at = |i: usize, k: usize| 10 + persons * 3 + i * 2 + k;
    let col = |c: usize| (b'A' + c as u8) as char;
    z.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    let mut w = BufWriter::with_capacity(1 << 20, &mut z);
    write!(w, r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:G{}"/><sheetData><row r="1">"#, rows + 1).unwrap();
    for c in 0..7 {
        write!(w, r#"<c r="{}1" t="s"><v>{c}</v></c>"#, col(c)).unwrap();
    }
    w.write_all(b"</row>").unwrap();
    for i in 0..rows {
        let r = row(i);
        let (p, n) = (i / 3, i + 2);
        // 2025-MM-DD hh:mm:ss as days since 1899-12-30.
        let d = chrono::NaiveDateTime::parse_from_str(&r[0][..19], "%Y-%m-%dT%H:%M:%S").unwrap();
        let serial = (d - chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap().and_hms_opt(0, 0, 0).unwrap()).num_seconds() as f64 / 86400.0;
        let status = 7 + STATUS.iter().position(|s| *s == r[6]).unwrap();
        write!(w, r#"<row r="{n}"><c r="A{n}" s="1"><v>{serial}</v></c>"#).unwrap();
        for (c, idx) in [(1, person_at(p, 0)), (2, person_at(p, 1)), (3, person_at(p, 2)), (4, row_at(i, 0)), (5, row_at(i, 1)), (6, status)] {
            write!(w, r#"<c r="{}{n}" t="s"><v>{idx}</v></c>"#, col(c)).unwrap();
        }
        w.write_all(b"</row>").unwrap();
    }
    w.write_all(b"</sheetData></worksheet>").unwrap();
    drop(w);
    z.start_file("xl/sharedStrings.xml", o).unwrap();
    let mut w = BufWriter::with_capacity(1 << 20, &mut z);
    let total = 10 + persons * 3 + rows * 2;
    write!(w, r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{total}" uniqueCount="{total}">"#).unwrap();
    let mut si = |s: &str| write!(w, "<si><t>{}</t></si>", xml_escape(s)).unwrap();
    HEADER.iter().for_each(|h| si(h));
    STATUS.iter().for_each(|s| si(s));
    for p in 0..persons {
        let r = row(p * 3);
        (1..4).for_each(|k| si(&r[k]));
    }
    for i in 0..rows {
        let r = row(i);
        si(&r[4]);
        si(&r[5]);
    }
    w.write_all(b"</sst>").unwrap();
    drop(w);
    z.finish().unwrap().into_inner().unwrap().sync_all().unwrap();
}

/// Imports `file` into a new vault in `dir` (all or nothing, as the app
/// does) and prints the time and the peak memory of the import.
fn import_figures(what: &str, file: &Path, dir: &Path, rows: usize) {
    let (mut v, id) = bench_vault(dir);
    // SAFETY: mi_collect only returns freed memory to the system; any thread may call it.
    unsafe { libmimalloc_sys::mi_collect(true) };
    let peak_reset = reset_peak();
    let before = status_mib("VmRSS:");
    let t = Instant::now();
    let report = v
        .import(
            "big",
            file,
            &import::Options::default(),
            &ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false },
            |_| true,
        )
        .unwrap();
    let took = t.elapsed().as_secs_f64();
    let peak = status_mib("VmHWM:");
    assert!(report.committed && report.rows_read == rows as u64, "{} of {rows} rows; {:?}", report.rows_read, &report.rejected[..report.rejected.len().min(3)]);
    let size = std::fs::metadata(file).unwrap().len() as f64 / 1e6;
    println!(
        "  {what:<34} {size:>7.0} MB {rows:>10} rows {took:>8.1} s ({:>6.0} rows/s, {:>6.1} MB/s)   peak {peak:>5.0} MiB (at its start {before:.0} MiB{}; target < 300 MiB)",
        rows as f64 / took,
        size / took,
        if peak_reset { "" } else { "; peak not reset" }
    );
    v.lock().unwrap();
}

fn main() {
    // SAFETY: first thing in main; no thread or database exists yet. (As
    // the app and the CLI do.)
    unsafe { db::configure_sqlite() };
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let env = |k: &str, d: u64| std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d);
    let big = env("BENCH_BIG_MB", 2000) * 1_000_000;
    let rows = env("BENCH_BIG_ROWS", 1_000_000) as usize;
    let only = std::env::var("BENCH_BIG_ONLY").unwrap_or_default();
    if only.is_empty() {
        // Each import in a process of its own, so that its peak memory is its own.
        println!("big inputs, imported from files on disk in one transaction each, each in a new process");
        for case in ["csv", "cp1251", "xlsx"] {
            let me = std::env::current_exe().unwrap();
            let status = std::process::Command::new(me).env("BENCH_BIG_ONLY", case).status().unwrap();
            assert!(status.success(), "{case}: {status}");
        }
        return;
    }
    let run = |what: &str| only == what;
    let tmp = tempfile::tempdir().unwrap();
    if run("csv") {
        let file = tmp.path().join("big.csv");
        let n = write_csv(&file, big, usize::MAX, encoding_rs::UTF_8);
        // The machine's limit: reading the same file once (the importer reads it three times).
        let t = Instant::now();
        let mut r = std::fs::File::open(&file).unwrap();
        let mut buf = vec![0u8; 1 << 20];
        while r.read(&mut buf).unwrap() > 0 {}
        let took = t.elapsed().as_secs_f64();
        println!("  machine: reading the {:.0} MB file once (page cache) {took:>8.1} s ({:.0} MB/s)", big as f64 / 1e6, big as f64 / 1e6 / took);
        import_figures("UTF-8 CSV", &file, &tmp.path().join("v-csv"), n);
        std::fs::remove_file(&file).unwrap();
        std::fs::remove_dir_all(tmp.path().join("v-csv")).unwrap();
    }
    if run("cp1251") {
        let file = tmp.path().join("cp1251.csv");
        write_csv(&file, u64::MAX, rows, encoding_rs::WINDOWS_1251);
        import_figures("Windows-1251 CSV", &file, &tmp.path().join("v-1251"), rows);
    }
    if run("xlsx") {
        let file = tmp.path().join("big.xlsx");
        write_xlsx(&file, rows);
        import_figures("XLSX (shared strings, Excel dates)", &file, &tmp.path().join("v-xlsx"), rows);
    }
}
