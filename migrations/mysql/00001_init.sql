-- +goose Up
-- The same tables, columns, uniqueness and foreign keys as the SQLite
-- schema, in MySQL/MariaDB's dialect. Every table is InnoDB (row locks,
-- transactions, crash recovery) in utf8mb4 with MariaDB's binary collation
-- that does not pad, so that text compares and orders byte for byte as on
-- SQLite: u=ADMIN is not admin, and 'alice ' is not 'alice'. Text has no
-- length limit in SQLite, so free text is MEDIUMTEXT; a unique text column
-- that a client may fill is kept unique through the SHA-256 of its value in
-- a generated column (an InnoDB key holds at most 3072 bytes), with a prefix
-- index for lookups; the other keys are VARCHAR(768), the longest a key
-- takes in utf8mb4. SQLite's partial unique indexes ("unique when not
-- empty") are unique indexes on a generated column that is NULL for the
-- empty value.

CREATE TABLE settings (
    name  VARCHAR(768) NOT NULL PRIMARY KEY,
    value MEDIUMTEXT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE addresses (
    id        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    address   MEDIUMTEXT NOT NULL DEFAULT '',
    postcode  MEDIUMTEXT NOT NULL DEFAULT '',
    city      MEDIUMTEXT NOT NULL DEFAULT '',
    county    MEDIUMTEXT NOT NULL DEFAULT '',
    state     MEDIUMTEXT NOT NULL DEFAULT '',
    email     MEDIUMTEXT NOT NULL DEFAULT '',
    phone     MEDIUMTEXT NOT NULL DEFAULT '',
    mob_phone MEDIUMTEXT NOT NULL DEFAULT '',
    fax       MEDIUMTEXT NOT NULL DEFAULT ''
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE users (
    id                      BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username                MEDIUMTEXT NOT NULL,
    password                MEDIUMTEXT NOT NULL DEFAULT '',
    usertype                VARCHAR(16) NOT NULL CHECK (usertype IN ('admin', 'accountant', 'reseller', 'user')),
    owner_id                BIGINT NOT NULL DEFAULT 0,
    first_name              MEDIUMTEXT NOT NULL DEFAULT '',
    last_name               MEDIUMTEXT NOT NULL DEFAULT '',
    email                   MEDIUMTEXT NOT NULL DEFAULT '',
    postpaid                BIGINT NOT NULL DEFAULT 1,
    balance                 DOUBLE NOT NULL DEFAULT 0,
    credit                  DOUBLE NOT NULL DEFAULT -1,
    blocked                 BIGINT NOT NULL DEFAULT 0,
    hidden                  BIGINT NOT NULL DEFAULT 0,
    primary_device_id       BIGINT NULL,
    devicegroup_id          BIGINT NOT NULL DEFAULT 0,
    own_providers           BIGINT NOT NULL DEFAULT 0,
    api_secret_key          MEDIUMTEXT NOT NULL DEFAULT '',
    disable_hash_checking   BIGINT NOT NULL DEFAULT 0,
    uniquehash              VARCHAR(768) NULL UNIQUE,
    clientid                MEDIUMTEXT NOT NULL DEFAULT '',
    agreement_number        MEDIUMTEXT NOT NULL DEFAULT '',
    agreement_date          MEDIUMTEXT NOT NULL DEFAULT '',
    taxation_country        MEDIUMTEXT NOT NULL DEFAULT '',
    vat_number              MEDIUMTEXT NOT NULL DEFAULT '',
    vat_percent             DOUBLE NOT NULL DEFAULT 0,
    hide_non_answered_calls BIGINT NOT NULL DEFAULT 0,
    address_id              BIGINT NULL,
    username_key            BINARY(32) AS (UNHEX(SHA2(username, 256))) PERSISTENT,
    UNIQUE INDEX users_username (username_key),
    INDEX users_username_prefix (username(191)),
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
    name    MEDIUMTEXT NOT NULL DEFAULT '',
    user_id BIGINT NOT NULL DEFAULT 0,
    hidden  BIGINT NOT NULL DEFAULT 0,
    FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

CREATE TABLE devices (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id        BIGINT NOT NULL,
    name           MEDIUMTEXT NOT NULL DEFAULT '',
    username       MEDIUMTEXT NOT NULL DEFAULT '',
    secret         MEDIUMTEXT NOT NULL DEFAULT '',
    extension      MEDIUMTEXT NOT NULL DEFAULT '',
    pin            MEDIUMTEXT NOT NULL DEFAULT '',
    device_type    MEDIUMTEXT NOT NULL DEFAULT 'SIP',
    istrunk        BIGINT NOT NULL DEFAULT 0,
    ani            BIGINT NOT NULL DEFAULT 0,
    description    MEDIUMTEXT NOT NULL DEFAULT '',
    callerid       MEDIUMTEXT NOT NULL DEFAULT '',
    host           MEDIUMTEXT NOT NULL DEFAULT 'dynamic',
    ipaddr         MEDIUMTEXT NOT NULL DEFAULT '',
    port           BIGINT NOT NULL DEFAULT 0,
    call_limit     BIGINT NOT NULL DEFAULT 0,
    language       MEDIUMTEXT NOT NULL DEFAULT 'en',
    location_id    BIGINT NOT NULL DEFAULT 1,
    primary_did_id BIGINT NOT NULL DEFAULT 0,
    devicegroup_id BIGINT NOT NULL DEFAULT 0,
    hidden         BIGINT NOT NULL DEFAULT 0,
    call_count     BIGINT NOT NULL DEFAULT 0,
    username_key   BINARY(32) AS (IF(username = '', NULL, UNHEX(SHA2(username, 256)))) PERSISTENT,
    extension_key  BINARY(32) AS (IF(extension = '', NULL, UNHEX(SHA2(extension, 256)))) PERSISTENT,
    pin_key        BINARY(32) AS (IF(pin = '', NULL, UNHEX(SHA2(pin, 256)))) PERSISTENT,
    UNIQUE INDEX devices_username (username_key),
    UNIQUE INDEX devices_extension (extension_key),
    UNIQUE INDEX devices_pin (pin_key),
    INDEX devices_user (user_id),
    INDEX devices_username_prefix (username(191)),
    INDEX devices_extension_prefix (extension(191)),
    INDEX devices_pin_prefix (pin(191)),
    FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

ALTER TABLE users ADD FOREIGN KEY (primary_device_id) REFERENCES devices (id) ON DELETE SET NULL;

CREATE TABLE dialplans (
    id        BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name      MEDIUMTEXT NOT NULL DEFAULT '',
    dptype    MEDIUMTEXT NOT NULL DEFAULT '',
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
    language         MEDIUMTEXT NOT NULL DEFAULT 'en',
    call_limit       BIGINT NOT NULL DEFAULT 0,
    comment          MEDIUMTEXT NOT NULL DEFAULT '',
    reseller_comment MEDIUMTEXT NOT NULL DEFAULT '',
    grace_time       BIGINT NOT NULL DEFAULT 0,
    closed_till      DATETIME NULL,
    call_count       BIGINT NOT NULL DEFAULT 0,
    tonezone         MEDIUMTEXT NOT NULL DEFAULT '',
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
    action      MEDIUMTEXT NOT NULL,
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
