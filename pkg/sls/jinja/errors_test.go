package jinja

import (
	"errors"
	"strings"
	"testing"
)

// TestErrorLines checks that errors name the original file and line,
// including after tags, expressions and comments that span lines.
func TestErrorLines(t *testing.T) {
	tests := []struct {
		src  string
		line int
		msg  string
	}{
		{"a\nb\n{{ nope }}\n", 3, "'nope' is undefined"},
		{"{#\n\n#}\n{{ x.y.z }}", 4, "has no attribute 'y'"},
		{"{% set d = {\n 'a': 1,\n} %}\n{{ d.a }}\n{{ d.b.c }}", 5, "has no attribute 'b'"},
		{"{{ 1 +\n 2 +\n nope }}", 3, "'nope' is undefined"},
		{"{% if true %}\n{% for x in [1] %}\n{{ x.q.r }}\n{% endfor %}\n{% endif %}", 3, "has no attribute 'q'"},
		{"{% for x in y %}\n{% endfor %}", 1, "'y' is undefined"},
		{"line\n{% if x == 1 %}\n", 2, "never closed"},
		{"{% endif %}", 1, "unexpected 'endif'"},
		{"\n\n{{ 1 + }}", 3, "unexpected"},
		{"{% macro m() %}\n{{ inner_missing }}\n{% endmacro %}\n\n{{ m() }}", 2, "'inner_missing' is undefined"},
		{"{{ [1, 2]|nofilter }}", 1, "no filter named 'nofilter'"},
		{"{{ 1 is nottest }}", 1, "no test named 'nottest'"},
		{"{% break %}", 1, "outside of a loop"},
		{"{{ {'a': 1} < {'b': 2} }}", 1, "not supported"},
		{"{{ 'abc'.nomethod() }}", 1, "has no attribute 'nomethod'"},
		{"{% for x in range(2) %}{{ x.y }}{% endfor %}", 1, "'int' has no attribute 'y'"},
	}
	for _, tt := range tests {
		_, err := Render("f.sls", []byte(tt.src), map[string]any{"x": map[string]any{}}, Options{})
		var je *Error
		if !errors.As(err, &je) {
			t.Errorf("Render(%q) error = %v; want *Error", tt.src, err)
			continue
		}
		if je.File != "f.sls" || je.Line != tt.line || !strings.Contains(je.Err.Error(), tt.msg) {
			t.Errorf("Render(%q) error = %v (file %q line %d); want f.sls:%d containing %q", tt.src, err, je.File, je.Line, tt.line, tt.msg)
		}
	}
}

// TestNoPanicOnComparisons covers pongo2's habit of panicking when maps
// or slices are compared: here == must work on any pair of values.
func TestNoPanicOnComparisons(t *testing.T) {
	vars := map[string]any{
		"m":  map[string]any{"a": []any{1}},
		"m2": map[string]any{"a": []any{1}},
		"s":  []string{"x"},
		"f":  Func(func([]any, map[string]any) (any, error) { return nil, nil }),
	}
	src := "{{ m == m2 }} {{ m == s }} {{ s == ['x'] }} {{ f == f }} {{ m != 1 }} {{ [m] == [m2] }} {{ m in [m2] }}"
	out, err := Render("c.sls", []byte(src), vars, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "True False True False True True True"; out != want {
		t.Errorf("comparisons = %q; want %q", out, want)
	}
}
