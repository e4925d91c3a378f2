//! Agreements: the consent texts a business shows in its forms. Created from
//! a template, edited as a draft, checked against the law, published as an
//! immutable version (content hash in an `agreement.published` event),
//! compared across versions, exported (text, HTML snippet, PDF) and retired.
//!
//! Map: [`model`] (what an agreement is), [`templates`] (the data files),
//! [`check`] (compliance rules), [`render`] (document, text and HTML),
//! [`pdf_export`] (the PDF through [`crate::pdf`]); this file stores them.

pub mod check;
pub mod model;
pub mod pdf_export;
pub mod render;
pub mod templates;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ledger::{self, NewEvent};
use crate::organisation::{self, Requisites};
pub use check::{check, Finding, Severity};
pub use model::{
    version_label, Behaviour, Content, DocBlock, Language, Regime, Snapshot, TemplateKind,
};

/// One agreement in the list.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub title: String,
    pub template: TemplateKind,
    pub language: Language,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub translation_of: Option<u64>,
    /// The newest version (a draft or published).
    pub latest_version: u32,
    pub latest_is_draft: bool,
    /// The newest published version, if any.
    pub published_version: Option<u32>,
    pub retired_at: Option<String>,
    pub updated_at: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub version: u32,
    pub label: String,
    pub draft: bool,
    /// SHA-256 of the stored snapshot (published versions).
    pub content_sha256: Option<String>,
    pub published_at: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub published_seq: Option<u64>,
    /// Warnings acknowledged when publishing.
    pub acknowledged: Vec<String>,
    pub updated_at: String,
}

/// One version of an agreement, as stored and as the subject reads it.
#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub id: u64,
    pub template: TemplateKind,
    pub language: Language,
    pub translation_of: Option<u64>,
    /// Agreements that are translations of this one.
    pub translations: Vec<u64>,
    pub retired_at: Option<String>,
    pub retired_seq: Option<u64>,
    pub version: VersionInfo,
    pub content: Content,
    /// The snapshot's requisites (published) or the current ones (draft).
    pub requisites: Requisites,
    pub document: Vec<DocBlock>,
    pub versions: Vec<VersionInfo>,
}

/// What publishing did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: u64,
    pub version: u32,
    pub label: String,
    pub content_sha256: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub op: DiffOp,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Pdf,
    Html,
    Text,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "pdf" => Ok(ExportFormat::Pdf),
            "html" => Ok(ExportFormat::Html),
            "txt" | "text" => Ok(ExportFormat::Text),
            _ => Err(Error::Invalid(format!(
                "unknown export format {s:?}: use pdf, html or txt"
            ))),
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "pdf",
            ExportFormat::Html => "html",
            ExportFormat::Text => "txt",
        }
    }
}

/// An exported version, ready to be written to a file.
#[derive(Debug, Clone)]
pub struct Export {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn canonical<T: Serialize>(v: &T) -> Result<String> {
    ledger::canonical_json(&serde_json::to_value(v).expect("serialisable"))
}

fn corrupt(what: String) -> impl FnOnce(serde_json::Error) -> Error {
    move |e| Error::Tampered(format!("{what} cannot be read: {e}"))
}

struct Head {
    template: TemplateKind,
    language: Language,
    translation_of: Option<u64>,
    retired_at: Option<String>,
    retired_seq: Option<u64>,
}

fn head(conn: &Connection, id: u64) -> Result<Head> {
    let row = conn
        .query_row(
            "SELECT template, language, translation_of, retired_at, retired_seq FROM agreements WHERE id = ?1",
            [id as i64],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("agreement A{id} does not exist")))?;
    Ok(Head {
        template: TemplateKind::parse(&row.0)?,
        language: Language::parse(&row.1)?,
        translation_of: row.2.map(|v| v as u64),
        retired_at: row.3,
        retired_seq: row.4.map(|v| v as u64),
    })
}

struct Row {
    info: VersionInfo,
    content: String,
}

fn version_rows(conn: &Connection, id: u64) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, status, content, content_hash, published_at, published_seq, acknowledged, updated_at
         FROM agreement_versions WHERE agreement_id = ?1 ORDER BY version",
    )?;
    let rows = stmt
        .query_map([id as i64], |r| {
            let version: u32 = r.get(0)?;
            let acknowledged: Option<String> = r.get(6)?;
            Ok(Row {
                info: VersionInfo {
                    version,
                    label: version_label(id, version),
                    draft: r.get::<_, String>(1)? == "draft",
                    content_sha256: r.get(3)?,
                    published_at: r.get(4)?,
                    published_seq: r.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                    acknowledged: acknowledged
                        .and_then(|a| serde_json::from_str(&a).ok())
                        .unwrap_or_default(),
                    updated_at: r.get(7)?,
                },
                content: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if rows.is_empty() {
        return Err(Error::NotFound(format!("agreement A{id} has no versions")));
    }
    Ok(rows)
}

/// Every version of an agreement, oldest first.
pub fn versions(conn: &Connection, id: u64) -> Result<Vec<VersionInfo>> {
    Ok(version_rows(conn, id)?.into_iter().map(|r| r.info).collect())
}

/// The newest published version of agreement `id` (None: nothing published
/// yet), without reading any version's content.
pub fn newest_published(conn: &Connection, id: u64) -> Result<Option<u32>> {
    let (exists, newest): (bool, Option<u32>) = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM agreements WHERE id = ?1),
                    (SELECT max(version) FROM agreement_versions WHERE agreement_id = ?1 AND status = 'published')",
        )?
        .query_row([id as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if !exists {
        return Err(Error::NotFound(format!("no agreement A{id}")));
    }
    Ok(newest)
}

fn draft_content(row: &Row) -> Result<Content> {
    serde_json::from_str(&row.content).map_err(corrupt(format!("draft {}", row.info.label)))
}

fn snapshot(row: &Row) -> Result<Snapshot> {
    serde_json::from_str(&row.content).map_err(corrupt(format!("version {}", row.info.label)))
}

/// The regime a template fixes, if it fixes one.
fn fixed_regime(kind: TemplateKind) -> Option<Regime> {
    match kind {
        TemplateKind::Processing | TemplateKind::Dissemination => Some(Regime::Fz152),
        TemplateKind::Gdpr => Some(Regime::Gdpr),
        TemplateKind::Marketing | TemplateKind::Custom => None,
    }
}

/// Creates an agreement with a draft version 1 from the template; returns its id.
/// A translation names its original, which must be in the other language.
pub fn create(
    tx: &Transaction,
    kind: TemplateKind,
    language: Language,
    title: Option<&str>,
    translation_of: Option<u64>,
) -> Result<u64> {
    crate::operators::require(tx, crate::operators::Need::Owner, "creating an agreement")?;
    let mut content = templates::get(kind, language)?.content.clone();
    if let Some(orig) = translation_of {
        let h = head(tx, orig)?;
        if h.language == language || h.template != kind {
            return Err(Error::Invalid(format!(
                "a translation of A{orig} uses its template ({}) in the other language",
                h.template.as_str()
            )));
        }
        // The same law as the original (marketing and custom texts may be under either).
        content.regime = view(tx, orig, None)?.content.regime;
    }
    if let Some(t) = title {
        content.title = t.to_string();
    }
    let content = content.normalized()?;
    let now = ledger::now_utc();
    tx.execute(
        "INSERT INTO agreements (template, language, translation_of, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![kind.as_str(), language.as_str(), translation_of.map(|v| v as i64), now],
    )?;
    let id = tx.last_insert_rowid() as u64;
    tx.execute(
        "INSERT INTO agreement_versions (agreement_id, version, status, content, updated_at) VALUES (?1, 1, 'draft', ?2, ?3)",
        params![id as i64, canonical(&content)?, now],
    )?;
    Ok(id)
}

/// Saves `content` as the agreement's draft: replaces the draft, or starts a
/// new draft version when the newest one is published. Returns the draft's version.
pub fn save_draft(tx: &Transaction, id: u64, content: Content) -> Result<u32> {
    crate::operators::require(tx, crate::operators::Need::Owner, "changing an agreement")?;
    let h = head(tx, id)?;
    if h.retired_at.is_some() {
        return Err(Error::Invalid(format!(
            "A{id} is retired: it can no longer be changed; create a new agreement"
        )));
    }
    let content = content.normalized()?;
    if content.template != h.template || content.language != h.language {
        return Err(Error::Invalid(format!(
            "A{id} is a {} agreement in {}: its template and language cannot change",
            h.template.as_str(),
            h.language.as_str()
        )));
    }
    if let Some(r) = fixed_regime(h.template) {
        if content.regime != r {
            return Err(Error::Invalid(format!(
                "the {} template is for one law only; start from the template of the other law",
                h.template.as_str()
            )));
        }
    }
    let rows = version_rows(tx, id)?;
    let last = rows.last().expect("at least one version");
    let text = canonical(&content)?;
    let now = ledger::now_utc();
    if last.info.draft {
        tx.execute(
            "UPDATE agreement_versions SET content = ?1, updated_at = ?2 WHERE agreement_id = ?3 AND version = ?4",
            params![text, now, id as i64, last.info.version],
        )?;
        Ok(last.info.version)
    } else {
        let v = last.info.version + 1;
        tx.execute(
            "INSERT INTO agreement_versions (agreement_id, version, status, content, updated_at) VALUES (?1, ?2, 'draft', ?3, ?4)",
            params![id as i64, v, text, now],
        )?;
        Ok(v)
    }
}

/// Publishes the agreement's draft. Refused while the check finds errors, or
/// while a warning is not in `acknowledged`. The version is frozen with the
/// current requisites and its rendered text; its hash goes into the ledger.
pub fn publish(
    tx: &Transaction,
    actor: &str,
    id: u64,
    acknowledged: &[String],
    reader: Language,
) -> Result<Published> {
    crate::operators::require(tx, crate::operators::Need::Owner, "publishing an agreement")?;
    let h = head(tx, id)?;
    if h.retired_at.is_some() {
        return Err(Error::Invalid(format!(
            "A{id} is retired: it cannot be published again"
        )));
    }
    let rows = version_rows(tx, id)?;
    let last = rows.last().expect("at least one version");
    if !last.info.draft {
        return Err(Error::Invalid(format!(
            "{} is already published and cannot change; edit the agreement to start a new draft",
            last.info.label
        )));
    }
    let content = draft_content(last)?;
    let requisites = organisation::get(tx)?;
    let findings = check(&content, &requisites, reader);
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        return Err(Error::Invalid(format!(
            "{} cannot be published: {}",
            last.info.label,
            errors
                .iter()
                .map(|f| format!("{} ({})", f.message, f.rule))
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let mut warnings: Vec<String> = findings.iter().map(|f| f.rule.to_string()).collect();
    warnings.dedup();
    let missing: Vec<&String> = warnings
        .iter()
        .filter(|w| !acknowledged.contains(w))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "{} has warnings to acknowledge before publishing: {}",
            last.info.label,
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let version = last.info.version;
    let snap = Snapshot {
        agreement: id,
        version,
        document: render::document(&content, &requisites),
        content,
        requisites,
    };
    let text = canonical(&snap)?;
    let hash = sha256_hex(&text);
    let label = version_label(id, version);
    let ev = NewEvent::new(
        "agreement.published",
        json!({
            "agreement": id,
            "version": version,
            "label": label,
            "template": h.template.as_str(),
            "language": h.language.as_str(),
            "translation_of": h.translation_of,
            "title": snap.content.title,
            "content_sha256": hash,
            "acknowledged_warnings": warnings,
        }),
    );
    let seq = ledger::append(tx, actor, &[ev])?[0];
    let now = ledger::now_utc();
    tx.execute(
        "UPDATE agreement_versions SET status = 'published', content = ?1, content_hash = ?2,
            acknowledged = ?3, published_at = ?4, published_seq = ?5, updated_at = ?4
         WHERE agreement_id = ?6 AND version = ?7",
        params![
            text,
            hash,
            serde_json::to_string(&warnings).expect("strings"),
            now,
            seq as i64,
            id as i64,
            version
        ],
    )?;
    Ok(Published {
        id,
        version,
        label,
        content_sha256: hash,
        seq,
    })
}

/// Retires an agreement: no new consents may be recorded against it and it
/// cannot change. Records `agreement.retired`; returns its seq.
pub fn retire(tx: &Transaction, actor: &str, id: u64) -> Result<u64> {
    crate::operators::require(tx, crate::operators::Need::Owner, "retiring an agreement")?;
    let h = head(tx, id)?;
    if h.retired_at.is_some() {
        return Err(Error::Invalid(format!("A{id} is already retired")));
    }
    let rows = version_rows(tx, id)?;
    let published: Vec<u32> = rows
        .iter()
        .filter(|r| !r.info.draft)
        .map(|r| r.info.version)
        .collect();
    let ev = NewEvent::new(
        "agreement.retired",
        json!({ "agreement": id, "published_versions": published }),
    );
    let seq = ledger::append(tx, actor, &[ev])?[0];
    tx.execute(
        "UPDATE agreements SET retired_at = ?1, retired_seq = ?2 WHERE id = ?3",
        params![ledger::now_utc(), seq as i64, id as i64],
    )?;
    Ok(seq)
}

/// Every agreement, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Summary>> {
    let ids: Vec<u64> = conn
        .prepare("SELECT id FROM agreements ORDER BY id DESC")?
        .query_map([], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|v| v as u64))
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter()
        .map(|id| {
            let h = head(conn, id)?;
            let rows = version_rows(conn, id)?;
            let last = rows.last().expect("at least one version");
            let title = if last.info.draft {
                draft_content(last)?.title
            } else {
                snapshot(last)?.content.title
            };
            Ok(Summary {
                id,
                title,
                template: h.template,
                language: h.language,
                translation_of: h.translation_of,
                latest_version: last.info.version,
                latest_is_draft: last.info.draft,
                published_version: rows.iter().rev().find(|r| !r.info.draft).map(|r| r.info.version),
                retired_at: h.retired_at,
                updated_at: last.info.updated_at.clone(),
            })
        })
        .collect()
}

/// One version (the newest when `version` is None), rendered.
pub fn view(conn: &Connection, id: u64, version: Option<u32>) -> Result<View> {
    let h = head(conn, id)?;
    let rows = version_rows(conn, id)?;
    let row = match version {
        None => rows.last().expect("at least one version"),
        Some(v) => rows.iter().find(|r| r.info.version == v).ok_or_else(|| {
            Error::NotFound(format!("{} does not exist", version_label(id, v)))
        })?,
    };
    let (content, requisites, document) = if row.info.draft {
        let c = draft_content(row)?;
        let r = organisation::get(conn)?;
        let d = render::document(&c, &r);
        (c, r, d)
    } else {
        let s = snapshot(row)?;
        (s.content, s.requisites, s.document)
    };
    let translations = conn
        .prepare_cached("SELECT id FROM agreements WHERE translation_of = ?1 ORDER BY id")?
        .query_map([id as i64], |r| r.get::<_, i64>(0))?
        .map(|r| r.map(|v| v as u64))
        .collect::<rusqlite::Result<_>>()?;
    Ok(View {
        id,
        template: h.template,
        language: h.language,
        translation_of: h.translation_of,
        translations,
        retired_at: h.retired_at,
        retired_seq: h.retired_seq,
        version: row.info.clone(),
        content,
        requisites,
        document,
        versions: rows.into_iter().map(|r| r.info).collect(),
    })
}

/// What the check says about the agreement's newest version: a draft with
/// today's requisites, a published version with those it was published with.
pub fn check_latest(conn: &Connection, id: u64, reader: Language) -> Result<Vec<Finding>> {
    let v = view(conn, id, None)?;
    Ok(check(&v.content, &v.requisites, reader))
}

/// Line-by-line difference between the texts of two versions.
pub fn diff(conn: &Connection, id: u64, from: u32, to: u32) -> Result<Vec<DiffLine>> {
    let a = render::plain_text(&view(conn, id, Some(from))?.document);
    let b = render::plain_text(&view(conn, id, Some(to))?.document);
    let d = similar::TextDiff::from_lines(&a, &b);
    Ok(d.iter_all_changes()
        .map(|c| DiffLine {
            op: match c.tag() {
                similar::ChangeTag::Equal => DiffOp::Equal,
                similar::ChangeTag::Insert => DiffOp::Insert,
                similar::ChangeTag::Delete => DiffOp::Delete,
            },
            text: c.value().trim_end_matches('\n').to_string(),
        })
        .collect())
}

/// Exports a published version (the newest published when `version` is None).
pub fn export(
    conn: &Connection,
    id: u64,
    version: Option<u32>,
    format: ExportFormat,
) -> Result<Export> {
    let rows = version_rows(conn, id)?;
    let row = match version {
        None => rows.iter().rev().find(|r| !r.info.draft).ok_or_else(|| {
            Error::Invalid(format!("A{id} has no published version yet: publish it first"))
        })?,
        Some(v) => rows.iter().find(|r| r.info.version == v).ok_or_else(|| {
            Error::NotFound(format!("{} does not exist", version_label(id, v)))
        })?,
    };
    if row.info.draft {
        return Err(Error::Invalid(format!(
            "{} is a draft: only published versions are exported",
            row.info.label
        )));
    }
    let snap = snapshot(row)?;
    // The hash that counts is the one in the ledger, not the row's own column.
    let seq = row.info.published_seq.unwrap_or_default();
    let recorded = ledger::get(conn, seq)
        .ok()
        .filter(|e| e.kind == "agreement.published")
        .and_then(|e| published_event(seq, &e.body))
        .filter(|(key, _)| *key == (id, row.info.version))
        .map(|(_, e)| e.sha256);
    let hash = sha256_hex(&row.content);
    if recorded.as_deref() != Some(hash.as_str()) {
        return Err(Error::Tampered(format!(
            "{} was altered after publishing: its content no longer matches its hash; run verify",
            row.info.label
        )));
    }
    let bytes = match format {
        ExportFormat::Text => render::export_text(&snap, &hash).into_bytes(),
        ExportFormat::Html => render::export_html(&snap, &hash).into_bytes(),
        ExportFormat::Pdf => pdf_export::render(
            &snap,
            &hash,
            row.info.published_at.as_deref().unwrap_or_default(),
        )?,
    };
    Ok(Export {
        file_name: format!("{}.{}", row.info.label, format.extension()),
        bytes,
    })
}

/// What the ledger says about one published version.
struct PublishedEvent {
    seq: u64,
    sha256: String,
    acknowledged: serde_json::Value,
}

fn published_event(seq: u64, body: &str) -> Option<((u64, u32), PublishedEvent)> {
    let b: serde_json::Value = serde_json::from_str(body).ok()?;
    let key = (b["agreement"].as_u64()?, u32::try_from(b["version"].as_u64()?).ok()?);
    Some((
        key,
        PublishedEvent {
            seq,
            sha256: b["content_sha256"].as_str()?.to_string(),
            acknowledged: b["acknowledged_warnings"].clone(),
        },
    ))
}

/// For verify: the agreements as stored must be exactly what the ledger's
/// `agreement.*` events (seq, kind, canonical body) say. Each published event
/// has its version row, whose content still hashes to the event's hash and
/// whose acknowledged warnings are the event's; no row is published without
/// its own event; retirement rows and `agreement.retired` events match.
/// Returns the lowest seq that does not match and what is wrong.
pub fn first_mismatch(
    conn: &Connection,
    events: &[(u64, String, String)],
) -> Result<Option<(Option<u64>, String)>> {
    let mut problems: Vec<(Option<u64>, String)> = Vec::new();
    let mut published = std::collections::BTreeMap::new();
    let mut retired = std::collections::BTreeMap::new();
    for (seq, kind, body) in events {
        match kind.as_str() {
            "agreement.published" => match published_event(*seq, body) {
                Some((key, e)) => {
                    if published.insert(key, e).is_some() {
                        problems.push((Some(*seq), format!(
                            "event #{seq} publishes {} a second time", version_label(key.0, key.1))));
                    }
                }
                None => problems.push((Some(*seq), format!("event #{seq} does not name an agreement version"))),
            },
            "agreement.retired" => {
                let id = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|b| b["agreement"].as_u64());
                match id {
                    Some(id) => {
                        retired.insert(id, *seq);
                    }
                    None => problems.push((Some(*seq), format!("event #{seq} does not name an agreement"))),
                }
            }
            _ => {}
        }
    }

    let mut stmt = conn.prepare(
        "SELECT agreement_id, version, content, content_hash, published_seq, acknowledged
         FROM agreement_versions WHERE status = 'published'",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let key = (r.get::<_, i64>(0)? as u64, r.get::<_, u32>(1)?);
        let label = version_label(key.0, key.1);
        let content: String = r.get(2)?;
        let hash: String = r.get(3)?;
        let pseq = r.get::<_, i64>(4)? as u64;
        let acknowledged: serde_json::Value = r
            .get::<_, Option<String>>(5)?
            .and_then(|a| serde_json::from_str(&a).ok())
            .unwrap_or_default();
        match published.remove(&key) {
            None => problems.push((Some(pseq), format!(
                "agreement version {label} is marked published by event #{pseq}, but no event published it"))),
            Some(e) if e.seq != pseq || e.sha256 != hash || sha256_hex(&content) != e.sha256 => {
                problems.push((Some(e.seq), format!(
                    "agreement version {label} was changed after it was published: its text no longer matches the hash recorded by event #{}", e.seq)))
            }
            Some(e) if e.acknowledged != acknowledged => problems.push((Some(e.seq), format!(
                "the warnings acknowledged for {label} were changed after event #{} recorded them", e.seq))),
            Some(_) => {}
        }
    }
    for (key, e) in published {
        problems.push((Some(e.seq), format!(
            "agreement version {} published by event #{} is missing from the vault",
            version_label(key.0, key.1), e.seq)));
    }

    let mut stmt = conn.prepare("SELECT id, retired_seq FROM agreements WHERE retired_at IS NOT NULL OR retired_seq IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id = r.get::<_, i64>(0)? as u64;
        let rseq = r.get::<_, Option<i64>>(1)?.map(|v| v as u64);
        match retired.remove(&id) {
            Some(seq) if Some(seq) == rseq => {}
            Some(seq) => problems.push((Some(seq), format!("the retirement of A{id} does not match event #{seq}"))),
            None => problems.push((rseq, format!(
                "A{id} is marked retired, but no event retired it"))),
        }
    }
    for (id, seq) in retired {
        problems.push((Some(seq), format!("A{id} was retired by event #{seq}, but the vault shows it active")));
    }
    // Lowest seq first; a failure without one comes last.
    Ok(problems.into_iter().min_by_key(|p| (p.0.is_none(), p.0)))
}
