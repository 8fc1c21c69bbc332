-- +goose Up
-- The sandbox's named snapshots: each is the world as "morlite export"
-- writes it (a fixture file), when it was taken, and its row counts (JSON),
-- so that a restore reloads it the way a reset reloads fixtures. A reset
-- and a load keep this table: it is not part of the world.

CREATE TABLE snapshots (
    name     VARCHAR(64) PRIMARY KEY,
    taken_at VARCHAR(32) NOT NULL,
    counts   TEXT NOT NULL,
    body     TEXT NOT NULL
);

-- +goose Down
DROP TABLE snapshots;
