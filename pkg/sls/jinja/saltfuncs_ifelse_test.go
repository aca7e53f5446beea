package jinja

import (
	"testing"
)

// ifelse (Salt 3006's match.ifelse, also a template global) takes target
// and value pairs and a last default, and answers as match.filter_by.
func TestIfelse(t *testing.T) {
	ctx := SaltContext{ID: "app3.lab.example", Grains: map[string]any{"os": "Fedora", "os_family": "RedHat"}}
	tests := []struct{ src, want string }{
		{`{{ ifelse('db*', 'database', 'app*', 'application', 'other') }}`, "application"},
		{`{{ ifelse('G@os_family:Debian', 'apt', 'G@os_family:RedHat', 'dnf', 'none') }}`, "dnf"},
		{`{{ ifelse('db*', 1, 'cache*', 2, 'fallback') }}`, "fallback"},
		{`{{ ifelse(False, 'never', True, 'always', 'd') }} {{ ifelse(False, 'never', 'd') }}`, "always d"},
		{`{{ ifelse('just this') }}`, "just this"},
		{`{{ ifelse('db*', 'x', 'y', minion_id='db7') }} {{ ifelse('os:Fedora', 'g', 'n', tgt_type='grain') }}`, "x g"},
		{`{{ ifelse('app*', {'port': 80}, {}, merge={'tls': True}) | dictsort }}`, "[('port', 80), ('tls', True)]"},
		{`{{ salt['match.ifelse']('lab*', 'a', 'app3*', 'b', 'c') }}`, "b"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte(tt.src), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.src, out, tt.want)
		}
	}
	for _, src := range []string{
		`{{ ifelse('a*', 'b') }}`,                   // an even number of arguments
		`{{ ifelse('a*', 'b', 'c', default='d') }}`, // no such keyword
		`{{ ifelse('a*', 'b', 'c', tgt_type='nosuch') }}`,
	} {
		if out, err := Render("t.sls", []byte(src), SaltVars(ctx, "t", "t.sls", "base"), Options{}); err == nil {
			t.Errorf("%s = %q; want an error", src, out)
		}
	}
	if _, err := Render("t.sls", []byte(`{{ ifelse('x') }}`), nil, Options{}); err == nil {
		t.Error("ifelse without the salt functions: no error")
	}
}
