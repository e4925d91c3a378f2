-- Schema 13: the processing register. Each processing activity (GDPR
-- Art. 30(1); what the 152-FZ art. 22 notice and the art. 18.1 policy
-- describe) is derived from `activity.*` events: what the owner wrote
-- (which may name staff) stays here, in the encrypted database, and only
-- its SHA-256, its law and the agreements that rely on it go into the events.

CREATE TABLE activities (
    id          INTEGER PRIMARY KEY,   -- the seq of its activity.recorded event
    details     TEXT NOT NULL,         -- canonical JSON (FORMAT.md §19); its SHA-256 is in the last event about it
    status      TEXT NOT NULL,         -- active, retired
    retired_at  TEXT,
    last_seq    INTEGER NOT NULL       -- the last event that changed the row
);

-- Every event about an activity, for its history.
CREATE TABLE activity_events (
    activity_id  INTEGER NOT NULL REFERENCES activities(id),
    seq          INTEGER NOT NULL REFERENCES events(seq),
    PRIMARY KEY (activity_id, seq)
) WITHOUT ROWID;
