//! The agreement templates, headings and compliance-rule texts, read from the
//! data files in `crates/core/templates/agreements/` (built into the binary)
//! so that a lawyer can review and change them without reading code.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::model::{Content, Language, TemplateKind};
use crate::error::{Error, Result};

macro_rules! data {
    ($file:literal) => {
        ($file, include_str!(concat!("../../templates/agreements/", $file)))
    };
}

const TEMPLATE_FILES: [(&str, &str); 10] = [
    data!("processing.ru.json"),
    data!("processing.en.json"),
    data!("dissemination.ru.json"),
    data!("dissemination.en.json"),
    data!("gdpr.ru.json"),
    data!("gdpr.en.json"),
    data!("marketing.ru.json"),
    data!("marketing.en.json"),
    data!("custom.ru.json"),
    data!("custom.en.json"),
];
const LABELS_RU: (&str, &str) = data!("labels.ru.json");
const LABELS_EN: (&str, &str) = data!("labels.en.json");
const RULES_RU: (&str, &str) = data!("rules.ru.json");
const RULES_EN: (&str, &str) = data!("rules.en.json");

/// A starting point for a new agreement.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub description: String,
    pub content: Content,
}

/// Headings and fixed words of a rendered agreement, in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    pub operator: String,
    pub controller: String,
    pub operator_name: String,
    pub inn: String,
    pub ogrn: String,
    pub address: String,
    pub dpo: String,
    pub email: String,
    pub purposes: String,
    pub data: String,
    pub actions: String,
    pub methods: String,
    pub method_automated: String,
    pub method_non_automated: String,
    pub method_mixed: String,
    pub third_parties: String,
    pub role_processor: String,
    pub role_recipient: String,
    pub storage: String,
    pub dissemination: String,
    pub dissemination_category: String,
    pub dissemination_items: String,
    pub dissemination_choice: String,
    pub resources: String,
    pub conditions: String,
    pub channels: String,
    pub term: String,
    pub withdrawal: String,
    pub extra: String,
    pub subject: String,
    pub subject_fields: Vec<String>,
    pub subject_conditions: String,
    pub version: String,
    pub hash: String,
    pub published: String,
    pub draft: String,
    pub open_text: String,
}

/// The words of one compliance rule: the law it comes from, what is wrong, how to fix it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    pub law: String,
    pub message: String,
    pub fix: String,
}

fn parse<T: serde::de::DeserializeOwned>((file, text): (&str, &str)) -> T {
    // The files are part of the build; a test parses every one of them.
    serde_json::from_str(text).unwrap_or_else(|e| panic!("templates/agreements/{file}: {e}"))
}

fn templates() -> &'static Vec<Template> {
    static T: OnceLock<Vec<Template>> = OnceLock::new();
    T.get_or_init(|| TEMPLATE_FILES.iter().map(|f| parse(*f)).collect())
}

/// Every template, in both languages.
pub fn all() -> &'static [Template] {
    templates()
}

/// The template of `kind` in `language`.
pub fn get(kind: TemplateKind, language: Language) -> Result<&'static Template> {
    templates()
        .iter()
        .find(|t| t.content.template == kind && t.content.language == language)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "no {} template in {}",
                kind.as_str(),
                language.as_str()
            ))
        })
}

pub fn labels(language: Language) -> &'static Labels {
    static RU: OnceLock<Labels> = OnceLock::new();
    static EN: OnceLock<Labels> = OnceLock::new();
    match language {
        Language::Ru => RU.get_or_init(|| parse(LABELS_RU)),
        Language::En => EN.get_or_init(|| parse(LABELS_EN)),
    }
}

/// The texts of a compliance rule in `language` (the language the user reads, not the agreement's).
pub fn rule_text(language: Language, id: &str) -> &'static RuleText {
    static RU: OnceLock<BTreeMap<String, RuleText>> = OnceLock::new();
    static EN: OnceLock<BTreeMap<String, RuleText>> = OnceLock::new();
    let map = match language {
        Language::Ru => RU.get_or_init(|| parse(RULES_RU)),
        Language::En => EN.get_or_init(|| parse(RULES_EN)),
    };
    map.get(id)
        .unwrap_or_else(|| panic!("rule {id} has no text in rules.{}.json", language.as_str()))
}

/// Rule ids that have texts (for the test that every rule is described).
pub fn described_rules(language: Language) -> Vec<String> {
    let text = match language {
        Language::Ru => RULES_RU,
        Language::En => RULES_EN,
    };
    let map: BTreeMap<String, RuleText> = parse(text);
    map.into_keys().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses_in_both_languages_and_says_what_it_is() {
        for kind in TemplateKind::ALL {
            for lang in [Language::Ru, Language::En] {
                let t = get(kind, lang).unwrap();
                assert_eq!(t.content.template, kind);
                assert!(!t.name.is_empty() && !t.description.is_empty());
                // What a template says survives normalisation unchanged.
                assert_eq!(t.content.clone().normalized().unwrap(), t.content);
            }
        }
        assert_eq!(all().len(), 10);
    }

    #[test]
    fn labels_parse_in_both_languages() {
        assert_eq!(labels(Language::Ru).inn, "ИНН");
        assert_eq!(labels(Language::En).subject_fields.len(), 5);
        assert_eq!(
            labels(Language::Ru).subject_fields.len(),
            labels(Language::En).subject_fields.len()
        );
    }
}
