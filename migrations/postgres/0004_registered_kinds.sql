-- Job kinds are registered by gatherings (server::registry), not listed in the schema:
-- adding a gathering must not change this table. The check keeps a kind a short name.
ALTER TABLE timed_jobs DROP CONSTRAINT timed_jobs_kind_check;
ALTER TABLE timed_jobs ADD CONSTRAINT timed_jobs_kind_check CHECK (length(kind) BETWEEN 1 AND 40);
