ALTER TABLE batches DROP COLUMN expiry_notified_at;
