//! docs/test-vectors.json was computed with Python from docs/FORMAT.md alone;
//! this test holds the Rust code to the same bytes.

use consent_ledger_core::crypto::{self, KdfParams};
use consent_ledger_core::{checkpoint, ledger, merkle, subjects};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/test-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn h(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn h32(v: &Value) -> [u8; 32] {
    h(v).try_into().unwrap()
}

#[test]
fn leaf_inputs_and_hashes() {
    let v = vectors();
    for case in [&v["leaf_no_subject"], &v["leaf_with_subject"]] {
        let mut buf = Vec::new();
        ledger::leaf_input_into(
            &mut buf,
            case["seq"].as_u64().unwrap(),
            case["recorded_at"].as_str().unwrap(),
            case["actor"].as_str().unwrap(),
            case["kind"].as_str().unwrap(),
            case["subject"].as_str(),
            case["body"].as_str().unwrap(),
        );
        assert_eq!(buf, h(&case["leaf_input"]));
        assert_eq!(merkle::leaf_hash(&buf).to_vec(), h(&case["leaf_hash"]));
    }
}

#[test]
fn merkle_roots_and_proofs() {
    let m = &vectors()["merkle"];
    assert_eq!(merkle::empty_root().to_vec(), h(&m["empty_root"]));
    let mut tree = merkle::MemoryTree::default();
    for (i, input) in m["leaf_inputs"].as_array().unwrap().iter().enumerate() {
        let leaf = merkle::leaf_hash(&h(input));
        assert_eq!(leaf.to_vec(), h(&m["leaf_hashes"][i]));
        tree.push(leaf);
        assert_eq!(
            merkle::root(&tree, i as u64 + 1).unwrap().to_vec(),
            h(&m["roots"][i])
        );
    }
    for p in m["inclusion_proofs"].as_array().unwrap() {
        let (idx, size) = (
            p["index"].as_u64().unwrap(),
            p["tree_size"].as_u64().unwrap(),
        );
        let ours: Vec<String> = merkle::inclusion_proof(&tree, idx, size)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect();
        let theirs: Vec<String> = p["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ours, theirs, "inclusion {idx}/{size}");
    }
    for p in m["consistency_proofs"].as_array().unwrap() {
        let (old, new) = (
            p["old_size"].as_u64().unwrap(),
            p["new_size"].as_u64().unwrap(),
        );
        let ours: Vec<String> = merkle::consistency_proof(&tree, old, new)
            .unwrap()
            .iter()
            .map(hex::encode)
            .collect();
        let theirs: Vec<String> = p["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        assert_eq!(ours, theirs, "consistency {old}->{new}");
    }
}

#[test]
fn key_slots_unwrap() {
    let v = vectors();
    for case in [&v["key_slot_passphrase"], &v["key_slot_recovery"]] {
        let params = KdfParams {
            m_kib: case["m_kib"].as_u64().unwrap() as u32,
            t: case["t"].as_u64().unwrap() as u32,
            p: case["p"].as_u64().unwrap() as u32,
        };
        let secret = match case["kind"].as_str().unwrap() {
            "recovery" => {
                crypto::normalize_recovery_code(case["recovery_code_as_typed"].as_str().unwrap())
                    .unwrap()
            }
            _ => crypto::passphrase_bytes(case["passphrase_utf8"].as_str().unwrap()),
        };
        assert_eq!(secret.as_str(), case["kdf_input_utf8"].as_str().unwrap());
        let kek = crypto::derive_key(secret.as_bytes(), &h(&case["salt"]), &params).unwrap();
        assert_eq!(kek.to_vec(), h(&case["kek"]));
        let nonce: [u8; 24] = h(&case["nonce"]).try_into().unwrap();
        let master = crypto::open(&kek, &nonce, &h(&case["wrapped_key"]), &h(&case["aad"]))
            .expect("unwraps");
        assert_eq!(master.to_vec(), h(&case["master_key"]));
    }
    // The same slots as a keys.json file open through the real loader.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keys.json"),
        serde_json::to_vec(&v["keys_json"]).unwrap(),
    )
    .unwrap();
    let kf = consent_ledger_core::keyslots::KeyFile::load(dir.path()).unwrap();
    let pass = v["key_slot_passphrase"]["passphrase_utf8"]
        .as_str()
        .unwrap();
    let (mk, _) = kf
        .unlock(
            consent_ledger_core::keyslots::SlotKind::Passphrase,
            pass.as_bytes(),
        )
        .unwrap();
    assert_eq!(
        mk.as_bytes().to_vec(),
        h(&v["key_slot_passphrase"]["master_key"])
    );
    for n in v["recovery_code_normalisation"].as_array().unwrap() {
        assert_eq!(
            crypto::normalize_recovery_code(n["typed"].as_str().unwrap())
                .unwrap()
                .as_str(),
            n["normalised"].as_str().unwrap()
        );
    }
}

#[test]
fn checkpoint_note_and_verifier_key() {
    let c = &vectors()["checkpoint"];
    let key = ed25519_dalek::SigningKey::from_bytes(&h32(&c["seed"]));
    assert_eq!(key.verifying_key().as_bytes().to_vec(), h(&c["public_key"]));
    let vid = c["vault_id"].as_str().unwrap();
    let note = checkpoint::sign_note(
        vid,
        &key,
        c["tree_size"].as_u64().unwrap(),
        &h32(&c["root"]),
        c["time"].as_str().unwrap(),
    );
    assert_eq!(note, c["note_text"].as_str().unwrap());
    assert_eq!(
        checkpoint::verifier_key(vid, &key.verifying_key()),
        c["verifier_key"].as_str().unwrap()
    );
}

#[test]
fn subject_commitment() {
    let s = &vectors()["subject_commitment"];
    let c = subjects::commitment(
        &h(&s["hmac_key"]),
        s["canonical_data_utf8"].as_str().unwrap(),
    );
    assert_eq!(c, s["commitment"].as_str().unwrap());
}
