//! Turns an agreement's content and the organisation's requisites into the
//! document the subject reads (blocks), and a published snapshot into its
//! exports: plain text, a self-contained HTML snippet for a web form, PDF.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::model::{
    version_label, Behaviour, Content, DocBlock, Method, Regime, Role, Snapshot, TemplateKind,
};
use super::templates::{labels, Labels};
use crate::organisation::Requisites;

/// The placeholders free text may use, and the requisite each stands for.
pub const PLACEHOLDERS: [&str; 7] = [
    "operator",
    "short_name",
    "inn",
    "ogrn",
    "address",
    "dpo",
    "email",
];

fn placeholder_value<'a>(name: &str, r: &'a Requisites) -> Option<&'a str> {
    Some(match name {
        "operator" => &r.full_name,
        "short_name" => &r.short_name,
        "inn" => &r.inn,
        "ogrn" => &r.ogrn,
        "address" => &r.legal_address,
        "dpo" => &r.dpo,
        "email" => &r.withdrawal_email,
        _ => return None,
    })
}

/// Every `{name}` in `s` (name made of lower-case letters and `_`), in order.
pub fn placeholders_in(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end)
                if end > 0
                    && after[..end]
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_') =>
            {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// Replaces known placeholders with the requisites; unknown ones stay as typed
/// (the check reports them).
pub fn fill(s: &str, r: &Requisites) -> String {
    let mut out = s.to_string();
    for name in PLACEHOLDERS {
        let key = format!("{{{name}}}");
        if out.contains(&key) {
            out = out.replace(&key, placeholder_value(name, r).unwrap_or_default());
        }
    }
    out
}

fn paragraphs(out: &mut Vec<DocBlock>, s: &str) {
    for p in s.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push(DocBlock::Paragraph { text: p.into() });
    }
}

fn section(out: &mut Vec<DocBlock>, heading: &str, body: Vec<DocBlock>) {
    if !body.is_empty() {
        out.push(DocBlock::Heading {
            text: heading.into(),
        });
        out.extend(body);
    }
}

fn bullets(items: Vec<String>) -> Vec<DocBlock> {
    if items.is_empty() {
        vec![]
    } else {
        vec![DocBlock::Bullets { items }]
    }
}

fn text_blocks(s: &str) -> Vec<DocBlock> {
    let mut v = Vec::new();
    paragraphs(&mut v, s);
    v
}

fn method_label(l: &Labels, m: Method) -> &str {
    match m {
        Method::Automated => &l.method_automated,
        Method::NonAutomated => &l.method_non_automated,
        Method::Mixed => &l.method_mixed,
    }
}

/// The agreement as the subject reads it.
pub fn document(c: &Content, r: &Requisites) -> Vec<DocBlock> {
    let l = labels(c.language);
    let f = |s: &str| fill(s, r);
    let mut out = vec![DocBlock::Title {
        text: f(&c.title),
    }];
    paragraphs(&mut out, &f(&c.intro));

    let mut rows = vec![(l.operator_name.clone(), r.full_name.clone())];
    for (label, value) in [
        (&l.inn, &r.inn),
        (&l.ogrn, &r.ogrn),
        (&l.address, &r.legal_address),
        (&l.dpo, &r.dpo),
        (&l.email, &r.withdrawal_email),
    ] {
        if !value.is_empty() {
            rows.push((label.clone(), value.clone()));
        }
    }
    let who = if c.regime == Regime::Gdpr {
        &l.controller
    } else {
        &l.operator
    };
    section(&mut out, who, vec![DocBlock::Fields { rows }]);

    section(&mut out, &l.purposes, bullets(c.purposes.iter().map(|p| f(p)).collect()));
    section(
        &mut out,
        &l.data,
        bullets(c.all_data_items().into_iter().map(f).collect()),
    );
    if c.template == TemplateKind::Dissemination || !c.dissemination.is_empty() {
        let rows: Vec<Vec<String>> = c
            .dissemination
            .iter()
            .map(|d| vec![f(&d.name), f(&d.items.join("; ")), "☐".into()])
            .collect();
        if !rows.is_empty() {
            section(
                &mut out,
                &l.dissemination,
                vec![DocBlock::Table {
                    headers: vec![
                        l.dissemination_category.clone(),
                        l.dissemination_items.clone(),
                        l.dissemination_choice.clone(),
                    ],
                    rows,
                }],
            );
        }
        section(&mut out, &l.resources, bullets(c.resources.iter().map(|s| f(s)).collect()));
        section(&mut out, &l.conditions, text_blocks(&f(&c.conditions)));
    }
    section(&mut out, &l.actions, bullets(c.actions.iter().map(|s| f(s)).collect()));
    if let Some(m) = c.methods {
        section(
            &mut out,
            &l.methods,
            vec![DocBlock::Paragraph {
                text: method_label(l, m).into(),
            }],
        );
    }
    section(
        &mut out,
        &l.third_parties,
        bullets(
            c.third_parties
                .iter()
                .map(|p| {
                    let mut s = f(&p.name);
                    if !p.inn.is_empty() {
                        s.push_str(&format!(", {} {}", l.inn, p.inn));
                    }
                    if !p.address.is_empty() {
                        s.push_str(&format!(", {}", f(&p.address)));
                    }
                    let role = match p.role {
                        Role::Processor => &l.role_processor,
                        Role::Recipient => &l.role_recipient,
                    };
                    format!("{s} — {role}")
                })
                .collect(),
        ),
    );
    section(&mut out, &l.storage, text_blocks(&f(&c.storage)));
    section(&mut out, &l.channels, bullets(c.channels.iter().map(|s| f(s)).collect()));
    section(&mut out, &l.term, text_blocks(&f(&c.term)));
    section(&mut out, &l.withdrawal, text_blocks(&f(&c.withdrawal)));
    section(&mut out, &l.extra, text_blocks(&f(&c.extra)));
    if c.regime == Regime::Fz152 {
        let mut fields = l.subject_fields.clone();
        if c.template == TemplateKind::Dissemination {
            // The subject's own prohibitions and conditions (art. 10.1 part 9).
            fields.insert(fields.len() - 2, l.subject_conditions.clone());
        }
        section(&mut out, &l.subject, vec![DocBlock::Signature { fields }]);
    }
    out
}

/// The document as plain text (for pasting into a chat bot or a printed form).
pub fn plain_text(blocks: &[DocBlock]) -> String {
    let mut out = String::new();
    for b in blocks {
        match b {
            DocBlock::Title { text } => {
                out.push_str(text);
                out.push('\n');
            }
            DocBlock::Heading { text } => {
                out.push('\n');
                out.push_str(text);
                out.push('\n');
            }
            DocBlock::Paragraph { text } => {
                out.push_str(text);
                out.push('\n');
            }
            DocBlock::Bullets { items } => {
                for i in items {
                    out.push_str(&format!("• {i}\n"));
                }
            }
            DocBlock::Fields { rows } => {
                for (k, v) in rows {
                    out.push_str(&format!("{k}: {v}\n"));
                }
            }
            DocBlock::Table { headers, rows } => {
                out.push_str(&headers.join(" | "));
                out.push('\n');
                for r in rows {
                    out.push_str(&r.join(" | "));
                    out.push('\n');
                }
            }
            DocBlock::Signature { fields } => {
                for f in fields {
                    out.push_str(&format!("{f}: ______________________________\n"));
                }
            }
        }
    }
    out
}

/// A published version as plain text with its label and hash at the end.
pub fn export_text(s: &Snapshot, hash: &str) -> String {
    let l = labels(s.content.language);
    format!(
        "{}\n{}: {}\n{}: {}\n",
        plain_text(&s.document),
        l.version,
        version_label(s.agreement, s.version),
        l.hash,
        hash
    )
}

fn html_blocks(blocks: &[DocBlock], out: &mut String) {
    for (i, b) in blocks.iter().enumerate() {
        // A web form is accepted with the checkbox, not signed: the signature
        // section goes, with its heading.
        if matches!(blocks.get(i + 1), Some(DocBlock::Signature { .. })) {
            continue;
        }
        match b {
            DocBlock::Title { text: t } => out.push_str(&format!("<h3>{}</h3>\n", text(t))),
            DocBlock::Heading { text: t } => out.push_str(&format!("<h4>{}</h4>\n", text(t))),
            DocBlock::Paragraph { text: t } => out.push_str(&format!(
                "<p>{}</p>\n",
                text(t).replace('\n', "<br>")
            )),
            DocBlock::Bullets { items } => {
                out.push_str("<ul>\n");
                for i in items {
                    out.push_str(&format!("<li>{}</li>\n", text(i)));
                }
                out.push_str("</ul>\n");
            }
            DocBlock::Fields { rows } => {
                out.push_str("<dl>\n");
                for (k, v) in rows {
                    out.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", text(k), text(v)));
                }
                out.push_str("</dl>\n");
            }
            DocBlock::Table { headers, rows } => {
                // On a web form the choice column is the checkboxes below.
                out.push_str("<table>\n<tr>");
                for h in &headers[..headers.len().saturating_sub(1)] {
                    out.push_str(&format!("<th>{}</th>", text(h)));
                }
                out.push_str("</tr>\n");
                for r in rows {
                    out.push_str("<tr>");
                    for c in &r[..r.len().saturating_sub(1)] {
                        out.push_str(&format!("<td>{}</td>", text(c)));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</table>\n");
            }
            DocBlock::Signature { .. } => {}
        }
    }
}

/// A self-contained HTML snippet to paste into a website form: the text in
/// an expandable block, the checkbox with the chosen behaviour, no scripts,
/// no styles, no external resources. Every value is escaped.
pub fn export_html(s: &Snapshot, hash: &str) -> String {
    let l = labels(s.content.language);
    let c = &s.content;
    let label = version_label(s.agreement, s.version);
    let name = format!("consent_{}", label.replace('-', "_"));
    let r = &s.requisites;
    let mut body = String::new();
    html_blocks(&s.document, &mut body);

    let mut checks = String::new();
    if c.template == TemplateKind::Dissemination {
        checks.push_str(&format!("<fieldset>\n<legend>{}</legend>\n", text(&l.dissemination)));
        for (i, d) in c.dissemination.iter().enumerate() {
            checks.push_str(&format!(
                "<label><input type=\"checkbox\" name=\"{}_category_{}\" value=\"{}\"> {}: {}</label><br>\n",
                attr(&name),
                i + 1,
                attr(&fill(&d.name, r)),
                text(&fill(&d.name, r)),
                text(&fill(&d.items.join("; "), r)),
            ));
        }
        checks.push_str(&format!(
            "<label>{}<br><textarea name=\"{}_conditions\" maxlength=\"2000\"></textarea></label>\n</fieldset>\n",
            text(&l.subject_conditions),
            attr(&name),
        ));
    }
    let state = match c.behaviour {
        Behaviour::Required | Behaviour::MustOpen => " required",
        Behaviour::PreTicked => " checked",
    };
    checks.push_str(&format!(
        "<label><input type=\"checkbox\" name=\"{}\" value=\"{}\"{}> {}</label>\n",
        attr(&name),
        attr(&label),
        state,
        text(&fill(&c.checkbox_label, r)),
    ));

    let mut out = format!(
        "<!-- Consent Ledger {label} sha256:{hash} -->\n<div class=\"consent-ledger\" lang=\"{}\" data-agreement=\"{}\" data-sha256=\"{}\">\n<details>\n<summary>{}</summary>\n<div class=\"consent-ledger-text\">\n{}</div>\n",
        c.language.as_str(),
        attr(&label),
        attr(hash),
        text(&l.open_text),
        body
    );
    // "Open the text first": the checkbox is inside the expandable block, so
    // it cannot be reached before the text is opened (no script needed).
    if c.behaviour == Behaviour::MustOpen {
        out.push_str(&checks);
        out.push_str("</details>\n");
    } else {
        out.push_str("</details>\n");
        out.push_str(&checks);
    }
    out.push_str("</div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::model::{DisseminationCategory, Language};
    use crate::agreements::templates;

    use crate::agreements::model::test_requisites as req;

    fn snapshot(c: Content, r: Requisites) -> Snapshot {
        Snapshot {
            agreement: 3,
            version: 2,
            document: document(&c, &r),
            content: c,
            requisites: r,
        }
    }

    #[test]
    fn placeholders_are_found_and_filled_unknown_ones_kept() {
        assert_eq!(
            placeholders_in("a {operator} b {x_y} {Not} {} {email}"),
            vec!["operator", "x_y", "email"]
        );
        assert_eq!(
            fill("{operator}, {address}; {nope}", &req()),
            "ООО «Ромашка», Москва, ул. Ленина, 1; {nope}"
        );
    }

    #[test]
    fn document_has_every_item_of_the_processing_template_in_order() {
        let c = templates::get(TemplateKind::Processing, Language::Ru)
            .unwrap()
            .content
            .clone();
        let text = plain_text(&document(&c, &req()));
        let order = [
            "Согласие на обработку персональных данных",
            "оператору — ООО «Ромашка», адрес: Москва, ул. Ленина, 1",
            "Оператор персональных данных",
            "Цели обработки",
            "Перечень персональных данных",
            "Перечень действий",
            "Способы обработки",
            "Место хранения",
            "Срок действия согласия",
            "Порядок отзыва согласия",
            "privacy@example.ru",
            "Субъект персональных данных",
            "Подпись: ____",
        ];
        let mut at = 0;
        for want in order {
            let i = text[at..]
                .find(want)
                .unwrap_or_else(|| panic!("{want:?} missing after byte {at} in:\n{text}"));
            at += i;
        }
        assert!(!text.contains('{'), "unfilled placeholder in:\n{text}");
    }

    #[test]
    fn html_export_escapes_every_value_and_has_no_script_or_external_resource() {
        let mut c = templates::get(TemplateKind::Dissemination, Language::Ru)
            .unwrap()
            .content
            .clone();
        c.title = "<script>alert(1)</script>".into();
        c.purposes = vec!["\"><img src=x onerror=alert(1)>".into()];
        c.checkbox_label = "I agree & <b>accept</b>".into();
        c.dissemination = vec![DisseminationCategory {
            name: "\" onclick=\"x".into(),
            items: vec!["<i>фото</i>".into()],
        }];
        let mut r = req();
        r.full_name = "<ООО & Co>".into();
        let html = export_html(&snapshot(c, r), "ab".repeat(32).as_str());
        // Quotes are harmless in text; in an attribute they must not close it.
        for bad in ["<script", "<img", "<b>", "<i>", "=\"\" onclick", "<ООО"] {
            assert!(!html.contains(bad), "{bad} leaked into:\n{html}");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("I agree &amp; &lt;b&gt;accept&lt;/b&gt;"));
        assert!(html.contains("value=\"&quot; onclick=&quot;x\""));
        // The subject can set their own prohibitions (art. 10.1 part 9).
        assert!(html.contains("<textarea name=\"consent_A3_v2_conditions\""));
        // Only these tags and attributes: nothing that loads, runs or styles.
        const TAGS: [&str; 22] = [
            "!--", "div", "details", "summary", "h3", "h4", "p", "br", "ul", "li", "dl", "dt",
            "dd", "table", "tr", "th", "td", "fieldset", "legend", "label", "input", "textarea",
        ];
        const ATTRS: [&str; 10] = [
            "class", "lang", "data-agreement", "data-sha256", "type", "name", "value",
            "required", "checked", "maxlength",
        ];
        for tag in html.split('<').skip(1) {
            let tag = &tag[..tag.find('>').expect("closed tag")];
            if tag.starts_with("!--") {
                continue;
            }
            let name = tag.trim_start_matches('/').split(' ').next().unwrap();
            assert!(TAGS.contains(&name), "tag <{name}> in:\n{html}");
            // Outside the quotes: attribute names only (values hold no raw quote).
            for (i, part) in tag.split('"').enumerate() {
                if i % 2 == 0 {
                    for attr in part.split_whitespace().skip(usize::from(i == 0)) {
                        let attr = attr.trim_end_matches('=');
                        assert!(ATTRS.contains(&attr), "attribute {attr} in <{tag}>");
                    }
                }
            }
        }
    }

    #[test]
    fn html_checkbox_follows_the_behaviour() {
        let base = templates::get(TemplateKind::Gdpr, Language::En)
            .unwrap()
            .content
            .clone();
        let html = |b: Behaviour| {
            let mut c = base.clone();
            c.behaviour = b;
            export_html(&snapshot(c, req()), "00")
        };
        let required = html(Behaviour::Required);
        assert!(required.contains("value=\"A3-v2\" required>"));
        assert!(required.find("</details>") < required.find("type=\"checkbox\""));
        let ticked = html(Behaviour::PreTicked);
        assert!(ticked.contains("value=\"A3-v2\" checked>"));
        let open_first = html(Behaviour::MustOpen);
        assert!(open_first.find("type=\"checkbox\"") < open_first.find("</details>"));
        // Signature lines and their heading belong on paper only.
        assert!(!required.contains("Signature") && !required.contains("Data subject"));
        let mut fz = templates::get(TemplateKind::Processing, Language::En).unwrap().content.clone();
        fz.behaviour = Behaviour::Required;
        let html = export_html(&snapshot(fz, req()), "00");
        assert!(!html.contains("Data subject") && html.contains("How to withdraw"), "{html}");
    }

    #[test]
    fn text_export_ends_with_label_and_hash_and_keeps_markup_as_text() {
        let mut c = templates::get(TemplateKind::Gdpr, Language::En)
            .unwrap()
            .content
            .clone();
        c.extra = "<b>bold</b>".into();
        let t = export_text(&snapshot(c, req()), "abc123");
        assert!(t.contains("<b>bold</b>"));
        assert!(t.ends_with("Version: A3-v2\nSHA-256 of the content: abc123\n"));
    }
}
