-- Price lists and their per-SKU tiered prices (tiers as JSON: [{min_quantity, unit_amount}]).
CREATE TABLE price_lists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    currency TEXT NOT NULL,
    customer_group TEXT,
    priority BIGINT NOT NULL,
    valid_from TEXT,
    valid_to TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX price_lists_by_currency ON price_lists (currency);

CREATE TABLE prices (
    price_list_id TEXT NOT NULL REFERENCES price_lists (id),
    sku TEXT NOT NULL,
    tiers TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (price_list_id, sku)
);
CREATE INDEX prices_by_sku ON prices (sku);

-- Promotions: value and target as JSON, coupon_required as 0/1.
CREATE TABLE promotions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    target TEXT,
    starts_at TEXT,
    ends_at TEXT,
    coupon_required BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

-- Coupons (upper-case codes) and their redemptions, one per order.
CREATE TABLE coupons (
    code TEXT PRIMARY KEY,
    promotion_id TEXT NOT NULL REFERENCES promotions (id),
    usage_limit BIGINT,
    used BIGINT NOT NULL DEFAULT 0,
    valid_from TEXT,
    valid_to TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE coupon_redemptions (
    code TEXT NOT NULL REFERENCES coupons (code),
    order_id TEXT NOT NULL,
    redeemed_at TEXT NOT NULL,
    PRIMARY KEY (code, order_id)
);

-- Shipping rates (countries as a JSON array of ISO codes).
CREATE TABLE shipping_rates (
    id TEXT PRIMARY KEY,
    method TEXT NOT NULL,
    countries TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount BIGINT NOT NULL,
    free_over BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX shipping_rates_by_method ON shipping_rates (method, currency);

-- Tax rules per destination country (inclusive as 0/1).
CREATE TABLE tax_rules (
    country TEXT PRIMARY KEY,
    rate_bp BIGINT NOT NULL,
    inclusive BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

-- SKU → category, learnt from catalog's product events.
CREATE TABLE skus (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    category TEXT,
    updated_at TEXT NOT NULL
);
