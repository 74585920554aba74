-- Organizations: every actor of the service has exactly one kind.
CREATE TABLE organizations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    name_search TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('admin', 'authority', 'producer', 'retailer')),
    producer_type TEXT CHECK (producer_type IN ('cooperative', 'enterprise', 'household')),
    tax_code TEXT,
    province TEXT NOT NULL,
    district TEXT,
    commune TEXT,
    street TEXT,
    contact_name TEXT,
    contact_phone TEXT,
    contact_email TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX organizations_tax_code ON organizations (tax_code) WHERE tax_code IS NOT NULL;
CREATE INDEX organizations_kind ON organizations (kind, name_search);

-- API keys: only a SHA-256 of the key is kept; the key itself is shown once.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    label TEXT NOT NULL,
    key_prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_keys_organization ON api_keys (organization_id);
