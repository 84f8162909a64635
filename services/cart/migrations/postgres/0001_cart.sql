-- Carts: coupon codes as a JSON array; `merged_into` is the customer's cart a guest cart
-- was merged into, `order_id` the order placed from a converted cart.
CREATE TABLE carts (
    id TEXT PRIMARY KEY,
    customer_id TEXT,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    country TEXT NOT NULL,
    shipping_method TEXT,
    coupon_codes TEXT NOT NULL,
    version BIGINT NOT NULL,
    merged_into TEXT,
    order_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One active cart per customer: of two concurrent creations the second fails here and
-- answers with the first.
CREATE UNIQUE INDEX carts_one_active_per_customer ON carts (customer_id)
    WHERE status = 'active' AND customer_id IS NOT NULL;

-- Lines, one per SKU, in the order they were first added.
CREATE TABLE cart_lines (
    cart_id TEXT NOT NULL REFERENCES carts (id),
    sku TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (cart_id, sku)
);
