//! The XLSX reader's worker thread ends with the call that started it: a
//! preview of the first rows, or an import dropped half-way, leaves nothing
//! reading the rest of the sheet, nor the file open (which on Windows would
//! keep it from being moved or deleted). (Its own test binary: it counts the
//! process's open files, which other tests running beside it would change.)

use std::io::{Read, Write};

use consent_ledger_core::import::{self, Options};

/// The import fixture with its sheet's last row repeated to `rows` rows.
fn long_workbook(rows: u32) -> Vec<u8> {
    let src = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import/consents.xlsx")).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(&src)).unwrap();
    let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = String::new();
        f.read_to_string(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let at = data.rfind("<row r=\"").unwrap();
            let end = data.rfind("</row>").unwrap() + "</row>".len();
            let last = &data[at..end];
            let n: u32 = last[8..last[8..].find('"').unwrap() + 8].parse().unwrap();
            let mut more = String::new();
            for r in n + 1..=rows {
                more.push_str(&last.replace(&format!("{n}\""), &format!("{r}\"")));
            }
            data.insert_str(end, &more);
            data = data.replace(&format!(":G{n}\""), &format!(":G{rows}\""));
        }
        zout.start_file(name, opts).unwrap();
        zout.write_all(data.as_bytes()).unwrap();
    }
    zout.finish().unwrap().into_inner()
}

/// How many of this process's file descriptors are open on `path`.
fn open_on(path: &std::path::Path) -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target == path)
        .count()
}

#[test]
#[cfg(target_os = "linux")]
fn the_reader_ends_with_the_call() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("long.xlsx");
    std::fs::write(&path, long_workbook(5_000)).unwrap();
    let path = path.canonicalize().unwrap();
    let (_, rows) = import::open(&path, &Options::default()).unwrap();
    assert_eq!(rows.count(), 4_999, "the long workbook reads whole");
    assert_eq!(open_on(&path), 0, "a sheet read to its end leaves the file closed");
    for _ in 0..20 {
        let p = import::preview(&path, &Options::default(), 5).unwrap();
        assert_eq!(p.rows.len(), 5);
        assert_eq!(open_on(&path), 0, "a preview of 5 rows of 5,000 leaves the file closed");
        let (_, mut rows) = import::open(&path, &Options::default()).unwrap();
        assert!(rows.next().unwrap().is_ok());
        assert_eq!(open_on(&path), 1, "the reader is reading it");
        drop(rows);
        assert_eq!(open_on(&path), 0, "an import dropped after one row leaves the file closed");
    }
}
