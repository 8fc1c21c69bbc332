package domain

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestHashMatchesConstantTime reads HashMatches' source: it must compare
// with crypto/subtle.ConstantTimeCompare and compare nothing else but the
// length (which is not secret) with == or !=, nor call a comparing helper.
func TestHashMatchesConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "hash.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "HashMatches" {
			fn = fd
		}
	}
	if fn == nil {
		t.Fatal("HashMatches not found in hash.go")
	}
	usesSubtle := false
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				name := id.Name + "." + n.Sel.Name
				usesSubtle = usesSubtle || name == "subtle.ConstantTimeCompare"
				if id.Name == "bytes" || id.Name == "strings" || name == "reflect.DeepEqual" {
					t.Errorf("HashMatches calls %s", name)
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				src := exprText(fset, n)
				if !strings.HasPrefix(src, "len(") && !strings.Contains(src, "ConstantTimeCompare") {
					t.Errorf("HashMatches compares %s with %s", src, n.Op)
				}
			}
		}
		return true
	})
	if !usesSubtle {
		t.Error("HashMatches does not use subtle.ConstantTimeCompare")
	}
	h := Hash("x", "secret")
	if !HashMatches(h, h) || HashMatches(h[:39]+"0", h) || HashMatches(h[:39], h[:39]) || HashMatches("", "") {
		t.Error("HashMatches answers wrong")
	}
}

// exprText names a comparison: len(...) and ConstantTimeCompare(...) by
// their call, anything else by its position.
func exprText(fset *token.FileSet, be *ast.BinaryExpr) string {
	if call, ok := be.X.(*ast.CallExpr); ok {
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "len" {
			return "len(...)"
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
			return sel.Sel.Name + "(...)"
		}
	}
	return "the expression at " + fset.Position(be.Pos()).String()
}
