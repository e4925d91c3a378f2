//! Full-text search over subjects (SQLite FTS5, prefix indexes): what a user
//! types becomes a safe FTS query; phone numbers are matched by digits with or
//! without the country code. Names and e-mails are folded (ё as е) where the
//! tokenizer does not; each name word is also indexed by its Latin skeleton
//! ([`super::translit`]), through which [`find`] offers the subjects whose
//! name is written in the other alphabet as candidates to confirm.

use std::borrow::Cow;
use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::translit;
use crate::error::{Error, Result};

/// Folds what the index's tokenizer (`unicode61 remove_diacritics 2`) does
/// not: it takes the diacritics off Latin letters only, so «Фёдоров» and
/// «Федоров» would be different words. ё and Ё become е and Е (also when
/// written as е followed by a combining diaeresis). Applied to the names
/// and e-mails indexed and to the words searched.
pub fn fold(text: &str) -> Cow<'_, str> {
    if !text.contains(['ё', 'Ё', '\u{308}']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ё' => out.push('е'),
            'Ё' => out.push('Е'),
            '\u{308}' if out.ends_with(['е', 'Е']) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

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

/// Whether typed text is only a phone number (digits, spaces, `+-()`, at least 3 digits).
fn phone_like(t: &str) -> bool {
    t.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
        && t.chars().filter(char::is_ascii_digit).count() >= 3
}

/// Turns typed text into an FTS5 query: each word, folded, must match as a
/// prefix in the names, e-mails or phones, in any order (a word like
/// `ivan.petrov@ex` matches as a phrase of its parts); text that is only a
/// phone number matches the phone column by digits. None for empty text.
pub fn fts_query(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if phone_like(t) {
        let d: String = t.chars().filter(char::is_ascii_digit).collect();
        let mut alts = vec![quoted(&d)];
        if d.len() >= 3 && (d.starts_with('7') || d.starts_with('8')) {
            alts.push(quoted(&d[1..]));
        }
        return Some(format!("phone : ({})", alts.join(" OR ")));
    }
    let t = fold(t);
    let words: Vec<String> = t
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(quoted)
        .collect();
    (!words.is_empty()).then(|| format!("{{name email phone}} : ({})", words.join(" AND ")))
}

/// The query of the transliterated names: each word's skeleton must match
/// as a prefix a skeleton of the subject's names, in any order. None for a
/// phone number, text with an e-mail address (e-mails are not
/// transliterated) or text with no word.
pub fn translit_query(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || phone_like(t) || t.contains('@') {
        return None;
    }
    let words: Vec<String> = translit::skeletons(t).iter().map(|w| quoted(w)).collect();
    (!words.is_empty()).then(|| format!("translit : ({})", words.join(" AND ")))
}

/// A subject's search entry: its names and e-mails (folded), phone tokens,
/// and the skeletons of its names' words.
///
/// The index is contentless: it keeps no copy of what it indexed, and a
/// classic contentless FTS5 table removes an entry only when told the exact
/// text it was indexed with (the `'delete'` command). So every entry is also
/// kept, column for column, in `subject_search_text` (rowid = the subject's
/// rowid), written with the entry and deleted with it ([`remove`]). With the
/// table's `secure-delete` option on, that delete takes the entry's words out
/// of the index's pages themselves, and [`scrub_keys`] out of the b-tree keys
/// FTS5 leaves: nothing of them is left for a merge to rewrite, and erasing
/// one person writes only the pages that held their words, however large
/// the register.
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
            "name" => self.names.push(fold(value).into_owned()),
            "email" => self.emails.push(fold(value).into_owned()),
            _ => self.phones.push(phone_token(value).to_string()),
        }
    }

    /// The skeletons of the names' words, each once.
    fn translit(&self) -> String {
        let mut words: Vec<String> = Vec::new();
        for w in self.names.iter().flat_map(|n| translit::skeletons(n)) {
            if !words.contains(&w) {
                words.push(w);
            }
        }
        words.join(" ")
    }

    /// The text of each column (`name`, `email`, `phone`, `translit`), as
    /// indexed and as kept in `subject_search_text`; None for an entry with
    /// nothing to index.
    fn columns(&self) -> Option<[String; 4]> {
        if self.names.is_empty() && self.emails.is_empty() && self.phones.is_empty() {
            return None;
        }
        Some([self.names.join(" "), self.emails.join(" "), self.phones.join(" "), self.translit()])
    }

    /// Inserts the entry and its text (the subject must have none yet).
    pub(crate) fn insert(&self, tx: &rusqlite::Transaction) -> Result<()> {
        match self.columns() {
            Some(c) => insert_columns(tx, self.rowid, &c),
            None => Ok(()),
        }
    }
}

fn insert_columns(tx: &rusqlite::Transaction, rowid: i64, c: &[String; 4]) -> Result<()> {
    let params = rusqlite::params![rowid, c[0], c[1], c[2], c[3]];
    tx.prepare_cached(
        "INSERT INTO subject_search (rowid, name, email, phone, translit) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params)?;
    tx.prepare_cached(
        "INSERT INTO subject_search_text (rowid, name, email, phone, translit) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params)?;
    Ok(())
}

/// The text the entry of the subject with `rowid` was indexed with, if it has one.
fn indexed_columns(tx: &rusqlite::Transaction, rowid: i64) -> Result<Option<[String; 4]>> {
    Ok(tx
        .prepare_cached("SELECT name, email, phone, translit FROM subject_search_text WHERE rowid = ?1")?
        .query_row([rowid], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]))
        .optional()?)
}

/// Takes `old`, the text the entry of `rowid` was indexed with, out of the
/// index (`secure-delete`: out of its pages too), and deletes that text.
/// `new` is the text the entry is about to be indexed with, if any: the
/// index's keys are checked for the words of `old` that it lacks
/// ([`scrub_keys`]).
fn delete_columns(tx: &rusqlite::Transaction, rowid: i64, old: &[String; 4], new: Option<&[String; 4]>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO subject_search (subject_search, rowid, name, email, phone, translit)
         VALUES ('delete', ?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(rusqlite::params![rowid, old[0], old[1], old[2], old[3]])?;
    tx.prepare_cached("DELETE FROM subject_search_text WHERE rowid = ?1")?
        .execute([rowid])?;
    let kept: HashSet<&str> = new.into_iter().flatten().flat_map(|c| c.split_whitespace()).collect();
    let gone: Vec<&str> = old.iter().flat_map(|c| c.split_whitespace()).filter(|w| !kept.contains(w)).collect();
    if gone.is_empty() {
        // Words were added or only their order changed: every word of the
        // old entry is indexed again.
        return Ok(());
    }
    scrub_keys(tx, &gone)
}

/// Removes the search entry of the subject with `rowid`, if it has one: its
/// words leave the index's pages and keys, its text leaves
/// `subject_search_text` (`secure_delete` zeroes the freed bytes). Erasure
/// calls it; it writes only the pages that held the entry's words, on a
/// register of any size.
pub(crate) fn remove(tx: &rusqlite::Transaction, rowid: i64) -> Result<()> {
    if let Some(old) = indexed_columns(tx, rowid)? {
        delete_columns(tx, rowid, &old, None)?;
    }
    Ok(())
}

/// The tokenizer of `subject_search` (`migrations/0008_search_folding.sql`).
const TOKENIZER: &str = "unicode61 remove_diacritics 2";

/// The terms FTS5 makes of `words` with the index's tokenizer, as the bytes
/// it stores (without the byte that names the index): tokenized by FTS5
/// itself, in a database held in memory.
fn terms(words: &[&str]) -> Result<Vec<Vec<u8>>> {
    let mem = Connection::open_in_memory()?;
    mem.execute_batch(&format!(
        "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = '{TOKENIZER}');
         CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row');"
    ))?;
    mem.execute("INSERT INTO t (x) VALUES (?1)", [words.join(" ")])?;
    let mut stmt = mem.prepare("SELECT CAST(term AS BLOB) FROM v")?;
    let terms = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(terms)
}

/// The rowid of page `pgno` of segment `segid` in `subject_search_data`
/// (FTS5's `FTS5_SEGMENT_ROWID`).
fn leaf_rowid(segid: i64, pgno: i64) -> i64 {
    (segid << 37) + pgno
}

/// The first term on an FTS5 leaf page as stored (with the byte that names
/// the index): bytes 2–3 give the offset of the page's footer, whose first
/// varint is the offset of the first term, stored there as a varint length
/// and its bytes. None when the page has no term or is not laid out so.
fn first_term(page: &[u8]) -> Option<&[u8]> {
    fn varint(b: &[u8]) -> Option<(usize, usize)> {
        // SQLite's varint; the values read here take two or three bytes.
        let mut v: usize = 0;
        for (i, &byte) in b.iter().enumerate().take(4) {
            v = (v << 7) | usize::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                return Some((v, i + 1));
            }
        }
        None
    }
    let footer = usize::from(u16::from_be_bytes([*page.get(2)?, *page.get(3)?]));
    if footer >= page.len() {
        return None;
    }
    let (at, _) = varint(&page[footer..])?;
    if at < 4 || at >= footer {
        return None;
    }
    let (len, n) = varint(&page[at..footer])?;
    let start = at + n;
    (len > 0 && start + len <= footer).then(|| &page[start..start + len])
}

/// Takes out of the index's b-tree keys what is left there of `words`, the
/// words of an entry just deleted (see [`delete_columns`]).
///
/// The 'delete' command with `secure-delete` edits the leaf pages that held
/// the entry's terms, but FTS5 also keeps, in `subject_search_idx`, a key
/// for each leaf page after a segment's first: the page's first term cut to
/// one byte more than it shares with the term before it (in full when an
/// incremental merge wrote it). When a deleted term was the first on its
/// page, that key stays: a prefix of the word, sometimes all of it. So do
/// the keys of the pages an incremental merge has already moved to another
/// segment, until the merge ends.
///
/// So once the delete is written to the pages (`'flush'`), every key that
/// is a prefix of one of the words' terms (as FTS5 makes them, [`terms`])
/// is checked against the first term now on its page. A key that still
/// begins that term is left (it is a prefix of a word someone else has);
/// any other is replaced by that first term, a key such as FTS5 itself
/// writes and as valid (greater than every term of the pages before, not
/// greater than the page's first); the key of a page no longer in its
/// segment is deleted (FTS5 skips such keys). Should a page not read as
/// expected, the whole index is merged instead (`'optimize'`), which leaves
/// no old key anywhere. The keys are few (one per leaf of about 4 KB), and
/// only the pages of the matching ones are read.
fn scrub_keys(tx: &rusqlite::Transaction, words: &[&str]) -> Result<()> {
    tx.prepare_cached("INSERT INTO subject_search (subject_search) VALUES ('flush')")?
        .execute([])?;
    let terms = terms(words)?;
    // (segid, key, page). A key's first byte names the index ('0' the
    // main one, '1'.. the prefix indexes); a segment's first page has none.
    let mut keys: Vec<(i64, Vec<u8>, i64)> = vec![];
    {
        let mut stmt = tx.prepare_cached("SELECT segid, term, pgno >> 1 FROM subject_search_idx")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let key: Vec<u8> = r.get(1)?;
            if key.len() > 1 && terms.iter().any(|t| t.starts_with(&key[1..])) {
                keys.push((r.get(0)?, key, r.get(2)?));
            }
        }
    }
    for (segid, key, pgno) in keys {
        let page: Option<Vec<u8>> = tx
            .prepare_cached("SELECT block FROM subject_search_data WHERE id = ?1")?
            .query_row([leaf_rowid(segid, pgno)], |r| r.get(0))
            .optional()?;
        let Some(page) = page else {
            tx.prepare_cached("DELETE FROM subject_search_idx WHERE segid = ?1 AND term = ?2")?
                .execute(rusqlite::params![segid, key])?;
            continue;
        };
        match first_term(&page) {
            Some(first) if first.starts_with(&key) => {}
            Some(first) if first > key.as_slice() => {
                tx.prepare_cached("UPDATE subject_search_idx SET term = ?3 WHERE segid = ?1 AND term = ?2")?
                    .execute(rusqlite::params![segid, key, first])?;
            }
            _ => {
                tx.prepare_cached("INSERT INTO subject_search (subject_search) VALUES ('optimize')")?
                    .execute([])?;
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Schema 8's hook (`migrations/0008_search_folding.sql` recreates the
/// index with its `translit` column, and `subject_search_text` beside it):
/// fills both again from the contacts of every subject not erased, folded
/// and transliterated. Erased and merged-away subjects have no contacts, so
/// they get no entry.
///
/// It writes through [`Entry`]: a later schema that changes the index's
/// columns must give this migration its own insert.
pub(crate) fn refill_index(tx: &rusqlite::Transaction) -> rusqlite_migration::HookResult {
    refill(tx).map_err(|e| match e {
        Error::Db(e) => rusqlite_migration::HookError::RusqliteError(e),
        e => rusqlite_migration::HookError::Hook(e.to_string()),
    })
}

fn refill(tx: &rusqlite::Transaction) -> Result<()> {
    let mut subjects = tx.prepare("SELECT rowid, id FROM subjects WHERE erased_at IS NULL ORDER BY rowid")?;
    let mut contacts = tx.prepare(
        "SELECT kind, value FROM subject_contacts WHERE subject_id = ?1 ORDER BY kind, value",
    )?;
    let mut rows = subjects.query([])?;
    while let Some(r) = rows.next()? {
        let (rowid, id): (i64, String) = (r.get(0)?, r.get(1)?);
        let mut entry = Entry::new(rowid);
        let mut c = contacts.query([&id])?;
        while let Some(c) = c.next()? {
            entry.add(&c.get::<_, String>(0)?, &c.get::<_, String>(1)?);
        }
        entry.insert(tx)?;
    }
    Ok(())
}

/// Rewrites the search entry of `subject` from its contacts: the old entry
/// is removed with the text it was indexed with (as [`remove`] does), the
/// new one inserted; nothing is written when the text is the same.
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
    let new = entry.columns();
    let old = indexed_columns(tx, id)?;
    if old == new {
        return Ok(());
    }
    if let Some(old) = old {
        delete_columns(tx, id, &old, new.as_ref())?;
    }
    match new {
        Some(c) => insert_columns(tx, id, &c),
        None => Ok(()),
    }
}

/// A person found by search: the subject everything of theirs was merged
/// into, with all its contacts.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub subject: String,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// The person's consents (those of the subjects merged into it included).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub consents: u64,
    /// The person's processing is restricted (blocked).
    pub restricted: bool,
}

/// What [`find`] found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Found {
    /// People whose names, e-mails or phones match the words typed.
    pub hits: Vec<Hit>,
    /// People matched only through transliteration (a name written in the
    /// other alphabet, or spelt another usual way): perhaps the person
    /// looked for, for an operator to confirm. None of them is in `hits`.
    pub candidates: Vec<Hit>,
}

/// People matching `text`, newest first, at most `limit` (no ranking: a
/// common surname matches tens of thousands, and ranking them all is slow).
/// Each person is named once, by the subject the others were merged into.
pub fn subjects(conn: &Connection, text: &str, limit: u32) -> Result<Vec<Hit>> {
    let Some(q) = fts_query(text) else {
        return Ok(vec![]);
    };
    let ids = people(conn, &q, limit.clamp(1, 1000), &[])?;
    hits(conn, ids)
}

/// People matching `text` as [`subjects`] finds them (`hits`), and apart
/// from them the people whose names match it only once both are
/// transliterated (`candidates`): a letter signed "Dmitry Fedorov" finds
/// «Фёдоров Дмитрий» there, and «Дмитрий Фёдоров» typed in Cyrillic finds
/// a subject recorded as "Dmitriy Fyodorov". At most `limit` of each.
pub fn find(conn: &Connection, text: &str, limit: u32) -> Result<Found> {
    let limit = limit.clamp(1, 1000);
    let Some(direct) = fts_query(text) else {
        return Ok(Found::default());
    };
    let found = people(conn, &direct, limit, &[])?;
    let others = match translit_query(text) {
        Some(t) => people(conn, &format!("({t}) NOT ({direct})"), limit, &found)?,
        None => vec![],
    };
    Ok(Found {
        hits: hits(conn, found)?,
        candidates: hits(conn, others)?,
    })
}

/// The people of the live subjects matching FTS query `q`, newest first, at
/// most `limit`, none of `except`.
fn people(conn: &Connection, q: &str, limit: u32, except: &[String]) -> Result<Vec<String>> {
    // (s.id, whether it was merged into another subject)
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, EXISTS (SELECT 1 FROM subject_merges g WHERE g.absorbed = s.id)
           FROM subject_search f JOIN subjects s ON s.rowid = f.rowid
          WHERE subject_search MATCH ?1 AND s.erased_at IS NULL ORDER BY f.rowid DESC LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![q, limit as i64 + except.len() as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for (id, merged) in ids {
        // A merged-away subject has no entry of its own; this only guards
        // an index written before its merge.
        let person = if merged { super::current_subject(conn, &id)? } else { id };
        if !except.contains(&person) && !out.contains(&person) {
            out.push(person);
            if out.len() == limit as usize {
                break;
            }
        }
    }
    Ok(out)
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

/// Each subject with its contacts and the number of its person's consents.
fn hits(conn: &Connection, ids: Vec<String>) -> Result<Vec<Hit>> {
    let mut contacts = conn.prepare_cached(
        "SELECT kind, value FROM subject_contacts WHERE subject_id = ?1 ORDER BY kind, value",
    )?;
    let mut own = conn.prepare_cached("SELECT count(*) FROM consents WHERE subject_id = ?1")?;
    let mut merged_into = conn.prepare_cached("SELECT 1 FROM subject_merges WHERE into_id = ?1 LIMIT 1")?;
    let mut person = conn.prepare_cached(
        "WITH RECURSIVE m(id) AS (SELECT ?1 UNION SELECT g.absorbed FROM subject_merges g JOIN m ON g.into_id = m.id)
         SELECT count(*) FROM consents WHERE subject_id IN (SELECT id FROM m)",
    )?;
    let mut count = |id: &str| -> rusqlite::Result<i64> {
        if merged_into.exists([id])? {
            person.query_row([id], |r| r.get(0))
        } else {
            own.query_row([id], |r| r.get(0))
        }
    };
    ids.into_iter()
        .map(|id| {
            let mut h = Hit {
                subject: id.clone(),
                names: vec![],
                emails: vec![],
                phones: vec![],
                consents: count(&id)? as u64,
                restricted: crate::requests::fulfil::is_restricted(conn, &id)?,
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
    use crate::consents::{self, Action, Channel, Intake, Target};

    #[test]
    fn typed_text_becomes_a_safe_prefix_query() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(fts_query("Иван Пет").unwrap(), "{name email phone} : (\"Иван\"* AND \"Пет\"*)");
        // Folded; quotes and FTS operators are only text.
        assert_eq!(fts_query("Фёдоров").unwrap(), "{name email phone} : (\"Федоров\"*)");
        assert_eq!(fts_query("a\" OR x").unwrap(), "{name email phone} : (\"a\"\"\"* AND \"OR\"* AND \"x\"*)");
        assert_eq!(fts_query("+7 (916) 123").unwrap(), "phone : (\"7916123\"* OR \"916123\"*)");
        assert_eq!(fts_query("916 12").unwrap(), "phone : (\"91612\"*)");
        // Russian numbers are indexed by their 10 digits: +7 and 8 are dropped.
        assert_eq!(fts_query("+7 91").unwrap(), "phone : (\"791\"* OR \"91\"*)");
        assert_eq!(phone_token("79161234567"), "9161234567");
        assert_eq!(phone_token("4930123456"), "4930123456");
        assert_eq!(translit_query("Dmitry Фёдоров").unwrap(), "translit : (\"dmitri\"* AND \"fedorov\"*)");
        for none in ["", "+7 916 123", "fedorov@mail.ru", " - "] {
            assert_eq!(translit_query(none), None, "{none:?}");
        }
    }

    /// A leaf page as FTS5 lays it out: header (first rowid's offset, the
    /// footer's offset), the first term (length, bytes), its doclist, the
    /// footer (the first term's offset).
    #[test]
    fn the_first_term_is_read_from_a_leaf_page() {
        let page = [0, 0, 0, 10, 3, b'0', b'a', b'b', 2, 0, 4];
        assert_eq!(first_term(&page), Some(&b"0ab"[..]));
        // No footer: no term on the page (a doclist continued from the page before).
        assert_eq!(first_term(&[0, 4, 0, 6, 2, 0]), None);
        // Offsets out of the page.
        assert_eq!(first_term(&[0, 0, 0, 10, 9, b'0', b'a', b'b', 2, 0, 4]), None);
        assert_eq!(first_term(&[0, 0, 0, 10, 3, b'0', b'a', b'b', 2, 0, 12]), None);
        assert_eq!(first_term(&[0, 0]), None);
        assert_eq!(leaf_rowid(3, 7), (3 << 37) + 7);
        // Terms as FTS5 makes them: lower case, Latin diacritics off, split at punctuation.
        let mut t = terms(&["Фёдоров", "Müller-Lüdenscheidt", "d.fedorov@ex.ru"]).unwrap();
        t.sort();
        let want: Vec<&[u8]> = vec![b"d", b"ex", b"fedorov", b"ludenscheidt", b"muller", b"ru", "фёдоров".as_bytes()];
        assert_eq!(t, want);
    }

    #[test]
    fn fold_turns_yo_into_ye_and_nothing_else() {
        assert_eq!(fold("Фёдоров ЁЛКИН Семён"), "Федоров ЕЛКИН Семен");
        assert_eq!(fold("Фе\u{308}доров"), "Федоров");
        assert_eq!(fold("Ëlise a\u{308}"), "Ëlise a\u{308}");
        assert!(matches!(fold("Федоров Fédorov"), Cow::Borrowed(_)));
    }

    /// What the tokenizer alone does: Latin diacritics go, ё stays.
    #[test]
    fn the_tokenizer_folds_latin_diacritics_but_not_yo() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2');
             INSERT INTO t VALUES ('Фёдоров Fëdorov Müller');",
        )
        .unwrap();
        let n = |q: &str| -> i64 {
            c.query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [q], |r| r.get(0)).unwrap()
        };
        assert_eq!(n("фёдоров"), 1);
        assert_eq!(n("федоров"), 0, "unicode61 does not fold ё");
        assert_eq!(n("fedorov"), 1);
        assert_eq!(n("muller"), 1);
    }

    /// A database with the register's schema and one published agreement.
    fn register(dir: &std::path::Path) -> Connection {
        let c = crate::db::open(&dir.join("t.db"), None, true).unwrap();
        c.execute_batch(
            "INSERT INTO agreements (id, template, language, created_at) VALUES (1, 'processing', 'ru', 't');
             INSERT INTO agreement_versions (agreement_id, version, status, content, content_hash, updated_at, published_seq)
               VALUES (1, 1, 'published', '{}', 'h', 't', 1);",
        )
        .unwrap();
        c
    }

    /// Records a consent of `name` with `email` (as an import or a form does); returns the subject.
    fn add(c: &mut Connection, name: &str, email: &str) -> String {
        let t = Target { agreement: 1, version: 1, content_sha256: "h".into() };
        let intake = Intake { name: Some(name.into()), email: Some(email.into()), ..Default::default() };
        let tx = c.transaction().unwrap();
        let s = consents::record(&tx, "op", &t, Action::Given, Channel::WebForm, intake).unwrap().subject;
        tx.commit().unwrap();
        s
    }

    fn ids(hits: &[Hit]) -> Vec<&str> {
        let mut v: Vec<&str> = hits.iter().map(|h| h.subject.as_str()).collect();
        v.sort();
        v
    }

    #[test]
    fn yo_and_ye_find_each_other_with_the_words_in_any_order() {
        let d = tempfile::tempdir().unwrap();
        let mut c = register(d.path());
        let fedorov = add(&mut c, "Фёдоров Дмитрий", "d@example.ru");
        let semenova = add(&mut c, "ЕЛЕНА СЕМЕНОВА", "e@example.ru");
        add(&mut c, "Фадеев Дмитрий", "f@example.ru");
        // A name added to a subject stored before goes through a rewrite of its entry.
        add(&mut c, "Семёнова Елена Петровна", "e@example.ru");
        for q in ["федоров", "Фёдоров", "ФЕДОРОВ", "ФЁДОРОВ", "дмитрий федоров", "Федоров Дмитрий", "Дми Фед", "фе\u{308}д"] {
            assert_eq!(ids(&subjects(&c, q, 10).unwrap()), vec![fedorov.as_str()], "{q}");
            assert_eq!(ids(&find(&c, q, 10).unwrap().hits), vec![fedorov.as_str()], "{q}");
        }
        for q in ["семёнова", "Семенова", "петровна семёнова елена", "ЕЛЕНА Семён"] {
            assert_eq!(ids(&subjects(&c, q, 10).unwrap()), vec![semenova.as_str()], "{q}");
        }
        assert!(subjects(&c, "Дмитрий Петров", 10).unwrap().is_empty());
        assert_eq!(subjects(&c, "дмитрий", 10).unwrap().len(), 2);
        // The register's list searches the same way.
        let f = consents::Filter { text: Some("дмитрий фёдоров".into()), ..Default::default() };
        let listed = consents::list(&c, &f, None, 10).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].subject, fedorov);
    }

    #[test]
    fn names_in_the_other_alphabet_are_candidates_apart_from_the_hits() {
        let d = tempfile::tempdir().unwrap();
        let mut c = register(d.path());
        let cyrillic = add(&mut c, "Фёдоров Дмитрий", "one@example.ru");
        let older = add(&mut c, "Dmitriy Fyodorov", "two@example.com");
        let latin = add(&mut c, "Dmitry Fedorov", "three@example.com");
        add(&mut c, "Фадеев Дмитрий", "four@example.ru");
        add(&mut c, "Fedorova Yulia", "five@example.com");

        let f = find(&c, "Dmitry Fedorov", 10).unwrap();
        assert_eq!(ids(&f.hits), vec![latin.as_str()]);
        let mut want = vec![cyrillic.as_str(), older.as_str()];
        want.sort();
        assert_eq!(ids(&f.candidates), want);

        let f = find(&c, "Дмитрий Федоров", 10).unwrap();
        assert_eq!(ids(&f.hits), vec![cyrillic.as_str()]);
        let mut want = vec![older.as_str(), latin.as_str()];
        want.sort();
        assert_eq!(ids(&f.candidates), want);
        assert_eq!(f.candidates[0].names.len(), 1);
        assert_eq!(f.candidates[0].consents, 1);

        // A prefix, and a word that matches only one alphabet directly.
        let f = find(&c, "Фёдорова Юл", 10).unwrap();
        assert!(f.hits.is_empty());
        assert_eq!(f.candidates.len(), 1);
        assert_eq!(f.candidates[0].names, vec!["Fedorova Yulia".to_string()]);
        let f = find(&c, "Дмитрий Fyodorov", 10).unwrap();
        assert!(f.hits.is_empty());
        assert_eq!(f.candidates.len(), 3);
        // Phones and e-mails are not transliterated; nobody else is offered.
        assert!(find(&c, "three@example", 10).unwrap().candidates.is_empty());
        assert!(find(&c, "Dmitry Petrov", 10).unwrap().candidates.is_empty());
        assert_eq!(find(&c, "Dmitry Fedorov", 1).unwrap().candidates.len(), 1);
        // subjects() gives the direct hits only.
        assert_eq!(ids(&subjects(&c, "Dmitry Fedorov", 10).unwrap()), vec![latin.as_str()]);
        // A prefix matches Fedorova directly too.
        let json = serde_json::to_value(find(&c, "Fedorov", 10).unwrap()).unwrap();
        assert_eq!(json["hits"].as_array().unwrap().len(), 2, "{json}");
        assert_eq!(json["candidates"].as_array().unwrap().len(), 2, "{json}");
        // A direct match beyond the limit is not offered as a candidate.
        let f = find(&c, "Fedorov", 1).unwrap();
        assert_eq!(f.hits[0].names, vec!["Fedorova Yulia".to_string()]);
        assert_eq!(ids(&f.candidates), vec![older.as_str()]);
    }

    #[test]
    fn merged_subjects_are_found_as_one_person() {
        let d = tempfile::tempdir().unwrap();
        let mut c = register(d.path());
        let keep = add(&mut c, "Фёдоров Дмитрий", "one@example.ru");
        let absorbed = add(&mut c, "Dmitry Fedorov", "two@example.com");
        let tx = c.transaction().unwrap();
        consents::merge(&tx, "op", &keep, &absorbed).unwrap();
        tx.commit().unwrap();
        for q in ["Dmitry Fedorov", "Дмитрий Фёдоров", "two@example", "one@example"] {
            let f = find(&c, q, 10).unwrap();
            assert_eq!(ids(&f.hits), vec![keep.as_str()], "{q}");
            assert!(f.candidates.is_empty(), "{q}: {:?}", f.candidates);
            assert_eq!(f.hits[0].consents, 2, "the person's consents");
        }
        // An entry left from before the merge still names the person, once.
        let tx = c.transaction().unwrap();
        let rowid: i64 = tx.query_row("SELECT rowid FROM subjects WHERE id = ?1", [&absorbed], |r| r.get(0)).unwrap();
        let mut stale = Entry::new(rowid);
        stale.add("name", "Dmitriy Fyodorov");
        stale.insert(&tx).unwrap();
        tx.commit().unwrap();
        let f = find(&c, "Dmitry Fedorov", 10).unwrap();
        assert_eq!(ids(&f.hits), vec![keep.as_str()]);
        assert!(f.candidates.is_empty(), "{:?}", f.candidates);
        let f = find(&c, "Dmitriy Fyodorov", 10).unwrap();
        assert_eq!(ids(&f.hits), vec![keep.as_str()]);
        assert!(f.candidates.is_empty(), "{:?}", f.candidates);
    }

    /// A vault at schema 7 (before folding and transliteration) is upgraded:
    /// its index is made again from the contacts, erased subjects left out.
    #[test]
    fn a_schema_7_index_is_rebuilt_folded_and_transliterated() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("old.db");
        {
            let mut c = Connection::open(&path).unwrap();
            crate::db::migrations().to_version(&mut c, 7).unwrap();
            c.execute_batch(
                "INSERT INTO subjects (id, hmac_key, created_at) VALUES ('s-a', zeroblob(32), 't'), ('s-b', zeroblob(32), 't');
                 INSERT INTO subjects (id, hmac_key, created_at, erased_at) VALUES ('s-gone', NULL, 't', 't');
                 INSERT INTO subject_contacts VALUES ('name', 'Фёдоров Дмитрий', 's-a'), ('email', 'd@example.ru', 's-a'),
                   ('phone', '79161234567', 's-a'), ('name', 'Anna Smirnova', 's-b');
                 INSERT INTO subject_search (rowid, name, email, phone) VALUES
                   (1, 'Фёдоров Дмитрий', 'd@example.ru', '9161234567'), (2, 'Anna Smirnova', '', ''),
                   (3, 'Erased Person', '', '');",
            )
            .unwrap();
            let old: i64 = c
                .query_row("SELECT count(*) FROM subject_search WHERE subject_search MATCH 'федоров'", [], |r| r.get(0))
                .unwrap();
            assert_eq!(old, 0, "schema 7 misses him");
        }
        let c = crate::db::open(&path, None, false).unwrap();
        let ids = |hits: Vec<Hit>| hits.into_iter().map(|h| h.subject).collect::<Vec<_>>();
        assert_eq!(ids(subjects(&c, "федоров", 10).unwrap()), ["s-a"]);
        assert_eq!(ids(subjects(&c, "8 916 123", 10).unwrap()), ["s-a"]);
        assert_eq!(ids(subjects(&c, "d@exam", 10).unwrap()), ["s-a"]);
        let f = find(&c, "Fedorov", 10).unwrap();
        assert!(f.hits.is_empty());
        assert_eq!(ids(f.candidates), ["s-a"]);
        assert_eq!(ids(find(&c, "Анна Смирнова", 10).unwrap().candidates), ["s-b"]);
        assert!(subjects(&c, "erased", 10).unwrap().is_empty());
        let n: i64 = c
            .query_row("SELECT count(*) FROM subject_search WHERE subject_search MATCH 'erased'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "the erased subject's old entry is gone");
        // Schema 6's settings are kept, and secure-delete is on.
        let config: Vec<(String, i64)> = c
            .prepare("SELECT k, v FROM subject_search_config WHERE k IN ('automerge', 'hashsize', 'secure-delete') ORDER BY k")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            config,
            [("automerge".to_string(), 8), ("hashsize".to_string(), 8388608), ("secure-delete".to_string(), 1)]
        );
        // Contentless without contentless_delete: a plain DELETE is refused
        // (an entry goes only with the text it was indexed with).
        let sql: String = c
            .query_row("SELECT sql FROM sqlite_master WHERE name = 'subject_search'", [], |r| r.get(0))
            .unwrap();
        for part in ["translit", "content = ''", "remove_diacritics 2", "prefix = '2 3 4'"] {
            assert!(sql.contains(part), "{part}: {sql}");
        }
        assert!(!sql.contains("contentless_delete"), "{sql}");
        assert!(c.execute("DELETE FROM subject_search WHERE rowid = 1", []).is_err());
        // The text of each entry is kept beside it, exactly as indexed.
        let text: Vec<(i64, String, String, String, String)> = c
            .prepare("SELECT rowid, name, email, phone, translit FROM subject_search_text ORDER BY rowid")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(text.len(), 2, "{text:?}");
        assert_eq!(
            text[0],
            (1, "Федоров Дмитрий".into(), "d@example.ru".into(), "9161234567".into(), "fedorov dmitri".into())
        );
        assert_eq!(text[1].0, 2);
        let mut c = c;
        let tx = c.transaction().unwrap();
        remove(&tx, 1).unwrap();
        remove(&tx, 1).unwrap();
        tx.commit().unwrap();
        assert!(subjects(&c, "федоров", 10).unwrap().is_empty());
        assert!(find(&c, "Fedorov", 10).unwrap().candidates.is_empty());
        assert_eq!(ids(subjects(&c, "Anna Smir", 10).unwrap()), ["s-b"]);
        let left: i64 = c.query_row("SELECT count(*) FROM subject_search_text", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 1);
    }
}
