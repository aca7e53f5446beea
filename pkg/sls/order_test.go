package sls

import (
	"context"
	"encoding/json"
	"github.com/brine-cm/brine/pkg/odict"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/sls/jinja"
	"gopkg.in/yaml.v3"
)

// Pillar in file order (an odict.Map): states declared in a loop over
// pillar come in the pillar's order; and a dict given as an argument (a
// template's context) keeps the order it was written in when a template
// of the same run loops over it. A pillar whose order is unknown (built
// from a Go map) loops sorted.
func TestDictOrderThroughRun(t *testing.T) {
	c := writeTree(t, map[string]string{
		"users.sls": `{% for name, u in pillar['users'].items() %}
{{ name }}:
  cmd.run:
    - name: echo {{ u.uid }}
{% endfor %}
conf:
  file.managed:
    - name: /etc/x.conf
    - context:
        opts: {{ {'zeta': 1, 'alpha': 2, 'mu': 3} }}
`,
		"plain.sls": "plainconf:\n  file.managed:\n    - context:\n        opts: {zeta: 1, alpha: 2, mu: 3}\n",
	})
	for _, tc := range []struct {
		shared bool
		ids    string
		conf   string
	}{
		{true, "zed amy kim conf plainconf", "zeta=1 alpha=2 mu=3 "},
		{false, "amy kim zed conf plainconf", "zeta=1 alpha=2 mu=3 "},
	} {
		p, err := DecodeYAMLOrdered("p.sls", []byte("users:\n  zed: {uid: 3}\n  amy: {uid: 1}\n  kim: {uid: 2}\n"), false)
		if err != nil {
			t.Fatal(err)
		}
		sc := jinja.SaltContext{Pillar: p.(*odict.Map)}
		if !tc.shared {
			sc.Pillar = odict.From(sc.Pillar.PlainMap())
		}
		// One set of globals for the run, as pkg/exec builds them.
		vars := jinja.SaltVars(sc, "", "", "base")
		c.Vars = func(string, string) map[string]any { return vars }
		high, err := c.HighState(context.Background(), []string{"users", "plain"})
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := high.Compile()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, ch := range chunks {
			ids = append(ids, ch.ID)
		}
		if got := strings.Join(ids, " "); got != tc.ids {
			t.Errorf("shared=%v: states %q, want %q", tc.shared, got, tc.ids)
		}
		for _, ch := range chunks[3:] {
			// The context's keys become template variables, as
			// file.managed makes them; their values keep their order.
			vars := map[string]any{}
			if ctx, ok := ch.Args["context"].(*odict.Map); ok {
				for k, v := range ctx.All() {
					vars[k] = v
				}
			}
			out, err := c.Render(context.Background(), "salt://x.conf", []byte("{% for k, v in opts.items() %}{{ k }}={{ v }} {% endfor %}"), vars)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tc.conf {
				t.Errorf("shared=%v: %s renders %q, want %q", tc.shared, ch.ID, out, tc.conf)
			}
		}
	}
}

// state.show_sls, show_highstate and show_lowstate show the dicts given
// as arguments in the order the SLS wrote them, as Salt's OrderedDicts
// print; a dict a template built keeps its order too.
func TestShowArgsKeepOrder(t *testing.T) {
	c := writeTree(t, map[string]string{
		"app.sls": "app:\n  cmd.run:\n    - name: run\n    - env:\n        ZED: 1\n        ALPHA: {y: 1, x: 2}\n        MU: 3\n" +
			"    - context: {{ {'zeta': 1, 'alpha': 2} }}\n",
	})
	ctx := context.Background()
	high, err := c.ShowSLS(ctx, []Ref{{Name: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(high)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"app":{"cmd":[{"name":"run"},{"env":{"ZED":1,"ALPHA":{"y":1,"x":2},"MU":3}},{"context":{"zeta":1,"alpha":2}},"run",{"order":10000}],"__sls__":"app","__env__":"base"}}`
	if string(got) != want {
		t.Errorf("show_sls =\n%s\nwant\n%s", got, want)
	}
	y, err := yaml.Marshal(high)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(y), "ZED: 1\n            ALPHA:\n                y: 1\n                x: 2\n            MU: 3\n") {
		t.Errorf("show_sls as YAML loses the order:\n%s", y)
	}
	chunks, err := high.Compile()
	if err != nil {
		t.Fatal(err)
	}
	low, err := json.Marshal(Lowstate(chunks))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(low), `"context":{"zeta":1,"alpha":2},"env":{"ZED":1,"ALPHA":{"y":1,"x":2},"MU":3}`) {
		t.Errorf("show_lowstate = %s; want the argument dicts in SLS order", low)
	}
}
