-- Schema 2: the organisation's requisites (the controller's details that
-- every agreement is filled in with), one row, as RFC 8785 canonical JSON.

CREATE TABLE organisation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    requisites TEXT NOT NULL,          -- canonical JSON, see organisation.rs
    updated_at TEXT NOT NULL
);
