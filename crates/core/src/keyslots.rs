//! `keys.json`: the key-slot file. Each slot wraps the vault's master key
//! under a key derived from one secret (an operator passphrase or the
//! recovery code). The file holds no personal or organisation data and is
//! always replaced atomically (temp file, fsync, rename, fsync of the folder).

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::{self, KdfParams, MasterKey};
use crate::error::{Error, Result};

pub const KEYS_FILE: &str = "keys.json";
pub const FORMAT_NAME: &str = "consent-ledger-keys";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    Passphrase,
    Recovery,
}

impl SlotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SlotKind::Passphrase => "passphrase",
            SlotKind::Recovery => "recovery",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kdf {
    /// Always "argon2id" (version 0x13) in format 1.
    pub algorithm: String,
    #[serde(flatten)]
    pub params: KdfParams,
    /// 16 random bytes, base64.
    pub salt: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slot {
    /// Random identifier, 16 hex digits.
    pub id: String,
    pub kind: SlotKind,
    pub kdf: Kdf,
    /// Always "xchacha20poly1305" in format 1.
    pub aead: String,
    /// 24 bytes, base64.
    pub nonce: String,
    /// The 32-byte master key encrypted, followed by the 16-byte tag; base64.
    pub wrapped_key: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyFile {
    pub format: String,
    pub version: u32,
    /// Random vault identifier, 32 hex digits; also stored inside the database.
    pub vault_id: String,
    pub slots: Vec<Slot>,
}

/// Associated data binding a wrapped key to its vault, slot and kind.
fn aad(vault_id: &str, slot_id: &str, kind: SlotKind) -> Vec<u8> {
    format!(
        "consent-ledger/keyslot/v1\n{vault_id}\n{slot_id}\n{}",
        kind.as_str()
    )
    .into_bytes()
}

impl KeyFile {
    pub fn new(vault_id: String) -> Self {
        KeyFile {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            vault_id,
            slots: vec![],
        }
    }

    pub fn path(dir: &Path) -> PathBuf {
        dir.join(KEYS_FILE)
    }

    /// Reads and checks the slot file of the vault in `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = Self::path(dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotAVault {
                    path: dir.to_path_buf(),
                    missing: KEYS_FILE,
                })
            }
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        Self::from_bytes(&bytes, &path)
    }

    /// Reads and checks a slot file's bytes; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let corrupt = |detail: String| Error::Corrupt {
            file: path.to_path_buf(),
            detail,
        };
        let kf: KeyFile = serde_json::from_slice(bytes)
            .map_err(|e| corrupt(format!("not a valid key-slot file ({e})")))?;
        if kf.format != FORMAT_NAME {
            return Err(corrupt(format!("unknown format {:?}", kf.format)));
        }
        if kf.version > FORMAT_VERSION {
            return Err(Error::TooNew {
                file: path.to_path_buf(),
                found: kf.version.into(),
                supported: FORMAT_VERSION.into(),
            });
        }
        if kf.vault_id.len() != 32 || hex::decode(&kf.vault_id).is_err() {
            return Err(corrupt("bad vault_id".into()));
        }
        for s in &kf.slots {
            s.decoded()
                .map_err(|d| corrupt(format!("slot {}: {d}", s.id)))?;
        }
        if !kf.slots.iter().any(|s| s.kind == SlotKind::Passphrase) {
            return Err(corrupt("no passphrase slot".into()));
        }
        Ok(kf)
    }

    /// Writes the file atomically: a crash leaves either the old or the new file.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self).expect("key file serialises");
        crate::files::write_atomic(&Self::path(dir), &json)
    }

    /// Adds a slot wrapping `master` under `secret`; returns its id.
    pub fn add_slot(
        &mut self,
        kind: SlotKind,
        secret: &[u8],
        master: &MasterKey,
        params: KdfParams,
    ) -> Result<String> {
        let id = hex::encode(crypto::random_bytes::<8>());
        let slot = self.wrap(id.clone(), kind, secret, master, params)?;
        self.slots.push(slot);
        Ok(id)
    }

    /// Rewraps one slot under a new secret (same id, fresh salt and nonce).
    pub fn rewrap_slot(
        &mut self,
        slot_id: &str,
        secret: &[u8],
        master: &MasterKey,
        params: KdfParams,
    ) -> Result<()> {
        let idx = self
            .slots
            .iter()
            .position(|s| s.id == slot_id)
            .ok_or_else(|| Error::NotFound(format!("key slot {slot_id}")))?;
        let kind = self.slots[idx].kind;
        self.slots[idx] = self.wrap(slot_id.to_string(), kind, secret, master, params)?;
        Ok(())
    }

    fn wrap(
        &self,
        id: String,
        kind: SlotKind,
        secret: &[u8],
        master: &MasterKey,
        params: KdfParams,
    ) -> Result<Slot> {
        let salt = crypto::random_bytes::<16>();
        let kek = crypto::derive_key(secret, &salt, &params)?;
        let (nonce, ct) = crypto::seal(&kek, master.as_bytes(), &aad(&self.vault_id, &id, kind));
        Ok(Slot {
            kdf: Kdf {
                algorithm: "argon2id".into(),
                params,
                salt: B64.encode(salt),
            },
            aead: "xchacha20poly1305".into(),
            nonce: B64.encode(nonce),
            wrapped_key: B64.encode(ct),
            id,
            kind,
        })
    }

    /// Tries every slot of `kind` with `secret`; returns the master key and the slot id.
    pub fn unlock(&self, kind: SlotKind, secret: &[u8]) -> Result<(MasterKey, String)> {
        for slot in self.slots.iter().filter(|s| s.kind == kind) {
            let (salt, nonce, ct) = slot.decoded().expect("checked at load");
            let kek = crypto::derive_key(secret, &salt, &slot.kdf.params)?;
            if let Some(plain) =
                crypto::open(&kek, &nonce, &ct, &aad(&self.vault_id, &slot.id, kind))
            {
                let mut key = [0u8; 32];
                key.copy_from_slice(&plain);
                return Ok((MasterKey::from_bytes(key), slot.id.clone()));
            }
        }
        Err(Error::WrongSecret)
    }
}

type Decoded = (Vec<u8>, [u8; 24], Vec<u8>);

impl Slot {
    /// (salt, nonce, wrapped key), checked.
    fn decoded(&self) -> std::result::Result<Decoded, String> {
        if self.kdf.algorithm != "argon2id" || self.aead != "xchacha20poly1305" {
            return Err(format!(
                "unsupported algorithms {}/{}",
                self.kdf.algorithm, self.aead
            ));
        }
        let salt = B64
            .decode(&self.kdf.salt)
            .map_err(|e| format!("salt: {e}"))?;
        let nonce: [u8; 24] = B64
            .decode(&self.nonce)
            .map_err(|e| format!("nonce: {e}"))?
            .try_into()
            .map_err(|_| "nonce is not 24 bytes".to_string())?;
        let ct = B64
            .decode(&self.wrapped_key)
            .map_err(|e| format!("wrapped_key: {e}"))?;
        if salt.len() < 16 || ct.len() != 48 {
            return Err("salt or wrapped key has the wrong length".into());
        }
        let p = &self.kdf.params;
        if argon2::Params::new(p.m_kib, p.t, p.p, Some(32)).is_err() {
            return Err("invalid Argon2 parameters".into());
        }
        // A key file from elsewhere must not make unlocking take all the
        // memory or run for hours (docs/FORMAT.md §2).
        if p.m_kib > KdfParams::READ_MAX_M_KIB || p.t > KdfParams::READ_MAX_T || p.p > KdfParams::READ_MAX_P {
            return Err(format!(
                "Argon2 parameters beyond what a reader accepts (m_kib {} ≤ {}, t {} ≤ {}, p {} ≤ {})",
                p.m_kib,
                KdfParams::READ_MAX_M_KIB,
                p.t,
                KdfParams::READ_MAX_T,
                p.p,
                KdfParams::READ_MAX_P
            ));
        }
        Ok((salt, nonce, ct))
    }
}


/// The secret a slot is opened with, zeroized on drop.
pub type Secret = Zeroizing<String>;

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (tempfile::TempDir, KeyFile, MasterKey) {
        let dir = tempfile::tempdir().unwrap();
        let mut kf = KeyFile::new(hex::encode([3u8; 16]));
        let mk = MasterKey::generate();
        kf.add_slot(
            SlotKind::Passphrase,
            b"pass one",
            &mk,
            KdfParams::insecure_for_tests(),
        )
        .unwrap();
        kf.add_slot(
            SlotKind::Recovery,
            b"CODE",
            &mk,
            KdfParams::insecure_for_tests(),
        )
        .unwrap();
        kf.save(dir.path()).unwrap();
        (dir, kf, mk)
    }

    #[test]
    fn unlock_each_slot_kind_only_with_its_secret() {
        let (dir, _, mk) = sample();
        let kf = KeyFile::load(dir.path()).unwrap();
        let (k, _) = kf.unlock(SlotKind::Passphrase, b"pass one").unwrap();
        assert_eq!(k.as_bytes(), mk.as_bytes());
        assert!(matches!(
            kf.unlock(SlotKind::Passphrase, b"CODE"),
            Err(Error::WrongSecret)
        ));
        assert!(matches!(
            kf.unlock(SlotKind::Recovery, b"pass one"),
            Err(Error::WrongSecret)
        ));
        assert!(kf.unlock(SlotKind::Recovery, b"CODE").is_ok());
    }

    #[test]
    fn slot_moved_to_another_vault_does_not_open() {
        let (dir, mut kf, _) = sample();
        kf.vault_id = hex::encode([4u8; 16]);
        kf.save(dir.path()).unwrap();
        let kf = KeyFile::load(dir.path()).unwrap();
        assert!(matches!(
            kf.unlock(SlotKind::Passphrase, b"pass one"),
            Err(Error::WrongSecret)
        ));
    }

    #[test]
    fn damaged_files_are_named() {
        let (dir, _, _) = sample();
        let path = KeyFile::path(dir.path());
        let full = std::fs::read(&path).unwrap();
        for bad in [&full[..full.len() / 2], b"\x00\x01binary", b"{}"] {
            std::fs::write(&path, bad).unwrap();
            let e = KeyFile::load(dir.path()).unwrap_err();
            assert_eq!(e.code(), "corrupt", "{e}");
            assert!(e.to_string().contains("keys.json"), "{e}");
        }
        let mut v: serde_json::Value = serde_json::from_slice(&full).unwrap();
        v["version"] = 99.into();
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        assert_eq!(KeyFile::load(dir.path()).unwrap_err().code(), "too_new");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(KeyFile::load(dir.path()).unwrap_err().code(), "not_a_vault");
    }

    #[test]
    fn save_leaves_no_temp_files() {
        let (dir, _, _) = sample();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(KEYS_FILE)]);
    }
}
