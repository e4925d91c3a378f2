//! `consent-ledger letter list|issue|show` (the letters of a request) and
//! `org documents` (what documents say beyond the requisites).

use std::path::Path;
use std::process::ExitCode;

use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::documents::{self, letters, profile, DocKind, Issued};
use consent_ledger_core::files::write_atomic;
use consent_ledger_core::requests::access;
use consent_ledger_core::{Error, Result, Vault};
use serde_json::json;

use crate::args::{ActAction, LetterAction, OrgAction, PackAction};
use crate::commands::Out;

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

fn line(d: &Issued) -> String {
    format!(
        "{:<20} {:<20} {} {}  {}{}\n",
        d.id,
        d.kind.as_str(),
        d.language.as_str(),
        d.issued_at,
        d.title,
        if d.erased { "  [erased with the person]" } else { "" }
    )
}

/// Writes the document's PDF to `out`; for a portability answer also the JSON and CSV it names.
fn write_pdf(vault: &Vault, d: &Issued, out: &Path) -> Result<Vec<String>> {
    let c = documents::content(vault.conn(), &d.id)?;
    write_atomic(out, &c.pdf)?;
    let mut files = vec![out.display().to_string()];
    if let (DocKind::Answer, Some(r)) = (d.kind, d.request) {
        let item = consent_ledger_core::requests::get_item(vault.conn(), r, today())?;
        if item.kind == consent_ledger_core::requests::Kind::Portability && item.outcome.as_deref() != Some("no_data_held") {
            let on = chrono::DateTime::parse_from_rfc3339(&d.issued_at)
                .map(|t| t.date_naive())
                .map_err(|e| Error::Invalid(e.to_string()))?;
            let facts = access::gather(vault.conn(), &item.subject, Some(r), on)?;
            let (j, c) = letters::attachments(&facts)?;
            for (ext, bytes) in [("json", j), ("csv", c)] {
                let p = out.with_extension(ext);
                write_atomic(&p, &bytes)?;
                files.push(p.display().to_string());
            }
        }
    }
    Ok(files)
}

/// Writes and prints a document; `issuing`: it was just asked for (says whether it is new).
pub(crate) fn show(vault: &mut Vault, d: &Issued, out_file: Option<&Path>, text: bool, out: Out, issuing: bool) -> Result<()> {
    let files = match out_file {
        Some(p) => write_pdf(vault, d, p)?,
        None => vec![],
    };
    if out_file.is_some() || text {
        let what = json!({ "document": d.id, "pdf": out_file.is_some(), "text": text });
        vault.audit_export(consent_ledger_core::audit::What::Document, 1, what)?;
    }
    if text && !out.json {
        print!("{}", documents::content(vault.conn(), &d.id)?.text);
        for w in &d.warnings {
            eprintln!("warning: {w}");
        }
        return Ok(());
    }
    let body = if text { Some(documents::content(vault.conn(), &d.id)?.text) } else { None };
    let mut v = serde_json::to_value(d).map_err(|e| Error::Invalid(e.to_string()))?;
    v["files"] = json!(files);
    if let Some(t) = body {
        v["text"] = json!(t);
    }
    out.print(&v, || {
        let mut s = format!(
            "{} {} ({}): {}\nSHA-256 of the PDF {}\nSHA-256 of the text {} (printed in its footer)\n",
            match (issuing, d.new) {
                (true, true) => "Issued",
                (true, false) => "Already issued, unchanged:",
                (false, _) => "Document",
            },
            d.id,
            d.issued_at,
            d.title,
            d.pdf_sha256,
            d.text_sha256
        );
        for f in &files {
            s.push_str(&format!("Written: {f}\n"));
        }
        for w in &d.warnings {
            s.push_str(&format!("Note: {w}\n"));
        }
        s
    });
    Ok(())
}

pub fn letter(vault: &mut Vault, action: LetterAction, out: Out) -> Result<ExitCode> {
    match action {
        LetterAction::List { request } => {
            let available = letters::available(vault.conn(), request, today())?;
            let issued = documents::of_request(vault.conn(), request)?;
            out.print(&json!({ "request": request, "available": available, "issued": issued }), || {
                let mut s = format!(
                    "Request {request} can have: {}\n",
                    available.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                );
                if issued.is_empty() {
                    s.push_str("No letter issued yet.\n");
                } else {
                    s.push_str("Issued:\n");
                    s.extend(issued.iter().map(line));
                }
                s
            });
        }
        LetterAction::Issue { request, kind, lang, out: file, text } => {
            let kind = DocKind::parse(&kind)?;
            let lang = lang.as_deref().map(Language::parse).transpose()?;
            let d = letters::issue(vault, request, kind, lang, today())?;
            show(vault, &d, file.as_deref(), text, out, true)?;
        }
        LetterAction::Show { id, out: file, text } => {
            let d = documents::get(vault.conn(), &id)?;
            show(vault, &d, file.as_deref(), text, out, false)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn act(vault: &mut Vault, action: ActAction, out: Out) -> Result<ExitCode> {
    match action {
        ActAction::List => {
            let acts = documents::act::list(vault.conn())?;
            out.print(&acts, || {
                if acts.is_empty() {
                    return "No destruction act: each erasure issues one.\n".into();
                }
                acts.iter()
                    .map(|a| {
                        let until = a.retain_until.as_deref().unwrap_or("-");
                        if a.erased {
                            format!("{:<20} {}  destroyed\n", a.id, a.issued_at)
                        } else {
                            format!("{:<20} {}  keep until {until}\n", a.id, a.issued_at)
                        }
                    })
                    .collect()
            });
        }
        ActAction::Show { id, out: file, text } => {
            let d = documents::get(vault.conn(), &id)?;
            if !matches!(d.kind, DocKind::DestructionAct | DocKind::LogExtract) {
                return Err(Error::Invalid(format!("{id} is not an act: use `letter show`")));
            }
            show(vault, &d, file.as_deref(), text, out, false)?;
        }
        ActAction::Issue { id, lang, out: file } => {
            let lang = Language::parse(&lang)?;
            let facts = documents::act::facts_of(vault.conn(), &id)?;
            let (a, l) = vault.with_tx(|tx, actor| documents::act::issue_pair(tx, actor, &facts, lang))?;
            if let Some(f) = &file {
                write_pdf(vault, &a, f)?;
                write_pdf(vault, &l, &f.with_file_name(format!("{}.pdf", l.id.replace('/', "-"))))?;
            }
            out.print(&json!({ "act": a, "extract": l }), || {
                let mut s = String::new();
                for d in [&a, &l] {
                    s.push_str(&format!("{} {}: {}\n", if d.new { "Issued" } else { "Unchanged:" }, d.id, d.title));
                }
                for w in &a.warnings {
                    s.push_str(&format!("Note: {w}\n"));
                }
                s
            });
        }
        ActAction::Destroy { id, reason, yes } => {
            if !yes {
                return Err(Error::Invalid(format!(
                    "destroying {id} empties the act and its extract for good; add --yes to confirm"
                )));
            }
            let seq = vault.destroy_act(&id, &reason, today())?;
            out.print(&json!({ "id": id, "seq": seq }), || format!("{id} and its extract destroyed (event #{seq})."));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn profile(vault: &mut Vault, action: OrgAction, out: Out) -> Result<ExitCode> {
    let OrgAction::Documents {
        signatory_name,
        signatory_position,
        information_system,
        destroyer,
        cross_border,
        measures,
        automated,
        other,
    } = action
    else {
        return Err(Error::Invalid("not an `org documents` command".into()));
    };
    let mut p = profile::get(vault.conn())?;
    let before = p.clone();
    for (field, value) in [
        (&mut p.signatory.name, signatory_name),
        (&mut p.signatory.position, signatory_position),
        (&mut p.information_system, information_system),
        (&mut p.cross_border, cross_border),
        (&mut p.measures, measures),
        (&mut p.automated, automated),
        (&mut p.other, other),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    if !destroyer.is_empty() {
        p.destroyers = destroyer
            .iter()
            .map(|d| {
                let (name, position) = d.split_once('|').ok_or_else(|| {
                    Error::Invalid(format!("--destroyer {d:?}: write \"Full name|Position\""))
                })?;
                Ok(profile::Official { name: name.into(), position: position.into() })
            })
            .collect::<Result<_>>()?;
    }
    if p != before {
        vault.with_tx(|tx, actor| profile::set(tx, actor, &p))?;
    }
    let p = profile::get(vault.conn())?;
    out.print(&p, || {
        let dash = |v: &str| if v.is_empty() { "- (not stated: documents say so)".to_string() } else { v.to_string() };
        let official = |o: &profile::Official| if o.position.is_empty() { o.name.clone() } else { format!("{}, {}", o.name, o.position) };
        format!(
            "Signatory:            {}\nInformation system:   {}\nPeople who destroy:   {}\nCross-border:         {}\nArt. 18.1 measures:   {}\nAutomated decisions:  {}\nOther information:    {}",
            if p.signatory.name.is_empty() { "- (the requisites' contact person)".into() } else { official(&p.signatory) },
            dash(&p.information_system),
            if p.destroyers.is_empty() { "-".into() } else { p.destroyers.iter().map(official).collect::<Vec<_>>().join("; ") },
            dash(&p.cross_border),
            dash(&p.measures),
            dash(&p.automated),
            dash(&p.other),
        )
    });
    Ok(ExitCode::SUCCESS)
}

pub fn pack(vault: &mut Vault, action: PackAction, out: Out) -> Result<ExitCode> {
    let mut last = std::time::Instant::now();
    let progress = |done: u64, total: u64| {
        if last.elapsed().as_millis() > 500 {
            eprintln!("working: {done} of {total}");
            last = std::time::Instant::now();
        }
        true
    };
    let (made, file) = match action {
        PackAction::Person { subject, out, lang } => (documents::pack::person(vault, &subject, Language::parse(&lang)?, progress)?, out),
        PackAction::Agreement { id, out, lang } => (documents::pack::agreement(vault, id, Language::parse(&lang)?, progress)?, out),
        PackAction::Inspection { from, to, out, lang } => {
            let scope = documents::inspection::Scope { from, to };
            (documents::inspection::inspection(vault, scope, Language::parse(&lang)?, progress)?, out)
        }
        PackAction::Verify { .. } => return Err(Error::Invalid("`pack verify` needs no vault".into())),
    };
    write_atomic(&file, &made.zip)?;
    out.print(
        &json!({ "id": made.id, "file": file.display().to_string(), "events": made.events, "pages": made.pages, "bytes": made.zip.len() }),
        || format!("Pack {} written to {} ({} events with their proofs, {} PDF pages, {} KB).", made.id, file.display(), made.events, made.pages, made.zip.len() / 1024),
    );
    Ok(ExitCode::SUCCESS)
}

/// `pack verify`: exit 0 when the pack checks, 3 when it does not.
pub fn pack_verify(file: &Path, key: Option<&str>, out: Out) -> Result<ExitCode> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(format!("reading {}", file.display()), e))?;
    match documents::pack::verify(&bytes, key) {
        Ok(c) => {
            out.print(&json!({ "ok": true, "pack": c }), || {
                format!(
                    "Pack {} ({}) is intact: {} events proven against the checkpoint of {} events, root {}, signed by {}.{}",
                    c.id,
                    c.kind,
                    c.events,
                    c.tree_size,
                    c.root,
                    c.verifier_key,
                    if key.is_none() { "\nThe key is the pack's own: compare it with the one the operator gave you, or pass --verifier-key." } else { "" }
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            out.print(&json!({ "ok": false, "problem": e.to_string() }), || format!("The pack does NOT check: {e}"));
            Ok(ExitCode::from(crate::EXIT_VERIFY_FAILED))
        }
    }
}
