//! Vault lifecycle end to end through the core: create, unlock, wrong
//! secrets, passphrase change, recovery, damaged and foreign files, and that
//! nothing readable is left in the vault folder.

mod common;

use common::*;
use consent_ledger_core::keyslots::KeyFile;
use consent_ledger_core::{subjects, Error, Vault};
use serde_json::json;

fn kinds(v: &Vault) -> Vec<String> {
    let mut k: Vec<String> = v
        .log(None, 1000)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    k.reverse();
    k
}

#[test]
fn create_unlock_lock_are_events_with_the_operator_as_actor() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("v");
    let c = create(&dir);
    assert_eq!(c.recovery_code.len(), 39);
    c.vault.lock().unwrap();
    let v = Vault::unlock(&dir, PASS).unwrap();
    assert_eq!(
        kinds(&v),
        ["vault.created", "vault.locked", "checkpoint.created", "vault.unlocked"]
    );
    assert!(v
        .log(None, 10)
        .unwrap()
        .iter()
        .all(|e| e.actor == "Анна Operator"));
    assert_eq!(v.info().unwrap().organisation, ORG);
    let first = v.event(1).unwrap();
    assert!(first.body.contains(&hex::encode(v.public_key().as_bytes())));
}

#[test]
fn wrong_passphrase_or_code_changes_no_byte() {
    let d = tempfile::tempdir().unwrap();
    let c = create(d.path());
    let code = c.recovery_code.to_string();
    c.vault.lock().unwrap();
    let before = folder_bytes(d.path());
    let e = Vault::unlock(d.path(), "tulip orbit canyon ledger 43")
        .err()
        .unwrap();
    assert!(matches!(e, Error::WrongSecret));
    assert!(e.to_string().contains("nothing was changed"));
    let mut wrong = code.clone().into_bytes();
    wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
    let e = Vault::recover(
        d.path(),
        std::str::from_utf8(&wrong).unwrap(),
        "a brand new pass phrase 77",
    )
    .err()
    .unwrap();
    assert!(matches!(e, Error::WrongSecret), "{e}");
    assert!(matches!(
        Vault::recover(d.path(), "not a code", "a brand new pass phrase 77"),
        Err(Error::WrongSecret)
    ));
    assert_eq!(folder_bytes(d.path()), before);
}

#[test]
fn change_passphrase_and_recover() {
    let d = tempfile::tempdir().unwrap();
    let c = create(d.path());
    let code = c.recovery_code.to_string();
    let mut v = c.vault;
    let new = "velvet harbour quietly 1911";
    assert_eq!(
        v.change_passphrase("wrong one entirely", new)
            .unwrap_err()
            .code(),
        "wrong_secret"
    );
    assert_eq!(
        v.change_passphrase(PASS, "password1").unwrap_err().code(),
        "weak_passphrase"
    );
    v.change_passphrase(PASS, new).unwrap();
    v.lock().unwrap();
    assert!(matches!(
        Vault::unlock(d.path(), PASS),
        Err(Error::WrongSecret)
    ));
    let v = Vault::unlock(d.path(), new).unwrap();
    assert!(kinds(&v).contains(&"passphrase.changed".to_string()));
    v.lock().unwrap();

    // Forgot it: the recovery code (typed loosely) sets a new one.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(
        Vault::recover(d.path(), &typed, "weak")
            .err()
            .unwrap()
            .code(),
        "weak_passphrase"
    );
    let v = Vault::recover(d.path(), &typed, "copper lantern uphill 2048").unwrap();
    let k = kinds(&v);
    assert_eq!(&k[k.len() - 2..], ["vault.recovered", "vault.unlocked"]);
    v.lock().unwrap();
    assert!(Vault::unlock(d.path(), new).is_err());
    Vault::unlock(d.path(), "copper lantern uphill 2048")
        .unwrap()
        .lock()
        .unwrap();
    assert!(Vault::verify_ok(d.path()));
}

trait VerifyOk {
    fn verify_ok(dir: &std::path::Path) -> bool;
}
impl VerifyOk for Vault {
    fn verify_ok(dir: &std::path::Path) -> bool {
        let pass = ["copper lantern uphill 2048", PASS];
        let v = pass
            .iter()
            .find_map(|p| Vault::unlock(dir, p).ok())
            .unwrap();
        v.verify(|_, _| true).unwrap().ok()
    }
}

#[test]
fn weak_passphrase_or_bad_names_create_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().join("new");
    let e = Vault::create(&dir, "12345678", &options()).err().unwrap();
    assert_eq!(e.code(), "weak_passphrase");
    assert!(!dir.exists());
    let mut o = options();
    o.organisation = "  ".into();
    assert_eq!(
        Vault::create(&dir, PASS, &o).err().unwrap().code(),
        "invalid"
    );
    o.organisation = "x".repeat(301);
    assert_eq!(
        Vault::create(&dir, PASS, &o).err().unwrap().code(),
        "invalid"
    );
    assert!(!dir.exists());
}

#[test]
fn create_refuses_a_folder_in_use() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("notes.txt"), "mine").unwrap();
    let e = Vault::create(d.path(), PASS, &options()).err().unwrap();
    assert_eq!(e.code(), "already_exists");
    assert_eq!(
        std::fs::read_to_string(d.path().join("notes.txt")).unwrap(),
        "mine"
    );
    let c = create(&d.path().join("v"));
    c.vault.lock().unwrap();
    assert_eq!(
        Vault::create(&d.path().join("v"), PASS, &options())
            .err()
            .unwrap()
            .code(),
        "already_exists"
    );
}

#[test]
fn no_plaintext_in_the_vault_folder() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    let email = "ivan.petrov.unique@example.ru";
    let name = "Иван Петрович Сидоров-Уникальный";
    v.with_tx(|tx, actor| {
        let s = subjects::create(tx)?;
        subjects::record(
            tx,
            actor,
            &s,
            "subject.recorded",
            &json!({ "email": email, "name": name }),
            Default::default(),
        )
    })
    .unwrap();
    // Look while the vault is open (WAL present) and after it is locked.
    for round in 0..2 {
        for (file, bytes) in folder_bytes(d.path()) {
            for needle in [ORG, email, name, "Ромашка", "Анна Operator", "ivan.petrov"] {
                assert!(
                    !contains(&bytes, needle.as_bytes()),
                    "{needle:?} in plaintext in {file} (round {round})"
                );
            }
            assert!(
                !contains(&bytes, b"SQLite format 3"),
                "{file} is not encrypted"
            );
        }
        if round == 0 {
            v.lock().unwrap();
            v = Vault::unlock(d.path(), PASS).unwrap();
        }
    }
}

#[test]
fn damaged_database_is_named_and_nothing_panics() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(&d.path().join("good")).vault;
    let evs: Vec<_> = (0..3000)
        .map(|i| {
            consent_ledger_core::NewEvent::new(
                "test.filler",
                json!({ "i": i, "pad": "x".repeat(100) }),
            )
        })
        .collect();
    v.record(&evs).unwrap();
    v.lock().unwrap();
    let good = d.path().join("good");
    let db_len = std::fs::metadata(good.join("vault.db")).unwrap().len() as usize;
    assert!(db_len > 100_000);

    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Damage)> = vec![
        (
            "truncated to half",
            Box::new(|b: &mut Vec<u8>| b.truncate(b.len() / 2)),
        ),
        (
            "truncated to 100 bytes",
            Box::new(|b: &mut Vec<u8>| b.truncate(100)),
        ),
        (
            "first page flipped",
            Box::new(|b: &mut Vec<u8>| b[200] ^= 0xff),
        ),
        (
            "a middle page flipped",
            Box::new(|b: &mut Vec<u8>| {
                let m = b.len() / 2;
                b[m] ^= 0xff
            }),
        ),
        (
            "zeroed",
            Box::new(|b: &mut Vec<u8>| b.iter_mut().for_each(|x| *x = 0)),
        ),
        (
            "replaced by text",
            Box::new(|b: &mut Vec<u8>| *b = b"hello, I am not a database".to_vec()),
        ),
    ];
    for (i, (what, damage)) in cases.iter().enumerate() {
        let dir = d.path().join(format!("bad{i}"));
        copy_vault(&good, &dir);
        let mut bytes = std::fs::read(dir.join("vault.db")).unwrap();
        damage(&mut bytes);
        std::fs::write(dir.join("vault.db"), &bytes).unwrap();
        let err = match Vault::unlock(&dir, PASS) {
            Err(e) => e,
            // Some damage only shows when the damaged page is read: verify reads them all.
            Ok(v) => match v.verify(|_, _| true) {
                Err(e) => e,
                Ok(r) => panic!("{what}: damage not detected: {r:?}"),
            },
        };
        assert_eq!(err.code(), "corrupt", "{what}: {err}");
        assert!(err.to_string().contains("vault.db"), "{what}: {err}");
    }

    // A damaged key-slot file and a key file from another vault.
    let dir = d.path().join("badkeys");
    copy_vault(&good, &dir);
    let k = std::fs::read(dir.join("keys.json")).unwrap();
    std::fs::write(dir.join("keys.json"), &k[..k.len() / 3]).unwrap();
    let e = Vault::unlock(&dir, PASS).err().unwrap();
    assert_eq!(e.code(), "corrupt");
    assert!(e.to_string().contains("keys.json"), "{e}");
    // A key file asking for 4 GiB of memory, a billion passes or 17 lanes is refused
    // before any derivation runs (it would take the machine's memory or hours).
    let original = std::fs::read_to_string(good.join("keys.json")).unwrap();
    for (field, huge) in [("m_kib", 4 * 1024 * 1024u64), ("t", 1_000_000_000), ("p", 17)] {
        let mut kf: serde_json::Value = serde_json::from_str(&original).unwrap();
        // (The tests' slots use little memory; 17 lanes need 136 KiB at least.)
        kf["slots"][0]["kdf"]["m_kib"] = 131_072.into();
        kf["slots"][0]["kdf"][field] = huge.into();
        std::fs::write(dir.join("keys.json"), kf.to_string()).unwrap();
        // Refused when the file is read, before any slot is tried.
        let e = Vault::unlock(&dir, PASS).err().unwrap();
        assert_eq!(e.code(), "corrupt", "{field}: {e}");
        assert!(e.to_string().contains("Argon2 parameters beyond"), "{field}: {e}");
    }
    std::fs::write(dir.join("keys.json"), &original).unwrap();
    let other = d.path().join("other");
    create(&other).vault.lock().unwrap();
    std::fs::copy(other.join("keys.json"), dir.join("keys.json")).unwrap();
    let e = Vault::unlock(&dir, PASS).err().unwrap();
    assert_eq!(e.code(), "corrupt", "{e}");

    let e = Vault::unlock(&d.path().join("nowhere"), PASS)
        .err()
        .unwrap();
    assert_eq!(e.code(), "not_a_vault");
}

#[test]
fn database_from_a_newer_version_is_refused_untouched() {
    let d = tempfile::tempdir().unwrap();
    create(d.path()).vault.lock().unwrap();
    raw_conn(d.path())
        .execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA wal_checkpoint(TRUNCATE);",
            consent_ledger_core::db::schema_version() + 1
        ))
        .unwrap();
    let before = folder_bytes(d.path());
    let e = Vault::unlock(d.path(), PASS).err().unwrap();
    assert_eq!(e.code(), "too_new");
    assert!(
        e.to_string().contains("vault.db") && e.to_string().contains("newer version"),
        "{e}"
    );
    assert_eq!(folder_bytes(d.path()), before);
}

#[test]
fn key_file_is_rewritten_atomically_and_stays_private() {
    let d = tempfile::tempdir().unwrap();
    let mut v = create(d.path()).vault;
    v.change_passphrase(PASS, "velvet harbour quietly 1911")
        .unwrap();
    let names: Vec<String> = folder_bytes(d.path())
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n.contains("keys"))
        .collect();
    assert_eq!(names, ["keys.json"]);
    let kf = KeyFile::load(d.path()).unwrap();
    assert_eq!(kf.slots.len(), 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["keys.json", "vault.db"] {
            let mode = std::fs::metadata(d.path().join(f))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
    }
}
