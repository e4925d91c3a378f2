//! Signed checkpoints: (tree size, root, time) signed with the vault's Ed25519
//! key, in the C2SP "signed note" / "tlog-checkpoint" text format so that a
//! checkpoint can be kept outside the vault as a few lines of text.
//!
//! ```text
//! consent-ledger/<vault_id>
//! <tree size>
//! <base64 root>
//! time <RFC 3339 UTC>
//!
//! — consent-ledger/<vault_id> <base64(key hash[4] ‖ signature[64])>
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::ledger;
use crate::merkle::Hash;

/// A checkpoint as stored in the vault.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    pub id: u64,
    pub tree_size: u64,
    #[serde(with = "crate::ledger::hex_hash")]
    pub root: Hash,
    pub created_at: String,
    /// The signed note, ready to be exported.
    pub note: String,
}

/// What a note says once its signature has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash,
    pub time: String,
}

/// The log's name, used as the note's origin line and as the key name.
pub fn origin(vault_id: &str) -> String {
    format!("consent-ledger/{vault_id}")
}

/// Key hash of the signed-note format: SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[..4].
pub fn key_hash(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([0x01]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// The verifier key as one line: `<name>+<key hash hex>+<base64(0x01 ‖ public key)>`.
pub fn verifier_key(vault_id: &str, public: &VerifyingKey) -> String {
    let name = origin(vault_id);
    let mut k = vec![0x01];
    k.extend_from_slice(public.as_bytes());
    format!(
        "{name}+{}+{}",
        hex::encode(key_hash(&name, public)),
        B64.encode(k)
    )
}

/// Reads a verifier key line: its vault id and public key, the key hash
/// checked. The base64 part may hold `+`: split at the first two only.
pub fn parse_verifier_key(line: &str) -> Result<(String, VerifyingKey)> {
    let bad = |why: &str| Error::Invalid(format!("not a Consent Ledger verifier key: {why}"));
    let mut parts = line.trim().splitn(3, '+');
    let (Some(name), Some(hash), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("a key is NAME+KEYHASH+BASE64KEY"));
    };
    let vault_id = name.strip_prefix("consent-ledger/").ok_or_else(|| bad("its name is not consent-ledger/…"))?;
    let raw = B64.decode(key).map_err(|_| bad("its last part is not base64"))?;
    if raw.len() != 33 || raw[0] != 0x01 {
        return Err(bad("not an Ed25519 key"));
    }
    let public = VerifyingKey::from_bytes(raw[1..].try_into().expect("32 bytes"))
        .map_err(|_| bad("not an Ed25519 key"))?;
    if hex::encode(key_hash(name, &public)) != hash.to_ascii_lowercase() {
        return Err(bad("its key hash does not match its name and key"));
    }
    Ok((vault_id.to_string(), public))
}

/// Builds and signs a checkpoint note.
pub fn sign_note(
    vault_id: &str,
    key: &SigningKey,
    tree_size: u64,
    root: &Hash,
    time: &str,
) -> String {
    let name = origin(vault_id);
    let body = format!("{name}\n{tree_size}\n{}\ntime {time}\n", B64.encode(root));
    let sig = key.sign(body.as_bytes());
    let mut blob = key_hash(&name, &key.verifying_key()).to_vec();
    blob.extend_from_slice(&sig.to_bytes());
    format!("{body}\n\u{2014} {name} {}\n", B64.encode(blob))
}

/// Checks a note's signature with `public` and reads it.
pub fn open_note(note: &str, vault_id: &str, public: &VerifyingKey) -> Result<SignedCheckpoint> {
    let bad = |why: &str| Error::Invalid(format!("not a valid checkpoint of this vault: {why}"));
    let note = note.replace("\r\n", "\n");
    let (body, sigs) = note
        .split_once("\n\n")
        .ok_or_else(|| bad("no signature block"))?;
    let body = format!("{body}\n");
    let name = origin(vault_id);
    let want_hash = key_hash(&name, public);
    let mut verified = false;
    for line in sigs.lines().filter(|l| !l.is_empty()) {
        let rest = line
            .strip_prefix("\u{2014} ")
            .ok_or_else(|| bad("malformed signature line"))?;
        let (signer, b64) = rest
            .rsplit_once(' ')
            .ok_or_else(|| bad("malformed signature line"))?;
        let blob = B64
            .decode(b64.trim())
            .map_err(|_| bad("signature is not base64"))?;
        if signer != name || blob.len() != 68 || blob[..4] != want_hash {
            continue;
        }
        let sig = Signature::from_slice(&blob[4..]).map_err(|_| bad("malformed signature"))?;
        if public.verify(body.as_bytes(), &sig).is_err() {
            return Err(bad(
                "the signature does not match its text (altered or signed by another key)",
            ));
        }
        verified = true;
    }
    if !verified {
        return Err(bad("it is not signed by this vault's key"));
    }
    let mut lines = body.lines();
    let origin_line = lines.next().unwrap_or_default();
    if origin_line != name {
        return Err(bad("it names another log"));
    }
    let tree_size = lines
        .next()
        .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| bad("bad tree size line"))?;
    let root: Hash = lines
        .next()
        .and_then(|l| B64.decode(l).ok())
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| bad("bad root hash line"))?;
    let time = lines
        .find_map(|l| l.strip_prefix("time "))
        .unwrap_or_default()
        .to_string();
    Ok(SignedCheckpoint {
        origin: origin_line.to_string(),
        tree_size,
        root,
        time,
    })
}

/// The kind of the event that records each checkpoint (the event right
/// after the tree it signs: `seq = tree_size + 1`).
pub const CREATED_KIND: &str = "checkpoint.created";

/// Signs the current tree, stores the checkpoint and records it as event
/// `checkpoint.created` `{checkpoint, root, tree_size}` (the next seq), so
/// that a checkpoint row removed later is missed by `verify`.
pub fn create(tx: &Transaction, actor: &str, vault_id: &str, key: &SigningKey) -> Result<Checkpoint> {
    let tree_size = ledger::size(tx)?;
    let root = ledger::root(tx, tree_size)?;
    let created_at = ledger::now_utc();
    let note = sign_note(vault_id, key, tree_size, &root, &created_at);
    tx.execute(
        "INSERT INTO checkpoints (tree_size, root, created_at, note) VALUES (?1, ?2, ?3, ?4)",
        params![tree_size as i64, root, created_at, note],
    )?;
    let id = tx.last_insert_rowid() as u64;
    ledger::append(
        tx,
        actor,
        &[ledger::NewEvent::new(
            CREATED_KIND,
            serde_json::json!({ "checkpoint": id, "root": hex::encode(root), "tree_size": tree_size }),
        )],
    )?;
    Ok(Checkpoint {
        id,
        tree_size,
        root,
        created_at,
        note,
    })
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<Checkpoint> {
    Ok(Checkpoint {
        id: r.get::<_, i64>(0)? as u64,
        tree_size: r.get::<_, i64>(1)? as u64,
        root: r.get(2)?,
        created_at: r.get(3)?,
        note: r.get(4)?,
    })
}

/// The checkpoint key a vault's database holds (checked by verify against
/// the key its first event announced).
pub fn public_key_of(conn: &Connection) -> Result<VerifyingKey> {
    let bytes: Vec<u8> = conn.query_row("SELECT public FROM signing_key", [], |r| r.get(0))?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::Invalid("the vault's checkpoint key is not 32 bytes".into()))?;
    VerifyingKey::from_bytes(&arr).map_err(|e| Error::Invalid(format!("the vault's checkpoint key: {e}")))
}

pub fn list(conn: &Connection) -> Result<Vec<Checkpoint>> {
    let mut stmt =
        conn.prepare("SELECT id, tree_size, root, created_at, note FROM checkpoints ORDER BY id")?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn latest(conn: &Connection) -> Result<Option<Checkpoint>> {
    Ok(conn
        .query_row("SELECT id, tree_size, root, created_at, note FROM checkpoints ORDER BY id DESC LIMIT 1", [], row)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_roundtrip_and_forgery() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let vid = "00112233445566778899aabbccddeeff";
        let note = sign_note(vid, &key, 42, &[5u8; 32], "2026-11-22T10:00:00.000000Z");
        let cp = open_note(&note, vid, &key.verifying_key()).unwrap();
        assert_eq!(
            (cp.tree_size, cp.root, cp.time.as_str()),
            (42, [5u8; 32], "2026-11-22T10:00:00.000000Z")
        );
        // Altered size, other key, other vault: all refused.
        assert!(open_note(
            &note.replacen("\n42\n", "\n43\n", 1),
            vid,
            &key.verifying_key()
        )
        .is_err());
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert!(open_note(&note, vid, &other.verifying_key()).is_err());
        assert!(open_note(
            &note,
            "ffeeddccbbaa99887766554433221100",
            &key.verifying_key()
        )
        .is_err());
        assert!(open_note("garbage", vid, &key.verifying_key()).is_err());
        // Windows line endings from a copy through a text editor still verify.
        assert!(open_note(&note.replace('\n', "\r\n"), vid, &key.verifying_key()).is_ok());
    }

    #[test]
    fn verifier_key_shape() {
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let v = verifier_key("00112233445566778899aabbccddeeff", &key.verifying_key());
        let parts: Vec<_> = v.split('+').collect();
        assert_eq!(parts.len(), 3);
        let (vid, public) = parse_verifier_key(&v).unwrap();
        assert_eq!((vid.as_str(), public), ("00112233445566778899aabbccddeeff", key.verifying_key()));
        assert!(parse_verifier_key(&v.replacen('+', "+0", 1)).is_err());
        // A base64 part holding '+' still reads.
        for seed in 0u8..=255 {
            let k = SigningKey::from_bytes(&[seed; 32]);
            let v = verifier_key("00112233445566778899aabbccddeeff", &k.verifying_key());
            assert_eq!(parse_verifier_key(&v).unwrap().1, k.verifying_key(), "{v}");
        }
        assert_eq!(parts[1].len(), 8);
        assert_eq!(B64.decode(parts[2]).unwrap().len(), 33);
    }
}
