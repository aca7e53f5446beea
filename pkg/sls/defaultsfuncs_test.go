package sls

import (
	"context"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// defaults.get reads a formula's defaults.yaml and defaults.json from the
// tree (each rendered with Jinja first, merged in that order), looks the
// rest of its key up as pillar.get does, and answers the default when the
// key or the files are absent; defaults.update lays a dict of defaults
// under every value of a dict (salt/modules/defaults.py).
func TestDefaultsFuncs(t *testing.T) {
	c := writeTree(t, map[string]string{
		"svc/defaults.yaml":   "listen: 8080\nowner: {{ grains.id }}\nacl:\n  admin: {level: 9}\n",
		"svc/defaults.json":   `{"listen": 9090, "tags": ["a"]}`,
		"svc/extra.yaml":      "depth: 3\n",
		"svc/ignored.yml":     "depth: 4\n",
		"empty/defaults.yaml": "",
		"probe.sls": `a:
  cmd.run:
    - whole: {{ salt['defaults.get']('svc') | json }}
    - listen: {{ salt['defaults.get']('svc:listen') }}
    - level: {{ salt['defaults.get']('svc:acl:admin:level') }}
    - tag: {{ salt['defaults.get']('svc:tags:0') }}
    - absent: {{ salt['defaults.get']('svc:nothing', 'fallback') }}
    - blank: "{{ salt['defaults.get']('svc:nothing') }}"
    - noformula: {{ salt['defaults.get']('nosuch') | json }}
    - named: {{ salt['defaults.get']('svc:depth', defaults_files_names=['extra.yaml', 'ignored.yml']) }}
    {%- set groups = {'n1': {'port': 1, 'l': ['x']}, 'n2': {}} %}
    {%- do salt['defaults.update'](groups, {'port': 0, 'l': ['base']}) %}
    - update: {{ groups | json }}
`,
		"bad.sls": "{{ salt['defaults.get']('empty:x') }}\n",
	})
	c.Vars = func(string, string) map[string]any {
		return jinja.SaltVars(jinja.SaltContext{ID: "m1", Grains: map[string]any{"id": "m1"}}, "", "", "base")
	}
	high, err := c.RenderSLS(context.Background(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"whole":     "map[acl:map[admin:map[level:9]] listen:9090 owner:m1 tags:[a]]",
		"listen":    "9090",
		"level":     "9",
		"tag":       "a",
		"absent":    "fallback",
		"blank":     "",
		"noformula": "map[]",
		"named":     "3",
		"update":    "map[n1:map[l:[base x] port:1] n2:map[l:[base] port:0]]",
	}
	for k, w := range want {
		v, _ := high.States[0].Decls[0].Arg(k)
		if got := strings.TrimSpace(strings.ReplaceAll(fmtValue(odict.Plain(v)), "\n", " ")); got != w {
			t.Errorf("%s = %s; want %s", k, got, w)
		}
	}
	// An empty defaults file reads as None, which Salt's merge refuses.
	if _, err := c.RenderSLS(context.Background(), "bad"); err == nil {
		t.Error("defaults.get over an empty defaults.yaml: no error")
	}
}

// state.sls_exists answers whether show_sls of the names would find them:
// a/b.sls or a/b/init.sls, every one of a list or comma-separated names
// (the idiom modern formulas use to pick a package manager's SLS).
func TestSLSExists(t *testing.T) {
	c := writeTree(t, map[string]string{
		"tool/init.sls":        "{}\n",
		"tool/install.sls":     "{}\n",
		"tool/apt/init.sls":    "{}\n",
		"tool/files/apt.sls.j": "x\n",
		"probe.sls": `a:
  cmd.run:
    - got: {{ [salt['state.sls_exists']('tool'), salt['state.sls_exists']('tool.install'), salt['state.sls_exists']('tool.apt'),
               salt['state.sls_exists']('tool.dnf'), salt['state.sls_exists']('tool, tool.apt'), salt['state.sls_exists'](['tool', 'tool.dnf']),
               salt['state.sls_exists']('tool.files.apt'), salt['state.sls_exists'](sls)] | json }}
`,
	})
	c.Vars = func(string, string) map[string]any {
		return jinja.SaltVars(jinja.SaltContext{ID: "m1", Grains: map[string]any{"id": "m1"}}, "probe", "probe.sls", "base")
	}
	high, err := c.RenderSLS(context.Background(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := high.States[0].Decls[0].Arg("got")
	if got, want := fmtValue(odict.Plain(v)), "[true true true false true false false true]"; got != want {
		t.Errorf("sls_exists = %s; want %s", got, want)
	}
}
