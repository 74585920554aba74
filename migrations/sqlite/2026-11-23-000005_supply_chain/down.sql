ALTER TABLE ocop_ratings DROP COLUMN expiry_notified_at;
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_subscriptions;
DROP TABLE clone_alerts;
DROP TABLE event_requests;
DROP TABLE supply_event_codes;
DROP TABLE supply_events;
