-- scan_events partitioned by calendar month of scanned_at (UTC, as stored):
-- at a national scale it is by far the largest table, its old months are
-- read only by analytics, and a month detaches (and archives) in one
-- statement. The service creates each month's partition ahead of time;
-- a default partition takes whatever falls outside them (a clock far off),
-- so a scan never fails for want of one. The key carries scanned_at, as a
-- partitioned table's unique keys must; ids still come from one sequence.
--
-- The existing rows are copied into their months: on a large table this
-- rewrites it once, inside the migration's transaction (plan a window).
ALTER TABLE scan_events RENAME TO scan_events_unpartitioned;
ALTER TABLE scan_events_unpartitioned RENAME CONSTRAINT scan_events_pkey TO scan_events_unpartitioned_pkey;
ALTER INDEX scan_events_located RENAME TO scan_events_unpartitioned_located;

CREATE TABLE scan_events (
    id BIGINT NOT NULL DEFAULT nextval('scan_events_id_seq'),
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('view', 'location')),
    scanned_at TIMESTAMP NOT NULL,
    lang TEXT NOT NULL,
    ua_family TEXT NOT NULL,
    client_hash TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    PRIMARY KEY (id, scanned_at)
) PARTITION BY RANGE (scanned_at);
ALTER SEQUENCE scan_events_id_seq OWNED BY scan_events.id;
CREATE INDEX scan_events_located ON scan_events (code, id) WHERE kind = 'location';
CREATE TABLE scan_events_default PARTITION OF scan_events DEFAULT;

-- The months of the rows there are, through two months from now (named as
-- the service names them: scan_events_y2026m12).
DO $$
DECLARE
    month date;
BEGIN
    FOR month IN
        SELECT generate_series(first, last, interval '1 month')::date
        FROM (
            SELECT date_trunc('month', LEAST(MIN(scanned_at), now() AT TIME ZONE 'UTC')) AS first,
                   date_trunc('month', GREATEST(MAX(scanned_at), now() AT TIME ZONE 'UTC' + interval '2 months')) AS last
            FROM scan_events_unpartitioned
        ) bounds
    LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF scan_events FOR VALUES FROM (%L) TO (%L)',
            'scan_events_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM'),
            month,
            (month + interval '1 month')::date
        );
    END LOOP;
END
$$;

INSERT INTO scan_events SELECT * FROM scan_events_unpartitioned;
DROP TABLE scan_events_unpartitioned;
