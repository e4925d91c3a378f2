-- Schema 10: documents issued to data subjects, recipients and inspectors
-- (letters; later destruction acts and evidence packs). Each row is one
-- issued document, its bytes kept in the (encrypted) vault so that it can be
-- shown again; its `document.issued` event records both hashes and no
-- personal data. When the person a document names is erased, its text and
-- PDF are emptied (`erased` = 1): the row and the event still prove what was
-- issued, and when.

CREATE TABLE documents (
    id          TEXT PRIMARY KEY,       -- printed in its footer: `key`, then `key`/2, `key`/3 for later revisions
    key         TEXT NOT NULL,          -- what the document is, e.g. R41-ANS-ru (request 41, the answer, Russian)
    kind        TEXT NOT NULL,          -- acknowledgement, identity_request, extension, answer, refusal, rectification_notice, destruction_notice
    language    TEXT NOT NULL,          -- ru, en
    request_id  INTEGER REFERENCES requests(id),
    subject_id  TEXT REFERENCES subjects(id),
    issued_at   TEXT NOT NULL,          -- RFC 3339 UTC: the date printed and the PDF's date
    text_sha256 TEXT NOT NULL,          -- SHA-256 of `text` (UTF-8) as issued, printed in the footer
    pdf_sha256  TEXT NOT NULL,          -- SHA-256 of `pdf` as issued
    text        TEXT NOT NULL,          -- the plain-text version (for an e-mail); '' once erased
    pdf         BLOB NOT NULL,          -- x'' once erased
    erased      INTEGER NOT NULL DEFAULT 0,
    event_seq   INTEGER NOT NULL UNIQUE REFERENCES events(seq)
);
CREATE INDEX documents_by_key ON documents(key);
CREATE INDEX documents_by_request ON documents(request_id);
CREATE INDEX documents_by_subject ON documents(subject_id);
