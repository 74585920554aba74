-- When the `batch_expired` webhook was queued for a batch past its
-- best-before date: once per batch.
ALTER TABLE batches ADD COLUMN expiry_notified_at TIMESTAMP;
