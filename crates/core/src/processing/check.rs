//! The check before publishing the three documents the processing register
//! generates (the privacy policy, the notice to Roskomnadzor, the records of
//! processing): every mandatory item of each, with its source and a fix, as
//! data in `templates/processing/items.json`; errors block publishing.

use std::sync::OnceLock;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::Activity;
use crate::agreements::model::Language;
use crate::error::{Error, Result};
use crate::organisation::{self, Requisites};
use crate::requests::Law;

const ITEMS: &str = include_str!("../../templates/processing/items.json");

text_enum!(
    /// A document the processing register generates.
    #[cfg_attr(feature = "ts", ts(rename = "ProcessingDocument"))]
    Document, "document", [Policy = "policy", Notice = "notice", Ropa = "ropa"]);

impl Document {
    /// Whether an activity under `law` belongs in this document.
    pub fn covers(self, law: Law) -> bool {
        match self {
            Document::Policy | Document::Notice => law != Law::Gdpr,
            Document::Ropa => law != Law::Fz152,
        }
    }
}

/// A text in both languages.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ProcessingText"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    pub ru: String,
}

impl Text {
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.en,
            Language::Ru => &self.ru,
        }
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ProcessingSeverity"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One mandatory item of a document, as `items.json` states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub document: Document,
    /// The program's test that finds it missing (`recorded`: refused when an activity is recorded).
    pub check: String,
    pub severity: Severity,
    pub confidence: String,
    pub source: Text,
    pub label: Text,
    pub message: Text,
    pub fix: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentInfo {
    pub title: Text,
    pub law: Law,
    pub source: Text,
    pub confidence: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Items {
    pub about: String,
    pub documents: std::collections::BTreeMap<String, DocumentInfo>,
    /// When a change to the notice's items is due at Roskomnadzor.
    pub changes: ChangesRule,
    pub items: Vec<Item>,
}

/// The term of the notice of changes (152-FZ art. 22 part 7): by this day
/// of the month after the month the change occurred.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangesRule {
    pub day_of_next_month: u32,
    pub source: Text,
    pub confidence: String,
}

/// The shipped item lists.
pub fn items() -> &'static Items {
    static ITEMS_PARSED: OnceLock<Items> = OnceLock::new();
    ITEMS_PARSED.get_or_init(|| serde_json::from_str(ITEMS).expect("templates/processing/items.json is valid"))
}

/// The checks the program knows; `items.json` may name only these.
pub const CHECKS: [&str; 14] = [
    "recorded",
    "operator_contacts",
    "operator_address",
    "dpo",
    "activities",
    "data_categories",
    "subject_categories",
    "actions",
    "methods",
    "security",
    "responsible",
    "started_on",
    "retention",
    "storage_country",
];

/// The check of each transfer abroad (one finding per transfer).
const TRANSFER_SAFEGUARDS: &str = "transfer_safeguards";

/// One mandatory item found missing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ProcessingFinding"))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The item's id, e.g. `notice.start`.
    pub rule: String,
    pub severity: Severity,
    /// The activity it is about (None: the organisation, or the register as a whole).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub activity: Option<u64>,
    /// Where the item comes from, in the reader's language.
    pub law: String,
    /// How sure that source is (H, M, U).
    pub confidence: String,
    pub message: String,
    pub fix: String,
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn none(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(blank)
}

/// Whether the activity lacks what `check` looks for.
fn lacks(check: &str, a: &Activity) -> bool {
    match check {
        "data_categories" => a.data_categories.is_empty() && a.special_categories.is_empty(),
        "subject_categories" => a.subject_categories.is_empty(),
        "actions" => a.actions.is_empty(),
        "methods" => a.methods.is_none(),
        "security" => a.security.is_empty(),
        "responsible" => none(&a.responsible),
        "started_on" => none(&a.started_on),
        "retention" => none(&a.retention),
        "storage_country" => none(&a.storage_country),
        _ => false,
    }
}

/// Whether the organisation lacks what `check` looks for.
fn org_lacks(check: &str, r: &Requisites) -> bool {
    match check {
        "operator_address" => blank(&r.full_name) || blank(&r.legal_address),
        "operator_contacts" => blank(&r.full_name) || blank(&r.legal_address) || blank(&r.withdrawal_email),
        "dpo" => blank(&r.dpo),
        _ => false,
    }
}

/// Checks a document against the organisation's requisites and the given
/// activities (id, activity), keeping those the document covers.
pub fn check_with(doc: Document, r: &Requisites, activities: &[(u64, Activity)], lang: Language) -> Vec<Finding> {
    let covered: Vec<&(u64, Activity)> = activities.iter().filter(|(_, a)| doc.covers(a.law)).collect();
    let mut out = Vec::new();
    for item in items().items.iter().filter(|i| i.document == doc) {
        let finding = |activity: Option<u64>, message: String| Finding {
            rule: item.id.clone(),
            severity: item.severity,
            activity,
            law: item.source.get(lang).to_string(),
            confidence: item.confidence.clone(),
            message,
            fix: item.fix.get(lang).to_string(),
        };
        let message = item.message.get(lang);
        match item.check.as_str() {
            "recorded" => {}
            "operator_address" | "operator_contacts" | "dpo" => {
                if org_lacks(&item.check, r) {
                    out.push(finding(None, message.to_string()));
                }
            }
            "activities" => {
                if covered.is_empty() {
                    out.push(finding(None, message.to_string()));
                }
            }
            TRANSFER_SAFEGUARDS => {
                for (id, a) in &covered {
                    for t in a.transfers.iter().filter(|t| none(&t.safeguards)) {
                        out.push(finding(Some(*id), message.replace("{name}", &a.name).replace("{country}", &t.country)));
                    }
                }
            }
            check => {
                for (id, a) in &covered {
                    if lacks(check, a) {
                        out.push(finding(Some(*id), message.replace("{name}", &a.name)));
                    }
                }
            }
        }
    }
    out
}

/// Checks a document against the vault's requisites and active activities.
pub fn check(conn: &Connection, doc: Document, lang: Language) -> Result<Vec<Finding>> {
    Ok(check_with(doc, &organisation::get(conn)?, &super::active(conn)?, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processing::{Basis, Transfer};

    fn org() -> Requisites {
        Requisites {
            full_name: "ООО «Ромашка»".into(),
            legal_address: "Москва".into(),
            withdrawal_email: "privacy@romashka.example".into(),
            dpo: "Иванова М. П.".into(),
            ..Default::default()
        }
    }

    /// An activity with every item the documents ask for.
    fn complete(law: Law) -> Activity {
        Activity {
            name: "Рассылка".into(),
            law,
            purposes: vec!["Акции".into()],
            legal_bases: vec![Basis::Consent],
            subject_categories: vec!["Клиенты".into()],
            data_categories: vec!["ФИО".into()],
            actions: vec!["сбор".into()],
            methods: Some(crate::agreements::model::Method::Automated),
            transfers: vec![Transfer { country: "Германия".into(), recipient: "Mailer GmbH".into(), safeguards: Some("SCC".into()) }],
            storage_country: Some("Россия".into()),
            retention: Some("До отзыва".into()),
            security: vec!["Шифрование".into()],
            responsible: Some("Иванова, +7 495 000-00-00".into()),
            started_on: Some("2025-03-01".into()),
            ..Default::default()
        }
    }

    fn rules(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn the_items_are_well_formed() {
        let it = items();
        assert!(it.about.contains("LAWYER'S REVIEW"));
        for d in Document::ALL {
            assert!(it.documents.contains_key(d.as_str()), "{d:?} described");
            assert!(it.items.iter().any(|i| i.document == *d), "{d:?} has items");
        }
        let mut ids = std::collections::BTreeSet::new();
        for i in &it.items {
            assert!(ids.insert(i.id.clone()), "{} twice", i.id);
            assert!(i.id.starts_with(&format!("{}.", i.document.as_str())), "{} belongs to {:?}", i.id, i.document);
            assert!(CHECKS.contains(&i.check.as_str()) || i.check == TRANSFER_SAFEGUARDS, "{}: unknown check {}", i.id, i.check);
            assert!(["H", "M", "U"].contains(&i.confidence.as_str()), "{}", i.id);
            for t in [&i.source, &i.label, &i.message, &i.fix] {
                assert!(!blank(&t.en) && !blank(&t.ru), "{}: a text is empty", i.id);
                assert!(t.ru.chars().any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())), "{}: Russian text", i.id);
            }
        }
        // Every check is used, so each can fire in a document.
        for c in CHECKS.iter().chain([&TRANSFER_SAFEGUARDS]) {
            assert!(it.items.iter().any(|i| i.check == *c), "check {c} is used by no item");
        }
    }

    #[test]
    fn a_complete_register_passes_every_document() {
        let acts = vec![(7, complete(Law::Both))];
        for d in Document::ALL {
            assert_eq!(check_with(*d, &org(), &acts, Language::En), vec![], "{d:?}");
        }
    }

    #[test]
    fn each_rule_fires_when_its_item_is_missing_and_only_then() {
        // (what to take away, the law of the activity, the document, the rules that fire)
        type Change = fn(&mut Requisites, &mut Activity);
        let cases: Vec<(Change, Law, Document, Vec<&str>)> = vec![
            (|r, _| r.legal_address.clear(), Law::Both, Document::Notice, vec!["notice.operator"]),
            (|r, _| r.withdrawal_email.clear(), Law::Both, Document::Policy, vec!["policy.operator"]),
            (|r, _| r.withdrawal_email.clear(), Law::Both, Document::Notice, vec![]),
            (|r, _| r.full_name = " ".into(), Law::Both, Document::Ropa, vec!["ropa.controller"]),
            (|r, _| r.dpo.clear(), Law::Both, Document::Ropa, vec!["ropa.dpo"]),
            (|r, _| r.dpo.clear(), Law::Both, Document::Notice, vec![]),
            (|_, a| a.data_categories.clear(), Law::Both, Document::Notice, vec!["notice.data"]),
            (|_, a| { a.data_categories.clear(); a.special_categories = vec!["Здоровье".into()]; }, Law::Both, Document::Notice, vec![]),
            (|_, a| a.data_categories.clear(), Law::Both, Document::Policy, vec!["policy.data"]),
            (|_, a| a.data_categories.clear(), Law::Both, Document::Ropa, vec!["ropa.data"]),
            (|_, a| a.subject_categories.clear(), Law::Both, Document::Ropa, vec!["ropa.subjects"]),
            (|_, a| a.subject_categories.clear(), Law::Both, Document::Policy, vec!["policy.subjects"]),
            (|_, a| a.subject_categories.clear(), Law::Both, Document::Notice, vec!["notice.subjects"]),
            (|_, a| a.actions.clear(), Law::Both, Document::Notice, vec!["notice.actions"]),
            (|_, a| a.actions.clear(), Law::Both, Document::Ropa, vec![]),
            (|_, a| a.methods = None, Law::Both, Document::Notice, vec!["notice.methods"]),
            (|_, a| a.security.clear(), Law::Both, Document::Notice, vec!["notice.security"]),
            (|_, a| a.security.clear(), Law::Both, Document::Ropa, vec!["ropa.security"]),
            (|_, a| a.responsible = None, Law::Both, Document::Notice, vec!["notice.responsible"]),
            (|_, a| a.responsible = Some(" ".into()), Law::Both, Document::Policy, vec!["policy.responsible"]),
            (|_, a| a.started_on = None, Law::Both, Document::Notice, vec!["notice.start"]),
            (|_, a| a.started_on = None, Law::Both, Document::Ropa, vec![]),
            (|_, a| a.retention = None, Law::Both, Document::Notice, vec!["notice.term"]),
            (|_, a| a.retention = None, Law::Both, Document::Policy, vec!["policy.retention"]),
            (|_, a| a.retention = None, Law::Both, Document::Ropa, vec!["ropa.retention"]),
            (|_, a| a.storage_country = None, Law::Both, Document::Notice, vec!["notice.db_location"]),
            (|_, a| a.transfers[0].safeguards = None, Law::Both, Document::Ropa, vec!["ropa.transfers"]),
            (|_, a| a.transfers[0].safeguards = None, Law::Both, Document::Notice, vec![]),
            // An activity under the other law only is not in the document at all.
            (|_, _| {}, Law::Gdpr, Document::Notice, vec!["notice.activities"]),
            (|_, _| {}, Law::Gdpr, Document::Policy, vec!["policy.activities"]),
            (|_, _| {}, Law::Fz152, Document::Ropa, vec!["ropa.activities"]),
            (|_, a| a.security.clear(), Law::Fz152, Document::Ropa, vec!["ropa.activities"]),
        ];
        for (i, (change, law, doc, want)) in cases.into_iter().enumerate() {
            let (mut r, mut a) = (org(), complete(law));
            change(&mut r, &mut a);
            let found = check_with(doc, &r, &[(7, a)], Language::Ru);
            assert_eq!(rules(&found), want, "case {i}: {doc:?}");
            for f in &found {
                assert!(!f.law.is_empty() && !f.fix.is_empty() && !f.message.contains("{name}"), "case {i}: {f:?}");
                let per_activity = !f.rule.ends_with(".activities") && !["notice.operator", "policy.operator", "ropa.controller", "ropa.dpo"].contains(&f.rule.as_str());
                assert_eq!(f.activity.is_some(), per_activity, "case {i}: {f:?}");
            }
        }
        // A message names the activity, in the reader's language.
        let mut a = complete(Law::Fz152);
        a.started_on = None;
        let f = check_with(Document::Notice, &org(), &[(7, a.clone())], Language::Ru);
        assert_eq!(f[0].message, "У вида обработки «Рассылка» не указана дата начала.");
        assert_eq!(f[0].severity, Severity::Error);
        let f = check_with(Document::Notice, &org(), &[(7, a)], Language::En);
        assert!(f[0].law.contains("art. 22 part 3 item 8"), "{:?}", f[0]);
    }
}
