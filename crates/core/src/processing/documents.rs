//! The three documents the processing register generates, through the
//! documents layer (PDF and plain text, a `document.issued` event, a new
//! revision only when the text changes): the privacy policy (152-FZ art.
//! 18.1), also as a web page; the notice of intent to process to
//! Roskomnadzor (art. 22 part 3); the GDPR Art. 30(1) records. Publishing
//! runs the check first: an error refuses it. Each revision keeps the
//! snapshot it was made from (the requisites and the activities), so its web
//! page is made again from exactly what was published. Wording in
//! `templates/processing/{ru,en}.json`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::check::{self, Document, Severity};
use super::Activity;
use crate::agreements::model::{Language, Method, Role};
use crate::documents::{self, DocKind, Draft, Issued, Spec, Writer};
use crate::error::{Error, Result};
use crate::import::sha256_hex;
use crate::ledger;
use crate::organisation::{self, Requisites};
use crate::pdf::Block;
use crate::vault::Vault;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyT {
    title: String,
    intro: String,
    h_activities: String,
    h_security: String,
    h_rights: String,
    rights: String,
    h_responsible: String,
    h_final: String,
    #[serde(rename = "final")]
    final_: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeT {
    title: String,
    intro: String,
    h_activity: String,
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RopaT {
    title: String,
    intro: String,
    h_controller: String,
    h_activity: String,
    labels: BTreeMap<String, String>,
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChangesT {
    pub title: String,
    pub intro: String,
    pub h_operator: String,
    pub h_activity: String,
    pub added: String,
    pub ceased: String,
    pub changed: String,
    pub columns: [String; 3],
    pub due: String,
    pub note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Templates {
    language: String,
    not_stated: String,
    none: String,
    cross_border_none: String,
    methods: BTreeMap<String, String>,
    basis: BTreeMap<String, String>,
    role: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
    policy: PolicyT,
    notice: NoticeT,
    ropa: RopaT,
    pub changes: ChangesT,
}

pub(super) fn templates(lang: Language) -> Result<Templates> {
    let text = match lang {
        Language::Ru => include_str!("../../templates/processing/ru.json"),
        Language::En => include_str!("../../templates/processing/en.json"),
    };
    let t: Templates = serde_json::from_str(text)
        .map_err(|e| Error::Invalid(format!("the processing document templates ({}) are not valid: {e}", lang.as_str())))?;
    debug_assert_eq!(t.language, lang.as_str());
    Ok(t)
}

pub fn kind_of(doc: Document) -> DocKind {
    match doc {
        Document::Policy => DocKind::ProcessingPolicy,
        Document::Notice => DocKind::ProcessingNotice,
        Document::Ropa => DocKind::ProcessingRecords,
    }
}

/// The key of a document's revisions, e.g. `POL-ru`.
pub fn key_of(doc: Document, lang: Language) -> String {
    format!("{}-{}", kind_of(doc).code(), lang.as_str())
}

/// What a revision was made from: kept with it (as its facts), so that it
/// can be made again exactly (its web page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub document: Document,
    pub requisites: Requisites,
    /// (id, activity) of the active activities the document covers.
    pub activities: Vec<(u64, Activity)>,
}

impl Snapshot {
    pub fn of_vault(conn: &Connection, doc: Document) -> Result<Snapshot> {
        let activities = super::active(conn)?.into_iter().filter(|(_, a)| doc.covers(a.law)).collect();
        Ok(Snapshot { document: doc, requisites: organisation::get(conn)?, activities })
    }
}

fn dash(t: &Templates, s: &str) -> String {
    if s.trim().is_empty() { t.not_stated.clone() } else { s.trim().to_string() }
}

fn opt(t: &Templates, s: &Option<String>) -> String {
    dash(t, s.as_deref().unwrap_or_default())
}

fn list(t: &Templates, items: &[String]) -> String {
    if items.is_empty() { t.not_stated.clone() } else { items.join("; ") }
}

fn bases(t: &Templates, a: &Activity) -> String {
    a.legal_bases.iter().map(|b| t.basis.get(b.as_str()).cloned().unwrap_or_else(|| b.as_str().to_string())).collect::<Vec<_>>().join("; ")
}

fn methods(t: &Templates, m: Option<Method>) -> String {
    let key = match m {
        Some(Method::Automated) => "automated",
        Some(Method::NonAutomated) => "non_automated",
        Some(Method::Mixed) => "mixed",
        None => return t.not_stated.clone(),
    };
    t.methods.get(key).cloned().unwrap_or_default()
}

fn recipients(t: &Templates, a: &Activity) -> String {
    if a.recipients.is_empty() {
        return t.none.clone();
    }
    a.recipients
        .iter()
        .map(|r| {
            let role = t.role.get(if r.role == Role::Processor { "processor" } else { "recipient" }).cloned().unwrap_or_default();
            let mut s = format!("{} ({role})", r.name);
            if !r.inn.trim().is_empty() {
                s.push_str(&format!(", INN {}", r.inn.trim()));
            }
            if !r.address.trim().is_empty() {
                s.push_str(&format!(", {}", r.address.trim()));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn transfers(t: &Templates, a: &Activity) -> String {
    if a.transfers.is_empty() {
        return t.cross_border_none.clone();
    }
    a.transfers
        .iter()
        .map(|x| {
            let mut s = x.country.clone();
            if !x.recipient.trim().is_empty() {
                s.push_str(&format!(", {}", x.recipient.trim()));
            }
            if let Some(g) = x.safeguards.as_deref().filter(|g| !g.trim().is_empty()) {
                s.push_str(&format!(" ({})", g.trim()));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A date as the language writes it (15.01.2024 in Russian).
fn date(t: &Templates, lang: Language, s: &Option<String>) -> String {
    match s.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
        Some(d) => day(lang, d),
        None => opt(t, s),
    }
}

pub(super) fn label(t: &Templates, k: &str) -> String {
    t.labels.get(k).cloned().unwrap_or_else(|| k.to_string())
}

/// The operator's name and address, as the notice states them.
pub(super) fn operator(t: &Templates, r: &Requisites) -> String {
    format!("{}, {}", dash(t, &r.full_name), dash(t, &r.legal_address))
}

/// The items of art. 22 part 3 the notice states for one activity: (key,
/// label, value), in the notice's order. The notice of changes compares them.
pub(super) fn notice_items(t: &Templates, lang: Language, a: &Activity) -> Vec<(&'static str, String, String)> {
    let data: Vec<String> = a.data_categories.iter().chain(&a.special_categories).cloned().collect();
    let bases = [bases(t, a), a.basis_details.clone().unwrap_or_default()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; ");
    [
        ("purposes", list(t, &a.purposes)),
        ("data", list(t, &data)),
        ("subjects", list(t, &a.subject_categories)),
        ("bases", bases),
        ("actions", format!("{}; {}", list(t, &a.actions), methods(t, a.methods))),
        ("security", list(t, &a.security)),
        ("responsible", opt(t, &a.responsible)),
        ("started_on", date(t, lang, &a.started_on)),
        ("retention", opt(t, &a.retention)),
        ("transfers", transfers(t, a)),
        ("storage_country", opt(t, &a.storage_country)),
    ]
    .into_iter()
    .map(|(k, v)| (k, label(t, k), v))
    .collect()
}

/// Distinct non-empty values, in the order first met.
fn distinct(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !v.trim().is_empty() && !out.iter().any(|o| super::drift::same(o, &v)) {
            out.push(v);
        }
    }
    out
}

/// The values a document's wording may name: the organisation's
/// requisites, the document's id and its date.
pub(super) fn variables(t: &Templates, r: &Requisites, lang: Language, doc_id: &str, at: &DateTime<Utc>) -> BTreeMap<&'static str, String> {
    let mut vars = BTreeMap::new();
    vars.insert("org_name", dash(t, &r.full_name));
    vars.insert("org_inn", dash(t, &r.inn));
    vars.insert("org_ogrn", dash(t, &r.ogrn));
    vars.insert("org_address", dash(t, &r.legal_address));
    vars.insert("org_email", dash(t, &r.withdrawal_email));
    vars.insert("doc_id", doc_id.to_string());
    vars.insert("date", day(lang, at.date_naive()));
    vars
}

/// A day as the language writes it (15.01.2024 in Russian).
pub(super) fn day(lang: Language, d: chrono::NaiveDate) -> String {
    match lang {
        Language::Ru => d.format("%d.%m.%Y").to_string(),
        Language::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// Builds the document from a snapshot, as the revision `doc_id` issued at `at`.
pub fn build(s: &Snapshot, lang: Language, doc_id: &str, at: &DateTime<Utc>) -> Result<Draft> {
    let t = templates(lang)?;
    let r = &s.requisites;
    let vars = variables(&t, r, lang, doc_id, at);
    let fill = |tpl: &str| documents::fill(tpl, &|k| vars.get(k).cloned());
    let mut w = Writer::default();
    let title = match s.document {
        Document::Policy => {
            let p = &t.policy;
            w.title(&p.title);
            w.para(&fill(&p.intro)?);
            w.heading(&p.h_activities);
            for (i, (_, a)) in s.activities.iter().enumerate() {
                w.heading(&format!("1.{}. {}", i + 1, a.name));
                let mut pairs = vec![
                    (label(&t, "purposes"), list(&t, &a.purposes)),
                    (label(&t, "bases"), bases(&t, a)),
                    (label(&t, "subjects"), list(&t, &a.subject_categories)),
                    (label(&t, "data"), list(&t, &a.data_categories)),
                ];
                if !a.special_categories.is_empty() {
                    pairs.push((label(&t, "special"), list(&t, &a.special_categories)));
                    pairs.push((label(&t, "special_condition"), opt(&t, &a.special_condition)));
                }
                pairs.extend([
                    (label(&t, "actions"), list(&t, &a.actions)),
                    (label(&t, "methods"), methods(&t, a.methods)),
                    (label(&t, "recipients"), recipients(&t, a)),
                    (label(&t, "transfers"), transfers(&t, a)),
                    (label(&t, "storage_country"), opt(&t, &a.storage_country)),
                    (label(&t, "retention"), opt(&t, &a.retention)),
                ]);
                w.pairs(pairs);
            }
            w.heading(&p.h_security);
            w.bullets(distinct(s.activities.iter().flat_map(|(_, a)| a.security.clone())));
            w.heading(&p.h_rights);
            w.para(&fill(&p.rights)?);
            let responsible = distinct(s.activities.iter().filter_map(|(_, a)| a.responsible.clone()));
            if !responsible.is_empty() {
                w.heading(&p.h_responsible);
                w.bullets(responsible);
            }
            w.heading(&p.h_final);
            w.para(&fill(&p.final_)?);
            p.title.clone()
        }
        Document::Notice => {
            let n = &t.notice;
            w.title(&n.title);
            w.para(&fill(&n.intro)?);
            w.pairs(vec![(label(&t, "operator"), operator(&t, r))]);
            for (_, a) in &s.activities {
                w.heading(&n.h_activity.replace("{name}", &a.name));
                w.pairs(notice_items(&t, lang, a).into_iter().map(|(_, l, v)| (l, v)).collect());
            }
            w.para(&n.note);
            n.title.clone()
        }
        Document::Ropa => {
            let o = &t.ropa;
            let l = |k: &str| o.labels.get(k).cloned().unwrap_or_else(|| k.to_string());
            w.title(&o.title);
            w.para(&fill(&o.intro)?);
            w.heading(&o.h_controller);
            w.pairs(vec![
                (label(&t, "controller"), operator(&t, r)),
                (label(&t, "contacts"), dash(&t, &r.withdrawal_email)),
                (label(&t, "dpo"), dash(&t, &r.dpo)),
            ]);
            for (_, a) in &s.activities {
                w.heading(&o.h_activity.replace("{name}", &a.name));
                w.pairs(vec![
                    (l("purposes"), list(&t, &a.purposes)),
                    (l("bases"), bases(&t, a)),
                    (l("subjects"), list(&t, &a.subject_categories)),
                    (l("data"), list(&t, &a.data_categories.iter().chain(&a.special_categories).cloned().collect::<Vec<_>>())),
                    (l("recipients"), recipients(&t, a)),
                    (l("transfers"), transfers(&t, a)),
                    (l("retention"), opt(&t, &a.retention)),
                    (l("security"), list(&t, &a.security)),
                ]);
            }
            w.para(&o.note);
            o.title.clone()
        }
    };
    w.text_only(doc_id);
    let footer_lead = if r.short_name.trim().is_empty() { r.full_name.clone() } else { r.short_name.clone() };
    Ok(Draft { title, footer_lead, body: w, warnings: vec![] })
}

/// Publishes the document from the vault's requisites and active
/// activities: refused, naming what is missing, when its check finds an
/// error; otherwise a new revision when its text changed, or the one in
/// force (owners only). A new revision of the notice that states an item
/// differently also issues the notice of changes ([`super::changes`]).
pub fn publish(vault: &mut Vault, doc: Document, lang: Language) -> Result<Issued> {
    vault.with_tx_as(crate::operators::Need::Owner, |tx, actor| publish_in(tx, actor, doc, lang))
}

fn publish_in(tx: &Transaction, actor: &str, doc: Document, lang: Language) -> Result<Issued> {
    let snapshot = Snapshot::of_vault(tx, doc)?;
    let findings = check::check_with(doc, &snapshot.requisites, &snapshot.activities, Language::En);
    let errors: Vec<String> = findings.iter().filter(|f| f.severity == Severity::Error).map(|f| format!("{} [{}]", f.message, f.rule)).collect();
    if !errors.is_empty() {
        return Err(Error::Invalid(format!("the {} cannot be published: {}", doc.as_str(), errors.join("; "))));
    }
    let facts = ledger::canonical_json(&serde_json::to_value(&snapshot).expect("serialisable"))?;
    let spec = Spec {
        key: key_of(doc, lang),
        kind: kind_of(doc),
        language: lang,
        request: None,
        incident: None,
        subject: None,
        facts: Some(facts),
        retain_until: None,
    };
    let previous = in_force(tx, doc, lang)?;
    let issued = documents::issue(tx, actor, &spec, |doc_id, at| build(&snapshot, lang, doc_id, at))?;
    if let (Document::Notice, true, Some(previous)) = (doc, issued.new, previous) {
        super::changes::issue_after(tx, actor, lang, &previous, &issued, &snapshot)?;
    }
    Ok(issued)
}

/// The document as publishing it now would make it (nothing recorded): a
/// live preview. Its id reads as the key and its date as now.
pub fn preview(conn: &Connection, doc: Document, lang: Language) -> Result<Draft> {
    build(&Snapshot::of_vault(conn, doc)?, lang, &key_of(doc, lang), &Utc::now())
}

/// The revisions of a document in a language, newest first.
pub fn revisions(conn: &Connection, doc: Document, lang: Language) -> Result<Vec<Issued>> {
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM documents WHERE key = ?1 ORDER BY event_seq DESC")?
        .query_map([key_of(doc, lang)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| documents::get(conn, id)).collect()
}

/// The revision in force (the newest), if any.
pub fn in_force(conn: &Connection, doc: Document, lang: Language) -> Result<Option<Issued>> {
    Ok(revisions(conn, doc, lang)?.into_iter().next())
}

/// The snapshot a published revision was made from.
pub(super) fn snapshot_of(conn: &Connection, id: &str) -> Result<Snapshot> {
    documents::stored_facts(conn, id)?.ok_or_else(|| Error::Invalid(format!("{id} keeps no snapshot to be made again from")))
}

/// A published revision made again from the snapshot it keeps: its draft,
/// checked to give the very text that was published.
fn rebuilt(conn: &Connection, id: &str) -> Result<(Issued, Draft, Language)> {
    let d = documents::get(conn, id)?;
    let snapshot = snapshot_of(conn, id)?;
    let at = DateTime::parse_from_rfc3339(&d.issued_at).map_err(|e| Error::Invalid(format!("{id}: {e}")))?.with_timezone(&Utc);
    let draft = build(&snapshot, d.language, id, &at)?;
    if sha256_hex(draft.body.text.as_bytes()) != d.text_sha256 {
        return Err(Error::Invalid(format!("{id} made again does not give the text that was published; run verify")));
    }
    let lang = d.language;
    Ok((d, draft, lang))
}

/// A published revision as a web page: one self-contained HTML file (no
/// script, no outside resource), every value escaped.
pub fn html(conn: &Connection, id: &str) -> Result<String> {
    let (d, draft, lang) = rebuilt(conn, id)?;
    let e = |s: &str| html_escape::encode_text(s).into_owned();
    let mut body = String::new();
    for b in &draft.body.blocks {
        match b {
            Block::Title(s) => body.push_str(&format!("<h1>{}</h1>\n", e(s))),
            Block::Heading(s) => body.push_str(&format!("<h2>{}</h2>\n", e(s))),
            Block::Paragraph(s) => body.push_str(&format!("<p>{}</p>\n", e(s).replace('\n', "<br>"))),
            Block::Bullets(items) => {
                body.push_str("<ul>\n");
                for i in items {
                    body.push_str(&format!("<li>{}</li>\n", e(i)));
                }
                body.push_str("</ul>\n");
            }
            Block::KeyValues(pairs) => {
                body.push_str("<dl>\n");
                for (k, v) in pairs {
                    body.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", e(k), e(v)));
                }
                body.push_str("</dl>\n");
            }
            _ => {}
        }
    }
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>{title}</title>\n<style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}dt{{font-weight:600;margin-top:.6rem}}dd{{margin:0 0 0 1rem}}footer{{color:#555;font-size:.85rem;margin-top:2rem;word-break:break-all}}</style>\n</head>\n<body>\n{body}<footer>{footer}</footer>\n</body>\n</html>\n",
        lang = lang.as_str(),
        title = e(&d.title),
        footer = e(&documents::footer(&draft.footer_lead, &d.id, &d.text_sha256)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processing::{Basis, Transfer};
    use crate::requests::Law;

    fn snapshot(doc: Document) -> Snapshot {
        Snapshot {
            document: doc,
            requisites: Requisites {
                full_name: "ООО «Ромашка»".into(),
                inn: "7707083893".into(),
                legal_address: "Москва, ул. Ленина, 1".into(),
                withdrawal_email: "privacy@romashka.example".into(),
                dpo: "Иванова М. П.".into(),
                ..Default::default()
            },
            activities: vec![(
                7,
                Activity {
                    name: "Рассылка <script>".into(),
                    law: Law::Both,
                    purposes: vec!["Информирование об акциях".into()],
                    legal_bases: vec![Basis::Consent, Basis::Contract],
                    subject_categories: vec!["Клиенты".into()],
                    data_categories: vec!["ФИО".into(), "E-mail".into()],
                    actions: vec!["сбор".into(), "хранение".into()],
                    methods: Some(Method::Mixed),
                    transfers: vec![Transfer { country: "Германия".into(), recipient: "Mailer GmbH".into(), safeguards: Some("SCC".into()) }],
                    storage_country: Some("Россия".into()),
                    retention: Some("До отзыва согласия".into()),
                    security: vec!["Шифрование".into()],
                    responsible: Some("Смирнова О. В., +7 495 000-00-00".into()),
                    started_on: Some("2025-03-01".into()),
                    ..Default::default()
                },
            )],
        }
    }

    /// Every mandatory item's content is in the text of its document (a table test).
    #[test]
    fn each_document_states_every_item() {
        let at = Utc::now();
        let cases: Vec<(Document, Language, Vec<&str>)> = vec![
            (Document::Policy, Language::Ru, vec!["ООО «Ромашка»", "7707083893", "Москва, ул. Ленина, 1", "Информирование об акциях", "согласие субъекта", "договор с субъектом", "Клиенты", "ФИО", "сбор", "смешанная", "Германия, Mailer GmbH (SCC)", "Россия", "До отзыва согласия", "Шифрование", "Смирнова О. В.", "privacy@romashka.example", "10 рабочих дней", "POL-ru"]),
            (Document::Notice, Language::Ru, vec!["ООО «Ромашка», Москва, ул. Ленина, 1", "Информирование об акциях", "ФИО; E-mail", "Клиенты", "согласие субъекта", "сбор; хранение; смешанная", "Шифрование", "Смирнова О. В., +7 495 000-00-00", "01.03.2025", "До отзыва согласия", "Германия", "Место нахождения баз данных: Россия", "статьи 22", "часть 7 статьи 22"]),
            (Document::Ropa, Language::En, vec!["(a) Controller", "ООО «Ромашка»", "privacy@romashka.example", "Иванова М. П.", "(b) Purposes: Информирование об акциях", "(c) Categories of data subjects: Клиенты", "(c) Categories of personal data: ФИО; E-mail", "(d) Categories of recipients: none", "(e) Transfers to third countries and safeguards: Германия, Mailer GmbH (SCC)", "(f) Time limits for erasure: До отзыва согласия", "(g) Security measures (Art. 32(1)): Шифрование"]),
        ];
        for (doc, lang, want) in cases {
            let id = key_of(doc, lang);
            let d = build(&snapshot(doc), lang, &id, &at).unwrap();
            for w in want {
                assert!(d.body.text.contains(w), "{doc:?} {lang:?}: {w:?} not in\n{}", d.body.text);
            }
        }
    }

    #[test]
    fn templates_parse_in_both_languages() {
        for lang in [Language::Ru, Language::En] {
            let t = templates(lang).unwrap();
            for b in crate::processing::Basis::ALL {
                assert!(t.basis.contains_key(b.as_str()), "{lang:?} {b:?}");
            }
        }
    }
}
