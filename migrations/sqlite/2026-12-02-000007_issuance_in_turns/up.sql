-- A run is issued in short transactions so scans commit in between. Until
-- its last chunk is in, it is pending: invisible everywhere, held by its
-- issuer's lease. A run whose lease ran out (its issuer crashed) is deleted
-- with its codes by any node. NULL: issued.
ALTER TABLE code_runs ADD COLUMN pending_until TIMESTAMP;
CREATE INDEX code_runs_pending ON code_runs (pending_until) WHERE pending_until IS NOT NULL;
-- Codes issued per producer per day (the quota) are summed from here.
CREATE INDEX code_runs_producer_created ON code_runs (producer_id, created_at);
