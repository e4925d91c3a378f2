-- Schema 8: finding a person must not miss them. The search index gets a
-- column `translit` with the Latin skeleton of each name word
-- (consents::translit), so that a name written in Cyrillic is found by its
-- Latin spellings and the other way round; and names and e-mails are now
-- indexed folded (ё as е: the tokenizer takes diacritics off Latin letters
-- only). An FTS5 table cannot gain a column: it is made again, contentless,
-- with the tokenizer, prefix indexes and schema 6's settings, and filled by
-- this migration's hook (search::refill_index) from the contacts of the
-- subjects not erased (rowid = the subject's rowid). Its old pages are
-- zeroed as they are freed (secure_delete).
--
-- Erasing a person must take their words out of the index without
-- rewriting it. A `contentless_delete` table (as before) only records a
-- tombstone on DELETE, the words staying in the pages until a merge of the
-- whole index; so this one is a classic contentless table with FTS5's
-- `secure-delete` option, from which an entry is deleted with the
-- 'delete' command and the exact text it was indexed with: the words leave
-- the pages that hold them, and only those pages are written (the b-tree
-- keys FTS5 leaves of them in subject_search_idx are replaced by
-- search::scrub_keys). That text is kept in `subject_search_text`, one row
-- per entry (rowid = the subject's rowid), written and deleted with it
-- (search::Entry, search::remove).
DROP TABLE subject_search;
CREATE VIRTUAL TABLE subject_search USING fts5(
    name, email, phone, translit,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO subject_search (subject_search, rank) VALUES ('hashsize', 8388608);
INSERT INTO subject_search (subject_search, rank) VALUES ('automerge', 8);
INSERT INTO subject_search (subject_search, rank) VALUES ('secure-delete', 1);
CREATE TABLE subject_search_text (
    rowid    INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    email    TEXT NOT NULL,
    phone    TEXT NOT NULL,
    translit TEXT NOT NULL
);
