//! The demo vault: a throwaway vault filled with realistic sample data
//! (Russian and EU organisations' subjects), for a newcomer to look around.
//! Later capabilities add their own sample data here.

use std::path::Path;

use serde_json::json;

use crate::crypto::KdfParams;
use crate::error::Result;
use crate::ledger::NewEvent;
use crate::{subjects, CreateOptions, Vault};

/// The demo vault's passphrase: shown on screen, it protects nothing real.
pub const PASSPHRASE: &str = "demo vault — not for real data";
pub const ORGANISATION: &str = "ООО «Ромашка» (демо)";

/// Sample data subjects: names, e-mails and phones in the shapes real forms produce.
const PEOPLE: &[(&str, &str, &str)] = &[
    (
        "Иванов Иван Иванович",
        "ivan.ivanov@example.ru",
        "+7 916 123-45-67",
    ),
    (
        "Смирнова Анна Сергеевна",
        "a.smirnova@example.ru",
        "+7 (495) 765-43-21",
    ),
    (
        "Кузнецов Пётр Алексеевич",
        "petr.k@example.ru",
        "8 903 555 12 34",
    ),
    (
        "Попова Ольга Викторовна",
        "olga.popova@example.ru",
        "+7 921 000-11-22",
    ),
    (
        "Müller, Jonas",
        "jonas.mueller@example.de",
        "+49 30 1234567",
    ),
    (
        "Dubois, Camille",
        "camille.dubois@example.fr",
        "+33 1 23 45 67 89",
    ),
    (
        "García López, María",
        "maria.garcia@example.es",
        "+34 612 345 678",
    ),
    (
        "Kowalski, Jan",
        "jan.kowalski@example.pl",
        "+48 601 234 567",
    ),
];

/// Creates the demo vault in `dir` (which must be absent or empty) and fills it.
/// The KDF is cheap on purpose: the demo must open instantly and holds nothing secret.
pub fn create(dir: &Path) -> Result<Vault> {
    let opts = CreateOptions {
        organisation: ORGANISATION.into(),
        operator: "Демо-оператор".into(),
        kdf: KdfParams {
            m_kib: 8 * 1024,
            t: 2,
            p: 1,
        },
    };
    let mut vault = Vault::create(dir, PASSPHRASE, &opts)?.vault;
    populate(&mut vault)?;
    Ok(vault)
}

/// True only for a demo vault made by [`create`]: it opens with the demo
/// passphrase and names the demo organisation. Callers check this before
/// replacing a folder, so that a real vault is never taken for the demo.
pub fn is_demo(dir: &Path) -> bool {
    Vault::unlock(dir, PASSPHRASE)
        .and_then(|v| v.info())
        .is_ok_and(|i| i.organisation == ORGANISATION)
}

/// Adds the organisation's requisites (checksum-valid but made-up INN and
/// OGRN), the sample subjects, one erasure and signed checkpoints.
pub fn populate(vault: &mut Vault) -> Result<()> {
    vault.set_requisites(crate::organisation::Requisites {
        full_name: "Общество с ограниченной ответственностью «Ромашка» (демо)".into(),
        short_name: ORGANISATION.into(),
        inn: "7712345671".into(),
        ogrn: "1027700000129".into(),
        legal_address: "125009, г. Москва, ул. Примерная, д. 1, офис 2".into(),
        dpo: "Смирнова Анна Сергеевна".into(),
        withdrawal_email: "privacy@romashka.example".into(),
    })?;
    let ids = vault.with_tx(|tx, actor| {
        let mut ids = Vec::new();
        for (i, (name, email, phone)) in PEOPLE.iter().enumerate() {
            let s = subjects::create(tx)?;
            let channel = if i % 3 == 0 { "paper" } else { "web_form" };
            let mut extra = serde_json::Map::new();
            extra.insert("channel".into(), json!(channel));
            subjects::record(
                tx,
                actor,
                &s,
                "subject.recorded",
                &json!({ "name": name, "email": email, "phone": phone }),
                extra,
            )?;
            ids.push(s);
        }
        Ok(ids)
    })?;
    agreements(vault)?;
    activities(vault)?;
    register(vault, 3000)?;
    vault.checkpoint()?;
    // Who signs letters and acts, before the erasure issues its act.
    let profile = crate::documents::profile::Profile {
        signatory: crate::documents::profile::Official { name: "Смирнова Ольга Викторовна".into(), position: "Ответственный за организацию обработки персональных данных".into() },
        information_system: "CRM «Ромашка» и сайт romashka-demo.ru".into(),
        destroyers: vec![crate::documents::profile::Official { name: "Кузнецов Игорь Павлович".into(), position: "Системный администратор".into() }],
        cross_border: "Трансграничная передача персональных данных не осуществляется.".into(),
        measures: "Политика обработки персональных данных опубликована на сайте romashka-demo.ru/privacy; назначен ответственный за организацию обработки.".into(),
        automated: "Решения, порождающие юридические последствия, на основании исключительно автоматизированной обработки не принимаются.".into(),
        other: String::new(),
    };
    vault.with_tx(|tx, actor| crate::documents::profile::set(tx, actor, &profile))?;
    vault.erase_subject(&ids[3], "demo: erasure request (152-FZ art. 21)")?;
    requests(vault, chrono::Local::now().date_naive())?;
    vault.record(&[NewEvent::new(
        "demo.note",
        json!({ "text": "This vault is a demo. Create your own vault for real data." }),
    )])?;
    vault.checkpoint()?;
    Ok(())
}

/// Sample requests around `today`: open ones due soon, one overdue, one
/// extended, a withdrawal fulfilled (its destruction deadline pending), a
/// failed identity check, and someone the register does not know.
fn requests(vault: &mut Vault, today: chrono::NaiveDate) -> Result<()> {
    use crate::requests::{self, fulfil, Channel, IdentityCheck, IdentityMethod, Kind, Law, NewRequest};
    let mut people: Vec<String> = vec![];
    let page = crate::consents::list(vault.conn(), &Default::default(), None, 200)?;
    for e in page {
        if !e.erased && !people.contains(&e.subject) {
            people.push(e.subject);
        }
    }
    let ago = |d: u64| (today - chrono::Days::new(d)).to_string();
    let open = |v: &mut Vault, kind, who: usize, days: u64, channel, text: &str| -> Result<u64> {
        let req = NewRequest {
            kind,
            channel,
            subject: Some(people[who % people.len()].clone()),
            received: Some(ago(days)),
            text: Some(text.into()),
            ..Default::default()
        };
        Ok(requests::open(v, req, today)?.request.id)
    };
    let passed = IdentityCheck { method: IdentityMethod::Email, passed: true, details: None };
    open(vault, Kind::Access, 0, 2, Channel::Email, "Прошу сообщить, какие мои персональные данные вы обрабатываете.")?;
    let late = open(vault, Kind::Objection, 1, 30, Channel::Post, "Требую прекратить рассылку рекламы.")?;
    requests::identity(vault, late, passed.clone())?;
    let ext = open(vault, Kind::Access, 2, 9, Channel::WebForm, "Please send me a copy of my data.")?;
    requests::identity(vault, ext, passed.clone())?;
    requests::extend(vault, ext, "The data is spread over archived CRM exports that must be searched.", &ago(1), today)?;
    let w = open(vault, Kind::Withdrawal, 3, 6, Channel::Email, "Отзываю согласие на обработку персональных данных.")?;
    requests::identity(vault, w, passed.clone())?;
    fulfil::fulfil(vault, w, Default::default(), today)?;
    let e = open(vault, Kind::Erasure, 4, 4, Channel::Email, "Удалите мои данные.")?;
    requests::identity(
        vault,
        e,
        IdentityCheck { method: IdentityMethod::Document, passed: false, details: Some("the passport number in the letter differs from the contract".into()) },
    )?;
    let stranger = NewRequest {
        kind: Kind::Access,
        law: Some(Law::Gdpr),
        channel: Channel::Email,
        name: Some("Jan Kowalski".into()),
        email: Some("jan.kowalski@example.pl".into()),
        received: Some(ago(3)),
        not_in_register: true,
        ..Default::default()
    };
    let s = requests::open(vault, stranger, today)?.request.id;
    requests::identity(vault, s, passed)?;
    fulfil::fulfil(vault, s, Default::default(), today)?;
    // Letters already sent: acknowledgements, the extension notice, two answers.
    use crate::agreements::model::Language;
    use crate::documents::{letters, DocKind};
    letters::issue(vault, late, DocKind::Acknowledgement, Some(Language::Ru), today)?;
    letters::issue(vault, ext, DocKind::Extension, Some(Language::En), today)?;
    letters::issue(vault, w, DocKind::Answer, Some(Language::Ru), today)?;
    letters::issue(vault, s, DocKind::Answer, Some(Language::En), today)?;
    Ok(())
}

/// Sample processing activities: the feedback form's, made from its
/// agreement and completed, but written before its second version named a
/// cloud processor (so it drifts), with its notice to Roskomnadzor sent and
/// a term changed since; and the EU newsletter's under GDPR.
fn activities(vault: &mut Vault) -> Result<()> {
    use crate::processing::{self, Basis, Transfer};
    let list = crate::agreements::list(vault.conn())?;
    let id_of = |title: &str| list.iter().find(|a| a.title.starts_with(title)).map(|a| a.id);
    if let Some(site) = id_of("Согласие на обработку персональных данных (форма") {
        let mut a = processing::from_agreement(vault.conn(), site)?;
        a.name = "Обращения через форму обратной связи на сайте".into();
        a.recipients.retain(|r| !r.name.contains("Облачный"));
        a.subject_categories = vec!["Посетители сайта, оставившие обращение".into()];
        a.security = vec!["Шифрование базы данных (SQLCipher, AES-256)".into(), "Разграничение доступа к CRM".into()];
        a.responsible = Some("Смирнова Ольга Викторовна, +7 495 000-00-00, privacy@romashka.example".into());
        a.storage_country = Some("Россия".into());
        a.started_on = Some("2024-01-15".into());
        let id = processing::record(vault, a.clone())?;
        // Its notice to Roskomnadzor, published and sent; then the term
        // changed, which the notice in force does not state yet.
        let notice = processing::documents::publish(vault, processing::check::Document::Notice, crate::agreements::model::Language::Ru)?;
        let today = chrono::Utc::now().date_naive();
        processing::changes::sent(vault, &notice.id, today, today)?;
        a.retention = Some("1 год с даты последнего обращения".into());
        processing::edit(vault, id, a)?;
    }
    if let Some(gdpr) = id_of("Newsletter sign-up consent") {
        let mut a = processing::from_agreement(vault.conn(), gdpr)?;
        a.subject_categories = vec!["EU customers who signed up".into()];
        a.legal_bases = vec![Basis::Consent];
        a.transfers = vec![Transfer { country: "Germany".into(), recipient: "Mailer GmbH (demo)".into(), safeguards: None }];
        a.security = vec!["Encrypted database".into()];
        a.retention = Some("Until the person unsubscribes".into());
        processing::record(vault, a)?;
    }
    Ok(())
}

/// Sample agreements: a 152-FZ consent in two published versions with its
/// English translation, a GDPR consent with a draft second version, a
/// dissemination consent, a retired marketing consent and a custom draft.
fn agreements(vault: &mut Vault) -> Result<()> {
    use crate::agreements::{self as ag, Language::*, TemplateKind::*};
    vault.with_tx(|tx, actor| {
        let publish = |id| ag::publish(tx, actor, id, &[], Ru);
        let edit = |id, f: &dyn Fn(&mut ag::Content)| {
            let mut c = ag::view(tx, id, None)?.content;
            f(&mut c);
            ag::save_draft(tx, id, c)
        };
        let site = ag::create(tx, Processing, Ru, Some("Согласие на обработку персональных данных (форма обратной связи)"), None)?;
        edit(site, &|c| c.form_fields = vec!["Имя".into(), "Телефон".into(), "E-mail".into(), "Сообщение".into()])?;
        publish(site)?;
        edit(site, &|c| {
            c.purposes.push("Запись на консультацию по телефону".into());
            c.third_parties.push(ag::model::ThirdParty {
                name: "ООО «Облачный сервис» (демо)".into(),
                inn: "7729000121".into(),
                address: "117000, г. Москва, ул. Демонстрационная, д. 5".into(),
                role: ag::model::Role::Processor,
            });
        })?;
        publish(site)?;
        let en = ag::create(tx, Processing, En, Some("Consent to the processing of personal data (feedback form)"), Some(site))?;
        publish(en)?;
        let gdpr = ag::create(tx, Gdpr, En, Some("Newsletter sign-up consent (EU customers)"), None)?;
        edit(gdpr, &|c| c.purposes = vec!["Sending the monthly newsletter I signed up for".into()])?;
        publish(gdpr)?;
        edit(gdpr, &|c| c.data_items.push("Country".into()))?;
        let photo = ag::create(tx, Dissemination, Ru, None, None)?;
        // A consent with a term: the register shows which have ended.
        edit(photo, &|c| {
            c.term = "Согласие действует 12 месяцев с момента его предоставления, если не будет отозвано раньше.".into();
            c.expires_after_months = Some(12);
        })?;
        publish(photo)?;
        let promo = ag::create(tx, Marketing, Ru, Some("Согласие на рассылку (акция 2025 года)"), None)?;
        publish(promo)?;
        ag::retire(tx, actor, promo)?;
        ag::create(tx, Custom, Ru, Some("Согласие для бумажной анкеты (черновик)"), None)?;
        Ok(())
    })
}

const FIRST_RU: &[&str] = &["Александр", "Мария", "Дмитрий", "Анна", "Сергей", "Елена", "Андрей", "Ольга", "Алексей", "Наталья", "Михаил", "Татьяна", "Иван", "Екатерина", "Павел", "Юлия"];
const LAST_RU: &[(&str, &str)] = &[("Иванов", "Иванова"), ("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"), ("Васильев", "Васильева"), ("Петров", "Петрова"), ("Соколов", "Соколова"), ("Михайлов", "Михайлова"), ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"), ("Морозов", "Морозова"), ("Волков", "Волкова")];
const LATIN: &[&str] = &["alex", "maria", "dima", "anna", "sergey", "elena", "andrey", "olga", "alexey", "natalia", "mikhail", "tatiana", "ivan", "katya", "pavel", "julia"];
const EU: &[(&str, &str)] = &[("Jonas Müller", "de"), ("Camille Dubois", "fr"), ("María García", "es"), ("Jan Kowalski", "pl"), ("Sofia Rossi", "it"), ("Lars Jensen", "dk"), ("Emma de Vries", "nl"), ("Ana Silva", "pt")];

/// A few thousand consents, refusals and withdrawals across the demo's
/// published agreements: web forms with IPv4 and IPv6 and long URLs, chats,
/// calls and paper forms; some people consent several times or withdraw.
fn register(vault: &mut Vault, n: u32) -> Result<()> {
    use crate::consents::{self, Action, Channel, Intake, Recorder};
    use chrono::TimeZone;
    let targets: Vec<consents::Target> = [(1, Some(1)), (1, Some(2)), (2, None), (3, Some(1)), (4, None)]
        .iter()
        .map(|&(a, v)| consents::target(vault.conn(), a, v, Action::Given))
        .collect::<Result<_>>()?;
    let start = chrono::Utc.with_ymd_and_hms(2025, 1, 9, 8, 0, 0).unwrap();
    vault.with_tx(|tx, actor| {
        let mut rec = Recorder::new(tx, actor, None)?;
        // A small deterministic generator: the demo is the same every time.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for i in 0..n {
            let person = next(1200);
            let eu = person % 7 == 0;
            let (name, email, phone) = if eu {
                let (n, cc) = EU[(person as usize / 7) % EU.len()];
                let local = n.to_lowercase().replace(' ', ".").replace('ü', "ue").replace('í', "i");
                (n.to_string(), format!("{local}{person}@example.{cc}"), None)
            } else {
                let first = FIRST_RU[person as usize % FIRST_RU.len()];
                let female = ["Мария", "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Екатерина", "Юлия"].contains(&first);
                let (m, f) = LAST_RU[(person as usize / 16) % LAST_RU.len()];
                let last = if female { f } else { m };
                (
                    format!("{last} {first}"),
                    format!("{}.{}@example.ru", LATIN[person as usize % LATIN.len()], person),
                    Some(format!("+7 9{:02} {:03}-{:02}-{:02}", 10 + person % 90, person % 1000, person % 97, (person * 7) % 100)),
                )
            };
            // EU people: the GDPR text; others mostly the newest 152-FZ text,
            // some the first version or its English translation, a few the photo consent.
            let t = if eu {
                &targets[3]
            } else if i % 50 == 0 {
                &targets[4]
            } else {
                &targets[[0, 1, 1, 1, 2][next(5) as usize]]
            };
            let roll = next(100);
            let action = match roll {
                0..=84 => Action::Given,
                85..=92 => Action::Refused,
                _ => Action::Withdrawn,
            };
            let channel = match next(10) {
                0..=5 => Channel::WebForm,
                6 => Channel::Chat,
                7 => Channel::Phone,
                8 => Channel::Email,
                _ => Channel::Paper,
            };
            let web = channel == Channel::WebForm;
            let ip: Option<std::net::IpAddr> = web.then(|| {
                if next(3) == 0 {
                    format!("2a02:6b8:{:x}:{:x}::{:x}", next(65535), next(65535), next(65535)).parse().unwrap()
                } else {
                    format!("{}.{}.{}.{}", 5 + next(200), next(256), next(256), 1 + next(254)).parse().unwrap()
                }
            });
            let url = web.then(|| format!(
                "https://romashka.example/catalog/flowers/bouquets/spring-collection-2025/order?utm_source=yandex&utm_medium=cpc&utm_campaign=spring_sale_{}&utm_content=banner_{}&yclid={}",
                next(50), next(20), 1_000_000_000 + next(9_000_000_000)
            ));
            let at = start + chrono::Duration::minutes((i as i64) * 97 + next(90) as i64);
            let intake = Intake {
                name: Some(name),
                email: Some(email),
                phone,
                acted_at: Some(at),
                ip,
                url,
                user_agent: web.then(|| "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36".to_string()),
                ..Default::default()
            };
            rec.add(t, action, channel, intake)?;
        }
        rec.finish()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_vault_opens_and_verifies() {
        let d = tempfile::tempdir().unwrap();
        super::create(&d.path().join("demo"))
            .unwrap()
            .lock()
            .unwrap();
        let v = crate::Vault::unlock(&d.path().join("demo"), super::PASSPHRASE).unwrap();
        let r = v.verify(|_, _| true).unwrap();
        assert!(r.ok(), "{r:?}");
        // Two signed by the demo, one sealing its erasure, one its lock.
        assert_eq!(r.checkpoints, 4);
        let count = |kind: &str| -> usize {
            v.conn()
                .query_row("SELECT count(*) FROM events WHERE kind = ?1", [kind], |r| r.get::<_, i64>(0))
                .unwrap() as usize
        };
        assert_eq!(count("subject.recorded"), super::PEOPLE.len());
        assert_eq!(count("subject.erased"), 1);
        // Letters, the erasure's destruction act with its extract, and the notice to Roskomnadzor.
        assert_eq!(count("document.issued"), 4 + 2 + 1);
        assert_eq!(count("document.sent"), 1);
        // The notice in force does not state the term changed since.
        let pending = crate::processing::changes::pending(v.conn(), crate::agreements::Language::Ru).unwrap();
        assert_eq!(pending.iter().map(|s| s.items.len()).sum::<usize>(), 1, "{pending:?}");
        assert_eq!(crate::documents::act::list(v.conn()).unwrap().len(), 1);
        assert!(super::is_demo(&d.path().join("demo")));
        assert_eq!(v.requisites().unwrap().inn, "7712345671");
        let list = crate::agreements::list(v.conn()).unwrap();
        assert_eq!(list.len(), 6);
        assert!(list.iter().any(|a| a.retired_at.is_some()));
        assert!(list.iter().any(|a| a.published_version == Some(2)));
        assert!(list.iter().any(|a| a.translation_of.is_some()));
        assert!(list.iter().any(|a| a.language == crate::agreements::Language::En));
        let n = crate::consents::count(v.conn()).unwrap();
        assert!(n > 2500, "{n} consents");
        let withdrawn = crate::consents::Filter { action: Some(crate::consents::Action::Withdrawn), ..Default::default() };
        assert!(!crate::consents::list(v.conn(), &withdrawn, None, 5).unwrap().is_empty());
        // The overview has something to show: open requests, one overdue, a destruction pending.
        let o = crate::requests::overview::overview(v.conn(), chrono::Local::now().date_naive()).unwrap();
        assert_eq!(o.open_total, 4);
        assert_eq!(o.overdue, 1);
        assert_eq!(o.followups_pending, 1);
        assert!(!crate::consents::search::subjects(v.conn(), "смирнова", 5).unwrap().is_empty());
        // Photo consents from early 2025 have reached the end of their 12 months.
        let due = crate::consents::expiry::due(v.conn(), chrono::Utc::now()).unwrap();
        assert!(!due.is_empty() && due.iter().all(|d| d.label == "A4-v1"), "{due:?}");
    }

    #[test]
    fn a_real_vault_is_never_taken_for_the_demo() {
        let d = tempfile::tempdir().unwrap();
        let opts = crate::CreateOptions {
            organisation: super::ORGANISATION.into(),
            operator: "x".into(),
            kdf: crate::crypto::KdfParams::insecure_for_tests(),
        };
        crate::Vault::create(d.path(), "tulip orbit canyon ledger 42", &opts).unwrap();
        assert!(!super::is_demo(d.path()));
        assert!(!super::is_demo(&d.path().join("nothing")));
    }
}
