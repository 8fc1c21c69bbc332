package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeExample returns the lines of the shell block under docs/sandbox.md's
// "## Testing your integration".
func readmeExample(t *testing.T) []string {
	t.Helper()
	text, err := os.ReadFile("docs/sandbox.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(text), "\n## Testing your integration\n")
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, ok := strings.Cut(block, "\n```")
	if !ok {
		t.Fatal("docs/sandbox.md has no shell block under Testing your integration")
	}
	return strings.Split(block, "\n")
}

// shellWords splits a command line on spaces, keeping '...' together.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	quoted, started := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, started = !quoted, true
		case r == ' ' && !quoted:
			if started {
				words = append(words, cur.String())
			}
			cur.Reset()
			started = false
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if started {
		words = append(words, cur.String())
	}
	return words
}

// curlRequest is the request a documented curl line sends (the flags the
// example uses: -s, -X, -H, -d), with its URL moved to base.
func curlRequest(t *testing.T, line, base string) *http.Request {
	t.Helper()
	words := shellWords(line)
	method, url, body := "", "", ""
	var headers []string
	for i := 1; i < len(words); i++ {
		switch words[i] {
		case "-s":
		case "-X":
			i++
			method = words[i]
		case "-H":
			i++
			headers = append(headers, words[i])
		case "-d":
			i++
			body = words[i]
		default:
			url = strings.Replace(words[i], "http://127.0.0.1:8080", base, 1)
		}
	}
	if method == "" {
		method = http.MethodGet
		if body != "" {
			method = http.MethodPost // as curl does with -d
		}
	}
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil || !strings.HasPrefix(url, base) {
		t.Fatalf("docs/sandbox.md line %q: %v", line, err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	return req
}

// TestReadmeIntegrationExample runs docs/sandbox.md's worked example, curl line
// by curl line, against a fresh demo server, and checks that each "# =>"
// line is in the answer of the curl line above it.
func TestReadmeIntegrationExample(t *testing.T) {
	base, _, stop := startServe(t, "--db", filepath.Join(t.TempDir(), "demo.db"))
	t.Cleanup(func() { stop() })
	answer, curls, checks := "", 0, 0
	for _, line := range readmeExample(t) {
		switch {
		case strings.HasPrefix(line, "curl "):
			resp, err := http.DefaultClient.Do(curlRequest(t, line, base))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answer, curls = string(b), curls+1
		case strings.HasPrefix(line, "# => "):
			if want := strings.TrimPrefix(line, "# => "); !strings.Contains(answer, want) {
				t.Errorf("%q is not in the answer:\n%s", want, answer)
			}
			checks++
		case line != "" && !strings.HasPrefix(line, "# "):
			t.Errorf("the example has a line this test cannot run: %q", line)
		}
	}
	if curls < 7 || checks < 6 {
		t.Fatalf("ran %d curl lines and %d checks", curls, checks)
	}
}
