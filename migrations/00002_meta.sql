-- +goose Up
-- Facts about the database itself rather than the MOR world it holds:
-- "source" names where the loaded world came from ("demo" for the embedded
-- demo, "file:" and the fixture file's name for a file); serve's
-- --sandbox=auto reads it.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE meta;
