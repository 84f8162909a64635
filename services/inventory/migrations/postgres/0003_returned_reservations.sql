-- A committed reservation whose order was cancelled is 'returned': its units went back on
-- hand (stock.on_hand), its allocations stay as the record of where.
ALTER TABLE reservations
    DROP CONSTRAINT reservations_status_check,
    ADD CONSTRAINT reservations_status_check
        CHECK (status IN ('held', 'committed', 'released', 'expired', 'returned'));
