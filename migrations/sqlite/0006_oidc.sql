-- Sign-in with OpenID Connect providers.

-- A provider identity (issuer's subject) belongs to one account; never matched by email.
CREATE TABLE oidc_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The address the provider gave when it was linked (shown on the account page).
    email TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX oidc_identities_user ON oidc_identities (user_id);

-- An authorization request in flight: used once, by the browser that started it.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next_path TEXT NOT NULL,
    -- SHA-256 of the cookie set in the browser that started it.
    browser_hash TEXT NOT NULL,
    -- Set when a signed-in person links another way in.
    link_user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

-- A provider identity with a verified address nobody holds, waiting for its name and
-- time zone (asked once) before it becomes an account.
CREATE TABLE oidc_signups (
    token_hash TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    suggested_name TEXT NOT NULL,
    next_path TEXT NOT NULL,
    browser_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
