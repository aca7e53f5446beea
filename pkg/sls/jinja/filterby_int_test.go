package jinja

import "testing"

// Salt's filter_by (salt/utils/data.py) looks the default up with
// lookup_dict.get(default), so an int default (a grain such as
// pythonversion[0]) finds an int key; and a key is matched as str(key).
func TestFilterByIntKeys(t *testing.T) {
	c := testSaltContext()
	c.Grains["pythonversion"] = []any{3, 11, 2, "final", 0}
	c.Grains["osmajorrelease"] = 12
	tests := []struct{ src, want string }{
		// default is an int read from a grain.
		{`{% set m = salt['grains.filter_by']({2: {'py': 'two'}, 3: {'py': 'three'}}, grain='nosuch', default=grains.pythonversion[0]) %}{{ m.py }}`, "three"},
		// an int grain matched against int keys, then merged.
		{`{% set m = salt['grains.filter_by']({11: {'a': 1}, 12: {'a': 2, 'b': 3}}, grain='osmajorrelease', merge={'b': 4}) %}{{ m.a }} {{ m.b }}`, "2 4"},
		// base named by an int.
		{`{% set m = salt['grains.filter_by']({1: {'a': 1, 'c': 5}, 12: {'a': 2}}, grain='osmajorrelease', base=1) %}{{ m.a }} {{ m.c }}`, "2 5"},
		// base 0 is false, and Salt's `if base and ...` skips it.
		{`{% set m = salt['grains.filter_by']({0: {'c': 5}, 12: {'a': 2}}, grain='osmajorrelease', base=0) %}{{ m.a }} {{ m.c is defined }}`, "2 False"},
		// int keys of the merged result are found by int subscripts.
		{`{% set m = salt['grains.filter_by']({'default': {3: 'x'}}, merge={4: 'y'}) %}{{ m[3] }}{{ m[4] }}`, "xy"},
		// a default that matches no key gives None, not an error.
		{`{{ salt['grains.filter_by']({1: 'x'}, grain='nosuch', default=7) }}`, "None"},
	}
	for _, tt := range tests {
		vars := SaltVars(c, "", "", "base")
		got, err := Render("t", []byte(tt.src), vars, Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s = %q; want %q", tt.src, got, tt.want)
		}
	}
}

// pillar.filter_by is salt.utils.data.filter_by over the pillar; its key
// argument, pillar, has no default.
func TestPillarFilterBy(t *testing.T) {
	c := testSaltContext()
	c.Pillar.Set("role", "db")
	c.Pillar.Set("tier", 2)
	tests := []struct{ src, want string }{
		{`{{ salt['pillar.filter_by']({'db': 'postgres', 'web': 'nginx'}, pillar='role') }}`, "postgres"},
		{`{{ salt['pillar.filter_by']({1: 'a', 2: 'b'}, 'tier') }}`, "b"},
		{`{{ salt['pillar.filter_by']({'x': 1, 'default': 'd'}, pillar='nosuch') }}`, "d"},
	}
	for _, tt := range tests {
		got, err := Render("t", []byte(tt.src), SaltVars(c, "", "", "base"), Options{})
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
	if _, err := Render("t", []byte(`{{ salt['pillar.filter_by']({'a': 1}) }}`), SaltVars(c, "", "", "base"), Options{}); err == nil {
		t.Error("pillar.filter_by without pillar: no error")
	}
}
