//! `verify`'s checks of the stored facts derived from the log: checkpoint
//! rows, register rows, imports, personal-data rows, merges, erasures and the
//! requisites, each against the events that recorded it. Fed one event at a
//! time during the log pass (rows keyed by seq are merge-joined in seq order);
//! each section keeps its lowest failing seq. docs/FORMAT.md §10 is the spec.

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, OptionalExtension, Rows, Statement};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Problem;
use crate::checkpoint::CREATED_KIND;
use crate::error::{Error, Result};

/// The sections, in the order their first failure is reported, by the code
/// of their failures (the personal-data section has two).
const SECTIONS: usize = 10;
const CHECKPOINTS: usize = 0;
const REGISTER: usize = 1;
const DATA: usize = 2;
const MERGES: usize = 3;
const ERASURES: usize = 4;
const REQUISITES: usize = 5;
const REQUESTS: usize = 6;
const INCIDENTS: usize = 7;
const OPERATORS: usize = 8;
const ACTIVITIES: usize = 9;
const DATA_MISSING: &str = "data_missing";
const DATA_MISMATCH: &str = "data_mismatch";

fn code_of(section: usize) -> &'static str {
    [
        "checkpoint_unrecorded",
        "register_mismatch",
        DATA_MISMATCH,
        "merge_mismatch",
        "erasure_mismatch",
        "requisites_mismatch",
        "request_mismatch",
        "incident_mismatch",
        "operator_mismatch",
        "activity_mismatch",
    ][section]
}

/// A register row, as `consents` stores it.
struct ConsentRow {
    id: u64,
    /// Every column has its schema's type (otherwise the others are not read).
    typed: bool,
    subject: String,
    agreement: i64,
    version: i64,
    action: String,
    acted_at: String,
    channel: String,
    scan_sha256: Option<String>,
    import: Option<i64>,
}

impl ConsentRow {
    /// Whether the row repeats exactly what its event recorded.
    fn says(&self, kind: &str, subject: Option<&str>, body: &str) -> bool {
        self.typed
            && register_action(kind) == Some(self.action.as_str())
            && Some(self.subject.as_str()) == subject
            && serde_json::from_str::<ConsentBody>(body).is_ok_and(|b| {
                self.agreement == b.agreement
                    && self.version == b.version
                    && self.acted_at == b.acted_at
                    && self.channel == b.channel
                    && self.scan_sha256.as_deref() == b.scan_sha256.as_deref()
                    && self.import == b.import
            })
    }
}

/// A `consent.*` event's body, the fields the register row repeats.
#[derive(Deserialize)]
struct ConsentBody<'a> {
    agreement: i64,
    version: i64,
    #[serde(borrow)]
    acted_at: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    channel: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    scan_sha256: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    import: Option<i64>,
}

/// Only the commitment of a body that records personal data.
#[derive(Deserialize)]
struct Committed<'a> {
    #[serde(borrow, default)]
    commitment: Option<std::borrow::Cow<'a, str>>,
}

struct DataRow {
    seq: u64,
    /// `subject_id` and `data` are text (otherwise they are not read).
    typed: bool,
    subject: String,
    data: String,
}

/// Rows of one query in key order, one row ahead.
struct Cursor<'s, T> {
    rows: Rows<'s>,
    read: fn(&rusqlite::Row) -> rusqlite::Result<T>,
    head: Option<T>,
}

impl<'s, T> Cursor<'s, T> {
    fn new(stmt: &'s mut Statement, read: fn(&rusqlite::Row) -> rusqlite::Result<T>) -> Result<Self> {
        let mut rows = stmt.query([])?;
        let head = rows.next()?.map(read).transpose()?;
        Ok(Cursor { rows, read, head })
    }
    fn take(&mut self) -> Result<Option<T>> {
        let next = self.rows.next()?.map(self.read).transpose()?;
        Ok(std::mem::replace(&mut self.head, next))
    }
}

/// The statements the cursors read from; they must outlive the [`Facts`].
pub(super) struct Statements<'c> {
    consents: Statement<'c>,
    data: Statement<'c>,
}

impl<'c> Statements<'c> {
    pub(super) fn prepare(conn: &'c Connection) -> Result<Self> {
        Ok(Statements {
            consents: conn.prepare(&format!("{CONSENT_COLUMNS} FROM consents ORDER BY id"))?,
            data: conn.prepare(
                "SELECT event_seq, typeof(subject_id) = 'text' AND typeof(data) = 'text', subject_id, data
                   FROM subject_data ORDER BY event_seq",
            )?,
        })
    }
}

pub(super) struct Facts<'s> {
    consents: Cursor<'s, ConsentRow>,
    data: Cursor<'s, DataRow>,
    /// Every subject's key; None once erased.
    keys: HashMap<String, Option<Zeroizing<[u8; 32]>>>,
    /// The lowest failing seq of each section (None: no seq), with its code and message.
    first: [Option<(Option<u64>, &'static str, String)>; SECTIONS],
    /// Events committed to data that is gone, of subjects without a key:
    /// fine only if a later `subject.erased` about the same subject says so.
    gone: Vec<(u64, String)>,
    erased: HashMap<String, u64>,
    /// The last event about each subject that has no key (for an erasure
    /// nobody recorded).
    last_about_keyless: HashMap<String, u64>,
    merges: Vec<(u64, String, Option<String>)>,
    checkpoints: Vec<(u64, String)>,
    imports: Vec<(u64, String)>,
    requisites: Option<(u64, String)>,
    requests: super::requests::Replay,
    incidents: super::incidents::Replay,
    operators: crate::operators::Replay,
    activities: super::processing::Replay,
    /// Register rows per month (of `acted_at`) and action, for `consent_months`.
    months: HashMap<String, i64>,
    month_key: String,
}

/// The register's columns, the second saying whether each has its type.
const CONSENT_COLUMNS: &str = "SELECT id, typeof(subject_id) = 'text' AND typeof(agreement_id) = 'integer'
        AND typeof(version) = 'integer' AND typeof(action) = 'text' AND typeof(acted_at) = 'text'
        AND typeof(channel) = 'text' AND typeof(scan_sha256) IN ('text', 'null')
        AND typeof(import_id) IN ('integer', 'null'),
    subject_id, agreement_id, version, action, acted_at, channel, scan_sha256, import_id";

fn consent_row(r: &rusqlite::Row) -> rusqlite::Result<ConsentRow> {
    let (id, typed) = (r.get::<_, i64>(0)? as u64, r.get::<_, bool>(1)?);
    if !typed {
        return Ok(ConsentRow {
            id,
            typed,
            subject: String::new(),
            agreement: 0,
            version: 0,
            action: String::new(),
            acted_at: String::new(),
            channel: String::new(),
            scan_sha256: None,
            import: None,
        });
    }
    Ok(ConsentRow {
        id,
        typed,
        subject: r.get(2)?,
        agreement: r.get(3)?,
        version: r.get(4)?,
        action: r.get(5)?,
        acted_at: r.get(6)?,
        channel: r.get(7)?,
        scan_sha256: r.get(8)?,
        import: r.get(9)?,
    })
}

fn data_row(r: &rusqlite::Row) -> rusqlite::Result<DataRow> {
    let (seq, typed) = (r.get::<_, i64>(0)? as u64, r.get::<_, bool>(1)?);
    Ok(DataRow {
        seq,
        typed,
        subject: if typed { r.get(2)? } else { String::new() },
        data: if typed { r.get(3)? } else { String::new() },
    })
}

/// The action a `consent.*` kind records, if it is one the register holds.
fn register_action(kind: &str) -> Option<&str> {
    match kind.strip_prefix("consent.")? {
        a @ ("given" | "refused" | "withdrawn" | "expired") => Some(a),
        _ => None,
    }
}

impl<'s> Facts<'s> {
    pub(super) fn new(conn: &Connection, st: &'s mut Statements) -> Result<Self> {
        let mut keys = HashMap::new();
        // A key is usable when it is a blob of 32 bytes and the subject is not erased.
        let mut stmt = conn.prepare(
            "SELECT CAST(id AS TEXT), CASE WHEN typeof(hmac_key) = 'blob' AND length(hmac_key) = 32 THEN hmac_key END,
                    erased_at IS NOT NULL FROM subjects",
        )?;
        let mut rows = stmt.query([])?;
        let mut last_about_keyless = HashMap::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let key = r.get::<_, Option<[u8; 32]>>(1)?.map(Zeroizing::new);
            let erased_at: bool = r.get(2)?;
            if key.is_none() || erased_at {
                last_about_keyless.insert(id.clone(), 0);
            }
            keys.insert(id, if erased_at { None } else { key });
        }
        Ok(Facts {
            consents: Cursor::new(&mut st.consents, consent_row)?,
            data: Cursor::new(&mut st.data, data_row)?,
            keys,
            first: Default::default(),
            gone: Vec::new(),
            erased: HashMap::new(),
            last_about_keyless,
            merges: Vec::new(),
            checkpoints: Vec::new(),
            imports: Vec::new(),
            requisites: None,
            requests: Default::default(),
            incidents: Default::default(),
            operators: Default::default(),
            activities: Default::default(),
            months: HashMap::new(),
            month_key: String::new(),
        })
    }

    fn fail(&mut self, section: usize, seq: Option<u64>, message: impl FnOnce() -> String) {
        self.fail_as(section, code_of(section), seq, message)
    }

    fn fail_as(&mut self, section: usize, code: &'static str, seq: Option<u64>, message: impl FnOnce() -> String) {
        let replace = match &self.first[section] {
            None => true,
            Some((old, _, _)) => match (seq, old) {
                (Some(s), Some(o)) => s < *o,
                (Some(_), None) => true,
                (None, _) => false,
            },
        };
        if replace {
            self.first[section] = Some((seq, code, message()));
        }
    }

    /// One event of the log, in seq order.
    pub(super) fn event(&mut self, seq: u64, kind: &str, actor: &str, subject: Option<&str>, body: &str) -> Result<()> {
        self.register(seq, kind, subject, body)?;
        self.data(seq, subject, body)?;
        if let Some(s) = subject {
            if let Some(last) = self.last_about_keyless.get_mut(s) {
                *last = seq;
            }
        }
        match kind {
            CREATED_KIND => self.checkpoints.push((seq, body.to_string())),
            "consent.imported" => self.imports.push((seq, body.to_string())),
            "subject.merged" => {
                let into = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|b| b["into"].as_str().map(String::from));
                self.merges.push((seq, subject.unwrap_or_default().to_string(), into));
            }
            "subject.erased" => {
                if let Some(s) = subject {
                    self.erased.entry(s.to_string()).or_insert(seq);
                }
            }
            "organisation.requisites_changed" => self.requisites = Some((seq, body.to_string())),
            "document.issued" => {
                if let Ok(b) = serde_json::from_str::<serde_json::Value>(body) {
                    self.incidents.document(seq, &b);
                    self.activities.document(&b);
                }
                self.requests.event(seq, kind, subject, body);
            }
            "document.sent" => self.activities.sent(seq, body),
            k if super::requests::Replay::wants(k) => self.requests.event(seq, kind, subject, body),
            k if super::incidents::Replay::wants(k) => self.incidents.event(seq, kind, body),
            k if crate::operators::Replay::wants(k) => self.operators.event(seq, kind, actor, body),
            k if super::processing::Replay::wants(k) => self.activities.event(seq, kind, body),
            _ => {}
        }
        Ok(())
    }

    fn register(&mut self, seq: u64, kind: &str, subject: Option<&str>, body: &str) -> Result<()> {
        while let Some(id) = self.consents.head.as_ref().map(|r| r.id).filter(|&id| id < seq) {
            self.consents.take()?;
            self.fail(REGISTER, Some(id), || {
                format!("register row {id} claims event #{id}, which did not record a consent")
            });
        }
        let action = register_action(kind);
        let row = match self.consents.head.as_ref() {
            Some(r) if r.id == seq => self.consents.take()?,
            _ => None,
        };
        match (action, row) {
            (None, None) => {}
            (None, Some(_)) => self.fail(REGISTER, Some(seq), || {
                format!("register row {seq} claims event #{seq}, which did not record a consent")
            }),
            (Some(_), None) => self.fail(REGISTER, Some(seq), || {
                format!("the register row of event #{seq} ({kind}) is missing")
            }),
            (Some(_), Some(row)) => {
                if !row.says(kind, subject, body) {
                    self.fail(REGISTER, Some(seq), || {
                        format!("register row {seq} no longer says what event #{seq} recorded ({kind})")
                    });
                }
                // "YYYY-MM action", built in one buffer: no allocation per row.
                self.month_key.clear();
                self.month_key.push_str(row.acted_at.get(..7).unwrap_or_default());
                self.month_key.push(' ');
                self.month_key.push_str(&row.action);
                match self.months.get_mut(self.month_key.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        self.months.insert(self.month_key.clone(), 1);
                    }
                }
            }
        }
        Ok(())
    }

    fn data(&mut self, seq: u64, subject: Option<&str>, body: &str) -> Result<()> {
        while let Some(s) = self.data.head.as_ref().map(|r| r.seq).filter(|&s| s < seq) {
            self.data.take()?;
            self.fail(DATA, Some(s), || {
                format!("the personal data stored for event #{s} does not match that event: it committed to none")
            });
        }
        let row = match self.data.head.as_ref() {
            Some(r) if r.seq == seq => self.data.take()?,
            _ => None,
        };
        // Cheap test first: only bodies that mention a commitment are parsed.
        let commitment = if body.contains("commitment") {
            serde_json::from_str::<Committed>(body).ok().and_then(|c| c.commitment)
        } else {
            None
        };
        match (row, commitment, subject) {
            (None, None, _) | (None, Some(_), None) => {}
            (None, Some(_), Some(s)) => match self.keys.get(s) {
                Some(Some(_)) => self.fail_as(DATA, DATA_MISSING, Some(seq), || {
                    format!("the personal data recorded by event #{seq} is missing, and no erasure was recorded")
                }),
                _ => self.gone.push((seq, s.to_string())),
            },
            (Some(row), c, s) => {
                let key = self.keys.get(&row.subject).and_then(|k| k.as_ref()).filter(|_| row.typed);
                let ok = match (key, c, s) {
                    (Some(k), Some(c), Some(s)) => {
                        s == row.subject
                            && crate::crypto::ct_eq(
                                c.as_bytes(),
                                crate::subjects::commitment(k.as_slice(), &row.data).as_bytes(),
                            )
                    }
                    _ => false,
                };
                if !ok {
                    self.fail(DATA, Some(seq), || format!(
                        "the personal data recorded by event #{seq} was changed after it was recorded: it no longer matches the commitment in the ledger"));
                }
            }
        }
        Ok(())
    }

    /// After the last event: rows beyond the log, and the per-vault facts.
    /// Returns the first failing section's lowest seq.
    pub(super) fn finish(mut self, conn: &Connection) -> Result<Option<Problem>> {
        while let Some(r) = self.consents.take()? {
            let id = r.id;
            self.fail(REGISTER, Some(id), || format!("register row {id} claims event #{id}, which does not exist"));
        }
        while let Some(r) = self.data.take()? {
            let s = r.seq;
            self.fail(DATA, Some(s), || format!("personal data is stored for event #{s}, which does not exist"));
        }
        for (seq, subject) in std::mem::take(&mut self.gone) {
            if self.erased.get(&subject).is_none_or(|&e| e <= seq) {
                self.fail_as(DATA, DATA_MISSING, Some(seq), || {
                    format!("the personal data recorded by event #{seq} is missing, and no erasure was recorded")
                });
            }
        }
        self.check_checkpoints(conn)?;
        self.check_imports(conn)?;
        self.check_months(conn)?;
        self.check_merges(conn)?;
        // Before check_erasures, which consumes the erasures.
        for (seq, message) in std::mem::take(&mut self.requests).check(conn, &self.erased)? {
            self.fail(REQUESTS, seq, || message);
        }
        for (seq, message) in std::mem::take(&mut self.incidents).check(conn)? {
            self.fail(INCIDENTS, seq, || message);
        }
        for (seq, message) in std::mem::take(&mut self.operators).check(conn)? {
            self.fail(OPERATORS, seq, || message);
        }
        for (seq, message) in std::mem::take(&mut self.activities).check(conn)? {
            self.fail(ACTIVITIES, seq, || message);
        }
        self.check_erasures(conn)?;
        self.check_requisites(conn)?;
        Ok(self.first.into_iter().flatten().next().map(|(seq, code, message)| Problem { code, seq, message }))
    }

    fn check_checkpoints(&mut self, conn: &Connection) -> Result<()> {
        let mut rows: BTreeMap<u64, (u64, [u8; 32])> = BTreeMap::new();
        // (Rows of the wrong types were already refused by the signature check.)
        let mut stmt = conn.prepare("SELECT id, tree_size, root FROM checkpoints")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.insert(r.get::<_, i64>(0)? as u64, (r.get::<_, i64>(1)? as u64, r.get(2)?));
        }
        let mut named = Vec::new();
        for (seq, body) in std::mem::take(&mut self.checkpoints) {
            let b: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let (id, size, root) = (b["checkpoint"].as_u64(), b["tree_size"].as_u64(), b["root"].as_str());
            let row = id.and_then(|id| rows.get(&id));
            let ok = match (row, size, root) {
                (Some((rs, rr)), Some(size), Some(root)) => {
                    *rs == size && seq == size + 1 && hex::encode(rr) == root
                }
                _ => false,
            };
            if let Some(id) = id {
                named.push(id);
            }
            if !ok {
                self.fail(CHECKPOINTS, Some(seq), || {
                    format!("the checkpoint that event #{seq} recorded is missing or was altered")
                });
            }
        }
        // Rows from before checkpoints were recorded as events are legacy:
        // those below the first id an event names (all, if none does).
        if let Some(&first) = named.iter().min() {
            for (&id, &(size, _)) in rows.range(first..) {
                if !named.contains(&id) {
                    let seq = size + 1;
                    self.fail(CHECKPOINTS, Some(seq), || {
                        format!("checkpoint {id} (over {size} events) was not recorded by event #{seq}")
                    });
                }
            }
        }
        Ok(())
    }

    /// The overview's counts per month and action equal the register's.
    fn check_months(&mut self, conn: &Connection) -> Result<()> {
        let mut stmt = conn.prepare(
            "SELECT CAST(month AS TEXT) || ' ' || CAST(action AS TEXT), CAST(n AS INTEGER) FROM consent_months WHERE n <> 0",
        )?;
        let stored: HashMap<String, i64> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if stored != self.months {
            self.fail(REGISTER, None, || {
                "the register's counts per month (consent_months) differ from its rows".into()
            });
        }
        Ok(())
    }

    fn check_imports(&mut self, conn: &Connection) -> Result<()> {
        type ImportRow = (u64, String, String, i64, i64, i64, i64);
        let mut rows: HashMap<i64, ImportRow> = HashMap::new();
        // A row whose columns lack their types is kept with a seq but matches no event.
        let mut stmt = conn.prepare(
            "SELECT id, event_seq, typeof(file_sha256) = 'text' AND typeof(format) = 'text' AND typeof(rows_read) = 'integer'
                    AND typeof(rows_added) = 'integer' AND typeof(rows_duplicate) = 'integer'
                    AND typeof(rows_rejected) = 'integer',
                    file_sha256, format, rows_read, rows_added, rows_duplicate, rows_rejected FROM imports",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let typed: bool = r.get(2)?;
            let row = if typed {
                (r.get::<_, i64>(1)? as u64, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?)
            } else {
                (r.get::<_, i64>(1)? as u64, String::new(), String::new(), -1, -1, -1, -1)
            };
            rows.insert(r.get(0)?, row);
        }
        for (seq, body) in std::mem::take(&mut self.imports) {
            let b: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let row = b["import"].as_i64().and_then(|id| rows.remove(&id));
            let ok = row.is_some_and(|(rseq, sha, format, read, added, dup, rej)| {
                rseq == seq
                    && b["file_sha256"].as_str() == Some(sha.as_str())
                    && b["format"].as_str() == Some(format.as_str())
                    && b["rows_read"].as_i64() == Some(read)
                    && b["added"].as_i64() == Some(added)
                    && b["duplicates"].as_i64() == Some(dup)
                    && b["rejected"].as_i64() == Some(rej)
            });
            if !ok {
                self.fail(REGISTER, Some(seq), || {
                    format!("the import recorded by event #{seq} is missing from the vault or was altered")
                });
            }
        }
        for (id, (seq, ..)) in rows {
            self.fail(REGISTER, Some(seq), || {
                format!("import {id} claims event #{seq}, which did not record it")
            });
        }
        Ok(())
    }

    fn check_merges(&mut self, conn: &Connection) -> Result<()> {
        let mut rows: HashMap<String, (String, u64)> = HashMap::new();
        let mut stmt = conn.prepare("SELECT absorbed, into_id, event_seq FROM subject_merges")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            rows.insert(r.get(0)?, (r.get(1)?, r.get::<_, i64>(2)? as u64));
        }
        for (seq, absorbed, into) in std::mem::take(&mut self.merges) {
            let ok = matches!(rows.remove(&absorbed), Some((i, s)) if Some(&i) == into.as_ref() && s == seq);
            if !ok {
                self.fail(MERGES, Some(seq), || {
                    format!("the merge recorded by event #{seq} is missing from the vault or was altered")
                });
            }
        }
        for (_, (_, seq)) in rows {
            self.fail(MERGES, Some(seq), || format!("a merge claims event #{seq}, which did not record it"));
        }
        Ok(())
    }

    fn check_erasures(&mut self, conn: &Connection) -> Result<()> {
        let erased = std::mem::take(&mut self.erased);
        for (subject, &seq) in &erased {
            let row: Option<(bool, bool)> = conn
                .query_row(
                    "SELECT hmac_key IS NULL, erased_at IS NOT NULL FROM subjects WHERE id = ?1",
                    [subject],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if row != Some((true, true)) {
                self.fail(ERASURES, Some(seq), || {
                    format!("event #{seq} erased a subject that the vault still holds as not erased")
                });
            }
        }
        for (subject, &last) in &std::mem::take(&mut self.last_about_keyless) {
            if !erased.contains_key(subject) {
                let seq = (last > 0).then_some(last);
                self.fail(ERASURES, seq, || {
                    format!("a subject is marked erased, but no event erased it (its last event is #{last})")
                });
            }
        }
        Ok(())
    }

    fn check_requisites(&mut self, conn: &Connection) -> Result<()> {
        let stored: Option<String> = conn
            .query_row("SELECT requisites FROM organisation WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let shown: String = conn.query_row("SELECT organisation FROM vault_meta", [], |r| r.get(0))?;
        match (self.requisites.take(), stored) {
            (None, None) => {}
            (None, Some(_)) => self.fail(REQUISITES, Some(1), || {
                "the organisation's requisites are stored, but no event recorded them".into()
            }),
            (Some((seq, _)), None) => self.fail(REQUISITES, Some(seq), || {
                format!("the organisation's requisites recorded by event #{seq} are missing")
            }),
            (Some((seq, body)), Some(text)) => {
                let b: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                let digest = hex::encode(Sha256::digest(text.as_bytes()));
                let name = serde_json::from_str::<crate::organisation::Requisites>(&text)
                    .ok()
                    .map(|r| r.display_name().to_string());
                if b["sha256"].as_str() != Some(digest.as_str()) || name.as_deref() != Some(shown.as_str()) {
                    self.fail(REQUISITES, Some(seq), || {
                        format!("the organisation's requisites were changed after event #{seq} recorded them")
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether register row `id` still says what its event recorded (for the
/// subject page's "matches the ledger").
pub fn consent_matches(conn: &Connection, id: u64) -> Result<bool> {
    let row = conn
        .prepare_cached(&format!("{CONSENT_COLUMNS} FROM consents WHERE id = ?1"))?
        .query_row([id as i64], consent_row)
        .optional()?;
    let Some(row) = row else { return Ok(false) };
    let event = match crate::ledger::get(conn, id) {
        Ok(e) => e,
        Err(Error::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    if crate::ledger::recompute_leaf(&event) != event.leaf_hash {
        return Ok(false);
    }
    Ok(row.says(&event.kind, event.subject.as_deref(), &event.body))
}
