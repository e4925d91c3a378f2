//! What the shell keeps between commands: the open vault (if any), the
//! app-data folder, settings and recent vaults (paths only, no secrets),
//! the idle clock and the verify cancel flag.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use consent_ledger_core::Vault;

use crate::dto::{RecentVault, Settings};
use crate::error::{IpcError, IpcResult};

/// Environment variable that redirects the app-data folder (tests use it so
/// they never touch a real user's vaults).
pub const DATA_DIR_ENV: &str = "CONSENT_LEDGER_DATA_DIR";
/// Set by `cargo xtask run`: a first launch opens the demo vault.
pub const OPEN_DEMO_ENV: &str = "CONSENT_LEDGER_OPEN_DEMO";
const SETTINGS_FILE: &str = "settings.json";
const RECENT_FILE: &str = "recent.json";
const MAX_RECENT: usize = 8;

pub struct AppState {
    pub data_dir: PathBuf,
    pub vault: Mutex<Option<Vault>>,
    pub last_activity: Mutex<Instant>,
    pub cancel_verify: Arc<AtomicBool>,
    pub settings: Mutex<Settings>,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        let settings = read_json(&data_dir.join(SETTINGS_FILE)).unwrap_or_default();
        AppState {
            data_dir,
            vault: Mutex::new(None),
            last_activity: Mutex::new(Instant::now()),
            cancel_verify: Arc::new(AtomicBool::new(false)),
            settings: Mutex::new(settings),
        }
    }

    pub fn touch(&self) {
        *self.last_activity.lock().unwrap() = Instant::now();
    }

    /// Runs `f` on the open vault, or fails with `locked`.
    pub fn with_vault<T>(&self, f: impl FnOnce(&mut Vault) -> IpcResult<T>) -> IpcResult<T> {
        self.touch();
        let mut guard = self.vault.lock().unwrap();
        match guard.as_mut() {
            Some(v) => f(v),
            None => Err(IpcError::locked()),
        }
    }

    /// Closes the open vault (recording `vault.locked`); the keys are zeroized on drop.
    pub fn lock(&self) -> IpcResult<bool> {
        let taken = self.vault.lock().unwrap().take();
        match taken {
            Some(v) => {
                v.lock()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Replaces the open vault (locking the previous one).
    pub fn set_vault(&self, v: Vault) -> IpcResult<()> {
        self.lock()?;
        self.remember(v.dir());
        *self.vault.lock().unwrap() = Some(v);
        self.touch();
        Ok(())
    }

    pub fn settings(&self) -> Settings {
        self.settings.lock().unwrap().clone()
    }

    pub fn save_settings(&self, s: Settings) -> IpcResult<Settings> {
        let s = s.validated()?;
        write_json(&self.data_dir.join(SETTINGS_FILE), &s)?;
        *self.settings.lock().unwrap() = s.clone();
        Ok(s)
    }

    pub fn recent(&self) -> Vec<RecentVault> {
        let list: Vec<RecentVault> =
            read_json(&self.data_dir.join(RECENT_FILE)).unwrap_or_default();
        list.into_iter()
            .filter(|r| Path::new(&r.path).join("keys.json").exists())
            .collect()
    }

    fn remember(&self, dir: &Path) {
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
