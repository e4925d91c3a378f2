//! Operators and roles on a real vault: the role matrix (every changing
//! step × every role, each on a fresh copy of the same vault: allowed steps
//! succeed, refused ones fail with `forbidden` and record nothing), adding,
//! changing and removing operators (the last owner stays; a removed
//! operator's passphrase opens nothing), the actor of each event, the
//! recovery code, and verify catching an altered operators table.

mod common;

use chrono::Utc;
use common::*;
use consent_ledger_core::agreements::{self, Language, TemplateKind};
use consent_ledger_core::consents::{self, Action, Channel, Intake};
use consent_ledger_core::documents::{inspection, pack};
use consent_ledger_core::incidents::{self, Details, Notice};
use consent_ledger_core::operators::{self, Need, Role};
use consent_ledger_core::requests::{self, settings, Kind, NewRequest};
use consent_ledger_core::{Error, Result, Vault};

const OPERATOR_PASS: &str = "violet harbour engine 77 maple";
const AUDITOR_PASS: &str = "copper meadow lantern 19 quartz";

/// A vault with requisites, a published agreement (1), a draft (2), a
/// person who consented, an open request and an incident; its operator
/// "Олег" and auditor "Аудитор". Returns (the person, the request, the incident).
fn fixture(dir: &std::path::Path) -> (String, u64, u64) {
    let (mut v, a) = vault_with_agreement(dir);
    v.with_tx(|tx, _| agreements::create(tx, TemplateKind::Marketing, Language::Ru, None, None)).unwrap();
    let t = consents::target(v.conn(), a, None, Action::Given).unwrap();
    let intake = Intake { name: Some("Фёдоров Дмитрий".into()), email: Some("f@example.org".into()), ..Default::default() };
    let subject = v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, Channel::WebForm, intake)).unwrap().subject;
    let today = Utc::now().date_naive();
    let request = requests::open(&mut v, NewRequest { kind: Kind::Access, subject: Some(subject.clone()), ..Default::default() }, today)
        .unwrap()
        .request
        .id;
    let now = Utc::now();
    let incident = incidents::record(&mut v, incident_details(), now).unwrap();
    operators::add(&mut v, "Олег", OPERATOR_PASS, Role::Operator).unwrap();
    operators::add(&mut v, "Аудитор", AUDITOR_PASS, Role::Auditor).unwrap();
    v.lock().unwrap();
    (subject, request, incident)
}

fn incident_details() -> Details {
    Details {
        title: "Утечка".into(),
        detected_at: (Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
        summary: "Ссылка".into(),
        ..Default::default()
    }
}

fn pass_of(role: Role) -> &'static str {
    match role {
        Role::Owner => PASS,
        Role::Operator => OPERATOR_PASS,
        Role::Auditor => AUDITOR_PASS,
    }
}

type Step = Box<dyn Fn(&mut Vault, &str, u64, u64) -> Result<()>>;

fn steps() -> Vec<(&'static str, Need, Step)> {
    vec![
        ("change the requisites", Need::Owner, Box::new(|v, _, _, _| {
            let mut r = v.requisites()?;
            r.dpo = "Иванова М. П.".into();
            v.set_requisites(r).map(|_| ())
        })),
        ("create an agreement", Need::Owner, Box::new(|v, _, _, _| v.with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, None)).map(|_| ()))),
        ("save a draft", Need::Owner, Box::new(|v, _, _, _| {
            let content = agreements::view(v.conn(), 2, None)?.content;
            v.with_tx(|tx, _| agreements::save_draft(tx, 2, content)).map(|_| ())
        })),
        ("publish an agreement", Need::Owner, Box::new(|v, _, _, _| v.with_tx(|tx, actor| agreements::publish(tx, actor, 2, &["*".into()], Language::Ru)).map(|_| ()))),
        ("retire an agreement", Need::Owner, Box::new(|v, _, _, _| v.with_tx(|tx, actor| agreements::retire(tx, actor, 1)).map(|_| ()))),
        ("set the GDPR country", Need::Owner, Box::new(|v, _, _, _| v.with_tx(|tx, actor| settings::set_country(tx, actor, Some("DE"))).map(|_| ()))),
        ("load request rules", Need::Owner, Box::new(|v, _, _, _| {
            let text = serde_json::to_string(&requests::Rules::shipped()).unwrap().replace("\"about\":\"", "\"about\":\"own: ");
            v.with_tx(|tx, actor| settings::set_rules(tx, actor, Some(&text))).map(|_| ())
        })),
        ("set the documents profile", Need::Owner, Box::new(|v, _, _, _| {
            let mut p = consent_ledger_core::documents::profile::get(v.conn())?;
            p.information_system = "CRM".into();
            v.with_tx(|tx, actor| consent_ledger_core::documents::profile::set(tx, actor, &p)).map(|_| ())
        })),
        ("load incident rules", Need::Owner, Box::new(|v, _, _, _| {
            let text = serde_json::to_string(&incidents::Rules::shipped()).unwrap().replace("\"hours\":24", "\"hours\":48");
            v.with_tx(|tx, actor| incidents::set_rules(tx, actor, Some(&text))).map(|_| ())
        })),
        ("record a processing activity", Need::Owner, Box::new(|v, _, _, _| {
            let a = consent_ledger_core::processing::from_agreement(v.conn(), 1)?;
            consent_ledger_core::processing::record(v, a).map(|_| ())
        })),
        ("add an operator", Need::Owner, Box::new(|v, _, _, _| operators::add(v, "Новый", "sapphire tundra beacon 31 olive", Role::Auditor).map(|_| ()))),
        ("change a role", Need::Owner, Box::new(|v, _, _, _| operators::set_role(v, "Аудитор", Role::Operator).map(|_| ()))),
        ("remove an operator", Need::Owner, Box::new(|v, _, _, _| {
            let who = if v.actor() == "Олег" { "Аудитор" } else { "Олег" };
            operators::remove(v, who).map(|_| ())
        })),
        ("record a consent", Need::Record, Box::new(|v, _, _, _| {
            let t = consents::target(v.conn(), 1, None, Action::Given)?;
            let intake = Intake { email: Some("new@example.org".into()), ..Default::default() };
            v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, Channel::Paper, intake)).map(|_| ())
        })),
        ("import", Need::Record, Box::new(|v, _, _, _| {
            let opts = consents::importer::ImportOptions { agreement: Some("A1".into()), keep_good_rows: false };
            v.import("x.csv", "Дата;E-mail\n2026-03-14 10:00;imp@example.org\n".as_bytes(), &Default::default(), &opts, |_| true).map(|_| ())
        })),
        ("erase a person", Need::Record, Box::new(|v, s, _, _| v.erase_person(s, "request").map(|_| ()))),
        ("open a request", Need::Record, Box::new(|v, s, _, _| {
            let req = NewRequest { kind: Kind::Erasure, subject: Some(s.to_string()), ..Default::default() };
            requests::open(v, req, Utc::now().date_naive()).map(|_| ())
        })),
        ("cancel a request", Need::Record, Box::new(|v, _, r, _| requests::cancel(v, r, None, Utc::now().date_naive()).map(|_| ()))),
        ("issue a letter", Need::Record, Box::new(|v, _, r, _| {
            consent_ledger_core::documents::letters::issue(v, r, consent_ledger_core::documents::DocKind::Acknowledgement, None, Utc::now().date_naive()).map(|_| ())
        })),
        ("record an incident", Need::Record, Box::new(|v, _, _, _| incidents::record(v, incident_details(), Utc::now()).map(|_| ()))),
        ("record a notice sent", Need::Record, Box::new(|v, _, _, i| incidents::notified(v, i, Notice::Rkn24h, &Utc::now().to_rfc3339(), "", Utc::now()).map(|_| ()))),
        ("draft a notice", Need::Record, Box::new(|v, _, _, i| incidents::notices::issue(v, i, Notice::Rkn24h, Language::Ru).map(|_| ()))),
        ("close an incident", Need::Record, Box::new(|v, _, _, i| incidents::close(v, i, Utc::now()).map(|_| ()))),
        ("append an event", Need::Record, Box::new(|v, _, _, _| v.record(&[consent_ledger_core::NewEvent::new("demo.note", serde_json::json!({}))]).map(|_| ()))),
        ("make a person's pack", Need::Read, Box::new(|v, s, _, _| pack::person(v, s, Language::Ru, |_, _| true).map(|_| ()))),
        ("make the inspection pack", Need::Read, Box::new(|v, _, _, _| inspection::inspection(v, Default::default(), Language::En, |_, _| true).map(|_| ()))),
        ("sign a checkpoint", Need::Read, Box::new(|v, _, _, _| v.checkpoint().map(|_| ()))),
        ("verify", Need::Read, Box::new(|v, _, _, _| v.verify(|_, _| true).map(|_| ()))),
    ]
}

#[test]
fn every_changing_step_is_refused_to_the_roles_that_may_not_take_it() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("v");
    let (subject, request, incident) = fixture(&dir);
    for role in [Role::Owner, Role::Operator, Role::Auditor] {
        for (what, need, step) in steps() {
            let copy = tempfile::tempdir().unwrap();
            copy_vault(&dir, copy.path());
            let mut v = Vault::unlock(copy.path(), pass_of(role)).unwrap();
            assert_eq!(v.role(), role);
            let before = v.info().unwrap().events;
            let out = step(&mut v, &subject, request, incident);
            if role.allows(need) {
                out.unwrap_or_else(|e| panic!("{} may {what}: {e}", role.as_str()));
            } else {
                let e = out.expect_err(&format!("{} may not {what}", role.as_str()));
                assert_eq!(e.code(), "forbidden", "{} {what}: {e}", role.as_str());
                assert!(e.to_string().contains(&format!("a vault's {}", role.as_str())), "{e}");
                assert_eq!(v.info().unwrap().events, before, "{} {what}: nothing recorded", role.as_str());
            }
            v.lock().unwrap();
            let r = Vault::open_read_only(copy.path(), PASS).unwrap().verify(|_, _| true).unwrap();
            assert!(r.ok(), "{} {what}: {:?}", role.as_str(), r.problem);
        }
    }
}

#[test]
fn operators_are_added_changed_and_removed_through_the_ledger() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("v");
    fixture(&dir);
    let mut owner = Vault::unlock(&dir, PASS).unwrap();
    let list = operators::list(owner.conn()).unwrap();
    assert_eq!(
        list.iter().map(|o| (o.name.as_str(), o.role)).collect::<Vec<_>>(),
        [("Анна Operator", Role::Owner), ("Олег", Role::Operator), ("Аудитор", Role::Auditor)]
    );
    // Bad input changes nothing.
    let before = owner.info().unwrap().events;
    for (name, pass, want) in [
        ("олег", "sapphire tundra beacon 31 olive", "already"),
        ("Ира", OPERATOR_PASS, "already opens the vault"),
        ("Ира", "short", "too weak"),
        ("  ", "sapphire tundra beacon 31 olive", "must not be empty"),
    ] {
        let e = operators::add(&mut owner, name, pass, Role::Operator).unwrap_err();
        assert!(e.to_string().contains(want), "{want}: {e}");
    }
    let e = operators::set_role(&mut owner, "Анна Operator", Role::Auditor).unwrap_err();
    assert!(e.to_string().contains("only owner"), "{e}");
    let e = operators::remove(&mut owner, "Анна Operator").unwrap_err();
    assert!(e.to_string().contains("cannot remove yourself"), "{e}");
    assert_eq!(operators::remove(&mut owner, "nobody").unwrap_err().code(), "not_found");
    assert_eq!(owner.info().unwrap().events, before);
    // Promote Олег, then he may remove the first owner... but not the last one.
    operators::set_role(&mut owner, "Олег", Role::Owner).unwrap();
    assert_eq!(operators::set_role(&mut owner, "Олег", Role::Owner).unwrap(), None, "no change, no event");
    owner.lock().unwrap();
    let mut oleg = Vault::unlock(&dir, OPERATOR_PASS).unwrap();
    assert_eq!((oleg.actor(), oleg.role()), ("Олег", Role::Owner));
    operators::remove(&mut oleg, "Анна Operator").unwrap();
    let e = operators::set_role(&mut oleg, "Олег", Role::Operator).unwrap_err();
    assert!(e.to_string().contains("only owner"), "{e}");
    // The actor of each event is the operator who acted.
    let log = oleg.log(None, 20).unwrap();
    let removed = log.iter().find(|e| e.kind == "operator.removed").unwrap();
    assert_eq!(removed.actor, "Олег");
    oleg.lock().unwrap();
    // The removed operator's slot is gone: her passphrase opens nothing.
    assert_eq!(Vault::unlock(&dir, PASS).err().map(|e| e.code()), Some("wrong_secret"));
    let keys: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("keys.json")).unwrap()).unwrap();
    assert_eq!(keys["slots"].as_array().unwrap().len(), 3, "two operators and the recovery code");
    let v = Vault::open_read_only(&dir, AUDITOR_PASS).unwrap();
    assert_eq!(v.role(), Role::Auditor);
    assert!(v.verify(|_, _| true).unwrap().ok());
}

#[test]
fn the_recovery_code_gives_the_first_owner_a_new_passphrase() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("v");
    let created = create(&dir);
    let code = created.recovery_code.to_string();
    let mut v = created.vault;
    operators::add(&mut v, "Аудитор", AUDITOR_PASS, Role::Auditor).unwrap();
    v.lock().unwrap();
    let v = Vault::recover(&dir, &code, "granite willow compass 58 amber").unwrap();
    assert_eq!((v.actor(), v.role()), ("Анна Operator", Role::Owner));
    v.lock().unwrap();
    assert_eq!(Vault::unlock(&dir, AUDITOR_PASS).unwrap().role(), Role::Auditor, "the others' slots are untouched");
}

#[test]
fn verify_catches_an_altered_operators_table() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("v");
    fixture(&dir);
    let tamper = |sql: &str| {
        let copy = tempfile::tempdir().unwrap();
        copy_vault(&dir, copy.path());
        raw_conn(copy.path()).execute_batch(sql).unwrap();
        let v = Vault::open_read_only(copy.path(), PASS).unwrap();
        v.verify(|_, _| true).unwrap().problem.expect("a problem")
    };
    let added = raw_conn(&dir).query_row("SELECT added_seq FROM operators WHERE name = 'Аудитор'", [], |r| r.get::<_, i64>(0)).unwrap() as u64;
    // The auditor made an owner without an event.
    let p = tamper("UPDATE operators SET role = 'owner' WHERE name = 'Аудитор'");
    assert_eq!((p.code, p.seq), ("operator_mismatch", Some(added)));
    let p = tamper("INSERT INTO operators (slot_id, name, role) VALUES ('00112233aabbccdd', 'Чужой', 'owner')");
    assert_eq!((p.code, p.seq), ("operator_mismatch", None));
    let p = tamper("DELETE FROM operators WHERE name = 'Олег'");
    assert_eq!(p.code, "operator_mismatch");
    // A forbidden error is the same code the CLI and the app branch on.
    assert_eq!(Error::Forbidden(String::new()).code(), "forbidden");
}
