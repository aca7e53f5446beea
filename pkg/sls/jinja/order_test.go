package jinja

import (
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// decodeOrdered reads YAML text as import_yaml does: dicts in the
// text's order.
func decodeOrdered(t *testing.T, text string) *odict.Map {
	t.Helper()
	v, err := parseData("yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	return v.(*odict.Map)
}

// A template loops over pillar in the order of the odict.Map it is
// given; a pillar built from a Go map loops sorted.
func TestPillarLoopOrder(t *testing.T) {
	src := []byte("{% for name, u in pillar.users.items() %}{{ name }}:{{ u.uid }} {% endfor %}")
	for _, tc := range []struct {
		ordered bool
		want    string
	}{{true, "zed:3 amy:1 kim:2 "}, {false, "amy:1 kim:2 zed:3 "}} {
		pillar := decodeOrdered(t, "users:\n  zed: {uid: 3}\n  amy: {uid: 1}\n  kim: {uid: 2}\n")
		if !tc.ordered {
			pillar = odict.From(pillar.PlainMap())
		}
		out, err := Render("t.sls", src, SaltVars(SaltContext{Pillar: pillar}, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if out != tc.want {
			t.Errorf("ordered=%v: %q, want %q", tc.ordered, out, tc.want)
		}
	}
}

// Concurrent renders never see each other's dicts (run with -race).
func TestDictOrderConcurrent(t *testing.T) {
	src := []byte("{% set d = {'z': 1, 'a': 2} %}{% do d.update({'m': 3}) %}{{ d | list | join(',') }}")
	done := make(chan string, 8)
	for range 8 {
		go func() {
			out, err := Render("c.sls", src, SaltVars(SaltContext{}, "c", "c.sls", "base"), Options{})
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for range 8 {
		if got := <-done; !strings.EqualFold(got, "z,a,m") {
			t.Errorf("got %q, want z,a,m", got)
		}
	}
}

// markOrderedDicts makes every dict in v an OrderedDict, as Salt's YAML
// renderer makes pillar and SLS data.
func markOrderedDicts(v any) {
	switch x := v.(type) {
	case *odict.Map:
		x.SetOrderedDict(true)
		for _, e := range x.All() {
			markOrderedDicts(e)
		}
	case []any:
		for _, e := range x {
			markOrderedDicts(e)
		}
	}
}

// Salt's yaml filter writes OrderedDicts (SLS data, local pillar) in their
// order and plain dicts (literals, import_yaml) sorted, as PyYAML with
// Salt's SafeOrderedDumper does; json always sorts.
func TestYAMLFilterOrder(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"pillar.app | yaml", "{zeta: 1, alpha: {y: 1, x: 2}}"},
		{"pillar.app | json", `{"alpha": {"x": 2, "y": 1}, "zeta": 1}`},
		{"{'zeta': 1, 'alpha': 2} | yaml", "{alpha: 2, zeta: 1}"},
		{"pillar.app.copy() | yaml", "{zeta: 1, alpha: {y: 1, x: 2}}"},
		{"salt['slsutil.merge'](pillar.app, {'beta': 3}) | yaml", "{zeta: 1, alpha: {y: 1, x: 2}, beta: 3}"},
		{"salt['pillar.get']('nope', default={'b': 1, 'a': 2}, merge=True) | yaml", "{a: 2, b: 1}"},
	}
	for _, tt := range tests {
		// Data the compiler decoded from YAML, as OrderedDicts.
		vars := SaltVars(SaltContext{}, "t", "t.sls", "base")
		pillar := decodeOrdered(t, "app:\n  zeta: 1\n  alpha: {y: 1, x: 2}\n")
		markOrderedDicts(pillar)
		vars["pillar"] = pillar
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), vars, Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.expr, out, tt.want)
		}
	}
}

// Keys that are numbers stay numbers through Salt's merge functions, as
// Python's dicts keep them (a port table merged over defaults).
func TestMergeKeepsNumberKeys(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"salt['slsutil.merge']({80: 'a'}, {443: 'c'})", "{80: 'a', 443: 'c'}"},
		{"salt['slsutil.merge']({80: 'a'}, {443: 'c'}, strategy='overwrite')", "{80: 'a', 443: 'c'}"},
		{"salt['slsutil.merge']({80: 'a'}, {80: 'c'}, strategy='list')", "{80: ['a', 'c']}"},
		{"salt['slsutil.update']({80: 'a'}, {443: 'c'}, recursive_update=False)", "{80: 'a', 443: 'c'}"},
		{"salt['defaults.merge']({80: 'a'}, {443: 'c'}, in_place=False)", "{80: 'a', 443: 'c'}"},
		{"{8: 'b', 80: 'a', 1: 'c'}|pprint", "{1: 'c', 8: 'b', 80: 'a'}"},
	}
	for _, tt := range tests {
		vars := SaltVars(SaltContext{}, "t", "t.sls", "base")
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), vars, Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.expr, out, tt.want)
		}
	}
}
