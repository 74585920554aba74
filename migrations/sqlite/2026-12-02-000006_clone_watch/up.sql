-- Clone alerts start as a watch (producer and authority only) and are shown
-- to consumers and shops once confirmed: by enough distinct clients, or by
-- the producer or the authority. Alerts raised before counted requests, not
-- clients, so they start over as a watch.
ALTER TABLE clone_alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'watch'
    CHECK (status IN ('watch', 'confirmed', 'dismissed'));
ALTER TABLE clone_alerts ADD COLUMN clients INTEGER NOT NULL DEFAULT 1;
-- Who confirmed or dismissed it by hand, and when the status last changed.
ALTER TABLE clone_alerts ADD COLUMN decided_by TEXT REFERENCES organizations (id);
ALTER TABLE clone_alerts ADD COLUMN status_changed_at TIMESTAMP;
