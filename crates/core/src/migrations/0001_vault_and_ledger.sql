-- Schema 1: the vault's identity, its signing key, the append-only ledger,
-- its Merkle nodes and signed checkpoints, and pseudonymous subjects.

CREATE TABLE vault_meta (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    vault_id     TEXT NOT NULL,          -- same as keys.json "vault_id"
    organisation TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- The vault's Ed25519 checkpoint key; the database is encrypted, so is the key.
CREATE TABLE signing_key (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    secret     BLOB NOT NULL CHECK (length(secret) = 32),   -- RFC 8032 seed
    public     BLOB NOT NULL CHECK (length(public) = 32)
);

-- One operator per passphrase slot of keys.json.
CREATE TABLE operators (
    slot_id TEXT PRIMARY KEY,
    name    TEXT NOT NULL
);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),  -- leaf index + 1
    recorded_at TEXT NOT NULL,                         -- UTC, RFC 3339, microseconds, 'Z'
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT,                                  -- pseudonymous subject id or NULL
    body        TEXT NOT NULL,                         -- RFC 8785 canonical JSON
    leaf_hash   BLOB NOT NULL CHECK (length(leaf_hash) = 32)
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END;

-- Hashes of complete aligned subtrees of height >= 6 (see merkle.rs).
CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only: UPDATE refused'); END;
CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'Merkle nodes are append-only: DELETE refused'); END;

CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY,
    tree_size  INTEGER NOT NULL,
    root       BLOB NOT NULL CHECK (length(root) = 32),
    created_at TEXT NOT NULL,
    note       TEXT NOT NULL                           -- signed note, see docs/FORMAT.md
);
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: UPDATE refused'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only: DELETE refused'); END;

-- A data subject: a random id and the key of its commitments. Erasure sets
-- hmac_key to NULL and deletes the subject's rows in subject_data.
CREATE TABLE subjects (
    id         TEXT PRIMARY KEY,
    hmac_key   BLOB CHECK (hmac_key IS NULL OR length(hmac_key) = 32),
    created_at TEXT NOT NULL,
    erased_at  TEXT
);

-- Personal data, each row committed to by the event that recorded it.
CREATE TABLE subject_data (
    id         INTEGER PRIMARY KEY,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    event_seq  INTEGER NOT NULL REFERENCES events(seq),
    data       TEXT NOT NULL                            -- RFC 8785 canonical JSON
);
CREATE INDEX subject_data_by_subject ON subject_data(subject_id);
