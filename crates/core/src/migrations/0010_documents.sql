-- Schema 10: documents issued to data subjects, recipients and inspectors
-- (letters, destruction acts and their log extracts). Each row is one
-- issued document, its bytes kept in the (encrypted) vault so that it can be
-- shown again; its `document.issued` event records both hashes and no
-- personal data. When the person a document names is erased, its text and
-- PDF are emptied (`erased` = 1): the row and the event still prove what was
-- issued, and when. A destruction act names the person whose data was
-- destroyed and is kept on its own legal ground (Roskomnadzor order No. 179
-- п. 8: three years): it has no `subject_id`, keeps the facts it was built
-- from (`facts`, so that it can be rendered again, e.g. in another language)
-- and `retain_until`, after which it is to be destroyed too.

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,       -- printed in its footer: `key`, then `key`/2, `key`/3 for later revisions
    key         TEXT NOT NULL,          -- what the document is, e.g. R41-ANS-ru (request 41, the answer, Russian)
    kind        TEXT NOT NULL,          -- acknowledgement, identity_request, extension, answer, refusal, rectification_notice, destruction_notice, destruction_act, log_extract
    language    TEXT NOT NULL,          -- ru, en
    request_id  INTEGER REFERENCES requests(id),
    subject_id  TEXT REFERENCES subjects(id),
    issued_at   TEXT NOT NULL,          -- RFC 3339 UTC: the date printed and the PDF's date
    text_sha256 TEXT NOT NULL,          -- SHA-256 of `text` (UTF-8) as issued, printed in the footer
    pdf_sha256  TEXT NOT NULL,          -- SHA-256 of `pdf` as issued
    text        TEXT NOT NULL,          -- the plain-text version (for an e-mail); '' once erased
    pdf         BLOB NOT NULL,          -- x'' once erased
    erased      INTEGER NOT NULL DEFAULT 0,
    facts       TEXT,                   -- destruction acts: the facts rendered (canonical JSON); its SHA-256 is in the event
    retain_until TEXT,                  -- destruction acts: YYYY-MM-DD, three years after the destruction
    event_seq   INTEGER NOT NULL UNIQUE REFERENCES events(seq)
);
CREATE INDEX documents_by_key ON documents(key);
CREATE INDEX documents_by_request ON documents(request_id);
CREATE INDEX documents_by_subject ON documents(subject_id);
