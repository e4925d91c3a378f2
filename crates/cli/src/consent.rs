//! `consent-ledger consent …`: add, withdraw, list, show and search the
//! consent register.

use std::process::ExitCode;

use consent_ledger_core::consents::{
    self, expiry, export, search, Action, Channel, Cursor, Entry, Filter, Intake,
};
use consent_ledger_core::audit;
use consent_ledger_core::{Error, Result, Vault};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::args::{ConsentAction, ConsentArgs, FilterArgs};
use crate::commands::Out;

fn intake(a: &ConsentArgs) -> Result<Intake> {
    let acted_at = a.at.as_deref().map(consents::parse_time).transpose()?;
    let scan_sha256 = a
        .scan
        .as_ref()
        .map(|p| {
            std::fs::read(p)
                .map(|b| hex::encode(Sha256::digest(&b)))
                .map_err(|e| Error::io(format!("reading {}", p.display()), e))
        })
        .transpose()?;
    Ok(Intake {
        name: a.name.clone(),
        email: a.email.clone(),
        phone: a.phone.clone(),
        address: a.address.clone(),
        id_document: a.id_document.clone(),
        acted_at,
        acted_at_original: a.at.clone(),
        ip: a.ip,
        url: a.url.clone(),
        user_agent: None,
        scan_sha256,
        fields: a.fields.iter().cloned().collect(),
    })
}

fn filter_of(f: FilterArgs) -> Result<Filter> {
    Ok(Filter {
        agreement: f.agreement,
        version: f.version,
        action: f.action.as_deref().map(Action::parse).transpose()?,
        channel: f.channel.as_deref().map(Channel::parse).transpose()?,
        from: f.from,
        to: f.to,
        subject: f.subject,
        text: f.text,
    })
}

fn line(e: &Entry) -> String {
    let who = [&e.name, &e.email, &e.phone]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{:<7} {}  {:<9} {:<8} {:<9} {}  [{}]\n",
        e.id,
        &e.acted_at[..19.min(e.acted_at.len())],
        e.action.as_str(),
        e.label,
        e.channel.as_str(),
        if e.erased { "(erased)".to_string() } else { who },
        e.subject
    )
}

pub fn run(vault: &mut Vault, action: ConsentAction, out: Out) -> Result<ExitCode> {
    match action {
        ConsentAction::Add { who, refused } => {
            let action = if refused { Action::Refused } else { Action::Given };
            return add(vault, &who, action, out);
        }
        ConsentAction::Withdraw { who } => return add(vault, &who, Action::Withdrawn, out),
        ConsentAction::List { filter, limit, after } => {
            let filter = filter_of(filter)?;
            let cursor = after
                .map(|a| {
                    a.rsplit_once(',')
                        .and_then(|(t, id)| Some(Cursor { acted_at: t.to_string(), id: id.parse().ok()? }))
                        .ok_or_else(|| Error::Invalid(format!("--after {a:?}: use the TIME,ID printed as next")))
                })
                .transpose()?;
            let page = consents::list(vault.conn(), &filter, cursor.as_ref(), limit)?;
            if audit::is_search(&filter) {
                vault.audit_search(audit::What::Register, audit::filter_fields(&filter), page.len() as u64)?;
            }
            let next = consents::next_cursor(&page, limit);
            out.print(&json!({ "entries": page, "next": next }), || {
                let mut s: String = page.iter().map(line).collect();
                if page.is_empty() {
                    s.push_str("No consents match.\n");
                }
                if let Some(n) = &next {
                    s.push_str(&format!("… older entries: --after {},{}\n", n.acted_at, n.id));
                }
                s
            });
        }
        ConsentAction::Show { id, subject } => {
            if subject {
                let t = consents::timeline(vault.conn(), &id)?;
                vault.audit_person(&t.subject, audit::What::PersonPage)?;
                out.print(&t, || {
                    let mut s = format!("Subject {}{}\n", t.subject, if t.erased { " (erased)" } else { "" });
                    for d in &t.items {
                        s.push_str(&line(&d.entry));
                        if let Some(false) = d.matches_ledger {
                            s.push_str("        ! the stored data no longer matches the ledger\n");
                        }
                    }
                    s
                });
            } else {
                let n: u64 = id
                    .parse()
                    .map_err(|_| Error::Invalid(format!("{id:?} is not a consent id (or add --subject)")))?;
                let d = consents::get(vault.conn(), n)?;
                vault.audit_person(&d.entry.subject, audit::What::PersonPage)?;
                out.print(&d, || {
                    format!(
                        "{}agreement text SHA-256: {}\nmatches the ledger: {}\ndata: {}",
                        line(&d.entry),
                        d.content_sha256.as_deref().unwrap_or("-"),
                        match d.matches_ledger {
                            Some(true) => "yes",
                            Some(false) => "NO: the stored data was changed",
                            None => "- (erased)",
                        },
                        serde_json::to_string_pretty(&d.data).unwrap_or_default()
                    )
                });
            }
        }
        ConsentAction::Export { filter, format, out: path, include_restricted } => {
            let filter = filter_of(filter)?;
            let restricted = export::restricted_count(vault.conn(), &filter)?;
            let mode = match &include_restricted {
                Some(_) => export::Restricted::Include,
                None => export::Restricted::LeaveOut,
            };
            let mut buf = Vec::new();
            let (n, what) = match format.as_str() {
                "csv" => (export::csv(vault.conn(), &filter, mode, &mut buf)?, audit::What::ConsentsCsv),
                "iso27560" | "json" => {
                    (export::iso27560(vault.conn(), &filter, mode, &vault.requisites()?, &mut buf)?, audit::What::ConsentsIso27560)
                }
                f => return Err(Error::Invalid(format!("unknown export format {f:?}: use csv or iso27560"))),
            };
            vault.audit_export(what, n, json!({ "fields": audit::filter_fields(&filter), "restricted_included": include_restricted.is_some() }))?;
            match &include_restricted {
                Some(reason) if restricted > 0 => {
                    vault.with_tx(|tx, actor| export::include_restricted(tx, actor, reason, restricted))?;
                }
                Some(reason) if reason.trim().is_empty() => {
                    return Err(Error::Invalid("say why restricted people are included (--include-restricted REASON)".into()))
                }
                None if restricted > 0 => eprintln!(
                    "note: {restricted} consent(s) of people whose processing is restricted were left out (--include-restricted REASON includes them, and records why)"
                ),
                _ => {}
            }
            if path.as_os_str() == "-" {
                std::io::Write::write_all(&mut std::io::stdout(), &buf)
                    .map_err(|e| Error::io("writing to standard output", e))?;
            } else {
                consent_ledger_core::files::write_atomic(&path, &buf)?;
                out.print(&json!({ "file": path, "records": n }), || {
                    format!("Wrote {n} records to {}.", path.display())
                });
            }
        }
        ConsentAction::Merge { keep, absorb } => {
            let seq = vault.with_tx(|tx, actor| consents::merge(tx, actor, &keep, &absorb))?;
            out.print(&json!({ "into": keep, "absorbed": absorb, "seq": seq }), || {
                format!("Merged {absorb} into {keep} (event #{seq}).")
            });
        }
        ConsentAction::Expire { dry_run } => {
            let now = chrono::Utc::now();
            let due = expiry::due(vault.conn(), now)?;
            let recorded = if dry_run || due.is_empty() {
                0
            } else {
                vault.with_tx(|tx, actor| expiry::record_due(tx, actor, now))?
            };
            out.print(&json!({ "due": due, "recorded": recorded }), || {
                let mut s: String = due
                    .iter()
                    .map(|d| format!("{}  {}  given {}  ended {}\n", d.subject, d.label, d.given_at, d.expires_at))
                    .collect();
                s.push_str(&match (due.len(), dry_run) {
                    (0, _) => "No consent's term has ended.".to_string(),
                    (n, true) => format!("{n} consent(s) have ended; run without --dry-run to record them."),
                    _ => format!("Recorded {recorded} consent(s) as expired."),
                });
                s
            });
        }
        ConsentAction::Search { text, limit } => {
            // JSON: the people found (an array, as scripts expect); the text
            // adds those found only under another spelling, to confirm.
            let found = search::find(vault.conn(), &text, limit)?;
            vault.audit_search(audit::What::Register, vec!["text".into()], (found.hits.len() + found.candidates.len()) as u64)?;
            out.print(&found.hits, || {
                let line = |h: &search::Hit| {
                    format!(
                        "{}  {} consent(s)  {} {} {}{}\n",
                        h.subject,
                        h.consents,
                        h.names.join(" / "),
                        h.emails.join(" "),
                        h.phones.join(" "),
                        if h.restricted { "  [processing restricted]" } else { "" }
                    )
                };
                let mut s: String = if found.hits.is_empty() { "Nobody found.\n".into() } else { found.hits.iter().map(line).collect() };
                if !found.candidates.is_empty() {
                    s.push_str("Perhaps the same person, written in the other alphabet or spelt another way (confirm before relying on it):\n");
                    s.extend(found.candidates.iter().map(|h| format!("  {}", line(h))));
                }
                s
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn add(vault: &mut Vault, who: &ConsentArgs, action: Action, out: Out) -> Result<ExitCode> {
    let channel = Channel::parse(&who.channel)?;
    let target = consents::resolve_target(vault.conn(), &who.agreement, action)?;
    let intake = intake(who)?;
    let o = vault.with_tx(|tx, actor| consents::record(tx, actor, &target, action, channel, intake))?;
    out.print(&o, || {
        if o.duplicate {
            format!("Already recorded for subject {}: nothing added.", o.subject)
        } else {
            format!(
                "Recorded {} for subject {}{} against A{}-v{}.",
                action.as_str(),
                o.subject,
                if o.new_subject { " (new)" } else { "" },
                target.agreement,
                target.version
            )
        }
    });
    Ok(ExitCode::SUCCESS)
}
