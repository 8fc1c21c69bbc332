package api

import (
	"strings"
	"unicode/utf8"
)

// XMLDecl starts every answer.
const XMLDecl = `<?xml version="1.0" encoding="UTF-8"?>`

// node is one XML element: text or children, never both.
type node struct {
	name string
	text string
	kids []*node
}

// el makes a leaf element.
func el(name, text string) *node { return &node{name: name, text: text} }

// tree makes an element holding others.
func tree(name string, kids ...*node) *node { return &node{name: name, kids: kids} }

// add appends children and returns n.
func (n *node) add(kids ...*node) *node {
	n.kids = append(n.kids, kids...)
	return n
}

// render writes the declaration and the tree, two-space indented, one
// element a line, with a trailing newline.
func render(decl string, root *node) []byte {
	var b strings.Builder
	b.WriteString(decl)
	b.WriteByte('\n')
	writeNode(&b, root, 0)
	return []byte(b.String())
}

func writeNode(b *strings.Builder, n *node, depth int) {
	indent := strings.Repeat("  ", depth)
	b.WriteString(indent + "<" + n.name + ">")
	if len(n.kids) == 0 {
		escapeText(b, n.text)
		b.WriteString("</" + n.name + ">\n")
		return
	}
	b.WriteByte('\n')
	for _, k := range n.kids {
		writeNode(b, k, depth+1)
	}
	b.WriteString(indent + "</" + n.name + ">\n")
}

// escapeText writes s as XML character data: &, < and > escaped, a carriage
// return as a reference (a parser would fold a literal one), and everything
// XML 1.0 forbids (and invalid UTF-8) as U+FFFD.
func escapeText(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError && size == 1, !xmlChar(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
}

// xmlChar reports whether XML 1.0 allows r in a document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// statusPage is MOR's standard envelope: <page><status><KIND>text</KIND></status></page>.
func statusPage(kind, text string) *node {
	return tree("page", tree("status", el(kind, text)))
}

// successPage is the standard success envelope.
func successPage(text string) *node { return statusPage("success", text) }
