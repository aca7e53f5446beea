package e2e

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/brine-cm/brine/test/harness"
)

// The master's pillar options steer the pillar a minion gets, as Salt's
// master options do: pillar_merge_lists joins the lists two pillar
// files give one key; pillar_source_merging_strategy overwrite replaces
// a top-level key whole; pillarenv reads one environment alone.
func TestPillarMasterOptions(t *testing.T) {
	for _, tc := range []struct {
		name, extra, want string
	}{
		{"defaults", "", `{"pkgs":["curl"],"shared":"all","users":{"alice":1,"bob":2}}`},
		{"pillar_merge_lists", "pillar_merge_lists: true\n", `{"pkgs":["vim","curl"],"shared":"all","users":{"alice":1,"bob":2}}`},
		{"overwrite", "pillar_source_merging_strategy: overwrite\n", `{"pkgs":["curl"],"shared":"all","users":{"bob":2}}`},
		{"pillarenv", "pillar_roots: {base: [$DIR/pillar], dev: [$DIR/pillar-dev]}\npillarenv: dev\n", `{"dev":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.extra)
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "common.sls"), "shared: all\nusers: {alice: 1}\npkgs: [vim]\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "m1.sls"), "users: {bob: 2}\npkgs: [curl]\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar-dev", "top.sls"), "dev:\n  '*':\n    - dev\n")
			harness.WriteFile(t, filepath.Join(e.Dir, "pillar-dev", "dev.sls"), "dev: true\n")
			e.AddMinion("m1", "role: web", "")
			e.AcceptAll("m1")
			out, errOut, code := e.Brine("m1", "pillar.items", "--out", "json", "-t", "30")
			if code != 0 {
				t.Fatalf("pillar.items: exit %d\n%s%s", code, out, errOut)
			}
			got, _ := json.Marshal(jsonBlocks(t, out)["m1"])
			if string(got) != tc.want {
				t.Errorf("pillar.items = %s; want %s", got, tc.want)
			}
		})
	}
}
