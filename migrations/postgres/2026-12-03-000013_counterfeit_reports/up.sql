-- A new alert rule.
ALTER TABLE clone_alerts DROP CONSTRAINT clone_alerts_rule_check;
ALTER TABLE clone_alerts ADD CONSTRAINT clone_alerts_rule_check
    CHECK (rule IN ('scan_count', 'impossible_travel', 'after_sale', 'counterfeit_report'));

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
    photo_jpeg BYTEA,
    client_hash TEXT,
    lang TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX counterfeit_reports_alert ON counterfeit_reports (alert_id, created_at);
