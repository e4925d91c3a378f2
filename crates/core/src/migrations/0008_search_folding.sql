-- Schema 8: finding a person must not miss them. The search index gets a
-- column `translit` with the Latin skeleton of each name word
-- (consents::translit), so that a name written in Cyrillic is found by its
-- Latin spellings and the other way round; and names and e-mails are now
-- indexed folded (ё as е: the tokenizer takes diacritics off Latin letters
-- only). An FTS5 table cannot gain a column: it is made again, as contentless
-- as before, with the tokenizer, prefix indexes and schema 6's settings, and
-- filled by this migration's hook (search::refill_index) from the contacts
-- of the subjects not erased (rowid = the subject's rowid). Its old pages
-- are zeroed as they are freed (secure_delete).
DROP TABLE subject_search;
CREATE VIRTUAL TABLE subject_search USING fts5(
    name, email, phone, translit,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);
INSERT INTO subject_search (subject_search, rank) VALUES ('hashsize', 8388608);
INSERT INTO subject_search (subject_search, rank) VALUES ('automerge', 8);
