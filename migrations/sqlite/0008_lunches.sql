-- Lunches: locations and food types (admin-managed), members (enrolled with an invitation
-- code), what each cannot eat, their free windows, invitation codes, lunches with their
-- attendees and reviews, and the bad-pair Bloom filter. The filter holds bits only: each
-- pair is hashed with lunches.pair_key, which lives in the configuration, never here.

CREATE TABLE lunch_locations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    -- Lower-cased name: two locations can't differ by case only.
    name_key TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    -- Retired: no longer offered; kept because profiles and lunches name it.
    retired_at BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT lunch_locations_name_unique UNIQUE (name_key)
);

CREATE TABLE food_types (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    retired_at BIGINT,
    created_at BIGINT NOT NULL,
    CONSTRAINT food_types_name_unique UNIQUE (name_key)
);

-- One row per enrolled member: their lunch profile.
CREATE TABLE lunch_members (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    location_id BIGINT REFERENCES lunch_locations (id),
    invited_by BIGINT REFERENCES users (id),
    enrolled_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE lunch_cannot_eat (
    user_id BIGINT NOT NULL REFERENCES users (id),
    food_type_id BIGINT NOT NULL REFERENCES food_types (id),
    PRIMARY KEY (user_id, food_type_id)
);

-- A free window: on one date ('2026-12-01') or every week ('mon' … 'sun'), from and until
-- (minutes after local midnight) in the time zone stored with it.
CREATE TABLE lunch_windows (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    repeat_on TEXT NOT NULL,
    from_minute BIGINT NOT NULL CHECK (from_minute BETWEEN 0 AND 1439),
    until_minute BIGINT NOT NULL CHECK (until_minute BETWEEN 1 AND 1440),
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (until_minute > from_minute)
);
CREATE INDEX lunch_windows_user ON lunch_windows (user_id);

-- Invitation codes: SHA-256 of the code and its last group; used once.
CREATE TABLE lunch_codes (
    id INTEGER PRIMARY KEY,
    created_by BIGINT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    code_hint TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_by BIGINT REFERENCES users (id),
    used_at BIGINT,
    CONSTRAINT lunch_codes_hash_unique UNIQUE (code_hash)
);
CREATE INDEX lunch_codes_creator ON lunch_codes (created_by, created_at);

CREATE TABLE lunches (
    id INTEGER PRIMARY KEY,
    location_id BIGINT NOT NULL REFERENCES lunch_locations (id),
    food_type_id BIGINT NOT NULL REFERENCES food_types (id),
    -- The date at the location, as days since 1970-01-01.
    local_day BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    min_size BIGINT NOT NULL,
    max_size BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('proposed', 'confirmed', 'awaiting_evaluation', 'done', 'rejected')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK (min_size >= 2 AND max_size >= min_size)
);
CREATE INDEX lunches_state ON lunches (state, starts_at);

CREATE TABLE lunch_attendees (
    lunch_id BIGINT NOT NULL REFERENCES lunches (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    answer TEXT NOT NULL CHECK (answer IN ('pending', 'accepted', 'declined')),
    answered_at BIGINT,
    -- SHA-256 of the token in the mailed one-tap link (answers for this attendee only).
    token_hash TEXT NOT NULL,
    -- The review: 1 enjoyed, 0 not; NULL until reviewed. Who they would rather not meet
    -- again goes into the Bloom filter only.
    enjoyed BIGINT,
    reviewed_at BIGINT,
    PRIMARY KEY (lunch_id, user_id),
    CONSTRAINT lunch_attendees_token_unique UNIQUE (token_hash)
);
CREATE INDEX lunch_attendees_user ON lunch_attendees (user_id);

-- One row: the serialized filter, changed under its own row lock.
CREATE TABLE lunch_bad_pairs (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    filter TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One row: a matching run takes this row's lock first, so two runs never interleave.
CREATE TABLE lunch_matching (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    runs BIGINT NOT NULL,
    last_run_at BIGINT
);
INSERT INTO lunch_matching (id, runs, last_run_at) VALUES (1, 0, NULL);
