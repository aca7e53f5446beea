package minion

import (
	"context"
	"log/slog"
	"testing"

	"github.com/brine-cm/brine/pkg/exec"
)

// The nodegroups of minion.yaml reach what a job runs as the minion's
// options: match.nodegroup answers from them.
func TestNodegroupsReachJobs(t *testing.T) {
	cfg := Defaults()
	cfg.ID = "web1.example.org"
	cfg.Nodegroups = map[string]any{"web": "web*", "db": []any{"L@db1,db2"}}
	m := &Minion{cfg: &cfg, log: slog.Default(), id: cfg.ID, grains: map[string]any{"id": cfg.ID}}
	h := m.newHost(nil, slog.Default(), "")
	for tgt, want := range map[string]bool{"web": true, "db": false, "other": false} {
		if r := exec.Call(context.Background(), h, "match.nodegroup", []any{tgt}, nil); r.Value != want {
			t.Errorf("match.nodegroup %s = %#v; want %v", tgt, r.Value, want)
		}
	}
}
