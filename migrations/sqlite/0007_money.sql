-- Money: the double-entry credit ledger, vouchers (templates, vouchers, their payments),
-- payment-provider webhooks seen, the admin audit log, bans, and event ticket prices.
-- Amounts are integers in minor units (cents) of an ISO 4217 currency.

ALTER TABLE users ADD COLUMN banned_at BIGINT;
-- NULL: a free event. Set before publishing only; paid from the attendee's credit.
ALTER TABLE events ADD COLUMN ticket_price BIGINT CHECK (ticket_price IS NULL OR ticket_price > 0);
ALTER TABLE events ADD COLUMN ticket_currency TEXT;

-- One row per movement of money; its postings sum to zero. The key makes a retried
-- request a no-op (it names the cause: "voucher:12:redeemed", "ticket:event:3:member:9").
CREATE TABLE ledger_transactions (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    memo TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CONSTRAINT ledger_transactions_key_unique UNIQUE (idempotency_key)
);

-- Accounts are named: "credit:<user id>", "earnings:<user id>", "voucher_liability",
-- "clearing:<provider>", "refunds", "site".
CREATE TABLE ledger_postings (
    id INTEGER PRIMARY KEY,
    transaction_id BIGINT NOT NULL REFERENCES ledger_transactions (id),
    account TEXT NOT NULL,
    amount BIGINT NOT NULL,
    currency TEXT NOT NULL
);
CREATE INDEX ledger_postings_account ON ledger_postings (account, currency);
CREATE INDEX ledger_postings_transaction ON ledger_postings (transaction_id);

-- A cache of the sums of postings (the postings are the truth), updated in the same
-- write transaction. Its row is what concurrent spenders of one credit queue on; a
-- member's credit can never be below zero.
CREATE TABLE ledger_balances (
    account TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance BIGINT NOT NULL,
    PRIMARY KEY (account, currency),
    CHECK (account NOT LIKE 'credit:%' OR balance >= 0)
);

CREATE TABLE voucher_templates (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    price BIGINT NOT NULL CHECK (price > 0),
    value BIGINT NOT NULL CHECK (value > 0),
    currency TEXT NOT NULL,
    validity_days BIGINT NOT NULL CHECK (validity_days BETWEEN 1 AND 3660),
    -- Archived templates are no longer sold; vouchers keep their own copy of the terms.
    archived_at BIGINT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE vouchers (
    id INTEGER PRIMARY KEY,
    template_id BIGINT NOT NULL REFERENCES voucher_templates (id),
    -- Copied from the template at purchase.
    title TEXT NOT NULL,
    price BIGINT NOT NULL CHECK (price > 0),
    value BIGINT NOT NULL CHECK (value > 0),
    currency TEXT NOT NULL,
    validity_days BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending_payment', 'purchased', 'redeemed', 'expired', 'cancelled', 'refunded')),
    buyer_id BIGINT NOT NULL REFERENCES users (id),
    -- A gift: the address the code is mailed to (NULL: bought for the buyer).
    gift_email TEXT,
    gift_message TEXT NOT NULL DEFAULT '',
    -- The code exists from payment on: its SHA-256 (lookups) and its last group (shown).
    code_hash TEXT,
    code_hint TEXT,
    provider TEXT NOT NULL CHECK (provider IN ('manual', 'stripe')),
    -- The provider's id of the payment (a Stripe PaymentIntent).
    payment_ref TEXT,
    refund_ref TEXT,
    created_at BIGINT NOT NULL,
    purchased_at BIGINT,
    expires_at BIGINT,
    redeemed_by BIGINT REFERENCES users (id),
    redeemed_at BIGINT,
    cancelled_at BIGINT,
    refunded_at BIGINT,
    CONSTRAINT vouchers_code_unique UNIQUE (code_hash),
    CONSTRAINT vouchers_payment_unique UNIQUE (payment_ref)
);
CREATE INDEX vouchers_buyer ON vouchers (buyer_id, created_at);
CREATE INDEX vouchers_expiry ON vouchers (expires_at) WHERE status = 'purchased';

-- Each provider event is handled once (a replayed webhook is answered and ignored).
CREATE TABLE payment_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- Every admin action: who, what, when.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    actor_id BIGINT REFERENCES users (id),
    -- "admin@example.com", or "command line" for `hearth admin grant`.
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_time ON audit_log (created_at);
