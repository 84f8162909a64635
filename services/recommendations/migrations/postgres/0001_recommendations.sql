-- What the models learn from: catalog's products, order baskets and product views, each row
-- stamped with `seq` from `reco_sequence`. The counter is bumped as the last write of every
-- transaction that adds or changes a row, so `seq` order is commit order: an instance that
-- applied everything up to the counter's value reads `seq > position` to catch up.

CREATE TABLE reco_sequence (
    id BIGINT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO reco_sequence (id, value) VALUES (1, 0);

-- Products, from catalog's full snapshots. `version` is catalog's: an older snapshot never
-- overwrites a newer one. Archived products stay (never recommended; a later update may
-- restore them). `attributes` is a JSON array of the product's and its variants' values.
CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT,
    attributes TEXT NOT NULL,
    archived BIGINT NOT NULL,
    version BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX products_by_seq ON products (seq);

-- Which product each SKU belongs to (order lines carry only the SKU).
CREATE TABLE skus (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL
);
CREATE INDEX skus_by_product ON skus (product_id);

-- Orders as baskets, from `order.placed`.
CREATE TABLE baskets (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT,
    placed_at TEXT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX baskets_by_seq ON baskets (seq);
CREATE INDEX baskets_by_placed_at ON baskets (placed_at);

CREATE TABLE basket_lines (
    order_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (order_id, sku)
);

-- Product views (lossy telemetry): capped per visitor and in total, pruned by age.
CREATE TABLE views (
    seq BIGINT PRIMARY KEY,
    visitor TEXT NOT NULL,
    customer_id TEXT,
    product_id TEXT NOT NULL,
    viewed_at TEXT NOT NULL
);
CREATE INDEX views_by_visitor ON views (visitor, seq);
CREATE INDEX views_by_viewed_at ON views (viewed_at);
