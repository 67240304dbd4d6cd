-- Job kinds are registered by gatherings (server::registry), not listed in the schema:
-- adding a gathering must not rebuild this table. The check keeps a kind a short name.
CREATE TABLE timed_jobs_new (
    id INTEGER PRIMARY KEY,
    job_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
    payload TEXT NOT NULL DEFAULT '{}',
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until BIGINT,
    done_at BIGINT,
    last_error TEXT,
    CONSTRAINT timed_jobs_key_unique UNIQUE (job_key)
);
INSERT INTO timed_jobs_new SELECT id, job_key, kind, payload, run_at, attempts, locked_by, locked_until, done_at, last_error FROM timed_jobs;
DROP TABLE timed_jobs;
ALTER TABLE timed_jobs_new RENAME TO timed_jobs;
CREATE INDEX timed_jobs_due ON timed_jobs (run_at) WHERE done_at IS NULL;
