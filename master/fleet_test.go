package master

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

func TestCheckScheduled(t *testing.T) {
	now := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	jid := proto.NewJID(now)
	for _, tc := range []struct {
		jid, name, fun string
		args           []any
		want           string
	}{
		{jid, "drift", "state.apply", nil, ""},
		{jid, "drift", "state.apply", []any{"web"}, ""},
		{"123", "drift", "state.apply", nil, "20 digits"},
		{jid, "", "state.apply", nil, "schedule name"},
		{jid, strings.Repeat("n", 200), "state.apply", nil, "schedule name"},
		{jid, "x\x1b[2J", "state.apply", nil, "schedule name"},
		{jid, "drift", "rm -rf /", nil, "module.function"},
		{jid, "drift", "state.apply", []any{strings.Repeat("a", 5000)}, "bytes"},
		{proto.NewJID(now.Add(-48 * time.Hour)), "drift", "state.apply", nil, "not of now"},
		{proto.NewJID(now.Add(time.Hour)), "drift", "state.apply", nil, "not of now"},
	} {
		err := checkScheduled(tc.jid, tc.name, tc.fun, tc.args, nil, now)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkScheduled(%q, %q, %q) = %v; want %q", proto.Clip(tc.jid, 30), proto.Clip(tc.name, 30), tc.fun, err, tc.want)
		}
	}
}

func TestIsDryRun(t *testing.T) {
	for _, tc := range []struct {
		fun    string
		args   []any
		kwargs map[string]any
		want   bool
	}{
		{"state.test", nil, nil, true},
		{"state.apply", nil, map[string]any{"test": true}, true},
		{"state.highstate", nil, map[string]any{"test": "True"}, true},
		{"state.sls", []any{"web", "test=True"}, nil, true},
		{"state.apply", nil, nil, false},
		{"state.apply", nil, map[string]any{"test": false}, false},
		{"cmd.run", nil, map[string]any{"test": true}, false},
	} {
		if got := isDryRun(tc.fun, tc.args, tc.kwargs); got != tc.want {
			t.Errorf("isDryRun(%s, %v, %v) = %v; want %v", tc.fun, tc.args, tc.kwargs, got, tc.want)
		}
	}
}

func TestDriftOf(t *testing.T) {
	tr, fa := true, false
	ret := &proto.Return{End: time.Now(), Return: map[string]any{
		"file_|-motd_|-/etc/motd_|-managed": proto.StateResult{ID: "motd", Name: "/etc/motd", Func: "file.managed", SLS: "base", RunNum: 1,
			Comment: "The file /etc/motd is set to be changed", Changes: map[string]any{"diff": "-a\n+b\n"}},
		"pkg_|-vim_|-vim_|-installed": proto.StateResult{ID: "vim", Name: "vim", Func: "pkg.installed", RunNum: 0, Result: &tr, Changes: map[string]any{}},
	}}
	var d proto.DriftMinion
	driftOf(&d, ret)
	if d.Status != proto.DriftDrifted || d.Total != 2 || len(d.States) != 1 || d.States[0].ID != "motd" || d.States[0].Changes["diff"] != "-a\n+b\n" {
		t.Errorf("drifted: %+v", d)
	}
	ret.Return = map[string]any{"a": proto.StateResult{ID: "a", Result: &tr}}
	d = proto.DriftMinion{}
	driftOf(&d, ret)
	if d.Status != proto.DriftClean || len(d.States) != 0 {
		t.Errorf("clean: %+v", d)
	}
	ret.Return = map[string]any{"a": proto.StateResult{ID: "a", Result: &fa, Comment: "boom"}}
	d = proto.DriftMinion{}
	driftOf(&d, ret)
	if d.Status != proto.DriftFailed || len(d.States) != 1 {
		t.Errorf("failed state: %+v", d)
	}
	ret.Return = []any{"Rendering SLS 'base:web' failed"}
	d = proto.DriftMinion{}
	driftOf(&d, ret)
	if d.Status != proto.DriftFailed || !strings.Contains(d.Error, "Rendering") {
		t.Errorf("not compiled: %+v", d)
	}
}

func TestMineAllowed(t *testing.T) {
	m := &Master{cfg: &Config{}}
	funs := []string{"network.ip_addrs", "grains.items", "secret.get"}
	if got := m.mineAllowed("web1", funs); !reflect.DeepEqual(got, funs) {
		t.Errorf("no mine_get: %v; want all", got)
	}
	m.cfg.MineGet = map[string][]string{"web": {"network\\..*"}, ".*": {"grains.items"}}
	if got := m.mineAllowed("web1", funs); !reflect.DeepEqual(got, []string{"network.ip_addrs", "grains.items"}) {
		t.Errorf("web1: %v", got)
	}
	if got := m.mineAllowed("db1", funs); !reflect.DeepEqual(got, []string{"grains.items"}) {
		t.Errorf("db1: %v", got)
	}
	m.cfg.MineGet = map[string][]string{}
	if got := m.mineAllowed("web1", funs); len(got) != 0 {
		t.Errorf("mine_get: {}: %v; want none", got)
	}
}
