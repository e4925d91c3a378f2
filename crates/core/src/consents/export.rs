//! Exports a filtered part of the register: CSV for spreadsheets (values
//! that a spreadsheet would run as a formula are neutralised) and JSON
//! consent records after ISO/IEC TS 27560 (as described in the W3C DPV
//! "consent-27560" guide: record, subject, status, time, notice, controller).

use std::io::Write;

use rusqlite::Connection;
use serde_json::json;

use super::{get, list, next_cursor, Filter};
use crate::error::{Error, Result};

/// Rows read per page while exporting.
const PAGE: u32 = 1000;

/// A value a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading apostrophe, so it stays text (OWASP).
pub fn neutralise(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}").into()
    } else {
        v.into()
    }
}

/// People whose processing is restricted (blocked): an export leaves their
/// consents out unless they are included with a recorded reason
/// ([`include_restricted`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restricted {
    LeaveOut,
    Include,
}

fn restricted_people(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare("SELECT subject_id FROM restrictions")?;
    let mut out = std::collections::HashSet::new();
    for r in stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()? {
        // Every subject of the person (merged into the restricted one) counts.
        out.extend(super::same_person(conn, &r)?);
    }
    Ok(out)
}

/// How many consents of restricted people `filter` matches (what an export leaves out).
pub fn restricted_count(conn: &Connection, filter: &Filter) -> Result<u64> {
    let people = restricted_people(conn)?;
    if people.is_empty() {
        return Ok(0);
    }
    let mut cursor = None;
    let mut n = 0;
    loop {
        let page = list(conn, filter, cursor.as_ref(), PAGE)?;
        n += page.iter().filter(|e| people.contains(&e.subject)).count() as u64;
        cursor = next_cursor(&page, PAGE);
        if cursor.is_none() {
            return Ok(n);
        }
    }
}

/// Records that an export includes restricted people's consents, and why
/// (event `export.restricted_included`, no personal data).
pub fn include_restricted(tx: &rusqlite::Transaction, actor: &str, reason: &str, count: u64) -> Result<u64> {
    if reason.trim().is_empty() {
        return Err(Error::Invalid(
            "say why restricted people are included in the export (their processing is blocked)".into(),
        ));
    }
    Ok(crate::ledger::append(
        tx,
        actor,
        &[crate::ledger::NewEvent::new("export.restricted_included", json!({ "reason": reason.trim(), "consents": count }))],
    )?[0])
}

fn each(conn: &Connection, filter: &Filter, restricted: Restricted, mut f: impl FnMut(super::Detail) -> Result<()>) -> Result<u64> {
    let people = match restricted {
        Restricted::LeaveOut => restricted_people(conn)?,
        Restricted::Include => Default::default(),
    };
    let mut cursor = None;
    let mut n = 0;
    loop {
        let page = list(conn, filter, cursor.as_ref(), PAGE)?;
        for e in &page {
            if people.contains(&e.subject) {
                continue;
            }
            f(get(conn, e.id)?)?;
            n += 1;
        }
        cursor = next_cursor(&page, PAGE);
        if cursor.is_none() {
            return Ok(n);
        }
    }
}

fn io(e: impl Into<std::io::Error>) -> Error {
    Error::io("writing the export", e.into())
}

/// CSV, `;`-separated, UTF-8 with a BOM (as Excel expects); returns the rows written.
pub fn csv(conn: &Connection, filter: &Filter, restricted: Restricted, out: impl Write) -> Result<u64> {
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(out);
    w.write_field("\u{feff}id").map_err(io)?;
    w.write_record([
        "acted_at", "acted_at_original", "recorded_at", "action", "agreement", "agreement_sha256",
        "channel", "subject", "name", "email", "phone", "ip", "url", "user_agent", "ledger_seq",
        "matches_ledger",
    ])
    .map_err(io)?;
    let n = each(conn, filter, restricted, |d| {
        let s = |k: &str| d.data[k].as_str().unwrap_or_default().to_string();
        let e = &d.entry;
        let row = [
            e.id.to_string(),
            e.acted_at.clone(),
            e.acted_at_original.clone().unwrap_or_default(),
            e.recorded_at.clone(),
            e.action.as_str().to_string(),
            e.label.clone(),
            d.content_sha256.clone().unwrap_or_default(),
            e.channel.as_str().to_string(),
            e.subject.clone(),
            s("name"),
            s("email"),
            s("phone"),
            s("ip"),
            s("url"),
            s("user_agent"),
            e.seq.to_string(),
            match d.matches_ledger {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "erased".into(),
            },
        ];
        w.write_record(row.iter().map(|v| neutralise(v).into_owned()))
            .map_err(io)
    })?;
    w.flush().map_err(io)?;
    Ok(n)
}

/// JSON array of consent records; returns the records written.
pub fn iso27560(
    conn: &Connection,
    filter: &Filter,
    restricted: Restricted,
    controller: &crate::organisation::Requisites,
    mut out: impl Write,
) -> Result<u64> {
    out.write_all(b"[\n").map_err(io)?;
    let mut first = true;
    let n = each(conn, filter, restricted, |d| {
        let e = &d.entry;
        let record = json!({
            "schema": "ISO/IEC TS 27560:2023 consent record (Consent Ledger profile)",
            "record_id": format!("consent-{}", e.id),
            "data_subject": { "id": e.subject, "name": d.data.get("name"), "email": d.data.get("email"), "phone": d.data.get("phone") },
            "controller": { "name": controller.full_name, "inn": controller.inn, "address": controller.legal_address, "contact": controller.withdrawal_email },
            "status": e.action.as_str(),
            "status_timestamp": e.acted_at,
            "timestamp_as_given": e.acted_at_original,
            "recorded_at": e.recorded_at,
            "notice": { "id": e.label, "sha256": d.content_sha256 },
            "collection": { "channel": e.channel.as_str(), "url": d.data.get("url"), "ip": d.data.get("ip"), "user_agent": d.data.get("user_agent") },
            "evidence": { "ledger_seq": e.seq, "matches_ledger": d.matches_ledger },
        });
        if !first {
            out.write_all(b",\n").map_err(io)?;
        }
        first = false;
        serde_json::to_writer(&mut out, &record).map_err(io)
    })?;
    out.write_all(b"\n]\n").map_err(io)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_like_values_are_neutralised_and_others_kept() {
        for (v, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+7 916", "'+7 916"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Иван", "Иван"),
            ("a=b", "a=b"),
        ] {
            assert_eq!(super::neutralise(v), want);
        }
    }
}
