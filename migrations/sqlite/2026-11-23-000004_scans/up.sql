-- Public scans: the hot write path. No raw client address, only a salted
-- hash that changes daily; a location only if the consumer shared it, rounded.
-- Append-only: no index on the random code is paid on each scan's commit
-- (time ranges use the key, which grows with time). Located scans, which are
-- few, are indexed by code for the clone rules.
CREATE TABLE scan_events (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('view', 'location')),
    scanned_at TIMESTAMP NOT NULL,
    lang TEXT NOT NULL,
    ua_family TEXT NOT NULL,
    client_hash TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION
);
CREATE INDEX scan_events_located ON scan_events (code, id) WHERE kind = 'location';

-- Views per code, kept off the scan's commit: the scan writer adds its counts
-- here about once a second, in one transaction.
CREATE TABLE code_scan_counts (
    code TEXT PRIMARY KEY NOT NULL,
    views INTEGER NOT NULL,
    first_viewed_at TIMESTAMP NOT NULL
);
