-- A farming area or packing facility may have a GS1 Global Location Number:
-- its public page resolves at /414/{gln}. Unique where given (NULLs repeat).
ALTER TABLE sites ADD COLUMN gln TEXT;
CREATE UNIQUE INDEX sites_gln ON sites (gln);
