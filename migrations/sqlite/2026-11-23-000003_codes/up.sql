-- One issuance of N codes for one batch and one farming area. The payload
-- prefix is fixed at issuance so printed labels never change meaning.
CREATE TABLE code_runs (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id),
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    farming_area_id TEXT NOT NULL REFERENCES sites (id),
    count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 1000000),
    payload_format TEXT NOT NULL CHECK (payload_format IN ('url', 'url_upper', 'gs1')),
    payload_prefix TEXT NOT NULL,
    idempotency_key TEXT,
    request_fingerprint TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX code_runs_batch ON code_runs (batch_id);
CREATE UNIQUE INDEX code_runs_idempotency ON code_runs (producer_id, idempotency_key);

-- The codes themselves: never updated, never deleted. WITHOUT ROWID keeps
-- one B-tree keyed by the code (half the writes of a rowid table + index).
CREATE TABLE codes (
    code TEXT PRIMARY KEY NOT NULL,
    run_id TEXT NOT NULL REFERENCES code_runs (id),
    serial INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX codes_run_serial ON codes (run_id, serial);
