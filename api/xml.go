package api

import "unicode/utf8"

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
// element a line, with a trailing newline. It appends to one buffer (no
// string per tag, no copy at the end): every answer is rendered by it.
func render(decl string, root *node) []byte {
	b := make([]byte, 0, 512) // one DID's listing, or any envelope
	b = append(b, decl...)
	b = append(b, '\n')
	return appendNode(b, root, 0)
}

func appendNode(b []byte, n *node, depth int) []byte {
	b = appendIndent(b, depth)
	b = append(append(append(b, '<'), n.name...), '>')
	if len(n.kids) == 0 {
		b = appendEscaped(b, n.text)
		return append(append(append(b, "</"...), n.name...), ">\n"...)
	}
	b = append(b, '\n')
	for _, k := range n.kids {
		b = appendNode(b, k, depth+1)
	}
	b = appendIndent(b, depth)
	return append(append(append(b, "</"...), n.name...), ">\n"...)
}

func appendIndent(b []byte, depth int) []byte {
	for range depth {
		b = append(b, "  "...)
	}
	return b
}

// appendEscaped appends s as XML character data: &, < and > escaped, a
// carriage return as a reference (a parser would fold a literal one), and
// everything XML 1.0 forbids (and invalid UTF-8) as U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf { // ASCII, most of every answer: no decoding
			i++
			switch {
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '\r':
				b = append(b, "&#xD;"...)
			case c < 0x20 && c != '\t' && c != '\n':
				b = utf8.AppendRune(b, '\uFFFD')
			default:
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:]) // invalid UTF-8: U+FFFD
		i += size
		if !xmlChar(r) {
			r = '\uFFFD'
		}
		b = utf8.AppendRune(b, r)
	}
	return b
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
