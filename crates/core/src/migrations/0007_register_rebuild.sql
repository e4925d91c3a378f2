-- Schema 7: the register's tables rebuilt to write fewer B-trees per consent.
-- Measured on an import of a million consents, each change below removes
-- work done for every row:
-- * A consent's id is now the seq of the `consent.*` event that recorded it,
--   and a `subject_data` row is keyed by its event's seq: two indexes fewer
--   (`consents.event_seq` and `subject_data_by_event`).
-- * The duplicate check and the order by time share one index,
--   `(acted_at, dedup_key)`. A dedup key is a hash that covers the time
--   (consents::dedup_key), so one action recorded twice has the same pair;
--   and an import in time order writes this index in order, where the
--   unique key alone was written at random places.
-- * CHECK constraints compare with `=` instead of `IN (...)`: SQLite builds a
--   temporary B-tree for an IN list each time a row is checked.
-- Every row is copied. Consents are renumbered: a consent's id becomes the
-- seq of its event (exports list that seq next to the old id).

CREATE TABLE consents_v7 (
    id                INTEGER PRIMARY KEY,   -- the seq of the consent.* event that recorded it
    subject_id        TEXT NOT NULL REFERENCES subjects(id),
    agreement_id      INTEGER NOT NULL,
    version           INTEGER NOT NULL,
    action            TEXT NOT NULL CHECK (action = 'given' OR action = 'refused'
                                           OR action = 'withdrawn' OR action = 'expired'),
    acted_at          TEXT NOT NULL,     -- when the subject acted, UTC
    acted_at_original TEXT,              -- as the source gave it
    recorded_at       TEXT NOT NULL,
    channel           TEXT NOT NULL,     -- the page URL, IP and user agent are personal data: in subject_data
    scan_sha256       TEXT,              -- paper: hash of the scanned file
    import_id         INTEGER REFERENCES imports(id),
    dedup_key         INTEGER NOT NULL,  -- see consents::dedup_key; unique with acted_at
    FOREIGN KEY (agreement_id, version) REFERENCES agreement_versions(agreement_id, version)
);
INSERT INTO consents_v7 (id, subject_id, agreement_id, version, action, acted_at, acted_at_original,
                         recorded_at, channel, scan_sha256, import_id, dedup_key)
SELECT event_seq, subject_id, agreement_id, version, action, acted_at, acted_at_original,
       recorded_at, channel, scan_sha256, import_id, dedup_key
  FROM consents;
DROP TABLE consents;
ALTER TABLE consents_v7 RENAME TO consents;
CREATE UNIQUE INDEX consents_by_time ON consents(acted_at, dedup_key);
CREATE INDEX consents_by_subject ON consents(subject_id, acted_at);
CREATE INDEX consents_by_agreement ON consents(agreement_id, version, acted_at);
CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'the consent register is append-only: UPDATE refused'); END;
CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents
BEGIN SELECT RAISE(ABORT, 'the consent register is append-only: DELETE refused'); END;

-- Personal data, each row committed to by the one event that recorded it.
CREATE TABLE subject_data_v7 (
    event_seq  INTEGER PRIMARY KEY REFERENCES events(seq),
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    data       TEXT NOT NULL                            -- RFC 8785 canonical JSON
);
INSERT INTO subject_data_v7 (event_seq, subject_id, data)
SELECT event_seq, subject_id, data FROM subject_data ORDER BY id;
DROP TABLE subject_data;
ALTER TABLE subject_data_v7 RENAME TO subject_data;
CREATE INDEX subject_data_by_subject ON subject_data(subject_id);

CREATE TABLE subject_contacts_v7 (
    kind       TEXT NOT NULL CHECK (kind = 'email' OR kind = 'phone' OR kind = 'name'),
    value      TEXT NOT NULL,
    subject_id TEXT NOT NULL REFERENCES subjects(id),
    PRIMARY KEY (kind, value, subject_id)
) WITHOUT ROWID;
INSERT INTO subject_contacts_v7 SELECT kind, value, subject_id FROM subject_contacts;
DROP TABLE subject_contacts;
ALTER TABLE subject_contacts_v7 RENAME TO subject_contacts;
CREATE INDEX subject_contacts_by_subject ON subject_contacts(subject_id);
