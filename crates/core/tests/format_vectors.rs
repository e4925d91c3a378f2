//! docs/test-vectors.json was computed with Python from docs/FORMAT.md alone;
//! this test holds the Rust code to the same bytes.

use consent_ledger_core::crypto::{self, KdfParams};
use consent_ledger_core::{checkpoint, ledger, merkle, subjects};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/test-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn h32(v: &Value) -> [u8; 32] {
    h(v).try_into().unwrap()
}

#[test]
fn leaf_inputs_and_hashes() {
    let v = vectors();
    for case in [&v["leaf_no_subject"], &v["leaf_with_subject"]] {
        let mut buf = Vec::new();
        ledger::leaf_input_into(
            &mut buf,
            case["seq"].as_u64().unwrap(),
            case["recorded_at"].as_str().unwrap(),
            case["actor"].as_str().unwrap(),
            case["kind"].as_str().unwrap(),
            case["subject"].as_str(),
            case["body"].as_str().unwrap(),
        );
        assert_eq!(buf, h(&case["leaf_input"]));
        assert_eq!(merkle::leaf_hash(&buf).to_vec(), h(&case["leaf_hash"]));
    }
}

#[test]
fn merkle_roots_and_proofs() {
    let m = &vectors()["merkle"];
    assert_eq!(merkle::empty_root().to_vec(), h(&m["empty_root"]));
    let mut tree = merkle::MemoryTree::default();
    for (i, input) in m["leaf_inputs"].as_array().unwrap().iter().enumerate() {
        let leaf = merkle::leaf_hash(&h(input));
        assert_eq!(leaf.to_vec(), h(&m["leaf_hashes"][i]));
        tree.push(leaf);
        assert_eq!(
            merkle::root(&tree, i as u64 + 1).unwrap().to_vec(),
            h(&m["roots"][i])
        );
    }
    for p in m["inclusion_proofs"].as_array().unwrap() {
        let (idx, size) = (
            p["index"].as_u64().unwrap(),
            p["tree_size"].as_u64().unwrap(),
        );
        let ours: Vec<String> = merkle::inclusion_proof(&tree, idx, size)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect();
        let theirs: Vec<String> = p["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ours, theirs, "inclusion {idx}/{size}");
    }
    for p in m["consistency_proofs"].as_array().unwrap() {
        let (old, new) = (
            p["old_size"].as_u64().unwrap(),
            p["new_size"].as_u64().unwrap(),
        );
        let ours: Vec<String> = merkle::consistency_proof(&tree, old, new)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect();
        let theirs: Vec<String> = p["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ours, theirs, "consistency {old}->{new}");
    }
}

#[test]
fn key_slots_unwrap() {
    let v = vectors();
    for case in [&v["key_slot_passphrase"], &v["key_slot_recovery"]] {
        let params = KdfParams {
            m_kib: case["m_kib"].as_u64().unwrap() as u32,
            t: case["t"].as_u64().unwrap() as u32,
            p: case["p"].as_u64().unwrap() as u32,
        };
        let secret = match case["kind"].as_str().unwrap() {
            "recovery" => {
                crypto::normalize_recovery_code(case["recovery_code_as_typed"].as_str().unwrap())
                    .unwrap()
            }
            _ => crypto::passphrase_bytes(case["passphrase_utf8"].as_str().unwrap()),
        };
        assert_eq!(secret.as_str(), case["kdf_input_utf8"].as_str().unwrap());
        let kek = crypto::derive_key(secret.as_bytes(), &h(&case["salt"]), &params).unwrap();
        assert_eq!(kek.to_vec(), h(&case["kek"]));
        let nonce: [u8; 24] = h(&case["nonce"]).try_into().unwrap();
        let master = crypto::open(&kek, &nonce, &h(&case["wrapped_key"]), &h(&case["aad"]))
            .expect("unwraps");
        assert_eq!(master.to_vec(), h(&case["master_key"]));
    }
    // The same slots as a keys.json file open through the real loader.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        serde_json::to_vec(&v["keys_json"]).unwrap(),
    )
    .unwrap();
    let kf = consent_ledger_core::keyslots::KeyFile::load(dir.path()).unwrap();
    let pass = v["key_slot_passphrase"]["passphrase_utf8"]
        .as_str()
        .unwrap();
    let (mk, _) = kf
        .unlock(
            consent_ledger_core::keyslots::SlotKind::Passphrase,
            pass.as_bytes(),
        )
        .unwrap();
    assert_eq!(
        mk.as_bytes().to_vec(),
        h(&v["key_slot_passphrase"]["master_key"])
    );
    for n in v["recovery_code_normalisation"].as_array().unwrap() {
        assert_eq!(
            crypto::normalize_recovery_code(n["typed"].as_str().unwrap())
                .unwrap()
                .as_str(),
            n["normalised"].as_str().unwrap()
        );
    }
}

#[test]
fn checkpoint_note_and_verifier_key() {
    let c = &vectors()["checkpoint"];
    let key = ed25519_dalek::SigningKey::from_bytes(&h32(&c["seed"]));
    assert_eq!(key.verifying_key().as_bytes().to_vec(), h(&c["public_key"]));
    let vid = c["vault_id"].as_str().unwrap();
    let note = checkpoint::sign_note(
        vid,
        &key,
        c["tree_size"].as_u64().unwrap(),
        &h32(&c["root"]),
        c["time"].as_str().unwrap(),
    );
    assert_eq!(note, c["note_text"].as_str().unwrap());
    assert_eq!(
        checkpoint::verifier_key(vid, &key.verifying_key()),
        c["verifier_key"].as_str().unwrap()
    );
}

#[test]
fn subject_commitment() {
    let s = &vectors()["subject_commitment"];
    let c = subjects::commitment(
        &h(&s["hmac_key"]),
        s["canonical_data_utf8"].as_str().unwrap(),
    );
    assert_eq!(c, s["commitment"].as_str().unwrap());
}

/// docs/sample-vault/: a small vault made by this program (consents, an
/// import, a merge, an erasure, requisites, a published agreement,
/// checkpoints, a witness note) with its passphrase and expected results in
/// `expected.json`, so that a verifier can be tested end to end without
/// Consent Ledger. This test checks it still verifies as expected, read-only.
/// Made anew (new keys, new root) by
/// `SAMPLE_VAULT_WRITE=1 cargo test -p consent-ledger-core --test format_vectors sample_vault`.
#[test]
fn sample_vault() {
    use consent_ledger_core::{witness, Vault};
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sample-vault"));
    if std::env::var_os("SAMPLE_VAULT_WRITE").is_some() {
        write_sample_vault(root);
    }
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap()).unwrap();
    let dir = root.join("vault");
    let before: Vec<_> = ["keys.json", "vault.db"].iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect();
    let mut v = Vault::open_read_only(&dir, expected["passphrase"].as_str().unwrap()).unwrap();
    v.set_witnesses(vec![root.join("witness")]);
    let r = v.verify(|_, _| true).unwrap();
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.events, expected["events"].as_u64().unwrap());
    assert_eq!(r.checkpoints, expected["checkpoints"].as_u64().unwrap());
    assert_eq!(r.outside_notes, 1);
    assert_eq!(hex::encode(r.root), expected["root"].as_str().unwrap());
    assert_eq!(v.vault_id(), expected["vault_id"].as_str().unwrap());
    assert!(root.join("witness").join(witness::file_name(v.vault_id())).exists());
    drop(v);
    let after: Vec<_> = ["keys.json", "vault.db"].iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect();
    assert!(before == after, "verifying changed the sample vault");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2, "only keys.json and vault.db");
    // The sample pack checks without the vault, against the vault's key.
    for pack in ["pack", "inspection_pack"] {
        let zip = std::fs::read(root.join(expected[pack]["file"].as_str().unwrap())).unwrap();
        let checked = consent_ledger_core::documents::pack::verify(&zip, expected["verifier_key"].as_str()).unwrap();
        assert_eq!(checked.id, expected[pack]["id"].as_str().unwrap());
        assert_eq!(checked.events as u64, expected[pack]["events"].as_u64().unwrap());
    }
}

/// Requests in the sample vault: an access request extended and answered,
/// a withdrawal fulfilled (consents withdrawn, suppression list, destruction
/// deadline), a restriction, a refused request, a file, a calendar year and
/// the GDPR country loaded: every request event kind of FORMAT.md; and
/// documents issued.
fn sample_requests(v: &mut consent_ledger_core::Vault, subjects: &[String]) {
    use consent_ledger_core::requests::{self, fulfil, settings, IdentityCheck, IdentityMethod, Kind, Law, NewRequest};
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
    let new = |kind, subject: &str| NewRequest {
        kind,
        law: Some(Law::Both),
        subject: Some(subject.to_string()),
        received: Some("2026-03-02".into()),
        text: Some("Образец запроса".into()),
        ..Default::default()
    };
    let checked = |v: &mut consent_ledger_core::Vault, id| {
        requests::identity(v, id, IdentityCheck { method: IdentityMethod::Email, passed: true, details: None }).unwrap();
    };
    let access = requests::open(v, new(Kind::Access, &subjects[2]), today).unwrap().request.id;
    requests::attach(v, access, "request", "letter.txt", "Прошу сообщить".as_bytes()).unwrap();
    checked(v, access);
    requests::extend(v, access, "archive search", "2026-03-04", today).unwrap();
    fulfil::fulfil(v, access, Default::default(), today).unwrap();
    let withdrawal = requests::open(v, new(Kind::Withdrawal, &subjects[0]), today).unwrap().request.id;
    checked(v, withdrawal);
    fulfil::fulfil(v, withdrawal, Default::default(), today).unwrap();
    let restriction = requests::open(v, new(Kind::Restriction, &subjects[2]), today).unwrap().request.id;
    checked(v, restriction);
    fulfil::fulfil(v, restriction, fulfil::Fulfilment { legal_hold: true, ..Default::default() }, today).unwrap();
    let refused = requests::open(v, new(Kind::Erasure, &subjects[2]), today).unwrap().request.id;
    requests::refuse(v, refused, "legal_claims", "Образец отказа", today).unwrap();
    let decree = r#"{"region":"RU","year":2027,"status":"decreed","source":"sample","days_off":["2027-01-01","2027-01-04","2027-01-05","2027-01-06","2027-01-07","2027-01-08","2027-02-23","2027-03-08","2027-05-03","2027-05-10","2027-06-14","2027-11-04","2027-12-31"],"working_days":[]}"#;
    v.with_tx(|tx, actor| settings::load_calendar(tx, actor, decree)).unwrap();
    v.with_tx(|tx, actor| settings::set_country(tx, actor, Some("DE"))).unwrap();
    // Documents (schema 10): the profile, two letters, one of them about a
    // person erased afterwards (its text and PDF emptied, its event kept).
    use consent_ledger_core::agreements::model::Language;
    use consent_ledger_core::documents::{letters, profile, DocKind};
    let p = profile::Profile { information_system: "CRM «Образец»".into(), ..Default::default() };
    v.with_tx(|tx, actor| profile::set(tx, actor, &p)).unwrap();
    letters::issue(v, access, DocKind::Answer, Some(Language::Ru), today).unwrap();
    letters::issue(v, withdrawal, DocKind::Acknowledgement, Some(Language::En), today).unwrap();
    v.erase_person(&subjects[0], &format!("request {withdrawal}: destruction after the withdrawal")).unwrap();
}

/// An incident of the sample vault (FORMAT.md §17): recorded with its
/// people counted by a register query, changed, its 24 h notice drafted and
/// sent in time, its 72 h notice sent late, and closed.
fn sample_incident(v: &mut consent_ledger_core::Vault) {
    use consent_ledger_core::incidents::{self, notices, Affected, AffectedFilter, Details, Notice, Risk};
    let now = chrono::Utc::now();
    let mut d = Details {
        title: "Выгрузка CRM по открытой ссылке".into(),
        occurred_at: Some("2025-04-01T22:00:00Z".into()),
        detected_at: "2025-04-02T08:00:00+03:00".into(),
        summary: "Выгрузка клиентов была доступна по открытой ссылке".into(),
        data_categories: vec!["ФИО".into(), "адрес электронной почты".into()],
        records: 12,
        affected: Some(Affected { filter: AffectedFilter { agreement: Some(1), ..Default::default() }, count: 0, counted_at: String::new() }),
        contact: Some("Инспектор, +7 495 000-00-00".into()),
        law: consent_ledger_core::requests::Law::Both,
        risk: Risk::Risk,
        ..Default::default()
    };
    let id = incidents::record(v, d.clone(), now).unwrap();
    d.affected = incidents::get(v.conn(), id, now).unwrap().details.affected;
    d.subjects = d.affected.as_ref().unwrap().count;
    d.measures = Some("Ссылка отозвана".into());
    incidents::edit(v, id, d, now).unwrap().unwrap();
    notices::issue(v, id, Notice::Rkn24h, consent_ledger_core::agreements::Language::Ru).unwrap();
    incidents::notified(v, id, Notice::Rkn24h, "2025-04-02T20:00:00Z", "портал № 77-0001", now).unwrap();
    incidents::notified(v, id, Notice::Rkn72h, "2025-04-06T10:00:00Z", "портал № 77-0002", now).unwrap();
    incidents::close(v, id, now).unwrap();
}

fn write_sample_vault(root: &std::path::Path) {
    use chrono::TimeZone;
    use consent_ledger_core::agreements::{self, Language, TemplateKind};
    use consent_ledger_core::consents::{self, importer::ImportOptions, Action, Channel, Intake};
    use consent_ledger_core::{CreateOptions, Vault};
    const PASS: &str = "sample vault: a public passphrase";
    let _ = std::fs::remove_dir_all(root.join("vault"));
    let _ = std::fs::remove_dir_all(root.join("witness"));
    let dir = root.join("vault");
    let opts = CreateOptions { organisation: "ООО «Образец»".into(), operator: "Инспектор".into(), kdf: KdfParams::insecure_for_tests() };
    let mut v = Vault::create(&dir, PASS, &opts).unwrap().vault;
    v.set_witnesses(vec![root.join("witness")]);
    let mut r = v.requisites().unwrap();
    r.full_name = "Общество с ограниченной ответственностью «Образец»".into();
    r.short_name = "ООО «Образец»".into();
    r.inn = "7707083893".into();
    r.ogrn = "1027700132195".into();
    r.legal_address = "125009, г. Москва, ул. Примерная, д. 1".into();
    r.withdrawal_email = "privacy@sample.example".into();
    v.set_requisites(r).unwrap();
    let id = v.with_tx(|tx, _| agreements::create(tx, TemplateKind::Gdpr, Language::En, None, None)).unwrap();
    v.with_tx(|tx, actor| agreements::publish(tx, actor, id, &[], Language::En)).unwrap();
    let t = consents::target(v.conn(), id, None, Action::Given).unwrap();
    let people = [
        ("Анна Смирнова", "anna@work.example", "+7 916 000-00-01"),
        ("Смирнова А. С.", "anna@home.example", "+7 916 000-00-02"),
        ("Пётр Иванов", "petr@sample.example", "+7 916 000-00-03"),
        ("Мария Кузнецова", "maria@sample.example", "+7 916 000-00-04"),
    ];
    let mut subjects = Vec::new();
    for (i, (name, email, phone)) in people.iter().enumerate() {
        let intake = Intake {
            name: Some(name.to_string()),
            email: Some(email.to_string()),
            phone: Some(phone.to_string()),
            acted_at: Some(chrono::Utc.with_ymd_and_hms(2025, 3, 1 + i as u32, 10, 0, 0).unwrap()),
            ip: Some("192.0.2.10".parse().unwrap()),
            url: Some("https://sample.example/form".into()),
            ..Default::default()
        };
        let o = v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Given, Channel::WebForm, intake)).unwrap();
        subjects.push(o.subject);
    }
    v.checkpoint().unwrap();
    let csv = "Дата;ФИО;E-mail\n2025-03-14 10:00;Олег Петров;oleg@sample.example\n2025-03-15 10:00;Ольга Сидорова;olga@sample.example\n";
    let report = v
        .import("sample.csv", csv.as_bytes(), &Default::default(), &ImportOptions { agreement: Some(format!("A{id}")), keep_good_rows: false }, |_| true)
        .unwrap();
    assert!(report.committed);
    v.with_tx(|tx, actor| consents::merge(tx, actor, &subjects[0], &subjects[1])).unwrap();
    let withdrawal = Intake { email: Some("petr@sample.example".into()), acted_at: Some(chrono::Utc.with_ymd_and_hms(2025, 4, 1, 9, 0, 0).unwrap()), ..Default::default() };
    v.with_tx(|tx, actor| consents::record(tx, actor, &t, Action::Withdrawn, Channel::Email, withdrawal)).unwrap();
    v.erase_subject(&subjects[3], "sample: erasure request").unwrap();
    sample_requests(&mut v, &subjects);
    sample_incident(&mut v);
    // An auditor with their own passphrase (FORMAT.md §18), and an operator added then removed.
    use consent_ledger_core::operators::{self, Role};
    operators::add(&mut v, "Аудитор", "sample vault: the auditor's passphrase", Role::Auditor).unwrap();
    operators::add(&mut v, "Временный", "sample vault: a removed operator's passphrase", Role::Operator).unwrap();
    operators::remove(&mut v, "Временный").unwrap();
    // A processing activity made from the agreement, completed; and one retired (FORMAT.md §19).
    use consent_ledger_core::processing;
    let mut activity = processing::from_agreement(v.conn(), id).unwrap();
    activity.subject_categories = vec!["Customers".into()];
    activity.security = vec!["Full-disk encryption".into()];
    let activity = processing::record(&mut v, activity).unwrap();
    let mut more = processing::get(v.conn(), activity).unwrap().details;
    more.responsible = Some("Data protection officer, privacy@sample.example".into());
    processing::edit(&mut v, activity, more).unwrap();
    let old = processing::Activity { name: "Old newsletter".into(), purposes: vec!["News".into()], legal_bases: vec![processing::Basis::Consent], ..Default::default() };
    let old = processing::record(&mut v, old).unwrap();
    processing::retire(&mut v, old, chrono::Utc::now()).unwrap();
    // The GDPR records published from the register (§19.3), in the inspection pack below.
    processing::documents::publish(&mut v, processing::check::Document::Ropa, Language::En).unwrap();
    // The notice to Roskomnadzor for a 152-FZ activity, published, an item changed, published again with
    // its notice of changes, which is recorded as sent (§19.4).
    let site = processing::Activity {
        name: "Обращения с сайта".into(),
        law: consent_ledger_core::requests::Law::Fz152,
        purposes: vec!["Ответ на обращения".into()],
        legal_bases: vec![processing::Basis::Consent],
        subject_categories: vec!["Посетители сайта".into()],
        data_categories: vec!["Имя".into(), "Адрес электронной почты".into()],
        actions: vec!["сбор".into(), "хранение".into()],
        methods: Some(consent_ledger_core::agreements::model::Method::Automated),
        security: vec!["Шифрование".into()],
        responsible: Some("Ответственный, privacy@sample.example".into()),
        started_on: Some("2025-01-15".into()),
        storage_country: Some("Россия".into()),
        retention: Some("1 год".into()),
        ..Default::default()
    };
    let site = processing::record(&mut v, site).unwrap();
    processing::documents::publish(&mut v, processing::check::Document::Notice, Language::Ru).unwrap();
    let mut changed = processing::get(v.conn(), site).unwrap().details;
    changed.retention = Some("2 года".into());
    processing::edit(&mut v, site, changed).unwrap();
    processing::documents::publish(&mut v, processing::check::Document::Notice, Language::Ru).unwrap();
    let today = chrono::Utc::now().date_naive();
    processing::changes::sent(&mut v, "NTFCH-ru-2", today, today).unwrap();
    // An evidence pack of the person with the requests (FORMAT.md §15), kept beside the vault.
    let made = consent_ledger_core::documents::pack::person(&mut v, &subjects[2], Language::Ru, |_, _| true).unwrap();
    std::fs::write(root.join("person-pack.zip"), &made.zip).unwrap();
    // And the inspection pack of the whole register (§15.3).
    let scope = consent_ledger_core::documents::inspection::Scope::default();
    let inspection = consent_ledger_core::documents::inspection::inspection(&mut v, scope, Language::Ru, |_, _| true).unwrap();
    std::fs::write(root.join("inspection-pack.zip"), &inspection.zip).unwrap();
    let vault_id = v.vault_id().to_string();
    let verifier_key = v.info().unwrap().verifier_key;
    v.lock().unwrap();
    let ro = Vault::open_read_only(&dir, PASS).unwrap();
    let rep = ro.verify(|_, _| true).unwrap();
    assert!(rep.ok());
    let expected = serde_json::json!({
        "about": "A vault made by Consent Ledger for testing verifiers written from docs/FORMAT.md; see README.md here.",
        "passphrase": PASS,
        "vault_id": vault_id,
        "verifier_key": verifier_key,
        "events": rep.events,
        "checkpoints": rep.checkpoints,
        "root": hex::encode(rep.root),
        "witness_note": format!("witness/{}", consent_ledger_core::witness::file_name(&vault_id)),
        "pack": { "file": "person-pack.zip", "id": made.id, "events": made.events + 1 },
        "inspection_pack": { "file": "inspection-pack.zip", "id": inspection.id, "events": inspection.events + 1 },
    });
    std::fs::write(root.join("expected.json"), serde_json::to_string_pretty(&expected).unwrap() + "\n").unwrap();
}
