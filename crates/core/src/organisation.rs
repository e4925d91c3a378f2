//! The organisation's requisites (full and short name, INN, OGRN, legal
//! address, data-protection contact, e-mail for withdrawals), with the
//! checksum validation of INN and OGRN/OGRNIP. Agreements are filled in
//! from these and keep a snapshot of them.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ledger::{self, NewEvent};

/// Longest value of any one field, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

/// The fields' keys in the stored JSON, in the order of [`Requisites`]; an
/// `organisation.requisites_changed` event lists the keys of those changed.
pub const FIELD_KEYS: [&str; 7] =
    ["full_name", "short_name", "inn", "ogrn", "legal_address", "dpo", "withdrawal_email"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Requisites {
    pub full_name: String,
    pub short_name: String,
    /// 10 digits (legal entity) or 12 (individual entrepreneur); may be empty.
    pub inn: String,
    /// 13 digits (OGRN) or 15 (OGRNIP); may be empty.
    pub ogrn: String,
    pub legal_address: String,
    /// The DPO or contact person for personal-data questions.
    pub dpo: String,
    /// Where subjects send withdrawals and deletion requests.
    pub withdrawal_email: String,
}

fn digits(s: &str, what: &str, lens: &[usize]) -> Result<Vec<u32>> {
    let d: Option<Vec<u32>> = s.chars().map(|c| c.to_digit(10)).collect();
    match d {
        Some(d) if lens.contains(&d.len()) => Ok(d),
        _ => Err(Error::Invalid(format!(
            "{what} {s:?} must be {} digits",
            lens.iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ))),
    }
}

/// Checks an INN: length and the Federal Tax Service check digits.
pub fn validate_inn(inn: &str) -> Result<()> {
    let d = digits(inn, "INN", &[10, 12])?;
    let check = |w: &[u32]| w.iter().zip(&d).map(|(a, b)| a * b).sum::<u32>() % 11 % 10;
    let ok = match d.len() {
        10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[9],
        _ => {
            check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[10]
                && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) == d[11]
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "INN {inn} has a wrong check digit: check it for a typo"
        )))
    }
}

/// Checks an OGRN (13 digits, mod 11) or OGRNIP (15 digits, mod 13).
pub fn validate_ogrn(ogrn: &str) -> Result<()> {
    let d = digits(ogrn, "OGRN", &[13, 15])?;
    let body: u64 = ogrn[..ogrn.len() - 1].parse().expect("digits");
    let modulus = if d.len() == 13 { 11 } else { 13 };
    if (body % modulus % 10) as u32 == d[d.len() - 1] {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "OGRN {ogrn} has a wrong check digit: check it for a typo"
        )))
    }
}

fn validate_email(e: &str) -> Result<()> {
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!("{e:?} is not an e-mail address")))
    }
}

impl Requisites {
    /// Trims every field, then checks lengths, INN, OGRN and the e-mail.
    /// Empty fields are allowed here: the agreement check says which ones a text needs.
    pub fn normalized(mut self) -> Result<Self> {
        for (name, v) in self.fields_mut() {
            *v = v.trim().to_string();
            if v.chars().count() > MAX_FIELD_CHARS {
                return Err(Error::Invalid(format!(
                    "{name} is longer than {MAX_FIELD_CHARS} characters"
                )));
            }
            if v.chars().any(|c| c.is_control()) {
                return Err(Error::Invalid(format!(
                    "{name} contains control characters"
                )));
            }
        }
        if !self.inn.is_empty() {
            validate_inn(&self.inn)?;
        }
        if !self.ogrn.is_empty() {
            validate_ogrn(&self.ogrn)?;
        }
        if !self.withdrawal_email.is_empty() {
            validate_email(&self.withdrawal_email)?;
        }
        if self.full_name.is_empty() && self.short_name.is_empty() {
            return Err(Error::Invalid(
                "the organisation needs a full or a short name".into(),
            ));
        }
        Ok(self)
    }

    /// Each field with its label (for messages).
    fn fields_mut(&mut self) -> [(&'static str, &mut String); 7] {
        [
            ("full name", &mut self.full_name),
            ("short name", &mut self.short_name),
            ("INN", &mut self.inn),
            ("OGRN", &mut self.ogrn),
            ("legal address", &mut self.legal_address),
            ("DPO or contact person", &mut self.dpo),
            ("e-mail for withdrawals", &mut self.withdrawal_email),
        ]
    }

    /// The name to show: the short name, or the full one when there is none.
    pub fn display_name(&self) -> &str {
        if self.short_name.is_empty() {
            &self.full_name
        } else {
            &self.short_name
        }
    }
}

/// The stored requisites; before any were saved, the vault's organisation name as both names.
pub fn get(conn: &Connection) -> Result<Requisites> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT requisites FROM organisation WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match stored {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| Error::Invalid(format!("stored requisites: {e}"))),
        None => {
            let name: String =
                conn.query_row("SELECT organisation FROM vault_meta", [], |r| r.get(0))?;
            Ok(Requisites {
                full_name: name.clone(),
                short_name: name,
                ..Default::default()
            })
        }
    }
}

/// Saves new requisites and records `organisation.requisites_changed` with
/// the names of the fields that changed and the SHA-256 of the new set.
/// Saving identical requisites records nothing. Returns the event's seq.
pub fn set(tx: &Transaction, actor: &str, new: Requisites) -> Result<Option<u64>> {
    crate::operators::require(tx, crate::operators::Need::Owner, "changing the requisites")?;
    let new = new.normalized()?;
    let old = get(tx)?;
    let mut changed = Vec::new();
    let (mut o, mut n) = (old.clone(), new.clone());
    // The event names the fields by their keys in the stored JSON (before
    // format 1 schema 7's verify, events named them by their labels).
    for (key, ((_, a), (_, b))) in FIELD_KEYS.iter().zip(o.fields_mut().into_iter().zip(n.fields_mut())) {
        if a != b {
            changed.push(*key);
        }
    }
    let stored: bool = tx.query_row("SELECT count(*) FROM organisation", [], |r| {
        r.get::<_, i64>(0)
    })? > 0;
    if changed.is_empty() && stored {
        return Ok(None);
    }
    let canonical = ledger::canonical_json(&serde_json::to_value(&new).expect("serialisable"))?;
    let now = ledger::now_utc();
    tx.execute(
        "INSERT INTO organisation (id, requisites, updated_at) VALUES (1, ?1, ?2)
         ON CONFLICT(id) DO UPDATE SET requisites = excluded.requisites, updated_at = excluded.updated_at",
        params![canonical, now],
    )?;
    tx.execute(
        "UPDATE vault_meta SET organisation = ?1",
        [new.display_name()],
    )?;
    // The values stay out of the ledger (a DPO's name is personal data); their hash goes in.
    let digest = hex::encode(Sha256::digest(canonical.as_bytes()));
    let ev = NewEvent::new(
        "organisation.requisites_changed",
        json!({ "changed": changed, "sha256": digest }),
    );
    Ok(Some(ledger::append(tx, actor, &[ev])?[0]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inn_check_digits() {
        for ok in ["7707083893", "500100732259"] {
            validate_inn(ok).unwrap();
        }
        for bad in [
            "7707083894",
            "500100732258",
            "500100732249",
            "123",
            "77070838931",
            "77070838a3",
            "",
        ] {
            assert_eq!(validate_inn(bad).unwrap_err().code(), "invalid", "{bad}");
        }
    }

    #[test]
    fn ogrn_check_digits() {
        for ok in ["1027700132195", "304500116000157"] {
            validate_ogrn(ok).unwrap();
        }
        for bad in [
            "1027700132196",
            "304500116000158",
            "102770013219",
            "10277001321950",
        ] {
            assert!(validate_ogrn(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn normalisation_trims_and_refuses_bad_values() {
        let r = Requisites {
            full_name: "  ООО «Ромашка»  ".into(),
            inn: " 7707083893 ".into(),
            ..Default::default()
        }
        .normalized()
        .unwrap();
        assert_eq!(
            (r.full_name.as_str(), r.inn.as_str()),
            ("ООО «Ромашка»", "7707083893")
        );
        assert_eq!(r.display_name(), "ООО «Ромашка»");
        let bad = |f: fn(&mut Requisites)| {
            let mut r = Requisites {
                full_name: "X".into(),
                ..Default::default()
            };
            f(&mut r);
            r.normalized().unwrap_err().code()
        };
        assert_eq!(
            bad(|r| r.withdrawal_email = "not an email".into()),
            "invalid"
        );
        assert_eq!(bad(|r| r.withdrawal_email = "a@b".into()), "invalid");
        assert_eq!(bad(|r| r.full_name = "x".repeat(501)), "invalid");
        assert_eq!(
            bad(|r| r.legal_address = "line\u{0}break".into()),
            "invalid"
        );
        assert_eq!(bad(|r| r.full_name = " ".into()), "invalid");
        assert_eq!(bad(|r| r.ogrn = "1027700132196".into()), "invalid");
    }

    #[test]
    fn set_records_what_changed_without_the_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open(&dir.path().join("o.db"), None, true).unwrap();
        crate::operators::install(&conn, crate::operators::Role::Owner).unwrap();
        conn.execute(
            "INSERT INTO vault_meta VALUES (1, 'v', 'Old name', 't')",
            [],
        )
        .unwrap();
        assert_eq!(get(&conn).unwrap().full_name, "Old name");
        let r = Requisites {
            full_name: "Общество с ограниченной ответственностью «Ромашка»".into(),
            short_name: "ООО «Ромашка»".into(),
            inn: "7707083893".into(),
            dpo: "Анна Иванова".into(),
            withdrawal_email: "privacy@romashka.example".into(),
            ..Default::default()
        };
        let tx = conn.transaction().unwrap();
        let seq = set(&tx, "op", r.clone()).unwrap().unwrap();
        assert_eq!(
            set(&tx, "op", r.clone()).unwrap(),
            None,
            "no change, no event"
        );
        tx.commit().unwrap();
        assert_eq!(get(&conn).unwrap(), r);
        let name: String = conn
            .query_row("SELECT organisation FROM vault_meta", [], |x| x.get(0))
            .unwrap();
        assert_eq!(name, "ООО «Ромашка»");
        let e = ledger::get(&conn, seq).unwrap();
        assert_eq!(e.kind, "organisation.requisites_changed");
        assert!(!e.body.contains("Анна") && !e.body.contains("7707083893"), "{}", e.body);
        // The changed fields by their keys in the stored JSON, in that order.
        let body: serde_json::Value = serde_json::from_str(&e.body).unwrap();
        assert_eq!(
            body["changed"],
            serde_json::json!(["full_name", "short_name", "inn", "dpo", "withdrawal_email"])
        );
    }
}
