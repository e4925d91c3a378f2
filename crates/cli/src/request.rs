//! `consent-ledger request …`, `calendar …` and `suppression export`: data
//! subjects' requests from intake to fulfilment, the production calendar
//! their deadlines count on, and the list of people never to contact again.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use consent_ledger_core::calendar::Calendar;
use consent_ledger_core::requests::{
    self, access, fulfil, rules, settings, Channel, Cursor, Filter, IdentityCheck, IdentityMethod, Item, Kind, Law,
    NewRequest, Status,
};
use consent_ledger_core::files::write_atomic;
use consent_ledger_core::{Error, Result, Vault};
use serde_json::json;

use crate::args::{CalendarAction, RequestAction, SuppressionAction};
use crate::commands::Out;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn read(p: &Path) -> Result<Vec<u8>> {
    std::fs::read(p).map_err(|e| Error::io(format!("reading {}", p.display()), e))
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into())
}

/// One line of the list.
fn line(i: &Item) -> String {
    let when = if i.status.is_open() {
        if i.overdue {
            format!("OVERDUE by {} day(s)", -i.days_left)
        } else {
            format!("{} day(s) left", i.days_left)
        }
    } else {
        format!("closed {}", i.closed_on.as_deref().unwrap_or("-"))
    };
    let mark = match i.due_basis.as_str() {
        "decreed" => "",
        "provisional" => " (provisional calendar)",
        _ => " (calendar year missing)",
    };
    format!(
        "{:<7} {:<13} {:<7} {:<14} received {}  due {}{}  {}{}  {}\n",
        i.id,
        i.kind.as_str(),
        i.law.as_str(),
        i.status.as_str(),
        i.received,
        i.due,
        mark,
        when,
        if i.extended_on.is_some() { " [extended]" } else { "" },
        i.name.as_deref().unwrap_or(if i.found { "" } else { "(not in the register)" }),
    )
}

pub fn run(vault: &mut Vault, action: RequestAction, out: Out) -> Result<ExitCode> {
    let today = today();
    match action {
        RequestAction::New {
            kind,
            law,
            received,
            channel,
            subject,
            name,
            email,
            phone,
            representative,
            text,
            attach,
            not_in_register,
        } => {
            let req = NewRequest {
                kind: Kind::parse(&kind)?,
                law: law.as_deref().map(Law::parse).transpose()?,
                channel: Channel::parse(&channel)?,
                received,
                subject,
                name,
                email,
                phone,
                representative,
                text,
                not_in_register,
                searches: vec![],
            };
            // Read the file before anything is stored: a missing file stores nothing.
            let file = attach.as_ref().map(|p| Ok::<_, Error>((file_name(p), read(p)?))).transpose()?;
            let opened = requests::open(vault, req, today)?;
            let id = opened.request.id;
            let attached = match file {
                Some((n, bytes)) => Some(requests::attach(vault, id, "request", &n, &bytes)?),
                None => None,
            };
            out.print(&opened, || {
                let r = &opened.request;
                let mut s = format!("Request {id} ({}, {}) taken in: received {}, status {}.\n", r.kind.as_str(), r.law.label(), r.received, r.status.as_str());
                s.push_str(&format!("Due: {}", r.due));
                if let (Some(a), Some(b)) = (&r.due_152fz, &r.due_gdpr) {
                    s.push_str(&format!(" (152-FZ {a}, GDPR {b}: the earlier governs)"));
                }
                s.push('\n');
                if !opened.uncertain_years.is_empty() {
                    s.push_str(&format!(
                        "! The count crosses calendar year(s) {:?} that are provisional or missing: load the decree (calendar load FILE).\n",
                        opened.uncertain_years
                    ));
                }
                if opened.weekends_only && r.due_gdpr.is_some() {
                    s.push_str("Note: no GDPR country is set, so the GDPR date rolls past weekends only (calendar country XX).\n");
                }
                if !r.found {
                    s.push_str("The requester is not in the register (searches recorded with the request).\n");
                }
                if let Some(d) = r.duplicate_of {
                    s.push_str(&format!("! Possible duplicate of open request {d} (same person, same kind).\n"));
                }
                if let Some(f) = attached {
                    s.push_str(&format!("File attached (event #{f}).\n"));
                }
                s
            });
        }
        RequestAction::List { open, status, kind, subject, limit, after } => {
            let filter = Filter {
                open,
                status: status.as_deref().map(Status::parse).transpose()?,
                kind: kind.as_deref().map(Kind::parse).transpose()?,
                subject,
            };
            let cursor = after
                .map(|a| {
                    a.split_once(',')
                        .and_then(|(d, id)| Some(Cursor { due: d.to_string(), id: id.parse().ok()? }))
                        .ok_or_else(|| Error::Invalid(format!("--after {a:?}: use the DUE,ID printed as next")))
                })
                .transpose()?;
            let page = requests::list(vault.conn(), &filter, cursor.as_ref(), limit, today)?;
            let next = requests::next_cursor(&page, limit);
            out.print(&json!({ "requests": page, "next": next }), || {
                let mut s: String = page.iter().map(line).collect();
                if page.is_empty() {
                    s.push_str("No requests match.\n");
                }
                if let Some(n) = &next {
                    s.push_str(&format!("… more: --after {},{}\n", n.due, n.id));
                }
                s
            });
        }
        RequestAction::Show { id } => {
            let d = requests::get(vault.conn(), id, today)?;
            vault.audit_person(&d.request.subject, consent_ledger_core::audit::What::RequestPage)?;
            out.print(&d, || {
                let mut s = line(&d.request);
                for src in &d.sources {
                    let law = if src.en.starts_with(&src.law) { String::new() } else { format!("{}: ", src.law) };
                    s.push_str(&format!("  deadline: {law}{} ({})\n", src.en, src.confidence));
                }
                if let Some(t) = d.data["text"].as_str() {
                    s.push_str(&format!("  text: {t}\n"));
                }
                for h in &d.history {
                    s.push_str(&format!("  #{:<6} {}  {:<26} {}\n", h.seq, &h.recorded_at[..19.min(h.recorded_at.len())], h.kind, h.body));
                }
                for f in &d.files {
                    s.push_str(&format!("  file {} ({}, {} bytes) sha256 {}\n", f.name, f.purpose, f.size, f.sha256));
                }
                for f in &d.followups {
                    s.push_str(&format!(
                        "  follow-on: {} by {} ({}){}\n",
                        f.kind,
                        f.due,
                        f.source,
                        if f.done_seq.is_some() { " — done" } else { "" }
                    ));
                }
                s
            });
        }
        RequestAction::Identity { id, method, failed, details, evidence } => {
            let file = evidence.as_ref().map(|p| Ok::<_, Error>((file_name(p), read(p)?))).transpose()?;
            let method = IdentityMethod::parse(&method)?;
            if let Some((n, bytes)) = file {
                requests::attach(vault, id, "identity", &n, &bytes)?;
            }
            let seq = requests::identity(vault, id, IdentityCheck { method, passed: !failed, details })?;
            let item = requests::get_item(vault.conn(), id, today)?;
            out.print(&item, || format!("Identity check recorded (event #{seq}): request {id} is now {}.", item.status.as_str()));
        }
        RequestAction::Extend { id, reason, notice_sent } => {
            requests::extend(vault, id, &reason, &notice_sent, today)?;
            let item = requests::get_item(vault.conn(), id, today)?;
            out.print(&item, || format!("Request {id} extended: the new deadline is {}.", item.due));
        }
        RequestAction::Fulfil { id, agreements, unlawful, legal_hold, name, email, phone, address, fields, note, out: dir } => {
            let f = fulfil::Fulfilment {
                corrections: fulfil::Corrections { name, email, phone, address, fields: fields.into_iter().collect() },
                agreements,
                unlawful,
                legal_hold,
                note,
            };
            let subject = requests::get_item(vault.conn(), id, today)?.subject;
            let done = fulfil::fulfil(vault, id, f, today)?;
            let written = match dir {
                Some(d) if done.answer_sha256.is_some() => Some(export(vault, &subject, id, &d, today)?),
                _ => None,
            };
            out.print(&done, || {
                let mut s = format!("Request {id} fulfilled: {} (event #{}).\n", done.outcome, done.seq);
                if done.consents_withdrawn > 0 {
                    s.push_str(&format!("{} consent(s) withdrawn; the person is on the suppression list.\n", done.consents_withdrawn));
                }
                if !done.erased.is_empty() {
                    s.push_str(&format!("Erased {} subject(s), {} record(s) destroyed.\n", done.erased.len(), done.records_destroyed));
                    if let Some(a) = &done.act {
                        s.push_str(&format!("Destruction act {a} issued with its log extract (`act show {a} --out act.pdf`).\n"));
                    }
                }
                for f in &done.followups {
                    s.push_str(&format!("Follow-on deadline: {} by {} ({}).\n", f.kind, f.due, f.source));
                }
                if !done.notify.is_empty() {
                    s.push_str(&format!("Tell the recipients (GDPR Art. 19): {}\n", done.notify.join("; ")));
                }
                if let Some(h) = &done.answer_sha256 {
                    s.push_str(&format!("Answer SHA-256: {h}\n"));
                }
                if let Some(w) = &written {
                    s.push_str(&format!("Written: {}\n", w.join(", ")));
                }
                s
            });
        }
        RequestAction::Refuse { id, reason, text } => {
            let seq = requests::refuse(vault, id, &reason, &text, today)?;
            out.print(&json!({ "id": id, "status": "refused", "seq": seq }), || format!("Request {id} refused (event #{seq})."));
        }
        RequestAction::Cancel { id, note } => {
            let seq = requests::cancel(vault, id, note.as_deref(), today)?;
            out.print(&json!({ "id": id, "status": "cancelled", "seq": seq }), || format!("Request {id} cancelled (event #{seq})."));
        }
        RequestAction::Export { id, out: dir } => {
            let subject = requests::get_item(vault.conn(), id, today)?.subject;
            let files = export(vault, &subject, id, &dir, today)?;
            vault.audit_export(consent_ledger_core::audit::What::AccessAnswer, files.len() as u64, json!({ "request": id }))?;
            out.print(&json!({ "id": id, "files": files }), || format!("Written: {}", files.join(", ")));
        }
        RequestAction::Reasons => {
            let r = rules::Rules::of_vault(vault.conn())?;
            out.print(&r.refusal_reasons, || {
                r.refusal_reasons
                    .iter()
                    .map(|x| format!("{:<24} {} [{}; {}]\n", x.code, x.en, x.ground, x.confidence))
                    .collect()
            });
        }
        RequestAction::Rules { export, load, reset } => rules_command(vault, export, load, reset, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn period_text(p: &consent_ledger_core::calendar::Period) -> String {
    use consent_ledger_core::calendar::Period;
    match p {
        Period::WorkingDays(0) | Period::CalendarDays(0) | Period::Months(0) => "at once".into(),
        Period::WorkingDays(n) => format!("{n} working days"),
        Period::CalendarDays(n) => format!("{n} days"),
        Period::Months(n) => format!("{n} month(s)"),
    }
}

fn rules_command(vault: &mut Vault, export: Option<PathBuf>, load: Option<PathBuf>, reset: bool, out: Out) -> Result<()> {
    if let Some(file) = load {
        let text = crate::commands::read_text(&file)?;
        let seq = vault.with_tx(|tx, actor| settings::set_rules(tx, actor, Some(&text)))?;
        let info = settings::rules_info(vault.conn())?;
        out.print(&json!({ "own": true, "sha256": info.sha256, "seq": seq }), || match seq {
            Some(s) => format!("The vault's own request rules are in force (SHA-256 {}), event #{s}; open requests' deadlines recomputed.", info.sha256),
            None => "These rules are already in force: nothing changed.".into(),
        });
        return Ok(());
    }
    if reset {
        let seq = vault.with_tx(|tx, actor| settings::set_rules(tx, actor, None))?;
        out.print(&json!({ "own": false, "seq": seq }), || match seq {
            Some(s) => format!("The shipped request rules are in force again, event #{s}; open requests' deadlines recomputed."),
            None => "The shipped request rules are already in force: nothing changed.".into(),
        });
        return Ok(());
    }
    let info = settings::rules_info(vault.conn())?;
    if let Some(file) = export {
        write_atomic(&file, info.text.as_bytes())?;
        out.print(&json!({ "file": file.display().to_string(), "sha256": info.sha256 }), || {
            format!("The rules in force written to {}. Edit it, then `request rules --load {}`.", file.display(), file.display())
        });
        return Ok(());
    }
    out.print(&info, || {
        let mut s = match info.event_seq {
            Some(seq) => format!("The vault's own request rules (loaded by event #{seq}), SHA-256 {}\n", info.sha256),
            None => format!("The request rules shipped with the program, SHA-256 {}\n", info.sha256),
        };
        for r in &info.deadlines {
            s.push_str(&format!(
                "{:<7} {:<14} {:<16} {:<18} [{}] {}\n",
                r.law,
                r.kind.as_str(),
                period_text(&r.period),
                r.extension.as_ref().map(|e| format!("+{}", period_text(e))).unwrap_or_else(|| "no extension".into()),
                r.confidence,
                r.source
            ));
        }
        s
    });
    Ok(())
}

/// Writes access.json and access.csv for the person into `dir` (created if needed).
fn export(vault: &Vault, subject: &str, id: u64, dir: &PathBuf, today: NaiveDate) -> Result<Vec<String>> {
    let facts = access::gather(vault.conn(), subject, Some(id), today)?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    Ok(access::write_files(&facts, &dir.join("access.json"))?.iter().map(|p| p.display().to_string()).collect())
}

pub fn calendar(vault: &mut Vault, action: CalendarAction, out: Out) -> Result<ExitCode> {
    match action {
        CalendarAction::Show { year, region } => {
            let cal = rules::calendar_of(vault.conn())?;
            let region = region.to_ascii_uppercase();
            let Some(sum) = cal.summary(&region, year) else {
                return Err(Error::NotFound(format!(
                    "no calendar for {region} {year}: deadlines over it count Monday–Friday and are marked as such; load the decree with `calendar load FILE`"
                )));
            };
            out.print(&sum, || {
                let v = serde_json::to_value(&sum).unwrap_or_default();
                let days = |k: &str| {
                    v[k].as_array()
                        .map(|a| a.iter().filter_map(|d| d.as_str()).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default()
                };
                format!(
                    "{region} {year}: {} ({})\nworking days: {}, days off: {}\nweekday days off: {}\nworking weekend days: {}",
                    v["status"].as_str().unwrap_or(""),
                    v["source"].as_str().unwrap_or(""),
                    v["working_day_count"],
                    v["day_off_count"],
                    days("days_off"),
                    match days("working_weekend_days") { d if d.is_empty() => "none".into(), d => d },
                )
            });
        }
        CalendarAction::Load { file } => {
            let text = crate::commands::read_text(&file)?;
            let loaded = vault.with_tx(|tx, actor| settings::load_calendar(tx, actor, &text))?;
            out.print(&loaded, || {
                loaded
                    .iter()
                    .map(|y| format!("Loaded {} {} ({}), event #{}; open requests' deadlines recomputed.\n", y.region, y.year, y.status, y.seq))
                    .collect()
            });
        }
        CalendarAction::Country { code, clear } => {
            if code.is_none() && !clear {
                let c = rules::country_of(vault.conn())?;
                out.print(&json!({ "country": c }), || match &c {
                    Some(c) => format!("GDPR deadlines roll past the public holidays of {c}."),
                    None => "No GDPR country is set: GDPR deadlines roll past weekends only.".into(),
                });
                return Ok(ExitCode::SUCCESS);
            }
            let code = if clear { None } else { code };
            let known = code.as_deref().map(|c| Calendar::builtin().years().iter().any(|y| y.region.eq_ignore_ascii_case(c)));
            vault.with_tx(|tx, actor| settings::set_country(tx, actor, code.as_deref()))?;
            out.print(&json!({ "country": code }), || match (&code, known) {
                (Some(c), Some(false)) => format!("GDPR country set to {c}; no holidays of {c} are shipped: load them with `calendar load FILE`, until then weekends only."),
                (Some(c), _) => format!("GDPR country set to {c}."),
                (None, _) => "GDPR country cleared: weekends only.".into(),
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn suppression(vault: &mut Vault, action: SuppressionAction, out: Out) -> Result<ExitCode> {
    match action {
        SuppressionAction::Export { out: path, plain } => {
            let (n, bytes) = fulfil::suppression_csv(vault.conn(), plain)?;
            vault.audit_export(consent_ledger_core::audit::What::SuppressionList, n as u64, json!({ "plain": plain }))?;
            match &path {
                Some(p) => {
                    write_atomic(p, &bytes)?;
                    out.print(&json!({ "entries": n, "file": p.display().to_string() }), || {
                        format!("{n} entr(ies) written to {}.", p.display())
                    });
                }
                None if out.json => out.print(&fulfil::suppression_list(vault.conn(), plain)?, String::new),
                None => print!("{}", String::from_utf8_lossy(&bytes)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
