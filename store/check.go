package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"morlite/domain"
)

// Check proves a database sound: SQLite's integrity_check answers ok,
// foreign_key_check finds nothing, and every DID keeps the DID model
// (domain.CheckDIDInvariants). Each problem found is one error of the
// returned list; the error is for a database that could not be read. When
// integrity_check finds damage, the rest is not checked.
func (s *Store) Check(ctx context.Context) ([]error, error) {
	if s.eng.shared {
		// InnoDB checks its pages and references itself.
		w, err := s.Export(ctx)
		if err != nil {
			return nil, err
		}
		return domain.CheckDIDInvariants(w), nil
	}
	var problems []error
	rows, err := s.read.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return nil, err
		}
		if line != "ok" {
			problems = append(problems, fmt.Errorf("integrity_check: %s", line))
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		// Reading rows off damaged pages would fail or mislead.
		return append(problems, errors.New("foreign keys and DID invariants not checked: the file is damaged")), nil
	}
	fk, err := s.foreignKeyProblems(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.Export(ctx)
	if err != nil {
		return nil, err
	}
	problems = append(problems, fk...)
	return append(problems, domain.CheckDIDInvariants(w)...), nil
}

// foreignKeyProblems lists what PRAGMA foreign_key_check finds.
func (s *Store) foreignKeyProblems(ctx context.Context) ([]error, error) {
	rows, err := s.read.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []error
	for rows.Next() {
		var table, parent string
		var rowid, fkid any
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return nil, err
		}
		out = append(out, fmt.Errorf("foreign_key_check: %s row %v refers to a missing %s row", table, rowid, parent))
	}
	return out, rows.Err()
}

// CheckFile runs Check on the database at path without migrating it or
// writing to it: a read-only handle, no writer, no schema change. It refuses
// with an *OpenError a path that is no database (as Open does).
func CheckFile(ctx context.Context, path string) ([]error, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, &OpenError{Path: path, Problem: "no database here"}
	}
	if err := checkUsable(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	s := &Store{file: path, eng: sqliteDialect, read: db, Now: time.Now}
	defer s.stmts.close()
	problems, err := s.Check(ctx)
	if IsCorrupt(err) {
		// SQLite gave up reading: that is the finding.
		return []error{fmt.Errorf("integrity_check: %s; foreign keys and DID invariants not checked: the file is damaged", firstLine(err))}, nil
	}
	return problems, err
}
