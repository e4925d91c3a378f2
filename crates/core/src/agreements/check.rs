//! The compliance check run before publishing: each rule names the law it
//! comes from and a suggested fix (texts in `templates/agreements/rules.*.json`).
//! Errors block publishing; warnings must be acknowledged, and the
//! acknowledgement is recorded in the ledger with the publication.

use serde::Serialize;

use super::model::{Behaviour, Content, Language, Presentation, Regime, Role, TemplateKind};
use super::render::{fill, placeholders_in, PLACEHOLDERS};
use super::templates::rule_text;
use crate::organisation::{validate_inn, Requisites};

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `purpose.vague`.
    pub rule: &'static str,
    pub severity: Severity,
    /// The content field to fix (`requisites` for the organisation's details).
    pub field: &'static str,
    /// The law or rule it comes from, in the reader's language.
    pub law: String,
    pub message: String,
    pub fix: String,
}

/// Every rule id this check can report.
pub const RULES: [&str; 25] = [
    "title.missing",
    "operator.name",
    "operator.address",
    "placeholder.empty",
    "placeholder.unknown",
    "purpose.missing",
    "purpose.vague",
    "data.missing",
    "subject.identity",
    "actions.missing",
    "methods.missing",
    "third_party.incomplete",
    "third_party.inn",
    "term.missing",
    "withdrawal.missing",
    "storage.missing",
    "fz152.separate",
    "fz152.bundled",
    "fz152.dissemination_separate",
    "dissemination.categories",
    "dissemination.resources",
    "behaviour.preticked_gdpr",
    "behaviour.preticked_152",
    "checkbox.missing",
    "marketing.channels",
];

/// Purposes that say nothing specific: alone they fail, among others they warn.
const VAGUE_PURPOSES: [&str; 16] = [
    "иное",
    "иные",
    "иные цели",
    "прочее",
    "прочие цели",
    "другое",
    "другие цели",
    "любые цели",
    "любые законные цели",
    "и т.д.",
    "и т. д.",
    "other",
    "others",
    "other purposes",
    "any purpose",
    "any lawful purpose",
];

/// Words that show a consent text carrying the terms of another document.
const BUNDLE_WORDS: [&str; 12] = [
    "оферт",
    "договор",
    "пользовательское соглашение",
    "пользовательского соглашения",
    "политик",
    "правила пользования",
    "terms of service",
    "terms of use",
    "terms and conditions",
    "public offer",
    "privacy policy",
    "contract",
];

/// An action that is dissemination (publication) inside a consent to processing.
const DISSEMINATION_ACTIONS: [&str; 4] = ["распростран", "опубликов", "dissemin", "publish"];

/// Phrases of free text that give consent to dissemination. Plain mentions
/// ("protection against unlawful dissemination") are not among them.
const DISSEMINATION_PHRASES: [&str; 8] = [
    "согласие на распространение",
    "неограниченному кругу",
    "будут опубликован",
    "могут быть опубликован",
    "consent to dissemination",
    "consent to the dissemination",
    "made public",
    "will be published",
];

/// Words that name the subject.
const IDENTITY_WORDS: [&str; 6] = ["фио", "фамилия", "имя", "name", "surname", "full name"];

struct Ctx<'a> {
    lang: Language,
    out: Vec<Finding>,
    _c: &'a Content,
}

impl Ctx<'_> {
    fn add(&mut self, rule: &'static str, severity: Severity, field: &'static str, param: &str) {
        debug_assert!(RULES.contains(&rule), "{rule} is not in RULES");
        let t = rule_text(self.lang, rule);
        let put = |s: &str| s.replace("{item}", param).replace("{name}", param);
        self.out.push(Finding {
            rule,
            severity,
            field,
            law: t.law.clone(),
            message: put(&t.message),
            fix: t.fix.clone(),
        });
    }
}

fn first_word<'a>(haystack: &str, words: &[&'a str]) -> Option<&'a str> {
    let h = haystack.to_lowercase();
    words.iter().copied().find(|w| h.contains(w))
}

/// Words that turn what follows into its opposite ("не будут опубликованы").
const NEGATIONS: [&str; 8] = ["не", "без", "ни", "нет", "not", "no", "never", "without"];

/// Like [`first_word`], skipping matches negated within the three words before them.
fn first_affirmed<'a>(haystack: &str, words: &[&'a str]) -> Option<&'a str> {
    let h = haystack.to_lowercase();
    words.iter().copied().find(|w| {
        h.match_indices(w).any(|(at, _)| {
            !h[..at]
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .rev()
                .take(3)
                .any(|t| NEGATIONS.contains(&t))
        })
    })
}

/// Checks `c` as it would be published with requisites `r`; texts in `lang`.
/// Errors come first, then warnings, each in rule order.
pub fn check(c: &Content, r: &Requisites, lang: Language) -> Vec<Finding> {
    use Severity::{Error as E, Warning as W};
    let mut x = Ctx {
        lang,
        out: Vec::new(),
        _c: c,
    };
    let fz = c.regime == Regime::Fz152;
    let free_texts = [
        &c.title,
        &c.intro,
        &c.storage,
        &c.term,
        &c.withdrawal,
        &c.conditions,
        &c.extra,
        &c.checkbox_label,
    ];
    let all_text: String = free_texts
        .iter()
        .map(|s| s.as_str())
        .chain(c.purposes.iter().map(String::as_str))
        .chain(c.actions.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n");

    if c.title.is_empty() {
        x.add("title.missing", E, "title", "");
    }
    if r.full_name.is_empty() {
        x.add("operator.name", E, "requisites", "");
    }
    if r.legal_address.is_empty() {
        x.add("operator.address", if fz { E } else { W }, "requisites", "");
    }
    // Every field that gets filled in, for the placeholder rules.
    let filled: String = [all_text.clone()]
        .into_iter()
        .chain(c.data_items.iter().cloned())
        .chain(c.form_fields.iter().cloned())
        .chain(c.resources.iter().cloned())
        .chain(c.channels.iter().cloned())
        .chain(c.third_parties.iter().flat_map(|p| [p.name.clone(), p.address.clone()]))
        .chain(c.dissemination.iter().flat_map(|d| {
            std::iter::once(d.name.clone()).chain(d.items.iter().cloned())
        }))
        .collect::<Vec<_>>()
        .join("\n");
    let used = placeholders_in(&filled);
    // A placeholder whose requisite is empty would print a gap (e.g. no short name).
    if let Some(empty) = used.iter().find(|p| {
        PLACEHOLDERS.contains(p) && fill(&format!("{{{p}}}"), r).is_empty()
    }) {
        x.add("placeholder.empty", E, "requisites", &format!("{{{empty}}}"));
    }
    if let Some(bad) = used.iter().find(|p| !PLACEHOLDERS.contains(p)) {
        x.add("placeholder.unknown", E, "intro", &format!("{{{bad}}}"));
    }

    // Purposes.
    if c.purposes.is_empty() {
        x.add("purpose.missing", E, "purposes", "");
    } else {
        let vague: Vec<&String> = c
            .purposes
            .iter()
            .filter(|p| {
                let p = p.trim().trim_end_matches('.').to_lowercase();
                VAGUE_PURPOSES.contains(&p.as_str()) || p.chars().count() < 5
            })
            .collect();
        if let Some(v) = vague.first() {
            let all = vague.len() == c.purposes.len();
            x.add("purpose.vague", if all { E } else { W }, "purposes", v);
        }
    }

    // Data.
    let items = c.all_data_items();
    let categories_have_items = c.dissemination.iter().any(|d| !d.items.is_empty());
    if items.is_empty() && !(c.template == TemplateKind::Dissemination && categories_have_items)
    {
        x.add("data.missing", E, "data_items", "");
    }
    if fz
        && c.template != TemplateKind::Dissemination
        && !items.is_empty()
        && !items
            .iter()
            .any(|i| first_word(i, &IDENTITY_WORDS).is_some())
    {
        x.add("subject.identity", W, "data_items", "");
    }

    // Actions and methods (152-FZ only names them).
    if fz && c.actions.is_empty() {
        x.add("actions.missing", E, "actions", "");
    }
    if fz && c.methods.is_none() {
        x.add("methods.missing", E, "methods", "");
    }

    // Third parties.
    for p in &c.third_parties {
        let who = if p.name.is_empty() { "—" } else { &p.name };
        if p.name.is_empty() || (p.role == Role::Processor && p.address.is_empty()) {
            x.add("third_party.incomplete", E, "third_parties", who);
        }
        if !p.inn.is_empty() && validate_inn(&p.inn).is_err() {
            x.add("third_party.inn", E, "third_parties", who);
        }
    }

    // Term, withdrawal, storage.
    if c.term.is_empty() {
        x.add("term.missing", if fz { E } else { W }, "term", "");
    }
    if c.withdrawal.is_empty() {
        x.add("withdrawal.missing", E, "withdrawal", "");
    }
    if fz && c.storage.is_empty() {
        x.add("storage.missing", W, "storage", "");
    }

    // Separate document (152-FZ from 1 September 2025).
    if fz && c.presentation == Presentation::WithinOtherDocument {
        x.add("fz152.separate", E, "presentation", "");
    }
    if fz {
        let own: String = [&c.title, &c.intro, &c.extra, &c.checkbox_label]
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(w) = first_word(&own, &BUNDLE_WORDS) {
            x.add("fz152.bundled", W, "extra", w);
        }
    }

    // Dissemination.
    if c.template == TemplateKind::Dissemination {
        if !categories_have_items {
            x.add("dissemination.categories", E, "dissemination", "");
        }
        if c.resources.is_empty() {
            x.add("dissemination.resources", E, "resources", "");
        }
    } else if fz {
        let free: String = free_texts.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
        if let Some(d) = c.dissemination.first() {
            x.add("fz152.dissemination_separate", E, "dissemination", &d.name);
        } else if let Some(a) = c
            .actions
            .iter()
            .find(|a| first_affirmed(a, &DISSEMINATION_ACTIONS).is_some())
        {
            x.add("fz152.dissemination_separate", E, "actions", a);
        } else if let Some(w) = first_affirmed(&free, &DISSEMINATION_PHRASES) {
            x.add("fz152.dissemination_separate", E, "extra", w);
        }
    }

    // The checkbox.
    if c.behaviour == Behaviour::PreTicked {
        if c.template == TemplateKind::Dissemination {
            // Art. 10.1 part 8: silence or inaction is never consent to dissemination.
            x.add("behaviour.preticked_152", E, "behaviour", "");
        } else if fz {
            x.add("behaviour.preticked_152", W, "behaviour", "");
        } else {
            x.add("behaviour.preticked_gdpr", E, "behaviour", "");
        }
    }
    if c.checkbox_label.is_empty() {
        x.add("checkbox.missing", E, "checkbox_label", "");
    }
    if c.template == TemplateKind::Marketing && c.channels.is_empty() {
        x.add("marketing.channels", W, "channels", "");
    }

    let mut out = x.out;
    out.sort_by_key(|f| f.severity != E);
    out
}

/// True when nothing blocks publishing.
pub fn publishable(findings: &[Finding]) -> bool {
    findings.iter().all(|f| f.severity == Severity::Warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::model::{DisseminationCategory, Method, ThirdParty};
    use crate::agreements::templates::{self, described_rules};

    use crate::agreements::model::test_requisites as req;

    fn template(kind: TemplateKind, lang: Language) -> Content {
        templates::get(kind, lang).unwrap().content.clone()
    }

    fn rules(c: &Content, r: &Requisites) -> Vec<&'static str> {
        check(c, r, Language::En).into_iter().map(|f| f.rule).collect()
    }

    fn severity(c: &Content, r: &Requisites, rule: &str) -> Option<Severity> {
        check(c, r, Language::En)
            .into_iter()
            .find(|f| f.rule == rule)
            .map(|f| f.severity)
    }

    #[test]
    fn every_template_except_custom_passes_with_full_requisites() {
        for kind in TemplateKind::ALL {
            for lang in [Language::Ru, Language::En] {
                let found = rules(&template(kind, lang), &req());
                if kind == TemplateKind::Custom {
                    assert!(found.contains(&"title.missing"), "{found:?}");
                } else {
                    assert!(found.is_empty(), "{kind:?} {lang:?}: {found:?}");
                }
            }
        }
    }

    #[test]
    fn every_rule_has_texts_in_both_languages_and_no_stray_texts() {
        let mut ids: Vec<String> = RULES.iter().map(|s| s.to_string()).collect();
        ids.sort();
        assert_eq!(described_rules(Language::Ru), ids);
        assert_eq!(described_rules(Language::En), ids);
    }

    /// Each rule: (id, a change to a passing text that makes it fire, severity).
    /// The passing text (the template) does not fire it: both directions tested.
    #[allow(clippy::type_complexity)]
    fn cases() -> Vec<(
        &'static str,
        TemplateKind,
        Box<dyn Fn(&mut Content, &mut Requisites)>,
        Severity,
    )> {
        use Severity::{Error as E, Warning as W};
        use TemplateKind::*;
        vec![
            ("title.missing", Processing, Box::new(|c, _| c.title.clear()), E),
            ("operator.name", Processing, Box::new(|_, r| r.full_name.clear()), E),
            ("operator.address", Processing, Box::new(|_, r| r.legal_address.clear()), E),
            ("operator.address", Gdpr, Box::new(|_, r| r.legal_address.clear()), W),
            (
                "placeholder.empty",
                Processing,
                Box::new(|c, r| {
                    c.intro.push_str(" ({short_name})");
                    r.short_name.clear()
                }),
                E,
            ),
            ("placeholder.unknown", Gdpr, Box::new(|c, _| c.intro.push_str(" {phone}")), E),
            ("purpose.missing", Processing, Box::new(|c, _| c.purposes.clear()), E),
            ("purpose.vague", Processing, Box::new(|c, _| c.purposes = vec!["Иные цели".into()]), E),
            ("purpose.vague", Gdpr, Box::new(|c, _| c.purposes.push("Other".into())), W),
            (
                "data.missing",
                Processing,
                Box::new(|c, _| {
                    c.data_items.clear();
                    c.form_fields.clear()
                }),
                E,
            ),
            (
                "subject.identity",
                Processing,
                Box::new(|c, _| c.data_items = vec!["Номер телефона".into()]),
                W,
            ),
            ("actions.missing", Processing, Box::new(|c, _| c.actions.clear()), E),
            ("methods.missing", Processing, Box::new(|c, _| c.methods = None), E),
            (
                "third_party.incomplete",
                Processing,
                Box::new(|c, _| {
                    c.third_parties.push(ThirdParty {
                        name: "ООО «Доставка»".into(),
                        ..Default::default()
                    })
                }),
                E,
            ),
            (
                "third_party.inn",
                Gdpr,
                Box::new(|c, _| {
                    c.third_parties.push(ThirdParty {
                        name: "Courier".into(),
                        inn: "7712345670".into(),
                        address: "Berlin".into(),
                        role: Role::Recipient,
                    })
                }),
                E,
            ),
            ("term.missing", Processing, Box::new(|c, _| c.term.clear()), E),
            ("term.missing", Gdpr, Box::new(|c, _| c.term.clear()), W),
            ("withdrawal.missing", Processing, Box::new(|c, _| c.withdrawal.clear()), E),
            ("withdrawal.missing", Gdpr, Box::new(|c, _| c.withdrawal.clear()), E),
            ("storage.missing", Processing, Box::new(|c, _| c.storage.clear()), W),
            (
                "fz152.separate",
                Processing,
                Box::new(|c, _| c.presentation = Presentation::WithinOtherDocument),
                E,
            ),
            (
                "fz152.bundled",
                Processing,
                Box::new(|c, _| c.extra = "Принимая условия публичной оферты, я…".into()),
                W,
            ),
            (
                "fz152.dissemination_separate",
                Processing,
                Box::new(|c, _| {
                    c.dissemination.push(DisseminationCategory {
                        name: "Фото".into(),
                        items: vec!["фото".into()],
                    })
                }),
                E,
            ),
            (
                "fz152.dissemination_separate",
                Processing,
                Box::new(|c, _| c.extra = "Данные могут быть опубликованы на сайте.".into()),
                E,
            ),
            (
                "dissemination.categories",
                Dissemination,
                Box::new(|c, _| c.dissemination.clear()),
                E,
            ),
            ("dissemination.resources", Dissemination, Box::new(|c, _| c.resources.clear()), E),
            (
                "behaviour.preticked_gdpr",
                Gdpr,
                Box::new(|c, _| c.behaviour = Behaviour::PreTicked),
                E,
            ),
            (
                "behaviour.preticked_152",
                Processing,
                Box::new(|c, _| c.behaviour = Behaviour::PreTicked),
                W,
            ),
            ("checkbox.missing", Marketing, Box::new(|c, _| c.checkbox_label.clear()), E),
            ("marketing.channels", Marketing, Box::new(|c, _| c.channels.clear()), W),
        ]
    }

    #[test]
    fn each_rule_fires_on_its_defect_and_not_on_the_passing_text() {
        let mut covered = std::collections::BTreeSet::new();
        for (rule, kind, change, want) in cases() {
            for lang in [Language::Ru, Language::En] {
                let (mut c, mut r) = (template(kind, lang), req());
                assert_eq!(severity(&c, &r, rule), None, "{rule} fires on the {kind:?} template");
                change(&mut c, &mut r);
                assert_eq!(
                    severity(&c, &r, rule),
                    Some(want),
                    "{rule} on {kind:?}/{lang:?}: {:?}",
                    rules(&c, &r)
                );
            }
            covered.insert(rule);
        }
        let all: std::collections::BTreeSet<_> = RULES.into_iter().collect();
        assert_eq!(covered, all, "rules without a test case");
    }

    #[test]
    fn rules_that_do_not_apply_stay_quiet() {
        // GDPR names no actions, methods or storage; dissemination lists data per category.
        let mut g = template(TemplateKind::Gdpr, Language::En);
        g.actions.clear();
        g.methods = None;
        g.storage.clear();
        g.extra = "See our privacy policy and contract.".into();
        assert!(rules(&g, &req()).is_empty(), "{:?}", rules(&g, &req()));
        // Mentioning dissemination is not consenting to it.
        let mut q = template(TemplateKind::Processing, Language::Ru);
        q.extra = "Оператор защищает данные от неправомерного доступа, изменения и распространения.".into();
        assert!(rules(&q, &req()).is_empty(), "{:?}", rules(&q, &req()));
        // Nor is saying it will not happen.
        for negated in [
            "Данные не будут опубликованы и не передаются неограниченному кругу лиц.",
            "Your data will not be made public.",
        ] {
            q.extra = negated.into();
            assert!(rules(&q, &req()).is_empty(), "{negated}: {:?}", rules(&q, &req()));
        }
        q.actions.push("передача без распространения".into());
        assert!(rules(&q, &req()).is_empty(), "{:?}", rules(&q, &req()));
        q.actions.push("распространение".into());
        assert_eq!(rules(&q, &req()), vec!["fz152.dissemination_separate"]);
        // A placeholder anywhere it is filled in is checked.
        let mut p2 = template(TemplateKind::Processing, Language::Ru);
        p2.data_items.push("Сведения для {unknown}".into());
        assert_eq!(rules(&p2, &req()), vec!["placeholder.unknown"]);
        // A pre-ticked box is never consent to dissemination (art. 10.1 part 8).
        let mut d = template(TemplateKind::Dissemination, Language::Ru);
        d.behaviour = Behaviour::PreTicked;
        assert_eq!(severity(&d, &req(), "behaviour.preticked_152"), Some(Severity::Error));
        // A recipient needs no address; a processor does.
        let mut p = template(TemplateKind::Processing, Language::Ru);
        p.third_parties.push(ThirdParty {
            name: "ООО «Аналитика»".into(),
            role: Role::Recipient,
            ..Default::default()
        });
        assert!(rules(&p, &req()).is_empty());
        // A specific purpose next to a vague one only warns.
        p.methods = Some(Method::Automated);
        p.purposes.push("прочее".into());
        let f = check(&p, &req(), Language::Ru);
        assert_eq!(f.iter().map(|f| (f.rule, f.severity)).collect::<Vec<_>>(), vec![("purpose.vague", Severity::Warning)]);
        assert!(publishable(&f));
    }

    #[test]
    fn findings_are_in_the_readers_language_with_the_item_named() {
        let mut c = template(TemplateKind::Processing, Language::En);
        c.purposes = vec!["прочее".into()];
        let ru = check(&c, &req(), Language::Ru);
        assert_eq!(ru[0].rule, "purpose.vague");
        assert!(ru[0].message.contains("«прочее»"), "{}", ru[0].message);
        assert!(ru[0].law.contains("152-ФЗ"));
        assert!(!publishable(&ru));
        // Errors are listed before warnings.
        c.behaviour = Behaviour::PreTicked;
        let f = check(&c, &req(), Language::En);
        assert_eq!(f.first().unwrap().severity, Severity::Error);
        assert_eq!(f.last().unwrap().severity, Severity::Warning);
    }
}
