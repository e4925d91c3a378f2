#!/usr/bin/env python3
"""Verify a Consent Ledger vault without Consent Ledger.

Opens keys.json, derives the key-encryption key from the passphrase (or the
recovery code) with Argon2id, unwraps the master key, reads vault.db
(SQLCipher 4) in memory, then recomputes every leaf hash (checking that seq
runs 1, 2, 3, ... without gaps), the RFC 6962 Merkle root, the stored Merkle
nodes, and every checkpoint's Ed25519 signature and root. Everything is done
from the format description in docs/FORMAT.md; nothing of the Rust code is
used.

    pip install -r tools/requirements.txt
    CONSENT_LEDGER_PASSPHRASE='...' python3 tools/verify_vault.py --vault ./acme
    python3 tools/verify_vault.py --vault ./acme --recovery-code   # asks for it
    python3 tools/verify_vault.py --vault ./acme --json

Exit codes: 0 the ledger verifies, 1 error (wrong secret, not a vault, damaged
file, missing dependency, ...), 2 usage, 3 verification failed.

Nothing decrypted is ever written to disk: the database is read through
SQLCipher opened read-only, or decrypted page by page into memory and handed
to an in-memory SQLite database. No temporary files are made.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import getpass
import hashlib
import hmac
import json
import os
import unicodedata
import re
import sqlite3
import struct
import sys
from pathlib import Path
from typing import Any, Callable, Optional

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FAILED = 0, 1, 2, 3

KEYS_FILE = "keys.json"
DB_FILE = "vault.db"
KEYS_FORMAT = "consent-ledger-keys"
KEYS_VERSION = 1
SCHEMA_VERSION = 14
LEAF_VERSION = 1
STORED_MIN_LEVEL = 6
PASSPHRASE_ENV = "CONSENT_LEDGER_PASSPHRASE"
RECOVERY_ENV = "CONSENT_LEDGER_RECOVERY_CODE"

# SQLCipher 4 defaults (page layout used by the built-in reader).
PAGE_SIZE = 4096
IV_SIZE = 16
HMAC_SIZE = 64
RESERVE = 80  # IV + HMAC-SHA512, rounded up to the AES block size
SQLITE_HEADER = b"SQLite format 3\x00"


class ToolError(Exception):
    """Anything that stops verification before it can say yes or no (exit 1)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Problem(Exception):
    """The first thing that does not verify (exit 3)."""

    def __init__(self, code: str, seq: Optional[int], message: str):
        super().__init__(message)
        self.code = code
        self.seq = seq
        self.message = message


def need(module: str, package: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise ToolError(
            "missing_dependency",
            f"the Python package {package} is not installed; run: pip install -r tools/requirements.txt",
        ) from None


# --------------------------------------------------------------------------
# keys.json and key derivation
# --------------------------------------------------------------------------


def b64(s: Any, what: str) -> bytes:
    if not isinstance(s, str):
        raise ValueError(f"{what} is not a string")
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not base64") from None


def load_keys(vault: Path) -> dict:
    path = vault / KEYS_FILE
    if not path.is_file():
        raise ToolError("not_a_vault", f"{vault} is not a Consent Ledger vault (missing {KEYS_FILE})")
    if not (vault / DB_FILE).is_file():
        raise ToolError("not_a_vault", f"{vault} is not a Consent Ledger vault (missing {DB_FILE})")

    def corrupt(detail: str) -> ToolError:
        return ToolError("corrupt", f"{path} is damaged or is not part of a Consent Ledger vault: {detail}")

    try:
        kf = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise corrupt(f"not a valid key-slot file ({e})") from None
    except OSError as e:
        raise ToolError("io", f"reading {path}: {e}") from None
    if not isinstance(kf, dict) or kf.get("format") != KEYS_FORMAT:
        raise corrupt(f"unknown format {kf.get('format') if isinstance(kf, dict) else None!r}")
    version = kf.get("version")
    if not isinstance(version, int) or version < 1:
        raise corrupt("bad version")
    if version > KEYS_VERSION:
        raise ToolError("too_new", f"{path} has format version {version}; this tool reads up to {KEYS_VERSION}")
    vid = kf.get("vault_id")
    if not isinstance(vid, str) or not re.fullmatch(r"[0-9a-f]{32}", vid):
        raise corrupt("bad vault_id")
    slots = kf.get("slots")
    if not isinstance(slots, list):
        raise corrupt("no slots")
    for s in slots:
        try:
            check_slot(s)
        except ValueError as e:
            sid = s.get("id") if isinstance(s, dict) else None
            raise corrupt(f"slot {sid}: {e}") from None
    if not any(s["kind"] == "passphrase" for s in slots):
        raise corrupt("no passphrase slot")
    return kf


def check_slot(s: Any) -> None:
    if not isinstance(s, dict):
        raise ValueError("not an object")
    if not isinstance(s.get("id"), str) or s.get("kind") not in ("passphrase", "recovery"):
        raise ValueError("bad id or kind")
    kdf = s.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("algorithm") != "argon2id" or s.get("aead") != "xchacha20poly1305":
        raise ValueError("unsupported algorithms")
    for k in ("m_kib", "t", "p"):
        if not isinstance(kdf.get(k), int) or isinstance(kdf.get(k), bool) or kdf[k] < 1:
            raise ValueError(f"bad Argon2 parameter {k}")
    if kdf["m_kib"] < 8 * kdf["p"]:
        raise ValueError("invalid Argon2 parameters")
    # FORMAT §2.1: beyond these a reader refuses the slot.
    if kdf["m_kib"] > 1048576 or kdf["t"] > 64 or kdf["p"] > 16:
        raise ValueError("Argon2 parameters beyond what a reader accepts")
    if len(b64(kdf.get("salt"), "salt")) < 16:
        raise ValueError("salt shorter than 16 bytes")
    if len(b64(s.get("nonce"), "nonce")) != 24:
        raise ValueError("nonce is not 24 bytes")
    if len(b64(s.get("wrapped_key"), "wrapped_key")) != 48:
        raise ValueError("wrapped key is not 48 bytes")


def slot_aad(vault_id: str, slot_id: str, kind: str) -> bytes:
    return f"consent-ledger/keyslot/v1\n{vault_id}\n{slot_id}\n{kind}".encode("utf-8")


def derive_kek(secret: bytes, kdf: dict) -> bytes:
    low = need("argon2.low_level", "argon2-cffi")
    return low.hash_secret_raw(
        secret=secret,
        salt=base64.b64decode(kdf["salt"]),
        time_cost=kdf["t"],
        memory_cost=kdf["m_kib"],
        parallelism=kdf["p"],
        hash_len=32,
        type=low.Type.ID,
        version=0x13,
    )


def unlock(kf: dict, kind: str, secret: bytes) -> tuple[bytes, str]:
    """Tries every slot of `kind`; returns (master key, slot id)."""
    nb = need("nacl.bindings", "PyNaCl")
    nacl_exc = need("nacl.exceptions", "PyNaCl")
    for s in kf["slots"]:
        if s["kind"] != kind:
            continue
        kek = derive_kek(secret, s["kdf"])
        try:
            master = nb.crypto_aead_xchacha20poly1305_ietf_decrypt(
                base64.b64decode(s["wrapped_key"]),
                slot_aad(kf["vault_id"], s["id"], kind),
                base64.b64decode(s["nonce"]),
                kek,
            )
        except nacl_exc.CryptoError:
            continue
        if len(master) == 32:
            return master, s["id"]
    what = "passphrase" if kind == "passphrase" else "recovery code"
    raise ToolError(
        "wrong_secret",
        f"wrong {what}: it opens no {kind} slot of {KEYS_FILE} (nothing was read from the database)",
    )


def normalize_recovery_code(code: str) -> str:
    """Case, spaces and dashes do not matter; 0/1/8 are read as O/I/B."""
    out = []
    for c in code:
        c = c.upper() if c.isascii() else c
        if c in " -\t\n\r":
            continue
        c = {"0": "O", "1": "I", "8": "B"}.get(c, c)
        if not (("A" <= c <= "Z") or ("2" <= c <= "7")):
            raise ToolError("wrong_secret", "a recovery code has only letters A-Z and digits 2-7")
        out.append(c)
    if len(out) != 32:
        raise ToolError("wrong_secret", f"a recovery code has 32 characters (8 groups of 4); this one has {len(out)}")
    return "".join(out)


# --------------------------------------------------------------------------
# Reading the SQLCipher database
# --------------------------------------------------------------------------


def wal_size(vault: Path) -> int:
    try:
        return (vault / f"{DB_FILE}-wal").stat().st_size
    except FileNotFoundError:
        return 0


def refuse_interrupted_import(vault: Path) -> None:
    """A large import writes through a rollback journal (FORMAT.md §3.3): a
    non-empty vault.db-journal is one that a crash left, which SQLite rolls
    back when the vault is next opened for writing. Until then vault.db may
    hold pages of the interrupted import, so it is not read."""
    journal = vault / f"{DB_FILE}-journal"
    try:
        size = journal.stat().st_size
    except FileNotFoundError:
        return
    if size > 0:
        raise ToolError(
            "journal_not_empty",
            f"{journal} is not empty: an import was interrupted. Open the vault once in Consent Ledger "
            "(or run any consent-ledger command on it), which rolls the import back, then run again.",
        )


def open_with_sqlcipher3(vault: Path, master: bytes):
    """SQLCipher itself, read-only. With an empty WAL the file is opened as
    immutable (no -shm file is created); otherwise SQLCipher applies the WAL."""
    try:
        import sqlcipher3  # type: ignore
    except ImportError:
        return None
    refuse_interrupted_import(vault)
    uri = (vault / DB_FILE).resolve().as_uri() + "?mode=ro"
    if wal_size(vault) == 0:
        uri += "&immutable=1"
    try:
        conn = sqlcipher3.connect(uri, uri=True)
    except sqlcipher3.Error as e:
        raise ToolError("io", f"cannot open {vault / DB_FILE}: {e}") from None
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
    except sqlcipher3.Error:
        pass
    try:
        conn.execute(f"PRAGMA key = \"x'{master.hex()}'\"")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.Error as e:
        conn.close()
        raise ToolError(
            "corrupt",
            f"{vault / DB_FILE} is damaged or is not the database of this keys.json "
            f"(the master key does not decrypt it: {e})",
        ) from None
    version = conn.execute("PRAGMA cipher_version").fetchone()
    return conn, f"sqlcipher3 (SQLCipher {version[0] if version else '?'})"


def decrypt_sqlcipher4(data: bytes, key: bytes, db_path: Path) -> bytearray:
    """SQLCipher 4 defaults with a raw key: AES-256-CBC per 4096-byte page,
    80 reserved bytes (16-byte IV, 64-byte HMAC-SHA512), HMAC key from
    PBKDF2-HMAC-SHA512(key, salt ^ 0x3a, 2 iterations). Returns a plain SQLite
    image in memory."""
    need("cryptography", "cryptography")
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    from cryptography.hazmat.primitives import hashes

    if len(data) < PAGE_SIZE or len(data) % PAGE_SIZE:
        raise ToolError("corrupt", f"{db_path} is damaged: its size ({len(data)} bytes) is not a whole number of 4096-byte pages")
    salt = data[:16]
    hmac_key = PBKDF2HMAC(
        algorithm=hashes.SHA512(), length=32, salt=bytes(b ^ 0x3A for b in salt), iterations=2
    ).derive(key)
    out = bytearray(len(data))
    aes = algorithms.AES(key)
    for index in range(len(data) // PAGE_SIZE):
        pgno = index + 1
        base = index * PAGE_SIZE
        page = data[base : base + PAGE_SIZE]
        offset = 16 if pgno == 1 else 0
        end = PAGE_SIZE - RESERVE
        ct = page[offset:end]
        iv = page[end : end + IV_SIZE]
        mac = page[PAGE_SIZE - HMAC_SIZE :]
        want = hmac.new(hmac_key, ct + iv + struct.pack("<I", pgno), hashlib.sha512).digest()
        if not hmac.compare_digest(want, mac):
            if pgno == 1:
                raise ToolError(
                    "corrupt",
                    f"{db_path} is damaged or is not the database of this keys.json "
                    "(page 1 does not authenticate under the master key)",
                )
            raise ToolError("corrupt", f"{db_path} is damaged: page {pgno} does not authenticate (altered or corrupted)")
        dec = Cipher(aes, modes.CBC(iv)).decryptor()
        out[base + offset : base + end] = dec.update(ct) + dec.finalize()
    out[0:16] = SQLITE_HEADER
    # The file says WAL (bytes 18 and 19 = 2); an in-memory copy must say
    # rollback journal (1), or SQLite refuses to read it.
    out[18] = out[19] = 1
    return out


def open_with_builtin(vault: Path, master: bytes):
    db_path = vault / DB_FILE
    refuse_interrupted_import(vault)
    if wal_size(vault) > 0:
        raise ToolError(
            "wal_not_empty",
            f"{db_path}-wal is not empty: the vault is open in Consent Ledger (or was not closed cleanly). "
            "Close (lock) the vault and run again, or install sqlcipher3-binary, which applies the WAL.",
        )
    if not hasattr(sqlite3.Connection, "deserialize"):
        raise ToolError("missing_dependency", "this Python's sqlite3 has no deserialize(); use Python 3.11+ or install sqlcipher3-binary")
    try:
        data = db_path.read_bytes()
    except OSError as e:
        raise ToolError("io", f"reading {db_path}: {e}") from None
    image = decrypt_sqlcipher4(data, master, db_path)
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(image)
    finally:
        image[:] = bytes(len(image))  # best effort: Python cannot promise to wipe memory
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as e:
        raise ToolError("corrupt", f"{db_path} decrypts but is not a valid SQLite database ({e})") from None
    return conn, f"built-in SQLCipher 4 reader (cryptography) + sqlite3 {sqlite3.sqlite_version} in memory"


def open_db(vault: Path, master: bytes, backend: str):
    if backend in ("auto", "sqlcipher3"):
        opened = open_with_sqlcipher3(vault, master)
        if opened:
            return opened
        if backend == "sqlcipher3":
            raise ToolError("missing_dependency", "sqlcipher3 is not installed (pip install sqlcipher3-binary)")
    return open_with_builtin(vault, master)


# --------------------------------------------------------------------------
# Ledger: leaves, Merkle tree, checkpoints
# --------------------------------------------------------------------------


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def leaf_hash(leaf_input: bytes) -> bytes:
    return sha256(b"\x00" + leaf_input)


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


EMPTY_ROOT = sha256(b"")


def leaf_input(seq: int, recorded_at: bytes, actor: bytes, kind: bytes, subject: Optional[bytes], body: bytes) -> bytes:
    def lp(b: bytes) -> bytes:
        return struct.pack(">I", len(b)) + b

    out = bytes([LEAF_VERSION]) + struct.pack(">Q", seq) + lp(recorded_at) + lp(actor) + lp(kind)
    out += b"\x00" if subject is None else b"\x01" + lp(subject)
    return out + lp(body)


class Frontier:
    """Right edge of the growing tree: one (level, hash) per set bit of size."""

    def __init__(self) -> None:
        self.size = 0
        self.stack: list[tuple[int, bytes]] = []

    def push(self, leaf: bytes, completed: Callable[[int, int, bytes], None]) -> None:
        h, level = leaf, 0
        self.size += 1
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            h = node_hash(left, h)
            level += 1
            completed(level, (self.size >> level) - 1, h)
        self.stack.append((level, h))

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        acc = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            acc = node_hash(left, acc)
        return acc


def origin(vault_id: str) -> str:
    return f"consent-ledger/{vault_id}"


def key_hash(name: str, public: bytes) -> bytes:
    return sha256(name.encode() + b"\n" + b"\x01" + public)[:4]


def verifier_key(vault_id: str, public: bytes) -> str:
    name = origin(vault_id)
    key = base64.b64encode(b"\x01" + public).decode()
    return f"{name}+{key_hash(name, public).hex()}+{key}"


def parse_verifier_key(line: str) -> tuple[str, bytes]:
    # The name holds no '+'; the base64 key may (split at the first two only).
    parts = line.strip().split("+", 2)
    if len(parts) != 3:
        raise ToolError("invalid", "a verifier key is NAME+KEYHASH+BASE64KEY")
    name, kh, key = parts
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise ToolError("invalid", "the verifier key's last part is not base64") from None
    if len(raw) != 33 or raw[0] != 0x01:
        raise ToolError("invalid", "the verifier key is not an Ed25519 key (0x01 followed by 32 bytes)")
    if key_hash(name, raw[1:]).hex() != kh.lower():
        raise ToolError("invalid", "the verifier key's key hash does not match its name and key")
    return name, raw[1:]


def open_note(note: str, vault_id: str, public: bytes) -> tuple[int, bytes, str]:
    """Checks a checkpoint note's signature; returns (tree size, root, time)."""
    signing = need("nacl.signing", "PyNaCl")
    nacl_exc = need("nacl.exceptions", "PyNaCl")

    def bad(why: str) -> ValueError:
        return ValueError(f"not a valid checkpoint of this vault: {why}")

    note = note.replace("\r\n", "\n")
    if "\n\n" not in note:
        raise bad("no signature block")
    text, sigs = note.split("\n\n", 1)
    body = text + "\n"
    name = origin(vault_id)
    want = key_hash(name, public)
    verified = False
    vk = signing.VerifyKey(public)
    for line in (l for l in sigs.split("\n") if l):
        if not line.startswith("\u2014 "):
            raise bad("malformed signature line")
        rest = line[2:]
        if " " not in rest:
            raise bad("malformed signature line")
        signer, sig_b64 = rest.rsplit(" ", 1)
        try:
            blob = base64.b64decode(sig_b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise bad("signature is not base64") from None
        if signer != name or len(blob) != 68 or blob[:4] != want:
            continue
        try:
            vk.verify(body.encode("utf-8"), blob[4:])
        except nacl_exc.BadSignatureError:
            raise bad("the signature does not match its text (altered or signed by another key)") from None
        verified = True
    if not verified:
        raise bad("it is not signed by this vault's key")
    lines = body.split("\n")
    if lines[0] != name:
        raise bad("it names another log")
    if len(lines) < 3 or not re.fullmatch(r"[0-9]+", lines[1]):
        raise bad("bad tree size line")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except (binascii.Error, ValueError):
        root = b""
    if len(root) != 32:
        raise bad("bad root hash line")
    time = next((l[5:] for l in lines[3:] if l.startswith("time ")), "")
    return int(lines[1]), root, time


def utf8(b: Optional[bytes]) -> bool:
    """Whether b (None counts) is valid UTF-8, as every text column must be."""
    try:
        b is None or b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def as_bytes(v: Any) -> Optional[bytes]:
    if isinstance(v, bytes):
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    return None


def verify(conn, kf: dict, extra_notes: list[tuple[str, str]], pinned_key: Optional[str], root_at: Optional[int]) -> dict:
    """Returns the report; raises Problem at the first failure (with the
    report so far attached as .report)."""
    vault_id = kf["vault_id"]
    conn.text_factory = bytes  # hash exactly the stored bytes
    conn.execute("BEGIN")  # one read snapshot for everything below

    def text(v: bytes) -> str:
        return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)

    (user_version,) = conn.execute("PRAGMA user_version").fetchone()
    if user_version > SCHEMA_VERSION:
        raise ToolError("too_new", f"the database has schema version {user_version}; this tool reads up to {SCHEMA_VERSION}")
    if user_version < 1:
        raise ToolError("corrupt", "the database has no Consent Ledger schema (user_version 0)")
    meta = conn.execute("SELECT vault_id, organisation, created_at FROM vault_meta WHERE id = 1").fetchone()
    key_row = conn.execute("SELECT secret, public FROM signing_key WHERE id = 1").fetchone()
    if meta is None or key_row is None:
        raise ToolError("corrupt", "vault identity missing (vault_meta or signing_key is empty)")
    if text(meta[0]) != vault_id:
        raise ToolError("corrupt", f"{KEYS_FILE} belongs to another vault (vault_meta.vault_id is {text(meta[0])})")

    report: dict[str, Any] = {
        "ok": False,
        "events": 0,
        "checkpoints": 0,
        "root": EMPTY_ROOT.hex(),
        "problem": None,
        "vault_id": vault_id,
        "organisation": text(meta[1]),
        "created_at": text(meta[2]),
    }

    def fail(code: str, seq: Optional[int], message: str) -> Problem:
        p = Problem(code, seq, message)
        p.report = report  # type: ignore[attr-defined]
        return p

    # 0. Which key signs checkpoints: signing_key.public, which must be the
    #    public key of signing_key.secret and the checkpoint_key of event #1.
    signing = need("nacl.signing", "PyNaCl")
    secret, public = key_row
    if not (isinstance(secret, bytes) and len(secret) == 32 and isinstance(public, bytes) and len(public) == 32):
        raise fail("key_mismatch", None, "the signing_key row is malformed")
    if bytes(signing.SigningKey(secret).verify_key) != public:
        raise fail("key_mismatch", None, "signing_key.public is not the public key of signing_key.secret")
    report["verifier_key"] = verifier_key(vault_id, public)
    first = conn.execute("SELECT kind, body FROM events WHERE seq = 1").fetchone()
    if first is not None:
        try:
            b1 = json.loads(first[1])
        except (ValueError, UnicodeDecodeError):
            b1 = {}
        if text(first[0]) != "vault.created" or not isinstance(b1, dict) or b1.get("checkpoint_key") != public.hex():
            raise fail("key_mismatch", 1, "event #1 (vault.created) does not name signing_key.public as checkpoint_key")
        if b1.get("vault_id") != vault_id:
            raise fail("identity_mismatch", 1, "event #1 (vault.created) names another vault_id")
    if pinned_key is not None:
        name, pk = parse_verifier_key(pinned_key)
        if name != origin(vault_id):
            raise fail("key_mismatch", None, f"the given verifier key belongs to {name}, not {origin(vault_id)}")
        if pk != public:
            raise fail("key_mismatch", None, "the vault's checkpoint key is not the given verifier key")

    # 1. Checkpoint signatures, and that each note says what its row says.
    checkpoints = []
    for cid, size, root, created_at, note in conn.execute(
        "SELECT id, tree_size, root, created_at, note FROM checkpoints ORDER BY id"
    ):
        label = f"checkpoint {cid}"
        try:
            n_size, n_root, _ = open_note(text(note), vault_id, public)
        except ValueError as e:
            raise fail("checkpoint_signature", None, f"{label}: {e}") from None
        if n_size != size or n_root != root:
            raise fail("checkpoint_signature", None, f"{label} was altered: its row no longer matches its signed text")
        checkpoints.append((label, size, root))
    report["checkpoints"] = len(checkpoints)
    for label, note in extra_notes:
        try:
            n_size, n_root, _ = open_note(note, vault_id, public)
        except ValueError as e:
            raise fail("checkpoint_signature", None, f"{label}: {e}") from None
        checkpoints.append((label, n_size, n_root))
    by_size: dict[int, list[tuple[str, int, bytes]]] = {}
    for cp in checkpoints:
        by_size.setdefault(cp[1], []).append(cp)

    # 2. Every event in order: seq continuity, leaf hash, tree, checkpoint roots.
    frontier = Frontier()
    computed: dict[tuple[int, int], bytes] = {}

    def completed(level: int, idx: int, h: bytes) -> None:
        if level >= STORED_MIN_LEVEL:
            computed[(level, idx)] = h

    def check_roots() -> None:
        for label, size, root in by_size.get(frontier.size, []):
            if frontier.root() != root:
                raise locate_mismatch(label, size)
        if root_at is not None and frontier.size == root_at:
            report["root_at"] = {"tree_size": root_at, "root": frontier.root().hex()}

    def locate_mismatch(label: str, size: int) -> Problem:
        for (level, idx), h in sorted(computed.items()):
            if level != STORED_MIN_LEVEL:
                continue
            row = conn.execute("SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?", (level, idx)).fetchone()
            if row is None or row[0] != h:
                start = idx << level
                return fail(
                    "events_rewritten",
                    start + 1,
                    f"events #{start + 1} to #{start + (1 << level)} were rewritten together with their hashes: "
                    f"{label} no longer matches",
                )
        return fail("checkpoint_mismatch", None, f"{label} (over {size} events) does not match the log: events up to #{size} were rewritten")

    published: list[tuple[int, bytes]] = []  # agreement.published events, for step 7
    retired_events: dict[int, int] = {}      # agreement id -> seq of agreement.retired
    bad_retired: list[tuple[int, str, str]] = []  # agreement.retired events naming no agreement
    check_roots()
    for seq, recorded_at, actor, kind, subject, body, stored, typed in conn.execute(
        "SELECT seq, recorded_at, actor, kind, subject, body, leaf_hash, typeof(recorded_at) = 'text'"
        " AND typeof(actor) = 'text' AND typeof(kind) = 'text' AND typeof(body) = 'text'"
        " AND typeof(subject) IN ('text', 'null') AND typeof(leaf_hash) = 'blob' FROM events ORDER BY seq"
    ):
        expected = frontier.size + 1
        if seq != expected:
            report["events"] = frontier.size
            raise fail("event_missing", expected, f"event #{expected} is missing: the log jumps from #{expected - 1} to #{seq}")
        fields = [as_bytes(v) for v in (recorded_at, actor, kind, body)]
        subj = None if subject is None else as_bytes(subject)
        if not typed or any(f is None or not utf8(f) for f in fields) or not utf8(subj) or (subject is not None and subj is None):
            report["events"] = frontier.size
            raise fail("event_altered", seq, f"event #{seq} was altered: a column holds a value of the wrong type")
        leaf = leaf_hash(leaf_input(seq, fields[0], fields[1], fields[2], subj, fields[3]))
        if not isinstance(stored, bytes) or leaf != stored:
            report["events"] = frontier.size
            raise fail("event_altered", seq, f"event #{seq} was altered: its content no longer matches its recorded hash")
        if fields[2] == b"agreement.published":
            published.append((seq, fields[3]))
        elif fields[2] == b"agreement.retired":
            b = loads(fields[3])
            aid = b.get("agreement") if isinstance(b, dict) else None
            if isinstance(aid, int) and not isinstance(aid, bool) and aid >= 0:
                retired_events[aid] = seq
            else:
                bad_retired.append((seq, "agreement_altered", f"event #{seq} does not name an agreement"))
        frontier.push(leaf, completed)
        check_roots()
    report["events"] = frontier.size
    report["root"] = frontier.root().hex()

    # 3. Checkpoints over more events than there are: the end was cut off.
    beyond = [cp for cp in checkpoints if cp[1] > frontier.size]
    if beyond:
        label, size, _ = max(beyond, key=lambda c: c[1])
        first_missing = frontier.size + 1
        raise fail("log_truncated", first_missing, f"events #{first_missing} to #{size} are missing: {label} was signed over {size} events")
    if root_at is not None and "root_at" not in report:
        raise ToolError("invalid", f"--root-at {root_at}: the log has only {frontier.size} events")

    # 4. Stored Merkle nodes equal the recomputed ones, none missing, none extra.
    stored_nodes = {(l, i): h for l, i, h in conn.execute("SELECT level, idx, hash FROM merkle_nodes")}
    for (l, i) in sorted(set(computed) | set(stored_nodes)):
        first_seq, last_seq = (i << l) + 1, (i + 1) << l
        if (l, i) not in computed:
            raise fail("node_mismatch", None, f"stored Merkle node {l}/{i} covers events that do not exist")
        if (l, i) not in stored_nodes:
            raise fail("node_mismatch", first_seq, f"stored Merkle node {l}/{i} (events #{first_seq} to #{last_seq}) is missing")
        if stored_nodes[(l, i)] != computed[(l, i)]:
            raise fail("node_mismatch", first_seq, f"stored Merkle node {l}/{i} (events #{first_seq} to #{last_seq}) was altered")

    # 5. (Consistency of each checkpoint with the next follows from step 2:
    #    every checkpoint root was compared with the root of the same leaves.)

    # 5. The stored facts derived from the log, section by section; each
    #    section names its lowest failing seq (FORMAT.md §10).
    if user_version >= 7:
        problem = check_facts(conn, text, fail, user_version)
        if problem is not None:
            raise problem

    # 6. Published agreement versions (schema 3) still hash to what their
    #    agreement.published events recorded, each has its event, and
    #    retirements match: the lowest seq among the failures is named.
    if user_version >= 3:
        def nat(v: Any) -> Optional[int]:
            return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None

        problems: list[tuple[Optional[int], str, str]] = list(bad_retired)
        rows = {}
        for aid, ver, content, chash, pseq, ack in conn.execute(
            "SELECT agreement_id, version, content, content_hash, published_seq, acknowledged FROM agreement_versions WHERE status = 'published'"
        ):
            ack = loads(ack) if ack is not None else None
            rows[(aid, ver)] = (as_bytes(content) or b"", text(chash) if chash is not None else "", pseq, ack)
        seen = set()
        for seq, body in published:
            b = loads(body)
            b = b if isinstance(b, dict) else {}
            key = (nat(b.get("agreement")), nat(b.get("version")))
            want = b.get("content_sha256")
            if None in key or not isinstance(want, str):
                problems.append((seq, "agreement_altered", f"event #{seq} does not name an agreement version"))
                continue
            label = f"A{key[0]}-v{key[1]}"
            if key in seen:
                problems.append((seq, "agreement_altered", f"event #{seq} publishes {label} a second time"))
                continue
            seen.add(key)
            row = rows.pop(key, None)
            if row is None:
                problems.append((seq, "agreement_altered", f"agreement version {label} published by event #{seq} is missing from the vault"))
                continue
            content, chash, pseq, ack = row
            if pseq != seq or chash != want or hashlib.sha256(content).hexdigest() != want:
                problems.append((seq, "agreement_altered", f"agreement version {label} was changed after event #{seq} published it"))
            elif ack != b.get("acknowledged_warnings"):
                problems.append((seq, "agreement_altered", f"the warnings acknowledged for {label} were changed after event #{seq}"))
        for (aid, ver), (_, _, pseq, _) in rows.items():
            problems.append((pseq, "agreement_altered", f"agreement version A{aid}-v{ver} claims event #{pseq}, which did not publish it"))
        for aid, rseq in conn.execute("SELECT id, retired_seq FROM agreements WHERE retired_at IS NOT NULL OR retired_seq IS NOT NULL"):
            seq = retired_events.pop(aid, None)
            if seq is None or seq != rseq:
                problems.append((seq if seq is not None else rseq, "agreement_altered", f"the retirement of A{aid} does not match the ledger"))
        for aid, seq in retired_events.items():
            problems.append((seq, "agreement_altered", f"A{aid} was retired by event #{seq}, but the vault shows it active"))
        if problems:
            seq, code, message = min(problems, key=lambda p: (p[0] is None, p[0] or 0))
            raise fail(code, seq, message)

    report["ok"] = True
    return report


REGISTER_KINDS = {b"consent.given": "given", b"consent.refused": "refused",
                  b"consent.withdrawn": "withdrawn", b"consent.expired": "expired"}


LONG_DIGITS = re.compile(r"[0-9]{309}")  # the shortest integers beyond a double's range


def not_json(constant: str) -> Any:  # NaN, Infinity, -Infinity
    raise ValueError(f"{constant} is not JSON")


def finite(number: str) -> float:
    v = float(number)
    if abs(v) == float("inf"):
        raise ValueError(f"{number} is beyond a double's range")
    return v


def loads(b: Any) -> Any:
    """A JSON body, or None when it is not JSON as the CLI (serde_json) reads it: UTF-8 text
    without a byte-order mark; no NaN or Infinity, no number beyond a double's range (RFC 8785
    numbers are doubles), no escaped lone surrogate (\\ud800)."""
    try:
        s = b.decode("utf-8") if isinstance(b, bytes) else b
        v = json.loads(s, parse_constant=not_json, parse_float=finite)
        if LONG_DIGITS.search(s):
            json.loads(s, parse_int=finite)  # serde_json reads an integer beyond 64 bits as a double
        if "\\u" in s:
            json.dumps(v, ensure_ascii=False).encode("utf-8")  # a lone surrogate does not encode
        return v
    except (ValueError, TypeError, RecursionError):  # UnicodeError is a ValueError
        return None


def check_facts(conn, text: Callable[[Any], str], fail: Callable[..., Problem], schema: int) -> Optional[Problem]:
    """The checks of FORMAT.md §10 step 5, in their order. Returns the first
    failing section's problem with the lowest seq (a problem without a seq
    comes after every seq), or None."""

    def lowest(problems: list[tuple[Optional[int], str, str]]) -> Optional[Problem]:
        if not problems:
            return None
        seq, code, message = min(problems, key=lambda p: (p[0] is None, p[0] or 0))
        return fail(code, seq, message)

    def as_int(v: Any) -> Optional[int]:
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    # 5.1 Checkpoint rows against their checkpoint.created events.
    problems = []
    rows = {cid: (size, root) for cid, size, root in conn.execute("SELECT id, tree_size, root FROM checkpoints")}
    named = []
    for seq, body in conn.execute("SELECT seq, body FROM events WHERE kind = 'checkpoint.created' ORDER BY seq"):
        b = loads(body)
        b = b if isinstance(b, dict) else {}
        cid, size, root = as_int(b.get("checkpoint")), as_int(b.get("tree_size")), b.get("root")
        if cid is not None and cid >= 0:
            named.append(cid)
        row = rows.get(cid)
        ok = (row is not None and size is not None and size >= 0 and isinstance(root, str)
              and row[0] == size and seq == size + 1 and row[1].hex() == root)
        if not ok:
            problems.append((seq, "checkpoint_unrecorded", f"the checkpoint that event #{seq} recorded is missing or was altered"))
    if named:
        first = min(named)
        for cid, (size, _) in rows.items():
            if cid >= first and cid not in named:
                problems.append((size + 1, "checkpoint_unrecorded", f"checkpoint {cid} (over {size} events) was not recorded by event #{size + 1}"))
    if (p := lowest(problems)) is not None:
        return p

    # 5.2 Register rows and imports against their consent.* events.
    problems = []
    for cid, typed, sid, aid, ver, action, acted_at, channel, scan, imp, kind, esubj, body in conn.execute(
        "SELECT c.id, typeof(c.subject_id) = 'text' AND typeof(c.agreement_id) = 'integer'"
        " AND typeof(c.version) = 'integer' AND typeof(c.action) = 'text' AND typeof(c.acted_at) = 'text'"
        " AND typeof(c.channel) = 'text' AND typeof(c.scan_sha256) IN ('text', 'null')"
        " AND typeof(c.import_id) IN ('integer', 'null'),"
        " c.subject_id, c.agreement_id, c.version, c.action, c.acted_at, c.channel, c.scan_sha256,"
        " c.import_id, e.kind, e.subject, e.body FROM consents c LEFT JOIN events e ON e.seq = c.id"
    ):
        b = loads(body)
        want = REGISTER_KINDS.get(kind)
        ok = (typed and want is not None and isinstance(b, dict) and text(action) == want and esubj is not None
              and text(esubj) == text(sid) and as_int(b.get("agreement")) == aid and as_int(b.get("version")) == ver
              and b.get("acted_at") == text(acted_at) and b.get("channel") == text(channel)
              and b.get("scan_sha256") == (None if scan is None else text(scan))
              and as_int(b.get("import")) == imp and (imp is not None or b.get("import") is None))
        if not ok:
            problems.append((cid, "register_mismatch", f"register row {cid} does not say what event #{cid} recorded"))
    for (seq,) in conn.execute(
        "SELECT e.seq FROM events e WHERE e.kind IN ('consent.given', 'consent.refused', 'consent.withdrawn', 'consent.expired')"
        " AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.id = e.seq)"
    ):
        problems.append((seq, "register_mismatch", f"the register row of event #{seq} is missing"))
    imports = {}
    for iid, seq, typed, *rest in conn.execute(
        "SELECT id, event_seq, typeof(file_sha256) = 'text' AND typeof(format) = 'text' AND typeof(rows_read) = 'integer'"
        " AND typeof(rows_added) = 'integer' AND typeof(rows_duplicate) = 'integer' AND typeof(rows_rejected) = 'integer',"
        " file_sha256, format, rows_read, rows_added, rows_duplicate, rows_rejected FROM imports"
    ):
        imports[iid] = [seq, *rest] if typed else [seq, b"", b"", -1, -1, -1, -1]
    for seq, body in conn.execute("SELECT seq, body FROM events WHERE kind = 'consent.imported' ORDER BY seq"):
        b = loads(body)
        b = b if isinstance(b, dict) else {}
        row = imports.pop(as_int(b.get("import")), None)
        ok = (row is not None and row[0] == seq and b.get("file_sha256") == text(row[1]) and b.get("format") == text(row[2])
              and as_int(b.get("rows_read")) == row[3] and as_int(b.get("added")) == row[4]
              and as_int(b.get("duplicates")) == row[5] and as_int(b.get("rejected")) == row[6])
        if not ok:
            problems.append((seq, "register_mismatch", f"the import recorded by event #{seq} is missing or was altered"))
    for iid, row in imports.items():
        problems.append((row[0], "register_mismatch", f"import {iid} claims event #{row[0]}, which did not record it"))
    counted = {} if schema < 9 else {(text(m), text(a)): n for m, a, n in conn.execute(
        "SELECT substr(acted_at, 1, 7), action, count(*) FROM consents GROUP BY 1, 2")}
    kept = {} if schema < 9 else {(text(m), text(a)): n for m, a, n in conn.execute(
        "SELECT CAST(month AS TEXT), CAST(action AS TEXT), CAST(n AS INTEGER) FROM consent_months WHERE n <> 0")}
    if counted != kept:
        problems.append((None, "register_mismatch", "the register's counts per month (consent_months) differ from its rows"))
    if (p := lowest(problems)) is not None:
        return p

    # 5.3 Personal data against the commitments; data gone only after an erasure.
    problems = []
    keys: dict[str, Optional[bytes]] = {}
    # A key is usable when it is a blob of 32 bytes and the subject is not erased.
    for sid, key, erased in conn.execute(
        "SELECT CAST(id AS TEXT), CASE WHEN typeof(hmac_key) = 'blob' AND length(hmac_key) = 32 THEN hmac_key END,"
        " erased_at IS NOT NULL FROM subjects"
    ):
        keys[text(sid)] = key if key is not None and not erased else None
    erasures: dict[str, int] = {}
    for seq, subj in conn.execute("SELECT seq, subject FROM events WHERE kind = 'subject.erased' AND subject IS NOT NULL ORDER BY seq"):
        erasures.setdefault(text(subj), seq)
    for seq, typed, sid, data, esubj, body in conn.execute(
        "SELECT d.event_seq, typeof(d.subject_id) = 'text' AND typeof(d.data) = 'text', d.subject_id, d.data,"
        " e.subject, e.body FROM subject_data d LEFT JOIN events e ON e.seq = d.event_seq"
    ):
        b = loads(body)
        got = b.get("commitment") if isinstance(b, dict) else None
        key = keys.get(text(sid)) if typed else None
        ok = False
        if key is not None and isinstance(got, str) and esubj is not None and text(esubj) == text(sid):
            want = "hmac-sha256:" + hmac.new(key, as_bytes(data) or b"", hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(got.encode(), want.encode())
        if not ok:
            problems.append((seq, "data_mismatch", f"the personal data stored for event #{seq} no longer matches the commitment in that event"))
    for seq, subj, body in conn.execute(
        "SELECT e.seq, e.subject, e.body FROM events e WHERE e.subject IS NOT NULL AND instr(e.body, 'commitment') > 0"
        " AND NOT EXISTS (SELECT 1 FROM subject_data d WHERE d.event_seq = e.seq)"
    ):
        b = loads(body)
        if not (isinstance(b, dict) and isinstance(b.get("commitment"), str)):
            continue
        s_id = text(subj)
        if keys.get(s_id) is not None or not erasures.get(s_id, 0) > seq:
            problems.append((seq, "data_missing", f"the personal data recorded by event #{seq} is missing, and no erasure was recorded"))
    if (p := lowest(problems)) is not None:
        return p

    # 5.4 Merges against their subject.merged events.
    problems = []
    merges = {text(a): (text(i), s) for a, i, s in conn.execute("SELECT absorbed, into_id, event_seq FROM subject_merges")}
    for seq, subj, body in conn.execute("SELECT seq, subject, body FROM events WHERE kind = 'subject.merged' ORDER BY seq"):
        b = loads(body)
        into = b.get("into") if isinstance(b, dict) else None
        row = merges.pop("" if subj is None else text(subj), None)
        if row is None or not isinstance(into, str) or row != (into, seq):
            problems.append((seq, "merge_mismatch", f"the merge recorded by event #{seq} is missing or was altered"))
    for _, (_, seq) in merges.items():
        problems.append((seq, "merge_mismatch", f"a merge claims event #{seq}, which did not record it"))
    if (p := lowest(problems)) is not None:
        return p

    # 5.5 Erasures: erased subjects and subject.erased events agree.
    problems = []
    for sid, seq in erasures.items():
        row = conn.execute("SELECT hmac_key IS NULL, erased_at IS NOT NULL FROM subjects WHERE id = ?", (sid,)).fetchone()
        if row is None or tuple(row) != (1, 1):
            problems.append((seq, "erasure_mismatch", f"event #{seq} erased a subject that the vault still holds as not erased"))
    for sid, in conn.execute("SELECT CAST(id AS TEXT) FROM subjects"):
        if keys[text(sid)] is None and text(sid) not in erasures:
            (last,) = conn.execute("SELECT max(seq) FROM events WHERE subject = ?", (text(sid),)).fetchone()
            problems.append((last, "erasure_mismatch", f"a subject is marked erased, but no event erased it (its last event is #{last})"))
    if (p := lowest(problems)) is not None:
        return p

    # 5.6 The requisites against the last organisation.requisites_changed.
    last = conn.execute("SELECT seq, body FROM events WHERE kind = 'organisation.requisites_changed' ORDER BY seq DESC LIMIT 1").fetchone()
    stored = conn.execute("SELECT requisites FROM organisation WHERE id = 1").fetchone()
    (shown,) = conn.execute("SELECT organisation FROM vault_meta").fetchone()
    if last is None and stored is not None:
        return fail("requisites_mismatch", 1, "the organisation's requisites are stored, but no event recorded them")
    if last is not None:
        seq, body = last
        if stored is None:
            return fail("requisites_mismatch", seq, f"the organisation's requisites recorded by event #{seq} are missing")
        b = loads(body)
        r = loads(stored[0])
        name = None
        fields = ("full_name", "short_name", "inn", "ogrn", "legal_address", "dpo", "withdrawal_email")
        if isinstance(r, dict) and all(isinstance(r.get(k, ""), str) for k in fields):
            name = r.get("short_name", "") or r.get("full_name", "")
        if (not isinstance(b, dict) or b.get("sha256") != hashlib.sha256(as_bytes(stored[0]) or b"").hexdigest()
                or name != text(shown)):
            return fail("requisites_mismatch", seq, f"the organisation's requisites were changed after event #{seq} recorded them")

    # 5.7 Requests (schema 9), their files, restrictions, calendar years and settings against their events.
    # Schema 10 adds the documents issued, checked by their hashes in the same pass.
    if schema >= 9 and (p := lowest(check_requests(conn, text, erasures, schema))) is not None:
        return p

    # 5.8 Incidents (schema 11), their notices, history and documents against their events.
    if schema >= 11 and (p := lowest(check_incidents(conn, text))) is not None:
        return p

    # 5.9 Operators (schema 12): their slots, names and roles against the events that made them.
    if schema >= 12 and (p := lowest(check_operators(conn, text))) is not None:
        return p

    # 5.10 Processing activities (schema 13) and their history against their events.
    return lowest(check_activities(conn, text)) if schema >= 13 else None


REQUEST_SIDE_KINDS = ("subject.restricted", "subject.restriction_lifted", "calendar.loaded", "settings.changed",
                      "document.issued", "document.destroyed")


def is_day(s: str) -> bool:
    """A calendar day written YYYY-MM-DD."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        return False
    try:
        import datetime
        datetime.date.fromisoformat(s)
        return True
    except ValueError:
        return False


def field(v: Any) -> str:
    """A body's value as text, to compare with a text column: null is empty, a non-string its JSON."""
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def check_requests(conn, text: Callable[[Any], str], erasures: dict[str, int], schema: int) -> list:
    """FORMAT.md §10 step 5.7: replays the request events and compares the tables."""
    def as_int(v: Any) -> Optional[int]:
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    problems: list = []
    expected: dict[int, dict] = {}
    last: dict[int, int] = {}
    files: list = []
    restricted: dict[str, tuple[bool, int]] = {}
    calendar: dict[tuple[str, int], tuple[int, str]] = {}
    settings: dict[str, tuple[int, Any]] = {}
    documents: dict[int, tuple[str, str, str, Optional[str], Optional[str]]] = {}
    destroyed: dict[str, int] = {}
    orphan: Optional[int] = None
    for seq, kind, subj, body in conn.execute(
        "SELECT seq, kind, subject, body FROM events WHERE kind LIKE 'request.%' OR kind IN (?, ?, ?, ?, ?, ?) ORDER BY seq",
        REQUEST_SIDE_KINDS,
    ):
        kind = text(kind)
        if not (kind.startswith("request.") or kind in REQUEST_SIDE_KINDS):
            continue  # LIKE is case-insensitive and treats _ as a wildcard
        b = loads(body)
        b = b if isinstance(b, dict) else {}
        subject = None if subj is None else text(subj)
        if kind == "request.received":
            expected[seq] = {
                "kind": field(b.get("kind")), "law": field(b.get("law")), "channel": field(b.get("channel")),
                "received": field(b.get("received")), "subject": subject or "",
                "found": "1" if b.get("found") is True else "0", "status": "received",
                "identity": None, "extended_on": None, "outcome": None,
            }
            last[seq] = seq
            continue
        if kind == "subject.restricted":
            if subject is not None:
                restricted[subject] = (b.get("legal_hold") is True, seq)
            continue
        if kind == "subject.restriction_lifted":
            if subject is not None:
                restricted.pop(subject, None)
            continue
        if kind == "calendar.loaded":
            calendar[(field(b.get("region")), as_int(b.get("year")) or 0)] = (seq, field(b.get("sha256")))
            continue
        if kind == "settings.changed":
            settings[field(b.get("key"))] = (seq, b.get("value"))
            continue
        if kind == "document.destroyed":
            for i in b.get("ids") if isinstance(b.get("ids"), list) else []:
                destroyed[field(i)] = seq
            continue
        if kind == "document.issued":
            facts = b.get("facts_sha256")
            documents[seq] = (field(b.get("id")), field(b.get("text_sha256")), field(b.get("pdf_sha256")), subject,
                              facts if isinstance(facts, str) else None)
            continue
        rid = b.get("request")
        if not (isinstance(rid, int) and not isinstance(rid, bool) and rid >= 0):
            continue
        r = expected.get(rid)
        if r is None:
            orphan = seq if orphan is None else orphan
            continue
        last[rid] = seq
        if kind == "request.identity_checked":
            result = field(b.get("result"))
            r["status"] = "identity_check" if result == "failed" else "in_progress"
            r["identity"] = result
        elif kind == "request.extended":
            r["extended_on"] = field(b.get("notice_sent"))
        elif kind == "request.fulfilled":
            r["status"], r["outcome"] = "fulfilled", field(b.get("outcome"))
        elif kind == "request.refused":
            r["status"], r["outcome"] = "refused", field(b.get("reason"))
        elif kind == "request.cancelled":
            r["status"], r["outcome"] = "cancelled", "cancelled_by_requester"
        elif kind == "request.file_attached":
            size = b.get("size")
            files.append((seq, field(b.get("sha256")), subject, size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None))
    if orphan is not None:
        problems.append((orphan, "request_mismatch", f"event #{orphan} is a step of a request that was never received"))

    rows = {}
    for row in conn.execute(
        "SELECT CAST(id AS INTEGER), CAST(kind AS TEXT), CAST(law AS TEXT), CAST(channel AS TEXT), CAST(received_on AS TEXT),"
        " CAST(subject_id AS TEXT), CAST(found AS TEXT), CAST(status AS TEXT), CAST(identity AS TEXT),"
        " CAST(extended_on AS TEXT), CAST(outcome AS TEXT) FROM requests"
    ):
        t = [None if v is None else text(v) for v in row[1:]]
        rows[row[0]] = {
            "kind": t[0] or "", "law": t[1] or "", "channel": t[2] or "", "received": t[3] or "",
            "subject": t[4] or "", "found": t[5] or "", "status": t[6] or "",
            "identity": t[7], "extended_on": t[8], "outcome": t[9],
        }
    for rid, want in expected.items():
        row = rows.pop(rid, None)
        at = last.get(rid, rid)
        if row is None:
            problems.append((rid, "request_mismatch", f"request {rid}, received by event #{rid}, is missing from the vault"))
        elif row != want:
            problems.append((at, "request_mismatch", f"request {rid} no longer says what its events recorded (last at #{at})"))
    for rid in rows:
        problems.append((rid, "request_mismatch", f"request {rid} claims event #{rid}, which did not receive a request"))

    stored = {}
    for fid, sha, size, content in conn.execute("SELECT CAST(id AS INTEGER), CAST(sha256 AS TEXT), CAST(size AS INTEGER), content FROM request_files"):
        data = as_bytes(content) or b""
        stored[fid] = ("" if sha is None else text(sha), size if isinstance(size, int) else -1, data)
    for seq, sha, subject, size in files:
        gone = subject is not None and erasures.get(subject, 0) > seq
        row = stored.pop(seq, None)
        if row is None:
            if not gone:
                problems.append((seq, "request_mismatch", f"the file attached by event #{seq} is missing, and no erasure was recorded"))
        elif row[0] != sha or row[1] != size or hashlib.sha256(row[2]).hexdigest() != sha or gone:
            problems.append((seq, "request_mismatch", f"the file attached by event #{seq} was changed after it was recorded"))
    for fid in stored:
        problems.append((fid, "request_mismatch", f"a file claims event #{fid}, which attached none"))

    have = {text(s): (bool(h), q) for s, h, q in conn.execute(
        "SELECT CAST(subject_id AS TEXT), CAST(legal_hold AS INTEGER), CAST(since_seq AS INTEGER) FROM restrictions")}
    if have != restricted:
        seqs = [v[1] for k, v in restricted.items() if have.get(k) != v] + [v[1] for k, v in have.items() if restricted.get(k) != v]
        problems.append((min(seqs) if seqs else None, "request_mismatch", "the restricted people differ from those the ledger restricted"))

    years = {(text(r), y): (as_bytes(b) or b"", text(h)) for r, y, b, h in conn.execute(
        "SELECT CAST(region AS TEXT), CAST(year AS INTEGER), CAST(body AS TEXT), CAST(sha256 AS TEXT) FROM calendar_years")}
    for key, (seq, sha) in calendar.items():
        row = years.pop(key, None)
        if row is None or row[1] != sha or hashlib.sha256(row[0]).hexdigest() != sha:
            problems.append((seq, "request_mismatch", f"the calendar year {key[0]} {key[1]} loaded by event #{seq} is missing or was altered"))
    for key in years:
        problems.append((None, "request_mismatch", f"the calendar year {key[0]} {key[1]} was never loaded through the ledger"))

    values = {text(k): as_bytes(v) or b"" for k, v in conn.execute("SELECT CAST(key AS TEXT), CAST(value AS TEXT) FROM vault_settings")}
    for key, (seq, value) in settings.items():
        row = values.pop(key, None)
        if value is None:
            ok = row is None
        elif isinstance(value, str):
            ok = row is not None and row == value.encode()
        elif isinstance(value, dict):
            ok = row is not None and value.get("sha256") == hashlib.sha256(row).hexdigest()
        else:
            ok = False
        if not ok:
            problems.append((seq, "request_mismatch", f"the setting {key} no longer says what event #{seq} recorded"))
    for key in values:
        problems.append((None, "request_mismatch", f"the setting {key} was never recorded in the ledger"))

    if schema < 10:
        return problems
    docs = {}
    for q, did, tsha, psha, gone, body, pdf, facts in conn.execute(
        "SELECT CAST(event_seq AS INTEGER), CAST(id AS TEXT), CAST(text_sha256 AS TEXT), CAST(pdf_sha256 AS TEXT),"
        " CAST(erased AS INTEGER), CAST(text AS BLOB), CAST(pdf AS BLOB), CAST(facts AS BLOB) FROM documents"
    ):
        docs[q] = (text(did) if did is not None else "", text(tsha) if tsha is not None else "",
                   text(psha) if psha is not None else "", gone, as_bytes(body) or b"", as_bytes(pdf) or b"",
                   None if facts is None else hashlib.sha256(as_bytes(facts) or b"").hexdigest())
    for seq, (did, tsha, psha, subject, fsha) in documents.items():
        row = docs.pop(seq, None)
        erased_later = (subject is not None and erasures.get(subject, 0) > seq) or destroyed.get(did, 0) > seq
        ok = row is not None and row[0] == did and row[1] == tsha and row[2] == psha and (
            (row[3] == 0 and hashlib.sha256(row[4]).hexdigest() == tsha and hashlib.sha256(row[5]).hexdigest() == psha
             and row[6] == fsha)
            or (row[3] == 1 and erased_later and row[4] == b"" and row[5] == b"" and row[6] is None))
        if not ok:
            problems.append((seq, "request_mismatch", f"the document {did} issued by event #{seq} is missing or was altered"))
    for q, row in docs.items():
        problems.append((q, "request_mismatch", f"the document {row[0]} claims event #{q}, which issued none"))
    return problems


def u64(v: Optional[int]) -> int:
    """An integer column as the CLI reads it (a u64; NULL as -1, negatives wrapped), so that
    both name the same seq for a hostile row."""
    return (-1 if v is None else v) % 2**64


def check_incidents(conn, text: Callable[[Any], str]) -> list:
    """FORMAT.md §10 step 5.8 (schema 11): replays the incident.* events and the
    document.issued events of incidents, and compares the incident tables."""
    def column_text(v: Any) -> str:  # a text column; NULL reads as empty
        return "" if v is None else text(v)

    def digest(v: Any) -> str:
        return hashlib.sha256(as_bytes(v) or b"").hexdigest()

    problems: list = []
    expected: dict[int, dict] = {}  # incident id -> the row its events make
    notices: dict[int, tuple[int, str, str, str]] = {}  # seq -> (incident, notice, sent_at, SHA-256 of reference)
    links: set[tuple[int, int]] = set()  # (incident, seq) of every event about an incident
    documents: dict[int, int] = {}  # seq of a document.issued -> its incident
    for seq, kind, body in conn.execute(
        "SELECT seq, kind, body FROM events WHERE kind LIKE 'incident.%' OR kind = 'document.issued' ORDER BY seq"
    ):
        kind = text(kind)
        if not (kind.startswith("incident.") or kind == "document.issued"):
            continue  # LIKE is case-insensitive and treats _ as a wildcard
        b = loads(body)
        b = b if isinstance(b, dict) else {}
        iid = b.get("incident")
        if not (isinstance(iid, int) and not isinstance(iid, bool) and 0 <= iid < 2**64):
            iid = None
        if kind == "document.issued":
            if iid is not None:
                documents[seq] = iid
                links.add((iid, seq))
            continue
        if kind == "incident.recorded":
            expected[seq] = {"sha256": field(b.get("sha256")), "detected_at": field(b.get("detected_at")),
                             "law": field(b.get("law")), "status": "open", "last_seq": seq}
            links.add((seq, seq))
            continue
        if iid is None:
            problems.append((seq, "incident_mismatch", f"event #{seq} ({kind}) names no incident"))
            continue
        inc = expected.get(iid)
        if inc is None:
            problems.append((seq, "incident_mismatch", f"event #{seq} is a step of incident {iid}, which was never recorded"))
            continue
        links.add((iid, seq))
        if kind == "incident.updated":
            if inc["status"] != "open":
                problems.append((seq, "incident_mismatch", f"event #{seq} changes incident {iid} after it was closed"))
                continue
            inc.update(sha256=field(b.get("sha256")), detected_at=field(b.get("detected_at")),
                       law=field(b.get("law")), last_seq=seq)
        elif kind == "incident.closed":
            if inc["status"] != "open" or field(b.get("sha256")) != inc["sha256"]:
                problems.append((seq, "incident_mismatch",
                                 f"event #{seq} closes incident {iid}, which was closed already or said otherwise"))
                continue
            inc.update(status="closed", last_seq=seq)
        elif kind == "incident.notified":
            notices[seq] = (iid, field(b.get("notice")), field(b.get("sent_at")), field(b.get("reference_sha256")))

    # Columns are read through CAST, as the CLI reads them (so does check_requests).
    rows = {}
    for iid, details, detected_at, law, status, last_seq in conn.execute(
        "SELECT CAST(id AS INTEGER), CAST(details AS BLOB), CAST(detected_at AS TEXT), CAST(law AS TEXT),"
        " CAST(status AS TEXT), CAST(last_seq AS INTEGER) FROM incidents"
    ):
        rows[u64(iid)] = {"sha256": digest(details), "detected_at": column_text(detected_at), "law": column_text(law),
                          "status": column_text(status), "last_seq": u64(last_seq)}
    for iid, want in expected.items():
        row = rows.pop(iid, None)
        if row is None:
            problems.append((iid, "incident_mismatch", f"incident {iid}, recorded by event #{iid}, is missing from the vault"))
        elif row != want:
            at = want["last_seq"]
            problems.append((at, "incident_mismatch", f"incident {iid} no longer says what its events recorded (last at #{at})"))
    for iid in rows:
        problems.append((iid, "incident_mismatch", f"incident {iid} claims event #{iid}, which recorded no incident"))

    sent = {}
    for q, iid, notice, sent_at, reference in conn.execute(
        "SELECT CAST(event_seq AS INTEGER), CAST(incident_id AS INTEGER), CAST(notice AS TEXT), CAST(sent_at AS TEXT),"
        " CAST(reference AS BLOB) FROM incident_notices"
    ):
        sent[u64(q)] = (u64(iid), column_text(notice), column_text(sent_at), digest(reference))
    for seq, want in notices.items():
        if sent.pop(seq, None) != want:
            problems.append((seq, "incident_mismatch", f"the notice recorded as sent by event #{seq} is missing or was altered"))
    for seq in sent:
        problems.append((seq, "incident_mismatch", f"a sent notice claims event #{seq}, which recorded none"))

    stored = {(u64(i), u64(q)) for i, q in conn.execute(
        "SELECT CAST(incident_id AS INTEGER), CAST(seq AS INTEGER) FROM incident_events")}
    if differ := stored ^ links:
        seq = min(q for _, q in differ)
        problems.append((seq, "incident_mismatch", f"the history of incidents differs from their events at #{seq}"))

    issued = {u64(q): u64(i) for q, i in conn.execute(
        "SELECT CAST(event_seq AS INTEGER), CAST(incident_id AS INTEGER) FROM documents WHERE incident_id IS NOT NULL")}
    if issued != documents:
        seq = min([q for q, i in issued.items() if documents.get(q) != i] + [q for q, i in documents.items() if issued.get(q) != i])
        problems.append((seq, "incident_mismatch", "the documents issued for incidents differ from what their events recorded"))
    return problems


def check_activities(conn, text: Callable[[Any], str]) -> list:
    """FORMAT.md §10 step 5.10 (schema 13): replays the activity.* events and
    compares the processing register's tables; each document.sent names a
    notice to Roskomnadzor issued before it, once (§19.4)."""
    def column_text(v: Any) -> str:  # a text column; NULL reads as empty
        return "" if v is None else text(v)

    problems: list = []
    expected: dict[int, dict] = {}  # activity id -> the row its events make
    links: set[tuple[int, int]] = set()  # (activity, seq) of every event about an activity
    notices: set[str] = set()  # ids of the notices to Roskomnadzor issued so far (§19.4)
    sent: set[str] = set()  # the notices recorded as sent
    for seq, kind, body in conn.execute(
        "SELECT seq, kind, body FROM events WHERE kind LIKE 'activity.%' OR kind IN ('document.issued', 'document.sent') ORDER BY seq"
    ):
        kind = text(kind)
        b = loads(body)
        b = b if isinstance(b, dict) else {}
        if kind == "document.issued":
            if b.get("kind") in ("processing_notice", "processing_notice_change"):
                notices.add(field(b.get("id")))
            continue
        if kind == "document.sent":
            doc, day = field(b.get("id")), field(b.get("sent_on"))
            if doc not in notices:
                problems.append((seq, "activity_mismatch", f"event #{seq} records the sending of {doc!r}, which is no notice issued before it"))
            elif not is_day(day):
                problems.append((seq, "activity_mismatch", f"event #{seq} records the sending of {doc} on no day ({day!r})"))
            elif doc in sent:
                problems.append((seq, "activity_mismatch", f"event #{seq} records the sending of {doc} a second time"))
            else:
                sent.add(doc)
            continue
        if not kind.startswith("activity."):
            continue  # LIKE is case-insensitive and treats _ as a wildcard
        if kind == "activity.recorded":
            expected[seq] = {"sha256": field(b.get("sha256")), "status": "active", "last_seq": seq}
            links.add((seq, seq))
            continue
        aid = b.get("activity")
        if not (isinstance(aid, int) and not isinstance(aid, bool) and 0 <= aid < 2**64):
            problems.append((seq, "activity_mismatch", f"event #{seq} ({kind}) names no activity"))
            continue
        act = expected.get(aid)
        if act is None:
            problems.append((seq, "activity_mismatch", f"event #{seq} is a step of activity {aid}, which was never recorded"))
            continue
        links.add((aid, seq))
        if act["status"] != "active":
            problems.append((seq, "activity_mismatch", f"event #{seq} changes activity {aid} after it was retired"))
            continue
        if kind == "activity.updated":
            act.update(sha256=field(b.get("sha256")), last_seq=seq)
        elif kind == "activity.retired":
            if field(b.get("sha256")) != act["sha256"]:
                problems.append((seq, "activity_mismatch", f"event #{seq} retires activity {aid} as it never was"))
                continue
            act.update(status="retired", last_seq=seq)

    rows = {}
    for aid, details, status, last_seq in conn.execute(
        "SELECT CAST(id AS INTEGER), CAST(details AS BLOB), CAST(status AS TEXT), CAST(last_seq AS INTEGER) FROM activities"
    ):
        rows[u64(aid)] = {"sha256": hashlib.sha256(as_bytes(details) or b"").hexdigest(), "status": column_text(status),
                          "last_seq": u64(last_seq)}
    for aid, want in expected.items():
        row = rows.pop(aid, None)
        if row is None:
            problems.append((aid, "activity_mismatch", f"activity {aid}, recorded by event #{aid}, is missing from the vault"))
        elif row != want:
            at = want["last_seq"]
            problems.append((at, "activity_mismatch", f"activity {aid} no longer says what its events recorded (last at #{at})"))
    for aid in rows:
        problems.append((aid, "activity_mismatch", f"activity {aid} claims event #{aid}, which recorded no activity"))
    stored = {(u64(a), u64(q)) for a, q in conn.execute(
        "SELECT CAST(activity_id AS INTEGER), CAST(seq AS INTEGER) FROM activity_events")}
    if differ := stored ^ links:
        seq = min(q for _, q in differ)
        problems.append((seq, "activity_mismatch", f"the history of processing activities differs from their events at #{seq}"))
    return problems


def check_operators(conn, text: Callable[[Any], str]) -> list:
    """FORMAT.md §10 step 5.9 (schema 12): replays vault.created and the operator.*
    events, and compares the operators they make with the `operators` rows."""
    def body_text(b: dict, key: str) -> str:  # a body's string; anything else reads as empty
        v = b.get(key)
        return v if isinstance(v, str) else ""

    problems: list = []
    expected: dict[str, tuple[str, str, int]] = {}  # slot -> (name, role, the last event that made or changed it)
    for seq, kind, actor, body in conn.execute(
        "SELECT seq, kind, actor, body FROM events WHERE kind = 'vault.created' OR kind LIKE 'operator.%' ORDER BY seq"
    ):
        kind = text(kind)
        if not (kind == "vault.created" or kind.startswith("operator.")):
            continue  # LIKE is case-insensitive
        b = loads(body)
        b = b if isinstance(b, dict) else {}
        if kind == "vault.created":
            # The creator: the first key slot's id, named by the event's actor, an owner.
            slots = b.get("key_slots")
            first = slots[0] if isinstance(slots, list) and slots and isinstance(slots[0], dict) else {}
            if isinstance(first.get("id"), str):
                expected[first["id"]] = (text(actor), "owner", seq)
            continue
        slot = body_text(b, "slot")
        if kind == "operator.added":
            if slot in expected:
                problems.append((seq, "operator_mismatch", f"event #{seq} adds an operator whose slot exists already"))
            expected[slot] = (body_text(b, "name"), body_text(b, "role"), seq)  # made anew all the same, as the CLI does
        elif kind in ("operator.role_changed", "operator.removed"):
            if slot not in expected:
                problems.append((seq, "operator_mismatch", f"event #{seq} names an operator no event added"))
            elif kind == "operator.role_changed":
                expected[slot] = (expected[slot][0], body_text(b, "role"), seq)
            else:
                del expected[slot]
        # Any other operator.* kind changes no operator.

    # Columns are read through CAST, as the CLI reads them (so do check_requests and check_incidents).
    rows = {}
    for slot, name, role in conn.execute("SELECT CAST(slot_id AS TEXT), CAST(name AS TEXT), CAST(role AS TEXT) FROM operators"):
        rows["" if slot is None else text(slot)] = ("" if name is None else text(name), "" if role is None else text(role))
    for slot, (name, role, seq) in expected.items():
        if rows.pop(slot, None) != (name, role):
            problems.append((seq, "operator_mismatch", f"the operator of key slot {slot} is not what event #{seq} made"))
    for slot in rows:
        problems.append((None, "operator_mismatch", f"the operator of key slot {slot} was never added through the ledger"))
    return problems


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def read_secret(env: str, prompt: str) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise ToolError("invalid", f"no {prompt.rstrip(': ').lower()} given; set {env}") from None


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="verify_vault.py",
        description="Verify a Consent Ledger vault (keys, database, ledger, checkpoints) without Consent Ledger. "
        "See docs/FORMAT.md.",
        epilog=f"The passphrase is read from {PASSPHRASE_ENV} when set, otherwise asked for without echo; "
        f"with --recovery-code and no CODE, the code is read from {RECOVERY_ENV} or asked for. "
        "Exit codes: 0 verified, 1 error, 2 usage, 3 verification failed.",
    )
    ap.add_argument("--vault", required=True, type=Path, metavar="PATH", help="the vault folder")
    ap.add_argument(
        "--recovery-code",
        nargs="?",
        const=True,
        default=None,
        metavar="CODE",
        help="open the vault with the recovery code instead of the passphrase "
        "(a CODE given here is visible to other users of this machine; prefer the environment or the prompt)",
    )
    ap.add_argument("--json", action="store_true", help="machine-readable JSON output")
    ap.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="also check a checkpoint note kept outside the vault (repeatable)",
    )
    ap.add_argument(
        "--witness",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="also check the note a witness folder keeps for this vault (consent-ledger-<vault_id>.checkpoint), if any (repeatable)",
    )
    ap.add_argument("--verifier-key", metavar="LINE", help="require that checkpoints are signed by this verifier key (as printed by `consent-ledger info`)")
    ap.add_argument("--root-at", type=int, metavar="SIZE", help="also print the root of the first SIZE events")
    ap.add_argument("--backend", choices=("auto", "sqlcipher3", "builtin"), default="auto", help="how to read vault.db (default: sqlcipher3 if installed, else the built-in reader)")
    args = ap.parse_args(argv)

    def error(e: ToolError) -> int:
        if args.json:
            print(json.dumps({"error": {"code": e.code, "message": e.message}}, ensure_ascii=False), file=sys.stderr)
        else:
            print(f"error: {e.message}", file=sys.stderr)
        return EXIT_ERROR

    try:
        if args.root_at is not None and args.root_at < 0:
            raise ToolError("invalid", "--root-at takes a size of 0 or more")
        vault: Path = args.vault
        if not vault.is_dir():
            raise ToolError("not_a_vault", f"{vault} is not a folder")
        kf = load_keys(vault)
        notes = []
        files = list(args.checkpoint)
        for w in args.witness:
            kept = w / f"consent-ledger-{kf['vault_id']}.checkpoint"
            if kept.exists():
                files.append(kept)
        for f in files:
            try:
                notes.append((f"checkpoint file {f}", f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as e:
                raise ToolError("io", f"cannot read {f}: {e}") from None
        if args.recovery_code is not None:
            code = read_secret(RECOVERY_ENV, "Recovery code: ") if args.recovery_code is True else args.recovery_code
            master, slot = unlock(kf, "recovery", normalize_recovery_code(code).encode("ascii"))
        else:
            passphrase = read_secret(PASSPHRASE_ENV, "Passphrase: ")
            # Exactly the UTF-8 bytes typed: no trimming, no Unicode normalisation.
            master, slot = unlock(kf, "passphrase", unicodedata.normalize("NFC", passphrase).encode("utf-8"))
        conn, backend = open_db(vault, master, args.backend)
        del master
        try:
            report = verify(conn, kf, notes, args.verifier_key, args.root_at)
            problem = None
        except Problem as p:
            report, problem = p.report, p  # type: ignore[attr-defined]
            report["problem"] = {"code": p.code, "seq": p.seq, "message": p.message}
        except Exception as e:
            # sqlite3 and sqlcipher3 each have their own exception classes.
            if type(e).__module__.split(".")[0] in ("sqlite3", "sqlcipher3"):
                raise ToolError("corrupt", f"{vault / DB_FILE} is damaged or is not a Consent Ledger database ({e})") from None
            raise
        finally:
            conn.close()
    except ToolError as e:
        return error(e)

    report["opened_with_slot"] = slot
    report["backend"] = backend
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    elif problem is None:
        print(f"OK: {report['events']} events and {report['checkpoints']} checkpoints verified.")
        print(f"root: {report['root']}")
        if "root_at" in report:
            print(f"root at {report['root_at']['tree_size']}: {report['root_at']['root']}")
        print(f"vault: {report['vault_id']} ({report['organisation']})")
        print(f"verifier key: {report['verifier_key']}")
        print(f"read with: {backend}")
    else:
        print(f"FAILED: {problem.message}" + (f"\nfirst bad event: #{problem.seq}" if problem.seq is not None else ""))
    return EXIT_OK if problem is None else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
