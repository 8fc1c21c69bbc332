package store

import (
	"context"
	"errors"
	"fmt"

	"morlite/domain"
)

// Check proves a database sound: SQLite's integrity_check answers ok,
// foreign_key_check finds nothing, and every DID keeps dids.md's model
// (domain.CheckDIDInvariants). Each problem found is one error of the
// returned list; the error is for a database that could not be read.
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
