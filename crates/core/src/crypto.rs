//! Key material and the primitives the vault is built from: Argon2id key
//! derivation, XChaCha20-Poly1305 key wrapping, recovery codes and
//! HMAC-SHA256 commitments. Every secret lives in a zeroizing container.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// The 256-bit key that opens the SQLCipher database.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        MasterKey(k)
    }
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(Zeroizing::new(bytes))
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// The SQLCipher raw-key literal `x'…'`, zeroized when dropped.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(67));
        s.push_str("x'");
        s.push_str(&Zeroizing::new(hex::encode(self.0.as_ref())));
        s.push('\'');
        s
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

/// Argon2id cost parameters, stored in each key slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// 128 MiB, one lane: the memory cost of every slot.
    pub const MEMORY_KIB: u32 = 128 * 1024;
    /// Lower bound whatever the machine (OWASP's Argon2id minimum is weaker).
    pub const MIN_T: u32 = 2;
    pub const MAX_T: u32 = 16;
    /// The most a key file may ask of a reader (docs/FORMAT.md §2): 1 GiB,
    /// 64 passes, 16 lanes. Beyond that the file is refused as corrupt.
    pub const READ_MAX_M_KIB: u32 = 1024 * 1024;
    pub const READ_MAX_T: u32 = 64;
    pub const READ_MAX_P: u32 = 16;

    /// Picks the iteration count so one derivation takes about `target` on
    /// this machine (clamped to [MIN_T, MAX_T]). The probe runs two passes so
    /// that the one-off cost of allocating the memory does not count twice.
    pub fn calibrated(target: std::time::Duration) -> Self {
        let probe = KdfParams {
            m_kib: Self::MEMORY_KIB,
            t: 2,
            p: 1,
        };
        let start = std::time::Instant::now();
        let _ = derive_key(b"calibration", &[0u8; 16], &probe);
        let one = (start.elapsed().as_secs_f64() / 2.0).max(1e-3);
        let t = (target.as_secs_f64() / one).round() as u32;
        KdfParams {
            m_kib: Self::MEMORY_KIB,
            t: t.clamp(Self::MIN_T, Self::MAX_T),
            p: 1,
        }
    }

    /// Deliberately cheap parameters for tests of code that is not about
    /// key derivation. Never use for a real vault.
    pub const fn insecure_for_tests() -> Self {
        KdfParams {
            m_kib: 64,
            t: 1,
            p: 1,
        }
    }
}

/// Argon2id(secret, salt) → 32-byte key-encryption key.
pub fn derive_key(secret: &[u8], salt: &[u8], p: &KdfParams) -> Result<Zeroizing<[u8; 32]>> {
    let params = Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|e| Error::Invalid(format!("Argon2 parameters: {e}")))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(secret, salt, out.as_mut())
        .map_err(|e| Error::Invalid(format!("Argon2: {e}")))?;
    Ok(out)
}

/// XChaCha20-Poly1305 encryption of `plain` under `kek`; returns (nonce, ciphertext‖tag).
pub fn seal(kek: &[u8; 32], plain: &[u8], aad: &[u8]) -> ([u8; 24], Vec<u8>) {
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(kek.into());
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .expect("XChaCha20-Poly1305 encryption of a short buffer cannot fail");
    (nonce, ct)
}

/// Inverse of [`seal`]; `None` when the key, nonce, data or AAD do not match.
pub fn open(kek: &[u8; 32], nonce: &[u8; 24], ct: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = XChaCha20Poly1305::new(kek.into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .ok()
        .map(Zeroizing::new)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

/// The bytes a passphrase is derived from: its UTF-8 in Unicode NFC, so that
/// "й" typed as one code point or as "и" + breve opens the same slot.
pub fn passphrase_bytes(passphrase: &str) -> Zeroizing<String> {
    use unicode_normalization::UnicodeNormalization;
    Zeroizing::new(passphrase.nfc().collect())
}

/// A recovery code: 160 random bits as 32 base32 characters in groups of four.
pub fn new_recovery_code() -> Zeroizing<String> {
    let raw = Zeroizing::new(random_bytes::<20>());
    let plain = Zeroizing::new(data_encoding::BASE32_NOPAD.encode(raw.as_ref()));
    let mut out = Zeroizing::new(String::with_capacity(40));
    for (i, c) in plain.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// Normalises a typed recovery code: case, spaces and dashes do not matter,
/// and the look-alikes 0/1/8 are read as O/I/B (they are not in the alphabet).
pub fn normalize_recovery_code(code: &str) -> Result<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(32));
    for c in code.chars() {
        match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' | '\n' | '\r' => {}
            '0' => out.push('O'),
            '1' => out.push('I'),
            '8' => out.push('B'),
            c @ ('A'..='Z' | '2'..='7') => out.push(c),
            _ => {
                return Err(Error::Invalid(
                    "a recovery code has only letters A–Z and digits 2–7".into(),
                ))
            }
        }
    }
    if out.len() != 32 {
        return Err(Error::Invalid(format!(
            "a recovery code has 32 characters (8 groups of 4); this one has {}",
            out.len()
        )));
    }
    Ok(out)
}

/// HMAC-SHA256(key, message): the commitment to a subject's data.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Constant-time equality for MACs.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_roundtrip_and_tamper() {
        let kek = [7u8; 32];
        let (n, ct) = seal(&kek, b"master", b"aad");
        assert_eq!(open(&kek, &n, &ct, b"aad").unwrap().as_slice(), b"master");
        assert!(open(&kek, &n, &ct, b"other aad").is_none());
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(open(&kek, &n, &bad, b"aad").is_none());
        assert!(open(&[8u8; 32], &n, &ct, b"aad").is_none());
    }

    #[test]
    fn recovery_code_shape_and_normalisation() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 39);
        assert_eq!(code.split('-').count(), 8);
        let typed = code.to_lowercase().replace('-', " ");
        assert_eq!(
            normalize_recovery_code(&typed).unwrap().as_str(),
            code.replace('-', "")
        );
        assert!(normalize_recovery_code("ABCD").is_err());
        assert!(normalize_recovery_code(&"#".repeat(32)).is_err());
    }

    #[test]
    fn argon2id_matches_rfc9106_shape() {
        // Same inputs, same key; different salt, different key.
        let p = KdfParams::insecure_for_tests();
        let a = derive_key(b"pw", &[1u8; 16], &p).unwrap();
        let b = derive_key(b"pw", &[1u8; 16], &p).unwrap();
        let c = derive_key(b"pw", &[2u8; 16], &p).unwrap();
        assert_eq!(*a, *b);
        assert_ne!(*a, *c);
    }

    #[test]
    fn passphrases_are_nfc() {
        assert_eq!(passphrase_bytes("\u{438}\u{306}").as_str(), "\u{439}");
        assert_eq!(passphrase_bytes("plain").as_str(), "plain");
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
