package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"morlite/fixtures"
	"morlite/server"
	"morlite/store"
)

// readmeTry is one "# answer" + curl pair from a document.
type readmeTry struct{ want, url string }

// readmeTries reads the "Things to try" block of the README and of
// docs/demo.md, where the full list lives.
func readmeTries(t *testing.T) []readmeTry {
	t.Helper()
	var tries []readmeTry
	for _, doc := range []string{"README.md", "docs/demo.md"} {
		found := docTries(t, doc)
		if len(found) < 3 {
			t.Fatalf("found %d tries in %s", len(found), doc)
		}
		tries = append(tries, found...)
	}
	return tries
}

// docTries reads the "# answer" + curl pairs under a document's
// "## Things to try" heading.
func docTries(t *testing.T, doc string) []readmeTry {
	t.Helper()
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(text), "## Things to try")
	if !ok {
		t.Fatalf("%s has no Things to try", doc)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var tries []readmeTry
	want := ""
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "# "):
			want = strings.TrimPrefix(line, "# ")
		case strings.HasPrefix(line, "curl -X POST '"):
			url := strings.TrimSuffix(strings.TrimPrefix(line, "curl -X POST '"), "'")
			tries = append(tries, readmeTry{want, url})
		}
	}
	return tries
}

// TestReadmeTries runs every curl line of the "Things to try" of the README
// and docs/demo.md on a fresh demo database over real HTTP and checks the
// answer above it.
func TestReadmeTries(t *testing.T) {
	tries := readmeTries(t)
	if len(tries) < 20 {
		t.Fatalf("found %d tries in the README and docs/demo.md", len(tries))
	}
	demo, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, try := range tries {
		path := strings.TrimPrefix(try.url, "http://127.0.0.1:8080")
		t.Run(try.want, func(t *testing.T) {
			ctx := context.Background()
			dbp := filepath.Join(t.TempDir(), "morlite.db")
			st, err := store.Open(ctx, dbp)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.Load(ctx, demo, false); err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(server.New(st, slog.New(slog.NewTextHandler(io.Discard, nil))))
			defer ts.Close()
			body := postText(t, ts.URL+path)
			if !strings.Contains(body, ">"+try.want+"</") {
				t.Fatalf("%s\nanswered\n%s", path, body)
			}
		})
	}
}
