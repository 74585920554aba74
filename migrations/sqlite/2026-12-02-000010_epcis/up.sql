-- EPCIS 2.0 capture: each captured document is a capture job; its events are
-- kept as they came (body), with the fields queries select them by, and the
-- identifiers they name (one row each) for MATCH_epc and friends.
CREATE TABLE epcis_captures (
    id TEXT PRIMARY KEY NOT NULL,
    captured_by TEXT NOT NULL REFERENCES organizations (id),
    event_count INTEGER NOT NULL,
    duplicate_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL
);
CREATE TABLE epcis_events (
    id TEXT PRIMARY KEY NOT NULL,
    -- NULL: one of our own supply-chain events, shown to EPCIS queries.
    capture_id TEXT REFERENCES epcis_captures (id),
    captured_by TEXT NOT NULL REFERENCES organizations (id),
    event_id TEXT,
    event_type TEXT NOT NULL,
    event_time TIMESTAMP NOT NULL,
    record_time TIMESTAMP NOT NULL,
    action TEXT,
    biz_step TEXT,
    disposition TEXT,
    read_point TEXT,
    biz_location TEXT,
    body TEXT NOT NULL,
    -- The document's @context entries beyond the standard one (a JSON array).
    contexts TEXT NOT NULL
);
-- An event ID names one event of the organization that captured it.
CREATE UNIQUE INDEX epcis_events_event_id ON epcis_events (captured_by, event_id);
CREATE INDEX epcis_events_time ON epcis_events (event_time);
CREATE TABLE epcis_event_epcs (
    event_row_id TEXT NOT NULL REFERENCES epcis_events (id),
    role TEXT NOT NULL,
    epc TEXT NOT NULL,
    -- Our trace code, when the identifier names one that was issued, and
    -- that code's producer (who may then see the event).
    code TEXT,
    producer_id TEXT
);
CREATE INDEX epcis_event_epcs_epc ON epcis_event_epcs (epc);
CREATE INDEX epcis_event_epcs_code ON epcis_event_epcs (code);
CREATE INDEX epcis_event_epcs_producer ON epcis_event_epcs (producer_id);
CREATE INDEX epcis_event_epcs_event ON epcis_event_epcs (event_row_id);
