package jinja_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// A template's dicts are *odict.Map values, and normalize makes any Go map
// one: code that asks normalize's result for a map[string]any never gets
// one, and the feature behind it silently stops working. This test finds
// such code (a type assertion or a type switch case on normalize(…)).
func TestNoGoMapAfterNormalize(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	isNormalize := func(e ast.Expr) bool {
		c, ok := e.(*ast.CallExpr)
		if !ok {
			return false
		}
		id, ok := c.Fun.(*ast.Ident)
		return ok && id.Name == "normalize"
	}
	isGoMap := func(e ast.Expr) bool {
		m, ok := e.(*ast.MapType)
		if !ok {
			return false
		}
		k, kOK := m.Key.(*ast.Ident)
		v, vOK := m.Value.(*ast.Ident)
		return kOK && vOK && k.Name == "string" && (v.Name == "any" || v.Name == "interface{}")
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.TypeAssertExpr:
				if isNormalize(x.X) && isGoMap(x.Type) {
					t.Errorf("%s: normalize(…).(map[string]any) never holds: template dicts are *odict.Map", fset.Position(x.Pos()))
				}
			case *ast.TypeSwitchStmt:
				var subject ast.Expr
				switch a := x.Assign.(type) {
				case *ast.AssignStmt:
					if len(a.Rhs) == 1 {
						subject = a.Rhs[0]
					}
				case *ast.ExprStmt:
					subject = a.X
				}
				ta, ok := subject.(*ast.TypeAssertExpr)
				if !ok || !isNormalize(ta.X) {
					return true
				}
				for _, s := range x.Body.List {
					for _, typ := range s.(*ast.CaseClause).List {
						if isGoMap(typ) {
							t.Errorf("%s: case map[string]any after normalize never matches: template dicts are *odict.Map", fset.Position(typ.Pos()))
						}
					}
				}
			}
			return true
		})
	}
}
