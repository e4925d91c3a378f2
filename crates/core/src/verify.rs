//! `verify`: recomputes every leaf hash, the whole Merkle tree, every stored
//! node, every checkpoint signature and root, and the consistency of each
//! checkpoint with the next; reports the first event that does not match.

use std::collections::BTreeMap;

use ed25519_dalek::VerifyingKey;
use rusqlite::Connection;
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
    /// `agreement.*` events, or a version is marked published without one).
    pub code: &'static str,
    /// The first event that does not match, when one can be named.
    pub seq: Option<u64>,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub events: u64,
    pub checkpoints: u64,
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

/// Verifies the ledger in `conn`. `progress(done, total)` is called every
/// [`PROGRESS_EVERY`] events; returning `false` cancels with [`Error::Cancelled`].
pub fn verify(
    conn: &Connection,
    vault_id: &str,
    public: &VerifyingKey,
    progress: impl FnMut(u64, u64) -> bool,
) -> Result<Report> {
    verify_with(conn, vault_id, public, None, progress)
}

/// Like [`verify`], and also checks a checkpoint kept outside the vault
/// (already signature-checked): the log must still contain exactly the log it signed.
pub fn verify_with(
    conn: &Connection,
    vault_id: &str,
    public: &VerifyingKey,
    external: Option<&checkpoint::SignedCheckpoint>,
    mut progress: impl FnMut(u64, u64) -> bool,
) -> Result<Report> {
    let checkpoints = checkpoint::list(conn)?;
    let total = ledger::size(conn)?;
    let mut report = Report {
        events: 0,
        checkpoints: checkpoints.len() as u64,
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
        let announced = serde_json::from_str::<serde_json::Value>(&first.body)
            .ok()
            .and_then(|b| b["checkpoint_key"].as_str().map(String::from));
        if first.kind != "vault.created"
            || announced.as_deref() != Some(hex::encode(public.as_bytes()).as_str())
        {
            return Ok(fail(
                report,
                "key_mismatch",
                Some(1),
                "event #1 does not announce this vault's checkpoint key".into(),
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
    let outside = external.map(|e| Checkpoint {
        id: 0,
        tree_size: e.tree_size,
        root: e.root,
        created_at: e.time.clone(),
        note: String::new(),
    });
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
        let subject = r
            .get_ref(4)?
            .as_str_or_null()
            .map_err(Error::from_sql_value)?;
        leaf_input_into_row(&mut buf, seq, r, subject)?;
        let kind = r.get_ref(3)?.as_str().map_err(Error::from_sql_value)?;
        if kind.starts_with("agreement.") {
            agreement_events.push((seq, kind.to_string(), r.get(5)?));
        }
        let leaf = merkle::leaf_hash(&buf);
        let stored: [u8; 32] = r.get(6)?;
        if leaf != stored {
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

    // 5. Stored personal data still matches the commitments in the ledger.
    if let Some(seq) = crate::subjects::first_mismatch(conn)? {
        return Ok(fail(report, "data_mismatch", Some(seq), format!(
            "the personal data recorded by event #{seq} was changed after it was recorded: it no longer matches the commitment in the ledger")));
    }

    // 5b. Agreements are still exactly what their events published and retired.
    if let Some((seq, message)) = crate::agreements::first_mismatch(conn, &agreement_events)? {
        return Ok(fail(report, "agreement_altered", Some(seq), message));
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
        "the checkpoint kept outside the vault".into()
    } else {
        format!("checkpoint {}", cp.id)
    }
}

fn leaf_input_into_row(
    buf: &mut Vec<u8>,
    seq: u64,
    r: &rusqlite::Row,
    subject: Option<&str>,
) -> Result<()> {
    let text = |i: usize| -> Result<&str> { r.get_ref(i)?.as_str().map_err(Error::from_sql_value) };
    ledger::leaf_input_into(buf, seq, text(1)?, text(2)?, text(3)?, subject, text(5)?);
    Ok(())
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
