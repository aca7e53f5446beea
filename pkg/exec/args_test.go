package exec

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
	}
	for _, tt := range tests {
		args, kwargs := ParseArgs(tt.words)
		if !reflect.DeepEqual(args, tt.args) || !reflect.DeepEqual(kwargs, tt.kwargs) {
			t.Errorf("ParseArgs(%q) = %#v, %#v; want %#v, %#v", tt.words, args, kwargs, tt.args, tt.kwargs)
		}
	}
}
