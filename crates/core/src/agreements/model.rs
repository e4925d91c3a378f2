//! What an agreement is made of: the editable content (structured fields
//! where the law names an item), the frozen snapshot of a published version,
//! and the document blocks both render to.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::organisation::Requisites;

/// Which template an agreement started from; it decides the rules that apply.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// 152-FZ consent to processing (art. 9 part 4).
    Processing,
    /// 152-FZ consent to dissemination (art. 10.1), per-category choices.
    Dissemination,
    /// GDPR consent (Art. 7).
    Gdpr,
    /// Consent to marketing messages.
    Marketing,
    /// A blank text.
    Custom,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 5] = [
        TemplateKind::Processing,
        TemplateKind::Dissemination,
        TemplateKind::Gdpr,
        TemplateKind::Marketing,
        TemplateKind::Custom,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::Processing => "processing",
            TemplateKind::Dissemination => "dissemination",
            TemplateKind::Gdpr => "gdpr",
            TemplateKind::Marketing => "marketing",
            TemplateKind::Custom => "custom",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "unknown template {s:?}: use processing, dissemination, gdpr, marketing or custom"
                ))
            })
    }
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Ru,
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "ru" => Ok(Language::Ru),
            "en" => Ok(Language::En),
            _ => Err(Error::Invalid(format!(
                "unknown language {s:?}: use ru or en"
            ))),
        }
    }
}

/// The law whose consent rules the text must meet.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    Fz152,
    Gdpr,
}

/// How the checkbox behaves in a form.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behaviour {
    /// The subject must tick it; the form cannot be sent without.
    Required,
    /// Ticked in advance ("accepted automatically").
    PreTicked,
    /// The text must be opened before the box can be ticked.
    MustOpen,
}

/// Where the text is shown.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presentation {
    /// A document of its own.
    Separate,
    /// Inside a contract, offer, policy or terms of use.
    WithinOtherDocument,
}

/// General description of the processing methods (152-FZ art. 9 part 4 item 7).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Automated,
    NonAutomated,
    Mixed,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Processes on the operator's instruction (152-FZ art. 6 part 3; GDPR processor).
    Processor,
    /// Receives the data for its own purposes.
    Recipient,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThirdParty {
    pub name: String,
    pub inn: String,
    pub address: String,
    pub role: Role,
}

impl Default for ThirdParty {
    fn default() -> Self {
        ThirdParty {
            name: String::new(),
            inn: String::new(),
            address: String::new(),
            role: Role::Processor,
        }
    }
}

/// One category of data the subject may allow to be disseminated (152-FZ art. 10.1).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DisseminationCategory {
    pub name: String,
    pub items: Vec<String>,
}

/// The editable content of an agreement version. Free-text fields may use
/// placeholders filled from the organisation's requisites:
/// `{operator}`, `{short_name}`, `{inn}`, `{ogrn}`, `{address}`, `{dpo}`, `{email}`.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Content {
    pub title: String,
    pub template: TemplateKind,
    pub language: Language,
    pub regime: Regime,
    /// Opening paragraph.
    pub intro: String,
    pub purposes: Vec<String>,
    /// Categories of personal data.
    pub data_items: Vec<String>,
    /// The fields of the form that collects the data: each is personal data too.
    pub form_fields: Vec<String>,
    pub actions: Vec<String>,
    pub methods: Option<Method>,
    pub third_parties: Vec<ThirdParty>,
    /// Where the data is stored.
    pub storage: String,
    /// Term of validity, as the text states it.
    pub term: String,
    /// The same term in months from the moment a consent is given, when it
    /// is one: the register records such consents as expired once it ends.
    /// None: a consent lasts until withdrawn (or until the purpose is met).
    pub expires_after_months: Option<u32>,
    /// How to withdraw.
    pub withdrawal: String,
    /// Dissemination only: categories the subject chooses from.
    pub dissemination: Vec<DisseminationCategory>,
    /// Dissemination only: the information resources (sites) data is published on.
    pub resources: Vec<String>,
    /// Dissemination only: conditions and prohibitions the subject may set.
    pub conditions: String,
    /// Marketing only: channels (e-mail, SMS, calls).
    pub channels: Vec<String>,
    /// Further text, shown after the structured items.
    pub extra: String,
    pub checkbox_label: String,
    pub behaviour: Behaviour,
    pub presentation: Presentation,
}

impl Default for Content {
    fn default() -> Self {
        Content {
            title: String::new(),
            template: TemplateKind::Custom,
            language: Language::Ru,
            regime: Regime::Fz152,
            intro: String::new(),
            purposes: vec![],
            data_items: vec![],
            form_fields: vec![],
            actions: vec![],
            methods: None,
            third_parties: vec![],
            storage: String::new(),
            term: String::new(),
            expires_after_months: None,
            withdrawal: String::new(),
            dissemination: vec![],
            resources: vec![],
            conditions: String::new(),
            channels: vec![],
            extra: String::new(),
            checkbox_label: String::new(),
            behaviour: Behaviour::Required,
            presentation: Presentation::Separate,
        }
    }
}

/// Longest title and list item, in characters.
pub const MAX_SHORT_CHARS: usize = 1_000;
/// Longest free-text field, in characters (a 20-page text is about 60 000).
pub const MAX_TEXT_CHARS: usize = 200_000;
/// Longest term in months (100 years).
pub const MAX_TERM_MONTHS: u32 = 1_200;
/// Most items in one list.
pub const MAX_ITEMS: usize = 200;

fn clean(name: &str, v: &mut String, max: usize, multiline: bool) -> Result<()> {
    let t = v.replace("\r\n", "\n");
    *v = t.trim().to_string();
    let n = v.chars().count();
    if n > max {
        return Err(Error::Invalid(format!(
            "{name} is too long: {n} characters, at most {max}"
        )));
    }
    if v
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(Error::Invalid(format!(
            "{name} contains control characters"
        )));
    }
    Ok(())
}

fn clean_list(name: &str, list: &mut Vec<String>) -> Result<()> {
    for v in list.iter_mut() {
        clean(name, v, MAX_SHORT_CHARS, false)?;
    }
    list.retain(|v| !v.is_empty());
    if list.len() > MAX_ITEMS {
        return Err(Error::Invalid(format!(
            "{name}: {} items, at most {MAX_ITEMS}",
            list.len()
        )));
    }
    Ok(())
}

impl Content {
    /// Trims every field, drops empty list items and refuses oversized or
    /// control-character input. What it returns is what gets stored.
    pub fn normalized(mut self) -> Result<Self> {
        clean("title", &mut self.title, MAX_SHORT_CHARS, false)?;
        clean("checkbox label", &mut self.checkbox_label, MAX_SHORT_CHARS, false)?;
        for (name, v) in [
            ("opening text", &mut self.intro),
            ("storage", &mut self.storage),
            ("term", &mut self.term),
            ("withdrawal", &mut self.withdrawal),
            ("conditions", &mut self.conditions),
            ("further text", &mut self.extra),
        ] {
            clean(name, v, MAX_TEXT_CHARS, true)?;
        }
        for (name, list) in [
            ("purposes", &mut self.purposes),
            ("personal data", &mut self.data_items),
            ("form fields", &mut self.form_fields),
            ("actions", &mut self.actions),
            ("resources", &mut self.resources),
            ("channels", &mut self.channels),
        ] {
            clean_list(name, list)?;
        }
        for p in self.third_parties.iter_mut() {
            clean("third party name", &mut p.name, MAX_SHORT_CHARS, false)?;
            clean("third party INN", &mut p.inn, MAX_SHORT_CHARS, false)?;
            clean("third party address", &mut p.address, MAX_SHORT_CHARS, false)?;
        }
        self.third_parties
            .retain(|p| !(p.name.is_empty() && p.inn.is_empty() && p.address.is_empty()));
        for c in self.dissemination.iter_mut() {
            clean("category", &mut c.name, MAX_SHORT_CHARS, false)?;
            clean_list("category items", &mut c.items)?;
        }
        self.dissemination
            .retain(|c| !(c.name.is_empty() && c.items.is_empty()));
        if let Some(m) = self.expires_after_months {
            if !(1..=MAX_TERM_MONTHS).contains(&m) {
                return Err(Error::Invalid(format!(
                    "the term in months must be from 1 to {MAX_TERM_MONTHS} (or empty: until withdrawn)"
                )));
            }
        }
        if self.third_parties.len() > MAX_ITEMS || self.dissemination.len() > MAX_ITEMS {
            return Err(Error::Invalid(format!(
                "too many third parties or categories: at most {MAX_ITEMS}"
            )));
        }
        Ok(self)
    }

    /// Every item of personal data the text names: the listed categories, then
    /// each form field not already listed (case-insensitive).
    pub fn all_data_items(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.data_items.iter().map(String::as_str).collect();
        for f in &self.form_fields {
            if !out.iter().any(|d| d.to_lowercase() == f.to_lowercase()) {
                out.push(f);
            }
        }
        out
    }
}

/// A block of a rendered agreement; the PDF, text and HTML exports and the
/// live preview all draw these.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocBlock {
    Title { text: String },
    Heading { text: String },
    Paragraph { text: String },
    Bullets { items: Vec<String> },
    Fields { rows: Vec<(String, String)> },
    Table { headers: Vec<String>, rows: Vec<Vec<String>> },
    /// Lines for the subject's details and signature (paper and PDF only).
    Signature { fields: Vec<String> },
}

/// A published version, frozen: exactly what its content hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub agreement: u64,
    pub version: u32,
    pub content: Content,
    /// The organisation's requisites at the time of publishing.
    pub requisites: Requisites,
    /// The text as rendered when published.
    pub document: Vec<DocBlock>,
}

/// The label of a version, e.g. `A3-v2`.
pub fn version_label(agreement: u64, version: u32) -> String {
    format!("A{agreement}-v{version}")
}

/// Full requisites of a made-up organisation, for tests.
#[cfg(test)]
pub(crate) fn test_requisites() -> Requisites {
    Requisites {
        full_name: "ООО «Ромашка»".into(),
        short_name: "Ромашка".into(),
        inn: "7712345671".into(),
        ogrn: "1027700000129".into(),
        legal_address: "Москва, ул. Ленина, 1".into(),
        withdrawal_email: "privacy@example.ru".into(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_trims_drops_empty_items_and_refuses_oversized_or_control_text() {
        let c = Content {
            title: "  Согласие  ".into(),
            purposes: vec!["  ответ на обращение ".into(), "   ".into()],
            ..Default::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(c.title, "Согласие");
        assert_eq!(c.purposes, vec!["ответ на обращение"]);

        let long = Content {
            title: "я".repeat(MAX_SHORT_CHARS + 1),
            ..Default::default()
        };
        let e = long.normalized().unwrap_err();
        assert!(e.to_string().contains("title is too long"), "{e}");

        let ctl = Content {
            purposes: vec!["a\u{0}b".into()],
            ..Default::default()
        };
        assert_eq!(ctl.normalized().unwrap_err().code(), "invalid");

        let many = Content {
            actions: vec!["x".into(); MAX_ITEMS + 1],
            ..Default::default()
        };
        assert!(many.normalized().is_err());

        // Newlines are allowed in free text, not in one-line fields.
        let text = Content {
            extra: "line 1\r\nline 2".into(),
            ..Default::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(text.extra, "line 1\nline 2");
        assert!(Content {
            checkbox_label: "a\nb".into(),
            ..Default::default()
        }
        .normalized()
        .is_err());
    }

    #[test]
    fn form_fields_join_the_data_list_once() {
        let c = Content {
            data_items: vec!["Телефон".into()],
            form_fields: vec!["телефон".into(), "Город".into()],
            ..Default::default()
        };
        assert_eq!(c.all_data_items(), vec!["Телефон", "Город"]);
    }
}
