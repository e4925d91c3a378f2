#!/usr/bin/env python3
"""Checks a Consent Ledger evidence pack (a ZIP) without the program or the
vault, from docs/FORMAT.md §15 alone: the checkpoint's Ed25519 signature by
the verifier key; every event of pack.json by its leaf hash and RFC 9162
inclusion proof against that signed root; the pack's own event (whose body
holds the SHA-256 of pack.pdf and pack.json) against a later signed
checkpoint, proven consistent with the first; each agreement text by the hash
its publication event recorded.

Usage: python3 tools/verify_pack.py PACK.zip [--verifier-key KEY] [--json]
Exit codes: 0 the pack checks, 3 it does not, 1 error (not a pack, …).
Needs PyNaCl (pip install pynacl) for the signature.
"""

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_vault import (  # noqa: E402  (shares the ledger's formats, nothing of the program)
    ToolError,
    leaf_hash,
    leaf_input,
    node_hash,
    open_note,
    parse_verifier_key,
)

SCHEMA = "consent-ledger/pack/1"
FILES = ("pack.pdf", "pack.json", "issued.json", "proofs.json", "checkpoint.txt", "verifier-key.txt")


class Bad(Exception):
    """The pack does not check (exit 3)."""


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2 (old >= 1)."""
    if old < 1 or old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = ([old_root] if old & (old - 1) == 0 else []) + list(proof)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


def hashes_of(path: Any, what: str) -> list[bytes]:
    if not isinstance(path, list):
        raise Bad(f"{what}: no proof")
    try:
        return [bytes.fromhex(h) for h in path]
    except (TypeError, ValueError):
        raise Bad(f"{what}: its proof is not hex") from None


def check_pack(data: bytes, expected_key: Optional[str]) -> dict[str, Any]:
    try:
        z = zipfile.ZipFile(__import__("io").BytesIO(data))
        files = {n: z.read(n) for n in z.namelist() if z.getinfo(n).file_size < (1 << 30)}
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise Bad(f"not an evidence pack (ZIP): {e}") from None
    for f in FILES:
        if f not in files:
            raise Bad(f"the pack has no {f}")
    key_line = files["verifier-key.txt"].decode("utf-8", "replace").strip()
    if expected_key is not None and expected_key.strip() != key_line:
        raise Bad("the pack's verifier key is not the one given: the pack comes from another vault, or its key was replaced")
    try:
        name, public = parse_verifier_key(key_line)
    except ToolError as e:
        raise Bad(f"verifier-key.txt: {e}") from None
    vault_id = name.removeprefix("consent-ledger/")
    try:
        size, root, _ = open_note(files["checkpoint.txt"].decode("utf-8"), vault_id, public)
    except (ValueError, UnicodeDecodeError) as e:
        raise Bad(f"checkpoint.txt: {e}") from None
    try:
        facts = json.loads(files["pack.json"])
        proofs = json.loads(files["proofs.json"])
        issued_file = json.loads(files["issued.json"])
        issued = issued_file["event"]
    except (ValueError, KeyError, TypeError) as e:
        raise Bad(f"a JSON file of the pack cannot be read: {e}") from None
    if facts.get("schema") != SCHEMA:
        raise Bad(f"pack.json: schema {facts.get('schema')!r}, this tool reads {SCHEMA}")
    if facts.get("vault_id") != vault_id:
        raise Bad("pack.json names another vault than the verifier key")
    if proofs.get("tree_size") != size or proofs.get("root") != root.hex():
        raise Bad("proofs.json is not against the signed checkpoint")
    anchor = facts.get("checkpoint") or {}
    if (anchor.get("tree_size"), anchor.get("root"), anchor.get("verifier_key")) != (size, root.hex(), key_line):
        raise Bad("pack.json names another checkpoint or key than checkpoint.txt and verifier-key.txt")
    paths = proofs.get("proofs") or {}

    def proven(e: dict, hashes: list[bytes], tree_size: int, tree_root: bytes) -> int:
        try:
            seq = int(e["seq"])
            subject = e.get("subject")
            leaf = leaf_hash(leaf_input(seq, e["recorded_at"].encode(), e["actor"].encode(), e["kind"].encode(),
                                        None if subject is None else subject.encode(), e["body"].encode()))
        except (KeyError, TypeError, ValueError, AttributeError) as x:
            raise Bad(f"an event cannot be read: {x}") from None
        if leaf.hex() != e.get("leaf_hash"):
            raise Bad(f"event #{seq}: its fields do not give its leaf hash (changed)")
        if seq < 1 or not verify_inclusion(leaf, seq - 1, tree_size, hashes, tree_root):
            raise Bad(f"event #{seq}: its inclusion proof does not lead to the signed root")
        return seq

    def check(e: dict) -> None:
        seq = e.get("seq") if isinstance(e, dict) else None
        proven(e, hashes_of(paths.get(str(seq)), f"event #{seq}"), size, root)

    # The pack's own event: under a later checkpoint that must extend checkpoint.txt's log.
    try:
        size2, root2, _ = open_note(issued_file["checkpoint"], vault_id, public)
    except (KeyError, TypeError, ValueError) as e:
        raise Bad(f"issued.json's checkpoint: {e}") from None
    consistency = hashes_of(issued_file.get("consistency"), "issued.json's consistency")
    if size2 <= size or not verify_consistency(size, size2, root, root2, consistency):
        raise Bad("issued.json's checkpoint does not extend checkpoint.txt's log (consistency proof fails)")
    seq = proven(issued, hashes_of(issued_file.get("inclusion"), "issued.json's event"), size2, root2)
    if seq <= size:
        raise Bad("issued.json's event is older than checkpoint.txt")
    body = json.loads(issued["body"])
    if issued.get("kind") != "document.issued" or body.get("id") != facts.get("id"):
        raise Bad("issued.json is not the event that recorded this pack")
    if body.get("text_sha256") != hashlib.sha256(files["pack.json"]).hexdigest():
        raise Bad("pack.json is not the file the pack's event recorded (changed)")
    if body.get("pdf_sha256") != hashlib.sha256(files["pack.pdf"]).hexdigest():
        raise Bad("pack.pdf is not the file the pack's event recorded (changed)")
    events = facts.get("events") or []
    for e in events:
        check(e)
    by_seq = {e.get("seq"): e for e in events}
    for t in facts.get("texts") or []:
        if hashlib.sha256(t["snapshot"].encode()).hexdigest() != t.get("content_sha256"):
            raise Bad(f"the text of {t.get('label')} is not the one published")
        pub = by_seq.get(t.get("published_seq"))
        if pub is None or json.loads(pub["body"]).get("content_sha256") != t["content_sha256"]:
            raise Bad(f"the text of {t.get('label')} is not the one its publication event hashed")
    return {"id": facts.get("id"), "kind": facts.get("kind"), "vault_id": vault_id, "tree_size": size,
            "root": root.hex(), "events": len(events) + 1, "verifier_key": key_line}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Check a Consent Ledger evidence pack without the program.")
    ap.add_argument("pack", type=Path)
    ap.add_argument("--verifier-key", help="the vault's key as received from the operator")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    try:
        data = a.pack.read_bytes()
    except OSError as e:
        print(json.dumps({"error": {"code": "io", "message": str(e)}}) if a.json else f"error: {e}", file=sys.stderr)
        return 1
    try:
        r = check_pack(data, a.verifier_key)
    except Bad as e:
        print(json.dumps({"ok": False, "problem": str(e)}) if a.json else f"The pack does NOT check: {e}")
        return 3
    print(json.dumps({"ok": True, "pack": r}) if a.json else
          f"Pack {r['id']} is intact: {r['events']} events proven against the checkpoint of {r['tree_size']} events, root {r['root']}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
