-- +goose Up
-- The sandbox's named snapshots: each is the world as "morlite export"
-- writes it (a fixture file), when it was taken, and its row counts (JSON),
-- so that a restore reloads it the way a reset reloads fixtures. A reset
-- and a load keep this table: it is not part of the world. The body is
-- LONGTEXT: a world's fixture text outgrows MEDIUMTEXT's 16 MB.

CREATE TABLE snapshots (
    name     VARCHAR(64) NOT NULL PRIMARY KEY,
    taken_at VARCHAR(32) NOT NULL,
    counts   MEDIUMTEXT NOT NULL,
    body     LONGTEXT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- +goose Down
DROP TABLE snapshots;
