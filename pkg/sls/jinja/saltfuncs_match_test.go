package jinja

import (
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// Salt's match module (salt/modules/match.py) in templates: each kind
// matches this minion, glob/pcre/list/compound another id when given;
// a bad target does not match; filter_by returns the first key, in the
// dict's order, that matches as a compound target (or tgt_type), with
// merge over it, else lookup[default] or None.
func TestMatchFuncs(t *testing.T) {
	ctx := SaltContext{ID: "web1.example.org",
		Grains: map[string]any{"os": "Debian", "os_family": "Debian", "ipv4": []any{"10.0.0.5"}, "roles": []any{"web", "db"}},
		Pillar: odict.From(map[string]any{"app": map[string]any{"tier": "front"}})}
	tests := []struct{ src, want string }{
		{`{{ salt['match.glob']('web*.example.org') }} {{ salt['match.glob']('db*') }} {{ salt['match.glob']('db*', 'db2') }}`, "True False True"},
		{`{{ salt['match.pcre']('web\d') }} {{ salt['match.pcre']('example') }}`, "True False"},
		{`{{ salt['match.list']('a,web1.example.org') }} {{ salt['match.list'](['a', 'b']) }} {{ salt['match.list'](['a', 'web1.example.org']) }}`, "True False True"},
		{`{{ salt['match.grain']('os:Deb*') }} {{ salt['match.grain']('roles:db') }} {{ salt['match.grain']('os') }}`, "True True False"},
		{`{{ salt['match.grain_pcre']('os:^Deb') }} {{ salt['match.pillar']('app:tier:front') }} {{ salt['match.pillar_pcre']('app:tier:^b') }}`, "True True False"},
		{`{{ salt['match.ipcidr']('10.0.0.0/24') }} {{ salt['match.ipcidr']('192.168.0.0/16') }}`, "True False"},
		{`{{ salt['match.compound']('G@os:Debian and web*') }} {{ salt['match.compound']('G@os:Debian and not web*') }} {{ salt['match.compound']('and') }}`, "True False False"},
		{`{{ salt['match.filter_by']({'db*': 'db', 'web*': 'web', 'G@os:Debian': 'deb'}) }}`, "web"},
		{`{{ salt['match.filter_by']({'G@os:Debian': 'deb', 'web*': 'web'}) }}`, "deb"},
		{`{{ salt['match.filter_by']({'db*': 'db', 'default': 'd'}) }} {{ salt['match.filter_by']({'db*': 'db'}) }} {{ salt['match.filter_by']({'db*': 1, 'x': 2}, default='x') }}`, "d None 2"},
		{`{{ salt['match.filter_by']({'web*': {'a': 1}}, merge={'b': 2}) }}`, "{'a': 1, 'b': 2}"},
		{`{{ salt['match.filter_by']({'os:Debian': 1}, tgt_type='grain') }} {{ salt['match.filter_by']({'db*': 1}, minion_id='db2') }}`, "1 1"},
		{`{{ salt['match.grain']('os/Deb*', delimiter='/') }} {{ salt['match.grain']('ipv4|10.0.0.5', '|') }} {{ salt['match.pillar']('app|tier|front', delimiter='|') }} {{ salt['match.grain']('os:Debian', delimiter='/') }}`, "True True True False"},
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
		`{{ salt['match.filter_by']({'a': 1}, tgt_type='bogus') }}`,
		`{{ salt['match.filter_by']([1]) }}`,
		`{{ salt['match.glob']() }}`,
	} {
		if _, err := Render("t.sls", []byte(src), SaltVars(ctx, "t", "t.sls", "base"), Options{}); err == nil {
			t.Errorf("%s: no error", src)
		}
	}
}

// match.nodegroup reads the nodegroups of the minion's own options (its
// config), as Salt's minion does: a group expands to its compound target
// (N@ nesting and list definitions included); a name that is no group,
// or no nodegroups at all, does not match.
func TestMatchNodegroup(t *testing.T) {
	opts := map[string]any{"nodegroups": map[string]any{
		"web":   "web*.example.org",
		"deb":   "G@os:Debian and N@web",
		"db":    "L@db1,db2",
		"words": []any{"G@os:Debian", "and", "web1*"},
		"bad":   "and and",
	}}
	ctx := SaltContext{ID: "web1.example.org", Opts: opts, Grains: map[string]any{"os": "Debian"}}
	tests := []struct{ src, want string }{
		{`{{ salt['match.nodegroup']('web') }} {{ salt['match.nodegroup']('deb') }} {{ salt['match.nodegroup']('db') }}`, "True True False"},
		{`{{ salt['match.nodegroup']('words') }} {{ salt['match.nodegroup']('nope') }} {{ salt['match.nodegroup']('bad') }}`, "True False False"},
		{`{{ salt['match.filter_by']({'db': 'D', 'deb': 'W'}, tgt_type='nodegroup') }}`, "W"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte(tt.src), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil || out != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, out, err, tt.want)
		}
	}
	bare := SaltContext{ID: "web1.example.org"}
	if out, err := Render("t.sls", []byte(`{{ salt['match.nodegroup']('web') }}`), SaltVars(bare, "t", "t.sls", "base"), Options{}); err != nil || out != "False" {
		t.Errorf("match.nodegroup without nodegroups = %q, %v; want False", out, err)
	}
}
