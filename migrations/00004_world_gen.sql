-- +goose Up
-- The world's generation: one row whose gen moves on in the same
-- transaction as every change to what an instance keeps in memory between
-- requests (settings, users, user_rights, addresses, devices, dialplans,
-- providers), a load or a reset included. On MySQL each instance checks it on every
-- request and serves its copies only while it has not moved; SQLite keeps
-- the same table so that the two schemas stay alike.

CREATE TABLE world_gen (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    gen INTEGER NOT NULL
);
INSERT INTO world_gen (id, gen) VALUES (1, 0);

-- +goose Down
DROP TABLE world_gen;
