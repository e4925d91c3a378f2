-- Schema 6: the search index is built in larger steps. FTS5 keeps up to
-- `hashsize` bytes of new entries in memory before writing a segment (1 MiB
-- by default), and merges segments once `automerge` of them are on one level
-- (4 by default). A 1,000,000-row import spent most of its indexing time
-- merging; 8 MiB and 8 halve that, and a search reads at most 7 segments per
-- level instead of 3 (measured: no change in search times at 1M consents).
INSERT INTO subject_search (subject_search, rank) VALUES ('hashsize', 8388608);
INSERT INTO subject_search (subject_search, rank) VALUES ('automerge', 8);
