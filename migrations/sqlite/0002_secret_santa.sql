-- Secret Santa: exchanges, members, pending invites, exclusions, the draw, gifts, boos.
CREATE TABLE exchanges (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    spending_note TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    creator_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL DEFAULT 'gathering' CHECK (state IN ('gathering', 'drawn', 'revealed')),
    reveal_at BIGINT,
    -- The unguessable part of the public wall-of-shame address.
    share_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT exchanges_share_token_unique UNIQUE (share_token)
);

CREATE TABLE exchange_members (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at BIGINT NOT NULL,
    -- What the member would like; shown to their giver only.
    wish_hint TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (exchange_id, user_id)
);
CREATE INDEX exchange_members_user ON exchange_members (user_id);

-- Addresses invited before they had an account; joined automatically once verified.
CREATE TABLE exchange_invites (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    invited_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    accepted_at BIGINT,
    PRIMARY KEY (exchange_id, email)
);
CREATE INDEX exchange_invites_email ON exchange_invites (email);

CREATE TABLE exchange_exclusions (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    giver_id BIGINT NOT NULL REFERENCES users (id),
    receiver_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (exchange_id, giver_id, receiver_id)
);

CREATE TABLE exchange_assignments (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    giver_id BIGINT NOT NULL REFERENCES users (id),
    receiver_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (exchange_id, giver_id),
    CONSTRAINT exchange_assignments_receiver_unique UNIQUE (exchange_id, receiver_id)
);

CREATE TABLE exchange_gifts (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    giver_id BIGINT NOT NULL REFERENCES users (id),
    emoji TEXT NOT NULL,
    message TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (exchange_id, giver_id)
);

-- Anonymous notes between a giver and their recipient, one conversation per giver.
-- The recipient's side never learns giver_id.
CREATE TABLE exchange_notes (
    id INTEGER PRIMARY KEY,
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    giver_id BIGINT NOT NULL REFERENCES users (id),
    from_giver BIGINT NOT NULL CHECK (from_giver IN (0, 1)),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX exchange_notes_conversation ON exchange_notes (exchange_id, giver_id, id);

CREATE TABLE exchange_boos (
    exchange_id BIGINT NOT NULL REFERENCES exchanges (id) ON DELETE CASCADE,
    grinch_id BIGINT NOT NULL REFERENCES users (id),
    booer_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (exchange_id, grinch_id, booer_id)
);

-- Timed jobs gain the 'reveal' kind (SQLite cannot alter a CHECK: rebuild the table).
CREATE TABLE timed_jobs_new (
    id INTEGER PRIMARY KEY,
    job_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cleanup', 'reveal')),
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
