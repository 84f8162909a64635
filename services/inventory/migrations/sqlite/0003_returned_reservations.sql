-- A committed reservation whose order was cancelled is 'returned': its units went back on
-- hand (stock.on_hand), its allocations stay as the record of where.
--
-- SQLite cannot change a CHECK constraint in place, and this runs in a transaction with
-- foreign keys on, so both tables are rebuilt: the old ones are renamed aside (the rename
-- carries the allocations' reference along), new ones created under the original names and
-- filled, then the old ones dropped, child first.
DROP INDEX reservations_status_expires_at;
ALTER TABLE reservation_allocations RENAME TO reservation_allocations_0002;
ALTER TABLE reservations RENAME TO reservations_0002;

CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held', 'committed', 'released', 'expired', 'returned')),
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX reservations_status_expires_at ON reservations (status, expires_at);

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

INSERT INTO reservations (id, reference, status, expires_at, created_at, updated_at)
    SELECT id, reference, status, expires_at, created_at, updated_at FROM reservations_0002;
INSERT INTO reservation_allocations (reservation_id, line_no, alloc_no, sku, location_id, quantity)
    SELECT reservation_id, line_no, alloc_no, sku, location_id, quantity FROM reservation_allocations_0002;

DROP TABLE reservation_allocations_0002;
DROP TABLE reservations_0002;
