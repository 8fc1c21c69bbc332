package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// OpenError is a database morlite refuses to open: not a SQLite file, a
// SQLite file of another program, a file or directory it may not write, or
// a schema it cannot migrate. Its text is one line naming the file.
type OpenError struct {
	Path    string
	Problem string
}

func (e *OpenError) Error() string { return e.Path + ": " + e.Problem }

// sqliteMagic starts every SQLite 3 database file.
var sqliteMagic = []byte("SQLite format 3\x00")

// checkUsable refuses, before SQLite touches it, a path morlite cannot use:
// a directory, a file it may not write, a file that is not a SQLite
// database, a directory where SQLite cannot create its journal.
func checkUsable(path string) error {
	refuse := func(format string, a ...any) error {
		return &OpenError{Path: path, Problem: fmt.Sprintf(format, a...)}
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return refuse("cannot be read (%s)", reason(err))
	case info.IsDir():
		return refuse("is a directory, not a database file")
	default:
		if err := checkFile(path); err != nil {
			return refuse("%s", err.Error())
		}
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".morlite-probe-*")
	if err != nil {
		return refuse("is not writable: its directory %s does not let morlite create files (SQLite keeps its journal next to the database): %s", dir, reason(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// checkFile opens an existing file for writing and reads its header.
func checkFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("is not writable: %s", reason(err))
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	if n == 0 && (err == io.EOF) {
		return nil // an empty file becomes a new database
	}
	if !bytes.Equal(head[:n], sqliteMagic) {
		return errors.New("is not a SQLite database (is it the right file?)")
	}
	return nil
}

// reason is an OS error without the path it repeats.
func reason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// checkOurs refuses a SQLite database that holds tables but was not made by
// morlite (it has no goose version table). It reads through a read-only
// handle without pragmas, so that a refused file is left exactly as it was.
func checkOurs(ctx context.Context, path string) error {
	if info, err := os.Stat(path); err != nil || info.Size() == 0 {
		return nil // a new database
	}
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return &OpenError{Path: path, Problem: "cannot be read as a SQLite database: " + firstLine(err)}
	}
	defer rows.Close()
	var tables []string
	ours := false
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		ours = ours || name == "goose_db_version"
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(tables) > 0 && !ours {
		if len(tables) > 5 {
			tables = append(tables[:5], "...")
		}
		return &OpenError{Path: path, Problem: "is a SQLite database of another program, not a morlite database (tables: " + strings.Join(tables, ", ") + ")"}
	}
	return nil
}

// firstLine keeps an error to one line for the operator.
// rootCause is the innermost error's first line, without the driver's
// "SQL logic error: " prefix and its trailing "(code)": what an operator
// needs, e.g. "table settings already exists".
func rootCause(err error) string {
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			break
		}
		err = inner
	}
	s := firstLine(err)
	s = strings.TrimPrefix(s, "SQL logic error: ")
	if i := strings.LastIndex(s, " ("); i > 0 && strings.HasSuffix(s, ")") {
		s = s[:i]
	}
	return s
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
