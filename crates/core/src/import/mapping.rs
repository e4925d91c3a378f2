//! Which column is which: mappings suggested from Russian and English header
//! names, the Bitrix24 and amoCRM presets, and recognising those exports.

use std::collections::{BTreeMap, HashSet};

use super::{Action, Field, Mapping, Preset};

/// Lower-cases, folds `ё` to `е` and keeps only letters and digits, so that
/// "E-mail", "e_mail" and "EMAIL " compare equal.
pub(crate) fn norm(h: &str) -> String {
    h.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Exact names (compared with [`norm`]) for each field.
fn aliases(f: Field) -> &'static [&'static str] {
    match f {
        Field::Name => &[
            "ФИО",
            "Имя",
            "Name",
            "Full name",
            "Полное имя",
            "Фамилия Имя Отчество",
            "Имя и фамилия",
            "Наименование",
            "Контакт",
            "Клиент",
            "Субъект",
            "Subject",
            "Subject name",
            "Contact",
            "Contact name",
            "Customer",
        ],
        Field::Email => &[
            "E-mail",
            "Email",
            "Почта",
            "Электронная почта",
            "Эл. почта",
            "Адрес электронной почты",
            "Email address",
            "E-mail address",
            "Mail",
            "Рабочий email",
            "Рабочий e-mail",
            "Личный email",
            "Личный e-mail",
        ],
        Field::Phone => &[
            "Телефон",
            "Phone",
            "Рабочий телефон",
            "Мобильный телефон",
            "Мобильный",
            "Номер телефона",
            "Тел",
            "Phone number",
            "Mobile",
            "Mobile phone",
            "Work phone",
            "Telephone",
        ],
        Field::ActedAt => &[
            "Дата",
            "Date",
            "Дата создания",
            "Дата согласия",
            "Дата и время",
            "Время",
            "Дата действия",
            "Datetime",
            "Date time",
            "Timestamp",
            "Consent date",
            "Date of consent",
            "Created",
            "Created at",
            "Acted at",
            "Time",
        ],
        Field::Ip => &[
            "IP",
            "IP-адрес",
            "IP адрес",
            "IP address",
            "IP-address",
            "Адрес IP",
            "IPv4",
            "IPv6",
        ],
        Field::Url => &[
            "URL",
            "Адрес страницы",
            "Источник",
            "Страница",
            "Page",
            "Page URL",
            "Ссылка",
            "Link",
            "Referer",
            "Referrer",
        ],
        Field::UserAgent => &[
            "User agent",
            "User-Agent",
            "UserAgent",
            "UA",
            "Браузер",
            "Browser",
        ],
        Field::Channel => &[
            "Канал",
            "Channel",
            "Способ получения",
            "Способ",
            "Source channel",
        ],
        Field::Agreement => &[
            "Соглашение",
            "Agreement",
            "Версия соглашения",
            "Agreement version",
            "Политика",
            "Policy",
            "Consent text",
            "Текст согласия",
            "Документ согласия",
        ],
        Field::Action => &[
            "Статус",
            "Действие",
            "Status",
            "Action",
            "Согласие",
            "Consent",
            "Решение",
            "Decision",
            "State",
        ],
        Field::Address => &[
            "Адрес",
            "Address",
            "Почтовый адрес",
            "Адрес регистрации",
            "Адрес проживания",
            "Postal address",
        ],
        Field::IdDocument => &[
            "Паспорт",
            "Документ",
            "Документ, удостоверяющий личность",
            "Паспортные данные",
            "Серия и номер паспорта",
            "Номер документа",
            "ID document",
            "Passport",
            "Identity document",
        ],
        Field::Items => &[
            "Поля",
            "Элементы",
            "Данные",
            "Данные формы",
            "Items",
            "Fields",
            "Form data",
        ],
    }
}

/// Key words (compared with [`norm`], by containment) tried when no exact
/// name matched, with words that exclude a header.
fn keywords(f: Field) -> (&'static [&'static str], &'static [&'static str]) {
    match f {
        Field::Name => (
            &["фио", "fullname", "имя"],
            &["пользовател", "username", "файл", "file"],
        ),
        Field::Email => (&["email", "почт", "mail"], &[]),
        Field::Phone => (&["телефон", "phone", "мобильн"], &[]),
        Field::ActedAt => (
            &[
                "датасоглас",
                "consentdate",
                "датасоздан",
                "created",
                "дата",
                "date",
                "время",
                "time",
            ],
            &[
                "рожден",
                "birth",
                "изменен",
                "modified",
                "updated",
                "выдач",
                "issue",
                "срок",
                "expir",
            ],
        ),
        Field::Ip => (&["ipадрес", "ipaddr"], &[]),
        Field::Url => (&["url", "ссылк", "страниц"], &[]),
        Field::UserAgent => (&["useragent", "браузер"], &[]),
        Field::Channel => (&["канал", "channel"], &[]),
        Field::Agreement => (&["соглашен", "agreement", "политик", "policy"], &[]),
        Field::Action => (&["статус", "status", "действие", "action"], &[]),
        Field::Address => (
            &["адрес", "address"],
            &["ip", "почт", "mail", "страниц", "электрон"],
        ),
        Field::IdDocument => (&["паспорт", "passport", "удостоверя"], &[]),
        Field::Items => (&[], &[]),
    }
}

/// Suggests a mapping from header names (Russian and English): first by
/// exact names ("ФИО", "E-mail", "Рабочий телефон", "IP-адрес", …), then by
/// key words ("Дата создания сделки" is a date, "Дата рождения" is not).
/// Each column is used once; further e-mail and phone columns become
/// [`Mapping::fallback`]s. The default action is [`Action::Given`].
pub fn suggest_mapping(headers: &[String]) -> Mapping {
    let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let mut used: HashSet<usize> = HashSet::new();
    let mut m = Mapping::default();
    for f in Field::ALL {
        let al: Vec<String> = aliases(f).iter().map(|a| norm(a)).collect();
        // Aliases are in order of preference.
        let hit = al.iter().find_map(|a| {
            (0..headers.len())
                .find(|&i| !used.contains(&i) && !normed[i].is_empty() && normed[i] == *a)
        });
        if let Some(i) = hit {
            used.insert(i);
            m.columns.insert(f, headers[i].trim().to_string());
        }
    }
    for f in Field::ALL {
        if m.columns.contains_key(&f) {
            continue;
        }
        let (yes, no) = keywords(f);
        let hit = yes.iter().find_map(|k| {
            (0..headers.len()).find(|&i| {
                !used.contains(&i)
                    && normed[i].contains(k)
                    && !no.iter().any(|n| normed[i].contains(n))
            })
        });
        if let Some(i) = hit {
            used.insert(i);
            m.columns.insert(f, headers[i].trim().to_string());
        }
    }
    for f in [Field::Email, Field::Phone] {
        if !m.columns.contains_key(&f) {
            continue;
        }
        let (yes, no) = keywords(f);
        let more: Vec<String> = (0..headers.len())
            .filter(|&i| {
                !used.contains(&i)
                    && yes.iter().any(|k| normed[i].contains(k))
                    && !no.iter().any(|n| normed[i].contains(n))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|i| {
                used.insert(i);
                headers[i].trim().to_string()
            })
            .collect();
        if !more.is_empty() {
            m.fallback.insert(f, more);
        }
    }
    m
}

/// Column names of the CSV/XLSX presets: for each field, the accepted header
/// names in order (the first present is the column, later ones present are
/// fallbacks where the preset allows them).
fn preset_columns(p: Preset) -> Vec<(Field, &'static [&'static str], bool)> {
    match p {
        // Bitrix24 "Согласия пользователей" grid (main.userconsent.consent.list):
        // ID, Дата, Пользователь, IP-адрес, Источник, the consent items, and
        // the page address, titled "Адрес" in the Russian interface; English
        // portals write Date, User, IP address, Source, Address.
        Preset::Bitrix24 => vec![
            (Field::ActedAt, &["Дата", "Date", "Дата согласия"], false),
            (Field::Name, &["Пользователь", "User"], false),
            (Field::Ip, &["IP-адрес", "IP address", "IP"], false),
            (Field::Channel, &["Источник", "Source"], false),
            (
                Field::Items,
                &["Поля", "Элементы", "Данные", "Items", "Fields", "Data"],
                false,
            ),
            (
                Field::Url,
                &["Адрес", "URL", "Адрес страницы", "Address", "Page"],
                false,
            ),
            (
                Field::Agreement,
                &["Соглашение", "Agreement", "Consent"],
                false,
            ),
        ],
        // amoCRM contact export (Russian interface, Kommo in English).
        Preset::AmoCrm => vec![
            (
                Field::ActedAt,
                &["Дата создания", "Date created", "Created at", "Created"],
                false,
            ),
            (
                Field::Name,
                &[
                    "Наименование",
                    "Полное имя",
                    "ФИО",
                    "Имя",
                    "Name",
                    "Full name",
                    "First name",
                ],
                true,
            ),
            (
                Field::Phone,
                &[
                    "Рабочий телефон",
                    "Мобильный телефон",
                    "Рабочий прямой телефон",
                    "Домашний телефон",
                    "Другой телефон",
                    "Телефон",
                    "Work phone",
                    "Mobile phone",
                    "Work direct phone",
                    "Home phone",
                    "Other phone",
                    "Phone",
                ],
                true,
            ),
            (
                Field::Email,
                &[
                    "Рабочий email",
                    "Личный email",
                    "Другой email",
                    "Email",
                    "E-mail",
                    "Work email",
                    "Personal email",
                    "Other email",
                ],
                true,
            ),
        ],
        Preset::Kantara | Preset::Iso27560 => vec![],
    }
}

/// The mapping a preset gives for these headers. For the JSON presets it
/// names the members each field is read from.
pub fn preset_mapping(preset: Preset, headers: &[String]) -> Mapping {
    let mut m = Mapping {
        default_action: Action::Given,
        ..Mapping::default()
    };
    match preset {
        Preset::Kantara => {
            for (f, k) in [
                (Field::Email, "piiPrincipalId"),
                (Field::ActedAt, "consentTimestamp"),
                (Field::Agreement, "policyUrl"),
                (Field::Channel, "collectionMethod"),
            ] {
                m.columns.insert(f, k.into());
            }
            return m;
        }
        Preset::Iso27560 => {
            for (f, k) in [
                (Field::Email, "dpv:hasDataSubject"),
                (Field::Action, "dpv:hasConsentStatus"),
                (Field::ActedAt, "dpv:isIndicatedAtTime"),
                (Field::Agreement, "dpv:hasNotice"),
                (Field::Channel, "dpv:hasIndicationMethod"),
            ] {
                m.columns.insert(f, k.into());
            }
            return m;
        }
        _ => {}
    }
    let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let mut used = HashSet::new();
    for (f, names, fallbacks) in preset_columns(preset) {
        let present: Vec<usize> = names
            .iter()
            .filter_map(|n| {
                let n = norm(n);
                (0..headers.len()).find(|&i| normed[i] == n && !used.contains(&i))
            })
            .collect();
        let Some((&first, rest)) = present.split_first() else {
            continue;
        };
        used.insert(first);
        m.columns.insert(f, headers[first].trim().to_string());
        if fallbacks && !rest.is_empty() {
            let mut v = Vec::new();
            for &i in rest {
                if used.insert(i) {
                    v.push(headers[i].trim().to_string());
                }
            }
            m.fallback.insert(f, v);
        }
    }
    m
}

/// The header names a preset needs, for a clear "missing columns" error.
pub(crate) fn preset_required(preset: Preset) -> Vec<(Field, &'static str)> {
    match preset {
        Preset::Bitrix24 => vec![
            (Field::ActedAt, "Дата"),
            (Field::Items, "Поля (or Пользователь)"),
        ],
        Preset::AmoCrm => vec![
            (Field::ActedAt, "Дата создания"),
            (Field::Name, "Наименование, a phone or an e-mail column"),
        ],
        _ => vec![],
    }
}

/// Recognises a Bitrix24 consent list or an amoCRM contact export by its
/// headers.
pub(crate) fn recognise(headers: &[String]) -> Option<Preset> {
    let set: HashSet<String> = headers.iter().map(|h| norm(h)).collect();
    let has = |names: &[&str]| names.iter().any(|n| set.contains(&norm(n)));
    if has(&["Дата", "Date"])
        && has(&["IP-адрес", "IP address"])
        && has(&["Источник", "Source"])
        && has(&["Пользователь", "User"])
    {
        return Some(Preset::Bitrix24);
    }
    if has(&["Дата создания"])
        && has(&["Ответственный", "Кем создан", "Теги"])
        && has(&[
            "Рабочий телефон",
            "Мобильный телефон",
            "Рабочий email",
            "Личный email",
        ])
    {
        return Some(Preset::AmoCrm);
    }
    None
}

/// For a report: `"Дата" (acted_at)`.
pub(crate) fn describe(columns: &BTreeMap<Field, String>, f: Field) -> String {
    match columns.get(&f) {
        Some(h) => format!("{h:?} ({f})"),
        None => f.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn suggests_from_russian_headers() {
        let m = suggest_mapping(&h(&[
            "№",
            "ФИО",
            "E-mail",
            "Рабочий телефон",
            "Мобильный телефон",
            "Дата создания",
            "IP-адрес",
            "Адрес страницы",
            "Соглашение",
            "Статус",
            "User agent",
        ]));
        assert_eq!(m.columns[&Field::Name], "ФИО");
        assert_eq!(m.columns[&Field::Email], "E-mail");
        assert_eq!(m.columns[&Field::Phone], "Рабочий телефон");
        assert_eq!(
            m.fallback[&Field::Phone],
            vec!["Мобильный телефон".to_string()]
        );
        assert_eq!(m.columns[&Field::ActedAt], "Дата создания");
        assert_eq!(m.columns[&Field::Ip], "IP-адрес");
        assert_eq!(m.columns[&Field::Url], "Адрес страницы");
        assert_eq!(m.columns[&Field::Agreement], "Соглашение");
        assert_eq!(m.columns[&Field::Action], "Статус");
        assert_eq!(m.columns[&Field::UserAgent], "User agent");
        assert_eq!(m.default_action, Action::Given);
    }

    #[test]
    fn suggests_from_english_and_odd_headers() {
        let m = suggest_mapping(&h(&[
            " Full name ",
            "EMAIL",
            "Phone",
            "Date",
            "IP",
            "URL",
            "Agreement",
            "Action",
            "Дата рождения",
        ]));
        assert_eq!(m.columns[&Field::Name], "Full name");
        assert_eq!(m.columns[&Field::Email], "EMAIL");
        assert_eq!(m.columns[&Field::ActedAt], "Date");
        assert_eq!(m.columns.len(), 8);
        let m = suggest_mapping(&h(&[
            "Имя",
            "Почта",
            "Дата рождения",
            "Дата изменения",
            "Дата создания сделки",
            "Источник",
            "Электронная почта клиента",
        ]));
        assert_eq!(m.columns[&Field::ActedAt], "Дата создания сделки");
        assert_eq!(m.columns[&Field::Email], "Почта");
        assert_eq!(m.columns[&Field::Url], "Источник");
        assert_eq!(
            m.fallback[&Field::Email],
            vec!["Электронная почта клиента".to_string()]
        );
        assert!(suggest_mapping(&h(&["x", "y"])).columns.is_empty());
    }

    #[test]
    fn presets_and_recognition() {
        let b = h(&[
            "ID",
            "Дата",
            "Пользователь",
            "IP-адрес",
            "Источник",
            "Поля",
            "Адрес",
        ]);
        assert_eq!(recognise(&b), Some(Preset::Bitrix24));
        let m = preset_mapping(Preset::Bitrix24, &b);
        assert_eq!(m.columns[&Field::Url], "Адрес");
        assert_eq!(m.columns[&Field::Channel], "Источник");
        assert_eq!(m.columns[&Field::Items], "Поля");
        let a = h(&[
            "ID",
            "Наименование",
            "Имя",
            "Ответственный",
            "Дата создания",
            "Рабочий телефон",
            "Мобильный телефон",
            "Рабочий email",
            "Личный email",
            "Теги",
        ]);
        assert_eq!(recognise(&a), Some(Preset::AmoCrm));
        let m = preset_mapping(Preset::AmoCrm, &a);
        assert_eq!(m.columns[&Field::Name], "Наименование");
        assert_eq!(m.fallback[&Field::Name], vec!["Имя".to_string()]);
        assert_eq!(
            m.fallback[&Field::Phone],
            vec!["Мобильный телефон".to_string()]
        );
        assert_eq!(m.fallback[&Field::Email], vec!["Личный email".to_string()]);
        assert_eq!(recognise(&h(&["ФИО", "Дата"])), None);
    }
}
