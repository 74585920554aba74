-- Product pictures live in the service: uploaded, checked and re-encoded as
-- JPEG. A picture on another host told that host who scanned the product,
-- so the addresses given before are dropped; producers upload instead.
CREATE TABLE product_pictures (
    product_id TEXT PRIMARY KEY NOT NULL REFERENCES products (id),
    jpeg BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
UPDATE products SET image_url = NULL;
