-- Stock held for checkouts. While a reservation is 'held', each of its allocations is
-- counted in stock.reserved of that SKU and location; committing takes the units off
-- on_hand as well, releasing or expiring gives them back.
CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held', 'committed', 'released', 'expired')),
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The sweeper looks for held reservations past their expiry.
CREATE INDEX reservations_status_expires_at ON reservations (status, expires_at);

-- Where each line's units are held: one row per line and location, in the order taken.
CREATE TABLE reservation_allocations (
    reservation_id TEXT NOT NULL REFERENCES reservations (id),
    line_no INTEGER NOT NULL,
    alloc_no INTEGER NOT NULL,
    sku TEXT NOT NULL,
    location_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, line_no, alloc_no),
    UNIQUE (reservation_id, sku, location_id),
    FOREIGN KEY (sku, location_id) REFERENCES stock (sku, location_id)
);
