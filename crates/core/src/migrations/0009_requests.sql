-- Schema 9: data subjects' requests, their follow-on deadlines, restricted
-- people, the suppression list, calendar years loaded by the user and the
-- vault's request settings. Every row here is derived from ledger events
-- (`request.*`, `subject.restricted`, `suppression.added`, `calendar.loaded`,
-- `settings.changed`); the personal data a request carries (who wrote, the
-- text, the searches made, identity details) is a `subject_data` row of the
-- requester's subject, behind the commitment in its event, and is erased with
-- that person.

CREATE TABLE requests (
    id           INTEGER PRIMARY KEY,   -- the seq of its request.received event
    kind         TEXT NOT NULL,         -- access, rectification, erasure, restriction, objection, withdrawal, portability, regulator
    law          TEXT NOT NULL,         -- 152-fz, gdpr, both
    channel      TEXT NOT NULL,
    received_on  TEXT NOT NULL,         -- YYYY-MM-DD
    subject_id   TEXT NOT NULL REFERENCES subjects(id),  -- the person found, or a subject made for the requester
    found        INTEGER NOT NULL,      -- 1: the requester was found in the register
    status       TEXT NOT NULL,         -- received, identity_check, in_progress, fulfilled, refused, cancelled
    due          TEXT NOT NULL,         -- the last day to answer (for both laws: the earlier)
    due_152fz    TEXT,
    due_gdpr     TEXT,
    due_basis    TEXT NOT NULL,         -- decreed, provisional, missing: the calendar years the count used
    extended_on  TEXT,                  -- the day the extension notice was sent
    identity     TEXT,                  -- passed, failed, waived: the last identity check
    closed_on    TEXT,
    outcome      TEXT,                  -- what fulfilment or refusal said (a code)
    duplicate_of INTEGER,               -- an open request of the same kind for the same person at intake
    last_seq     INTEGER NOT NULL       -- the last event about this request
);
CREATE INDEX requests_by_due ON requests(due, id);
CREATE INDEX requests_by_subject ON requests(subject_id, kind);
-- The open requests by due date (the overview and the list's first page):
-- a partial index, so that neither reads the closed ones.
CREATE INDEX requests_open_by_due ON requests(due, id)
    WHERE status IN ('received', 'identity_check', 'in_progress');

-- Every event about a request, for its history (events has no index by subject).
CREATE TABLE request_events (
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    seq         INTEGER NOT NULL REFERENCES events(seq),
    PRIMARY KEY (request_id, seq)
) WITHOUT ROWID;

-- Files attached to a request (the letter's scan, an e-mail, identity
-- evidence): kept in the vault, their hash in the ledger. Erasure deletes them.
CREATE TABLE request_files (
    id          INTEGER PRIMARY KEY,    -- the seq of its request.file_attached event
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    subject_id  TEXT NOT NULL REFERENCES subjects(id),
    purpose     TEXT NOT NULL,          -- request, identity
    name        TEXT NOT NULL,          -- the file's name as given (may name the person)
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL
);
CREATE INDEX request_files_by_request ON request_files(request_id);
CREATE INDEX request_files_by_subject ON request_files(subject_id);

-- Deadlines that a fulfilment starts (destroy within 30 days of a
-- withdrawal, stop within 3 working days, ...); done when the work is recorded.
CREATE TABLE followups (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    subject_id  TEXT NOT NULL REFERENCES subjects(id),
    kind        TEXT NOT NULL,          -- destroy, stop
    due         TEXT NOT NULL,
    due_basis   TEXT NOT NULL,
    source      TEXT NOT NULL,          -- the provision
    started_seq INTEGER NOT NULL,       -- the request.fulfilled event
    done_seq    INTEGER                 -- the event that did it
);
CREATE INDEX followups_pending ON followups(done_seq, due);
CREATE INDEX followups_by_subject ON followups(subject_id);

-- People whose data may only be stored (152-FZ art. 21 part 1 blocking,
-- GDPR Art. 18). A legal hold (data needed for legal claims) also blocks erasure.
CREATE TABLE restrictions (
    subject_id  TEXT PRIMARY KEY REFERENCES subjects(id),  -- the person (the subject merged into)
    request_id  INTEGER REFERENCES requests(id),
    legal_hold  INTEGER NOT NULL,
    since_seq   INTEGER NOT NULL
);

-- People who objected or withdrew: never to be contacted again. Kept as
-- SHA-256 of the normalised e-mail or phone, so the list survives erasure
-- without holding the values.
CREATE TABLE suppression (
    kind        TEXT NOT NULL CHECK (kind = 'email' OR kind = 'phone'),
    sha256      TEXT NOT NULL,
    request_id  INTEGER REFERENCES requests(id),
    since_seq   INTEGER NOT NULL,
    PRIMARY KEY (kind, sha256)
) WITHOUT ROWID;

-- Production calendar years (and public holidays of a GDPR country) loaded
-- by the user over the shipped ones.
CREATE TABLE calendar_years (
    region      TEXT NOT NULL,
    year        INTEGER NOT NULL,
    body        TEXT NOT NULL,          -- the year as canonical JSON
    sha256      TEXT NOT NULL,
    event_seq   INTEGER NOT NULL,
    PRIMARY KEY (region, year)
);

-- Settings stored in the vault because deadlines depend on them (the GDPR
-- country whose public holidays count); each change is a ledger event.
CREATE TABLE vault_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    event_seq   INTEGER NOT NULL
);

-- Consent actions per month and action, for the overview's chart (kept
-- by the recorder; a count over the register's rows is too slow at a million).
CREATE TABLE consent_months (
    month       TEXT NOT NULL,          -- YYYY-MM of acted_at (UTC)
    action      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (month, action)
) WITHOUT ROWID;
INSERT INTO consent_months (month, action, n)
SELECT substr(acted_at, 1, 7), action, count(*) FROM consents GROUP BY 1, 2;
