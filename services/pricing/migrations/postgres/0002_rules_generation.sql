-- The generation of the rules every quote applies besides prices (promotions, shipping rates,
-- tax rules), bumped in the transaction of every change to them: each instance keeps those
-- rules in memory and reloads them when the generation it read them at is no longer current.
CREATE TABLE rules_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO rules_generation (id, generation) VALUES (1, 0);
