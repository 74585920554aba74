-- Supply-chain events (EPCIS 2.0 ObjectEvent shaped): what (codes, a whole
-- batch or a whole code run), when, where (the recording organization and an
-- optional place), why (CBV bizStep and disposition).
CREATE TABLE supply_events (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    biz_step TEXT NOT NULL,
    disposition TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('codes', 'batch', 'run')),
    batch_id TEXT REFERENCES batches (id),
    run_id TEXT REFERENCES code_runs (id),
    code_count INTEGER NOT NULL,
    event_time TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    location_name TEXT,
    province TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    destination_org_id TEXT REFERENCES organizations (id),
    note TEXT
);
CREATE INDEX supply_events_batch ON supply_events (batch_id, event_time);
CREATE INDEX supply_events_org ON supply_events (org_id, event_time);
CREATE INDEX supply_events_time ON supply_events (event_time);

-- The codes an event names one by one, with their batch and producer so
-- journeys and visibility need no join through the codes table.
CREATE TABLE supply_event_codes (
    event_id TEXT NOT NULL REFERENCES supply_events (id),
    code TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    producer_id TEXT NOT NULL,
    PRIMARY KEY (event_id, code)
);
CREATE INDEX supply_event_codes_code ON supply_event_codes (code);
CREATE INDEX supply_event_codes_batch ON supply_event_codes (batch_id);
CREATE INDEX supply_event_codes_producer ON supply_event_codes (producer_id);

-- Requests of events sent with an Idempotency-Key: a retry returns the
-- events the first one recorded.
CREATE TABLE event_requests (
    org_id TEXT NOT NULL REFERENCES organizations (id),
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    event_ids TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, idempotency_key)
);

-- Suspected clones: one alert per code and rule.
CREATE TABLE clone_alerts (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('scan_count', 'impossible_travel', 'after_sale')),
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    batch_id TEXT NOT NULL REFERENCES batches (id),
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX clone_alerts_code_rule ON clone_alerts (code, rule);
CREATE INDEX clone_alerts_producer ON clone_alerts (producer_id, created_at);
CREATE INDEX clone_alerts_batch ON clone_alerts (batch_id);

-- Webhooks: subscriptions, an outbox of deliveries (survives restarts), and
-- every attempt made.
CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX webhook_subscriptions_org ON webhook_subscriptions (org_id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, created_at);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- When subscribers were told a rating expired (once per rating).
ALTER TABLE ocop_ratings ADD COLUMN expiry_notified_at TIMESTAMP;
