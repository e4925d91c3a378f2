-- Schema 4: the consent register. Each consent, refusal or withdrawal is one
-- row here and one `consent.*` event in the ledger; the personal data it
-- carries is a `subject_data` row committed to by that event.

-- What identifies a subject across consents (normalised e-mail and phone;
-- names are kept for search only). Erasure deletes a subject's rows.
CREATE TABLE subject_contacts (
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'name')),
    value      TEXT NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    PRIMARY KEY (kind, value, subject_id)
) WITHOUT ROWID;
CREATE INDEX subject_contacts_by_subject ON subject_contacts(subject_id);

-- Every import, with the hash of the file read (also in its ledger event).
CREATE TABLE imports (
    id             INTEGER PRIMARY KEY,
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    format         TEXT NOT NULL,
    rows_read      INTEGER NOT NULL,
    rows_added     INTEGER NOT NULL,
    rows_duplicate INTEGER NOT NULL,
    rows_rejected  INTEGER NOT NULL,
    imported_at    TEXT NOT NULL,
    event_seq      INTEGER NOT NULL
);

CREATE TABLE consents (
    id                INTEGER PRIMARY KEY,
    subject_id        TEXT NOT NULL REFERENCES subjects(id),
    agreement_id      INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    action            TEXT NOT NULL CHECK (action IN ('given', 'refused', 'withdrawn', 'expired')),
    acted_at          TEXT NOT NULL,     -- when the subject acted, UTC
    acted_at_original TEXT,              -- as the source gave it
    recorded_at       TEXT NOT NULL,
    channel           TEXT NOT NULL,   -- the page URL, IP and user agent are personal data: in subject_data
    scan_sha256       TEXT,              -- paper: hash of the scanned file
    import_id         INTEGER REFERENCES imports(id),
    dedup_key         INTEGER NOT NULL UNIQUE,  -- see consents::dedup_key
    event_seq         INTEGER NOT NULL UNIQUE,
    FOREIGN KEY (agreement_id, version) REFERENCES agreement_versions(agreement_id, version)
);
CREATE INDEX consents_by_time ON consents(acted_at, id);
CREATE INDEX consents_by_subject ON consents(subject_id, acted_at);
CREATE INDEX consents_by_agreement ON consents(agreement_id, version, acted_at);

-- A consent's personal data is found by its event.
CREATE INDEX subject_data_by_event ON subject_data(event_seq);

CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'the consent register is append-only: UPDATE refused'); END;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'the consent register is append-only: DELETE refused'); END;

-- Full-text search over subjects' names, e-mails and phones (rowid = the
-- subject's rowid). Contentless, so it holds only the index; erasure
-- deletes a subject's entry.
CREATE VIRTUAL TABLE subject_search USING fts5(
    name, email, phone,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
