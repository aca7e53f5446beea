package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/grains"
)

type fakeAgent struct {
	jobs    []JobInfo
	killed  []string
	grains  map[string]any
	refresh int
}

func (a *fakeAgent) Running() []JobInfo { return a.jobs }
func (a *fakeAgent) Kill(jid string) bool {
	for _, j := range a.jobs {
		if j.JID == jid {
			a.killed = append(a.killed, jid)
			return true
		}
	}
	return false
}
func (a *fakeAgent) RefreshGrains() map[string]any { a.refresh++; return a.grains }

func TestTestFunctions(t *testing.T) {
	h := testHost(t)
	ret := callWords(t, h, "test.arg", "1", "two", "k=v", "n=3")
	want := map[string]any{"args": []any{1, "two"}, "kwargs": map[string]any{"k": "v", "n": 3}}
	if !reflect.DeepEqual(ret.Value, want) {
		t.Errorf("test.arg = %#v; want %#v", ret.Value, want)
	}
	if ret := callWords(t, h, "test.true"); ret.Value != true {
		t.Errorf("test.true = %v", ret.Value)
	}
	if ret := callWords(t, h, "test.sleep", "0"); ret.Value != true {
		t.Errorf("test.sleep 0 = %v", ret.Value)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ret := Call(ctx, h, "test.sleep", []any{3600}, nil); ret.Retcode != RetError {
		t.Errorf("a killed test.sleep = %v; want it ended", ret.Value)
	}
	if ret := callWords(t, h, "test.sleep", "x"); ret.Retcode != RetError {
		t.Errorf("test.sleep x = %v; want an error", ret.Value)
	}
}

func TestGrainsSetval(t *testing.T) {
	h := testHost(t)
	file := filepath.Join(t.TempDir(), "grains")
	if ret := callWords(t, h, "grains.setval", "role", "web"); ret.Retcode == 0 || !strings.Contains(ret.Value.(string), "--grains-file") {
		t.Errorf("setval without a grains file = %v", ret.Value)
	}
	h.GrainsFile = file
	steps := []struct {
		fun   string
		words []string
		want  any
		file  map[string]any
	}{
		{"grains.setval", []string{"role", "web"}, map[string]any{"role": "web"}, map[string]any{"role": "web"}},
		{"grains.setval", []string{"ports", "[80, 443]"}, map[string]any{"ports": []any{80, 443}}, map[string]any{"role": "web", "ports": []any{80, 443}}},
		{"grains.append", []string{"ports", "8080"}, map[string]any{"ports": []any{80, 443, 8080}}, map[string]any{"role": "web", "ports": []any{80, 443, 8080}}},
		{"grains.append", []string{"role", "db", "convert=True"}, map[string]any{"role": []any{"web", "db"}}, map[string]any{"role": []any{"web", "db"}, "ports": []any{80, 443, 8080}}},
		{"grains.delval", []string{"ports"}, map[string]any{"ports": nil}, map[string]any{"role": []any{"web", "db"}, "ports": nil}},
		{"grains.delval", []string{"ports", "destructive=True"}, map[string]any{"ports": nil}, map[string]any{"role": []any{"web", "db"}}},
	}
	for _, s := range steps {
		ret := callWords(t, h, s.fun, s.words...)
		if !reflect.DeepEqual(ret.Value, s.want) || ret.Retcode != 0 {
			t.Fatalf("%s %q = %#v (%d); want %#v", s.fun, s.words, ret.Value, ret.Retcode, s.want)
		}
		got, err := grains.LoadFile(file)
		if err != nil || !reflect.DeepEqual(got, s.file) {
			t.Fatalf("after %s %q the grains file holds %#v (%v); want %#v", s.fun, s.words, got, err, s.file)
		}
	}
	if h.Grains["role"] == nil || h.Grains["os"] != "Debian" {
		t.Errorf("the host's grains did not take the change: %v", h.Grains)
	}
	// Salt's grains.append returns its refusals as the value: the call
	// succeeds, the grain stays.
	if ret := callWords(t, h, "grains.append", "role", "web"); ret.Retcode != 0 || ret.Value != "The val web was already in the list role" {
		t.Errorf("appending a value already there = %v (%d); want Salt's message", ret.Value, ret.Retcode)
	}
	if ret := callWords(t, h, "grains.append", "os", "x"); ret.Retcode != 0 || ret.Value != "The key os is not a valid list" {
		t.Errorf("appending to a string = %v", ret.Value)
	}
	if ret := callWords(t, h, "grains.append", "newlist", "[a, b]"); !reflect.DeepEqual(ret.Value, map[string]any{"newlist": []any{"a", "b"}}) {
		t.Errorf("appending a list = %#v; want its items appended", ret.Value)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("grains file: %v %v", fi, err)
	}
	ret := callWords(t, h, "grains.ls")
	if l, _ := ret.Value.([]string); len(l) < 3 || l[0] > l[1] {
		t.Errorf("grains.ls = %v", ret.Value)
	}
	a := &fakeAgent{grains: map[string]any{"from": "agent"}}
	h.Agent = a
	callWords(t, h, "grains.setval", "x", "1")
	if a.refresh != 1 || h.Grains["from"] != "agent" {
		t.Errorf("setval on a minion did not refresh its grains: %d %v", a.refresh, h.Grains)
	}
}

func TestSaltutil(t *testing.T) {
	h := testHost(t)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a := &fakeAgent{jobs: []JobInfo{{JID: "20260102030405000001", Fun: "test.sleep", Args: []any{60}, Start: start}}}
	if ret := callWords(t, h, "saltutil.running"); !reflect.DeepEqual(ret.Value, []any{}) {
		t.Errorf("running with no minion = %#v", ret.Value)
	}
	h.Agent = a
	ret := callWords(t, h, "saltutil.running")
	l, _ := ret.Value.([]any)
	if len(l) != 1 || l[0].(map[string]any)["fun"] != "test.sleep" || l[0].(map[string]any)["pid"] != os.Getpid() {
		t.Errorf("running = %#v", ret.Value)
	}
	if ret := callWords(t, h, "saltutil.find_job", "20260102030405000001"); ret.Value.(map[string]any)["jid"] != "20260102030405000001" {
		t.Errorf("find_job = %#v", ret.Value)
	}
	if ret := callWords(t, h, "saltutil.find_job", "1"); !reflect.DeepEqual(ret.Value, map[string]any{}) {
		t.Errorf("find_job of none = %#v", ret.Value)
	}
	if ret := callWords(t, h, "saltutil.kill_job", "20260102030405000001"); !strings.HasPrefix(ret.Value.(string), "Signal 9 sent to job 20260102030405000001") || len(a.killed) != 1 {
		t.Errorf("kill_job = %#v (%v)", ret.Value, a.killed)
	}
	if ret := callWords(t, h, "saltutil.kill_job", "1"); ret.Value != "" {
		t.Errorf("kill_job of none = %#v", ret.Value)
	}
	// state.running and saltutil.is_running: the state jobs, the asking
	// one aside, in Salt's words.
	a.jobs = append(a.jobs, JobInfo{JID: "20260102030405000002", Fun: "state.apply", Start: start},
		JobInfo{JID: "20260102030405000003", Fun: "state.running", Start: start})
	want := []any{fmt.Sprintf(`The function "state.apply" is running as PID %d and was started at 2026, Jan 02 03:04:05.000000 with jid 20260102030405000002`, os.Getpid())}
	if ret := callWords(t, h, "state.running"); !reflect.DeepEqual(ret.Value, want) {
		t.Errorf("state.running = %#v; want %#v", ret.Value, want)
	}
	if ret := callWords(t, h, "saltutil.is_running", "test.*"); len(ret.Value.([]any)) != 1 {
		t.Errorf("is_running test.* = %#v; want test.sleep's job", ret.Value)
	}
	for _, f := range []string{"saltutil.refresh_pillar", "saltutil.pillar_refresh", "saltutil.refresh_grains"} {
		if ret := callWords(t, h, f); ret.Value != true {
			t.Errorf("%s = %v", f, ret.Value)
		}
	}
	if ret := callWords(t, h, "saltutil.sync_all"); !reflect.DeepEqual(ret.Value.(map[string]any)["modules"], []any{}) || len(ret.Value.(map[string]any)) != 17 {
		t.Errorf("sync_all = %v", ret.Value)
	}
}

// TestGrainsStatesWriteTheGrainsFile runs the grains states as a job
// runs them: through this package's grains functions, into the grains
// file, a later state seeing what an earlier one set.
func TestGrainsStatesWriteTheGrainsFile(t *testing.T) {
	h := testHost(t)
	h.GrainsFile = filepath.Join(t.TempDir(), "grains")
	if ret := callWords(t, h, "state.single", "grains.list_present", "name=roles", "value=web"); ret.Retcode != 0 {
		t.Fatalf("list_present = %#v", ret.Value)
	}
	if ret := callWords(t, h, "state.single", "grains.list_present", "name=roles", "value=db"); ret.Retcode != 0 {
		t.Fatalf("list_present = %#v", ret.Value)
	}
	if ret := callWords(t, h, "state.single", "grains.present", "name=app:tier", "value=front"); ret.Retcode != 0 {
		t.Fatalf("present = %#v", ret.Value)
	}
	got, err := grains.LoadFile(h.GrainsFile)
	want := map[string]any{"roles": []any{"web", "db"}, "app": map[string]any{"tier": "front"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("grains file = %#v (%v); want %#v", got, err, want)
	}
	if h.Grains["app"] == nil {
		t.Errorf("the host's grains did not take the change: %v", h.Grains)
	}
}
