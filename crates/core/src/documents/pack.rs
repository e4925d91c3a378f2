//! Evidence packs: one ZIP an inspector can check without this program
//! (docs/FORMAT.md §15). A person pack holds every consent, refusal and
//! withdrawal of a person with its agreement version's exact text, their
//! requests and handling, and every ledger event these rest on; the pack's
//! own `document.issued` event records the SHA-256 of its PDF and JSON, and
//! a checkpoint signed right after it makes every event — that one included
//! — provable by an inclusion proof.
//!
//! Files: `pack.pdf`, `pack.json` (schema `consent-ledger/pack/1`),
//! `issued.json` (the pack's event), `proofs.json`, `checkpoint.txt`,
//! `verifier-key.txt`, `README.txt`. [`verify`] checks them all.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Cursor, Read, Write};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{DocKind, Draft, Spec, Writer};
use crate::agreements::model::{Language, Snapshot};
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::requests::access;
use crate::vault::Vault;

pub const SCHEMA: &str = "consent-ledger/pack/1";

const RU: &str = include_str!("../../templates/packs/ru.json");
const EN: &str = include_str!("../../templates/packs/en.json");

/// A ledger event as the pack carries it: enough to recompute its leaf hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackEvent {
    pub seq: u64,
    pub recorded_at: String,
    pub actor: String,
    pub kind: String,
    pub subject: Option<String>,
    /// The event's body, exactly as hashed (canonical JSON text).
    pub body: String,
    /// Its leaf hash (hex).
    pub leaf_hash: String,
}

/// A published agreement version's stored snapshot, exactly as its
/// `agreement.published` event hashed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackText {
    pub label: String,
    pub content_sha256: String,
    pub published_seq: u64,
    /// The snapshot (canonical JSON text): its SHA-256 is `content_sha256`.
    pub snapshot: String,
}

/// What `pack.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackFacts {
    pub schema: String,
    pub kind: String,
    pub id: String,
    pub vault_id: String,
    pub language: String,
    pub made_at: String,
    /// A person pack: the person (access answer model, `consent-ledger/access/1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<serde_json::Value>,
    /// An agreement pack: the agreement and each version's facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<serde_json::Value>,
    /// An inspection pack: the register, requests and destruction summarised
    /// (kept as its JSON text: at a million consents it is tens of MB as a tree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection: Option<Box<serde_json::value::RawValue>>,
    /// The checkpoint every event is proven against (`checkpoint.txt`),
    /// signed before the pack was written, so that its PDF can print it.
    pub checkpoint: Anchor,
    pub texts: Vec<PackText>,
    pub events: Vec<PackEvent>,
}

/// A signed checkpoint's size and root, as the pack names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub tree_size: u64,
    /// Hex.
    pub root: String,
    /// The vault's verifier key.
    pub verifier_key: String,
}

/// `proofs.json`: the checkpoint every proof is against, and one proof per event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Proofs {
    pub tree_size: u64,
    pub root: String,
    /// seq → audit path (hex), RFC 9162 inclusion proof of leaf seq - 1.
    pub proofs: BTreeMap<u64, Vec<String>>,
}

/// `issued.json`: the pack's own `document.issued` event, recorded after
/// `checkpoint.txt` was signed, proven against a second checkpoint signed
/// right after it, which extends the first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedEvent {
    pub event: PackEvent,
    /// The signed note of the checkpoint made after the event.
    pub checkpoint: String,
    /// RFC 9162 inclusion proof of the event in that checkpoint's tree (hex).
    pub inclusion: Vec<String>,
    /// RFC 9162 consistency proof from `checkpoint.txt`'s tree to that one (hex).
    pub consistency: Vec<String>,
}

fn event_of(conn: &Connection, seq: u64) -> Result<PackEvent> {
    let e = crate::ledger::get(conn, seq)?;
    Ok(PackEvent {
        seq: e.seq,
        recorded_at: e.recorded_at,
        actor: e.actor,
        kind: e.kind,
        subject: e.subject,
        body: e.body,
        leaf_hash: hex::encode(e.leaf_hash),
    })
}

/// The events a person's facts rest on: their consents, data records,
/// merges and erasure, their requests' steps, and the publication of each
/// agreement version they acted on.
fn person_events(conn: &Connection, subjects: &[String], texts: &[PackText]) -> Result<Vec<u64>> {
    let mut seqs: BTreeSet<u64> = BTreeSet::new();
    for s in subjects {
        for sql in [
            "SELECT id FROM consents WHERE subject_id = ?1",
            "SELECT event_seq FROM subject_data WHERE subject_id = ?1",
            "SELECT event_seq FROM subject_merges WHERE absorbed = ?1 OR into_id = ?1",
            "SELECT e.seq FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.subject_id = ?1",
        ] {
            let mut stmt = conn.prepare_cached(sql)?;
            for seq in stmt.query_map([s], |r| r.get::<_, i64>(0))? {
                seqs.insert(seq? as u64);
            }
        }
    }
    // An erasure: its event (read by scanning the log, as only an erased person needs it).
    for s in subjects {
        let erased: Option<String> = conn.query_row("SELECT erased_at FROM subjects WHERE id = ?1", [s], |r| r.get(0))?;
        if erased.is_some() {
            let mut stmt = conn.prepare_cached("SELECT seq FROM events WHERE kind = 'subject.erased' AND subject = ?1")?;
            for seq in stmt.query_map([s], |r| r.get::<_, i64>(0))? {
                seqs.insert(seq? as u64);
            }
        }
    }
    seqs.extend(texts.iter().map(|t| t.published_seq));
    Ok(seqs.into_iter().collect())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Labels {
    pub(super) language: String,
    pub(super) person_title: String,
    pub(super) agreement_title: String,
    pub(super) agreement_intro: String,
    pub(super) versions_heading: String,
    pub(super) diff_heading: String,
    pub(super) col_published: String,
    pub(super) col_given: String,
    pub(super) col_refused: String,
    pub(super) col_withdrawn: String,
    pub(super) col_warnings: String,
    pub(super) intro: String,
    pub(super) made: String,
    pub(super) person_heading: String,
    pub(super) erased: String,
    pub(super) consents_heading: String,
    pub(super) requests_heading: String,
    pub(super) events_heading: String,
    pub(super) texts_heading: String,
    pub(super) none: String,
    pub(super) col_time: String,
    pub(super) col_action: String,
    pub(super) col_agreement: String,
    pub(super) col_channel: String,
    pub(super) col_source: String,
    pub(super) col_event: String,
    pub(super) col_kind: String,
    pub(super) col_received: String,
    pub(super) col_status: String,
    pub(super) col_due: String,
    pub(super) col_seq: String,
    pub(super) col_hash: String,
    pub(super) names: String,
    pub(super) emails: String,
    pub(super) phones: String,
    pub(super) subjects: String,
    pub(super) text_hash: String,
    pub(super) anchor_heading: String,
    pub(super) anchor: String,
    pub(super) inspection: super::inspection::InspectionLabels,
}

pub(super) fn labels(lang: Language) -> Result<Labels> {
    let l: Labels = serde_json::from_str(if lang == Language::Ru { RU } else { EN })
        .map_err(|e| Error::Invalid(format!("the pack templates are not valid: {e}")))?;
    if l.language != lang.as_str() {
        return Err(Error::Invalid("the pack templates name another language".into()));
    }
    Ok(l)
}

/// A made pack: the ZIP's bytes and the document it was recorded as.
#[derive(Debug, Clone)]
pub struct Made {
    pub zip: Vec<u8>,
    pub id: String,
    pub events: usize,
    pub pages: usize,
}

/// Each published version's stored snapshot, as a pack carries it.
pub(super) fn text_of(conn: &Connection, agreement: u64, version: u32) -> Result<PackText> {
    let (snapshot, hash, seq): (String, String, i64) = conn.query_row(
        "SELECT content, content_hash, published_seq FROM agreement_versions WHERE agreement_id = ?1 AND version = ?2 AND status = 'published'",
        rusqlite::params![agreement as i64, version],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(PackText { label: crate::agreements::version_label(agreement, version), content_sha256: hash, published_seq: seq as u64, snapshot })
}

/// Reads the events, cancellably.
pub(super) fn read_events(conn: &Connection, seqs: &[u64], progress: &mut impl FnMut(u64, u64) -> bool) -> Result<Vec<PackEvent>> {
    let total = seqs.len() as u64;
    let mut events = Vec::with_capacity(seqs.len());
    for (i, s) in seqs.iter().enumerate() {
        events.push(event_of(conn, *s)?);
        if i % 256 == 0 && !progress(i as u64, total) {
            return Err(Error::Cancelled);
        }
    }
    Ok(events)
}

/// How a kind of pack lays out its PDF.
pub(super) type Render<'a> = Box<dyn Fn(&Connection, &Labels, &PackFacts, NaiveDate) -> Result<Writer> + 'a>;
/// Fills a label's placeholders (and extra ones).
pub(super) type Fill<'a> = dyn Fn(&str, &[(&str, String)]) -> Result<String> + 'a;

/// What a kind of pack puts in: its key, whom it names, its facts, and how its PDF reads.
pub(super) struct Contents<'a> {
    pub(super) kind: &'static str,
    pub(super) title: String,
    pub(super) key: String,
    pub(super) subject: Option<String>,
    pub(super) person: Option<serde_json::Value>,
    pub(super) agreement: Option<serde_json::Value>,
    pub(super) inspection: Option<Box<serde_json::value::RawValue>>,
    pub(super) texts: Vec<PackText>,
    pub(super) events: Vec<PackEvent>,
    pub(super) render: Render<'a>,
}

/// Records a pack: signs a checkpoint (`checkpoint.txt`, which the PDF
/// names), records the pack as `document.issued` (kind `evidence_pack`),
/// signs a second checkpoint over that event and writes the ZIP.
pub(super) fn make(vault: &mut Vault, lang: Language, c: Contents) -> Result<Made> {
    let vault_id = vault.vault_id().to_string();
    let spec = Spec {
        incident: None,
        key: c.key.clone(),
        kind: DocKind::EvidencePack,
        language: lang,
        request: None,
        subject: c.subject.clone(),
        facts: None,
        retain_until: None,
    };
    let l = labels(lang)?;
    let cp = vault.checkpoint()?;
    let anchor = Anchor {
        tree_size: cp.tree_size,
        root: hex::encode(cp.root),
        verifier_key: crate::checkpoint::verifier_key(vault.vault_id(), &vault.public_key()),
    };
    let issued = vault.with_tx_as(crate::operators::Need::Read, |tx, actor| {
        let build = |id: &str, at: &DateTime<Utc>| -> Result<Draft> {
            let pack = PackFacts {
                schema: SCHEMA.into(),
                kind: c.kind.into(),
                id: id.to_string(),
                vault_id: vault_id.clone(),
                language: lang.as_str().into(),
                made_at: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                person: c.person.clone(),
                agreement: c.agreement.clone(),
                inspection: c.inspection.clone(),
                checkpoint: anchor.clone(),
                texts: c.texts.clone(),
                events: c.events.clone(),
            };
            let json = serde_json::to_string_pretty(&pack).map_err(|e| Error::Invalid(e.to_string()))? + "\n";
            let mut w = (c.render)(tx, &l, &pack, at.date_naive())?;
            // The pack's "plain text" is its JSON: the event's text_sha256 is the JSON's hash.
            w.text = json;
            let org = crate::organisation::get(tx)?;
            Ok(Draft {
                title: c.title.clone(),
                footer_lead: if org.short_name.is_empty() { org.full_name } else { org.short_name },
                body: w,
                warnings: vec![],
            })
        };
        super::issue(tx, actor, &spec, build)
    })?;
    // The pack's own event, under a checkpoint signed now that extends the first.
    let after = vault.checkpoint()?;
    let conn = vault.conn();
    let content = super::content(conn, &issued.id)?;
    let hexes = |v: Vec<crate::merkle::Hash>| v.iter().map(hex::encode).collect::<Vec<_>>();
    let mut proofs = BTreeMap::new();
    for e in &c.events {
        proofs.insert(e.seq, hexes(crate::ledger::inclusion_proof(conn, e.seq, cp.tree_size)?));
    }
    let proofs = Proofs { tree_size: cp.tree_size, root: anchor.root.clone(), proofs };
    let issued_event = IssuedEvent {
        event: event_of(conn, issued.seq)?,
        checkpoint: after.note.clone(),
        inclusion: hexes(crate::ledger::inclusion_proof(conn, issued.seq, after.tree_size)?),
        consistency: hexes(crate::ledger::consistency_proof(conn, cp.tree_size, after.tree_size)?),
    };
    let pages = crate::pdf::page_count(&content.pdf);
    let zip = write_zip(&[
        ("README.txt", readme(lang, &issued.id, cp.tree_size, &anchor.root).into_bytes()),
        ("pack.pdf", content.pdf),
        ("pack.json", content.text.into_bytes()),
        ("issued.json", pretty(&issued_event)?),
        ("proofs.json", pretty(&proofs)?),
        ("checkpoint.txt", cp.note.into_bytes()),
        ("verifier-key.txt", format!("{}\n", anchor.verifier_key).into_bytes()),
    ])?;
    Ok(Made { zip, id: issued.id, events: c.events.len(), pages })
}

/// Makes the evidence pack of the person `subject` belongs to: records it
/// (`document.issued`, kind `evidence_pack`), signs a checkpoint over it,
/// and returns the ZIP. `progress(done, total)` returning false cancels
/// (nothing is recorded before the events are read).
pub fn person(vault: &mut Vault, subject: &str, lang: Language, mut progress: impl FnMut(u64, u64) -> bool) -> Result<Made> {
    let today = Utc::now().date_naive();
    let conn = vault.conn();
    let root = crate::consents::current_subject(conn, subject)?;
    let facts = access::gather(conn, &root, None, today)?;
    let texts = facts
        .agreements
        .iter()
        .map(|a| {
            let (id, version) = parse_label(&a.label)?;
            text_of(conn, id, version)
        })
        .collect::<Result<Vec<_>>>()?;
    let seqs = person_events(conn, &facts.person.subjects, &texts)?;
    let events = read_events(conn, &seqs, &mut progress)?;
    let person_json = serde_json::to_value(&facts).map_err(|e| Error::Invalid(e.to_string()))?;
    make(
        vault,
        lang,
        Contents {
            kind: "person",
            title: labels(lang)?.person_title,
            key: format!("P-{root}-{}", lang.as_str()),
            subject: Some(root.clone()),
            person: Some(person_json),
            agreement: None,
            inspection: None,
            texts,
            events,
            render: Box::new(move |conn, l, pack, day| render_person(conn, l, pack, &facts, lang, day)),
        },
    )
}

/// One version in an agreement pack.
#[derive(Debug, Clone, Serialize)]
pub struct PackVersion {
    pub label: String,
    pub version: u32,
    pub published_at: Option<String>,
    pub published_seq: Option<u64>,
    pub content_sha256: Option<String>,
    /// Warnings of the compliance check acknowledged when publishing.
    pub acknowledged: Vec<String>,
    /// Register rows by action (given, refused, withdrawn, expired).
    pub consents: BTreeMap<String, u64>,
    /// The changes from the version before (published ones only).
    pub diff: Vec<crate::agreements::DiffLine>,
}

/// Makes the evidence pack of agreement `id`: every published version with
/// its text, publication event, acknowledged warnings, the diff from the
/// version before and how many consents it gathered.
pub fn agreement(vault: &mut Vault, id: u64, lang: Language, mut progress: impl FnMut(u64, u64) -> bool) -> Result<Made> {
    let conn = vault.conn();
    let view = crate::agreements::view(conn, id, None)?;
    let published: Vec<crate::agreements::VersionInfo> = crate::agreements::versions(conn, id)?.into_iter().filter(|v| !v.draft).collect();
    if published.is_empty() {
        return Err(Error::Invalid(format!("A{id} has no published version: nothing to prove yet")));
    }
    let mut versions = vec![];
    let mut texts = vec![];
    let mut seqs: Vec<u64> = vec![];
    let mut previous: Option<u32> = None;
    for v in &published {
        let mut consents = BTreeMap::new();
        let mut stmt = conn.prepare_cached("SELECT action, count(*) FROM consents WHERE agreement_id = ?1 AND version = ?2 GROUP BY action")?;
        for row in stmt.query_map(rusqlite::params![id as i64, v.version], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (a, n) = row?;
            consents.insert(a, n as u64);
        }
        let diff = match previous {
            Some(p) => crate::agreements::diff(conn, id, p, v.version)?.into_iter().filter(|d| d.op != crate::agreements::DiffOp::Equal).collect(),
            None => vec![],
        };
        texts.push(text_of(conn, id, v.version)?);
        seqs.extend(v.published_seq);
        versions.push(PackVersion {
            label: v.label.clone(),
            version: v.version,
            published_at: v.published_at.clone(),
            published_seq: v.published_seq,
            content_sha256: v.content_sha256.clone(),
            acknowledged: v.acknowledged.clone(),
            consents,
            diff,
        });
        previous = Some(v.version);
    }
    seqs.extend(view.retired_seq);
    seqs.sort_unstable();
    let events = read_events(conn, &seqs, &mut progress)?;
    let agreement_json = serde_json::json!({
        "id": id,
        "title": view.content.title,
        "template": view.template,
        "language": view.language,
        "translation_of": view.translation_of,
        "retired_at": view.retired_at,
        "versions": versions,
    });
    make(
        vault,
        lang,
        Contents {
            kind: "agreement",
            title: super::fill(&labels(lang)?.agreement_title, &|k| match k {
                "agreement" => Some(format!("A{id}")),
                "title" => Some(view.content.title.clone()),
                _ => None,
            })?,
            key: format!("P-A{id}-{}", lang.as_str()),
            subject: None,
            person: None,
            agreement: Some(agreement_json),
            inspection: None,
            texts,
            events,
            render: Box::new(move |conn, l, pack, day| render_agreement(conn, l, pack, &versions, day)),
        },
    )
}

fn pretty<T: Serialize>(v: &T) -> Result<Vec<u8>> {
    Ok((serde_json::to_string_pretty(v).map_err(|e| Error::Invalid(e.to_string()))? + "\n").into_bytes())
}

pub(super) fn parse_label(label: &str) -> Result<(u64, u32)> {
    let bad = || Error::Invalid(format!("{label:?} is not a version label"));
    let (a, v) = label.strip_prefix('A').and_then(|r| r.split_once("-v")).ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, v.parse().map_err(|_| bad())?))
}

fn readme(lang: Language, id: &str, size: u64, root: &str) -> String {
    match lang {
        Language::Ru => format!(
            "Пакет доказательств {id} (Consent Ledger)\n\n\
             pack.pdf — сведения для чтения; pack.json — те же сведения для проверки (схема {SCHEMA}, docs/FORMAT.md §15);\n\
             issued.json — событие журнала, которым записан этот пакет (SHA-256 файлов pack.pdf и pack.json);\n\
             proofs.json — доказательства включения каждого события в журнал; checkpoint.txt — подписанная контрольная точка\n\
             (размер журнала {size}, корень {root}); verifier-key.txt — ключ проверки подписи хранилища.\n\n\
             Проверка без хранилища: consent-ledger pack verify ФАЙЛ.zip --verifier-key КЛЮЧ\n\
             или python3 tools/verify_pack.py ФАЙЛ.zip --verifier-key КЛЮЧ (сравните ключ с полученным от оператора отдельно).\n"
        ),
        Language::En => format!(
            "Evidence pack {id} (Consent Ledger)\n\n\
             pack.pdf: the facts to read; pack.json: the same facts to check (schema {SCHEMA}, docs/FORMAT.md §15);\n\
             issued.json: the log event that recorded this pack (the SHA-256 of pack.pdf and pack.json);\n\
             proofs.json: each event's proof of inclusion in the log; checkpoint.txt: the signed checkpoint\n\
             (log size {size}, root {root}); verifier-key.txt: the key that checks the vault's signature.\n\n\
             To check without the vault: consent-ledger pack verify FILE.zip --verifier-key KEY\n\
             or python3 tools/verify_pack.py FILE.zip --verifier-key KEY (compare the key with the one the operator gave you separately).\n"
        ),
    }
}

/// A ZIP with fixed times and order: the same files give the same bytes.
fn write_zip(files: &[(&str, Vec<u8>)]) -> Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (name, bytes) in files {
        w.start_file(*name, opts).map_err(|e| Error::Invalid(format!("writing the pack: {e}")))?;
        w.write_all(bytes).map_err(|e| Error::Invalid(format!("writing the pack: {e}")))?;
    }
    Ok(w.finish().map_err(|e| Error::Invalid(format!("writing the pack: {e}")))?.into_inner())
}

fn render_person(
    conn: &Connection,
    l: &Labels,
    pack: &PackFacts,
    f: &access::Facts,
    lang: Language,
    today: NaiveDate,
) -> Result<Writer> {
    let names = super::letters::names(lang)?;
    let org = crate::organisation::get(conn)?;
    let fill = |s: &str, extra: &[(&str, String)]| {
        super::fill(s, &|k| match k {
            "org_name" => Some(org.full_name.clone()),
            "doc_id" => Some(pack.id.clone()),
            "date" => Some(today.to_string()),
            other => extra.iter().find(|(n, _)| *n == other).map(|(_, v)| v.clone()),
        })
    };
    let mut w = Writer::default();
    w.title(&l.person_title);
    w.para(&fill(&l.intro, &[])?);
    w.para(&fill(&l.made, &[])?);
    anchor(&mut w, l, pack, &fill)?;
    w.heading(&l.person_heading);
    if f.person.erased {
        w.para(&l.erased);
    }
    let join = |v: &[String]| if v.is_empty() { "—".to_string() } else { v.join("; ") };
    w.pairs(vec![
        (l.names.clone(), join(&f.person.names)),
        (l.emails.clone(), join(&f.person.emails)),
        (l.phones.clone(), join(&f.person.phones)),
        (l.subjects.clone(), f.person.subjects.join(", ")),
    ]);
    w.heading(&l.consents_heading);
    if f.consents.is_empty() {
        w.para(&l.none);
    } else {
        let rows = f
            .consents
            .iter()
            .map(|c| {
                let mut src = c.ip.clone().unwrap_or_default();
                if let Some(u) = &c.url {
                    src = if src.is_empty() { u.clone() } else { format!("{src}, {u}") };
                }
                vec![c.acted_at.clone(), names.action(&c.action), c.agreement.clone(), names.channel(&c.channel), src, format!("№ {}", c.id)]
            })
            .collect();
        w.table(
            vec![l.col_time.clone(), l.col_action.clone(), l.col_agreement.clone(), l.col_channel.clone(), l.col_source.clone(), l.col_event.clone()],
            rows,
            vec![1.5, 0.9, 0.9, 1.0, 2.0, 0.8],
        );
    }
    w.heading(&l.requests_heading);
    if f.requests.is_empty() {
        w.para(&l.none);
    } else {
        let rows = f
            .requests
            .iter()
            .map(|q| vec![format!("№ {}", q.id), names.kind(&q.kind), q.received.clone(), names.status(&q.status), q.due.clone()])
            .collect();
        w.table(
            vec![l.col_seq.clone(), l.col_kind.clone(), l.col_received.clone(), l.col_status.clone(), l.col_due.clone()],
            rows,
            vec![0.6, 2.5, 1.0, 1.0, 1.0],
        );
    }
    w.heading(&l.events_heading);
    let rows = pack
        .events
        .iter()
        .map(|e| vec![e.seq.to_string(), e.recorded_at.clone(), e.kind.clone(), e.leaf_hash.clone()])
        .collect();
    w.table(vec![l.col_seq.clone(), l.col_time.clone(), l.col_kind.clone(), l.col_hash.clone()], rows, vec![0.6, 1.6, 1.4, 2.6]);
    texts_appendix(&mut w, l, pack, &fill)?;
    Ok(w)
}

fn render_agreement(conn: &Connection, l: &Labels, pack: &PackFacts, versions: &[PackVersion], today: NaiveDate) -> Result<Writer> {
    let org = crate::organisation::get(conn)?;
    let a = pack.agreement.clone().unwrap_or_default();
    let fill = |s: &str, extra: &[(&str, String)]| {
        super::fill(s, &|k| match k {
            "org_name" => Some(org.full_name.clone()),
            "doc_id" => Some(pack.id.clone()),
            "date" => Some(today.to_string()),
            "title" => Some(a["title"].as_str().unwrap_or_default().to_string()),
            "agreement" => Some(format!("A{}", a["id"])),
            other => extra.iter().find(|(n, _)| *n == other).map(|(_, v)| v.clone()),
        })
    };
    let mut w = Writer::default();
    w.title(&fill(&l.agreement_title, &[])?);
    w.para(&fill(&l.agreement_intro, &[])?);
    w.para(&fill(&l.made, &[])?);
    anchor(&mut w, l, pack, &fill)?;
    w.heading(&l.versions_heading);
    let count = |v: &PackVersion, k: &str| v.consents.get(k).copied().unwrap_or(0).to_string();
    w.table(
        vec![
            l.col_agreement.clone(),
            l.col_published.clone(),
            l.col_event.clone(),
            l.col_given.clone(),
            l.col_refused.clone(),
            l.col_withdrawn.clone(),
            l.col_warnings.clone(),
        ],
        versions
            .iter()
            .map(|v| {
                vec![
                    v.label.clone(),
                    v.published_at.clone().unwrap_or_default(),
                    v.published_seq.map(|s| format!("№ {s}")).unwrap_or_default(),
                    count(v, "given"),
                    count(v, "refused"),
                    count(v, "withdrawn"),
                    if v.acknowledged.is_empty() { "—".into() } else { v.acknowledged.join(", ") },
                ]
            })
            .collect(),
        vec![0.8, 1.4, 0.9, 0.9, 0.85, 0.85, 1.4],
    );
    for v in versions.iter().filter(|v| !v.diff.is_empty()) {
        w.heading(&fill(&l.diff_heading, &[("label", v.label.clone())])?);
        w.bullets(
            v.diff
                .iter()
                .filter(|d| !d.text.trim().is_empty())
                .map(|d| format!("{} {}", if d.op == crate::agreements::DiffOp::Insert { "+" } else { "−" }, d.text))
                .collect(),
        );
    }
    w.heading(&l.events_heading);
    w.table(
        vec![l.col_seq.clone(), l.col_time.clone(), l.col_kind.clone(), l.col_hash.clone()],
        pack.events.iter().map(|e| vec![e.seq.to_string(), e.recorded_at.clone(), e.kind.clone(), e.leaf_hash.clone()]).collect(),
        vec![0.6, 1.6, 1.4, 2.6],
    );
    texts_appendix(&mut w, l, pack, &fill)?;
    Ok(w)
}

/// The checkpoint the pack's proofs are against, and the key that checks it.
pub(super) fn anchor(w: &mut Writer, l: &Labels, pack: &PackFacts, fill: &Fill) -> Result<()> {
    w.heading(&l.anchor_heading);
    let c = &pack.checkpoint;
    use base64::Engine as _;
    let b64 = hex::decode(&c.root).map(|r| base64::engine::general_purpose::STANDARD.encode(r)).unwrap_or_default();
    w.para(&fill(
        &l.anchor,
        &[("size", c.tree_size.to_string()), ("root", c.root.clone()), ("root_b64", b64), ("key", c.verifier_key.clone())],
    )?);
    Ok(())
}

/// The appendix of every version's text, with the hash its publication event recorded.
pub(super) fn texts_appendix(w: &mut Writer, l: &Labels, pack: &PackFacts, fill: &Fill) -> Result<()> {
    if pack.texts.is_empty() {
        return Ok(());
    }
    w.page_break();
    w.heading(&l.texts_heading);
    for t in &pack.texts {
        let snap: Snapshot = serde_json::from_str(&t.snapshot).map_err(|e| Error::Invalid(format!("{}: {e}", t.label)))?;
        w.heading(&format!("{} — {}", t.label, snap.content.title));
        w.para(&fill(&l.text_hash, &[("hash", t.content_sha256.clone()), ("seq", t.published_seq.to_string())])?);
        w.para(&crate::agreements::render::plain_text(&snap.document));
    }
    Ok(())
}

/// What checking a pack found.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub id: String,
    pub kind: String,
    pub vault_id: String,
    pub tree_size: u64,
    pub root: String,
    pub events: usize,
    pub verifier_key: String,
}

fn read_zip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>> {
    let bad = |e: zip::result::ZipError| Error::Invalid(format!("not an evidence pack (ZIP): {e}"));
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(bad)?;
        let name = f.name().map_err(bad)?.to_string();
        if f.size() > 1 << 30 {
            return Err(Error::Invalid(format!("{name} is larger than a pack file can be")));
        }
        let mut b = vec![];
        (&mut f).take(1 << 30).read_to_end(&mut b).map_err(|e| Error::Invalid(format!("reading {name}: {e}")))?;
        out.insert(name, b);
    }
    Ok(out)
}

fn leaf_of(e: &PackEvent) -> [u8; 32] {
    let mut input = vec![];
    crate::ledger::leaf_input_into(&mut input, e.seq, &e.recorded_at, &e.actor, &e.kind, e.subject.as_deref(), &e.body);
    crate::merkle::leaf_hash(&input)
}

fn hash32(hex_str: &str, what: &str) -> Result<[u8; 32]> {
    let v = hex::decode(hex_str).map_err(|_| Error::Invalid(format!("{what} is not hex")))?;
    v.try_into().map_err(|_| Error::Invalid(format!("{what} is not 32 bytes")))
}

/// Checks a pack without the vault: the checkpoint's signature by the
/// verifier key (the one given, which must be the pack's, else the pack's
/// own), every event's leaf hash and inclusion proof against it, and the
/// pack's own event, whose hashes must be those of `pack.pdf` and
/// `pack.json`. The first failure is the error.
pub fn verify(zip_bytes: &[u8], expected_key: Option<&str>) -> Result<Checked> {
    let files = read_zip(zip_bytes)?;
    let file = |n: &str| files.get(n).ok_or_else(|| Error::Invalid(format!("the pack has no {n}")));
    let text = |n: &str| -> Result<String> { String::from_utf8(file(n)?.clone()).map_err(|_| Error::Invalid(format!("{n} is not UTF-8"))) };
    let key_line = text("verifier-key.txt")?.trim().to_string();
    if let Some(k) = expected_key {
        if k.trim() != key_line {
            return Err(Error::Invalid(
                "the pack's verifier key is not the one given: the pack comes from another vault, or its key was replaced".into(),
            ));
        }
    }
    let (vault_id, public) = crate::checkpoint::parse_verifier_key(&key_line)?;
    let cp = crate::checkpoint::open_note(&text("checkpoint.txt")?, &vault_id, &public)
        .map_err(|e| Error::Invalid(format!("checkpoint.txt: {e}")))?;
    let facts: PackFacts = serde_json::from_slice(file("pack.json")?).map_err(|e| Error::Invalid(format!("pack.json: {e}")))?;
    if facts.schema != SCHEMA {
        return Err(Error::Invalid(format!("pack.json: schema {:?}, this program reads {SCHEMA}", facts.schema)));
    }
    if facts.vault_id != vault_id {
        return Err(Error::Invalid("pack.json names another vault than the verifier key".into()));
    }
    let proofs: Proofs = serde_json::from_slice(file("proofs.json")?).map_err(|e| Error::Invalid(format!("proofs.json: {e}")))?;
    let root = hex::encode(cp.root);
    if proofs.tree_size != cp.tree_size || proofs.root != root {
        return Err(Error::Invalid("proofs.json is not against the signed checkpoint".into()));
    }
    if facts.checkpoint.tree_size != cp.tree_size || facts.checkpoint.root != root || facts.checkpoint.verifier_key != key_line {
        return Err(Error::Invalid("pack.json names another checkpoint or key than checkpoint.txt and verifier-key.txt".into()));
    }
    let issued: IssuedEvent = serde_json::from_slice(file("issued.json")?).map_err(|e| Error::Invalid(format!("issued.json: {e}")))?;
    let proven = |e: &PackEvent, path: &[String], size: u64, root: &[u8; 32]| -> Result<()> {
        let leaf = leaf_of(e);
        if hex::encode(leaf) != e.leaf_hash {
            return Err(Error::Invalid(format!("event #{}: its fields do not give its leaf hash (changed)", e.seq)));
        }
        let path = path.iter().map(|h| hash32(h, "a proof hash")).collect::<Result<Vec<_>>>()?;
        if e.seq == 0 || !crate::merkle::verify_inclusion(&leaf, e.seq - 1, size, &path, root) {
            return Err(Error::Invalid(format!("event #{}: its inclusion proof does not lead to the signed root", e.seq)));
        }
        Ok(())
    };
    let check = |e: &PackEvent| -> Result<()> {
        let path = proofs.proofs.get(&e.seq).ok_or_else(|| Error::Invalid(format!("event #{}: no inclusion proof", e.seq)))?;
        proven(e, path, cp.tree_size, &cp.root)
    };
    // The pack's own event, under the later checkpoint, which must extend checkpoint.txt's tree.
    let after = crate::checkpoint::open_note(&issued.checkpoint, &vault_id, &public)
        .map_err(|e| Error::Invalid(format!("issued.json's checkpoint: {e}")))?;
    let consistency = issued.consistency.iter().map(|h| hash32(h, "a proof hash")).collect::<Result<Vec<_>>>()?;
    if after.tree_size <= cp.tree_size
        || !crate::merkle::verify_consistency(cp.tree_size, after.tree_size, &cp.root, &after.root, &consistency)
    {
        return Err(Error::Invalid("issued.json's checkpoint does not extend checkpoint.txt's log (consistency proof fails)".into()));
    }
    proven(&issued.event, &issued.inclusion, after.tree_size, &after.root)?;
    if issued.event.seq <= cp.tree_size {
        return Err(Error::Invalid("issued.json's event is older than checkpoint.txt".into()));
    }
    let body: serde_json::Value = serde_json::from_str(&issued.event.body).map_err(|e| Error::Invalid(format!("issued.json: {e}")))?;
    if issued.event.kind != "document.issued" || body["id"].as_str() != Some(facts.id.as_str()) {
        return Err(Error::Invalid("issued.json is not the event that recorded this pack".into()));
    }
    if body["text_sha256"].as_str() != Some(sha256_hex(file("pack.json")?).as_str()) {
        return Err(Error::Invalid("pack.json is not the file the pack's event recorded (changed)".into()));
    }
    if body["pdf_sha256"].as_str() != Some(sha256_hex(file("pack.pdf")?).as_str()) {
        return Err(Error::Invalid("pack.pdf is not the file the pack's event recorded (changed)".into()));
    }
    for e in &facts.events {
        check(e)?;
    }
    for t in &facts.texts {
        if sha256_hex(t.snapshot.as_bytes()) != t.content_sha256 {
            return Err(Error::Invalid(format!("the text of {} is not the one published", t.label)));
        }
        let published = facts.events.iter().find(|e| e.seq == t.published_seq);
        let ok = published.is_some_and(|e| {
            serde_json::from_str::<serde_json::Value>(&e.body).ok().and_then(|b| b["content_sha256"].as_str().map(String::from)).as_deref()
                == Some(t.content_sha256.as_str())
        });
        if !ok {
            return Err(Error::Invalid(format!("the text of {} is not the one its publication event hashed", t.label)));
        }
    }
    Ok(Checked {
        id: facts.id,
        kind: facts.kind,
        vault_id,
        tree_size: cp.tree_size,
        root,
        events: facts.events.len() + 1,
        verifier_key: key_line,
    })
}
