-- The registry's version, shared by every node on this database: each
-- registry write (recall, suspension, rating, event, shown alert) adds one in
-- its own transaction and announces the new value on the channel
-- `ocop_registry` (NOTIFY, delivered at commit). Nodes cache registry facts
-- read at a version; a scan's commit reads this row too, so a node whose
-- listener missed a change finds out before it answers.
-- The row lock orders the writes: version v committed means every version
-- below v committed before it.
CREATE TABLE registry_version (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    version BIGINT NOT NULL
);
INSERT INTO registry_version (singleton, version) VALUES (TRUE, 0);
