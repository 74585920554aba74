-- Public scans: the hot write path. No raw client address, only a salted
-- hash that changes daily; a location only if the consumer shared it, rounded.
-- One index besides the key: every index is paid on every scan. Time ranges
-- use the key, which grows with time.
CREATE TABLE scan_events (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('view', 'location')),
    scanned_at TIMESTAMP NOT NULL,
    lang TEXT NOT NULL,
    ua_family TEXT NOT NULL,
    client_hash TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION
);
CREATE INDEX scan_events_code ON scan_events (code, scanned_at);
