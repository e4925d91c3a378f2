-- Schema 5: an operator may merge two subjects that are one person (the
-- automatic match by e-mail or phone could not tell). Nothing recorded is
-- rewritten: the absorbed subject keeps its consents, data and key; this
-- table says whose they are now, and event `subject.merged` says when.

CREATE TABLE subject_merges (
    absorbed   TEXT PRIMARY KEY REFERENCES subjects(id),
    into_id    TEXT NOT NULL REFERENCES subjects(id) CHECK (into_id <> absorbed),
    merged_at  TEXT NOT NULL,
    event_seq  INTEGER NOT NULL
);
CREATE INDEX subject_merges_into ON subject_merges(into_id);

CREATE TRIGGER subject_merges_no_update BEFORE UPDATE ON subject_merges
BEGIN SELECT RAISE(ABORT, 'merges are permanent: UPDATE refused'); END;
CREATE TRIGGER subject_merges_no_delete BEFORE DELETE ON subject_merges
BEGIN SELECT RAISE(ABORT, 'merges are permanent: DELETE refused'); END;
