-- Hardening: consent to join, hidden exclusions, re-sign-up credentials that travel with
-- their verification link, and the per-address login slow-down.

-- An invitation is pending until the invitee joins (accepted_at) or declines (declined_at);
-- the creator may remind once a day (reminded_at).
ALTER TABLE exchange_invites ADD COLUMN declined_at BIGINT;
ALTER TABLE exchange_invites ADD COLUMN reminded_at BIGINT;

-- Hidden exclusions ("last time's pairs") are honoured by the draw and shown to nobody.
ALTER TABLE exchange_exclusions ADD COLUMN hidden BIGINT NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1));

-- A sign-up with an address held by an unverified account: the new credentials wait in
-- the verification link and replace the old ones only when that link is used.
ALTER TABLE link_tokens ADD COLUMN pending_display_name TEXT;
ALTER TABLE link_tokens ADD COLUMN pending_password_hash TEXT;
ALTER TABLE link_tokens ADD COLUMN pending_time_zone TEXT;

-- Failed password logins per address: past the free attempts, each further attempt waits
-- twice as long as the one before (a slow-down, not a lock-out; emailed links always work).
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);

-- Which browser asked for a verification link (SHA-256 of a cookie set at sign-up): the
-- credentials typed there are trusted only when the link is opened in that browser, or
-- when the person opening it types that password.
ALTER TABLE link_tokens ADD COLUMN signup_nonce_hash TEXT;

-- Unverified accounts could log in before; they no longer can, and keep no session.
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE email_verified_at IS NULL);
