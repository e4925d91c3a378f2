//! `verify`: recomputes every leaf hash, the whole Merkle tree, every stored
//! node, every checkpoint signature and root, and the consistency of each
//! checkpoint with the next, notes kept outside the vault, and every stored
//! fact derived from the log ([`facts`]); reports the first event that does
//! not match. It only reads: the order of the checks is docs/FORMAT.md §10.

mod facts;
mod incidents;
mod processing;
mod requests;
pub use facts::consent_matches;

/// An event body's value as text, as the replays compare it with a text
/// column: null is empty, a non-string its JSON (as the Python verifier reads it).
fn body_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::checkpoint::{self, Checkpoint};
use crate::error::{Error, Result};
use crate::ledger::{self, DbTree};
use crate::merkle::{self, Frontier, Hash, STORED_MIN_LEVEL};

/// What went wrong first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable code: `event_altered` (content no longer matches its hash: edited,
    /// swapped or renumbered), `event_missing` (a gap in seq), `log_truncated`
    /// (fewer events than a checkpoint signed), `events_rewritten` (content and
    /// hash rewritten together; named to a block of 64), `checkpoint_mismatch`,
    /// `checkpoint_signature`, `node_mismatch`, `data_mismatch` (personal data no
    /// longer matches its commitment), `agreement_altered` (a published agreement
    /// version, its acknowledged warnings or a retirement no longer match the
    /// `agreement.*` events, or a version is marked published without one),
    /// `key_mismatch`, `identity_mismatch`, and those of the stored facts:
    /// `checkpoint_unrecorded`, `register_mismatch`, `data_missing`,
    /// `merge_mismatch`, `erasure_mismatch`, `requisites_mismatch`.
    pub code: &'static str,
    /// The first event that does not match, when one can be named.
    pub seq: Option<u64>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub events: u64,
    /// Checkpoint rows in the vault.
    pub checkpoints: u64,
    /// Checkpoint notes kept outside the vault that were checked too
    /// (witness folders, files given).
    pub outside_notes: u64,
    #[serde(with = "crate::ledger::hex_hash")]
    pub root: Hash,
    pub problem: Option<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// How often the progress callback is called.
pub const PROGRESS_EVERY: u64 = 16_384;

/// A checkpoint note kept outside the vault, and where it came from (for messages).
#[derive(Debug, Clone)]
pub struct OutsideNote {
    /// E.g. the file's path.
    pub label: String,
    pub note: String,
}

/// Verifies the ledger in `conn`. `progress(done, total)` is called every
/// [`PROGRESS_EVERY`] events; returning `false` cancels with [`Error::Cancelled`].
pub fn verify(
    conn: &Connection,
    vault_id: &str,
    public: &VerifyingKey,
    progress: impl FnMut(u64, u64) -> bool,
) -> Result<Report> {
    verify_with(conn, vault_id, public, &[], progress)
}

/// Like [`verify`], and also checks checkpoint notes kept outside the vault:
/// each must be signed by the vault's key, and the log must still contain
/// exactly the log each signed.
pub fn verify_with(
    conn: &Connection,
    vault_id: &str,
    public: &VerifyingKey,
    outside_notes: &[OutsideNote],
    mut progress: impl FnMut(u64, u64) -> bool,
) -> Result<Report> {
    let checkpoints = checkpoint::list(conn)?;
    let total = ledger::size(conn)?;
    let mut report = Report {
        events: 0,
        checkpoints: checkpoints.len() as u64,
        outside_notes: outside_notes.len() as u64,
        root: merkle::empty_root(),
        problem: None,
    };

    // 0. The key checkpoints are checked with is the vault's, as announced in event #1.
    let stored_public: Option<Vec<u8>> = conn
        .query_row("SELECT public FROM signing_key", [], |r| r.get(0))
        .ok();
    if stored_public.as_deref() != Some(public.as_bytes().as_slice()) {
        return Ok(fail(
            report,
            "key_mismatch",
            None,
            "the vault's stored checkpoint key was altered".into(),
        ));
    }
    if total > 0 {
        let first = ledger::get(conn, 1)?;
        let body = serde_json::from_str::<serde_json::Value>(&first.body).unwrap_or_default();
        if first.kind != "vault.created"
            || body["checkpoint_key"].as_str() != Some(hex::encode(public.as_bytes()).as_str())
        {
            return Ok(fail(
                report,
                "key_mismatch",
                Some(1),
                "event #1 does not announce this vault's checkpoint key".into(),
            ));
        }
        let stored_id: Option<String> = conn
            .query_row("SELECT vault_id FROM vault_meta WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        if body["vault_id"].as_str() != Some(vault_id) || stored_id.as_deref() != Some(vault_id) {
            return Ok(fail(
                report,
                "identity_mismatch",
                Some(1),
                "the vault's identity (vault_meta.vault_id) is not the one event #1 created".into(),
            ));
        }
    }

    // 1. Signatures, and that each note says what its row says.
    for cp in &checkpoints {
        match checkpoint::open_note(&cp.note, vault_id, public) {
            Ok(s) if s.tree_size == cp.tree_size && s.root == cp.root => {}
            Ok(_) => {
                return Ok(fail(
                    report,
                    "checkpoint_signature",
                    None,
                    format!(
                        "checkpoint {} was altered: its row no longer matches its signed text",
                        cp.id
                    ),
                ))
            }
            Err(e) => {
                return Ok(fail(
                    report,
                    "checkpoint_signature",
                    None,
                    format!("checkpoint {}: {e}", cp.id),
                ))
            }
        }
    }
    // Notes kept outside: signed by this vault's key, or the check fails.
    let mut outside = Vec::with_capacity(outside_notes.len());
    for n in outside_notes {
        match checkpoint::open_note(&n.note, vault_id, public) {
            Ok(s) => outside.push(Checkpoint {
                id: 0,
                tree_size: s.tree_size,
                root: s.root,
                created_at: s.time,
                note: n.label.clone(),
            }),
            Err(e) => return Ok(fail(report, "checkpoint_signature", None, format!("{}: {e}", n.label))),
        }
    }
    let mut by_size: BTreeMap<u64, Vec<&Checkpoint>> = BTreeMap::new();
    for cp in checkpoints.iter().chain(outside.iter()) {
        by_size.entry(cp.tree_size).or_default().push(cp);
    }

    // 2. Stream every event in order: seq continuity, leaf hash, tree, checkpoint roots.
    let mut frontier = Frontier::new();
    let mut computed: Vec<(u32, u64, Hash)> = Vec::new();
    let mut buf = Vec::with_capacity(1024);
    // Agreement events, checked against the stored agreements in step 5b.
    let mut agreement_events: Vec<(u64, String, String)> = Vec::new();
    // The stored facts, checked as their events go by (reported after the log checks).
    let mut statements = facts::Statements::prepare(conn)?;
    let mut facts = facts::Facts::new(conn, &mut statements)?;
    let mut stmt = conn.prepare(
        "SELECT seq, recorded_at, actor, kind, subject, body, leaf_hash FROM events ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let check_roots =
        |frontier: &Frontier, computed: &[(u32, u64, Hash)]| -> Result<Option<Problem>> {
            for cp in by_size.get(&frontier.size()).into_iter().flatten() {
                if frontier.root() != cp.root {
                    return Ok(Some(locate_mismatch(conn, computed, cp)?));
                }
            }
            Ok(None)
        };
    if let Some(p) = check_roots(&frontier, &computed)? {
        return Ok(fail(report, p.code, p.seq, p.message));
    }
    while let Some(r) = rows.next()? {
        let expected = frontier.size() + 1;
        let seq = r.get::<_, i64>(0)? as u64;
        if seq != expected {
            report.events = frontier.size();
            return Ok(fail(
                report,
                "event_missing",
                Some(expected),
                format!(
                    "event #{expected} is missing: the log jumps from #{} to #{seq}",
                    expected - 1
                ),
            ));
        }
        // A column of the wrong type cannot hash to what was recorded.
        let Some(cols) = event_columns(r) else {
            report.events = frontier.size();
            return Ok(fail(
                report,
                "event_altered",
                Some(seq),
                format!("event #{seq} was altered: a column holds a value of the wrong type"),
            ));
        };
        let (recorded_at, actor, kind, subject, body, stored) = cols;
        ledger::leaf_input_into(&mut buf, seq, recorded_at, actor, kind, subject, body);
        let leaf = merkle::leaf_hash(&buf);
        if leaf.as_slice() != stored {
            report.events = frontier.size();
            return Ok(fail(
                report,
                "event_altered",
                Some(seq),
                format!(
                    "event #{seq} was altered: its content no longer matches its recorded hash"
                ),
            ));
        }
        if kind.starts_with("agreement.") {
            agreement_events.push((seq, kind.to_string(), body.to_string()));
        }
        facts.event(seq, kind, actor, subject, body)?;
        frontier.push(leaf, |l, i, h| {
            if l >= STORED_MIN_LEVEL {
                computed.push((l, i, *h));
            }
        });
        if let Some(p) = check_roots(&frontier, &computed)? {
            report.events = frontier.size();
            return Ok(fail(report, p.code, p.seq, p.message));
        }
        if frontier.size() % PROGRESS_EVERY == 0 && !progress(frontier.size(), total) {
            return Err(Error::Cancelled);
        }
    }
    drop(rows);
    report.events = frontier.size();
    report.root = frontier.root();
    progress(frontier.size(), total);

    // 3. Checkpoints that cover more events than there are: the end was cut off.
    if let Some(cp) = checkpoints
        .iter()
        .chain(outside.iter())
        .filter(|c| c.tree_size > frontier.size())
        .max_by_key(|c| c.tree_size)
    {
        let first = frontier.size() + 1;
        return Ok(fail(
            report,
            "log_truncated",
            Some(first),
            format!(
                "events #{first} to #{} are missing: {} was signed over {} events",
                cp.tree_size,
                label(cp),
                cp.tree_size
            ),
        ));
    }

    // 4. Stored Merkle nodes equal the recomputed ones, none missing, none extra.
    computed.sort_unstable_by_key(|&(l, i, _)| (l, i));
    let mut nodes =
        conn.prepare("SELECT level, idx, hash FROM merkle_nodes ORDER BY level, idx")?;
    let stored: Vec<(u32, u64, Hash)> = nodes
        .query_map([], |r| {
            Ok((r.get(0)?, r.get::<_, i64>(1)? as u64, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    if let Some(p) = compare_nodes(&computed, &stored) {
        return Ok(fail(report, p.code, p.seq, p.message));
    }

    // 5. The stored facts: checkpoint rows, register and imports, personal
    //    data, merges, erasures, requisites (each section's lowest seq).
    if let Some(p) = facts.finish(conn)? {
        return Ok(fail(report, p.code, p.seq, p.message));
    }

    // 5b. Agreements are still exactly what their events published and retired.
    if let Some((seq, message)) = crate::agreements::first_mismatch(conn, &agreement_events)? {
        return Ok(fail(report, "agreement_altered", seq, message));
    }

    // 6. Each checkpoint is consistent with the next (proofs from stored nodes).
    let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| (c.tree_size, c.id));
    for w in sorted.windows(2) {
        let (a, b) = (w[0], w[1]);
        let proof = ledger::consistency_proof(conn, a.tree_size, b.tree_size)?;
        if !merkle::verify_consistency(a.tree_size, b.tree_size, &a.root, &b.root, &proof) {
            return Ok(fail(
                report,
                "checkpoint_mismatch",
                None,
                format!("checkpoints {} and {} are not consistent", a.id, b.id),
            ));
        }
    }
    Ok(report)
}

fn label(cp: &Checkpoint) -> String {
    if cp.id == 0 {
        format!("the checkpoint kept outside the vault ({})", cp.note)
    } else {
        format!("checkpoint {}", cp.id)
    }
}

/// An event row's text columns and stored hash, if each has its type.
#[allow(clippy::type_complexity)]
fn event_columns<'r>(r: &'r rusqlite::Row) -> Option<(&'r str, &'r str, &'r str, Option<&'r str>, &'r str, &'r [u8])> {
    let text = |i: usize| r.get_ref(i).ok()?.as_str().ok();
    Some((
        text(1)?,
        text(2)?,
        text(3)?,
        r.get_ref(4).ok()?.as_str_or_null().ok()?,
        text(5)?,
        r.get_ref(6).ok()?.as_blob().ok()?,
    ))
}

fn fail(mut report: Report, code: &'static str, seq: Option<u64>, message: String) -> Report {
    report.problem = Some(Problem { code, seq, message });
    report
}

/// A checkpoint's root differs although every leaf matched its stored hash:
/// someone rewrote events *and* their hashes. Compare the recomputed subtrees
/// with the stored ones to narrow down where, to a block of 64 events.
fn locate_mismatch(
    conn: &Connection,
    computed: &[(u32, u64, Hash)],
    cp: &Checkpoint,
) -> Result<Problem> {
    let tree = DbTree(conn);
    let mut lowest: Option<u64> = None;
    for &(l, i, h) in computed.iter().filter(|(l, _, _)| *l == STORED_MIN_LEVEL) {
        if merkle::HashSource::stored_node(&tree, l, i).ok() != Some(h) {
            lowest = Some(i << l);
            break;
        }
    }
    Ok(match lowest {
        Some(start) => {
            Problem {
                code: "events_rewritten",
                seq: Some(start + 1),
                message: format!(
                "events #{} to #{} were rewritten together with their hashes: {} no longer matches",
                start + 1, start + (1 << STORED_MIN_LEVEL), label(cp)
            ),
            }
        }
        None => Problem {
            code: "checkpoint_mismatch",
            seq: None,
            message: format!(
                "{} (over {} events) does not match the log: events up to #{} were rewritten",
                label(cp),
                cp.tree_size,
                cp.tree_size
            ),
        },
    })
}

fn compare_nodes(computed: &[(u32, u64, Hash)], stored: &[(u32, u64, Hash)]) -> Option<Problem> {
    let first_seq = |l: u32, i: u64| (i << l) + 1;
    for k in 0..computed.len().max(stored.len()) {
        match (computed.get(k), stored.get(k)) {
            (Some(c), Some(s)) if c == s => continue,
            (Some(&(l, i, _)), Some(&(sl, si, _))) if (l, i) == (sl, si) => {
                return Some(Problem {
                    code: "node_mismatch",
                    seq: Some(first_seq(l, i)),
                    message: format!(
                        "stored Merkle node {l}/{i} (events #{} to #{}) was altered",
                        first_seq(l, i),
                        first_seq(l, i + 1) - 1
                    ),
                });
            }
            (Some(&(l, i, _)), _) => {
                return Some(Problem {
                    code: "node_mismatch",
                    seq: Some(first_seq(l, i)),
                    message: format!(
                        "stored Merkle node {l}/{i} (events #{} to #{}) is missing",
                        first_seq(l, i),
                        first_seq(l, i + 1) - 1
                    ),
                });
            }
            (None, Some(&(l, i, _))) => {
                return Some(Problem {
                    code: "node_mismatch",
                    seq: None,
                    message: format!("stored Merkle node {l}/{i} covers events that do not exist"),
                });
            }
            (None, None) => unreachable!(),
        }
    }
    None
}
