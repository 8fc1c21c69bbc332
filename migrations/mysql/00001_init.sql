-- +goose Up
-- The same tables, columns, uniqueness and foreign keys as the SQLite
-- schema, in MySQL/MariaDB's dialect. Every table is InnoDB (row locks,
-- transactions, crash recovery) in utf8mb4 with MariaDB's binary collation
-- that does not pad, so that text compares and orders byte for byte as on
-- SQLite: u=ADMIN is not admin, and 'alice ' is not 'alice'. Columns that carry a unique index are
-- VARCHAR(768), the longest an InnoDB index key takes in utf8mb4. SQLite's
-- partial unique indexes ("unique when not empty") are unique indexes on a
-- generated column that is NULL for the empty value.

CREATE TABLE settings (
    name  VARCHAR(768) NOT NULL PRIMARY KEY,
    value MEDIUMTEXT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE addresses (
    id        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    address   TEXT NOT NULL DEFAULT '',
    postcode  TEXT NOT NULL DEFAULT '',
    city      TEXT NOT NULL DEFAULT '',
    county    TEXT NOT NULL DEFAULT '',
    state     TEXT NOT NULL DEFAULT '',
    email     TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT '',
    mob_phone TEXT NOT NULL DEFAULT '',
    fax       TEXT NOT NULL DEFAULT ''
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE users (
    id                      BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username                VARCHAR(768) NOT NULL UNIQUE,
    password                TEXT NOT NULL DEFAULT '',
    usertype                VARCHAR(16) NOT NULL CHECK (usertype IN ('admin', 'accountant', 'reseller', 'user')),
    owner_id                BIGINT NOT NULL DEFAULT 0,
    first_name              TEXT NOT NULL DEFAULT '',
    last_name               TEXT NOT NULL DEFAULT '',
    email                   TEXT NOT NULL DEFAULT '',
    postpaid                BIGINT NOT NULL DEFAULT 1,
    balance                 DOUBLE NOT NULL DEFAULT 0,
    credit                  DOUBLE NOT NULL DEFAULT -1,
    blocked                 BIGINT NOT NULL DEFAULT 0,
    hidden                  BIGINT NOT NULL DEFAULT 0,
    primary_device_id       BIGINT NULL,
    devicegroup_id          BIGINT NOT NULL DEFAULT 0,
    own_providers           BIGINT NOT NULL DEFAULT 0,
    api_secret_key          TEXT NOT NULL DEFAULT '',
    disable_hash_checking   BIGINT NOT NULL DEFAULT 0,
    uniquehash              VARCHAR(768) NULL UNIQUE,
    clientid                TEXT NOT NULL DEFAULT '',
    agreement_number        TEXT NOT NULL DEFAULT '',
    agreement_date          TEXT NOT NULL DEFAULT '',
    taxation_country        TEXT NOT NULL DEFAULT '',
    vat_number              TEXT NOT NULL DEFAULT '',
    vat_percent             DOUBLE NOT NULL DEFAULT 0,
    hide_non_answered_calls BIGINT NOT NULL DEFAULT 0,
    address_id              BIGINT NULL,
    INDEX users_owner (owner_id),
    FOREIGN KEY (owner_id) REFERENCES users (id),
    FOREIGN KEY (address_id) REFERENCES addresses (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- An accountant's rights: 0 none, 1 read, 2 read and write.
CREATE TABLE user_rights (
    user_id BIGINT NOT NULL,
    name    VARCHAR(255) NOT NULL,
    value   BIGINT NOT NULL CHECK (value IN (0, 1, 2)),
    PRIMARY KEY (user_id, name),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE providers (
    id      BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name    TEXT NOT NULL DEFAULT '',
    user_id BIGINT NOT NULL DEFAULT 0,
    hidden  BIGINT NOT NULL DEFAULT 0,
    FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE devices (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id        BIGINT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    username       VARCHAR(768) NOT NULL DEFAULT '',
    secret         TEXT NOT NULL DEFAULT '',
    extension      VARCHAR(768) NOT NULL DEFAULT '',
    pin            VARCHAR(768) NOT NULL DEFAULT '',
    device_type    TEXT NOT NULL DEFAULT 'SIP',
    istrunk        BIGINT NOT NULL DEFAULT 0,
    ani            BIGINT NOT NULL DEFAULT 0,
    description    TEXT NOT NULL DEFAULT '',
    callerid       TEXT NOT NULL DEFAULT '',
    host           TEXT NOT NULL DEFAULT 'dynamic',
    ipaddr         TEXT NOT NULL DEFAULT '',
    port           BIGINT NOT NULL DEFAULT 0,
    call_limit     BIGINT NOT NULL DEFAULT 0,
    language       TEXT NOT NULL DEFAULT 'en',
    location_id    BIGINT NOT NULL DEFAULT 1,
    primary_did_id BIGINT NOT NULL DEFAULT 0,
    devicegroup_id BIGINT NOT NULL DEFAULT 0,
    hidden         BIGINT NOT NULL DEFAULT 0,
    call_count     BIGINT NOT NULL DEFAULT 0,
    username_key   VARCHAR(768) AS (NULLIF(username, '')) PERSISTENT,
    extension_key  VARCHAR(768) AS (NULLIF(extension, '')) PERSISTENT,
    pin_key        VARCHAR(768) AS (NULLIF(pin, '')) PERSISTENT,
    UNIQUE INDEX devices_username (username_key),
    UNIQUE INDEX devices_extension (extension_key),
    UNIQUE INDEX devices_pin (pin_key),
    INDEX devices_user (user_id),
    INDEX devices_username_all (username),
    INDEX devices_extension_all (extension),
    INDEX devices_pin_all (pin),
    FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

ALTER TABLE users ADD FOREIGN KEY (primary_device_id) REFERENCES devices (id) ON DELETE SET NULL;

CREATE TABLE dialplans (
    id        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name      TEXT NOT NULL DEFAULT '',
    dptype    TEXT NOT NULL DEFAULT '',
    user_id   BIGINT NOT NULL DEFAULT 0,
    device_id BIGINT NULL,
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (device_id) REFERENCES devices (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE dids (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    did              VARCHAR(768) NOT NULL UNIQUE,
    status           VARCHAR(16) NOT NULL DEFAULT 'free'
                     CHECK (status IN ('free', 'reserved', 'active', 'closed', 'terminated')),
    user_id          BIGINT NOT NULL DEFAULT 0,
    device_id        BIGINT NULL,
    dialplan_id      BIGINT NULL,
    reseller_id      BIGINT NOT NULL DEFAULT 0,
    provider_id      BIGINT NULL,
    language         TEXT NOT NULL DEFAULT 'en',
    call_limit       BIGINT NOT NULL DEFAULT 0,
    comment          TEXT NOT NULL DEFAULT '',
    reseller_comment TEXT NOT NULL DEFAULT '',
    grace_time       BIGINT NOT NULL DEFAULT 0,
    closed_till      DATETIME NULL,
    call_count       BIGINT NOT NULL DEFAULT 0,
    tonezone         TEXT NOT NULL DEFAULT '',
    INDEX dids_device (device_id),
    INDEX dids_reseller (reseller_id),
    INDEX dids_user (user_id),
    FOREIGN KEY (user_id) REFERENCES users (id),
    FOREIGN KEY (device_id) REFERENCES devices (id),
    FOREIGN KEY (dialplan_id) REFERENCES dialplans (id),
    FOREIGN KEY (reseller_id) REFERENCES users (id),
    FOREIGN KEY (provider_id) REFERENCES providers (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- The action log: one row for every successful change, written in the
-- change's own transaction.
CREATE TABLE actions (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    date        DATETIME NOT NULL,
    user_id     BIGINT NOT NULL,
    action      TEXT NOT NULL,
    target_type VARCHAR(64) NOT NULL DEFAULT '',
    target_id   BIGINT NOT NULL DEFAULT 0,
    data        MEDIUMTEXT NOT NULL DEFAULT '',
    data2       MEDIUMTEXT NOT NULL DEFAULT '',
    INDEX actions_target (target_type, target_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- +goose Down
DROP TABLE actions;
DROP TABLE dids;
DROP TABLE dialplans;
ALTER TABLE users DROP FOREIGN KEY users_ibfk_3;
DROP TABLE devices;
DROP TABLE providers;
DROP TABLE user_rights;
DROP TABLE users;
DROP TABLE addresses;
DROP TABLE settings;
