package exec

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/brine-cm/brine/states"
)

// initFake is an init system in memory.
type initFake struct {
	canRun bool
	units  map[string]*states.ServiceStatus
	fail   map[string]bool // services whose start fails
	calls  []string
}

func newInitFake(canRun bool) *initFake {
	return &initFake{canRun: canRun, fail: map[string]bool{}, units: map[string]*states.ServiceStatus{
		"ssh":   {Exists: true, Active: true, EnableState: "enabled"},
		"cron":  {Exists: true, EnableState: "disabled"},
		"broke": {Exists: true, EnableState: "disabled"},
	}}
}

func (f *initFake) Kind() string { return "fake" }
func (f *initFake) CanRun() bool { return f.canRun }
func (f *initFake) Close() error { return nil }
func (f *initFake) Status(_ context.Context, name string) (states.ServiceStatus, error) {
	if u, ok := f.units[name]; ok {
		return *u, nil
	}
	return states.ServiceStatus{}, nil
}
func (f *initFake) set(name, verb string, fn func(u *states.ServiceStatus)) error {
	f.calls = append(f.calls, verb+" "+name)
	if f.fail[name] {
		return errors.New("job failed")
	}
	fn(f.units[name])
	return nil
}
func (f *initFake) Start(_ context.Context, n string) error {
	return f.set(n, "start", func(u *states.ServiceStatus) { u.Active = true })
}
func (f *initFake) Stop(_ context.Context, n string) error {
	return f.set(n, "stop", func(u *states.ServiceStatus) { u.Active = false })
}
func (f *initFake) Restart(_ context.Context, n string) error {
	return f.set(n, "restart", func(u *states.ServiceStatus) { u.Active = true })
}
func (f *initFake) Reload(_ context.Context, n string) error {
	return f.set(n, "reload", func(*states.ServiceStatus) {})
}
func (f *initFake) Enable(_ context.Context, n string) error {
	return f.set(n, "enable", func(u *states.ServiceStatus) { u.EnableState = "enabled" })
}
func (f *initFake) Disable(_ context.Context, n string) error {
	return f.set(n, "disable", func(u *states.ServiceStatus) { u.EnableState = "disabled" })
}
func (f *initFake) ForceReload(_ context.Context, n string) error {
	return f.set(n, "force-reload", func(*states.ServiceStatus) {})
}
func (f *initFake) Mask(context.Context, string, bool) error   { return nil }
func (f *initFake) Unmask(context.Context, string, bool) error { return nil }
func (f *initFake) DaemonReload(context.Context) error         { return nil }
func (f *initFake) Services(context.Context) (all, running []string, err error) {
	for _, n := range []string{"broke", "cron", "ssh"} {
		all = append(all, n)
		if f.units[n].Active {
			running = append(running, n)
		}
	}
	return all, running, nil
}

func TestServiceFunctions(t *testing.T) {
	h := testHost(t)
	f := newInitFake(true)
	f.fail["broke"] = true
	h.Sys = &SysHooks{InitSystem: func(context.Context) (states.InitSystem, error) { return f, nil }}
	steps := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"service.status", []string{"ssh"}, true, 0},
		{"service.status", []string{"cron"}, false, 0},
		{"service.status", []string{"nope"}, false, 0},
		{"service.status", []string{"*r*"}, map[string]any{"cron": false, "broke": false}, 0},
		{"service.available", []string{"cron"}, true, 0},
		{"service.available", []string{"nope"}, false, 0},
		{"service.enabled", []string{"ssh"}, true, 0},
		{"service.start", []string{"cron"}, true, 0},
		{"service.status", []string{"cron"}, true, 0},
		{"service.start", []string{"broke"}, nil, 1},
		{"service.start", []string{"nope"}, "service.start: Service nope not found", 1},
		{"service.stop", []string{"broke"}, false, 0},
		{"service.restart", []string{"cron"}, true, 0},
		{"service.reload", []string{"cron"}, true, 0},
		{"service.get_running", nil, []string{"cron", "ssh"}, 0},
		{"service.stop", []string{"cron"}, true, 0},
		{"service.enable", []string{"cron"}, true, 0},
		{"service.enabled", []string{"cron"}, true, 0},
		{"service.disable", []string{"cron"}, true, 0},
		{"service.disable", []string{"broke"}, true, 0}, // already: no call
		{"service.enable", []string{"broke"}, false, 0},
		{"service.get_all", nil, []string{"broke", "cron", "ssh"}, 0},
		{"service.get_running", nil, []string{"ssh"}, 0},
		{"service.start", []string{"-x"}, nil, 1},
	}
	for _, s := range steps {
		ret := callWords(t, h, s.fun, s.words...)
		if ret.Retcode != s.code || (s.want != nil && !reflect.DeepEqual(ret.Value, s.want)) {
			t.Fatalf("%s %q = %#v (%d); want %#v (%d)", s.fun, s.words, ret.Value, ret.Retcode, s.want, s.code)
		}
	}
	want := []string{"start cron", "start broke", "stop broke", "restart cron", "reload cron", "stop cron", "enable cron", "disable cron", "enable broke"}
	if !reflect.DeepEqual(f.calls, want) {
		t.Errorf("calls = %q; want %q", f.calls, want)
	}

	// Under --root nothing starts; the boot config still changes.
	off := newInitFake(false)
	h.Sys = &SysHooks{InitSystem: func(context.Context) (states.InitSystem, error) { return off, nil }}
	if ret := callWords(t, h, "service.start", "cron"); ret.Retcode != RetError {
		t.Errorf("service.start under --root = %v; want refused", ret.Value)
	}
	if ret := callWords(t, h, "service.enable", "cron"); ret.Value != true {
		t.Errorf("service.enable under --root = %v", ret.Value)
	}
}
