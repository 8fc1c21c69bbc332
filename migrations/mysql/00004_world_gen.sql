-- +goose Up
-- The world's generation: one row whose gen moves on in the same
-- transaction as every change to what an instance keeps in memory between
-- requests (settings, users, user_rights, addresses, devices, dialplans,
-- providers), a load or a reset included. Each instance checks it on every request and
-- serves its copies only while it has not moved. The store moves it on
-- itself rather than through triggers: creating a trigger on a server with
-- binary logging on needs SUPER (or log_bin_trust_function_creators),
-- which the account morlite runs under seldom has.

CREATE TABLE world_gen (
    id  TINYINT NOT NULL PRIMARY KEY,
    gen BIGINT NOT NULL
) ENGINE = InnoDB;
INSERT INTO world_gen (id, gen) VALUES (1, 0);

-- +goose Down
DROP TABLE world_gen;
