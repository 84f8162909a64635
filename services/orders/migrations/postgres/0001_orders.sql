-- Checkouts: the saga's state, one row per (owner, Idempotency-Key). The card never is.
-- `step` is where the saga got to; `lease_token`/`lease_until` fence the one process driving
-- it (a request, or the recovery sweeper once the lease lapsed); `outcome_*` is the final
-- answer a replay of the key returns.
CREATE TABLE checkouts (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    cart_id TEXT NOT NULL,
    customer_id TEXT,
    email TEXT NOT NULL,
    shipping_address TEXT NOT NULL,
    shipping_method TEXT NOT NULL,
    quote TEXT,
    step TEXT NOT NULL,
    reservation_id TEXT,
    payment_id TEXT,
    order_id TEXT,
    outcome_status BIGINT,
    outcome_body TEXT,
    lease_token TEXT,
    lease_until TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (owner, idempotency_key)
);
-- Only unfinished checkouts: the recovery sweeper's query stays cheap however many there were.
CREATE INDEX checkouts_unfinished ON checkouts (lease_until) WHERE step NOT IN ('completed', 'failed');

-- Orders: the snapshot as JSON (`data`) beside the columns lists filter and sort on.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    checkout_id TEXT NOT NULL UNIQUE,
    customer_id TEXT,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    currency TEXT NOT NULL,
    total BIGINT NOT NULL,
    data TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id, id);
CREATE INDEX orders_by_status ON orders (status, id);
CREATE INDEX orders_by_email ON orders (email, id);

-- Authorisations no order will use (their checkout ended without one), noted from
-- `payment.authorized` and voided by the recovery sweeper.
CREATE TABLE orphan_payments (
    payment_id TEXT PRIMARY KEY,
    checkout_id TEXT NOT NULL,
    noted_at TEXT NOT NULL
);
