ALTER TABLE clone_alerts DROP COLUMN status_changed_at;
ALTER TABLE clone_alerts DROP COLUMN decided_by;
ALTER TABLE clone_alerts DROP COLUMN clients;
ALTER TABLE clone_alerts DROP COLUMN status;
