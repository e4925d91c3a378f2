//! What the shell keeps between commands: the open vault (if any), the
//! app-data folder, settings and recent vaults (paths only, no secrets),
//! the idle clock and the cancel flags (verify, import, evidence pack).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use consent_ledger_core::Vault;

use crate::dto::{AutoBackup, RecentVault, Settings};
use crate::error::{IpcError, IpcResult};

/// Environment variable that redirects the app-data folder (tests use it so
/// they never touch a real user's vaults).
pub const DATA_DIR_ENV: &str = "CONSENT_LEDGER_DATA_DIR";
/// Set by `cargo xtask run`: a first launch opens the demo vault.
pub const OPEN_DEMO_ENV: &str = "CONSENT_LEDGER_OPEN_DEMO";
/// When set to a folder, exports (agreements, checkpoints) are written there
/// under the suggested name instead of asking; the recovery code always asks (scripted use and the window tests; a native dialog
/// cannot be driven through WebDriver).
pub const SAVE_DIR_ENV: &str = "CONSENT_LEDGER_SAVE_DIR";
const SETTINGS_FILE: &str = "settings.json";
/// The folder in the app's data folder that keeps each vault's latest
/// checkpoint note (the CLI uses the same one).
pub const WITNESS_FOLDER: &str = "witness";
const RECENT_FILE: &str = "recent.json";
const MAX_RECENT: usize = 8;

/// When someone last used the app, on two clocks: the monotonic one does not
/// advance while the machine sleeps, the wall clock does.
#[derive(Debug, Clone, Copy)]
pub struct Activity {
    pub instant: Instant,
    pub wall: SystemTime,
}

impl Activity {
    pub fn now() -> Self {
        Activity {
            instant: Instant::now(),
            wall: SystemTime::now(),
        }
    }
    /// The longer of the two elapsed times (a clock set back counts as zero).
    pub fn idle_for(&self) -> Duration {
        let wall = SystemTime::now()
            .duration_since(self.wall)
            .unwrap_or_default();
        wall.max(self.instant.elapsed())
    }
}

pub struct AppState {
    pub data_dir: PathBuf,
    pub vault: Mutex<Option<Vault>>,
    pub last_activity: Mutex<Activity>,
    pub cancel_verify: Arc<AtomicBool>,
    /// Set to stop a running import (also by locking).
    pub cancel_import: Arc<AtomicBool>,
    /// Set to stop the making of an evidence pack (also by locking).
    pub cancel_pack: Arc<AtomicBool>,
    pub settings: Mutex<Settings>,
    /// Set to stop "Back up now" (also by locking).
    pub cancel_backup: Arc<AtomicBool>,
    /// How the last automatic backup went.
    pub last_backup: Arc<Mutex<Option<AutoBackup>>>,
    /// The automatic backup running after a lock (a lock returns at once;
    /// the next lock and quitting wait for it).
    backup_job: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// A panic in one command must not leave the vault impossible to lock.
fn guard<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// `data_dir` must be absolute: relative folders would follow the working directory.
    pub fn new(data_dir: PathBuf) -> Self {
        let settings = read_json::<Settings>(&data_dir.join(SETTINGS_FILE))
            .and_then(|s| s.validated().ok())
            .unwrap_or_default();
        AppState {
            data_dir,
            vault: Mutex::new(None),
            last_activity: Mutex::new(Activity::now()),
            cancel_verify: Arc::new(AtomicBool::new(false)),
            cancel_import: Arc::new(AtomicBool::new(false)),
            cancel_pack: Arc::new(AtomicBool::new(false)),
            settings: Mutex::new(settings),
            cancel_backup: Arc::new(AtomicBool::new(false)),
            last_backup: Arc::new(Mutex::new(None)),
            backup_job: Mutex::new(None),
        }
    }

    pub fn touch(&self) {
        *guard(&self.last_activity) = Activity::now();
    }

    pub fn idle_for(&self) -> Duration {
        guard(&self.last_activity).idle_for()
    }

    /// Runs `f` on the open vault, or fails with `locked`.
    pub fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> IpcResult<T>) -> IpcResult<T> {
        let mut vault = guard(&self.vault);
        self.touch();
        match vault.as_mut() {
            Some(v) => f(v),
            None => Err(IpcError::locked()),
        }
    }

    /// Closes the open vault (recording `vault.locked`); the keys are zeroized
    /// on drop. A running verification is cancelled first so the lock is prompt.
    pub fn lock(&self) -> IpcResult<bool> {
        self.cancel_verify.store(true, Ordering::SeqCst);
        self.cancel_import.store(true, Ordering::SeqCst);
        self.cancel_pack.store(true, Ordering::SeqCst);
        self.cancel_backup.store(true, Ordering::SeqCst);
        let taken = guard(&self.vault).take();
        match taken {
            Some(v) => {
                self.close(v)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Locks `v`; with a backup folder set (and not the demo), backs it up
    /// there on locking, keeps the newest `backup_keep` backups of this vault
    /// and writes the checkpoint note beside them. The lock is recorded at
    /// once; the copy runs on a thread after it ([`AppState::wait_for_backup`]).
    /// A failed backup does not keep the vault open: it is locked all the
    /// same, and the failure shown in Settings → Backup.
    pub fn close(&self, mut v: Vault) -> IpcResult<()> {
        let s = self.settings();
        let folder = match s.backup_folder.as_deref().map(PathBuf::from) {
            Some(f) if !v.dir().starts_with(self.demo_dir()) => f,
            _ => {
                v.lock()?;
                return Ok(());
            }
        };
        let at = consent_ledger_core::ledger::now_utc();
        if !folder.is_dir() {
            v.lock()?;
            *guard(&self.last_backup) =
                Some(AutoBackup { at, made: None, error: Some(format!("the backup folder {} is not there (a removed drive?)", folder.display())) });
            return Ok(());
        }
        let prefix = format!("consent-ledger-{}-", &v.vault_id()[..8.min(v.vault_id().len())]);
        // Down to the microsecond: two locks within a second are two backups.
        let stamp: String = at.chars().filter(|c| c.is_ascii_digit()).collect();
        let file = folder.join(format!("{prefix}{stamp}.{}", consent_ledger_core::backup::EXTENSION));
        let mut witnesses = self.witnesses_for(v.dir());
        witnesses.push(folder.clone());
        v.set_witnesses(witnesses);
        // One backup at a time: the previous one (if still running) first.
        self.wait_for_backup();
        // The lock is recorded and sealed now; the copy runs after the lock
        // returns, so locking a large vault is not held up by it.
        let backing = match v.lock_for_backup(&file) {
            Ok((_, b)) => b,
            Err(e) => {
                *guard(&self.last_backup) = Some(AutoBackup { at, made: None, error: Some(e.to_string()) });
                return Ok(());
            }
        };
        let last = self.last_backup.clone();
        let keep = s.backup_keep as usize;
        let job = std::thread::spawn(move || {
            let outcome = match backing.copy(|_, _| true) {
                Ok(made) => {
                    prune(&folder, &prefix, keep);
                    AutoBackup { at, made: Some((&made).into()), error: None }
                }
                Err(e) => AutoBackup { at, made: None, error: Some(e.to_string()) },
            };
            *guard(&last) = Some(outcome);
        });
        *guard(&self.backup_job) = Some(job);
        Ok(())
    }

    /// Waits for the automatic backup started by the last lock, if it still runs
    /// (before the next one, and before the app quits).
    pub fn wait_for_backup(&self) {
        let job = guard(&self.backup_job).take();
        if let Some(j) = job {
            let _ = j.join();
        }
    }

    /// Locks the open vault if idle for longer than `limit`, re-checked under
    /// the vault's lock; a vault busy with long work is skipped, not waited for.
    pub fn lock_if_idle(&self, limit: Duration) -> bool {
        if self.idle_for() < limit {
            return false;
        }
        let taken = match self.vault.try_lock() {
            Ok(mut v) if self.idle_for() >= limit => v.take(),
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner().take(),
            _ => None,
        };
        match taken {
            Some(v) => {
                let _ = self.close(v);
                true
            }
            None => false,
        }
    }

    /// Makes `v` the open vault; the previous one (if any) is locked. The swap
    /// happens under one lock so two unlocks cannot lose a `vault.locked`.
    pub fn set_vault(&self, mut v: Vault) -> IpcResult<()> {
        self.remember(v.dir());
        self.prepare(&mut v);
        let previous = guard(&self.vault).replace(v);
        self.touch();
        if let Some(old) = previous {
            self.close(old)?;
        }
        Ok(())
    }

    /// Whether the open vault is the one in `dir`.
    pub fn is_open(&self, dir: &Path) -> bool {
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        guard(&self.vault)
            .as_ref()
            .is_some_and(|v| canon(v.dir()) == canon(dir))
    }

    pub fn settings(&self) -> Settings {
        guard(&self.settings).clone()
    }

    pub fn save_settings(&self, s: Settings) -> IpcResult<Settings> {
        let s = s.validated()?;
        write_json(&self.data_dir.join(SETTINGS_FILE), &s)?;
        *guard(&self.settings) = s.clone();
        // The open vault copies its next checkpoints to the new folders.
        if let Some(v) = guard(&self.vault).as_mut() {
            let folders = self.witnesses_for(v.dir());
            v.set_witnesses(folders);
        }
        Ok(s)
    }

    /// Gives a vault just opened its witness folders (before its summary is
    /// read, which compares the vault with the copies kept there).
    pub fn prepare(&self, v: &mut Vault) {
        v.set_witnesses(self.witnesses_for(v.dir()));
    }

    /// The app's own witness folder (in its data folder; the CLI uses it too).
    pub fn witness_folder(&self) -> PathBuf {
        self.data_dir.join(WITNESS_FOLDER)
    }

    /// Where each lock, import and erasure copies the vault in `dir`'s new
    /// checkpoint, out of the vault's reach: the app's witness folder and
    /// those in the settings, except any inside the vault (no copy for the
    /// throwaway demo).
    pub fn witnesses_for(&self, dir: &Path) -> Vec<PathBuf> {
        if dir.starts_with(self.demo_dir()) {
            return Vec::new();
        }
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let vault = canon(dir);
        std::iter::once(self.witness_folder())
            .chain(self.settings().witness_folders.iter().map(PathBuf::from))
            .filter(|f| !canon(f).starts_with(&vault))
            .collect()
    }

    pub fn recent(&self) -> Vec<RecentVault> {
        let list: Vec<RecentVault> =
            read_json(&self.data_dir.join(RECENT_FILE)).unwrap_or_default();
        list.into_iter()
            .filter(|r| Path::new(&r.path).join("keys.json").exists())
            .collect()
    }

    pub fn remember(&self, dir: &Path) {
        let path = std::fs::canonicalize(dir)
            .unwrap_or_else(|_| dir.to_path_buf())
            .display()
            .to_string();
        let mut list = self.recent();
        list.retain(|r| r.path != path);
        list.insert(
            0,
            RecentVault {
                path,
                last_opened: consent_ledger_core::ledger::now_utc(),
            },
        );
        list.truncate(MAX_RECENT);
        let _ = write_json(&self.data_dir.join(RECENT_FILE), &list);
    }

    /// Where new vaults go by default.
    pub fn default_vault_dir(&self) -> PathBuf {
        self.data_dir.join("vaults")
    }

    pub fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }

    /// Where a fresh demo is built before it replaces the old one.
    pub fn demo_staging_dir(&self) -> PathBuf {
        self.data_dir.join("demo.new")
    }
}

/// Deletes the oldest automatic backups named `prefix…` in `folder` beyond `keep`
/// (the names sort by time).
fn prune(folder: &Path, prefix: &str, keep: usize) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let mut ours: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with(prefix) && n.ends_with(&format!(".{}", consent_ledger_core::backup::EXTENSION))
            })
        })
        .collect();
    ours.sort();
    let extra = ours.len().saturating_sub(keep);
    for p in &ours[..extra] {
        let _ = std::fs::remove_file(p);
    }
}

/// A vault path from the UI: absolute, so it never depends on where the app was started.
pub fn vault_path(path: &str) -> IpcResult<PathBuf> {
    let p = PathBuf::from(path.trim());
    if p.as_os_str().is_empty() || !p.is_absolute() {
        return Err(IpcError::new(
            "invalid",
            format!("choose a full folder path (this one is relative: {path:?})"),
        ));
    }
    Ok(p)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> IpcResult<()> {
    let io = |e: std::io::Error| IpcError::new("io", format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec_pretty(value).expect("serialisable"),
    )
    .map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
