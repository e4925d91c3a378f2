//! The destruction act and the extract from the event log that Roskomnadzor
//! order No. 179 requires for each destruction of personal data (act: п. 3
//! а–к; extract: п. 5 а–д). Both are issued inside the erasure's
//! transaction: the facts that name the person are gathered before the data
//! is destroyed, and the act — a record kept on its own legal ground for
//! three years (п. 8) — keeps them, so that it can be rendered again (in
//! the other language, or once the profile names the information system).
//! Texts: `crates/core/templates/acts/{ru,en}.json`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::{profile, DocKind, Draft, Issued, Spec, Warning, Writer};
use crate::agreements::model::{Language, Role};
use crate::error::{Error, Result};
use crate::requests::access;

const RU: &str = include_str!("../../templates/acts/ru.json");
const EN: &str = include_str!("../../templates/acts/en.json");

/// Who is named in an act: the operator, a processor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub address: String,
}

/// The request an erasure answered, when it answered one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRef {
    pub id: u64,
    pub kind: String,
    pub received: String,
}

/// One `subject.erased` event of the destruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub recorded_at: String,
    pub subject: String,
    /// The leaf hash of the event (hex), as the Merkle tree holds it.
    pub leaf_hash: String,
}

/// Everything an act and its extract state, gathered before the data was destroyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    pub operator: Party,
    pub processors: Vec<Party>,
    pub names: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub subjects: Vec<String>,
    /// Categories from the agreements the person consented to.
    pub categories: Vec<String>,
    /// The fields of the records destroyed.
    pub fields: Vec<String>,
    pub records_destroyed: u64,
    pub information_system: String,
    pub destroyers: Vec<profile::Official>,
    /// The account that carried it out.
    pub actor: String,
    pub reason: String,
    pub request: Option<RequestRef>,
    /// RFC 3339: when the data was destroyed.
    pub destroyed_at: String,
    pub events: Vec<LogEntry>,
}

/// What is known before the erasure: who, which data, which processors.
#[derive(Debug, Clone)]
pub struct Before {
    facts: Facts,
}

/// Gathers what the act will state about `subject` (and every subject merged into it) before it is erased.
pub fn before(conn: &Connection, subject: &str) -> Result<Before> {
    let today = Utc::now().date_naive();
    let f = access::gather(conn, subject, None, today)?;
    let org = crate::organisation::get(conn)?;
    let prof = profile::get(conn)?;
    let mut processors: Vec<Party> = vec![];
    let mut categories: Vec<String> = vec![];
    for a in &f.agreements {
        for p in a.third_parties.iter().filter(|p| p.role == Role::Processor && !p.name.trim().is_empty()) {
            let party = Party { name: p.name.clone(), address: p.address.clone() };
            if !processors.contains(&party) {
                processors.push(party);
            }
        }
        for c in &a.data_items {
            if !categories.contains(c) {
                categories.push(c.clone());
            }
        }
    }
    // Who: the current contacts, and every name, e-mail and phone the records hold.
    let (mut names, mut emails, mut phones) = (f.person.names.clone(), f.person.emails.clone(), f.person.phones.clone());
    let mut fields: Vec<String> = vec![];
    for r in &f.records {
        if let serde_json::Value::Object(m) = &r.data {
            for (k, v) in m.iter().filter(|(k, _)| k.as_str() != "searches") {
                if !fields.contains(k) {
                    fields.push(k.clone());
                }
                let list = match k.as_str() {
                    "name" => &mut names,
                    "email" => &mut emails,
                    "phone" => &mut phones,
                    _ => continue,
                };
                if let Some(v) = v.as_str().map(str::trim).filter(|v| !v.is_empty()) {
                    if !list.iter().any(|x| x == v) {
                        list.push(v.to_string());
                    }
                }
            }
        }
    }
    Ok(Before {
        facts: Facts {
            operator: Party { name: org.full_name, address: org.legal_address },
            processors,
            names,
            emails,
            phones,
            subjects: f.person.subjects,
            categories,
            fields,
            records_destroyed: 0,
            information_system: prof.information_system,
            destroyers: prof.destroyers,
            actor: String::new(),
            reason: String::new(),
            request: None,
            destroyed_at: String::new(),
            events: vec![],
        },
    })
}

/// The request a reason names ("request 41", "request 41: …").
fn request_of(conn: &Connection, reason: &str) -> Result<Option<RequestRef>> {
    let Some(rest) = reason.trim().strip_prefix("request ") else { return Ok(None) };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let Ok(id) = digits.parse::<u64>() else { return Ok(None) };
    Ok(conn
        .prepare_cached("SELECT kind, received_on FROM requests WHERE id = ?1")?
        .query_row([id as i64], |r| Ok(RequestRef { id, kind: r.get(0)?, received: r.get(1)? }))
        .optional()?)
}

/// Issues the act and the log extract of an erasure that just happened in
/// `tx` (its `subject.erased` events `seqs`), in Russian. Returns the act.
pub fn issue_for_erasure(
    tx: &Transaction,
    actor: &str,
    before: Before,
    reason: &str,
    seqs: &[u64],
    records: u64,
) -> Result<Issued> {
    let mut facts = before.facts;
    facts.actor = actor.to_string();
    facts.reason = reason.to_string();
    facts.records_destroyed = records;
    facts.request = request_of(tx, reason)?;
    for &seq in seqs {
        let e = crate::ledger::get(tx, seq)?;
        let leaf: Vec<u8> = tx.query_row("SELECT leaf_hash FROM events WHERE seq = ?1", [seq as i64], |r| r.get(0))?;
        facts.events.push(LogEntry {
            seq,
            recorded_at: e.recorded_at.clone(),
            subject: e.subject.unwrap_or_default(),
            leaf_hash: hex::encode(leaf),
        });
        facts.destroyed_at = e.recorded_at;
    }
    let (act, _) = issue_pair(tx, actor, &facts, Language::Ru)?;
    Ok(act)
}

/// Renders the act and extract of stored facts in `lang` (the same
/// documents when nothing changed; new revisions when the profile did).
pub fn issue_pair(tx: &Transaction, actor: &str, facts: &Facts, lang: Language) -> Result<(Issued, Issued)> {
    let last = facts.events.last().map(|e| e.seq).ok_or_else(|| Error::Invalid("an act needs its erasure events".into()))?;
    let json = crate::ledger::canonical_json(&serde_json::to_value(facts).map_err(|e| Error::Invalid(e.to_string()))?)?;
    let destroyed = date_of(&facts.destroyed_at)?;
    let retain = add_years(destroyed, 3).to_string();
    let spec = |kind: DocKind| Spec {
        incident: None,
        key: format!("E{last}-{}-{}", kind.code(), lang.as_str()),
        kind,
        language: lang,
        request: facts.request.as_ref().map(|r| r.id),
        subject: None,
        facts: Some(json.clone()),
        retain_until: Some(retain.clone()),
    };
    let act_spec = spec(DocKind::DestructionAct);
    let log_spec = spec(DocKind::LogExtract);
    // Each names the other by key (their revisions move together).
    let act = super::issue(tx, actor, &act_spec, |id, at| build(tx, facts, lang, DocKind::DestructionAct, id, &log_spec.key, at, &retain))?;
    let log = super::issue(tx, actor, &log_spec, |id, at| build(tx, facts, lang, DocKind::LogExtract, id, &act_spec.key, at, &retain))?;
    Ok((act, log))
}

/// Destroys a destruction act and its log extract (every revision and
/// language of that erasure's pair) at the end of their retention, or
/// earlier with a reason: their text, PDF and facts are emptied, event
/// `document.destroyed` names them. Returns its seq. The caller purges the
/// WAL (see [`crate::vault::Vault::destroy_act`]).
pub fn destroy(tx: &Transaction, actor: &str, id: &str, reason: &str, today: NaiveDate) -> Result<u64> {
    let d = super::get(tx, id)?;
    if !matches!(d.kind, DocKind::DestructionAct | DocKind::LogExtract) {
        return Err(Error::Invalid(format!("{id} is not a destruction act or log extract")));
    }
    if d.erased {
        return Err(Error::Invalid(format!("{id} was destroyed already")));
    }
    let until = d.retain_until.clone().unwrap_or_default();
    let early = NaiveDate::parse_from_str(&until, "%Y-%m-%d").map(|u| today < u).unwrap_or(false);
    if reason.trim().is_empty() {
        return Err(Error::Invalid(if early {
            format!("{id} is to be kept until {until} (order 179 п. 8): say why it is destroyed earlier")
        } else {
            "say why the act is destroyed (e.g. its three years of retention ended)".into()
        }));
    }
    let erasure = d.key.split('-').next().unwrap_or_default().to_string();
    let ids: Vec<String> = tx
        .prepare_cached("SELECT id FROM documents WHERE (key LIKE ?1 || '-ACT-%' OR key LIKE ?1 || '-LOG-%') AND erased = 0 ORDER BY event_seq")?
        .query_map([&erasure], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let seq = crate::ledger::append(
        tx,
        actor,
        &[crate::ledger::NewEvent::new(
            "document.destroyed",
            serde_json::json!({ "ids": ids, "reason": reason.trim(), "retain_until": until, "early": early }),
        )],
    )?[0];
    for i in &ids {
        tx.execute("UPDATE documents SET text = '', pdf = x'', facts = NULL, erased = 1 WHERE id = ?1", [i])?;
    }
    Ok(seq)
}

/// Acts whose retention ends within `days` of `today` (or has ended), oldest first.
pub fn due_for_destruction(conn: &Connection, today: NaiveDate, days: u64) -> Result<Vec<Issued>> {
    let limit = (today + chrono::Days::new(days)).to_string();
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT id FROM documents WHERE kind = 'destruction_act' AND erased = 0 AND retain_until <= ?1
               AND id NOT IN (SELECT d.id FROM documents d JOIN documents n ON n.key = d.key AND n.event_seq > d.event_seq)
             ORDER BY retain_until, event_seq",
        )?
        .query_map([&limit], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| super::get(conn, id)).collect()
}

/// The facts a stored act was built from.
pub fn facts_of(conn: &Connection, id: &str) -> Result<Facts> {
    let d = super::get(conn, id)?;
    if !matches!(d.kind, DocKind::DestructionAct | DocKind::LogExtract) {
        return Err(Error::Invalid(format!("{id} is not a destruction act")));
    }
    super::stored_facts(conn, id)?.ok_or_else(|| Error::Erased(format!("document {id}")))
}

/// The destruction acts (not their extracts), newest first.
pub fn list(conn: &Connection) -> Result<Vec<Issued>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM documents WHERE kind = 'destruction_act' ORDER BY event_seq DESC")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| super::get(conn, id)).collect()
}

fn date_of(rfc3339: &str) -> Result<NaiveDate> {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|d| d.with_timezone(&Utc).date_naive())
        .map_err(|e| Error::Invalid(format!("{rfc3339:?}: {e}")))
}

/// The same day `years` later (29 February: the 28th).
fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    d.with_year(d.year() + years)
        .or_else(|| NaiveDate::from_ymd_opt(d.year() + years, d.month(), 28))
        .unwrap_or(d)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActT {
    title: String,
    intro: String,
    items: BTreeMap<String, String>,
    no_processor: String,
    subject_ids: String,
    carriers: String,
    method: String,
    records: String,
    not_stated: String,
    operator_account: String,
    ledger: String,
    signatures: String,
    retention: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtractT {
    title: String,
    intro: String,
    items: BTreeMap<String, String>,
    events_heading: String,
    col_seq: String,
    col_time: String,
    col_subject: String,
    col_hash: String,
    proof: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Templates {
    language: String,
    act: ActT,
    extract: ExtractT,
    reasons: BTreeMap<String, String>,
}

fn templates(lang: Language) -> Result<Templates> {
    let text = if lang == Language::Ru { RU } else { EN };
    let t: Templates = serde_json::from_str(text).map_err(|e| Error::Invalid(format!("the act templates are not valid: {e}")))?;
    if t.language != lang.as_str() {
        return Err(Error::Invalid(format!("the {} act templates say they are {:?}", lang.as_str(), t.language)));
    }
    Ok(t)
}

fn day(d: NaiveDate, lang: Language) -> String {
    match lang {
        Language::Ru => d.format("%d.%m.%Y").to_string(),
        Language::En => d.format("%-d %B %Y").to_string(),
    }
}

/// The act's items (а–к) or the extract's (а–д), as label and value.
#[allow(clippy::too_many_arguments)]
fn build(
    conn: &Connection,
    f: &Facts,
    lang: Language,
    kind: DocKind,
    id: &str,
    other: &str,
    at: &DateTime<Utc>,
    retain: &str,
) -> Result<Draft> {
    let t = templates(lang)?;
    let letters = super::letters::names(lang)?;
    let date = day(at.date_naive(), lang);
    let destroyed = day(date_of(&f.destroyed_at)?, lang);
    let retain_until = day(NaiveDate::parse_from_str(retain, "%Y-%m-%d").map_err(|e| Error::Invalid(e.to_string()))?, lang);
    let vars = |extra: &[(&str, String)]| {
        let mut m: BTreeMap<String, String> = BTreeMap::new();
        m.insert("doc_id".into(), id.to_string());
        m.insert("date".into(), date.clone());
        m.insert("act_id".into(), other.to_string());
        m.insert("extract_id".into(), other.to_string());
        m.insert("retain_until".into(), retain_until.clone());
        m.insert("records".into(), f.records_destroyed.to_string());
        m.insert("actor".into(), f.actor.clone());
        m.insert("subjects".into(), f.subjects.join(", "));
        m.insert("events".into(), f.events.iter().map(|e| format!("№ {}", e.seq)).collect::<Vec<_>>().join(", "));
        for (k, v) in extra {
            m.insert((*k).into(), v.clone());
        }
        m
    };
    let fill = |s: &str, extra: &[(&str, String)]| {
        let m = vars(extra);
        super::fill(s, &|k| m.get(k).cloned())
    };
    let mut warnings = vec![];
    let not_stated = |v: &str, field: &str, what: &str, warnings: &mut Vec<Warning>| {
        if v.trim().is_empty() {
            warnings.push(Warning::profile(
                field,
                format!("the documents profile does not name {what}: the act says so; fill it in (Settings → Documents, or `org documents`)"),
            ));
            t.act.not_stated.clone()
        } else {
            v.to_string()
        }
    };
    let person = {
        let mut lines = vec![];
        if !f.names.is_empty() {
            lines.push(f.names.join("; "));
        }
        let contacts: Vec<String> = f.emails.iter().chain(f.phones.iter()).cloned().collect();
        if !contacts.is_empty() {
            lines.push(contacts.join(", "));
        }
        lines.push(fill(&t.act.subject_ids, &[])?);
        lines.join("\n")
    };
    // What was destroyed: the fields of the records (the agreements' declared
    // categories only when no record said which).
    let mut cats: Vec<String> = f.fields.iter().map(|k| letters.field(k)).collect();
    cats.dedup();
    if cats.is_empty() {
        cats = f.categories.clone();
    }
    let categories = if cats.is_empty() { t.act.not_stated.clone() } else { cats.join("; ") };
    let reason = match &f.request {
        Some(r) => fill(
            &t.reasons["request"],
            &[("request", r.id.to_string()), ("kind_name", letters.kind(&r.kind)), ("received", day(NaiveDate::parse_from_str(&r.received, "%Y-%m-%d").unwrap_or(at.date_naive()), lang))],
        )?,
        None => fill(&t.reasons["other"], &[("reason", f.reason.clone())])?,
    };
    let system = not_stated(&f.information_system, "information_system", "the information system", &mut warnings);
    let item = |items: &BTreeMap<String, String>, k: &str| items.get(k).cloned().ok_or_else(|| Error::Invalid(format!("the act templates lack the item {k:?}")));

    let mut w = Writer::default();
    let title;
    if kind == DocKind::DestructionAct {
        title = fill(&t.act.title, &[])?;
        w.title(&title);
        w.para(&fill(&t.act.intro, &[])?);
        let destroyers = if f.destroyers.is_empty() {
            warnings.push(Warning::profile(
                "destroyers",
                "the documents profile names nobody who destroys data: the act says so; fill it in (Settings → Documents, or `org documents`)".into(),
            ));
            t.act.not_stated.clone()
        } else {
            f.destroyers.iter().map(|d| format!("{}, {}", d.name, d.position)).collect::<Vec<_>>().join("\n")
        };
        let processors = if f.processors.is_empty() {
            t.act.no_processor.clone()
        } else {
            f.processors.iter().map(|p| if p.address.is_empty() { p.name.clone() } else { format!("{}, {}", p.name, p.address) }).collect::<Vec<_>>().join("\n")
        };
        let operator = format!("{}, {}", f.operator.name, f.operator.address);
        w.pairs(vec![
            (item(&t.act.items, "operator")?, operator),
            (item(&t.act.items, "processor")?, processors),
            (item(&t.act.items, "subject")?, person),
            (item(&t.act.items, "destroyers")?, destroyers),
            (item(&t.act.items, "categories")?, format!("{categories}\n{}", fill(&t.act.records, &[])?)),
            (item(&t.act.items, "carriers")?, t.act.carriers.clone()),
            (item(&t.act.items, "system")?, system),
            (item(&t.act.items, "method")?, t.act.method.clone()),
            (item(&t.act.items, "reason")?, reason),
            (item(&t.act.items, "date")?, destroyed),
        ]);
        w.para(&fill(&t.act.operator_account, &[])?);
        w.para(&fill(&t.act.ledger, &[])?);
        w.heading(&t.act.signatures);
        let signers: Vec<String> = if f.destroyers.is_empty() {
            vec!["____________________ / ____________________".into()]
        } else {
            f.destroyers.iter().map(|d| format!("____________________ / {}, {}", d.name, d.position)).collect()
        };
        for s in signers {
            w.para(&s);
        }
        w.para(&fill(&t.act.retention, &[])?);
    } else {
        title = fill(&t.extract.title, &[])?;
        w.title(&title);
        w.para(&fill(&t.extract.intro, &[])?);
        w.pairs(vec![
            (item(&t.extract.items, "subject")?, person),
            (item(&t.extract.items, "categories")?, categories),
            (item(&t.extract.items, "system")?, system),
            (item(&t.extract.items, "reason")?, reason),
            (item(&t.extract.items, "date")?, destroyed),
        ]);
        w.heading(&t.extract.events_heading);
        w.table(
            vec![t.extract.col_seq.clone(), t.extract.col_time.clone(), t.extract.col_subject.clone(), t.extract.col_hash.clone()],
            f.events.iter().map(|e| vec![e.seq.to_string(), e.recorded_at.clone(), e.subject.clone(), e.leaf_hash.clone()]).collect(),
            vec![0.95, 1.5, 1.5, 2.3],
        );
        w.para(&t.extract.proof);
    }
    w.text_only(id);
    warnings.sort();
    warnings.dedup();
    let org = crate::organisation::get(conn)?;
    let footer_lead = if org.short_name.trim().is_empty() { org.full_name } else { org.short_name };
    Ok(Draft { title, footer_lead, body: w, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_years_later_and_leap_days() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(add_years(d(2026, 3, 5), 3), d(2029, 3, 5));
        assert_eq!(add_years(d(2028, 2, 29), 3), d(2031, 2, 28));
    }

    #[test]
    fn templates_parse_in_both_languages_with_every_item() {
        for lang in [Language::Ru, Language::En] {
            let t = templates(lang).unwrap();
            for k in ["operator", "processor", "subject", "destroyers", "categories", "carriers", "system", "method", "reason", "date"] {
                assert!(t.act.items.contains_key(k), "{lang:?} act lacks {k}");
            }
            for k in ["subject", "categories", "system", "reason", "date"] {
                assert!(t.extract.items.contains_key(k), "{lang:?} extract lacks {k}");
            }
            assert!(t.reasons.contains_key("request") && t.reasons.contains_key("other"));
        }
    }
}
