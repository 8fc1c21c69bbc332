package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"morlite/web"
)

// secretName is a name that holds a secret a client sends: a CSRF token, a
// session token, an API key.
var secretName = regexp.MustCompile(`(?i)csrf|token|secret|bearer|apikey`)

// roomsWithSecrets are the packages whose source compares secrets a client
// sends: the assembly, the pages (sessions, CSRF) and the sandbox (bearer).
var roomsWithSecrets = []string{".", "../web", "../sandbox"}

// TestSecretsComparedInConstantTime reads the packages' source. web.TokensEqual,
// the one helper that compares a sent secret with the expected one, must
// compare with crypto/subtle.ConstantTimeCompare (and nothing else but
// against ""); and no other code may compare anything whose expression
// names a CSRF token, a token or a secret with == or !=, strings.EqualFold,
// bytes.Equal or strings.Compare: a plain comparison returns at the first
// differing byte, and its timing tells an attacker how much he guessed.
func TestSecretsComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	var files []string
	for _, dir := range roomsWithSecrets {
		names, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, names...)
	}
	helper := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if fd.Name.Name == "TokensEqual" {
				helper++
				checkTokensEqual(t, fset, src, fd)
				continue
			}
			checkNoPlainSecretCompare(t, fset, src, fd)
		}
	}
	if helper != 1 {
		t.Fatalf("found %d web.TokensEqual functions, want 1", helper)
	}
	if !web.TokensEqual("abc", "abc") || web.TokensEqual("abc", "abd") || web.TokensEqual("abc", "ab") || web.TokensEqual("", "") {
		t.Error("web.TokensEqual answers wrong")
	}
}

// checkTokensEqual: the helper uses ConstantTimeCompare and compares
// nothing else with == or != but a value against "".
func checkTokensEqual(t *testing.T, fset *token.FileSet, src []byte, fd *ast.FuncDecl) {
	t.Helper()
	usesSubtle := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok {
				usesSubtle = usesSubtle || id.Name+"."+n.Sel.Name == "subtle.ConstantTimeCompare"
			}
		case *ast.BinaryExpr:
			text := nodeText(fset, src, n)
			if (n.Op == token.EQL || n.Op == token.NEQ) && !isEmptyString(n.Y) && !strings.Contains(text, "ConstantTimeCompare") {
				t.Errorf("web.TokensEqual compares %s", text)
			}
		}
		return true
	})
	if !usesSubtle {
		t.Error("web.TokensEqual does not use subtle.ConstantTimeCompare")
	}
}

// checkNoPlainSecretCompare: fd compares no secret but through web.TokensEqual.
func checkNoPlainSecretCompare(t *testing.T, fset *token.FileSet, src []byte, fd *ast.FuncDecl) {
	t.Helper()
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && !isEmptyString(n.X) && !isEmptyString(n.Y) &&
				!isNil(n.Y) && secretName.MatchString(nodeText(fset, src, n)) {
				t.Errorf("%s compares %s with %s, not web.TokensEqual", fd.Name.Name, nodeText(fset, src, n), n.Op)
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			fun := nodeText(fset, src, sel)
			if fun == "strings.EqualFold" || fun == "bytes.Equal" || fun == "strings.Compare" || fun == "subtle.ConstantTimeCompare" {
				for _, arg := range n.Args {
					if _, lit := arg.(*ast.BasicLit); !lit && secretName.MatchString(nodeText(fset, src, arg)) {
						t.Errorf("%s compares %s with %s, not web.TokensEqual", fd.Name.Name, nodeText(fset, src, arg), fun)
					}
				}
			}
		}
		return true
	})
}

func nodeText(fset *token.FileSet, src []byte, n ast.Node) string {
	return string(src[fset.Position(n.Pos()).Offset:fset.Position(n.End()).Offset])
}

func isEmptyString(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING && (lit.Value == `""` || lit.Value == "``")
}

func isNil(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "nil"
}
