package cliargs

import (
	"reflect"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		words  []string
		args   []any
		kwargs map[string]any
	}{
		{[]string{"web,db", "test=True"}, []any{"web,db"}, map[string]any{"test": true}},
		{[]string{"test=False", "saltenv=dev"}, nil, map[string]any{"test": false, "saltenv": "dev"}},
		{[]string{`pillar={"a": 1}`}, nil, map[string]any{"pillar": map[string]any{"a": 1}}},
		{[]string{"echo a=b"}, []any{"echo a=b"}, map[string]any{}},
		{[]string{"42", "0644"}, []any{42, "0644"}, map[string]any{}},
		{[]string{"os:Debian"}, []any{"os:Debian"}, map[string]any{}},
		// A mapping or a list must be written in braces or brackets, as
		// Salt's yamlify_arg wants, so that a command line stays one.
		{[]string{"echo done: 1", "- a"}, []any{"echo done: 1", "- a"}, map[string]any{}},
		{[]string{`env={"A": "b"}`, "l=[1, 2]"}, nil, map[string]any{"env": map[string]any{"A": "b"}, "l": []any{1, 2}}},
	}
	for _, tt := range tests {
		args, kwargs := ParseArgs(tt.words)
		if !reflect.DeepEqual(args, tt.args) || !reflect.DeepEqual(kwargs, tt.kwargs) {
			t.Errorf("ParseArgs(%q) = %#v, %#v; want %#v, %#v", tt.words, args, kwargs, tt.args, tt.kwargs)
		}
	}
}
