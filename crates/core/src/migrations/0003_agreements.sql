-- Schema 3: agreements (consent texts) and their versions.
-- A draft version may be edited or replaced; a published one is frozen here
-- by triggers and, beyond the reach of triggers, by the content hash that
-- its `agreement.published` event put into the ledger (verify compares them).

CREATE TABLE agreements (
    id             INTEGER PRIMARY KEY,
    template       TEXT NOT NULL,
    language       TEXT NOT NULL CHECK (language IN ('ru', 'en')),
    translation_of INTEGER REFERENCES agreements(id),
    created_at     TEXT NOT NULL,
    retired_at     TEXT,
    retired_seq    INTEGER
);

-- Only retirement may change an agreement, once; none is ever deleted.
CREATE TRIGGER agreements_retire_only BEFORE UPDATE ON agreements
WHEN OLD.retired_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.template IS NOT OLD.template
  OR NEW.language IS NOT OLD.language OR NEW.translation_of IS NOT OLD.translation_of
  OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'agreements change only by retirement, once'); END;
CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements
BEGIN SELECT RAISE(ABORT, 'agreements are never deleted: retire them'); END;

CREATE TABLE agreement_versions (
    agreement_id  INTEGER NOT NULL REFERENCES agreements(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    -- draft: canonical JSON of the editable content;
    -- published: canonical JSON of the snapshot (content, requisites, document)
    content       TEXT NOT NULL,
    content_hash  TEXT,                 -- SHA-256 of `content`, published only
    acknowledged  TEXT,                 -- JSON array of warning rule ids
    updated_at    TEXT NOT NULL,
    published_at  TEXT,
    published_seq INTEGER,
    PRIMARY KEY (agreement_id, version),
    CHECK ((status = 'published') = (content_hash IS NOT NULL AND published_seq IS NOT NULL))
);

CREATE TRIGGER agreement_versions_frozen BEFORE UPDATE ON agreement_versions
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'a published agreement version is immutable: edit creates a new draft'); END;
CREATE TRIGGER agreement_versions_no_delete BEFORE DELETE ON agreement_versions
WHEN OLD.status = 'published'
BEGIN SELECT RAISE(ABORT, 'a published agreement version is immutable: it cannot be deleted'); END;
