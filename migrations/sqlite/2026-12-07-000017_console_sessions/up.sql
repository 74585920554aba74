-- Web console sign-ins: the browser holds a random token in a cookie; only
-- its SHA-256 is kept here, so a copy of this table signs nobody in. A
-- session ends at its expiry, at sign-out, or when its API key is revoked.
CREATE TABLE console_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    api_key_id TEXT NOT NULL REFERENCES api_keys (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX console_sessions_api_key ON console_sessions (api_key_id);
