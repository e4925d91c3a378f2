//! Drafts of an incident's notices, issued through the documents layer as
//! PDF and text: the Roskomnadzor 24 h notice and 72 h investigation results
//! (152-FZ art. 21 part 3.1), the GDPR Art. 33(3) notification and the
//! plain-language notice to the people (Art. 34). Wording in
//! `crates/core/templates/incidents/{ru,en}.json`; an item the record lacks
//! is printed as "not established" with a warning `incident.<field>`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction};
use serde::Deserialize;

use super::{parse_moment, Details, Notice};
use crate::agreements::model::Language;
use crate::documents::{self, DocKind, Draft, Issued, Spec, Warning, Writer};
use crate::error::{Error, Result};
use crate::vault::Vault;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoticeT {
    title: String,
    intro: String,
    items: Vec<String>,
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Templates {
    language: String,
    labels: BTreeMap<String, String>,
    operator: String,
    incident: String,
    numbers: String,
    numbers_counted: String,
    special: String,
    biometric: String,
    missing: String,
    not_sent: String,
    time_utc: String,
    notices: BTreeMap<String, NoticeT>,
}

fn templates(lang: Language) -> Result<Templates> {
    let text = match lang {
        Language::Ru => include_str!("../../templates/incidents/ru.json"),
        Language::En => include_str!("../../templates/incidents/en.json"),
    };
    let t: Templates = serde_json::from_str(text)
        .map_err(|e| Error::Invalid(format!("the incident notice templates ({}) are not valid: {e}", lang.as_str())))?;
    debug_assert_eq!(t.language, lang.as_str());
    Ok(t)
}

pub fn kind_of(n: Notice) -> DocKind {
    match n {
        Notice::Rkn24h => DocKind::IncidentRkn24h,
        Notice::Rkn72h => DocKind::IncidentRkn72h,
        Notice::Gdpr33 => DocKind::IncidentGdpr33,
        Notice::Subjects34 => DocKind::IncidentSubjects34,
    }
}

/// A moment as printed: "03.12.2026 11:30 UTC" (ru) or "2026-12-03 11:30 UTC" (en).
fn time_text(t: &Templates, lang: Language, s: &str) -> String {
    let Ok(m) = parse_moment(s, "time") else { return s.to_string() };
    let f = match lang {
        Language::Ru => m.format("%d.%m.%Y %H:%M"),
        Language::En => m.format("%Y-%m-%d %H:%M"),
    };
    t.time_utc.replace("{time}", &f.to_string())
}

/// Builds the draft of `notice` for incident `id`, as the document `doc_id` issued at `at`.
pub fn build(conn: &Connection, id: u64, notice: Notice, lang: Language, doc_id: &str, at: &DateTime<Utc>) -> Result<Draft> {
    let t = templates(lang)?;
    let inc = super::get(conn, id, *at)?;
    let d: &Details = &inc.details;
    let org = crate::organisation::get(conn)?;
    let nt = t
        .notices
        .get(notice.as_str())
        .ok_or_else(|| Error::Invalid(format!("no template for the notice {}", notice.as_str())))?;
    let dash = |s: &str| if s.trim().is_empty() { "—".to_string() } else { s.trim().to_string() };
    let mut vars: BTreeMap<&str, String> = BTreeMap::new();
    vars.insert("org_name", dash(&org.full_name));
    vars.insert("org_inn", dash(&org.inn));
    vars.insert("org_ogrn", dash(&org.ogrn));
    vars.insert("org_address", dash(&org.legal_address));
    vars.insert("incident", id.to_string());
    vars.insert("title", d.title.clone());
    vars.insert("subjects", d.subjects.to_string());
    vars.insert("records", d.records.to_string());
    if let Some(a) = &d.affected {
        vars.insert("count", a.count.to_string());
        vars.insert("counted", time_text(&t, lang, &a.counted_at));
    }
    let fill = |tpl: &str| documents::fill(tpl, &|k| vars.get(k).cloned());
    // Warnings are in English (programs branch on the code).
    let en = templates(Language::En)?;
    let mut warnings = vec![];
    let mut missing = |field: &str, item: &str| {
        let label = en.labels.get(item).map(|l| l.to_lowercase()).unwrap_or_else(|| field.replace('_', " "));
        warnings.push(Warning {
            code: format!("incident.{field}"),
            message: format!("the notice does not state {label}: record it on the incident"),
        });
        t.missing.clone()
    };
    let mut pairs: Vec<(String, String)> = vec![];
    for item in &nt.items {
        let label = t.labels.get(item).cloned().unwrap_or_else(|| item.clone());
        let opt = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let value = match item.as_str() {
            "operator" => fill(&t.operator)?,
            "incident" => fill(&t.incident)?,
            "occurred_at" => match &d.occurred_at {
                Some(o) => time_text(&t, lang, o),
                None => missing("occurred_at", item),
            },
            "detected_at" => time_text(&t, lang, &d.detected_at),
            "detected_by" => opt(&d.detected_by).unwrap_or_else(|| missing("detected_by", item)),
            "summary" => d.summary.clone(),
            "data_categories" => {
                let mut cats = d.data_categories.clone();
                if d.special_categories {
                    cats.push(t.special.clone());
                }
                if d.biometric {
                    cats.push(t.biometric.clone());
                }
                if cats.is_empty() { missing("data_categories", item) } else { cats.join("; ") }
            }
            "numbers" => fill(if d.affected.is_some() { &t.numbers_counted } else { &t.numbers })?,
            "causes" => opt(&d.causes).unwrap_or_else(|| missing("causes", item)),
            "harm" | "consequences" => opt(&d.harm).unwrap_or_else(|| missing("harm", item)),
            "measures" | "measures_gdpr" => opt(&d.measures).unwrap_or_else(|| missing("measures", item)),
            "contact" | "contact_gdpr" | "contact_people" => opt(&d.contact).unwrap_or_else(|| missing("contact", item)),
            "investigation" => opt(&d.investigation).unwrap_or_else(|| missing("investigation", item)),
            "culprits" => opt(&d.culprits).unwrap_or_else(|| t.missing.clone()),
            "advice" => opt(&d.advice).unwrap_or_else(|| missing("advice", item)),
            "first_notice" => inc
                .clocks
                .iter()
                .find(|c| c.notice == Notice::Rkn24h)
                .and_then(|c| c.sent_at.as_deref())
                .map(|s| time_text(&t, lang, s))
                .unwrap_or_else(|| t.not_sent.clone()),
            "delay_reason" => {
                // Only when the notice is past its 72 hours.
                let late = inc.clocks.iter().any(|c| {
                    c.notice == notice && c.due_at.as_deref().and_then(|d| parse_moment(d, "due").ok()).is_some_and(|due| *at > due)
                });
                if !late {
                    continue;
                }
                opt(&d.delay_reason).unwrap_or_else(|| missing("delay_reason", item))
            }
            other => return Err(Error::Invalid(format!("the notice template names an unknown item {other:?}"))),
        };
        pairs.push((label, value));
    }
    let mut w = Writer::default();
    w.title(&nt.title);
    w.para(&nt.intro);
    w.pairs(pairs);
    w.para(&nt.note);
    w.text_only(doc_id);
    let footer_lead = if org.short_name.trim().is_empty() { org.full_name.clone() } else { org.short_name.clone() };
    warnings.sort();
    warnings.dedup();
    Ok(Draft { title: nt.title.clone(), footer_lead, body: w, warnings })
}

/// Issues (or returns, when nothing changed) the draft of `notice` for incident `id`.
pub fn issue(vault: &mut Vault, id: u64, notice: Notice, lang: Language) -> Result<Issued> {
    vault.with_tx(|tx, actor| issue_in(tx, actor, id, notice, lang))
}

pub fn issue_in(tx: &Transaction, actor: &str, id: u64, notice: Notice, lang: Language) -> Result<Issued> {
    super::stored(tx, id)?;
    let kind = kind_of(notice);
    let spec = Spec {
        incident: Some(id),
        key: format!("I{id}-{}-{}", kind.code(), lang.as_str()),
        kind,
        language: lang,
        request: None,
        subject: None,
        facts: None,
        retain_until: None,
    };
    documents::issue(tx, actor, &spec, |doc_id, at| build(tx, id, notice, lang, doc_id, at))
}
