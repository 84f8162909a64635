-- Payments. The card's number and CVC are never stored: only brand, last four and expiry.
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    card_exp_month INTEGER NOT NULL,
    card_exp_year INTEGER NOT NULL,
    captured INTEGER NOT NULL CHECK (captured >= 0 AND captured <= amount),
    refunded INTEGER NOT NULL CHECK (refunded >= 0 AND refunded <= captured),
    decline_code TEXT,
    failure_code TEXT,
    provider_ref TEXT,
    -- The Idempotency-Key that created the payment: its claim while the provider is asked.
    idempotency_key TEXT UNIQUE,
    request_fingerprint TEXT NOT NULL,
    -- The provider call in progress (authorize, capture, void, refund), if any, and since when.
    in_flight TEXT,
    in_flight_since TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX payments_by_reference ON payments (reference, id);

-- The test provider's side: what "the PSP" holds. Keyed by our payment id, which is the
-- PSP's idempotency key for the authorisation. A row may be a void that overtook its
-- authorisation, hence the nullable amounts.
CREATE TABLE provider_authorizations (
    payment_id TEXT PRIMARY KEY,
    provider_ref TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    amount INTEGER,
    currency TEXT,
    card_brand TEXT,
    card_last4 TEXT,
    captured INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Captures, voids and refunds the test provider applied, by their idempotency key.
CREATE TABLE provider_operations (
    idempotency_key TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
