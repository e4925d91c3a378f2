-- Schema 14: a published document of the processing register (the privacy
-- policy, the notice to Roskomnadzor, the records of processing, a notice
-- of changes) is immutable, as a published agreement version is:
-- publishing again issues a new revision and keeps the old one.

CREATE TRIGGER processing_documents_frozen BEFORE UPDATE ON documents
WHEN OLD.kind IN ('processing_policy', 'processing_notice', 'processing_records', 'processing_notice_change')
BEGIN SELECT RAISE(ABORT, 'a published document of the processing register is immutable: publish a new revision'); END;
CREATE TRIGGER processing_documents_no_delete BEFORE DELETE ON documents
WHEN OLD.kind IN ('processing_policy', 'processing_notice', 'processing_records', 'processing_notice_change')
BEGIN SELECT RAISE(ABORT, 'a published document of the processing register is immutable: it cannot be deleted'); END;

-- The few events the notices' state is read from, found without reading the
-- whole log (a vault holds millions of events): the sendings of notices,
-- and the changes of the organisation's requisites.
CREATE INDEX events_document_sent ON events(seq) WHERE kind = 'document.sent';
CREATE INDEX events_requisites_changed ON events(seq) WHERE kind = 'organisation.requisites_changed';
