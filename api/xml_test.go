package api

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// referenceRender is render written the plain way (a string per tag, rune
// by rune): the answers' bytes as they were before render was made to
// append to one buffer.
func referenceRender(decl string, root *node) string {
	var b strings.Builder
	b.WriteString(decl + "\n")
	var write func(n *node, depth int)
	write = func(n *node, depth int) {
		indent := strings.Repeat("  ", depth)
		b.WriteString(indent + "<" + n.name + ">")
		if len(n.kids) == 0 {
			for _, r := range n.text { // invalid UTF-8 comes as RuneError
				switch {
				case r == '&':
					b.WriteString("&amp;")
				case r == '<':
					b.WriteString("&lt;")
				case r == '>':
					b.WriteString("&gt;")
				case r == '\r':
					b.WriteString("&#xD;")
				case !xmlChar(r):
					b.WriteRune('\uFFFD')
				default:
					b.WriteRune(r)
				}
			}
			b.WriteString("</" + n.name + ">\n")
			return
		}
		b.WriteString("\n")
		for _, k := range n.kids {
			write(k, depth+1)
		}
		b.WriteString(indent + "</" + n.name + ">\n")
	}
	write(root, 0)
	return b.String()
}

// randomText mixes plain ASCII, the escaped characters, control bytes,
// multi-byte UTF-8, characters XML forbids and invalid UTF-8.
func randomText(r *rand.Rand) string {
	pieces := []string{"a", "Z", "0", " ", "&", "<", ">", "\r", "\n", "\t", "\x00", "\x1f", "\x7f",
		"é", "€", "😀", "\uFFFE", "\uFFFD", "\xff", "\xc3", "\xed\xa0\x80", "Bob Smith", "SIP/101"}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randomTree(r *rand.Rand, depth int) *node {
	if depth > 3 || r.IntN(3) == 0 {
		return el("leaf", randomText(r))
	}
	n := tree("branch")
	for range r.IntN(4) {
		n.add(randomTree(r, depth+1))
	}
	return n
}

// TestRenderMatchesReference: render writes, for 5,000 random trees with
// every kind of text, exactly the bytes the plain renderer writes.
func TestRenderMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		root := tree("page", randomTree(r, 0), statusPage("error", randomText(r)))
		got, want := string(render(XMLDecl, root)), referenceRender(XMLDecl, root)
		if got != want {
			t.Fatalf("render:\n%q\nwant\n%q", got, want)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("render wrote invalid UTF-8: %q", got)
		}
	}
}
