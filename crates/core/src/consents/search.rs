//! Full-text search over subjects (SQLite FTS5, prefix indexes): what a user
//! types becomes a safe FTS query; phone numbers are matched by digits with or
//! without the country code.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;

/// The token a normalised phone is indexed under: for Russian numbers the
/// 10 digits without the leading 7 (a query for 7…, 8… or the bare 10 digits
/// finds it, see [`fts_query`]); other numbers in full.
pub(crate) fn phone_token(normalized: &str) -> &str {
    if normalized.len() == 11 && normalized.starts_with('7') {
        &normalized[1..]
    } else {
        normalized
    }
}

fn quoted(token: &str) -> String {
    format!("\"{}\"*", token.replace('"', "\"\""))
}

/// Turns typed text into an FTS5 query: each word must match as a prefix
/// (a word like `ivan.petrov@ex` matches as a phrase of its parts); text that
/// is only a phone number matches the phone column by digits. None for empty text.
pub fn fts_query(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let phone_like = t
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        && t.chars().filter(char::is_ascii_digit).count() >= 3;
    if phone_like {
        let d: String = t.chars().filter(char::is_ascii_digit).collect();
        let mut alts = vec![quoted(&d)];
        if d.len() >= 3 && (d.starts_with('7') || d.starts_with('8')) {
            alts.push(quoted(&d[1..]));
        }
        return Some(format!("phone : ({})", alts.join(" OR ")));
    }
    let words: Vec<String> = t
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(quoted)
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// A subject's search entry: its names, e-mails and phone tokens.
pub(crate) struct Entry {
    rowid: i64,
    names: Vec<String>,
    emails: Vec<String>,
    phones: Vec<String>,
}

impl Entry {
    pub(crate) fn new(rowid: i64) -> Self {
        Entry { rowid, names: vec![], emails: vec![], phones: vec![] }
    }

    /// Adds one contact (`kind` as in `subject_contacts`).
    pub(crate) fn add(&mut self, kind: &str, value: &str) {
        match kind {
            "name" => self.names.push(value.to_string()),
            "email" => self.emails.push(value.to_string()),
            _ => self.phones.push(phone_token(value).to_string()),
        }
    }

    /// Inserts the entry (the subject must have none yet).
    pub(crate) fn insert(&self, tx: &rusqlite::Transaction) -> Result<()> {
        if !(self.names.is_empty() && self.emails.is_empty() && self.phones.is_empty()) {
            tx.prepare_cached(
                "INSERT INTO subject_search (rowid, name, email, phone) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(rusqlite::params![
                self.rowid,
                self.names.join(" "),
                self.emails.join(" "),
                self.phones.join(" ")
            ])?;
        }
        Ok(())
    }
}

/// Rewrites the search entry of `subject` from its contacts.
pub(crate) fn reindex_subject(tx: &rusqlite::Transaction, subject: &str) -> Result<()> {
    let id: i64 = tx
        .prepare_cached("SELECT rowid FROM subjects WHERE id = ?1")?
        .query_row([subject], |r| r.get(0))?;
    let mut entry = Entry::new(id);
    {
        let mut contacts = tx.prepare_cached(
            "SELECT kind, value FROM subject_contacts WHERE subject_id = ?1 ORDER BY kind, value",
        )?;
        let mut rows = contacts.query([subject])?;
        while let Some(r) = rows.next()? {
            entry.add(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?);
        }
    }
    tx.prepare_cached("DELETE FROM subject_search WHERE rowid = ?1")?
        .execute([id])?;
    entry.insert(tx)
}

/// Rewrites the search index without the entries deleted so far, so that
/// no page holds an erased person's words any more.
///
/// The index is contentless with `contentless_delete = 1`: a DELETE only adds
/// the rowid to a tombstone list, and the words stay in their segments until
/// a merge rewrites them. FTS5's `secure-delete` option does not change that
/// for such a table (it removes words only where a delete names them, and a
/// contentless table's delete cannot), so the whole index is merged into one
/// segment here (`optimize`), leaving the deleted rows out; `secure_delete =
/// ON` zeroes the old segments' pages. It rewrites every entry, so an
/// erasure's time grows with the register: about 0.06 s in all with 10,000
/// subjects, 0.3 s of merging with 100,000, 1 s with 333,000 (2 cores).
pub(crate) fn purge_deleted(tx: &rusqlite::Transaction) -> Result<()> {
    tx.prepare_cached("INSERT INTO subject_search (subject_search) VALUES ('optimize')")?
        .execute([])?;
    Ok(())
}

/// A subject found by search.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub subject: String,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub consents: u64,
}

/// Subjects matching `text`, newest first, at most `limit` (no ranking: a
/// common surname matches tens of thousands, and ranking them all is slow).
pub fn subjects(conn: &Connection, text: &str, limit: u32) -> Result<Vec<Hit>> {
    let Some(q) = fts_query(text) else {
        return Ok(vec![]);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT s.id FROM subject_search f JOIN subjects s ON s.rowid = f.rowid
         WHERE subject_search MATCH ?1 AND s.erased_at IS NULL ORDER BY f.rowid DESC LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![q, limit.clamp(1, 1000)], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    hits(conn, ids)
}

/// Other subjects recorded under one of `subject`'s names: perhaps the same
/// person, whom the automatic match by e-mail or phone could not join. An
/// operator decides, and merges them (see [`super::merge`]).
pub fn same_name(conn: &Connection, subject: &str, limit: u32) -> Result<Vec<Hit>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT o.subject_id FROM subject_contacts n
         JOIN subject_contacts o ON o.kind = 'name' AND o.value = n.value AND o.subject_id <> n.subject_id
         JOIN subjects s ON s.id = o.subject_id
         WHERE n.kind = 'name' AND n.subject_id = ?1 AND s.erased_at IS NULL
         ORDER BY s.rowid DESC LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![subject, limit.clamp(1, 1000)], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    hits(conn, ids)
}

/// Each subject with its contacts and number of consents.
fn hits(conn: &Connection, ids: Vec<String>) -> Result<Vec<Hit>> {
    let mut contacts = conn.prepare_cached(
        "SELECT kind, value FROM subject_contacts WHERE subject_id = ?1 ORDER BY kind, value",
    )?;
    let mut count = conn.prepare_cached("SELECT count(*) FROM consents WHERE subject_id = ?1")?;
    ids.into_iter()
        .map(|id| {
            let mut h = Hit {
                subject: id.clone(),
                names: vec![],
                emails: vec![],
                phones: vec![],
                consents: count.query_row([&id], |r| r.get::<_, i64>(0))? as u64,
            };
            let mut rows = contacts.query([&id])?;
            while let Some(r) = rows.next()? {
                let (k, v): (String, String) = (r.get(0)?, r.get(1)?);
                match k.as_str() {
                    "name" => h.names.push(v),
                    "email" => h.emails.push(v),
                    _ => h.phones.push(v),
                }
            }
            Ok(h)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("Иван Пет").unwrap(), "\"Иван\"* AND \"Пет\"*");
        // Quotes and FTS operators are only text.
        assert_eq!(fts_query("a\" OR x").unwrap(), "\"a\"\"\"* AND \"OR\"* AND \"x\"*");
        assert_eq!(fts_query("+7 (916) 123").unwrap(), "phone : (\"7916123\"* OR \"916123\"*)");
        assert_eq!(fts_query("916 12").unwrap(), "phone : (\"91612\"*)");
        // Russian numbers are indexed by their 10 digits: +7 and 8 are dropped.
        assert_eq!(fts_query("+7 91").unwrap(), "phone : (\"791\"* OR \"91\"*)");
        assert_eq!(phone_token("79161234567"), "9161234567");
        assert_eq!(phone_token("4930123456"), "4930123456");
    }
}
