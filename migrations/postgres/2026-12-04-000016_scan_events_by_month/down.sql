-- Back to one table (every month's rows copied back).
ALTER TABLE scan_events RENAME TO scan_events_partitioned;
ALTER TABLE scan_events_partitioned RENAME CONSTRAINT scan_events_pkey TO scan_events_partitioned_pkey;
ALTER INDEX scan_events_located RENAME TO scan_events_partitioned_located;
CREATE TABLE scan_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('scan_events_id_seq'),
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('view', 'location')),
    scanned_at TIMESTAMP NOT NULL,
    lang TEXT NOT NULL,
    ua_family TEXT NOT NULL,
    client_hash TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION
);
ALTER SEQUENCE scan_events_id_seq OWNED BY scan_events.id;
CREATE INDEX scan_events_located ON scan_events (code, id) WHERE kind = 'location';
INSERT INTO scan_events SELECT * FROM scan_events_partitioned;
DROP TABLE scan_events_partitioned;
