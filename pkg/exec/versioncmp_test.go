package exec

import (
	"context"
	"testing"

	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// TestPkgVersionCmp: dpkg's order on Debian (~ before the end, epochs),
// rpm's on RedHat, LooseVersion elsewhere; ignore_epoch drops the epoch.
func TestPkgVersionCmp(t *testing.T) {
	deb := &Host{ID: "d", Grains: map[string]any{"os_family": "Debian"}}
	rh := &Host{ID: "r", Grains: map[string]any{"os_family": "RedHat"}}
	other := &Host{ID: "o", Grains: map[string]any{"os_family": "Arch"}}
	for _, tt := range []struct {
		h     *Host
		words []string
		want  int
	}{
		{deb, []string{"1.0.0~rc1", "1.0.0"}, -1},
		{other, []string{"1.0.0~rc1", "1.0.0"}, 1}, // LooseVersion: '~' is a part, compared as text
		// With a revision: a bare 2:1.0 on the command line is a base-60
		// float to Salt's yamlify_arg (121.0), as PyYAML reads it.
		{deb, []string{"2:1.0-1", "1:2.0-1"}, 1},
		{deb, []string{"2:1.0-1", "1:2.0-1", "ignore_epoch=True"}, -1},
		{deb, []string{"1.2.3-1", "1.2.3-1"}, 0},
		{rh, []string{"1.0-1.el9", "1.0-2.el9"}, -1},
		{other, []string{"3006.1", "3007"}, -1},
		{other, []string{"1.10.0", "1.9.0"}, 1},
	} {
		ret := callWords(t, tt.h, "pkg.version_cmp", tt.words...)
		if ret.Retcode != 0 || ret.Value != tt.want {
			t.Errorf("pkg.version_cmp %q on %v = %#v (%d); want %d", tt.words, tt.h.Grains["os_family"], ret.Value, ret.Retcode, tt.want)
		}
	}
}

// A template compares versions as the host's package manager does
// (salt['pkg.version_cmp']), and with Salt's LooseVersion in the
// version_compare filter.
func TestVersionCmpInTemplate(t *testing.T) {
	h := testHost(t)
	h.Grains["os_family"] = "Debian"
	vars := templateVars(context.Background(), h, "base", false)
	src := "{{ salt['pkg.version_cmp']('1.0~rc1', '1.0') }} {{ salt['pkg.version_cmp']('2:1.0', '1:2.0', ignore_epoch=True) }} " +
		"{{ '1.0~rc1' | version_compare('<', '1.0') }} {{ '2016.11.1' | version_compare('>=', '2016.3.0') }} {{ '1.0' | version_compare('=~', '1.0') }} " +
		"{{ salt['pkg_resource.version_compare']('1:3.3', '>=', '3.10', ignore_epoch=True) }} {{ salt['pkg_resource.version_compare']('1.0~rc1', '<', '1.0') }}"
	got, err := jinja.Render("t", []byte(src), vars, jinja.Options{})
	if want := "-1 -1 False True False False False"; err != nil || got != want {
		t.Errorf("render = %q, %v; want %q", got, err, want)
	}
}
