//! `consent-ledger incident …`: the incident register (record, edit, count
//! the people affected, draft and record the notices, close) and its rules.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use consent_ledger_core::agreements::model::Language;
use consent_ledger_core::consents::Channel;
use consent_ledger_core::files::write_atomic;
use consent_ledger_core::incidents::{self, notices, Affected, AffectedFilter, Clock, ClockState, Details, Incident, Notice, Risk};
use consent_ledger_core::requests::Law;
use consent_ledger_core::{Error, Result, Vault};
use serde_json::json;

use crate::args::{AffectedArgs, IncidentAction, IncidentFields};
use crate::commands::Out;

/// A time as typed: RFC 3339, `YYYY-MM-DD HH:MM[:SS]` in this computer's
/// time zone, or `now`; as RFC 3339 for the core.
pub(crate) fn moment(s: &str, now: DateTime<Utc>) -> Result<String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now.to_rfc3339());
    }
    if DateTime::parse_from_rfc3339(s).is_ok() {
        return Ok(s.to_string());
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Local
                .from_local_datetime(&t)
                .earliest()
                .map(|t| t.to_rfc3339())
                .ok_or_else(|| Error::Invalid(format!("{s:?} does not exist in this computer's time zone")));
        }
    }
    Err(Error::Invalid(format!(
        "{s:?} is not a time: use 2026-12-03T14:30:00+03:00, \"2026-12-03 14:30\" (this computer's time zone) or now"
    )))
}

fn notice(s: &str) -> Result<Notice> {
    Notice::parse(s)
}

/// Applies the options given to `d`.
fn apply(mut d: Details, f: IncidentFields, now: DateTime<Utc>) -> Result<Details> {
    let text = |v: Option<String>| v.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
    if let Some(t) = f.title {
        d.title = t;
    }
    if let Some(t) = f.detected {
        d.detected_at = moment(&t, now)?;
    }
    if let Some(t) = f.occurred {
        d.occurred_at = if t.trim().is_empty() { None } else { Some(moment(&t, now)?) };
    }
    if let Some(s) = f.summary {
        d.summary = s;
    }
    if !f.categories.is_empty() {
        d.data_categories = f.categories;
    }
    if let Some(b) = f.special {
        d.special_categories = b;
    }
    if let Some(b) = f.biometric {
        d.biometric = b;
    }
    if let Some(n) = f.subjects {
        d.subjects = n;
    }
    if let Some(n) = f.records {
        d.records = n;
    }
    for (slot, v) in [
        (&mut d.detected_by, f.detected_by),
        (&mut d.causes, f.causes),
        (&mut d.harm, f.harm),
        (&mut d.measures, f.measures),
        (&mut d.contact, f.contact),
        (&mut d.investigation, f.investigation),
        (&mut d.culprits, f.culprits),
        (&mut d.advice, f.advice),
        (&mut d.delay_reason, f.delay_reason),
    ] {
        if let Some(v) = text(v) {
            *slot = v;
        }
    }
    if let Some(l) = f.law {
        d.law = Law::parse(&l)?;
    }
    if let Some(r) = f.risk {
        d.risk = Risk::parse(&r)?;
    }
    Ok(d)
}

fn filter(q: AffectedArgs) -> Result<AffectedFilter> {
    Ok(AffectedFilter {
        agreement: q.agreement,
        version: q.version,
        channel: q.channel.as_deref().map(Channel::parse).transpose()?,
        from: q.from,
        to: q.to,
    })
}

/// "in 5 h 20 min", "OVERDUE by 2 h 5 min".
fn left(due: &str, now: DateTime<Utc>) -> String {
    let Ok(due) = DateTime::parse_from_rfc3339(due) else { return String::new() };
    let mins = (due.with_timezone(&Utc) - now).num_minutes();
    let span = |m: i64| if m >= 60 { format!("{} h {} min", m / 60, m % 60) } else { format!("{m} min") };
    if mins < 0 { format!("OVERDUE by {}", span(-mins)) } else { format!("in {}", span(mins)) }
}

fn clock_line(c: &Clock, now: DateTime<Utc>) -> String {
    let what = match c.state {
        ClockState::Pending => match c.due_at.as_deref() {
            Some(d) => format!("due {d} ({})", left(d, now)),
            None => "due without undue delay".into(),
        },
        ClockState::Overdue => format!("due {} ({})", c.due_at.as_deref().unwrap_or("-"), c.due_at.as_deref().map(|d| left(d, now)).unwrap_or_default()),
        ClockState::Sent => format!("sent {}", c.sent_at.as_deref().unwrap_or("-")),
        ClockState::Late => format!("sent LATE {} (due {})", c.sent_at.as_deref().unwrap_or("-"), c.due_at.as_deref().unwrap_or("-")),
        ClockState::NotRequired => "not required".into(),
    };
    format!("  {:<12} {:<13} {what}   [{}] {}\n", c.notice.as_str(), c.state.as_str(), c.confidence, c.source)
}

fn show_text(i: &Incident, now: DateTime<Utc>) -> String {
    let d = &i.details;
    let mut s = format!("Incident {} ({}): {}\n", i.id, i.status.as_str(), d.title);
    let mut row = |k: &str, v: &str| {
        if !v.trim().is_empty() {
            s.push_str(&format!("  {k:<16} {v}\n"));
        }
    };
    row("detected", &d.detected_at);
    row("happened", d.occurred_at.as_deref().unwrap_or("unknown"));
    row("law", d.law.as_str());
    row("risk", d.risk.as_str());
    row("what happened", &d.summary);
    let mut cats = d.data_categories.join("; ");
    if d.special_categories {
        cats.push_str(" [special categories]");
    }
    if d.biometric {
        cats.push_str(" [biometric]");
    }
    row("data", &cats);
    row("people/records", &format!("{} / {}", d.subjects, d.records));
    if let Some(a) = &d.affected {
        row("register count", &format!("{} people ({})", a.count, a.counted_at));
    }
    for (k, v) in [
        ("detected by", &d.detected_by),
        ("causes", &d.causes),
        ("harm", &d.harm),
        ("measures", &d.measures),
        ("authorised", &d.contact),
        ("investigation", &d.investigation),
        ("caused by", &d.culprits),
        ("advice", &d.advice),
        ("delay reason", &d.delay_reason),
    ] {
        row(k, v.as_deref().unwrap_or(""));
    }
    s.push_str("Notices:\n");
    for c in &i.clocks {
        s.push_str(&clock_line(c, now));
    }
    if let Some(f) = &i.fine {
        s.push_str("Fine bracket (Code of Administrative Offences art. 13.11, legal entities):\n");
        if f.parts.is_empty() {
            s.push_str("  none of its parts applies on these figures\n");
        }
        for p in &f.parts {
            s.push_str(&format!("  part {:<3} {}–{} RUB  {} [{}]\n", p.part, p.min, p.max, p.offence, p.confidence));
        }
        s.push_str(&format!("  Note: {}\n", f.note));
    }
    if !i.documents.is_empty() {
        s.push_str("Drafts issued:\n");
        for doc in &i.documents {
            s.push_str(&format!("  {:<22} {}  {}\n", doc.id, doc.issued_at, doc.title));
        }
    }
    s.push_str("History:\n");
    for e in &i.history {
        s.push_str(&format!("  #{:<7} {}  {}  {}\n", e.seq, e.recorded_at, e.kind, e.actor));
    }
    s
}

pub fn run(vault: &mut Vault, action: IncidentAction, out: Out) -> Result<ExitCode> {
    let now = Utc::now();
    match action {
        IncidentAction::New { fields } => {
            let d = Details { law: incidents::default_law(vault.conn())?, ..Default::default() };
            let d = apply(d, fields, now)?;
            let id = incidents::record(vault, d, now)?;
            let i = incidents::get(vault.conn(), id, now)?;
            out.print(&i, || format!("Recorded incident {id}.\n{}", show_text(&i, now)));
        }
        IncidentAction::List => {
            let items = incidents::list(vault.conn(), now)?;
            out.print(&items, || {
                if items.is_empty() {
                    return "No incidents recorded.".into();
                }
                let mut s = String::new();
                for i in &items {
                    s.push_str(&format!(
                        "{:<7} {:<6} detected {}  {} people / {} records{}  {}\n",
                        i.id,
                        i.status.as_str(),
                        i.detected_at,
                        i.subjects,
                        i.records,
                        i.fine_part.as_deref().map(|p| format!("  art. 13.11 part {p}")).unwrap_or_default(),
                        i.title
                    ));
                    for c in i.clocks.iter().filter(|c| c.state != ClockState::NotRequired) {
                        s.push_str(&clock_line(c, now));
                    }
                }
                s
            });
        }
        IncidentAction::Show { id } => {
            let i = incidents::get(vault.conn(), id, now)?;
            out.print(&i, || show_text(&i, now));
        }
        IncidentAction::Edit { id, fields } => {
            let before = incidents::get(vault.conn(), id, now)?.details;
            let d = apply(before, fields, now)?;
            let seq = incidents::edit(vault, id, d, now)?;
            let i = incidents::get(vault.conn(), id, now)?;
            out.print(&json!({ "seq": seq, "incident": i }), || match seq {
                Some(s) => format!("Incident {id} changed, event #{s}.\n{}", show_text(&i, now)),
                None => format!("Incident {id}: nothing changed."),
            });
        }
        IncidentAction::Affected { id, query, dry_run } => {
            let f = filter(query)?;
            let count = incidents::count_affected(vault.conn(), &f)?;
            let mut seq = None;
            if !dry_run {
                let mut d = incidents::get(vault.conn(), id, now)?.details;
                d.affected = Some(Affected { filter: f.clone(), count, counted_at: String::new() });
                d.subjects = count;
                seq = incidents::edit(vault, id, d, now)?;
            }
            out.print(&json!({ "count": count, "filter": f, "seq": seq }), || {
                if dry_run {
                    format!("{count} people in the register match.")
                } else {
                    format!("{count} people in the register match; recorded as incident {id}'s number of people{}.", seq.map(|s| format!(", event #{s}")).unwrap_or_default())
                }
            });
        }
        IncidentAction::Notice { id, notice: n, lang, out: file, text } => {
            let n = notice(&n)?;
            let lang = match lang {
                Some(l) => Language::parse(&l)?,
                None if matches!(n, Notice::Rkn24h | Notice::Rkn72h) => Language::Ru,
                None => Language::En,
            };
            let d = notices::issue(vault, id, n, lang)?;
            crate::document::show(vault, &d, file.as_deref(), text, out, true)?;
        }
        IncidentAction::Sent { id, notice: n, at, reference } => {
            let n = notice(&n)?;
            let seq = incidents::notified(vault, id, n, &moment(&at, now)?, &reference, now)?;
            let i = incidents::get(vault.conn(), id, now)?;
            let c = i.clocks.iter().find(|c| c.notice == n).cloned();
            out.print(&json!({ "seq": seq, "clock": c }), || {
                format!(
                    "Recorded: {} of incident {id} sent, event #{seq}{}.",
                    n.as_str(),
                    if c.is_some_and(|c| c.state == ClockState::Late) { " (LATE)" } else { "" }
                )
            });
        }
        IncidentAction::Close { id } => {
            let seq = incidents::close(vault, id, now)?;
            out.print(&json!({ "seq": seq }), || format!("Incident {id} closed, event #{seq}: its record is final."));
        }
        IncidentAction::Rules { export, load, reset } => rules(vault, export, load, reset, out)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn rules(vault: &mut Vault, export: Option<PathBuf>, load: Option<PathBuf>, reset: bool, out: Out) -> Result<()> {
    if load.is_some() || reset {
        let text = load.as_ref().map(crate::commands::read_text).transpose()?;
        let seq = vault.with_tx(|tx, actor| incidents::set_rules(tx, actor, text.as_deref()))?;
        out.print(&json!({ "own": text.is_some(), "seq": seq }), || match (seq, text.is_some()) {
            (Some(s), true) => format!("The vault's own incident rules are in force, event #{s}."),
            (Some(s), false) => format!("The shipped incident rules are in force again, event #{s}."),
            (None, _) => "These rules are already in force: nothing changed.".into(),
        });
        return Ok(());
    }
    let info = incidents::rules::info(vault.conn())?;
    let r = info.rules.clone();
    if let Some(file) = export {
        write_atomic(&file, info.text.as_bytes())?;
        out.print(&json!({ "file": file.display().to_string() }), || {
            format!("The incident rules in force written to {}. Edit it, then `incident rules --load {}`.", file.display(), file.display())
        });
        return Ok(());
    }
    out.print(&r, || {
        let mut s = String::from("Notice clocks (from detection):\n");
        for c in &r.clocks {
            s.push_str(&format!(
                "  {:<12} {:<7} {:<10} {:<16} [{}] {}\n",
                c.notice.as_str(),
                c.law,
                c.hours.map(|h| format!("{h} h")).unwrap_or_else(|| "no fixed hour".into()),
                c.applies,
                c.confidence,
                c.source
            ));
        }
        s.push_str("Fines, art. 13.11 (legal entities, RUB):\n");
        for p in &r.fines.parts {
            s.push_str(&format!("  part {:<3} {:>10}–{:<10} {} [{}]\n", p.part, p.min, p.max, p.offence, p.confidence));
        }
        s.push_str(&format!("{}\n", r.fines.about));
        s
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_typed() {
        let now = Utc::now();
        assert_eq!(moment("2026-12-03T14:30:00+03:00", now).unwrap(), "2026-12-03T14:30:00+03:00");
        assert_eq!(moment("now", now).unwrap(), now.to_rfc3339());
        let local = moment("2026-12-03 14:30", now).unwrap();
        assert!(DateTime::parse_from_rfc3339(&local).is_ok(), "{local}");
        assert!(local.starts_with("2026-12-03T14:30:00"), "{local}");
        let e = moment("вчера", now).unwrap_err();
        assert!(e.to_string().contains("is not a time"), "{e}");
    }
}
