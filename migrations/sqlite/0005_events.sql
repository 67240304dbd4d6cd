-- Virtual events: the event, its invitations (one row per invited address, carrying the
-- invitee's answer), its media, and attachments kept by the dev mailbox.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    -- The unguessable part of the event's address (its link preview is public once published).
    slug TEXT NOT NULL,
    organizer_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    online_link TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    duration_minutes BIGINT NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    -- The organizer's zone when scheduling (the edit form shows the start in it).
    time_zone TEXT NOT NULL,
    capacity BIGINT CHECK (capacity IS NULL OR capacity >= 1),
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'cancelled')),
    -- The calendar SEQUENCE: one more at each change of time and at the cancellation.
    sequence BIGINT NOT NULL DEFAULT 0,
    -- Orders answers (the waitlist): taken inside the answering write transaction.
    answer_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    published_at BIGINT,
    CONSTRAINT events_slug_unique UNIQUE (slug)
);
CREATE INDEX events_organizer ON events (organizer_id, start_at);

CREATE TABLE event_invites (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    -- The verified account holding the address (set when it is verified, if later).
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    invited_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    mailed_at BIGINT,
    -- SHA-256 of the token in this invitee's RSVP links (answers without signing in).
    rsvp_token_hash TEXT,
    standing TEXT CHECK (standing IS NULL OR standing IN ('going', 'waitlisted', 'maybe', 'not_going')),
    answer_seq BIGINT,
    answered_at BIGINT,
    PRIMARY KEY (event_id, email)
);
CREATE INDEX event_invites_user ON event_invites (user_id);
CREATE INDEX event_invites_email ON event_invites (email);
CREATE UNIQUE INDEX event_invites_token ON event_invites (rsvp_token_hash);

-- The cover photo and the video: content-addressed objects in the media store.
CREATE TABLE event_media (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('cover', 'video')),
    -- The object served (the phone-sized photo, or the video as uploaded).
    media_key TEXT NOT NULL,
    content_type TEXT NOT NULL,
    thumb_key TEXT,
    width BIGINT,
    height BIGINT,
    bytes BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, role)
);
CREATE INDEX event_media_key ON event_media (media_key);
CREATE INDEX event_media_thumb ON event_media (thumb_key);

-- Attachments (JSON: filename, content type, text) of mails kept by the dev mailbox.
ALTER TABLE dev_mailbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
