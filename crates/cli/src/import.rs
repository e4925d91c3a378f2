//! `consent-ledger import FILE`: preview what was detected, or import all or
//! nothing (with --keep-good-rows, the good rows and a file of the bad ones).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use consent_ledger_core::consents::importer::ImportOptions;
use consent_ledger_core::import::{self, Mapping, Options};
use consent_ledger_core::{Error, Result, Vault};

use crate::commands::{read_text, Out};

pub struct Args {
    pub file: PathBuf,
    pub preset: Option<String>,
    pub mapping: Option<PathBuf>,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub agreement: Option<String>,
    pub keep_good_rows: bool,
    pub preview: bool,
}

fn options(a: &Args) -> Result<Options> {
    let preset = a
        .preset
        .as_deref()
        .map(|p| {
            serde_json::from_value(serde_json::json!(p)).map_err(|_| {
                Error::Invalid(format!("unknown preset {p:?}: use bitrix24, amocrm, kantara or iso27560"))
            })
        })
        .transpose()?;
    let mapping: Option<Mapping> = a
        .mapping
        .as_ref()
        .map(|m| {
            serde_json::from_str(&read_text(m)?)
                .map_err(|e| Error::Invalid(format!("{} is not a column mapping: {e}", m.display())))
        })
        .transpose()?;
    let delimiter = a
        .delimiter
        .as_deref()
        .map(|d| match d {
            "tab" | "\\t" | "\t" => Ok(b'\t'),
            ";" | "," | "|" => Ok(d.as_bytes()[0]),
            _ => Err(Error::Invalid(format!("--delimiter {d:?}: use ';', ',', '|' or tab"))),
        })
        .transpose()?;
    Ok(Options {
        preset,
        mapping,
        encoding: a.encoding.clone(),
        delimiter,
        ..Default::default()
    })
}

/// `FILE` + `suffix`, beside it.
fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut p = file.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

pub fn run(vault: &mut Vault, a: Args, out: Out) -> Result<ExitCode> {
    // Read in pieces as it is parsed: a file of any size is never whole in memory.
    std::fs::metadata(&a.file).map_err(|e| Error::io(format!("reading {}", a.file.display()), e))?;
    let file = a.file.as_path();
    let opts = options(&a)?;
    if a.preview {
        let p = import::preview(file, &opts, 5)?;
        out.print(&p, || {
            let mut s = format!(
                "format {:?}, encoding {}, delimiter {}\ncolumns: {}\n",
                p.source.format,
                p.source.encoding,
                p.source.delimiter.map(|d| format!("{:?}", d as char)).unwrap_or_else(|| "-".into()),
                p.source.headers.join(" | ")
            );
            for r in &p.rows {
                s.push_str(&format!("  {}\n", r.join(" | ")));
            }
            s.push_str(&format!(
                "mapping: {}\n",
                serde_json::to_string(&p.suggested).unwrap_or_default()
            ));
            if !p.missing.is_empty() {
                s.push_str(&format!("missing: {:?}\n", p.missing));
            }
            s
        });
        return Ok(ExitCode::SUCCESS);
    }
    let name = a
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let report = vault.import(
        &name,
        file,
        &opts,
        &ImportOptions {
            agreement: a.agreement.clone(),
            keep_good_rows: a.keep_good_rows,
        },
        |done| {
            // Progress on stderr: in place on a terminal, a line per 100,000 rows otherwise.
            if tty {
                eprint!("\rimporting: {done} rows");
            } else if done % 100_000 == 0 {
                eprintln!("importing: {done} rows");
            }
            true
        },
    )?;
    if tty {
        eprintln!();
    }
    let mut written = Vec::new();
    if !report.rejected.is_empty() && a.keep_good_rows {
        // The bad rows as they were, to fix and import again; and why each was refused.
        let lines: Vec<u64> = report.rejected.iter().map(|r| r.line).collect();
        // The line numbers are those of the file as it was imported.
        if import::Input::File(file).sha256()? != report.file_sha256 {
            return Err(Error::Invalid(format!(
                "{} changed while it was imported: its rejected rows were not written; the good rows are stored",
                a.file.display()
            )));
        }
        if let Some(rows) = import::rejected_rows(file, &opts, &lines)? {
            let path = beside(&a.file, ".rejected.csv");
            consent_ledger_core::files::write_atomic(&path, &rows)?;
            written.push(path);
        }
        let mut w = Vec::new();
        writeln!(w, "line;reason").ok();
        for r in &report.rejected {
            writeln!(w, "{};\"{}\"", r.line, r.reason.replace('"', "\"\"")).ok();
        }
        let path = beside(&a.file, ".rejected-reasons.csv");
        consent_ledger_core::files::write_atomic(&path, &w)?;
        written.push(path);
    }
    let mut shown = serde_json::to_value(&report).map_err(|e| Error::Invalid(e.to_string()))?;
    shown["rejected_files"] = serde_json::json!(written);
    out.print(&shown, || {
        let mut s = if report.committed {
            format!(
                "Imported {}: {} added, {} already there, {} new subjects, {} rejected (event #{}).\nSHA-256 of the file: {}\n",
                report.file_name,
                report.added,
                report.duplicates,
                report.new_subjects,
                report.rejected.len(),
                report.seq.unwrap_or_default(),
                report.file_sha256
            )
        } else {
            format!(
                "Nothing imported: {} of {} rows are bad. Fix them and import again, or use --keep-good-rows.\n",
                report.rejected.len(),
                report.rows_read
            )
        };
        if !report.suppressed.is_empty() {
            let lines: Vec<String> = report.suppressed.iter().take(20).map(u64::to_string).collect();
            s.push_str(&format!(
                "! {} consent(s) given by people who withdrew or objected (suppression list) were not imported, so their withdrawal stays in force: line(s) {}{}\n",
                report.suppressed.len(),
                lines.join(", "),
                if report.suppressed.len() > 20 { ", …" } else { "" }
            ));
        }
        for r in report.rejected.iter().take(50) {
            s.push_str(&format!("  line {}: {}\n", r.line, r.reason));
        }
        if report.rejected.len() > 50 {
            s.push_str(&format!("  … and {} more\n", report.rejected.len() - 50));
        }
        for (path, what) in written.iter().zip(if written.len() == 2 {
            ["the bad rows as they were, to fix and import again", "why each was refused"].iter()
        } else {
            ["why each row was refused", ""].iter()
        }) {
            s.push_str(&format!("Wrote {} ({what}).\n", path.display()));
        }
        s
    });
    Ok(if report.committed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
