//! `consent-ledger agreement …`: list, show, new, edit, check, publish,
//! retire, diff and export consent agreements.

use std::io::Write;
use std::process::ExitCode;

use consent_ledger_core::agreements::{
    self, render, templates, Content, DiffOp, ExportFormat, Language, Severity, TemplateKind,
};
use consent_ledger_core::{Error, Result, Vault};
use serde_json::json;

use crate::args::AgreementAction;
use crate::commands::{read_text, Out};

/// Parses a snake_case enum value the way the JSON format spells it.
fn parse_enum<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_value(json!(s)).map_err(|_| Error::Invalid(format!("unknown {what} {s:?}")))
}

pub fn run(vault: &mut Vault, action: AgreementAction, out: Out) -> Result<ExitCode> {
    match action {
        AgreementAction::List => {
            let list = agreements::list(vault.conn())?;
            out.print(&list, || {
                if list.is_empty() {
                    return "No agreements yet: agreement new --template processing".into();
                }
                list.iter()
                    .map(|a| {
                        let state = match (&a.retired_at, a.published_version, a.latest_is_draft) {
                            (Some(_), _, _) => "retired".to_string(),
                            (None, Some(p), true) => format!("v{p} published, v{} draft", a.latest_version),
                            (None, Some(p), false) => format!("v{p} published"),
                            (None, None, _) => "draft".to_string(),
                        };
                        format!(
                            "A{:<4} {} {:<13} {:<28} {}\n",
                            a.id,
                            a.language.as_str(),
                            a.template.as_str(),
                            state,
                            a.title
                        )
                    })
                    .collect()
            });
        }
        AgreementAction::Templates => {
            let all = templates::all();
            out.print(&all, || {
                all.iter()
                    .map(|t| {
                        format!(
                            "{:<13} {}  {}\n",
                            t.content.template.as_str(),
                            t.content.language.as_str(),
                            t.name
                        )
                    })
                    .collect()
            });
        }
        AgreementAction::Show { id, version } => {
            let v = agreements::view(vault.conn(), id, version)?;
            let drift = consent_ledger_core::processing::drift_of_agreement(vault.conn(), id)?;
            out.print(&v, || {
                let state = if v.version.draft {
                    "draft".to_string()
                } else {
                    format!(
                        "published {} (event #{}), SHA-256 {}",
                        v.version.published_at.as_deref().unwrap_or_default(),
                        v.version.published_seq.unwrap_or_default(),
                        v.version.content_sha256.as_deref().unwrap_or_default()
                    )
                };
                let versions: Vec<String> = v
                    .versions
                    .iter()
                    .map(|x| format!("v{}{}", x.version, if x.draft { " (draft)" } else { "" }))
                    .collect();
                format!(
                    "{}: {}\nversions: {}{}\n\n{}",
                    v.version.label,
                    state,
                    versions.join(", "),
                    v.retired_at
                        .as_ref()
                        .map(|r| format!("\nretired {r}"))
                        .unwrap_or_default(),
                    render::plain_text(&v.document)
                ) + &drift_text(&drift)
            });
        }
        AgreementAction::New {
            template,
            lang,
            title,
            translation_of,
        } => {
            let kind = TemplateKind::parse(&template)?;
            let language = Language::parse(&lang)?;
            let id = vault.with_tx(|tx, _| {
                agreements::create(tx, kind, language, title.as_deref(), translation_of)
            })?;
            out.print(&json!({ "id": id, "version": 1 }), || {
                format!("Created A{id} (draft v1) from the {template} template ({lang}).\nNext: agreement edit {id} …, agreement check {id}, agreement publish {id}")
            });
        }
        AgreementAction::Edit {
            id,
            from,
            title,
            intro,
            purposes,
            data_items,
            form_fields,
            actions,
            term,
            expires_after_months,
            withdrawal,
            storage,
            extra,
            checkbox_label,
            behaviour,
            presentation,
        } => {
            let mut c: Content = match from {
                Some(file) => serde_json::from_str(&read_text(&file)?).map_err(|e| {
                    Error::Invalid(format!("{} is not agreement content JSON: {e}", file.display()))
                })?,
                None => agreements::view(vault.conn(), id, None)?.content,
            };
            for (field, value) in [
                (&mut c.title, title),
                (&mut c.intro, intro),
                (&mut c.term, term),
                (&mut c.withdrawal, withdrawal),
                (&mut c.storage, storage),
                (&mut c.extra, extra),
                (&mut c.checkbox_label, checkbox_label),
            ] {
                if let Some(v) = value {
                    *field = v;
                }
            }
            for (field, value) in [
                (&mut c.purposes, purposes),
                (&mut c.data_items, data_items),
                (&mut c.form_fields, form_fields),
                (&mut c.actions, actions),
            ] {
                if !value.is_empty() {
                    *field = value;
                }
            }
            if let Some(m) = expires_after_months {
                c.expires_after_months = (m > 0).then_some(m);
            }
            if let Some(b) = behaviour {
                c.behaviour = parse_enum("behaviour", &b)?;
            }
            if let Some(p) = presentation {
                c.presentation = parse_enum("presentation", &p)?;
            }
            let version = vault.with_tx(|tx, _| agreements::save_draft(tx, id, c))?;
            out.print(&json!({ "id": id, "version": version }), || {
                format!("Saved draft {}.", agreements::version_label(id, version))
            });
        }
        AgreementAction::Check { id, lang } => {
            let findings = agreements::check_latest(vault.conn(), id, Language::parse(&lang)?)?;
            let ok = agreements::check::publishable(&findings);
            out.print(&json!({ "publishable": ok, "findings": findings }), || {
                if findings.is_empty() {
                    return "No problems found.".into();
                }
                findings
                    .iter()
                    .map(|f| {
                        let sev = match f.severity {
                            Severity::Error => "ERROR  ",
                            Severity::Warning => "warning",
                        };
                        format!(
                            "{sev} {} [{}]\n        {}\n        fix: {}\n",
                            f.message, f.rule, f.law, f.fix
                        )
                    })
                    .collect()
            });
            if !ok {
                return Ok(ExitCode::from(1));
            }
        }
        AgreementAction::Publish {
            id,
            acknowledge,
            lang,
        } => {
            let reader = Language::parse(&lang)?;
            let p = vault.with_tx(|tx, actor| {
                agreements::publish(tx, actor, id, &acknowledge, reader)
            })?;
            out.print(&p, || {
                format!(
                    "Published {} as event #{}.\nSHA-256 {}",
                    p.label, p.seq, p.content_sha256
                )
            });
        }
        AgreementAction::Retire { id } => {
            let seq = vault.with_tx(|tx, actor| agreements::retire(tx, actor, id))?;
            out.print(&json!({ "id": id, "seq": seq }), || {
                format!("Retired A{id} (event #{seq}): no new consents can be recorded against it.")
            });
        }
        AgreementAction::Diff { id, from, to } => {
            let lines = agreements::diff(vault.conn(), id, from, to)?;
            out.print(&lines, || {
                lines
                    .iter()
                    .map(|l| {
                        let mark = match l.op {
                            DiffOp::Equal => ' ',
                            DiffOp::Insert => '+',
                            DiffOp::Delete => '-',
                        };
                        format!("{mark} {}\n", l.text)
                    })
                    .collect()
            });
        }
        AgreementAction::Export {
            id,
            version,
            format,
            out: path,
        } => {
            let e = agreements::export(vault.conn(), id, version, ExportFormat::parse(&format)?)?;
            match path {
                Some(p) if p.as_os_str() == "-" => {
                    std::io::stdout()
                        .write_all(&e.bytes)
                        .map_err(|err| Error::io("writing to standard output", err))?;
                }
                p => {
                    let p = p.unwrap_or_else(|| e.file_name.clone().into());
                    consent_ledger_core::files::write_atomic(&p, &e.bytes)?;
                    out.print(
                        &json!({ "file": p, "bytes": e.bytes.len() }),
                        || format!("Wrote {} ({} bytes).", p.display(), e.bytes.len()),
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What the processing activities relying on the agreement do not list (their drift).
fn drift_text(drift: &[consent_ledger_core::processing::Drift]) -> String {
    use consent_ledger_core::processing::DriftKind;
    let mut s = String::new();
    for d in drift {
        if s.is_empty() {
            s.push_str("\n\nProcessing activities that rely on it do not list:\n");
        }
        let what = match d.kind {
            DriftKind::Data => "data",
            DriftKind::ThirdParty => "third party",
        };
        s.push_str(&format!("  activity {}: {what} «{}» ({})\n", d.activity, d.value, d.label));
    }
    s
}
