//! The vault: a folder with `vault.db` (SQLCipher, raw 256-bit key) and
//! `keys.json` (key slots). Creating, unlocking, locking, changing the
//! passphrase and recovering are all recorded in the ledger.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rusqlite::{params, Connection, Transaction};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

use crate::checkpoint::{self, Checkpoint};
use crate::crypto::{self, KdfParams, MasterKey};
use crate::db::{self, DB_FILE};
use crate::error::{Error, Result};
use crate::keyslots::{KeyFile, SlotKind};
use crate::ledger::{self, Event, NewEvent};
use crate::merkle::Hash;
use crate::operators::{self, Need, Role};
use crate::passphrase;
use crate::verify::{self, Report};

/// What `Vault::create` needs.
#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub organisation: String,
    /// The operator this passphrase belongs to; recorded as the actor of events.
    pub operator: String,
    pub kdf: KdfParams,
}

impl CreateOptions {
    /// Key derivation calibrated to about half a second on this machine.
    pub fn new(organisation: &str) -> Self {
        CreateOptions {
            organisation: organisation.to_string(),
            operator: "owner".to_string(),
            kdf: KdfParams::calibrated(Duration::from_millis(500)),
        }
    }
}

pub const MAX_NAME_CHARS: usize = 300;

/// An open vault. Dropping it closes the database; [`Vault::lock`] also records it.
pub struct Vault {
    dir: PathBuf,
    conn: Connection,
    vault_id: String,
    signing: SigningKey,
    actor: String,
    slot_id: String,
    /// What this operator may do (also installed on `conn`, where the core checks it).
    role: Role,
    /// [`Vault::expiry_due_count`]'s last answer: (ledger size, hour, count).
    due_count: Option<(u64, i64, u64)>,
    /// Opened by [`Vault::open_read_only`]: nothing is ever written.
    read_only: bool,
    /// Folders outside the vault that keep its latest checkpoint note.
    witnesses: Vec<PathBuf>,
    /// The database's key (zeroized on drop): a backup's copy is encrypted with it.
    master: MasterKey,
}

/// A locked vault whose backup is still to be copied ([`Vault::lock_for_backup`]).
pub struct Backing {
    vault: Vault,
    out: PathBuf,
    note: String,
}

impl Backing {
    /// Copies the vault into the backup file and checks it ([`crate::backup`]);
    /// the database is closed (keys zeroized) afterwards.
    pub fn copy(self, progress: impl FnMut(u64, u64) -> bool) -> Result<crate::backup::Made> {
        let made = crate::backup::copy(&self.vault, &self.out, &self.note, progress);
        let _ = self.vault.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        made
    }
}

/// What sealing the log wrote: the new checkpoint, and what happened in each
/// witness folder.
#[derive(Debug, Clone, Serialize)]
pub struct Sealed {
    pub checkpoint: Checkpoint,
    pub witnesses: Vec<crate::witness::Written>,
}

impl Sealed {
    /// A witness folder holds a note this log no longer contains.
    pub fn conflict(&self) -> bool {
        self.witnesses.iter().any(|w| w.conflict)
    }
}

/// A new vault and its recovery code, which is shown once and never stored.
pub struct Created {
    pub vault: Vault,
    pub recovery_code: Zeroizing<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub vault_id: String,
    pub organisation: String,
    pub created_at: String,
    pub events: u64,
    pub checkpoints: u64,
    pub verifier_key: String,
}

pub(crate) fn check_name(what: &str, v: &str) -> Result<()> {
    let t = v.trim();
    if t.is_empty() {
        return Err(Error::Invalid(format!("the {what} must not be empty")));
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(Error::Invalid(format!(
            "the {what} is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    if t.chars().any(|c| c.is_control()) {
        return Err(Error::Invalid(format!(
            "the {what} contains control characters"
        )));
    }
    Ok(())
}

impl Vault {
    /// Creates a vault in `dir` (absent or empty). On any error nothing is left behind.
    pub fn create(dir: &Path, passphrase: &str, opts: &CreateOptions) -> Result<Created> {
        let passphrase = crypto::passphrase_bytes(passphrase);
        let passphrase = passphrase.as_str();
        check_name("organisation name", &opts.organisation)?;
        check_name("operator name", &opts.operator)?;
        passphrase::require_strong(passphrase, &[&opts.organisation, &opts.operator])?;
        let existed = dir.exists();
        if existed {
            let mut entries = std::fs::read_dir(dir)
                .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
            if entries.next().is_some() {
                return Err(Error::AlreadyExists {
                    path: dir.to_path_buf(),
                });
            }
        } else {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
            }
        }
        let result = Self::create_inner(dir, passphrase, opts);
        if result.is_err() {
            // Leave the folder as we found it.
            let _ = std::fs::remove_file(dir.join(DB_FILE));
            let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}-wal")));
            let _ = std::fs::remove_file(dir.join(format!("{DB_FILE}-shm")));
            let _ = std::fs::remove_file(KeyFile::path(dir));
            if !existed {
                let _ = std::fs::remove_dir(dir);
            }
        }
        result
    }

    fn create_inner(dir: &Path, passphrase: &str, opts: &CreateOptions) -> Result<Created> {
        let vault_id = hex::encode(crypto::random_bytes::<16>());
        let master = MasterKey::generate();
        let recovery_code = crypto::new_recovery_code();
        let mut keys = KeyFile::new(vault_id.clone());
        let slot_id = keys.add_slot(
            SlotKind::Passphrase,
            passphrase.as_bytes(),
            &master,
            opts.kdf,
        )?;
        let normalized = crypto::normalize_recovery_code(&recovery_code)?;
        keys.add_slot(SlotKind::Recovery, normalized.as_bytes(), &master, opts.kdf)?;

        let db_path = dir.join(DB_FILE);
        let mut conn = db::open(&db_path, Some(&master), true)?;
        operators::install(&conn, Role::Owner)?;
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        let now = ledger::now_utc();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO vault_meta (id, vault_id, organisation, created_at) VALUES (1, ?1, ?2, ?3)",
            params![vault_id, opts.organisation.trim(), now],
        )?;
        tx.execute(
            "INSERT INTO signing_key (id, secret, public) VALUES (1, ?1, ?2)",
            params![
                Zeroizing::new(signing.to_bytes()).as_slice(),
                signing.verifying_key().as_bytes()
            ],
        )?;
        tx.execute(
            "INSERT INTO operators (slot_id, name) VALUES (?1, ?2)",
            params![slot_id, opts.operator.trim()],
        )?;
        let actor = opts.operator.trim().to_string();
        ledger::append(
            &tx,
            &actor,
            &[NewEvent::new(
                "vault.created",
                json!({
                    "vault_id": vault_id,
                    "schema_version": db::schema_version(),
                    "checkpoint_key": hex::encode(signing.verifying_key().as_bytes()),
                    "key_slots": [{"id": slot_id, "kind": "passphrase"}, {"kind": "recovery"}],
                }),
            )],
        )?;
        tx.commit()?;
        // Last: once keys.json exists the vault can be opened.
        keys.save(dir)?;
        let vault = Vault {
            dir: dir.to_path_buf(),
            conn,
            vault_id,
            signing,
            actor,
            slot_id,
            role: Role::Owner,
            due_count: None,
            read_only: false,
            witnesses: Vec::new(),
            master,
        };
        Ok(Created {
            vault,
            recovery_code,
        })
    }

    /// Opens the vault with an operator passphrase and records `vault.unlocked`.
    pub fn unlock(dir: &Path, passphrase: &str) -> Result<Vault> {
        let passphrase = crypto::passphrase_bytes(passphrase);
        let keys = KeyFile::load(dir)?;
        let (master, slot_id) = keys.unlock(SlotKind::Passphrase, passphrase.as_bytes())?;
        let mut v = Self::open_with(dir, &keys, &master, slot_id)?;
        match v.record_any(&[NewEvent::new(
            "vault.unlocked",
            json!({ "method": "passphrase", "slot": v.slot_id }),
        )]) {
            // A log shorter than its checkpoints takes no new events, but the
            // vault still opens so that verify can show what happened.
            Ok(_) | Err(Error::Tampered(_)) => Ok(v),
            Err(e) => Err(e),
        }
    }

    /// Opens the vault with the recovery code and sets a new passphrase for
    /// the operator slot; records `vault.recovered` and `vault.unlocked`.
    pub fn recover(dir: &Path, recovery_code: &str, new_passphrase: &str) -> Result<Vault> {
        let new_passphrase = crypto::passphrase_bytes(new_passphrase);
        let new_passphrase = new_passphrase.as_str();
        let mut keys = KeyFile::load(dir)?;
        let code =
            crypto::normalize_recovery_code(recovery_code).map_err(|_| Error::WrongSecret)?;
        let (master, _) = keys.unlock(SlotKind::Recovery, code.as_bytes())?;
        // The recovery code gives the first owner a new passphrase.
        let conn = db::open(&dir.join(DB_FILE), Some(&master), false)?;
        let slot_id = operators::recovery_slot(&conn)?;
        let mut v = Self::identify(dir, conn, &keys, slot_id.clone(), MasterKey::from_bytes(*master.as_bytes()))?;
        let org = v.info()?.organisation;
        passphrase::require_strong(new_passphrase, &[&org, &v.actor])?;
        let params = keys
            .slots
            .iter()
            .find(|s| s.id == slot_id)
            .map(|s| s.kdf.params)
            .expect("slot exists");
        keys.rewrap_slot(&slot_id, new_passphrase.as_bytes(), &master, params)?;
        v.with_tx_as(Need::Read, |tx, actor| {
            ledger::append(
                tx,
                actor,
                &[
                    NewEvent::new(
                        "vault.recovered",
                        json!({ "method": "recovery_code", "slot": slot_id }),
                    ),
                    NewEvent::new(
                        "vault.unlocked",
                        json!({ "method": "recovery_code", "slot": slot_id }),
                    ),
                ],
            )?;
            keys.save(dir)
        })?;
        Ok(v)
    }

    /// Opens the vault to read it only (verify, check a note): nothing is
    /// recorded and no byte of the folder changes; writing fails.
    pub fn open_read_only(dir: &Path, passphrase: &str) -> Result<Vault> {
        let passphrase = crypto::passphrase_bytes(passphrase);
        let keys = KeyFile::load(dir)?;
        let (master, slot_id) = keys.unlock(SlotKind::Passphrase, passphrase.as_bytes())?;
        let conn = db::open_read_only(&dir.join(DB_FILE), &master)?;
        let mut v = Self::identify(dir, conn, &keys, slot_id, master)?;
        v.read_only = true;
        Ok(v)
    }

    fn open_with(dir: &Path, keys: &KeyFile, master: &MasterKey, slot_id: String) -> Result<Vault> {
        let conn = db::open(&dir.join(DB_FILE), Some(master), false)?;
        Self::identify(dir, conn, keys, slot_id, MasterKey::from_bytes(*master.as_bytes()))
    }

    /// Reads the vault's identity and signing key from an open database.
    fn identify(dir: &Path, conn: Connection, keys: &KeyFile, slot_id: String, master: MasterKey) -> Result<Vault> {
        let db_path = dir.join(DB_FILE);
        let corrupt = |detail: String| Error::Corrupt {
            file: db_path.clone(),
            detail,
        };
        let (vault_id, secret): (String, Zeroizing<Vec<u8>>) = conn
            .query_row(
                "SELECT m.vault_id, k.secret FROM vault_meta m, signing_key k",
                [],
                |r| Ok((r.get(0)?, Zeroizing::new(r.get(1)?))),
            )
            .map_err(|e| match Error::from_db(&db_path, e) {
                Error::Db(e) => corrupt(format!("vault identity missing ({e})")),
                other => other,
            })?;
        if vault_id != keys.vault_id {
            return Err(corrupt("keys.json belongs to another vault".into()));
        }
        let seed: [u8; 32] = secret
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("bad signing key".into()))?;
        let signing = SigningKey::from_bytes(&seed);
        let (actor, role) = operators::stored(&conn, &slot_id).map_err(|e| match e {
            Error::Db(rusqlite::Error::QueryReturnedNoRows) => {
                corrupt(format!("key slot {slot_id} opens the vault, but no operator has it: the operators table was altered"))
            }
            other => other,
        })?;
        operators::install(&conn, role)?;
        // Touch the end of the log so a truncated file fails now, not later.
        ledger::size(&conn)?;
        Ok(Vault {
            dir: dir.to_path_buf(),
            conn,
            vault_id,
            signing,
            actor,
            slot_id,
            role,
            due_count: None,
            read_only: false,
            witnesses: Vec::new(),
            master,
        })
    }

    /// The folders outside the vault that keep its latest checkpoint note
    /// (the caller's choice: the core looks up no platform folder).
    pub fn set_witnesses(&mut self, folders: Vec<PathBuf>) {
        self.witnesses = folders;
    }

    pub fn witnesses(&self) -> &[PathBuf] {
        &self.witnesses
    }

    /// The witness notes this vault's log no longer matches (see
    /// [`crate::witness::problems`]): shown when a vault is opened.
    pub fn witness_problems(&self) -> Result<Vec<String>> {
        crate::witness::problems(&self.witnesses, &self.conn, &self.vault_id, &self.public_key())
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Records `vault.locked`, signs a checkpoint (recorded as
    /// `checkpoint.created`) and writes its note to the witness folders, then
    /// closes the database; the keys are zeroized. A vault opened read-only
    /// is only closed. Returns what sealing wrote, if anything.
    pub fn lock(mut self) -> Result<Option<Sealed>> {
        if self.read_only {
            return Ok(None);
        }
        let sealed = match self.record_lock(&[]) {
            Ok(cp) => Some(self.witness(cp)),
            // A log shorter than its own checkpoints takes nothing new.
            Err(Error::Tampered(_)) => None,
            Err(e) => return Err(e),
        };
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(sealed)
    }

    /// Locks the vault as [`Vault::lock`] does, then writes a backup of it to
    /// `out` ([`crate::backup`]): the backup holds every event, the lock's
    /// included, so the witness notes show nothing missing from it.
    pub fn lock_backing_up(
        self,
        out: &Path,
        progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<(Sealed, crate::backup::Made)> {
        let (sealed, backing) = self.lock_for_backup(out)?;
        Ok((sealed, backing.copy(progress)?))
    }

    /// The first half of [`Vault::lock_backing_up`]: records the backup and
    /// the lock and seals the log (quick); the copy, [`Backing::copy`], may
    /// then run on another thread while the vault is opened again.
    pub fn lock_for_backup(mut self, out: &Path) -> Result<(Sealed, Backing)> {
        if self.read_only {
            return Err(Error::Invalid("a vault opened read-only is backed up by the app or a command that opens it".into()));
        }
        if let Err(e) = crate::backup::check_target(out) {
            // Locked all the same: a refused target never leaves the vault open.
            self.lock()?;
            return Err(e);
        }
        let cp = self.record_lock(&[crate::backup::backed_up()])?;
        let sealed = self.witness(cp);
        let note = sealed.checkpoint.note.clone();
        Ok((sealed, Backing { vault: self, out: out.to_path_buf(), note }))
    }

    /// Records `before`, then `vault.locked`, and signs a checkpoint after them, in one transaction.
    fn record_lock(&mut self, before: &[NewEvent]) -> Result<Checkpoint> {
        let (vid, key, slot) = (self.vault_id.clone(), self.signing.clone(), self.slot_id.clone());
        self.with_tx_as(Need::Read, |tx, actor| {
            let mut events = before.to_vec();
            events.push(NewEvent::new("vault.locked", json!({ "slot": slot })));
            ledger::append(tx, actor, &events)?;
            checkpoint::create(tx, actor, &vid, &key)
        })
    }

    /// Signs a checkpoint of the log as it is now (recorded as
    /// `checkpoint.created`) and writes its note to the witness folders; done
    /// after each import, erasure and lock.
    pub fn seal(&mut self) -> Result<Sealed> {
        let cp = self.checkpoint()?;
        Ok(self.witness(cp))
    }

    fn witness(&self, cp: Checkpoint) -> Sealed {
        let witnesses =
            crate::witness::write_all(&self.witnesses, &self.conn, &self.vault_id, &self.public_key(), &cp);
        Sealed { checkpoint: cp, witnesses }
    }

    /// Rewraps this operator's slot under a new passphrase.
    pub fn change_passphrase(&mut self, current: &str, new: &str) -> Result<()> {
        let (current, new) = (
            crypto::passphrase_bytes(current),
            crypto::passphrase_bytes(new),
        );
        let (current, new) = (current.as_str(), new.as_str());
        let mut keys = KeyFile::load(&self.dir)?;
        let (master, slot) = keys.unlock(SlotKind::Passphrase, current.as_bytes())?;
        if slot != self.slot_id {
            return Err(Error::WrongSecret);
        }
        let org = self.info()?.organisation;
        passphrase::require_strong(new, &[&org, &self.actor])?;
        if current == new {
            return Err(Error::Invalid(
                "the new passphrase is the same as the current one".into(),
            ));
        }
        let params = keys
            .slots
            .iter()
            .find(|s| s.id == slot)
            .map(|s| s.kdf.params)
            .expect("slot exists");
        keys.rewrap_slot(&slot, new.as_bytes(), &master, params)?;
        let dir = self.dir.clone();
        self.with_tx_as(Need::Read, |tx, actor| {
            ledger::append(
                tx,
                actor,
                &[NewEvent::new("passphrase.changed", json!({ "slot": slot }))],
            )?;
            keys.save(&dir)
        })
    }

    /// Runs `f` in one transaction: all of it is stored, or none. A change:
    /// refused (`forbidden`) to an auditor ([`operators`]); steps only an
    /// owner may take check that themselves.
    pub fn with_tx<T>(&mut self, f: impl FnOnce(&Transaction, &str) -> Result<T>) -> Result<T> {
        self.with_tx_as(Need::Record, f)
    }

    /// [`Vault::with_tx`] for a step that needs `need` (`Read`: what every
    /// role records, e.g. unlocking, locking, an evidence pack).
    pub(crate) fn with_tx_as<T>(&mut self, need: Need, f: impl FnOnce(&Transaction, &str) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(read_only_error());
        }
        operators::require(&self.conn, need, "this change")?;
        let tx = self.conn.transaction()?;
        let out = f(&tx, &self.actor)?;
        tx.commit()?;
        Ok(out)
    }

    /// Appends events as this vault's operator, in one transaction (not an auditor).
    pub fn record(&mut self, events: &[NewEvent]) -> Result<Vec<u64>> {
        self.with_tx(|tx, actor| ledger::append(tx, actor, events))
    }

    /// Appends events every role records (unlocking, a backup).
    pub(crate) fn record_any(&mut self, events: &[NewEvent]) -> Result<Vec<u64>> {
        self.with_tx_as(Need::Read, |tx, actor| ledger::append(tx, actor, events))
    }

    /// How many consents [`crate::consents::expiry::due`] lists at `now`,
    /// for a reminder shown each time the register opens. Working it out
    /// reads the whole register (1.2–1.7 s at a million consents), so the
    /// count is kept while the ledger does not grow (every change that could
    /// alter it appends an event) within the same UTC hour.
    pub fn expiry_due_count(&mut self, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        let size = ledger::size(&self.conn)?;
        let hour = now.timestamp().div_euclid(3600);
        if let Some((s, h, count)) = self.due_count {
            if (s, h) == (size, hour) {
                return Ok(count);
            }
        }
        let count = crate::consents::expiry::due(&self.conn, now)?.len() as u64;
        self.due_count = Some((size, hour, count));
        Ok(count)
    }

    /// The database's key (for a backup's copy).
    pub(crate) fn master_key(&self) -> &MasterKey {
        &self.master
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
    pub fn vault_id(&self) -> &str {
        &self.vault_id
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub(crate) fn slot_id(&self) -> &str {
        &self.slot_id
    }
    pub fn actor(&self) -> &str {
        &self.actor
    }
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
    /// For modules that manage their own transactions.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
    pub fn public_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub fn info(&self) -> Result<Info> {
        let (organisation, created_at): (String, String) =
            self.conn
                .query_row("SELECT organisation, created_at FROM vault_meta", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        let checkpoints: i64 =
            self.conn
                .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))?;
        Ok(Info {
            vault_id: self.vault_id.clone(),
            organisation,
            created_at,
            events: ledger::size(&self.conn)?,
            checkpoints: checkpoints as u64,
            verifier_key: checkpoint::verifier_key(&self.vault_id, &self.public_key()),
        })
    }

    /// The organisation's requisites (see [`crate::organisation`]).
    pub fn requisites(&self) -> Result<crate::organisation::Requisites> {
        crate::organisation::get(&self.conn)
    }

    /// Saves the requisites; returns the seq of the event recorded, if anything changed.
    pub fn set_requisites(&mut self, r: crate::organisation::Requisites) -> Result<Option<u64>> {
        self.with_tx(|tx, actor| crate::organisation::set(tx, actor, r))
    }

    pub fn event(&self, seq: u64) -> Result<Event> {
        ledger::get(&self.conn, seq)
    }

    /// Newest first; pass the last seq seen as `before` for the next page.
    pub fn log(&self, before: Option<u64>, limit: u32) -> Result<Vec<Event>> {
        ledger::page(&self.conn, before, limit)
    }

    /// Signs the current tree (recorded as `checkpoint.created`); see also [`Vault::seal`].
    pub fn checkpoint(&mut self) -> Result<Checkpoint> {
        let (vid, key) = (self.vault_id.clone(), self.signing.clone());
        self.with_tx_as(Need::Read, |tx, actor| checkpoint::create(tx, actor, &vid, &key))
    }

    pub fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        checkpoint::list(&self.conn)
    }

    /// Checks a checkpoint kept outside the vault: its signature, then a full
    /// verification in which the log must still contain exactly what it signed.
    pub fn check_note(
        &self,
        note: &str,
        progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<(checkpoint::SignedCheckpoint, Report)> {
        let cp = checkpoint::open_note(note, &self.vault_id, &self.public_key())?;
        let given = verify::OutsideNote { label: "the given note".into(), note: note.to_string() };
        let report = verify::verify_with(&self.conn, &self.vault_id, &self.public_key(), &[given], progress)?;
        Ok((cp, report))
    }

    /// Inclusion proof of event `seq` in the tree of `size` events (default: latest checkpoint, else now).
    pub fn prove(&self, seq: u64, size: Option<u64>) -> Result<InclusionProof> {
        let size = match size {
            Some(s) => s,
            None => match checkpoint::latest(&self.conn)? {
                Some(cp) if cp.tree_size >= seq => cp.tree_size,
                _ => ledger::size(&self.conn)?,
            },
        };
        let event = self.event(seq)?;
        let path = ledger::inclusion_proof(&self.conn, seq, size)?;
        let root = ledger::root(&self.conn, size)?;
        Ok(InclusionProof {
            seq,
            tree_size: size,
            leaf_hash: event.leaf_hash,
            root,
            path,
            event,
        })
    }

    pub fn prove_consistency(&self, old: u64, new: u64) -> Result<ConsistencyProof> {
        let size = ledger::size(&self.conn)?;
        if new > size {
            return Err(Error::Invalid(format!(
                "the log has {size} events, not {new}"
            )));
        }
        Ok(ConsistencyProof {
            old_size: old,
            new_size: new,
            old_root: ledger::root(&self.conn, old)?,
            new_root: ledger::root(&self.conn, new)?,
            path: ledger::consistency_proof(&self.conn, old, new)?,
        })
    }

    /// Full verification ([`verify::verify`]) against the notes kept in the
    /// witness folders too.
    pub fn verify(&self, progress: impl FnMut(u64, u64) -> bool) -> Result<Report> {
        self.verify_with_notes(&[], progress)
    }

    /// [`Vault::verify`], plus notes kept elsewhere (e.g. files given on the command line).
    pub fn verify_with_notes(
        &self,
        notes: &[verify::OutsideNote],
        progress: impl FnMut(u64, u64) -> bool,
    ) -> Result<Report> {
        let mut all = crate::witness::read_all(&self.witnesses, &self.vault_id);
        all.extend_from_slice(notes);
        verify::verify_with(&self.conn, &self.vault_id, &self.public_key(), &all, progress)
    }

    /// Erases a subject's personal data and key, then purges the WAL so no
    /// copy of the erased pages remains in it, and seals the log. Returns
    /// the seq of the last `subject.erased` event.
    pub fn erase_subject(&mut self, subject: &str, reason: &str) -> Result<u64> {
        Ok(self.erase_person(subject, reason)?.event_seq)
    }

    /// [`Vault::erase_subject`], saying what was destroyed: every subject
    /// that is the same person, and how many records.
    pub fn erase_person(&mut self, subject: &str, reason: &str) -> Result<crate::subjects::Erased> {
        if self.read_only {
            return Err(read_only_error());
        }
        operators::require(&self.conn, Need::Record, "erasing a person's data")?;
        let erased = crate::subjects::erase_person(&mut self.conn, &self.actor, subject, reason)?;
        self.seal()?;
        Ok(erased)
    }

    /// After an erasure made in [`Vault::with_tx`] (a request's fulfilment):
    /// purges the WAL of the erased pages and seals the log.
    /// Destroys a destruction act and its extract ([`crate::documents::act::destroy`]),
    /// then purges the WAL and seals the log, as an erasure does.
    pub fn destroy_act(&mut self, id: &str, reason: &str, today: chrono::NaiveDate) -> Result<u64> {
        let seq = self.with_tx(|tx, actor| crate::documents::act::destroy(tx, actor, id, reason, today))?;
        self.purge_and_seal()?;
        Ok(seq)
    }

    pub(crate) fn purge_and_seal(&mut self) -> Result<Sealed> {
        crate::subjects::purge_wal(&self.conn)?;
        self.seal()
    }

    /// Imports a file into the register ([`crate::consents::importer::import`]:
    /// all or nothing, or the good rows kept) and seals the log when stored.
    pub fn import<'a>(
        &mut self,
        file_name: &str,
        input: impl Into<crate::import::Input<'a>>,
        read: &crate::import::Options,
        opts: &crate::consents::importer::ImportOptions,
        progress: impl FnMut(u64) -> bool,
    ) -> Result<crate::consents::importer::ImportReport> {
        if self.read_only {
            return Err(read_only_error());
        }
        operators::require(&self.conn, Need::Record, "importing consents")?;
        let report =
            crate::consents::importer::import(&mut self.conn, &self.actor, file_name, input, read, opts, progress)?;
        if report.committed {
            self.seal()?;
        }
        Ok(report)
    }
}

fn read_only_error() -> Error {
    Error::Invalid("this vault was opened to be verified only; nothing can be recorded".into())
}

#[derive(Debug, Clone, Serialize)]
pub struct InclusionProof {
    pub seq: u64,
    pub tree_size: u64,
    #[serde(with = "crate::ledger::hex_hash")]
    pub leaf_hash: Hash,
    #[serde(with = "crate::ledger::hex_hash")]
    pub root: Hash,
    #[serde(serialize_with = "hex_list")]
    pub path: Vec<Hash>,
    pub event: Event,
}

impl InclusionProof {
    pub fn verify(&self) -> bool {
        ledger::recompute_leaf(&self.event) == self.leaf_hash
            && crate::merkle::verify_inclusion(
                &self.leaf_hash,
                self.seq - 1,
                self.tree_size,
                &self.path,
                &self.root,
            )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    #[serde(with = "crate::ledger::hex_hash")]
    pub old_root: Hash,
    #[serde(with = "crate::ledger::hex_hash")]
    pub new_root: Hash,
    #[serde(serialize_with = "hex_list")]
    pub path: Vec<Hash>,
}

impl ConsistencyProof {
    pub fn verify(&self) -> bool {
        crate::merkle::verify_consistency(
            self.old_size,
            self.new_size,
            &self.old_root,
            &self.new_root,
            &self.path,
        )
    }
}

fn hex_list<S: serde::Serializer>(v: &[Hash], s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(hex::encode))
}
