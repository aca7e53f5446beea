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
		// Salt's loader: 0644 loses its zeros, 1e3 needs a dot to be a
		// float, 1:30 is base 60, 1_000 stays text, yes is True.
		{[]string{"42", "0644", "1.0", "1e3", "1:30", "1_000", "yes", "0x10"}, []any{42, 644, 1.0, "1e3", 90, "1_000", true, 16}, map[string]any{}},
		// A job id is beyond int64 and stays exact; a date is no type
		// Salt passes on; a comment keeps the word; None is None.
		{[]string{"20261206084512345678", "2024-01-02", "a#b", "None", "---", "!"}, []any{"20261206084512345678", "2024-01-02", "a#b", nil, "---", "!"}, map[string]any{}},
		{[]string{"dry-run=yes", "a==b"}, []any{"a==b"}, map[string]any{"dry-run": true}},
		// Salt's KWARG_REGEX takes dots in a name, not a leading digit.
		{[]string{"a.b=1", "1a=2", ".a=3"}, []any{"1a=2", ".a=3"}, map[string]any{"a.b": 1}},
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
