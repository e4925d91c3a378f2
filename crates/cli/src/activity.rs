//! `consent-ledger activity …`: the processing register (record an activity,
//! from an agreement or written; edit, retire, list, show with its drift);
//! `policy|notice|ropa check|publish|list|export`: the documents it generates.

use std::process::ExitCode;

use chrono::Utc;
use consent_ledger_core::agreements::model::{Method, Role, ThirdParty};
use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::processing::documents as pdocs;
use consent_ledger_core::processing::{self, changes, check, Activity, Basis, Drift, DriftKind, Transfer, View};
use consent_ledger_core::requests::Law;
use consent_ledger_core::{Error, Result, Vault};
use serde_json::json;

use crate::args::{ActivityAction, ActivityFields, RegisterDocAction};
use crate::commands::{read_text, Out};

fn method(s: &str) -> Result<Method> {
    serde_json::from_value(json!(s.trim().replace('-', "_")))
        .map_err(|_| Error::Invalid(format!("unknown methods {s:?}: use automated, non_automated or mixed")))
}

/// "COUNTRY; RECIPIENT; SAFEGUARDS".
fn transfer(s: &str) -> Transfer {
    let mut parts = s.splitn(3, ';').map(str::trim);
    Transfer {
        country: parts.next().unwrap_or_default().to_string(),
        recipient: parts.next().unwrap_or_default().to_string(),
        safeguards: parts.next().filter(|s| !s.is_empty()).map(String::from),
    }
}

/// Applies the options given to `a` (a --file first replaces it whole).
fn apply(mut a: Activity, f: ActivityFields) -> Result<Activity> {
    if let Some(file) = &f.file {
        let text = read_text(file)?;
        a = serde_json::from_str(&text).map_err(|e| Error::Invalid(format!("{} is not an activity: {e}", file.display())))?;
    }
    let text = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
    if let Some(n) = f.name {
        a.name = n;
    }
    if let Some(l) = f.law {
        a.law = Law::parse(&l)?;
    }
    if !f.bases.is_empty() {
        a.legal_bases = f.bases.iter().map(|b| Basis::parse(b)).collect::<Result<_>>()?;
    }
    for (list, given) in [
        (&mut a.purposes, f.purposes),
        (&mut a.subject_categories, f.people),
        (&mut a.data_categories, f.data),
        (&mut a.special_categories, f.special),
        (&mut a.actions, f.actions),
        (&mut a.security, f.security),
    ] {
        if !given.is_empty() {
            *list = given;
        }
    }
    for (slot, v) in [
        (&mut a.basis_details, f.basis_details),
        (&mut a.special_condition, f.special_condition),
        (&mut a.storage_country, f.storage_country),
        (&mut a.storage, f.storage),
        (&mut a.retention, f.retention),
        (&mut a.responsible, f.responsible),
        (&mut a.started_on, f.started),
    ] {
        if let Some(v) = text(v) {
            *slot = v;
        }
    }
    if let Some(m) = f.methods {
        a.methods = if m.trim().is_empty() { None } else { Some(method(&m)?) };
    }
    if !f.processors.is_empty() || !f.recipients.is_empty() {
        let party = |name: &String, role| ThirdParty { name: name.clone(), role, ..Default::default() };
        a.recipients = f.processors.iter().map(|n| party(n, Role::Processor)).chain(f.recipients.iter().map(|n| party(n, Role::Recipient))).collect();
    }
    if !f.transfers.is_empty() {
        a.transfers = f.transfers.iter().map(|t| transfer(t)).collect();
    }
    if !f.agreements.is_empty() {
        a.agreements = f.agreements;
    }
    Ok(a)
}

fn drift_line(d: &Drift) -> String {
    match d.kind {
        DriftKind::Data => format!("  {} collects «{}», which the activity does not list\n", d.label, d.value),
        DriftKind::ThirdParty => format!("  {} names «{}», whom the activity does not list among its recipients\n", d.label, d.value),
    }
}

fn details_text(a: &Activity) -> String {
    let mut s = String::new();
    let mut row = |k: &str, v: String| {
        if !v.trim().is_empty() {
            s.push_str(&format!("  {k:<18} {v}\n"));
        }
    };
    row("law", a.law.as_str().into());
    row("purposes", a.purposes.join("; "));
    row("legal bases", a.legal_bases.iter().map(|b| b.as_str()).collect::<Vec<_>>().join(", "));
    row("basis details", a.basis_details.clone().unwrap_or_default());
    row("people", a.subject_categories.join("; "));
    row("data", a.data_categories.join("; "));
    row("special categories", a.special_categories.join("; "));
    row("their condition", a.special_condition.clone().unwrap_or_default());
    row("actions", a.actions.join("; "));
    row("methods", a.methods.map(|m| serde_json::to_value(m).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()).unwrap_or_default());
    row(
        "recipients",
        a.recipients
            .iter()
            .map(|r| format!("{} ({})", r.name, if r.role == Role::Processor { "processor" } else { "recipient" }))
            .collect::<Vec<_>>()
            .join("; "),
    );
    row(
        "transfers abroad",
        a.transfers
            .iter()
            .map(|t| format!("{}{}{}", t.country, if t.recipient.is_empty() { String::new() } else { format!(", {}", t.recipient) }, t.safeguards.as_deref().map(|g| format!(" ({g})")).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("; "),
    );
    row("databases in", a.storage_country.clone().unwrap_or_default());
    row("storage", a.storage.clone().unwrap_or_default());
    row("retention", a.retention.clone().unwrap_or_default());
    row("security", a.security.join("; "));
    row("responsible", a.responsible.clone().unwrap_or_default());
    row("started", a.started_on.clone().unwrap_or_default());
    row("agreements", a.agreements.iter().map(|a| format!("A{a}")).collect::<Vec<_>>().join(", "));
    s
}

fn show_text(v: &View) -> String {
    let mut s = format!("Activity {} ({}): {}\n", v.id, v.status.as_str(), v.details.name);
    s.push_str(&details_text(&v.details));
    if !v.drift.is_empty() {
        s.push_str("Drift (the agreements have what the activity does not list):\n");
        for d in &v.drift {
            s.push_str(&drift_line(d));
        }
    }
    s.push_str(&format!("SHA-256 {}\nHistory:\n", v.sha256));
    for e in &v.history {
        let changed = if e.changed.is_empty() { String::new() } else { format!("  ({})", e.changed.join(", ")) };
        s.push_str(&format!("  #{:<7} {}  {}  {}{changed}\n", e.seq, e.at, e.kind, e.actor));
    }
    s
}

pub fn run(vault: &mut Vault, action: ActivityAction, out: Out) -> Result<ExitCode> {
    match action {
        ActivityAction::List => {
            let items = processing::list(vault.conn())?;
            out.print(&items, || {
                if items.is_empty() {
                    return "No processing activities recorded. Make one from an agreement: activity from-agreement ID".into();
                }
                let mut s = String::new();
                for i in &items {
                    let agreements = i.agreements.iter().map(|a| format!("A{a}")).collect::<Vec<_>>().join(",");
                    let drift = if i.drift > 0 { format!("  DRIFT: {} not listed", i.drift) } else { String::new() };
                    s.push_str(&format!("{:<7} {:<7} {:<6} {:<10} {}{drift}\n", i.id, i.status.as_str(), i.law.as_str(), agreements, i.name));
                }
                s
            });
        }
        ActivityAction::Show { id } => {
            let v = processing::get(vault.conn(), id)?;
            out.print(&v, || show_text(&v));
        }
        ActivityAction::New { fields } => {
            let a = apply(Activity::default(), fields)?;
            let id = processing::record(vault, a)?;
            let v = processing::get(vault.conn(), id)?;
            out.print(&v, || format!("Recorded processing activity {id}.\n{}", show_text(&v)));
        }
        ActivityAction::Edit { id, fields } => {
            let before = processing::get(vault.conn(), id)?.details;
            let a = apply(before, fields)?;
            let seq = processing::edit(vault, id, a)?;
            let v = processing::get(vault.conn(), id)?;
            out.print(&json!({ "seq": seq, "activity": v }), || match seq {
                Some(s) => format!("Activity {id} changed, event #{s}.\n{}", show_text(&v)),
                None => format!("Activity {id}: nothing changed."),
            });
        }
        ActivityAction::FromAgreement { agreement, dry_run } => {
            let a = processing::from_agreement(vault.conn(), agreement)?;
            if dry_run {
                out.print(&a, || format!("From A{agreement} (not recorded):\n{}", details_text(&a)));
            } else {
                let id = processing::record(vault, a)?;
                let v = processing::get(vault.conn(), id)?;
                out.print(&v, || {
                    format!(
                        "Recorded processing activity {id} from A{agreement}. Complete what the agreement does not say (the people concerned, security, the person responsible) with `activity edit {id}`.\n{}",
                        show_text(&v)
                    )
                });
            }
        }
        ActivityAction::Retire { id } => {
            let seq = processing::retire(vault, id, Utc::now())?;
            out.print(&json!({ "seq": seq }), || format!("Activity {id} retired, event #{seq}."));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `policy|notice|ropa check`: every mandatory item of the document, with
/// its source and fix; exit 1 when an error would block publishing.
pub fn document(vault: &mut Vault, doc: check::Document, action: RegisterDocAction, out: Out) -> Result<ExitCode> {
    match action {
        RegisterDocAction::Check { lang } => {
            let findings = check::check(vault.conn(), doc, Language::parse(&lang)?)?;
            let ok = !findings.iter().any(|f| f.severity == check::Severity::Error);
            out.print(&json!({ "document": doc.as_str(), "publishable": ok, "findings": findings }), || {
                if findings.is_empty() {
                    return "Every mandatory item is there.".into();
                }
                findings
                    .iter()
                    .map(|f| {
                        let sev = if f.severity == check::Severity::Error { "ERROR  " } else { "warning" };
                        let about = f.activity.map(|a| format!(" (activity {a})")).unwrap_or_default();
                        format!("{sev} {}{about} [{}]\n        {} [{}]\n        fix: {}\n", f.message, f.rule, f.law, f.confidence, f.fix)
                    })
                    .collect()
            });
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        RegisterDocAction::Publish { lang, out: file, text } => {
            let lang = language(doc, lang)?;
            let issued = pdocs::publish(vault, doc, lang)?;
            crate::document::show(vault, &issued, file.as_deref(), text, out, true)?;
            if doc == check::Document::Notice && issued.new && !out.json && !text {
                if let Some(c) = changes::list(vault.conn(), lang)?.into_iter().find(|c| c.to == issued.id) {
                    println!("{}", change_text(&c));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RegisterDocAction::Preview { lang } => {
            let lang = language(doc, lang)?;
            let draft = pdocs::preview(vault.conn(), doc, lang)?;
            out.print(&json!({ "document": doc.as_str(), "language": lang.as_str(), "title": draft.title, "text": draft.body.text }), || draft.body.text.clone());
            Ok(ExitCode::SUCCESS)
        }
        RegisterDocAction::Changes { lang } => {
            only_notice(doc, "notices of changes")?;
            let lang = language(doc, lang)?;
            let pending = changes::pending(vault.conn(), lang)?;
            let list = changes::list(vault.conn(), lang)?;
            out.print(&json!({ "pending": pending, "notices": list }), || {
                let mut s = String::new();
                if !pending.is_empty() {
                    s.push_str("Not yet in the notice in force (publish the notice to issue its notice of changes):\n");
                    s.push_str(&sections_text(&pending));
                }
                if list.is_empty() {
                    s.push_str("No notice of changes was issued.\n");
                }
                for c in &list {
                    s.push_str(&change_text(c));
                }
                s
            });
            Ok(ExitCode::SUCCESS)
        }
        RegisterDocAction::Sent { id, on } => {
            only_notice(doc, "sending")?;
            let today = Utc::now().date_naive();
            let on = match on {
                Some(d) => chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| Error::Invalid(format!("--on {d:?}: {e} (YYYY-MM-DD)")))?,
                None => today,
            };
            let seq = changes::sent(vault, &id, on, today)?;
            out.print(&json!({ "document": id, "sent_on": on.to_string(), "seq": seq }), || format!("{id} recorded as sent on {on}, event #{seq}."));
            Ok(ExitCode::SUCCESS)
        }
        RegisterDocAction::List { lang } => {
            let revs = pdocs::revisions(vault.conn(), doc, language(doc, lang)?)?;
            out.print(&revs, || {
                if revs.is_empty() {
                    return format!("No revision of the {} is published. Check it, then publish: {} check; {} publish", doc.as_str(), doc.as_str(), doc.as_str());
                }
                revs.iter().enumerate().map(|(i, d)| format!("{:<12} {}  {}{}\n", d.id, d.issued_at, d.text_sha256, if i == 0 { "  (in force)" } else { "" })).collect()
            });
            Ok(ExitCode::SUCCESS)
        }
        RegisterDocAction::Export { lang, revision, out: file, text, html } => {
            let lang = language(doc, lang)?;
            let issued = match revision {
                Some(id) => {
                    let d = consent_ledger_core::documents::get(vault.conn(), &id)?;
                    let change = doc == check::Document::Notice && d.kind == consent_ledger_core::documents::DocKind::ProcessingNoticeChange;
                    if d.kind != pdocs::kind_of(doc) && !change {
                        return Err(Error::Invalid(format!("{id} is not a revision of the {}", doc.as_str())));
                    }
                    d
                }
                None => pdocs::in_force(vault.conn(), doc, lang)?
                    .ok_or_else(|| Error::NotFound(format!("no revision of the {} in {} is published", doc.as_str(), lang.as_str())))?,
            };
            if let Some(path) = &html {
                let page = pdocs::html(vault.conn(), &issued.id)?;
                consent_ledger_core::files::write_atomic(path, page.as_bytes())?;
                vault.audit_export(consent_ledger_core::audit::What::Document, 1, json!({ "document": issued.id, "html": true }))?;
                if file.is_none() && !text {
                    out.print(&json!({ "document": issued.id, "html": path.display().to_string() }), || {
                        format!("{} written as a web page to {}", issued.id, path.display())
                    });
                    return Ok(ExitCode::SUCCESS);
                }
            }
            crate::document::show(vault, &issued, file.as_deref(), text, out, false)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn only_notice(doc: check::Document, what: &str) -> Result<()> {
    if doc == check::Document::Notice {
        Ok(())
    } else {
        Err(Error::Invalid(format!("only the notice to Roskomnadzor has {what}: use `notice`, not `{}`", doc.as_str())))
    }
}

/// What changed, activity by activity, each item before and after.
fn sections_text(sections: &[changes::Section]) -> String {
    let mut s = String::new();
    for sec in sections {
        let about = sec.activity.map(|a| format!("activity {a} ")).unwrap_or_default();
        s.push_str(&format!("  {about}{}: {}\n", sec.name, sec.status.as_str()));
        for i in &sec.items {
            s.push_str(&format!("    {}: {} -> {}\n", i.item, if i.before.is_empty() { "—" } else { &i.before }, i.after));
        }
    }
    s
}

fn change_text(c: &changes::ChangeNotice) -> String {
    let sent = match &c.sent_on {
        Some(d) => format!("sent on {d}"),
        None => "NOT SENT".to_string(),
    };
    format!(
        "Notice of changes {} ({} -> {}): first change {}, due by {}, {sent}\n{}",
        c.document.id,
        c.from,
        c.to,
        c.changed_on,
        c.due,
        sections_text(&c.sections)
    )
}

/// The language asked for, or the document's own (Russian, English for the GDPR records).
fn language(doc: check::Document, lang: Option<String>) -> Result<Language> {
    match lang {
        Some(l) => Language::parse(&l),
        None => Ok(if doc == check::Document::Ropa { Language::En } else { Language::Ru }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfers_and_methods_are_read_as_typed() {
        let t = transfer("Германия; Mailer GmbH; стандартные условия; и ещё");
        assert_eq!((t.country.as_str(), t.recipient.as_str()), ("Германия", "Mailer GmbH"));
        assert_eq!(t.safeguards.as_deref(), Some("стандартные условия; и ещё"));
        let t = transfer("Казахстан");
        assert_eq!((t.country.as_str(), t.recipient.as_str(), t.safeguards), ("Казахстан", "", None));
        assert_eq!(method("non-automated").unwrap(), Method::NonAutomated);
        assert!(method("by hand").unwrap_err().to_string().contains("automated, non_automated or mixed"));
    }
}
