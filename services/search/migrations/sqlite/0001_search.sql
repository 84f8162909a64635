-- The read model: what catalog, pricing and inventory told us, as they told it. The index is
-- built from these tables (at start, on rebuild, and incrementally from `search_changes`).

-- Products, from catalog's full snapshots. `version` is catalog's: an older snapshot never
-- overwrites a newer one. Archived products stay (a later update may restore them) but are
-- not indexed. `attributes` is a JSON object of the product-level attributes.
CREATE TABLE products (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    brand TEXT,
    category_slug TEXT,
    category_name TEXT,
    attributes TEXT NOT NULL,
    archived INTEGER NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- The SKUs of each product, with their variant attributes (a JSON object).
CREATE TABLE skus (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX skus_by_product ON skus (product_id);

-- Unit prices, from pricing's `price.changed`: the first tier's unit amount, per SKU and
-- price list. A product's shown price is the lowest of its SKUs' in the currency asked for.
CREATE TABLE prices (
    sku TEXT NOT NULL,
    price_list_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    unit_amount INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sku, price_list_id)
);

-- Available units per SKU and location, from inventory's `stock.changed`.
CREATE TABLE availability (
    sku TEXT NOT NULL,
    location TEXT NOT NULL,
    available INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sku, location)
);

-- Products whose indexed form changed, in commit order: every instance's indexer reads the
-- rows after the last one it applied and reindexes those products. Old rows are pruned;
-- `search_pruned` remembers up to where, so an indexer that fell further behind rebuilds.
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id TEXT NOT NULL,
    changed_at TEXT NOT NULL
);

CREATE TABLE search_pruned (
    id INTEGER PRIMARY KEY,
    through_seq INTEGER NOT NULL
);
INSERT INTO search_pruned (id, through_seq) VALUES (1, 0);
