-- +goose Up
-- Facts about the database itself rather than the MOR world it holds:
-- "source" names where the loaded world came from ("demo" for the embedded
-- demo, "file:" and the fixture file's name for a file); serve's
-- --sandbox=auto reads it.

CREATE TABLE meta (
    `key` VARCHAR(768) NOT NULL PRIMARY KEY,
    value MEDIUMTEXT NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_nopad_bin;

-- +goose Down
DROP TABLE meta;
