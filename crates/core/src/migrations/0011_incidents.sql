-- Schema 11: the incident register (GDPR Art. 33(5): every personal-data
-- breach, reported or not; 152-FZ art. 21 part 3.1: the notices to
-- Roskomnadzor). Each row is derived from `incident.*` events: the details
-- the operator wrote (which may name staff) stay here, in the encrypted
-- database, and only their SHA-256 and the figures the clocks and the fine
-- depend on go into the events.

CREATE TABLE incidents (
    id           INTEGER PRIMARY KEY,   -- the seq of its incident.recorded event
    details      TEXT NOT NULL,         -- canonical JSON (FORMAT.md §17); its SHA-256 is in the last event about it
    detected_at  TEXT NOT NULL,         -- RFC 3339 UTC: when the clocks start
    law          TEXT NOT NULL,         -- 152-fz, gdpr, both
    status       TEXT NOT NULL,         -- open, closed
    closed_at    TEXT,
    last_seq     INTEGER NOT NULL       -- the last event that changed the row
);
CREATE INDEX incidents_by_detection ON incidents(detected_at, id);

-- Every event about an incident, for its history.
CREATE TABLE incident_events (
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    seq          INTEGER NOT NULL REFERENCES events(seq),
    PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;

-- Each notice sent (to Roskomnadzor, the supervisory authority, the people),
-- as recorded by its incident.notified event.
CREATE TABLE incident_notices (
    event_seq    INTEGER PRIMARY KEY REFERENCES events(seq),
    incident_id  INTEGER NOT NULL REFERENCES incidents(id),
    notice       TEXT NOT NULL,         -- rkn_24h, rkn_72h, gdpr_33, subjects_34
    sent_at      TEXT NOT NULL,         -- RFC 3339 UTC
    reference    TEXT NOT NULL          -- how it was sent, the portal's number (its SHA-256 is in the event)
);
CREATE INDEX incident_notices_by_incident ON incident_notices(incident_id, notice);

-- The drafts issued for an incident (notices as PDF and text).
ALTER TABLE documents ADD COLUMN incident_id INTEGER REFERENCES incidents(id);
CREATE INDEX documents_by_incident ON documents(incident_id) WHERE incident_id IS NOT NULL;
