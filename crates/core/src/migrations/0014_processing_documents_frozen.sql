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
