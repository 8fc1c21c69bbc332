-- +goose Up
-- MOR's table and column names, so anyone who knows MOR can read the file
-- with sqlite3. Foreign keys that MOR writes as 0 for "none" (a DID's device,
-- dial plan and provider; a dial plan's device; a user's primary device) are
-- NULL here, so that the database itself refuses a reference to a missing
-- row; the store maps NULL and 0 both ways.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE addresses (
    id        INTEGER PRIMARY KEY,
    address   TEXT NOT NULL DEFAULT '',
    postcode  TEXT NOT NULL DEFAULT '',
    city      TEXT NOT NULL DEFAULT '',
    county    TEXT NOT NULL DEFAULT '',
    state     TEXT NOT NULL DEFAULT '',
    email     TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT '',
    mob_phone TEXT NOT NULL DEFAULT '',
    fax       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id                      INTEGER PRIMARY KEY,
    username                TEXT NOT NULL UNIQUE,
    password                TEXT NOT NULL DEFAULT '',
    usertype                TEXT NOT NULL CHECK (usertype IN ('admin', 'accountant', 'reseller', 'user')),
    owner_id                INTEGER NOT NULL DEFAULT 0 REFERENCES users (id),
    first_name              TEXT NOT NULL DEFAULT '',
    last_name               TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    postpaid                INTEGER NOT NULL DEFAULT 1,
    balance                 REAL NOT NULL DEFAULT 0,
    credit                  REAL NOT NULL DEFAULT -1,
    blocked                 INTEGER NOT NULL DEFAULT 0,
    hidden                  INTEGER NOT NULL DEFAULT 0,
    primary_device_id       INTEGER REFERENCES devices (id) ON DELETE SET NULL,
    devicegroup_id          INTEGER NOT NULL DEFAULT 0,
    own_providers           INTEGER NOT NULL DEFAULT 0,
    api_secret_key          TEXT NOT NULL DEFAULT '',
    disable_hash_checking   INTEGER NOT NULL DEFAULT 0,
    uniquehash              TEXT,
    clientid                TEXT NOT NULL DEFAULT '',
    agreement_number        TEXT NOT NULL DEFAULT '',
    agreement_date          TEXT NOT NULL DEFAULT '',
    taxation_country        TEXT NOT NULL DEFAULT '',
    vat_number              TEXT NOT NULL DEFAULT '',
    vat_percent             REAL NOT NULL DEFAULT 0,
    hide_non_answered_calls INTEGER NOT NULL DEFAULT 0,
    address_id              INTEGER REFERENCES addresses (id)
);
CREATE UNIQUE INDEX users_uniquehash ON users (uniquehash) WHERE uniquehash IS NOT NULL;
CREATE INDEX users_owner ON users (owner_id);

-- An accountant's rights: 0 none, 1 read, 2 read and write.
CREATE TABLE user_rights (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    value   INTEGER NOT NULL CHECK (value IN (0, 1, 2)),
    PRIMARY KEY (user_id, name)
) WITHOUT ROWID;

CREATE TABLE providers (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT '',
    user_id INTEGER NOT NULL DEFAULT 0 REFERENCES users (id),
    hidden  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE devices (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    name           TEXT NOT NULL DEFAULT '',
    username       TEXT NOT NULL DEFAULT '',
    secret         TEXT NOT NULL DEFAULT '',
    extension      TEXT NOT NULL DEFAULT '',
    pin            TEXT NOT NULL DEFAULT '',
    device_type    TEXT NOT NULL DEFAULT 'SIP',
    istrunk        INTEGER NOT NULL DEFAULT 0,
    ani            INTEGER NOT NULL DEFAULT 0,
    description    TEXT NOT NULL DEFAULT '',
    callerid       TEXT NOT NULL DEFAULT '',
    host           TEXT NOT NULL DEFAULT 'dynamic',
    ipaddr         TEXT NOT NULL DEFAULT '',
    port           INTEGER NOT NULL DEFAULT 0,
    call_limit     INTEGER NOT NULL DEFAULT 0,
    language       TEXT NOT NULL DEFAULT 'en',
    location_id    INTEGER NOT NULL DEFAULT 1,
    primary_did_id INTEGER NOT NULL DEFAULT 0,
    devicegroup_id INTEGER NOT NULL DEFAULT 0,
    hidden         INTEGER NOT NULL DEFAULT 0,
    call_count     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX devices_username ON devices (username) WHERE username <> '';
CREATE UNIQUE INDEX devices_extension ON devices (extension) WHERE extension <> '';
CREATE UNIQUE INDEX devices_pin ON devices (pin) WHERE pin <> '';
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE dialplans (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    dptype    TEXT NOT NULL DEFAULT '',
    user_id   INTEGER NOT NULL DEFAULT 0 REFERENCES users (id),
    device_id INTEGER REFERENCES devices (id)
);

CREATE TABLE dids (
    id               INTEGER PRIMARY KEY,
    did              TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL DEFAULT 'free'
                     CHECK (status IN ('free', 'reserved', 'active', 'closed', 'terminated')),
    user_id          INTEGER NOT NULL DEFAULT 0 REFERENCES users (id),
    device_id        INTEGER REFERENCES devices (id),
    dialplan_id      INTEGER REFERENCES dialplans (id),
    reseller_id      INTEGER NOT NULL DEFAULT 0 REFERENCES users (id),
    provider_id      INTEGER REFERENCES providers (id),
    language         TEXT NOT NULL DEFAULT 'en',
    call_limit       INTEGER NOT NULL DEFAULT 0,
    comment          TEXT NOT NULL DEFAULT '',
    reseller_comment TEXT NOT NULL DEFAULT '',
    grace_time       INTEGER NOT NULL DEFAULT 0,
    closed_till      TEXT,
    call_count       INTEGER NOT NULL DEFAULT 0,
    tonezone         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dids_device ON dids (device_id);
CREATE INDEX dids_reseller ON dids (reseller_id);
CREATE INDEX dids_user ON dids (user_id);

-- The action log: one row for every successful change, written in the
-- change's own transaction.
CREATE TABLE actions (
    id          INTEGER PRIMARY KEY,
    date        TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   INTEGER NOT NULL DEFAULT 0,
    data        TEXT NOT NULL DEFAULT '',
    data2       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX actions_target ON actions (target_type, target_id);

-- +goose Down
DROP TABLE actions;
DROP TABLE dids;
DROP TABLE dialplans;
DROP TABLE devices;
DROP TABLE providers;
DROP TABLE user_rights;
DROP TABLE users;
DROP TABLE addresses;
DROP TABLE settings;
