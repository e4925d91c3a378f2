//! Operators and their roles: each operator has a passphrase slot in
//! `keys.json` and a row in `operators` with a name (the `actor` of the
//! events they record) and a role — **owner** (everything; manages
//! operators and settings), **operator** (records consents, imports,
//! handles requests and incidents) or **auditor** (reads and exports
//! evidence; changes nothing). The core enforces the role: the open
//! connection carries it (`cl_role()`), and every change asks [`require`]
//! first, so the CLI and the app refuse the same things with the same code
//! (`forbidden`).
//!
//! What a role cannot stop: whoever holds the master key (any operator can
//! read it from memory, and a copy of the vault with an old `keys.json` still
//! opens with a removed operator's passphrase) can change the database
//! without this program. The ledger, its signed checkpoints and the witness
//! notes kept outside the vault are what show such changes.

use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, Result};
use crate::keyslots::{KeyFile, SlotKind};
use crate::ledger::{self, NewEvent};
use crate::vault::Vault;

text_enum!(
    /// What an operator may do.
    #[cfg_attr(feature = "ts", ts(rename = "OperatorRole"))]
    Role, "role", [Owner = "owner", Operator = "operator", Auditor = "auditor"]);

/// What a step needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Reading, exporting evidence, locking, sealing: every role.
    Read,
    /// Recording (consents, imports, requests, incidents, letters): owners and operators.
    Record,
    /// Settings, agreements, requisites, operators: owners only.
    Owner,
}

impl Role {
    pub fn allows(self, need: Need) -> bool {
        match need {
            Need::Read => true,
            Need::Record => self != Role::Auditor,
            Need::Owner => self == Role::Owner,
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Role::Owner => "an owner may do everything",
            Role::Operator => "an operator records consents, imports and handles requests and incidents; settings, agreements, requisites and operators are an owner's",
            Role::Auditor => "an auditor reads and exports evidence and changes nothing",
        }
    }
}

const ROLE_FN: &str = "cl_role";

/// Makes `role` the role of everything done on `conn` (a SQL function only
/// this connection has).
pub(crate) fn install(conn: &Connection, role: Role) -> Result<()> {
    let name = role.as_str();
    conn.create_scalar_function(ROLE_FN, 0, FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC, move |_| {
        Ok(name.to_string())
    })?;
    Ok(())
}

/// The role the connection was opened with, if any.
pub fn role_of(conn: &Connection) -> Option<Role> {
    let r: Option<String> = conn.query_row(&format!("SELECT {ROLE_FN}()"), [], |r| r.get(0)).ok();
    r.and_then(|r| Role::parse(&r).ok())
}

/// Refuses (`forbidden`) unless the connection's operator may do `what`,
/// which needs `need`.
pub fn require(conn: &Connection, need: Need, what: &str) -> Result<()> {
    match role_of(conn) {
        Some(r) if r.allows(need) => Ok(()),
        Some(r) => Err(Error::Forbidden(format!(
            "{what} is not allowed to a vault's {}: {}; nothing was changed",
            r.as_str(),
            r.explain()
        ))),
        None => Err(Error::Forbidden(format!("{what}: no operator is signed in; nothing was changed"))),
    }
}

/// One operator of the vault.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// The passphrase slot's id in keys.json.
    pub slot: String,
    pub name: String,
    pub role: Role,
    /// The `operator.added` event; null for the vault's creator.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub added_seq: Option<u64>,
}

/// Every operator, the vault's creator first.
pub fn list(conn: &Connection) -> Result<Vec<Operator>> {
    let rows = conn
        .prepare_cached("SELECT slot_id, name, role, added_seq FROM operators ORDER BY coalesce(added_seq, 0), rowid")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<i64>>(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(slot, name, role, added)| Ok(Operator { slot, name, role: Role::parse(&role)?, added_seq: added.map(|s| s as u64) }))
        .collect()
}

/// The operator of `slot`.
pub fn get(conn: &Connection, slot: &str) -> Result<Operator> {
    list(conn)?
        .into_iter()
        .find(|o| o.slot == slot)
        .ok_or_else(|| Error::NotFound(format!("no operator with key slot {slot}")))
}

/// The operator named `who` (a slot id or a name, case-insensitive).
pub fn find(conn: &Connection, who: &str) -> Result<Operator> {
    let w = who.trim();
    list(conn)?
        .into_iter()
        .find(|o| o.slot == w || o.name.to_lowercase() == w.to_lowercase())
        .ok_or_else(|| Error::NotFound(format!("no operator {w:?}: see `operator list`")))
}

fn owners(conn: &Connection) -> Result<usize> {
    Ok(list(conn)?.iter().filter(|o| o.role == Role::Owner).count())
}

/// Adds an operator with their own passphrase; returns their slot. Owners only.
/// The passphrase must be strong and open no other slot.
pub fn add(vault: &mut Vault, name: &str, passphrase: &str, role: Role) -> Result<String> {
    require(vault.conn(), Need::Owner, "adding an operator")?;
    crate::vault::check_name("operator name", name)?;
    let name = name.trim().to_string();
    if list(vault.conn())?.iter().any(|o| o.name.to_lowercase() == name.to_lowercase()) {
        return Err(Error::Invalid(format!("there is an operator named {name:?} already: names tell who did what in the ledger")));
    }
    let pass = crate::crypto::passphrase_bytes(passphrase);
    let org = vault.info()?.organisation;
    crate::passphrase::require_strong(pass.as_str(), &[&org, &name])?;
    let dir = vault.dir().to_path_buf();
    let mut keys = KeyFile::load(&dir)?;
    if keys.unlock(SlotKind::Passphrase, pass.as_bytes()).is_ok() {
        return Err(Error::Invalid("this passphrase already opens the vault for another operator: choose another".into()));
    }
    let params = keys
        .slots
        .iter()
        .find(|s| s.id == vault.slot_id())
        .map(|s| s.kdf.params)
        .ok_or_else(|| Error::NotFound("this operator's key slot".into()))?;
    let slot = keys.add_slot(SlotKind::Passphrase, pass.as_bytes(), vault.master_key(), params)?;
    vault.with_tx_as(Need::Owner, |tx, actor| {
        let seq = ledger::append(tx, actor, &[NewEvent::new("operator.added", json!({ "slot": slot, "name": name, "role": role.as_str() }))])?[0];
        tx.execute(
            "INSERT INTO operators (slot_id, name, role, added_seq) VALUES (?1, ?2, ?3, ?4)",
            params![slot, name, role.as_str(), seq as i64],
        )?;
        // Last: if writing keys.json fails, the transaction rolls back.
        keys.save(&dir)
    })?;
    Ok(slot)
}

/// Changes an operator's role. Owners only; the last owner stays an owner.
pub fn set_role(vault: &mut Vault, who: &str, role: Role) -> Result<Option<u64>> {
    require(vault.conn(), Need::Owner, "changing an operator's role")?;
    vault.with_tx_as(Need::Owner, |tx, actor| {
        let o = find(tx, who)?;
        if o.role == role {
            return Ok(None);
        }
        if o.role == Role::Owner && owners(tx)? <= 1 {
            return Err(Error::Invalid(format!("{} is the vault's only owner: make another operator an owner first", o.name)));
        }
        let seq = ledger::append(tx, actor, &[NewEvent::new("operator.role_changed", json!({ "slot": o.slot, "role": role.as_str() }))])?[0];
        tx.execute("UPDATE operators SET role = ?2 WHERE slot_id = ?1", params![o.slot, role.as_str()])?;
        Ok(Some(seq))
    })
}

/// Removes an operator and destroys their key slot. Owners only; not the
/// last owner, and not oneself.
pub fn remove(vault: &mut Vault, who: &str) -> Result<u64> {
    require(vault.conn(), Need::Owner, "removing an operator")?;
    let o = find(vault.conn(), who)?;
    if o.slot == vault.slot_id() {
        return Err(Error::Invalid("you cannot remove yourself: another owner can".into()));
    }
    if o.role == Role::Owner && owners(vault.conn())? <= 1 {
        return Err(Error::Invalid(format!("{} is the vault's only owner", o.name)));
    }
    let dir = vault.dir().to_path_buf();
    let mut keys = KeyFile::load(&dir)?;
    keys.slots.retain(|s| s.id != o.slot);
    vault.with_tx_as(Need::Owner, |tx, actor| {
        let seq = ledger::append(tx, actor, &[NewEvent::new("operator.removed", json!({ "slot": o.slot }))])?[0];
        tx.execute("DELETE FROM operators WHERE slot_id = ?1", [&o.slot])?;
        keys.save(&dir)?;
        Ok(seq)
    })
}

/// The slot the recovery code gives a new passphrase: the first owner's.
pub(crate) fn recovery_slot(conn: &Connection) -> Result<String> {
    conn.query_row(
        "SELECT slot_id FROM operators WHERE role = 'owner' ORDER BY coalesce(added_seq, 0), rowid LIMIT 1",
        [],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("the vault has no owner".into()))
}

/// The role stored for `slot` (when the vault is opened).
pub(crate) fn stored(conn: &Connection, slot: &str) -> Result<(String, Role)> {
    let (name, role): (String, String) =
        conn.query_row("SELECT name, role FROM operators WHERE slot_id = ?1", [slot], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((name, Role::parse(&role)?))
}

/// Verify's check: the operators the events made (the creator from
/// `vault.created`, then `operator.*`) against the `operators` table.
#[derive(Default)]
pub(crate) struct Replay {
    /// slot → (name, role, the last event about it).
    expected: std::collections::BTreeMap<String, (String, String, u64)>,
    misfit: Option<(u64, String)>,
}

impl Replay {
    pub(crate) fn wants(kind: &str) -> bool {
        kind == "vault.created" || kind.starts_with("operator.")
    }

    pub(crate) fn event(&mut self, seq: u64, kind: &str, actor: &str, body: &str) {
        let b: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let text = |k: &str| b[k].as_str().unwrap_or_default().to_string();
        match kind {
            "vault.created" => {
                if let Some(slot) = b["key_slots"].as_array().and_then(|s| s.first()).and_then(|s| s["id"].as_str()) {
                    self.expected.insert(slot.to_string(), (actor.to_string(), "owner".into(), seq));
                }
            }
            "operator.added" => {
                let slot = text("slot");
                if self.expected.contains_key(&slot) && self.misfit.is_none() {
                    self.misfit = Some((seq, format!("event #{seq} adds an operator whose slot exists already")));
                }
                self.expected.insert(slot, (text("name"), text("role"), seq));
            }
            "operator.role_changed" | "operator.removed" => {
                let slot = text("slot");
                match self.expected.get_mut(&slot) {
                    None => {
                        if self.misfit.is_none() {
                            self.misfit = Some((seq, format!("event #{seq} names an operator no event added")));
                        }
                    }
                    Some(o) if kind == "operator.role_changed" => {
                        o.1 = text("role");
                        o.2 = seq;
                    }
                    Some(_) => {
                        self.expected.remove(&slot);
                    }
                }
            }
            _ => {}
        }
    }

    pub(crate) fn check(self, conn: &Connection) -> Result<Vec<(Option<u64>, String)>> {
        let mut out = vec![];
        if let Some((seq, why)) = self.misfit {
            out.push((Some(seq), why));
        }
        let mut rows: std::collections::BTreeMap<String, (String, String)> = conn
            .prepare("SELECT CAST(slot_id AS TEXT), CAST(name AS TEXT), CAST(role AS TEXT) FROM operators")?
            .query_map([], |r| Ok((r.get::<_, Option<String>>(0)?.unwrap_or_default(), (r.get::<_, Option<String>>(1)?.unwrap_or_default(), r.get::<_, Option<String>>(2)?.unwrap_or_default()))))?
            .collect::<rusqlite::Result<_>>()?;
        for (slot, (name, role, seq)) in &self.expected {
            if rows.remove(slot).as_ref() != Some(&(name.clone(), role.clone())) {
                out.push((Some(*seq), format!("the operator of key slot {slot} is not what event #{seq} made")));
            }
        }
        for slot in rows.keys() {
            out.push((None, format!("the operator of key slot {slot} was never added through the ledger")));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_allow_what_they_say() {
        assert!(Role::Owner.allows(Need::Owner) && Role::Owner.allows(Need::Record));
        assert!(Role::Operator.allows(Need::Record) && !Role::Operator.allows(Need::Owner));
        assert!(Role::Auditor.allows(Need::Read) && !Role::Auditor.allows(Need::Record));
    }

    #[test]
    fn a_connection_without_a_role_is_refused() {
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(require(&conn, Need::Read, "reading").unwrap_err().code(), "forbidden");
        install(&conn, Role::Operator).unwrap();
        require(&conn, Need::Record, "recording").unwrap();
        let e = require(&conn, Need::Owner, "publishing an agreement").unwrap_err();
        assert_eq!(e.code(), "forbidden");
        assert!(e.to_string().starts_with("publishing an agreement is not allowed to a vault's operator"), "{e}");
    }
}
