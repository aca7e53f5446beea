package orch

import (
	"context"
	"testing"

	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// The orchestration's pillar is compiled where it runs, as Salt's runner
// pillar is, so its dicts are ordered as the pillar files write them and
// the yaml filter keeps that order (as under call --local); json sorts.
func TestOrchPillarIsLocal(t *testing.T) {
	pillarRoots := tree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - app\n",
		"app.sls": "app:\n  zeta: 1\n  alpha:\n    y: 1\n    x: 2\n",
	})
	comp, _, err := compiler(context.Background(), Options{ID: "master_master", Saltenv: "base", PillarRoots: pillarRoots, FileRoots: tree(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	vars := comp.Vars("o", "o.sls")
	for expr, want := range map[string]string{
		"pillar.app | yaml": "{zeta: 1, alpha: {y: 1, x: 2}}",
		"pillar.app | json": `{"alpha": {"x": 2, "y": 1}, "zeta": 1}`,
	} {
		got, err := jinja.Render("o.sls", []byte("{{ "+expr+" }}"), vars, jinja.Options{})
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", expr, got, err, want)
		}
	}
}
