//! One function per command: unlock the vault, call the core, print the
//! result as text or JSON, lock the vault.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use consent_ledger_core::ledger::Event;
use consent_ledger_core::verify::OutsideNote;
use consent_ledger_core::{CreateOptions, Error, Result, Vault};
use serde::Serialize;
use serde_json::json;

use crate::args::{BackupAction, CheckpointAction, Cli, Command, OrgAction, PackAction};
use crate::agreement;
use crate::consent;
use crate::secrets;
use crate::EXIT_VERIFY_FAILED;

/// Redirects the app's data folder (the default witness folder lives there), as for the app.
pub const DATA_DIR_ENV: &str = "CONSENT_LEDGER_DATA_DIR";
/// The desktop app's identifier: its data folder's name (`tauri.conf.json`).
const APP_IDENTIFIER: &str = "app.consentledger.desktop";
/// The witness folder inside the app's data folder.
const WITNESS_FOLDER: &str = "witness";

pub fn run(cli: Cli) -> Result<ExitCode> {
    // Checking a pack needs no vault (an inspector has none).
    if let Command::Pack { action: PackAction::Verify { file, verifier_key } } = &cli.command {
        return crate::document::pack_verify(file, verifier_key.as_deref(), Out { json: cli.json });
    }
    // Restoring or checking a backup needs no vault either (it may be all that is left).
    match &cli.command {
        Command::Restore { file, into, recovery_code, accept_missing } => {
            return restore(file, Some(into), *recovery_code, *accept_missing, &witness_folders(&cli.witnesses), Out { json: cli.json })
        }
        Command::Backup { action: Some(BackupAction::Check { file, recovery_code }), .. } => {
            return restore(file, None, *recovery_code, false, &witness_folders(&cli.witnesses), Out { json: cli.json })
        }
        _ => {}
    }
    let dir = cli.vault.clone().ok_or_else(|| {
        Error::Invalid("say which vault: --vault PATH (or set CONSENT_LEDGER_VAULT)".into())
    })?;
    let out = Out { json: cli.json };
    match cli.command {
        Command::Init { org, operator } => init(&dir, &org, &operator, witness_folders(&cli.witnesses), out),
        Command::Recover => recover(&dir, out),
        other => {
            let witnesses = witness_folders(&cli.witnesses);
            // A backup target that cannot be written is refused before the vault is opened.
            if let Command::Backup { out: Some(file), action: None } = &other {
                consent_ledger_core::backup::check_target(file)?;
            }
            let pass = secrets::passphrase()?;
            if reads_only(&other) {
                // Checking a vault changes nothing in it: no event, no checkpoint.
                let mut vault = Vault::open_read_only(&dir, &pass)?;
                drop(pass);
                vault.set_witnesses(witnesses);
                return with_vault(&mut vault, other, out, &dir);
            }
            let mut vault = Vault::unlock(&dir, &pass)?;
            drop(pass);
            vault.set_witnesses(witnesses);
            if let Command::Backup { out: Some(file), action: None } = &other {
                return backup(vault, file, out);
            }
            let code = with_vault(&mut vault, other, out, &dir);
            // Record the lock even when the command failed.
            let locked = vault.lock();
            let code = code?;
            match locked? {
                Some(sealed) if sealed.conflict() => {
                    warn_witnesses(&sealed);
                    Ok(ExitCode::from(EXIT_VERIFY_FAILED))
                }
                Some(sealed) => {
                    warn_witnesses(&sealed);
                    Ok(code)
                }
                None => Ok(code),
            }
        }
    }
}

/// Commands that only read, run on a vault opened read-only.
fn reads_only(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Verify { .. } | Command::Checkpoint { action: Some(CheckpointAction::Check { .. }) }
    )
}

/// The app's data folder, as the desktop app finds it: `CONSENT_LEDGER_DATA_DIR`,
/// else the platform's application-data folder under the app's identifier.
fn data_dir() -> Option<PathBuf> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(d) if !d.is_empty() => std::path::absolute(PathBuf::from(d)).ok(),
        _ => dirs::data_dir().map(|d| d.join(APP_IDENTIFIER)),
    }
}

/// The default witness folder (in the app's data folder) and those given.
fn witness_folders(given: &[PathBuf]) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = data_dir().map(|d| d.join(WITNESS_FOLDER)).into_iter().collect();
    for g in given {
        let g = std::path::absolute(g).unwrap_or_else(|_| g.clone());
        if !all.contains(&g) {
            all.push(g);
        }
    }
    all
}

/// A witness folder that could not take the new checkpoint is said on
/// standard error; one whose note the log no longer contains is evidence.
fn warn_witnesses(sealed: &consent_ledger_core::vault::Sealed) {
    for w in &sealed.witnesses {
        if let Some(why) = &w.problem {
            let what = if w.conflict { "TAMPERING" } else { "warning" };
            eprintln!("{what}: the checkpoint was not copied to {}: {why}", w.folder.display());
        }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Out {
    pub(crate) json: bool,
}

impl Out {
    /// Prints `value` as JSON or `text()` for people. The buffer is zeroized
    /// afterwards: some outputs (the recovery code) are secrets.
    pub(crate) fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        let mut stdout = std::io::stdout().lock();
        let s = zeroize::Zeroizing::new(if self.json {
            serde_json::to_string_pretty(value).expect("serialisable")
        } else {
            text()
        });
        let _ = writeln!(stdout, "{}", s.trim_end());
    }
}

fn init(dir: &Path, org: &str, operator: &str, witnesses: Vec<PathBuf>, out: Out) -> Result<ExitCode> {
    let pass = secrets::new_passphrase(secrets::PASSPHRASE_ENV)?;
    let mut opts = CreateOptions::new(org);
    opts.operator = operator.to_string();
    let mut created = Vault::create(dir, &pass, &opts)?;
    drop(pass);
    created.vault.set_witnesses(witnesses);
    let info = created.vault.info()?;
    #[derive(Serialize)]
    struct InitOut<'a> {
        vault: &'a Path,
        vault_id: &'a str,
        organisation: &'a str,
        recovery_code: &'a str,
        verifier_key: &'a str,
    }
    let shown = InitOut {
        vault: dir,
        vault_id: &info.vault_id,
        organisation: &info.organisation,
        recovery_code: created.recovery_code.as_str(),
        verifier_key: &info.verifier_key,
    };
    out.print(&shown, || {
        format!(
            "Created vault {} for {}.\n\n\
             RECOVERY CODE (shown only now; write it down and keep it apart from the computer):\n\n    {}\n\n\
             With it you can open the vault and set a new passphrase if yours is forgotten.\n\
             Checkpoint verifier key: {}",
            dir.display(),
            info.organisation,
            created.recovery_code.as_str(),
            info.verifier_key
        )
    });
    created.vault.lock()?;
    Ok(ExitCode::SUCCESS)
}

/// `backup --out FILE`: the vault is locked, then backed up with every event.
fn backup(vault: Vault, file: &Path, out: Out) -> Result<ExitCode> {
    let mut last = std::time::Instant::now();
    let (sealed, made) = vault.lock_backing_up(file, |done, total| {
        if last.elapsed().as_millis() > 500 {
            eprintln!("copying: {done} of {total} pages");
            last = std::time::Instant::now();
        }
        true
    })?;
    let m = &made.manifest;
    out.print(&made, || {
        format!(
            "Backup written to {} ({:.1} MB): {} events, root {}, checked (every page, the same log). Open it with this vault's passphrase or recovery code.",
            made.path.display(),
            made.bytes as f64 / (1024.0 * 1024.0),
            m.tree_size,
            m.root
        )
    });
    warn_witnesses(&sealed);
    if sealed.conflict() {
        return Ok(ExitCode::from(EXIT_VERIFY_FAILED));
    }
    Ok(ExitCode::SUCCESS)
}

/// `restore FILE --into DIR` (or `backup check FILE` when `into` is None).
fn restore(file: &Path, into: Option<&PathBuf>, recovery: bool, accept_missing: bool, witnesses: &[PathBuf], out: Out) -> Result<ExitCode> {
    use consent_ledger_core::backup::{self, Secret};
    let m = backup::manifest(file)?;
    let secret_text = if recovery { secrets::recovery_code()? } else { secrets::passphrase()? };
    let secret = if recovery { Secret::RecoveryCode(&secret_text) } else { Secret::Passphrase(&secret_text) };
    let r = match into {
        Some(dir) => backup::restore(file, dir, secret, witnesses, accept_missing)?,
        None => backup::check(file, secret, witnesses)?,
    };
    drop(secret_text);
    if into.is_some() && r.dir.is_none() {
        return Err(Error::Invalid(format!(
            "this backup lacks {} that {} saw: it is older than the vault was. Restore it anyway only if no newer backup exists (--accept-missing); nothing was restored",
            backup::events(r.missing),
            r.missing_seen_by.as_deref().unwrap_or("a witness note")
        )));
    }
    out.print(&r, || {
        let mut s = format!(
            "Backup of «{}» made {}: {} events verified, root {}.",
            m.organisation, m.made_at, r.events, m.root
        );
        if r.missing > 0 {
            s.push_str(&format!(
                "\nIt lacks {} that {} saw: they were recorded after this backup.",
                backup::events(r.missing),
                r.missing_seen_by.as_deref().unwrap_or("a witness note")
            ));
        }
        match &r.dir {
            Some(d) => s.push_str(&format!("\nRestored into {}: open it with the same passphrase (consent-ledger --vault {} info).", d.display(), d.display())),
            None => s.push_str("\nNothing was restored (check only)."),
        }
        s
    });
    Ok(ExitCode::SUCCESS)
}

fn recover(dir: &Path, out: Out) -> Result<ExitCode> {
    let code = secrets::recovery_code()?;
    // Check the code before asking for a new passphrase.
    consent_ledger_core::keyslots::KeyFile::load(dir)?;
    let new = secrets::new_passphrase(secrets::NEW_PASSPHRASE_ENV)?;
    let vault = Vault::recover(dir, &code, &new)?;
    out.print(&json!({ "recovered": true }), || {
        "The vault is open again: your new passphrase is set. The recovery code stays valid.".into()
    });
    vault.lock()?;
    Ok(ExitCode::SUCCESS)
}

fn with_vault(vault: &mut Vault, cmd: Command, out: Out, dir: &Path) -> Result<ExitCode> {
    match cmd {
        Command::Init { .. } | Command::Recover => unreachable!("handled before unlocking"),
        Command::Info => {
            let i = vault.info()?;
            let mut v = serde_json::to_value(&i).map_err(|e| Error::Invalid(e.to_string()))?;
            v["operator"] = json!(vault.actor());
            v["role"] = json!(vault.role().as_str());
            out.print(&v, || {
                format!(
                    "Organisation:  {}\nVault id:      {}\nCreated:       {}\nEvents:        {}\nCheckpoints:   {}\nVerifier key:  {}\nSigned in as:  {} ({})",
                    i.organisation, i.vault_id, i.created_at, i.events, i.checkpoints, i.verifier_key, vault.actor(), vault.role().as_str()
                )
            });
        }
        Command::Verify { checkpoints } => return verify(vault, &checkpoints, out),
        Command::Log { limit, before, kind, actor } => {
            let (events, next) = if kind.is_some() || actor.is_some() {
                // A slice of the log at a time: `next` may follow a short page.
                let p = consent_ledger_core::ledger::page_filtered(vault.conn(), before, limit.min(1000), kind.as_deref(), actor.as_deref())?;
                (p.events, p.next_before)
            } else {
                let events = vault.log(before, limit)?;
                let next = consent_ledger_core::ledger::next_before(&events, limit);
                (events, next)
            };
            out.print(&json!({ "events": events, "next_before": next }), || {
                let mut s: String = events.iter().map(event_line).collect();
                if let Some(n) = next {
                    s.push_str(&format!("… older events: --before {n}\n"));
                }
                s
            });
        }
        Command::Show { seq } => {
            let e = vault.event(seq)?;
            out.print(&e, || {
                format!(
                    "seq:          {}\nrecorded at:  {}\nactor:        {}\nkind:         {}\nsubject:      {}\nleaf hash:    {}\nbody:\n{}",
                    e.seq,
                    e.recorded_at,
                    e.actor,
                    e.kind,
                    e.subject.as_deref().unwrap_or("-"),
                    hex::encode(e.leaf_hash),
                    serde_json::from_str::<serde_json::Value>(&e.body)
                        .and_then(|v| serde_json::to_string_pretty(&v))
                        .unwrap_or_else(|_| e.body.clone())
                )
            });
        }
        Command::Checkpoint { action } => {
            return checkpoint(vault, action.unwrap_or(CheckpointAction::Create), out)
        }
        Command::Prove { seq, size } => {
            let p = vault.prove(seq, size)?;
            if !p.verify() {
                return Err(Error::Invalid(format!(
                    "the proof for event #{seq} does not verify: run verify"
                )));
            }
            out.print(&p, || {
                let mut s = format!(
                    "Event #{} ({}) is entry {} of the log of {} events.\nleaf hash: {}\nroot:      {}\naudit path ({} hashes, deepest first):\n",
                    p.seq, p.event.kind, p.seq - 1, p.tree_size, hex::encode(p.leaf_hash), hex::encode(p.root), p.path.len()
                );
                for h in &p.path {
                    s.push_str(&format!("  {}\n", hex::encode(h)));
                }
                s
            });
        }
        Command::Consistency { old, new } => {
            let new = match new {
                Some(n) => n,
                None => vault.info()?.events,
            };
            let p = vault.prove_consistency(old, new)?;
            if !p.verify() {
                return Err(Error::Invalid(
                    "the consistency proof does not verify: run verify".into(),
                ));
            }
            out.print(&p, || {
                let mut s = format!(
                    "The log of {} events (root {}) is a prefix of the log of {} events (root {}).\nproof ({} hashes):\n",
                    p.old_size, hex::encode(p.old_root), p.new_size, hex::encode(p.new_root), p.path.len()
                );
                for h in &p.path {
                    s.push_str(&format!("  {}\n", hex::encode(h)));
                }
                s
            });
        }
        Command::Org { action } => return org(vault, action, out),
        Command::Agreement { action } => return agreement::run(vault, action, out),
        Command::Consent { action } => return consent::run(vault, action, out),
        Command::Subject { action } => return crate::subject::run(vault, action, out),
        Command::Request { action } => return crate::request::run(vault, action, out),
        Command::Incident { action } => return crate::incident::run(vault, action, out),
        Command::Activity { action } => return crate::activity::run(vault, action, out),
        Command::Policy { action } => return crate::activity::document(vault, consent_ledger_core::processing::check::Document::Policy, action, out),
        Command::Notice { action } => return crate::activity::document(vault, consent_ledger_core::processing::check::Document::Notice, action, out),
        Command::Ropa { action } => return crate::activity::document(vault, consent_ledger_core::processing::check::Document::Ropa, action, out),
        Command::Operator { action } => return operator(vault, action, out),
        Command::Letter { action } => return crate::document::letter(vault, action, out),
        Command::Act { action } => return crate::document::act(vault, action, out),
        Command::Pack { action } => return crate::document::pack(vault, action, out),
        Command::Calendar { action } => return crate::request::calendar(vault, action, out),
        Command::Suppression { action } => return crate::request::suppression(vault, action, out),
        Command::Import {
            file,
            preset,
            mapping,
            encoding,
            delimiter,
            agreement,
            keep_good_rows,
            preview,
        } => {
            let args = crate::import::Args { file, preset, mapping, encoding, delimiter, agreement, keep_good_rows, preview };
            return crate::import::run(vault, args, out);
        }
        Command::Backup { .. } => return Err(Error::Invalid("say where to write the backup: backup --out FILE.clbackup".into())),
        Command::Restore { .. } => unreachable!("handled before unlocking"),
        Command::Passwd => {
            let current = secrets::passphrase()?;
            let new = secrets::new_passphrase(secrets::NEW_PASSPHRASE_ENV)?;
            vault.change_passphrase(&current, &new)?;
            out.print(&json!({ "changed": true }), || {
                format!("Passphrase changed for {}.", dir.display())
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn operator(vault: &mut Vault, action: crate::args::OperatorAction, out: Out) -> Result<ExitCode> {
    use consent_ledger_core::operators::{self, Role};
    use crate::args::OperatorAction as A;
    match action {
        A::List => {
            let list = operators::list(vault.conn())?;
            let me = vault.actor().to_string();
            out.print(&list, || {
                list.iter()
                    .map(|o| format!("{} {:<17} {:<9} {}\n", if o.name == me { "*" } else { " " }, o.slot, o.role.as_str(), o.name))
                    .collect()
            });
        }
        A::Add { name, role } => {
            let role = Role::parse(&role)?;
            // Refused before the passphrase is asked for.
            operators::require(vault.conn(), operators::Need::Owner, "adding an operator")?;
            let pass = secrets::new_passphrase(secrets::NEW_PASSPHRASE_ENV)?;
            let slot = operators::add(vault, &name, &pass, role)?;
            out.print(&json!({ "slot": slot, "name": name.trim(), "role": role.as_str() }), || {
                format!("Added {} as {} (key slot {slot}). They open the vault with their own passphrase.", name.trim(), role.as_str())
            });
        }
        A::Role { who, role } => {
            let role = Role::parse(&role)?;
            let seq = operators::set_role(vault, &who, role)?;
            out.print(&json!({ "seq": seq, "role": role.as_str() }), || match seq {
                Some(s) => format!("{who} is now {} (event #{s}).", role.as_str()),
                None => format!("{who} is {} already: nothing changed.", role.as_str()),
            });
        }
        A::Remove { who } => {
            let seq = operators::remove(vault, &who)?;
            out.print(&json!({ "seq": seq }), || format!("Removed {who}; their key slot is destroyed (event #{seq})."));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn org(vault: &mut Vault, action: OrgAction, out: Out) -> Result<ExitCode> {
    if let OrgAction::Documents { .. } = action {
        return crate::document::profile(vault, action, out);
    }
    if let OrgAction::Set {
        full_name,
        short_name,
        inn,
        ogrn,
        address,
        dpo,
        email,
    } = action
    {
        let mut r = vault.requisites()?;
        let fields = [
            (&mut r.full_name, full_name),
            (&mut r.short_name, short_name),
            (&mut r.inn, inn),
            (&mut r.ogrn, ogrn),
            (&mut r.legal_address, address),
            (&mut r.dpo, dpo),
            (&mut r.withdrawal_email, email),
        ];
        for (field, value) in fields {
            if let Some(v) = value {
                *field = v;
            }
        }
        vault.set_requisites(r)?;
    }
    let r = vault.requisites()?;
    out.print(&r, || {
        let dash = |v: &str| if v.is_empty() { "-".to_string() } else { v.to_string() };
        format!(
            "Full name:       {}\nShort name:      {}\nINN:             {}\nOGRN:            {}\nLegal address:   {}\nDPO / contact:   {}\nWithdrawal mail: {}",
            dash(&r.full_name),
            dash(&r.short_name),
            dash(&r.inn),
            dash(&r.ogrn),
            dash(&r.legal_address),
            dash(&r.dpo),
            dash(&r.withdrawal_email)
        )
    });
    Ok(ExitCode::SUCCESS)
}

fn verify(vault: &mut Vault, files: &[PathBuf], out: Out) -> Result<ExitCode> {
    let show = std::io::stderr().is_terminal() && !out.json;
    let notes = files
        .iter()
        .map(|f| Ok(OutsideNote { label: f.display().to_string(), note: read_text(f)? }))
        .collect::<Result<Vec<_>>>()?;
    let report = vault.verify_with_notes(&notes, progress(show))?;
    out.print(&report, || match &report.problem {
        None => format!(
            "OK: {} events and {} checkpoints verified.\nroot: {}",
            report.events,
            report.checkpoints,
            hex::encode(report.root)
        ),
        Some(p) => failure_text(p),
    });
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_VERIFY_FAILED)
    })
}

fn checkpoint(vault: &mut Vault, action: CheckpointAction, out: Out) -> Result<ExitCode> {
    match action {
        CheckpointAction::Create => {
            let cp = vault.checkpoint()?;
            out.print(&cp, || cp.note.clone());
        }
        CheckpointAction::List => {
            let list = vault.checkpoints()?;
            out.print(&list, || {
                list.iter()
                    .map(|c| {
                        format!(
                            "{:>4}  {}  {:>9} events  root {}\n",
                            c.id,
                            c.created_at,
                            c.tree_size,
                            hex::encode(c.root)
                        )
                    })
                    .collect()
            });
        }
        CheckpointAction::Check { file } => {
            let note = read_text(&file)?;
            let show = std::io::stderr().is_terminal() && !out.json;
            let (cp, report) = match vault.check_note(&note, progress(show)) {
                Ok(r) => r,
                Err(Error::Invalid(why)) => {
                    out.print(&json!({ "valid": false, "reason": why }), || {
                        format!("FAILED: {why}")
                    });
                    return Ok(ExitCode::from(EXIT_VERIFY_FAILED));
                }
                Err(e) => return Err(e),
            };
            let ok = report.ok();
            out.print(&json!({ "valid": ok, "tree_size": cp.tree_size, "time": cp.time, "report": report }), || match &report.problem {
                None => format!("OK: the checkpoint of {} ({} events) is signed by this vault and the log still contains exactly what it signed.", cp.time, cp.tree_size),
                Some(p) => failure_text(p),
            });
            if !ok {
                return Ok(ExitCode::from(EXIT_VERIFY_FAILED));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Progress on stderr for a person at a terminal; the line is cleared at the end.
fn progress(show: bool) -> impl FnMut(u64, u64) -> bool {
    move |done, total| {
        if show {
            eprint!("\rverifying… {done}/{total} events");
            if done >= total {
                eprint!("\r\x1b[K");
            }
        }
        true
    }
}

fn failure_text(p: &consent_ledger_core::verify::Problem) -> String {
    format!(
        "FAILED: {}{}",
        p.message,
        p.seq
            .map(|s| format!("\nfirst bad event: #{s}"))
            .unwrap_or_default()
    )
}

pub(crate) fn read_text(file: &PathBuf) -> Result<String> {
    let mut s = String::new();
    let res = if file.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut s).map(|_| ())
    } else {
        std::fs::read_to_string(file).map(|t| s = t)
    };
    res.map_err(|e| Error::Invalid(format!("cannot read {}: {e}", file.display())))?;
    Ok(s)
}

fn event_line(e: &Event) -> String {
    let subject = e
        .subject
        .as_deref()
        .map(|s| format!(" [{s}]"))
        .unwrap_or_default();
    format!(
        "#{:<8} {}  {:<20} {}{}\n",
        e.seq, e.recorded_at, e.kind, e.actor, subject
    )
}
