//! The append-only ledger: events with canonical JSON bodies, their leaf
//! encoding and hashes, the stored Merkle nodes, and reading the log back.
//!
//! There is deliberately no function here (or anywhere) that updates or
//! deletes an event; the database refuses it too (triggers in schema 1).

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::merkle::{self, Frontier, Hash, HashSource, STORED_MIN_LEVEL};

/// An event to append; the ledger adds `seq`, `recorded_at` and `actor`.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Dotted lower-case name, e.g. `vault.unlocked`.
    pub kind: String,
    /// Pseudonymous subject id, never a name or e-mail.
    pub subject: Option<String>,
    /// Stored in RFC 8785 canonical form. No personal data.
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    /// Any JSON, made canonical when appended.
    Value(serde_json::Value),
    /// Already RFC 8785 text (see [`NewEvent::with_sorted_fields`]).
    Canonical(String),
}

impl NewEvent {
    pub fn new(kind: &str, body: serde_json::Value) -> Self {
        NewEvent {
            kind: kind.to_string(),
            subject: None,
            body: Body::Value(body),
        }
    }

    /// An event whose body is `body` as serde_json writes it. For a struct
    /// whose fields are declared in sorted order (ASCII names) and hold only
    /// strings, booleans and integers within ±2^53, that text is already
    /// RFC 8785, so no `Value` is built: bulk imports append a million of
    /// these. Debug builds check the text against the reference crate.
    pub(crate) fn with_sorted_fields<T: Serialize>(kind: &str, body: &T) -> Result<Self> {
        let text = serde_json::to_string(body)
            .map_err(|e| Error::Invalid(format!("event body is not JSON: {e}")))?;
        debug_assert_eq!(
            serde_json::from_str(&text).ok().and_then(|v| reference_canonical_json(&v).ok()),
            Some(text.clone()),
            "{kind}: a body with sorted fields must already be canonical"
        );
        Ok(NewEvent {
            kind: kind.to_string(),
            subject: None,
            body: Body::Canonical(text),
        })
    }

    pub fn about(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_string());
        self
    }
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub seq: u64,
    pub recorded_at: String,
    pub actor: String,
    pub kind: String,
    pub subject: Option<String>,
    /// Canonical JSON text.
    pub body: String,
    #[serde(with = "hex_hash")]
    pub leaf_hash: Hash,
}

pub(crate) mod hex_hash {
    pub fn serialize<S: serde::Serializer>(h: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(h))
    }
}

/// Version byte that starts every leaf input (docs/FORMAT.md §Leaf).
pub const LEAF_VERSION: u8 = 1;

/// The bytes hashed into a leaf:
/// `0x01 ‖ u64be(seq) ‖ lp(recorded_at) ‖ lp(actor) ‖ lp(kind) ‖ subject ‖ lp(body)`
/// where `lp(x) = u32be(len x) ‖ x` and `subject` is `0x00` or `0x01 ‖ lp(id)`.
pub fn leaf_input_into(
    out: &mut Vec<u8>,
    seq: u64,
    recorded_at: &str,
    actor: &str,
    kind: &str,
    subject: Option<&str>,
    body: &str,
) {
    fn lp(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    out.clear();
    out.push(LEAF_VERSION);
    out.extend_from_slice(&seq.to_be_bytes());
    lp(out, recorded_at);
    lp(out, actor);
    lp(out, kind);
    match subject {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            lp(out, s);
        }
    }
    lp(out, body);
}

/// RFC 8785 canonical JSON text of a value.
///
/// The `serde_json_canonicalizer` crate is the reference. For the values the
/// ledger writes most (integers within ±2^53, keys below U+E000 already in
/// sorted order), serde_json's compact output is byte-identical to RFC 8785
/// and about 13x faster, so those take the short path; anything else (floats,
/// big integers, keys whose UTF-8 and UTF-16 orders may differ, maps kept in
/// insertion order) goes through the crate. Tests compare both paths.
pub fn canonical_json(v: &serde_json::Value) -> Result<String> {
    if serde_json_is_canonical(v) {
        return Ok(serde_json::to_string(v).expect("a Value always serialises"));
    }
    reference_canonical_json(v)
}

/// The crate's RFC 8785 output, always.
pub fn reference_canonical_json(v: &serde_json::Value) -> Result<String> {
    serde_json_canonicalizer::to_string(v)
        .map_err(|e| Error::Invalid(format!("event body is not canonicalisable JSON: {e}")))
}

/// True when serde_json's compact output of `v` is already RFC 8785.
fn serde_json_is_canonical(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    const MAX_SAFE: u64 = 1 << 53;
    match v {
        Value::Null | Value::Bool(_) | Value::String(_) => true,
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.unsigned_abs() <= MAX_SAFE,
            (None, Some(u)) => u <= MAX_SAFE,
            _ => false,
        },
        Value::Array(a) => a.iter().all(serde_json_is_canonical),
        Value::Object(m) => {
            let mut prev: Option<&str> = None;
            for (k, v) in m {
                if k.chars().any(|c| c >= '\u{E000}') || prev.is_some_and(|p| p >= k.as_str()) {
                    return false;
                }
                if !serde_json_is_canonical(v) {
                    return false;
                }
                prev = Some(k);
            }
            true
        }
    }
}

/// UTC now as stored: RFC 3339 with microseconds and `Z`.
pub fn now_utc() -> String {
    utc_text(chrono::Utc::now())
}

/// A moment as every time is stored: RFC 3339, UTC, microseconds, `Z`.
pub fn utc_text(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn check_kind(kind: &str) -> Result<()> {
    let ok = !kind.is_empty()
        && kind.len() <= 64
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "event kind {kind:?} must be 1–64 characters a–z, 0–9, '.', '_'"
        )))
    }
}

/// Number of events (the tree size).
pub fn size(conn: &Connection) -> Result<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// The tree as stored in the database.
pub struct DbTree<'c>(pub &'c Connection);

impl HashSource for DbTree<'_> {
    fn leaf_hashes(&self, start: u64, end: u64) -> Result<Vec<Hash>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT leaf_hash FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        )?;
        let hashes = stmt
            .query_map(params![start as i64, end as i64], |r| {
                r.get::<_, [u8; 32]>(0)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if hashes.len() as u64 != end - start {
            return Err(Error::Invalid(format!(
                "the ledger is incomplete: events {}..={} are not all there; run verify",
                start + 1,
                end
            )));
        }
        Ok(hashes)
    }

    fn stored_node(&self, level: u32, index: u64) -> Result<Hash> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2")?;
        stmt.query_row(params![level, index as i64], |r| r.get::<_, [u8; 32]>(0))
            .optional()?
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "Merkle node {level}/{index} is missing; run verify"
                ))
            })
    }
}

/// Appends `events` in order inside `tx`, as `actor`; returns their seqs.
/// Nothing is visible until the caller commits.
pub fn append(tx: &Transaction, actor: &str, events: &[NewEvent]) -> Result<Vec<u64>> {
    if actor.trim().is_empty() {
        return Err(Error::Invalid("an event needs an actor".into()));
    }
    let start = size(tx)?;
    let signed: i64 = tx.query_row(
        "SELECT COALESCE(MAX(tree_size), 0) FROM checkpoints",
        [],
        |r| r.get(0),
    )?;
    if signed as u64 > start {
        return Err(Error::Tampered(format!(
            "the ledger has {start} events but a checkpoint was signed over {signed}: events were removed. Nothing was recorded; run verify"
        )));
    }
    let mut frontier = Frontier::load(&DbTree(tx), start)?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (seq, recorded_at, actor, kind, subject, body, leaf_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut insert_node =
        tx.prepare_cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")?;
    let mut buf = Vec::with_capacity(512);
    let mut nodes: Vec<(u32, u64, Hash)> = Vec::new();
    let mut seqs = Vec::with_capacity(events.len());
    let recorded_at = now_utc();
    for ev in events {
        check_kind(&ev.kind)?;
        let owned;
        let body = match &ev.body {
            Body::Value(v) => {
                owned = canonical_json(v)?;
                &owned
            }
            Body::Canonical(text) => text,
        };
        let seq = frontier.size() + 1;
        leaf_input_into(
            &mut buf,
            seq,
            &recorded_at,
            actor,
            &ev.kind,
            ev.subject.as_deref(),
            body,
        );
        let leaf = merkle::leaf_hash(&buf);
        insert.execute(params![
            seq as i64,
            recorded_at,
            actor,
            ev.kind,
            ev.subject,
            body,
            leaf
        ])?;
        frontier.push(leaf, |l, i, h| {
            if l >= STORED_MIN_LEVEL {
                nodes.push((l, i, *h));
            }
        });
        for (l, i, h) in nodes.drain(..) {
            insert_node.execute(params![l, i as i64, h])?;
        }
        seqs.push(seq);
    }
    Ok(seqs)
}

fn row_to_event(r: &rusqlite::Row) -> rusqlite::Result<Event> {
    Ok(Event {
        seq: r.get::<_, i64>(0)? as u64,
        recorded_at: r.get(1)?,
        actor: r.get(2)?,
        kind: r.get(3)?,
        subject: r.get(4)?,
        body: r.get(5)?,
        leaf_hash: r.get(6)?,
    })
}

const EVENT_COLUMNS: &str = "seq, recorded_at, actor, kind, subject, body, leaf_hash";

pub fn get(conn: &Connection, seq: u64) -> Result<Event> {
    conn.query_row(
        &format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq = ?1"),
        [seq as i64],
        row_to_event,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("event #{seq} does not exist")))
}

/// Newest first, `limit` events older than `before` (keyset paging).
pub fn page(conn: &Connection, before: Option<u64>, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2"
    ))?;
    let before = before.map(|b| b as i64).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![before, limit], row_to_event)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// A page of the events that match a filter, newest first, and where to go on.
#[derive(Debug, Clone, Serialize)]
pub struct Filtered {
    pub events: Vec<Event>,
    /// Pass as `before` for the next page; None when the log's start was reached.
    pub next_before: Option<u64>,
}

/// How many events one filtered page looks at, at most: a rare kind over a
/// million events is found page by page, each page staying quick.
pub const FILTER_SCAN: u64 = 50_000;

/// Up to `limit` events before `before` (newest first) whose kind is `kind`
/// or starts with it (a prefix such as `read.`) and whose actor is `actor`,
/// looking at no more than [`FILTER_SCAN`] events.
pub fn page_filtered(conn: &Connection, before: Option<u64>, limit: u32, kind: Option<&str>, actor: Option<&str>) -> Result<Filtered> {
    let before = before.unwrap_or(u64::MAX / 2).min(size(conn)? + 1);
    let floor = before.saturating_sub(FILTER_SCAN).max(1);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE seq < ?1 AND seq >= ?2
           AND (?3 IS NULL OR kind = ?3 OR (substr(?3, -1) = '.' AND substr(kind, 1, length(?3)) = ?3))
           AND (?4 IS NULL OR actor = ?4)
         ORDER BY seq DESC LIMIT ?5"
    ))?;
    let events = stmt
        .query_map(params![before as i64, floor as i64, kind, actor, limit.clamp(1, 1000)], row_to_event)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_before = if events.len() == limit.clamp(1, 1000) as usize {
        events.last().map(|e| e.seq).filter(|&s| s > 1)
    } else {
        Some(floor).filter(|&f| f > 1)
    };
    Ok(Filtered { events, next_before })
}

/// The `before` for the page after `events` (a page of at most `limit`,
/// newest first), or None when it was the last page.
pub fn next_before(events: &[Event], limit: u32) -> Option<u64> {
    events
        .last()
        .map(|e| e.seq)
        .filter(|&s| s > 1 && events.len() == limit as usize)
}

/// Recomputes the leaf hash of a stored event.
pub fn recompute_leaf(e: &Event) -> Hash {
    let mut buf = Vec::new();
    leaf_input_into(
        &mut buf,
        e.seq,
        &e.recorded_at,
        &e.actor,
        &e.kind,
        e.subject.as_deref(),
        &e.body,
    );
    merkle::leaf_hash(&buf)
}

/// Inclusion proof of event `seq` in the tree of `size` events.
pub fn inclusion_proof(conn: &Connection, seq: u64, size: u64) -> Result<Vec<Hash>> {
    if seq == 0 || seq > size {
        return Err(Error::Invalid(format!(
            "event #{seq} is not in a log of {size} events"
        )));
    }
    merkle::inclusion_proof(&DbTree(conn), seq - 1, size)
}

/// Consistency proof between the trees of `old` and `new` events.
pub fn consistency_proof(conn: &Connection, old: u64, new: u64) -> Result<Vec<Hash>> {
    if old > new {
        return Err(Error::Invalid(format!(
            "a log of {old} events cannot grow into one of {new}"
        )));
    }
    merkle::consistency_proof(&DbTree(conn), old, new)
}

/// Merkle root of the first `size` events.
pub fn root(conn: &Connection, size: u64) -> Result<Hash> {
    merkle::root(&DbTree(conn), size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("l.db"), None, true).unwrap();
        (dir, conn)
    }

    #[test]
    fn leaf_input_layout_is_as_documented() {
        let mut b = Vec::new();
        leaf_input_into(&mut b, 1, "T", "a", "k", Some("s"), "{}");
        let expect: Vec<u8> = [
            &[1u8][..],
            &1u64.to_be_bytes(),
            &[0, 0, 0, 1, b'T'],
            &[0, 0, 0, 1, b'a'],
            &[0, 0, 0, 1, b'k'],
            &[1, 0, 0, 0, 1, b's'],
            &[0, 0, 0, 2, b'{', b'}'],
        ]
        .concat();
        assert_eq!(b, expect);
    }

    #[test]
    fn short_path_equals_the_rfc8785_crate() {
        let samples = [
            json!({"b": 1, "a": "é", "c": [true, null, -5, 9007199254740992_u64]}),
            json!({"ключ": "значение", "Z": {"y": [], "x": {}}, "ctl": "\u{1}\u{1f}\n\t\"\\/\u{7f}\u{2028}"}),
            json!({"emoji": "😀", "\u{e000}": 1, "\u{1F600}": 2}),
            json!({"float": 1.5, "exp": 1e21, "neg0": -0.0, "big": 9007199254740993_u64}),
            json!([1, "two", {"three": 3}]),
            json!("plain"),
            json!(12),
        ];
        for v in &samples {
            assert_eq!(
                canonical_json(v).unwrap(),
                reference_canonical_json(v).unwrap(),
                "{v}"
            );
        }
        // The short path is taken where it is safe and only there.
        assert!(serde_json_is_canonical(&samples[0]) && serde_json_is_canonical(&samples[1]));
        assert!(!serde_json_is_canonical(&samples[2]) && !serde_json_is_canonical(&samples[3]));
    }

    #[test]
    fn bodies_are_stored_canonical() {
        let (_d, mut conn) = db();
        let tx = conn.transaction().unwrap();
        append(
            &tx,
            "op",
            &[NewEvent::new(
                "t.x",
                json!({"b": 1, "a": "é", "c": [true, null]}),
            )],
        )
        .unwrap();
        tx.commit().unwrap();
        assert_eq!(
            get(&conn, 1).unwrap().body,
            r#"{"a":"é","b":1,"c":[true,null]}"#
        );
    }

    #[test]
    fn append_builds_the_same_tree_as_memory_and_rejects_bad_kinds() {
        let (_d, mut conn) = db();
        let mut mem = merkle::MemoryTree::default();
        for batch in 0..5 {
            let tx = conn.transaction().unwrap();
            let evs: Vec<_> = (0..37)
                .map(|i| NewEvent::new("t.n", json!({"b": batch, "i": i})))
                .collect();
            append(&tx, "op", &evs).unwrap();
            tx.commit().unwrap();
        }
        for e in page(&conn, None, 1000).unwrap().iter().rev() {
            assert_eq!(recompute_leaf(e), e.leaf_hash);
            mem.push(e.leaf_hash);
        }
        assert_eq!(size(&conn).unwrap(), 185);
        assert_eq!(root(&conn, 185).unwrap(), merkle::root_of(&mem.leaves));
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM merkle_nodes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored as usize, mem.nodes.len());
        let tx = conn.transaction().unwrap();
        assert!(append(&tx, "op", &[NewEvent::new("Bad Kind", json!({}))]).is_err());
    }

    #[test]
    fn database_refuses_update_and_delete() {
        let (_d, mut conn) = db();
        let tx = conn.transaction().unwrap();
        append(&tx, "op", &[NewEvent::new("t.x", json!({}))]).unwrap();
        tx.commit().unwrap();
        let e = conn
            .execute("UPDATE events SET body = '{}' WHERE seq = 1", [])
            .unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
        let e = conn.execute("DELETE FROM events", []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }

    #[test]
    fn paging_is_newest_first_by_keyset() {
        let (_d, mut conn) = db();
        let tx = conn.transaction().unwrap();
        append(
            &tx,
            "op",
            &(0..10)
                .map(|i| NewEvent::new("t.x", json!({ "i": i })))
                .collect::<Vec<_>>(),
        )
        .unwrap();
        tx.commit().unwrap();
        let p1: Vec<u64> = page(&conn, None, 4)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(p1, vec![10, 9, 8, 7]);
        let p2: Vec<u64> = page(&conn, Some(7), 4)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(p2, vec![6, 5, 4, 3]);
        assert_eq!(get(&conn, 11).unwrap_err().code(), "not_found");
    }
}
