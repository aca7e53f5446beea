package minion

import (
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/odict"
)

func testScheduler(t *testing.T, conf map[string]ScheduleItem) *scheduler {
	t.Helper()
	cfg := Defaults()
	cfg.ID = "m1"
	cfg.StateDir = t.TempDir()
	cfg.Schedule = conf
	s, err := newScheduler(&Minion{cfg: &cfg, log: slog.Default(), id: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleItemCheck(t *testing.T) {
	for _, tc := range []struct {
		it   ScheduleItem
		want string // "" ok, else in the error
	}{
		{ScheduleItem{Function: "test.ping", Seconds: 5}, ""},
		{ScheduleItem{Function: "state.apply", Cron: "0 3 * * *"}, ""},
		{ScheduleItem{Function: "state.apply", Cron: "@daily"}, ""},
		{ScheduleItem{Function: "state.apply"}, "no time"},
		{ScheduleItem{Seconds: 5}, "no function"},
		{ScheduleItem{Function: "x.y", Cron: "0 3 * *"}, "cron"},
		{ScheduleItem{Function: "x.y", Cron: "0 3 * * *", Minutes: 1}, "not both"},
		{ScheduleItem{Function: "x.y", Minutes: -1}, "negative"},
	} {
		err := tc.it.check("j")
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("check(%+v) = %v; want %q", tc.it, err, tc.want)
		}
	}
}

func TestScheduleDue(t *testing.T) {
	s := testScheduler(t, map[string]ScheduleItem{
		"every10": {Function: "test.ping", Seconds: 10},
		"start":   {Function: "test.ping", Minutes: 1, RunOnStart: true},
		"nightly": {Function: "state.apply", Cron: "0 3 * * *"},
	})
	t0 := time.Date(2026, 12, 6, 2, 59, 55, 0, time.Local)
	due, wait := s.due(t0, true)
	if !reflect.DeepEqual(due, []string{"start"}) || wait != 5*time.Second {
		t.Fatalf("at start: due %v, wait %v; want [start], 5s (the cron job at 03:00)", due, wait)
	}
	due, _ = s.due(t0.Add(5*time.Second), false)
	if !reflect.DeepEqual(due, []string{"every10", "nightly"}) && !reflect.DeepEqual(due, []string{"nightly"}) {
		t.Fatalf("at 03:00: due %v; want nightly", due)
	}
	due, _ = s.due(t0.Add(10*time.Second), false)
	if !reflect.DeepEqual(due, []string{"every10"}) {
		t.Fatalf("at +10s: due %v; want every10", due)
	}
	// Late by an hour (a suspended host): one run, then planned from now.
	due, wait = s.due(t0.Add(time.Hour), false)
	if len(due) != 2 || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("an hour late: due %v wait %v; want every10 and start once, then within 10s", due, wait)
	}
	// Disabled jobs keep their plan but do not run.
	if err := s.Disable("every10"); err != nil {
		t.Fatal(err)
	}
	due, _ = s.due(t0.Add(time.Hour+10*time.Second), false)
	if len(due) != 0 {
		t.Fatalf("disabled: due %v", due)
	}
}

func TestScheduleSplayStaysInRange(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 200; i++ {
		at := splayed(base, 30)
		if at.Before(base) || at.After(base.Add(30*time.Second)) {
			t.Fatalf("splayed(base, 30) = %v; want within 30s after base", at.Sub(base))
		}
	}
}

func TestScheduleAddPersistsAndLists(t *testing.T) {
	s := testScheduler(t, map[string]ScheduleItem{"conf": {Function: "test.ping", Seconds: 60}})
	if err := s.Add("drift", map[string]any{"function": "state.apply", "job_kwargs": map[string]any{"test": true},
		"minutes": 15, "splay": 60}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add("bad", map[string]any{"function": "state.apply", "minutes": 1, "whenever": 1}); err == nil {
		t.Errorf("schedule.add with an unknown key: no error")
	}
	if err := s.Add("conf", map[string]any{"function": "test.ping", "seconds": 1}); err == nil {
		t.Errorf("schedule.add over minion.yaml's job: no error")
	}
	if err := s.Delete("conf"); err == nil {
		t.Errorf("schedule.delete of minion.yaml's job: no error")
	}
	if err := s.Disable(""); err != nil {
		t.Fatal(err)
	}
	// A new scheduler on the same state dir sees the same schedule.
	s2, err := newScheduler(s.m)
	if err != nil {
		t.Fatal(err)
	}
	l := s2.List()
	d, _ := l["drift"].(map[string]any)
	if l["enabled"] != false || d == nil || d["function"] != "state.apply" || d["splay"] != float64(60) ||
		!reflect.DeepEqual(d["kwargs"], map[string]any{"test": true}) || d["maxrunning"] != 1 || l["conf"] == nil {
		t.Fatalf("list after reload: %v", l)
	}
	if err := s2.Delete("drift"); err != nil {
		t.Fatal(err)
	}
	if _, err := newScheduler(s.m); err != nil {
		t.Fatal(err)
	}
	if got := filepath.Base(s2.path); got != ScheduleFile {
		t.Errorf("schedule file %s", got)
	}
}

func TestScheduleMaxRunning(t *testing.T) {
	s := testScheduler(t, nil)
	var started []string
	s.setRun(func(name string, _ ScheduleItem) { started = append(started, name) })
	it := ScheduleItem{Function: "test.ping", Seconds: 1, MaxRunning: 2}
	if !s.fire("j", it) || !s.fire("j", it) || s.fire("j", it) {
		t.Fatalf("maxrunning 2: three fires gave %v", started)
	}
	s.ended("j")
	if !s.fire("j", it) {
		t.Fatalf("a run ended: the next one should start")
	}
}

func TestParseMineFunctions(t *testing.T) {
	got, err := parseMineFunctions(map[string]any{
		"network.ip_addrs": []any{"eth0"},
		"grains.items":     nil,
		"internal_ip": []any{map[string]any{"mine_function": "network.ip_addrs"}, map[string]any{"cidr": "10.0.0.0/8"},
			map[string]any{"allow_tgt": "web*"}, map[string]any{"allow_tgt_type": "glob"}},
		"old": map[string]any{"mine_function": "network.ip_addrs", "interface": "eth1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []mineFn{
		{Name: "grains.items", Fun: "grains.items", Kwargs: map[string]any{}},
		{Name: "internal_ip", Fun: "network.ip_addrs", Kwargs: map[string]any{"cidr": "10.0.0.0/8"}, AllowTgt: "web*", AllowTgtType: "glob"},
		{Name: "network.ip_addrs", Fun: "network.ip_addrs", Args: []any{"eth0"}, Kwargs: map[string]any{}},
		{Name: "old", Fun: "network.ip_addrs", Kwargs: map[string]any{"interface": "eth1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseMineFunctions:\n got %+v\nwant %+v", got, want)
	}
	if _, err := parseMineFunctions(map[string]any{"x": []any{map[string]any{"mine_function": "mine.update"}}}); err == nil {
		t.Errorf("mine.update as a mine function: no error")
	}
}

// Pillar's mine_functions are merged over minion.yaml's, and the first
// pillar that holds some asks the mine loop for an update.
func TestMineFunctionsFromPillar(t *testing.T) {
	cfg := Defaults()
	cfg.MineFunctions = map[string]any{"network.ip_addrs": nil, "grains.items": nil}
	m := &Minion{cfg: &cfg, log: slog.Default(), mineKick: make(chan struct{}, 1)}
	p := odict.New(1)
	fns := odict.New(1)
	fns.Set("network.ip_addrs", []any{"eth1"})
	p.Set("mine_functions", fns)
	got, err := m.mineFunctions(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Name != "network.ip_addrs" || !reflect.DeepEqual(got[1].Args, []any{"eth1"}) {
		t.Errorf("merged mine functions: %+v; want pillar's network.ip_addrs [eth1] over minion.yaml's", got)
	}
	m.noteMinePillar(odict.New(0))
	if len(m.mineKick) != 0 || m.minePillar.Load() {
		t.Fatalf("a pillar without mine_functions kicked the mine loop")
	}
	m.noteMinePillar(p)
	m.noteMinePillar(p)
	if len(m.mineKick) != 1 || !m.minePillar.Load() {
		t.Errorf("a pillar with mine_functions: kicks %d, known %v; want 1 kick", len(m.mineKick), m.minePillar.Load())
	}
}

// A job that changes its own mine entry (mine.send, delete, flush)
// drops the mine.get answers it kept, so that it reads its change back.
func TestMineForgetKeptAnswers(t *testing.T) {
	mm := &minionMine{got: map[string]map[string]any{"k": {"m1": 1}}}
	mm.forget()
	if mm.got != nil {
		t.Errorf("kept answers after forget: %v", mm.got)
	}
}
