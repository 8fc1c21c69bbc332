package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocsReachableFromReadme: every document under docs/ is linked from
// the README's table of contents.
func TestDocsReachableFromReadme(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob("docs/*.md")
	if err != nil || len(docs) == 0 {
		t.Fatalf("no documents under docs/: %v", err)
	}
	for _, d := range docs {
		if !strings.Contains(string(readme), "]("+filepath.ToSlash(d)+")") {
			t.Errorf("the README does not link %s", d)
		}
	}
}

// outsideRefs are ways a document could point at something a user who
// clones the repository does not have.
var outsideRefs = regexp.MustCompile(`(?i)\bthe spec\b|spec's|\b(dids|wire|engines|dialplans|devices-users)\.md\b|\bissue #?\d+|\bthe issue\b|hostile tester`)

// TestDocsStandAlone: the README and docs/ name nothing outside the
// repository.
func TestDocsStandAlone(t *testing.T) {
	docs, _ := filepath.Glob("docs/*.md")
	for _, d := range append(docs, "README.md") {
		text, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(text), "\n") {
			if m := outsideRefs.FindString(line); m != "" {
				t.Errorf("%s:%d names %q, which is not in the repository", d, i+1, m)
			}
		}
	}
}
