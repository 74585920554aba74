-- A new alert rule: SQLite changes a CHECK only by rebuilding the table
-- (nothing references clone_alerts yet, so it can be dropped).
CREATE TABLE clone_alerts_next (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('scan_count', 'impossible_travel', 'after_sale', 'counterfeit_report')),
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'watch' CHECK (status IN ('watch', 'confirmed', 'dismissed')),
    clients INTEGER NOT NULL DEFAULT 1,
    decided_by TEXT REFERENCES organizations (id),
    status_changed_at TIMESTAMP
);
INSERT INTO clone_alerts_next (id, code, rule, producer_id, batch_id, detail, created_at, status, clients, decided_by, status_changed_at)
    SELECT id, code, rule, producer_id, batch_id, detail, created_at, status, clients, decided_by, status_changed_at FROM clone_alerts;
DROP TABLE clone_alerts;
ALTER TABLE clone_alerts_next RENAME TO clone_alerts;
CREATE UNIQUE INDEX clone_alerts_code_rule ON clone_alerts (code, rule);
CREATE INDEX clone_alerts_producer ON clone_alerts (producer_id, created_at);
CREATE INDEX clone_alerts_batch ON clone_alerts (batch_id);

-- What consumers report from a scan page ("Báo hàng giả"): each report is
-- kept, and the code's counterfeit_report alert (one per code, a watch for
-- the producer and the authority) counts the distinct reporters. Nothing of
-- the reporter's address is kept but the day's salted hash scans also keep;
-- a photo is re-encoded (no camera EXIF, no GPS position).
CREATE TABLE counterfeit_reports (
    id TEXT PRIMARY KEY NOT NULL,
    alert_id TEXT NOT NULL REFERENCES clone_alerts (id),
    code TEXT NOT NULL,
    where_bought TEXT,
    note TEXT,
    phone TEXT,
    photo_jpeg BLOB,
    client_hash TEXT,
    lang TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX counterfeit_reports_alert ON counterfeit_reports (alert_id, created_at);
