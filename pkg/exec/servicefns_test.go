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
		return &states.SystemctlError{Verb: verb, Unit: name + ".service", Result: "failed", ServiceResult: "exit-code"}
	}
	if f.units[name] == nil {
		return &states.SystemctlError{Verb: verb, Unit: name + ".service", Err: errors.New("Unit " + name + ".service not found.")}
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
func (f *initFake) UnitFiles(context.Context) ([]states.UnitFile, map[string]bool, error) {
	var files []states.UnitFile
	for _, n := range []string{"broke", "cron", "ssh"} {
		files = append(files, states.UnitFile{Name: n + ".service", State: f.units[n].EnableState})
	}
	files = append(files, states.UnitFile{Name: "ssh.socket", State: "enabled"}, states.UnitFile{Name: "getty@.service", State: "enabled"},
		states.UnitFile{Name: "dbus.service", State: "static"}, states.UnitFile{Name: "init.scope", State: "static"})
	return files, map[string]bool{"legacy": true, "old": false}, nil
}
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
		{"service.missing", []string{"nope"}, true, 0},
		{"service.enabled", []string{"ssh"}, true, 0},
		{"service.disabled", []string{"ssh"}, false, 0},
		{"service.start", []string{"cron"}, true, 0},
		{"service.status", []string{"cron"}, true, 0},
		// Salt's start() raises systemctl's stderr.
		{"service.start", []string{"broke"}, "ERROR: Job for broke.service failed because the control process exited with error code.\nSee \"systemctl status broke.service\" and \"journalctl -xeu broke.service\" for details.", 1},
		{"service.start", []string{"nope"}, "ERROR: Failed to start nope.service: Unit nope.service not found.", 1},
		// Its stop() returns False.
		{"service.stop", []string{"broke"}, false, 0},
		{"service.stop", []string{"nope"}, false, 0},
		{"service.restart", []string{"cron"}, true, 0},
		{"service.reload", []string{"cron"}, true, 0},
		{"service.force_reload", []string{"cron"}, true, 0},
		{"service.get_running", nil, []string{"cron", "ssh"}, 0},
		{"service.stop", []string{"cron"}, true, 0},
		{"service.enable", []string{"cron"}, true, 0},
		{"service.enabled", []string{"cron"}, true, 0},
		{"service.disable", []string{"cron"}, true, 0},
		{"service.enable", []string{"broke"}, "ERROR: Job for broke.service failed because the control process exited with error code.\nSee \"systemctl status broke.service\" and \"journalctl -xeu broke.service\" for details.", 1},
		{"service.get_all", nil, []string{"broke", "cron", "ssh"}, 0},
		{"service.get_running", nil, []string{"ssh"}, 0},
		{"service.get_enabled", nil, []string{"getty@", "legacy", "ssh", "ssh.socket"}, 0},
		{"service.get_disabled", nil, []string{"broke", "cron", "old"}, 0},
		{"service.get_static", nil, []string{"dbus"}, 0},
		{"service.masked", []string{"cron"}, false, 0},
		{"service.start", []string{"-x"}, nil, 1},
	}
	for _, s := range steps {
		ret := callWords(t, h, s.fun, s.words...)
		if ret.Retcode != s.code || (s.want != nil && !reflect.DeepEqual(ret.Value, s.want)) {
			t.Fatalf("%s %q = %#v (%d); want %#v (%d)", s.fun, s.words, ret.Value, ret.Retcode, s.want, s.code)
		}
	}
	want := []string{"start cron", "start broke", "start nope", "stop broke", "stop nope", "restart cron", "reload cron", "force-reload cron", "stop cron", "enable cron", "disable cron", "enable broke"}
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

// TestParseShow: systemctl show read as Salt's show() reads it.
func TestParseShow(t *testing.T) {
	out := "Type=simple\nExecMainPID=42\nAfter=sysinit.target basic.target\nWants=\n" +
		"ExecStart={ path=/usr/sbin/atd ; argv[]=/usr/sbin/atd -f ; ignore_errors=no ; start_time=[n/a] }\n" +
		"Environment=A=1 B=2\nDescription=Deferred execution scheduler\n"
	want := map[string]any{
		"Type": "simple", "ExecMainPID": "42", "After": []string{"sysinit.target", "basic.target"}, "Wants": []string{},
		"ExecStart":   map[string]any{"path": "/usr/sbin/atd", "argv[]": "/usr/sbin/atd -f", "ignore_errors": "no", "start_time": "[n/a]"},
		"Environment": "A=1 B=2", "Description": "Deferred execution scheduler",
	}
	if got := parseShow(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseShow = %#v\nwant %#v", got, want)
	}
}
