//! Letters of the requests workflow — acknowledgement, request for identity
//! details, extension notice, the answer for each kind of request, refusal,
//! notice of rectification to recipients, notice of destruction — filled
//! from the templates in `crates/core/templates/letters/{ru,en}.json`, the
//! requisites, the documents profile and the request. The access answer
//! states every item of 152-FZ art. 14 part 7 and GDPR Art. 15(1)–(3) from
//! the agreements the person consented to, with a copy of their data.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, Transaction};
use serde::Deserialize;

use super::{profile, DocKind, Draft, Issued, Spec, Warning, Writer};
use crate::agreements::model::{Language, Role};
use crate::error::{Error, Result};
use crate::requests::{self, access, rules, Kind, Law, Status};
use crate::vault::Vault;

const RU: &str = include_str!("../../templates/letters/ru.json");
const EN: &str = include_str!("../../templates/letters/en.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    to: String,
    to_unknown: String,
    from: String,
    reference: String,
    regards: String,
    signature: String,
    contact: String,
    document: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LetterT {
    title: String,
    body: Vec<String>,
    #[serde(default)]
    items: Vec<String>,
    #[serde(default)]
    recipients_heading: Option<String>,
    #[serde(default)]
    no_recipients: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemT {
    heading: String,
    text: String,
    #[serde(default)]
    none: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CopyT {
    heading: String,
    records_heading: String,
    consents_heading: String,
    requests_heading: String,
    col_date: String,
    col_action: String,
    col_agreement: String,
    col_channel: String,
    col_source: String,
    col_field: String,
    col_value: String,
    col_kind: String,
    col_status: String,
    actions: BTreeMap<String, String>,
    erased: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessT {
    heading: String,
    items: BTreeMap<String, ItemT>,
    copy: CopyT,
}

/// One language's letter templates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Templates {
    language: String,
    common: Common,
    kind_names: BTreeMap<String, String>,
    law_names: BTreeMap<String, String>,
    field_names: BTreeMap<String, String>,
    channel_names: BTreeMap<String, String>,
    status_names: BTreeMap<String, String>,
    method_names: BTreeMap<String, String>,
    letters: BTreeMap<String, LetterT>,
    access: AccessT,
}

/// The access answer's items, in the order printed.
const ACCESS_ITEMS: &[&str] = &[
    "confirmation", "grounds", "methods", "operator", "data", "periods", "rights", "cross_border", "processors", "measures",
    "automated", "other",
];

fn templates(lang: Language) -> Result<Templates> {
    let (text, name) = match lang {
        Language::Ru => (RU, "ru"),
        Language::En => (EN, "en"),
    };
    let t: Templates = serde_json::from_str(text)
        .map_err(|e| Error::Invalid(format!("the {name} letter templates are not valid: {e}")))?;
    if t.language != name {
        return Err(Error::Invalid(format!("the {name} letter templates say they are {:?}", t.language)));
    }
    Ok(t)
}

impl Templates {
    fn letter(&self, key: &str) -> Result<&LetterT> {
        self.letters.get(key).ok_or_else(|| Error::Invalid(format!("the letter templates lack {key:?}")))
    }

    /// A code's name in the letter's language from one of the name maps (the code itself if unnamed).
    fn name(map: &BTreeMap<String, String>, code: &str) -> String {
        map.get(code).cloned().unwrap_or_else(|| code.to_string())
    }

    fn item(&self, key: &str) -> Result<&ItemT> {
        self.access.items.get(key).ok_or_else(|| Error::Invalid(format!("the letter templates lack the access item {key:?}")))
    }
}

/// The letter templates' names of fields and request kinds, for the other documents.
pub struct Names(Templates);

impl Names {
    pub fn field(&self, code: &str) -> String {
        Templates::name(&self.0.field_names, code)
    }

    pub fn kind(&self, code: &str) -> String {
        Templates::name(&self.0.kind_names, code)
    }

    pub fn channel(&self, code: &str) -> String {
        Templates::name(&self.0.channel_names, code)
    }

    pub fn status(&self, code: &str) -> String {
        Templates::name(&self.0.status_names, code)
    }

    /// A consent action: given, refused, withdrawn, expired.
    pub fn action(&self, code: &str) -> String {
        Templates::name(&self.0.access.copy.actions, code)
    }
}

pub fn names(lang: Language) -> Result<Names> {
    Ok(Names(templates(lang)?))
}

/// The language a letter is written in by default: Russian under 152-FZ, English under GDPR alone.
pub fn default_language(law: Law) -> Language {
    match law {
        Law::Gdpr => Language::En,
        _ => Language::Ru,
    }
}

fn date_text(d: &str, lang: Language) -> String {
    let Ok(day) = NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d") else {
        return d.to_string();
    };
    match lang {
        Language::Ru => day.format("%d.%m.%Y").to_string(),
        Language::En => day.format("%-d %B %Y").to_string(),
    }
}

/// The letters a request can have now, in the order they are usually sent.
pub fn available(conn: &Connection, request: u64, today: NaiveDate) -> Result<Vec<DocKind>> {
    let r = requests::get_item(conn, request, today)?;
    let mut out = vec![DocKind::Acknowledgement];
    if r.status.is_open() && r.identity.as_deref() != Some("passed") && r.identity.as_deref() != Some("waived") {
        out.push(DocKind::IdentityRequest);
    }
    if r.extended_on.is_some() {
        out.push(DocKind::Extension);
    }
    match r.status {
        Status::Fulfilled => {
            out.push(DocKind::Answer);
            if r.kind == Kind::Rectification {
                out.push(DocKind::RectificationNotice);
            }
        }
        Status::Refused => out.push(DocKind::Refusal),
        _ => {}
    }
    if matches!(r.kind, Kind::Erasure | Kind::Withdrawal | Kind::Objection) && r.found && subject_erased_on(conn, &r.subject)?.is_some() {
        out.push(DocKind::DestructionNotice);
    }
    Ok(out)
}

fn subject_erased_on(conn: &Connection, subject: &str) -> Result<Option<String>> {
    let root = crate::consents::current_subject(conn, subject)?;
    Ok(conn.query_row("SELECT erased_at FROM subjects WHERE id = ?1", [&root], |r| r.get(0))?)
}

/// Issues (or returns, unchanged) the letter `kind` of request `request`.
pub fn issue(vault: &mut Vault, request: u64, kind: DocKind, language: Option<Language>, today: NaiveDate) -> Result<Issued> {
    vault.with_tx(|tx, actor| issue_in(tx, actor, request, kind, language, today))
}

pub fn issue_in(tx: &Transaction, actor: &str, request: u64, kind: DocKind, language: Option<Language>, today: NaiveDate) -> Result<Issued> {
    let r = requests::get_item(tx, request, today)?;
    if !available(tx, request, today)?.contains(&kind) {
        return Err(Error::Invalid(format!(
            "request {request} has no {} letter yet (it is {}): {}",
            kind.as_str(),
            r.status.as_str(),
            match kind {
                DocKind::Extension => "extend the deadline first",
                DocKind::Answer | DocKind::RectificationNotice => "fulfil the request first",
                DocKind::Refusal => "refuse the request first",
                DocKind::IdentityRequest => "the identity is checked already",
                DocKind::DestructionNotice => "erase the person's data first",
                _ => "",
            }
        )));
    }
    let lang = language.unwrap_or_else(|| default_language(r.law));
    let spec = Spec {
        incident: None,
        key: format!("R{request}-{}-{}", kind.code(), lang.as_str()),
        kind,
        language: lang,
        request: Some(request),
        subject: Some(r.subject.clone()),
        facts: None,
        retain_until: None,
    };
    super::issue(tx, actor, &spec, |id, at| build(tx, request, kind, lang, id, at))
}

/// Builds the letter for the document id `id` issued at `at`.
pub fn build(conn: &Connection, request: u64, kind: DocKind, lang: Language, id: &str, at: &DateTime<Utc>) -> Result<Draft> {
    let t = templates(lang)?;
    let issued_on = at.date_naive();
    let d = requests::get(conn, request, issued_on)?;
    let r = &d.request;
    let org = crate::organisation::get(conn)?;
    let prof = profile::get(conn)?;
    let dash = |s: &str| if s.trim().is_empty() { "—".to_string() } else { s.trim().to_string() };
    let mut vars: BTreeMap<&str, String> = BTreeMap::new();
    vars.insert("org_name", dash(&org.full_name));
    vars.insert("org_inn", dash(&org.inn));
    vars.insert("org_ogrn", dash(&org.ogrn));
    vars.insert("org_address", dash(&org.legal_address));
    vars.insert("org_email", dash(&org.withdrawal_email));
    let signer = if prof.signatory.name.is_empty() {
        dash(&org.dpo)
    } else if prof.signatory.position.is_empty() {
        prof.signatory.name.clone()
    } else {
        format!("{}, {}", prof.signatory.name, prof.signatory.position)
    };
    vars.insert("org_contact", signer);
    vars.insert("request", request.to_string());
    vars.insert("received", date_text(&r.received, lang));
    vars.insert("kind_name", t.kind_names.get(r.kind.as_str()).cloned().unwrap_or_else(|| r.kind.as_str().into()));
    vars.insert("law_name", t.law_names.get(r.law.as_str()).cloned().unwrap_or_else(|| r.law.as_str().into()));
    vars.insert("due", date_text(&r.due, lang));
    vars.insert("date", date_text(&issued_on.to_string(), lang));
    vars.insert("doc_id", id.to_string());
    let to_unknown = super::fill(&t.common.to_unknown, &|k| vars.get(k).cloned())?;
    // The facts as of the letter's date: the person's current name when the request gave none.
    let person = access::gather(conn, &r.subject, Some(request), issued_on)?;
    let addressee = r
        .name
        .clone()
        .or_else(|| if r.found { person.person.names.first().cloned() } else { None })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(to_unknown);
    vars.insert("addressee", addressee);

    let mut warnings = vec![];
    let mut extra: BTreeMap<&str, String> = BTreeMap::new();
    let step = |kind: &str| d.history.iter().rev().find(|s| s.kind == kind);
    let template_key: String = match kind {
        DocKind::Acknowledgement => "acknowledgement".into(),
        DocKind::IdentityRequest => "identity_request".into(),
        DocKind::Extension => {
            let s = step("request.extended").ok_or_else(|| Error::Invalid(format!("request {request} was not extended")))?;
            let original = rules::with_clock(conn, |c| {
                c.dues(r.kind, r.law, NaiveDate::parse_from_str(&r.received, "%Y-%m-%d").unwrap_or(issued_on), false)
            })?;
            extra.insert("due_old", date_text(&original.due, lang));
            extra.insert("due_new", date_text(&r.due, lang));
            extra.insert("reasons", s.data["extension_reasons"].as_str().unwrap_or("—").to_string());
            "extension".into()
        }
        DocKind::Refusal => {
            let s = step("request.refused").ok_or_else(|| Error::Invalid(format!("request {request} was not refused")))?;
            let code = s.body["reason"].as_str().unwrap_or("other");
            let rules = rules::Rules::of_vault(conn)?;
            let reason = rules.reason(code).ok();
            extra.insert(
                "reason",
                reason.map(|x| if lang == Language::Ru { x.ru.clone() } else { x.en.clone() }).unwrap_or_else(|| code.into()),
            );
            let ground = match (lang, reason) {
                (Language::Ru, Some(x)) if !x.ground_ru.is_empty() => x.ground_ru.clone(),
                _ => s.body["ground"].as_str().unwrap_or("").to_string(),
            };
            extra.insert("ground", dash(&ground));
            extra.insert("refusal_text", s.data["refusal_text"].as_str().unwrap_or("").to_string());
            "refusal".into()
        }
        DocKind::Answer => answer_key(r.kind, r.outcome.as_deref()).into(),
        DocKind::RectificationNotice => "rectification_notice".into(),
        DocKind::DestructionNotice => "destruction_notice".into(),
        _ => {
            return Err(Error::Invalid("an act, a pack or an incident notice is not a letter".into()))
        }
    };
    // Figures of a fulfilment.
    if matches!(kind, DocKind::Answer | DocKind::RectificationNotice | DocKind::DestructionNotice) {
        let fields: Vec<String> = d
            .history
            .iter()
            .filter(|s| s.kind == "subject.rectified")
            .flat_map(|s| s.body["fields"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f.as_str().map(|f| t.field_names.get(f).cloned().unwrap_or_else(|| f.to_string())))
            .collect();
        extra.insert("fields", if fields.is_empty() { "—".into() } else { fields.join(", ") });
        let withdrawn = step("request.fulfilled").and_then(|s| s.body["consents_withdrawn"].as_u64()).unwrap_or(0);
        extra.insert("withdrawn", withdrawn.to_string());
        let destroy_by = d.followups.iter().find(|f| f.kind == "destroy").map(|f| date_text(&f.due, lang));
        extra.insert("destroy_by", destroy_by.unwrap_or_else(|| "—".into()));
        let destroyed = subject_erased_on(conn, &r.subject)?.or_else(|| r.closed_on.clone());
        extra.insert("destroyed_on", destroyed.map(|x| date_text(&x, lang)).unwrap_or_else(|| "—".into()));
    }
    let get = |k: &str| vars.get(k).or_else(|| extra.get(k)).cloned();
    let fill = |s: &str| super::fill(s, &get);

    let lt = t.letter(&template_key)?;
    let mut w = Writer::default();
    let title = fill(&lt.title)?;
    w.para(&fill(&t.common.from)?);
    // A notice to recipients is addressed to them, not to the person.
    let recipients = access::recipients(&person);
    if kind == DocKind::RectificationNotice {
        w.para(&recipients.join("; "));
    } else {
        w.para(&fill(&t.common.to)?);
    }
    w.para(&fill(&t.common.reference)?);
    w.title(&title);
    for p in &lt.body {
        w.para(&fill(p)?);
    }
    w.bullets(lt.items.iter().map(|i| fill(i)).collect::<Result<Vec<_>>>()?);
    if let Some(h) = &lt.recipients_heading {
        if recipients.is_empty() {
            if let Some(n) = &lt.no_recipients {
                w.para(&fill(n)?);
            }
        } else {
            w.heading(&fill(h)?);
            w.bullets(recipients.clone());
        }
    }
    let with_facts = kind == DocKind::Answer && matches!(template_key.as_str(), "answer_access" | "answer_portability" | "answer_regulator");
    if with_facts {
        access_section(&mut w, &t, &person, &prof, lang, &fill, &mut warnings)?;
    }
    if kind == DocKind::Answer && template_key == "answer_portability" {
        // The files sent with the letter, named by their hashes.
        let (json, csv) = attachments(&person)?;
        w.bullets(vec![
            format!("access.json — SHA-256 {}", crate::import::sha256_hex(&json)),
            format!("access.csv — SHA-256 {}", crate::import::sha256_hex(&csv)),
        ]);
    }
    w.para(&fill(&t.common.regards)?);
    w.para(&format!("____________________ / {}", fill(&t.common.signature)?));
    w.para(&fill(&t.common.contact)?);
    if with_facts {
        copy_section(&mut w, &t, &person, lang);
    }
    w.text_only(&fill(&t.common.document)?);
    let footer_lead = if org.short_name.trim().is_empty() { org.full_name.clone() } else { org.short_name.clone() };
    Ok(Draft { title, footer_lead, body: w, warnings })
}

/// The JSON and CSV a portability answer attaches (the facts as of the letter's date).
pub fn attachments(facts: &access::Facts) -> Result<(Vec<u8>, Vec<u8>)> {
    let json = access::json(facts)?.into_bytes();
    let mut csv = vec![];
    access::csv(facts, &mut csv)?;
    Ok((json, csv))
}

/// The answer template for a kind of request and its outcome.
fn answer_key(kind: Kind, outcome: Option<&str>) -> &'static str {
    if outcome == Some("no_data_held") {
        return "answer_no_data";
    }
    match kind {
        Kind::Access => "answer_access",
        Kind::Portability => "answer_portability",
        Kind::Rectification => "answer_rectification",
        Kind::Erasure => "answer_erasure",
        Kind::Restriction => "answer_restriction",
        Kind::Objection => "answer_objection",
        Kind::Withdrawal => "answer_withdrawal",
        Kind::Regulator => "answer_regulator",
    }
}

fn uniq(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for i in items {
        let i = i.trim().to_string();
        if !i.is_empty() && !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The items of 152-FZ art. 14 part 7 and GDPR Art. 15(1)–(2), each under
/// its heading, filled from the agreements the person acted on and the
/// operator's profile.
fn access_section(
    w: &mut Writer,
    t: &Templates,
    f: &access::Facts,
    prof: &profile::Profile,
    lang: Language,
    fill: &dyn Fn(&str) -> Result<String>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    w.heading(&fill(&t.access.heading)?);
    let agreement_name = |a: &access::Agreement| format!("«{}» ({})", a.title, a.label);
    for key in ACCESS_ITEMS {
        let it = t.item(key)?;
        w.heading(&fill(&it.heading)?);
        w.para(&fill(&it.text)?);
        let list: Vec<String> = match *key {
            "confirmation" => vec![],
            "grounds" => f
                .agreements
                .iter()
                .map(|a| {
                    let given = uniq(
                        f.consents
                            .iter()
                            .filter(|c| c.agreement == a.label && c.action == "given")
                            .map(|c| date_text(&c.acted_at, lang)),
                    );
                    format!("{}: {}{}", agreement_name(a), a.purposes.join("; "), if given.is_empty() { String::new() } else { format!(" — {}", given.join(", ")) })
                })
                .collect(),
            "methods" => f
                .agreements
                .iter()
                .filter(|a| !a.actions.is_empty() || a.methods.is_some())
                .map(|a| {
                    let mut s = format!("{}: {}", agreement_name(a), a.actions.join(", "));
                    if let Some(m) = &a.methods {
                        s.push_str(&format!(" ({})", Templates::name(&t.method_names, m)));
                    }
                    s
                })
                .collect(),
            "operator" => uniq(f.agreements.iter().flat_map(|a| {
                a.third_parties.iter().map(|p| {
                    let mut s = p.name.clone();
                    if !p.inn.is_empty() {
                        s.push_str(&format!(", {} {}", if lang == Language::Ru { "ИНН" } else { "INN" }, p.inn));
                    }
                    if !p.address.is_empty() {
                        s.push_str(&format!(", {}", p.address));
                    }
                    s
                })
            })),
            "data" => {
                let mut v = uniq(f.agreements.iter().flat_map(|a| a.data_items.clone()));
                let sources = uniq(f.consents.iter().map(|c| {
                    let channel = Templates::name(&t.channel_names, &c.channel);
                    match &c.url {
                        Some(u) => format!("{channel} ({u})"),
                        None => channel,
                    }
                }));
                if !sources.is_empty() {
                    v.push(format!("{}: {}", t.access.copy.col_source, sources.join(", ")));
                }
                v
            }
            "periods" => f.agreements.iter().map(|a| format!("{}: {}; {}", agreement_name(a), a.storage, a.term)).collect(),
            "rights" => vec![],
            "processors" => uniq(f.agreements.iter().flat_map(|a| {
                a.third_parties
                    .iter()
                    .filter(|p| p.role == Role::Processor)
                    .map(|p| if p.address.is_empty() { p.name.clone() } else { format!("{}, {}", p.name, p.address) })
            })),
            "cross_border" | "measures" | "automated" | "other" => {
                let stated = match *key {
                    "cross_border" => &prof.cross_border,
                    "measures" => &prof.measures,
                    "automated" => &prof.automated,
                    _ => &prof.other,
                };
                if stated.is_empty() && *key != "other" {
                    warnings.push(Warning::profile(
                        key,
                        format!(
                            "the documents profile does not state {}: the answer says so; fill it in (Settings → Documents, or `org documents`)",
                            key.replace('_', "-")
                        ),
                    ));
                }
                if stated.is_empty() { vec![] } else { vec![stated.clone()] }
            }
            _ => vec![],
        };
        let wants_list = !matches!(*key, "confirmation" | "rights");
        if wants_list {
            if list.is_empty() {
                w.para(&fill(&it.none)?);
            } else if list.len() == 1 && matches!(*key, "cross_border" | "measures" | "automated" | "other") {
                w.para(&list[0]);
            } else {
                w.bullets(list);
            }
        }
    }
    Ok(())
}

/// The appendix: a copy of the data (GDPR Art. 15(3)): records, consents, requests.
fn copy_section(w: &mut Writer, t: &Templates, f: &access::Facts, lang: Language) {
    let c = &t.access.copy;
    w.page_break();
    w.heading(&c.heading);
    if f.person.erased {
        w.para(&c.erased);
    }
    w.heading(&c.records_heading);
    let mut rows = vec![];
    let value = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| format!("{k}: {}", v.as_str().map(String::from).unwrap_or_else(|| v.to_string()))).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    };
    for r in &f.records {
        if let serde_json::Value::Object(m) = &r.data {
            // The searches made to find the person are the operator's, not their data.
            for (k, v) in m.iter().filter(|(k, _)| k.as_str() != "searches") {
                rows.push(vec![date_text(&r.recorded_at, lang), Templates::name(&t.field_names, k), value(v)]);
            }
        }
    }
    w.table(vec![c.col_date.clone(), c.col_field.clone(), c.col_value.clone()], rows, vec![1.0, 1.2, 3.0]);
    w.heading(&c.consents_heading);
    let rows = f
        .consents
        .iter()
        .map(|x| {
            let mut source = x.url.clone().unwrap_or_default();
            if let Some(ip) = &x.ip {
                source = if source.is_empty() { ip.clone() } else { format!("{source}, IP {ip}") };
            }
            vec![
                date_text(&x.acted_at, lang),
                c.actions.get(&x.action).cloned().unwrap_or_else(|| x.action.clone()),
                x.agreement.clone(),
                Templates::name(&t.channel_names, &x.channel),
                source,
            ]
        })
        .collect();
    w.table(
        vec![c.col_date.clone(), c.col_action.clone(), c.col_agreement.clone(), c.col_channel.clone(), c.col_source.clone()],
        rows,
        vec![1.0, 1.0, 1.2, 0.9, 2.2],
    );
    w.heading(&c.requests_heading);
    let rows = f
        .requests
        .iter()
        .map(|q| {
            vec![
                date_text(&q.received, lang),
                format!("№{} {}", q.id, t.kind_names.get(&q.kind).cloned().unwrap_or_else(|| q.kind.clone())),
                Templates::name(&t.status_names, &q.status),
            ]
        })
        .collect();
    w.table(vec![c.col_date.clone(), c.col_kind.clone(), c.col_status.clone()], rows, vec![1.0, 3.0, 1.0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placeholder each template uses is one the program fills.
    #[test]
    fn templates_parse_and_use_only_known_placeholders() {
        let common = [
            "org_name", "org_inn", "org_ogrn", "org_address", "org_email", "org_contact", "request", "received", "kind_name", "law_name",
            "due", "date", "doc_id", "addressee",
        ];
        let extra = ["due_old", "due_new", "reasons", "reason", "ground", "refusal_text", "fields", "withdrawn", "destroy_by", "destroyed_on"];
        for lang in [Language::Ru, Language::En] {
            let t = templates(lang).unwrap();
            let known = |k: &str| (common.contains(&k) || extra.contains(&k)).then(|| "x".to_string());
            let mut all: Vec<&str> = vec![&t.common.to, &t.common.to_unknown, &t.common.from, &t.common.reference, &t.common.regards, &t.common.signature, &t.common.contact, &t.common.document, &t.access.heading];
            for l in t.letters.values() {
                all.push(&l.title);
                all.extend(l.body.iter().map(String::as_str));
                all.extend(l.items.iter().map(String::as_str));
                all.extend(l.recipients_heading.iter().map(String::as_str));
                all.extend(l.no_recipients.iter().map(String::as_str));
            }
            for i in t.access.items.values() {
                all.extend([i.heading.as_str(), i.text.as_str(), i.none.as_str()]);
            }
            for s in all {
                super::super::fill(s, &known).unwrap_or_else(|e| panic!("{lang:?}: {e}"));
            }
            for k in ACCESS_ITEMS {
                t.item(k).unwrap();
            }
            for k in Kind::ALL {
                assert!(t.kind_names.contains_key(k.as_str()), "{lang:?}: kind_names lacks {}", k.as_str());
                t.letter(answer_key(*k, None)).unwrap();
            }
            for k in ["acknowledgement", "identity_request", "extension", "refusal", "answer_no_data", "rectification_notice", "destruction_notice"] {
                t.letter(k).unwrap();
            }
            for a in ["given", "refused", "withdrawn", "expired"] {
                assert!(t.access.copy.actions.contains_key(a));
            }
        }
    }
}
