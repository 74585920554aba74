DROP INDEX code_runs_producer_created;
DROP INDEX code_runs_pending;
ALTER TABLE code_runs DROP COLUMN pending_until;
