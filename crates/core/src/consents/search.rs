//! Full-text search over subjects (SQLite FTS5, prefix indexes): what a user
//! types becomes a safe FTS query; phone numbers are matched by digits with or
//! without the country code. Names and e-mails are folded (ё as е) where the
//! tokenizer does not; each name word is also indexed by its Latin skeleton
//! ([`super::translit`]), through which [`find`] offers the subjects whose
//! name is written in the other alphabet as candidates to confirm.

use std::borrow::Cow;

use rusqlite::Connection;
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

    /// Inserts the entry (the subject must have none yet).
    pub(crate) fn insert(&self, tx: &rusqlite::Transaction) -> Result<()> {
        if !(self.names.is_empty() && self.emails.is_empty() && self.phones.is_empty()) {
            tx.prepare_cached(
                "INSERT INTO subject_search (rowid, name, email, phone, translit) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(rusqlite::params![
                self.rowid,
                self.names.join(" "),
                self.emails.join(" "),
                self.phones.join(" "),
                self.translit()
            ])?;
        }
        Ok(())
    }
}

/// Schema 8's hook (`migrations/0008_search_folding.sql` recreates the
/// index with its `translit` column): fills the index again from the
/// contacts of every subject not erased, folded and transliterated. Erased
/// and merged-away subjects have no contacts, so they get no entry.
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
        // Schema 6's settings are kept; the index is still contentless with deletes.
        let config: Vec<(String, i64)> = c
            .prepare("SELECT k, v FROM subject_search_config WHERE k IN ('automerge', 'hashsize') ORDER BY k")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(config, [("automerge".to_string(), 8), ("hashsize".to_string(), 8388608)]);
        let sql: String = c
            .query_row("SELECT sql FROM sqlite_master WHERE name = 'subject_search'", [], |r| r.get(0))
            .unwrap();
        for part in ["translit", "content = ''", "contentless_delete = 1", "remove_diacritics 2", "prefix = '2 3 4'"] {
            assert!(sql.contains(part), "{part}: {sql}");
        }
        c.execute("DELETE FROM subject_search WHERE rowid = 1", []).unwrap();
        assert!(subjects(&c, "федоров", 10).unwrap().is_empty());
    }
}
