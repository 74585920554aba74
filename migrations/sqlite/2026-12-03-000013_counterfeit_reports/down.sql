DROP TABLE counterfeit_reports;
DELETE FROM clone_alerts WHERE rule = 'counterfeit_report';
CREATE TABLE clone_alerts_prev (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('scan_count', 'impossible_travel', 'after_sale')),
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'watch' CHECK (status IN ('watch', 'confirmed', 'dismissed')),
    clients INTEGER NOT NULL DEFAULT 1,
    decided_by TEXT REFERENCES organizations (id),
    status_changed_at TIMESTAMP
);
INSERT INTO clone_alerts_prev SELECT id, code, rule, producer_id, batch_id, detail, created_at, status, clients, decided_by, status_changed_at FROM clone_alerts;
DROP TABLE clone_alerts;
ALTER TABLE clone_alerts_prev RENAME TO clone_alerts;
CREATE UNIQUE INDEX clone_alerts_code_rule ON clone_alerts (code, rule);
CREATE INDEX clone_alerts_producer ON clone_alerts (producer_id, created_at);
CREATE INDEX clone_alerts_batch ON clone_alerts (batch_id);
