-- Schema 12: operators' roles. Each operator has a passphrase slot in
-- keys.json and a role: owner (everything, manages operators and
-- settings), operator (records consents, imports, handles requests and
-- incidents) or auditor (reads and exports evidence, changes nothing). The
-- operator who created the vault is an owner; every later change is an
-- `operator.added`, `operator.role_changed` or `operator.removed` event, and
-- removing an operator also removes their slot from keys.json.
ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE operators ADD COLUMN added_seq INTEGER;  -- the operator.added event; NULL for the vault's creator
