-- Products: owned by one producer; Vietnamese name first.
CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    name_vi TEXT NOT NULL,
    name_en TEXT,
    name_search TEXT NOT NULL,
    ocop_group TEXT NOT NULL,
    gtin TEXT,
    description_vi TEXT,
    description_en TEXT,
    image_url TEXT,
    unit TEXT,
    -- The current rating, kept here so lists filter by stars without a
    -- correlated subquery; written in the same transaction as the rating.
    current_rating_id TEXT,
    ocop_stars INTEGER,
    ocop_expires_on DATE,
    archived_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX products_gtin ON products (gtin) WHERE gtin IS NOT NULL;
CREATE INDEX products_producer ON products (producer_id, name_search);

-- OCOP ratings: every award is kept; the newest issued is the current one.
CREATE TABLE ocop_ratings (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    stars INTEGER NOT NULL CHECK (stars BETWEEN 3 AND 5),
    certificate_number TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('provincial', 'national')),
    issued_on DATE NOT NULL,
    expires_on DATE NOT NULL,
    awarded_by TEXT NOT NULL REFERENCES organizations (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ocop_ratings_product ON ocop_ratings (product_id, issued_on);
CREATE INDEX ocop_ratings_expiry ON ocop_ratings (expires_on);

-- Farming areas and packing facilities share one shape: "sites".
CREATE TABLE sites (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('farming_area', 'packing_facility')),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    province TEXT NOT NULL,
    district TEXT,
    commune TEXT,
    crop TEXT,
    area_ha DOUBLE PRECISION,
    target_market TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    valid_until DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, code)
);

CREATE TABLE site_producers (
    site_id TEXT NOT NULL REFERENCES sites (id),
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    linked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (site_id, producer_id)
);
CREATE INDEX site_producers_producer ON site_producers (producer_id);

CREATE TABLE site_status_history (
    id TEXT PRIMARY KEY NOT NULL,
    site_id TEXT NOT NULL REFERENCES sites (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    changed_by TEXT NOT NULL REFERENCES organizations (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX site_status_history_site ON site_status_history (site_id, changed_at);

CREATE TABLE certifications (
    id TEXT PRIMARY KEY NOT NULL,
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    product_id TEXT REFERENCES products (id),
    scheme TEXT NOT NULL,
    scheme_name TEXT,
    number TEXT NOT NULL,
    issuer TEXT NOT NULL,
    valid_from DATE NOT NULL,
    valid_until DATE NOT NULL,
    created_by TEXT NOT NULL REFERENCES organizations (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX certifications_producer ON certifications (producer_id);
CREATE INDEX certifications_product ON certifications (product_id);

CREATE TABLE batches (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    producer_id TEXT NOT NULL REFERENCES organizations (id),
    lot TEXT NOT NULL,
    packing_facility_id TEXT REFERENCES sites (id),
    harvest_date DATE,
    production_date DATE,
    best_before DATE,
    quantity DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'recalled', 'closed')),
    recall_reason TEXT,
    recalled_at TIMESTAMP,
    closed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, lot)
);
CREATE INDEX batches_producer ON batches (producer_id, created_at);

CREATE TABLE batch_farming_areas (
    batch_id TEXT NOT NULL REFERENCES batches (id),
    site_id TEXT NOT NULL REFERENCES sites (id),
    PRIMARY KEY (batch_id, site_id)
);

-- What the authority and the admin did: who, what, when, before and after.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_org_id TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_at ON audit_log (at);
