//! Documents the operator issues — letters to a data subject or a recipient
//! (later destruction acts and evidence packs) — rendered once to a PDF and
//! a plain text, kept in the vault, and recorded by a `document.issued`
//! event with both hashes, so that a document can be shown again and proven.
//!
//! A document is identified by its `key` (what it is: `R41-ANS-ru` is the
//! answer to request 41 in Russian). Issuing it again rebuilds it with the
//! date and id it was issued with: when the text is the same, the stored
//! document is returned, the same bytes; when the facts changed, a new
//! revision is issued (`R41-ANS-ru/2`). The footer of every page prints the
//! id and the SHA-256 of the plain text.

pub mod act;
pub mod letters;
pub mod inspection;
pub mod pack;
pub mod profile;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::agreements::model::Language;
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::ledger::{self, NewEvent};
use crate::pdf::{self, Block, PdfDoc};

text_enum!(
    /// What a document is.
    #[cfg_attr(feature = "ts", ts(rename = "DocumentKind"))]
    DocKind, "document kind", [
    Acknowledgement = "acknowledgement",
    IdentityRequest = "identity_request",
    Extension = "extension",
    Answer = "answer",
    Refusal = "refusal",
    RectificationNotice = "rectification_notice",
    DestructionNotice = "destruction_notice",
    DestructionAct = "destruction_act",
    LogExtract = "log_extract",
    EvidencePack = "evidence_pack",
    IncidentRkn24h = "incident_rkn_24h",
    IncidentRkn72h = "incident_rkn_72h",
    IncidentGdpr33 = "incident_gdpr_33",
    IncidentSubjects34 = "incident_subjects_34",
    ProcessingPolicy = "processing_policy",
    ProcessingNotice = "processing_notice",
    ProcessingRecords = "processing_records",
    ProcessingNoticeChange = "processing_notice_change",
]);

impl DocKind {
    /// The short code in a document's key.
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Acknowledgement => "ACK",
            DocKind::IdentityRequest => "IDR",
            DocKind::Extension => "EXT",
            DocKind::Answer => "ANS",
            DocKind::Refusal => "REF",
            DocKind::RectificationNotice => "RCN",
            DocKind::DestructionNotice => "DSN",
            DocKind::DestructionAct => "ACT",
            DocKind::LogExtract => "LOG",
            DocKind::EvidencePack => "PCK",
            DocKind::IncidentRkn24h => "RKN24",
            DocKind::IncidentRkn72h => "RKN72",
            DocKind::IncidentGdpr33 => "GDPR33",
            DocKind::IncidentSubjects34 => "ART34",
            DocKind::ProcessingPolicy => "POL",
            DocKind::ProcessingNotice => "NTF",
            DocKind::ProcessingRecords => "ROPA",
            DocKind::ProcessingNoticeChange => "NTFCH",
        }
    }
}

/// A document's content, written once for both forms: PDF blocks and plain text.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    pub blocks: Vec<Block>,
    pub text: String,
}

impl Writer {
    pub fn title(&mut self, s: &str) {
        self.blocks.push(Block::Title(s.to_string()));
        self.text.push_str(s);
        self.text.push_str("\n\n");
    }

    pub fn heading(&mut self, s: &str) {
        self.blocks.push(Block::Heading(s.to_string()));
        self.text.push_str(s);
        self.text.push('\n');
    }

    pub fn para(&mut self, s: &str) {
        if s.trim().is_empty() {
            return;
        }
        self.blocks.push(Block::Paragraph(s.to_string()));
        self.text.push_str(s);
        self.text.push_str("\n\n");
    }

    pub fn bullets(&mut self, items: Vec<String>) {
        if items.is_empty() {
            return;
        }
        for i in &items {
            self.text.push_str("- ");
            self.text.push_str(i);
            self.text.push('\n');
        }
        self.text.push('\n');
        self.blocks.push(Block::Bullets(items));
    }

    pub fn pairs(&mut self, pairs: Vec<(String, String)>) {
        if pairs.is_empty() {
            return;
        }
        for (k, v) in &pairs {
            self.text.push_str(&format!("{k}: {v}\n"));
        }
        self.text.push('\n');
        self.blocks.push(Block::KeyValues(pairs));
    }

    pub fn table(&mut self, headers: Vec<String>, rows: Vec<Vec<String>>, widths: Vec<f32>) {
        self.text.push_str(&headers.join(" | "));
        self.text.push('\n');
        for r in &rows {
            self.text.push_str(&r.join(" | "));
            self.text.push('\n');
        }
        self.text.push('\n');
        self.blocks.push(Block::Table { headers, rows, widths });
    }

    /// A bar chart in the PDF (one bar per series in each group); the plain
    /// text lists the same figures.
    pub fn bars(&mut self, series: Vec<String>, groups: Vec<(String, Vec<u64>)>) {
        if groups.is_empty() {
            return;
        }
        for (label, values) in &groups {
            let parts: Vec<String> = series.iter().zip(values).map(|(s, v)| format!("{s} {v}")).collect();
            self.text.push_str(&format!("{label}: {}\n", parts.join(", ")));
        }
        self.text.push('\n');
        self.blocks.push(Block::Bars { series, groups });
    }

    /// Starts a new page of the PDF (an appendix).
    pub fn page_break(&mut self) {
        self.blocks.push(Block::PageBreak);
        self.text.push('\n');
    }

    pub fn spacer(&mut self, mm: f32) {
        self.blocks.push(Block::Spacer(mm));
    }

    /// A line only in the plain text (e.g. the document's id at the end: the
    /// PDF prints it in every footer).
    pub fn text_only(&mut self, s: &str) {
        self.text.push_str(s);
        self.text.push('\n');
    }
}

/// A document built for one id and date, not yet issued.
#[derive(Debug, Clone)]
pub struct Draft {
    pub title: String,
    /// Printed first in every footer (the organisation's name).
    pub footer_lead: String,
    pub body: Writer,
    /// What the operator should know before sending it (e.g. a statement
    /// the profile does not give yet).
    pub warnings: Vec<Warning>,
}

/// Something a document could not state: a stable code for programs
/// (`profile.<field>`: the documents profile lacks that field) and the
/// message for people.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "DocumentWarning"))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Warning {
    pub code: String,
    pub message: String,
}

impl Warning {
    /// The documents profile lacks `field` (a field of [`profile::Profile`]).
    pub fn profile(field: &str, message: String) -> Self {
        Warning { code: format!("profile.{field}"), message }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What a document is, before it is built.
#[derive(Debug, Clone)]
pub struct Spec {
    pub key: String,
    pub kind: DocKind,
    pub language: Language,
    pub request: Option<u64>,
    /// The incident it is a notice of.
    pub incident: Option<u64>,
    /// The person it names, whose erasure empties it (None for a retained record).
    pub subject: Option<String>,
    /// A retained record's facts (canonical JSON), kept to render it again.
    pub facts: Option<String>,
    /// A retained record's last day of retention (YYYY-MM-DD).
    pub retain_until: Option<String>,
}

/// An issued document.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", ts(rename = "IssuedDocument"))]
pub struct Issued {
    pub id: String,
    pub key: String,
    pub kind: DocKind,
    pub language: Language,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub request: Option<u64>,
    pub issued_at: String,
    pub title: String,
    pub text_sha256: String,
    pub pdf_sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    /// Issued now (false: the same document was issued before and is returned as it was).
    pub new: bool,
    /// Its text and PDF were emptied when the person was erased.
    pub erased: bool,
    /// A retained record's last day of retention.
    pub retain_until: Option<String>,
    pub warnings: Vec<Warning>,
}

/// The id of a document's revision `n` (1 is the key itself).
fn revision_id(key: &str, n: u64) -> String {
    if n <= 1 {
        key.to_string()
    } else {
        format!("{key}/{n}")
    }
}

/// The footer every page prints: who, which document, and the hash of its text.
pub fn footer(lead: &str, id: &str, text_sha256: &str) -> String {
    format!("{lead} · {id} · SHA-256 {text_sha256}")
}

fn render(spec: &Spec, id: &str, issued_at: &DateTime<Utc>, draft: &Draft) -> Result<(Vec<u8>, String)> {
    let text_sha = sha256_hex(draft.body.text.as_bytes());
    let pdf = pdf::render(&PdfDoc {
        title: format!("{} — {id}", draft.title),
        language: spec.language.as_str().into(),
        footer: footer(&draft.footer_lead, id, &text_sha),
        created: *issued_at,
        blocks: draft.body.blocks.clone(),
    })?;
    Ok((pdf, text_sha))
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| Error::Invalid(format!("stored issue time {s:?}: {e}")))
}

/// Issues the document `spec` describes, built by `build(id, issued_at)`:
/// returns the stored one when building it again with its own id and date
/// gives the same text, else stores a new revision with a `document.issued`
/// event (in `tx`).
pub fn issue(
    tx: &Transaction,
    actor: &str,
    spec: &Spec,
    build: impl Fn(&str, &DateTime<Utc>) -> Result<Draft>,
) -> Result<Issued> {
    let latest: Option<(String, String, String, bool, i64)> = tx
        .prepare_cached(
            "SELECT id, issued_at, text_sha256, erased, event_seq FROM documents WHERE key = ?1 ORDER BY event_seq DESC LIMIT 1",
        )?
        .query_row([&spec.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    if let Some((id, at, sha, false, _)) = &latest {
        let draft = build(id, &parse_time(at)?)?;
        if sha256_hex(draft.body.text.as_bytes()) == *sha {
            let mut d = get(tx, id)?;
            d.warnings = draft.warnings;
            return Ok(d);
        }
    }
    let revisions: i64 = tx.query_row("SELECT count(*) FROM documents WHERE key = ?1", [&spec.key], |r| r.get(0))?;
    let id = revision_id(&spec.key, revisions as u64 + 1);
    // Whole seconds: the time printed and stored reads the same everywhere.
    let now = parse_time(&ledger::now_utc())?;
    let issued_at = DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let draft = build(&id, &issued_at)?;
    let (pdf, text_sha) = render(spec, &id, &issued_at, &draft)?;
    let pdf_sha = sha256_hex(&pdf);
    let at = issued_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut body = json!({
        "id": id,
        "key": spec.key,
        "kind": spec.kind.as_str(),
        "language": spec.language.as_str(),
        "request": spec.request,
        "issued_at": at,
        "title": draft.title,
        "text_sha256": text_sha,
        "pdf_sha256": pdf_sha,
    });
    if let Some(i) = spec.incident {
        body["incident"] = json!(i);
    }
    if let Some(f) = &spec.facts {
        body["facts_sha256"] = json!(sha256_hex(f.as_bytes()));
        body["retain_until"] = json!(spec.retain_until);
    }
    let mut ev = NewEvent::new("document.issued", body);
    if let Some(s) = &spec.subject {
        ev = ev.about(s);
    }
    let seq = ledger::append(tx, actor, &[ev])?[0];
    tx.execute(
        "INSERT INTO documents (id, key, kind, language, request_id, subject_id, issued_at, text_sha256, pdf_sha256, text, pdf, event_seq, facts, retain_until, incident_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            id,
            spec.key,
            spec.kind.as_str(),
            spec.language.as_str(),
            spec.request.map(|r| r as i64),
            spec.subject,
            at,
            text_sha,
            pdf_sha,
            draft.body.text,
            pdf,
            seq as i64,
            spec.facts,
            spec.retain_until,
            spec.incident.map(|i| i as i64)
        ],
    )?;
    if let Some(r) = spec.request {
        crate::requests::link(tx, r, seq)?;
    }
    if let Some(i) = spec.incident {
        crate::incidents::link_document(tx, i, seq)?;
    }
    Ok(Issued {
        id,
        key: spec.key.clone(),
        kind: spec.kind,
        language: spec.language,
        request: spec.request,
        issued_at: at,
        title: draft.title,
        text_sha256: text_sha,
        pdf_sha256: pdf_sha,
        seq,
        new: true,
        erased: false,
        retain_until: spec.retain_until.clone(),
        warnings: draft.warnings,
    })
}

const DOC_COLUMNS: &str = "d.id, d.key, d.kind, d.language, d.request_id, d.issued_at, d.text_sha256, d.pdf_sha256, d.event_seq, d.erased,
     coalesce(json_extract(e.body, '$.title'), ''), d.retain_until";

fn issued_row(r: &rusqlite::Row) -> rusqlite::Result<Issued> {
    let conv = |i: usize, e: Error| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e));
    Ok(Issued {
        id: r.get(0)?,
        key: r.get(1)?,
        kind: DocKind::parse(&r.get::<_, String>(2)?).map_err(|e| conv(2, e))?,
        language: Language::parse(&r.get::<_, String>(3)?).map_err(|e| conv(3, e))?,
        request: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        issued_at: r.get(5)?,
        text_sha256: r.get(6)?,
        pdf_sha256: r.get(7)?,
        seq: r.get::<_, i64>(8)? as u64,
        erased: r.get(9)?,
        title: r.get(10)?,
        retain_until: r.get(11)?,
        new: false,
        warnings: vec![],
    })
}

/// The facts a retained document keeps (an act's, a processing register
/// document's snapshot), parsed; None when it keeps none (or they were
/// destroyed).
pub fn stored_facts<T: serde::de::DeserializeOwned>(conn: &Connection, id: &str) -> Result<Option<T>> {
    let facts: Option<String> = conn
        .prepare_cached("SELECT facts FROM documents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no document {id}")))?;
    facts
        .map(|f| serde_json::from_str(&f).map_err(|e| Error::Invalid(format!("the facts of {id} cannot be read ({e}); run verify"))))
        .transpose()
}

/// One issued document's record.
pub fn get(conn: &Connection, id: &str) -> Result<Issued> {
    conn.prepare_cached(&format!("SELECT {DOC_COLUMNS} FROM documents d JOIN events e ON e.seq = d.event_seq WHERE d.id = ?1"))?
        .query_row([id], issued_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no document {id}")))
}

/// The documents issued for a request, oldest first.
pub fn of_request(conn: &Connection, request: u64) -> Result<Vec<Issued>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {DOC_COLUMNS} FROM documents d JOIN events e ON e.seq = d.event_seq WHERE d.request_id = ?1 ORDER BY d.event_seq"
        ))?
        .query_map([request as i64], issued_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The documents issued for an incident, oldest first.
pub fn of_incident(conn: &Connection, incident: u64) -> Result<Vec<Issued>> {
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {DOC_COLUMNS} FROM documents d JOIN events e ON e.seq = d.event_seq WHERE d.incident_id = ?1 ORDER BY d.event_seq"
        ))?
        .query_map([incident as i64], issued_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A document's content as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub pdf: Vec<u8>,
    pub text: String,
}

/// The PDF and text of an issued document, checked against its event's hashes.
pub fn content(conn: &Connection, id: &str) -> Result<Content> {
    let d = get(conn, id)?;
    if d.erased {
        return Err(Error::Erased(format!("document {id}")));
    }
    let (pdf, text): (Vec<u8>, String) =
        conn.query_row("SELECT pdf, text FROM documents WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let ev = ledger::get(conn, d.seq)?;
    let body: serde_json::Value = serde_json::from_str(&ev.body).unwrap_or_default();
    if body["pdf_sha256"].as_str() != Some(sha256_hex(&pdf).as_str()) || body["text_sha256"].as_str() != Some(sha256_hex(text.as_bytes()).as_str()) {
        return Err(Error::Invalid(format!(
            "document {id} no longer matches the hashes its event #{} recorded: the vault was altered; run verify",
            d.seq
        )));
    }
    Ok(Content { pdf, text })
}

/// Empties the documents that name an erased subject (called in the erasure's transaction).
pub(crate) fn erased(tx: &Transaction, subject: &str) -> Result<()> {
    tx.execute(
        "UPDATE documents SET text = '', pdf = x'', erased = 1 WHERE subject_id = ?1 AND erased = 0",
        [subject],
    )?;
    Ok(())
}

/// Fills `{name}` placeholders of a template from `vars`; an unknown
/// placeholder is an error (the templates are data: a typo must not print).
pub fn fill(template: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .ok_or_else(|| Error::Invalid(format!("template {template:?}: an unclosed {{")))?;
        let name = &after[..end];
        let value = vars(name).ok_or_else(|| Error::Invalid(format!("template {template:?}: unknown placeholder {{{name}}}")))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests;
