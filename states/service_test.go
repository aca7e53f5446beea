package states

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states/internal/initsys"
)

// serviceFake is an init system in memory that logs every call.
type serviceFake struct {
	units  map[string]*initsys.Status
	canRun bool
	calls  []string
	fail   map[string]error // "start nginx" → error
	// dies lists services that stop on their own right after a start.
	dies map[string]bool
	kind string // Kind(), "fake" when empty
}

func newServiceFake(canRun bool) *serviceFake {
	return &serviceFake{
		canRun: canRun,
		units: map[string]*initsys.Status{
			"nginx.service":  {Exists: true, Active: true, EnableState: "enabled"},
			"atd.service":    {Exists: true, EnableState: "disabled"},
			"static.service": {Exists: true, EnableState: "static"},
			"gone.service":   {Exists: true, EnableState: "masked", Masked: true, MaskLinks: initsys.MaskLinks{Persist: true}},
			"brief.service":  {Exists: true, EnableState: "masked", Masked: true, MaskLinks: initsys.MaskLinks{Runtime: true}},
			"stale.service":  {Exists: true, Active: true, EnableState: "enabled", NeedReload: true},
		},
		fail: map[string]error{},
		dies: map[string]bool{},
	}
}

func (f *serviceFake) clone() *serviceFake {
	g := newServiceFake(f.canRun)
	g.units = map[string]*initsys.Status{}
	for k, v := range f.units {
		c := *v
		g.units[k] = &c
	}
	return g
}

func (f *serviceFake) Kind() string {
	if f.kind != "" {
		return f.kind
	}
	return "fake"
}
func (f *serviceFake) CanRun() bool { return f.canRun }
func (f *serviceFake) Close() error { return nil }

func (f *serviceFake) op(verb, name string) (*initsys.Status, error) {
	unit := initsys.UnitName(name)
	f.calls = append(f.calls, verb+" "+unit)
	if err := f.fail[verb+" "+unit]; err != nil {
		return nil, err
	}
	st, ok := f.units[unit]
	if !ok {
		st = &initsys.Status{}
		f.units[unit] = st
	}
	return st, nil
}

func (f *serviceFake) Status(ctx context.Context, name string) (initsys.Status, error) {
	st, ok := f.units[initsys.UnitName(name)]
	if !ok {
		return initsys.Status{}, nil
	}
	return *st, nil
}

func (f *serviceFake) run(verb, name string, active bool) error {
	if !f.canRun {
		return initsys.ErrNotRunnable
	}
	unit := initsys.UnitName(name)
	if st, ok := f.units[unit]; verb != "stop" && ok && st.Masked {
		f.calls = append(f.calls, verb+" "+unit)
		return &initsys.SystemctlError{Verb: verb, Unit: unit, Err: errors.New("Unit " + unit + " is masked.")}
	}
	if _, ok := f.units[unit]; !ok {
		f.calls = append(f.calls, verb+" "+unit)
		return &initsys.SystemctlError{Verb: verb, Unit: unit, Err: errors.New("Unit " + unit + " not found.")}
	}
	st, err := f.op(verb, name)
	if err != nil {
		return err
	}
	st.Active = active && !f.dies[initsys.UnitName(name)]
	return nil
}

func (f *serviceFake) Start(ctx context.Context, n string) error   { return f.run("start", n, true) }
func (f *serviceFake) Stop(ctx context.Context, n string) error    { return f.run("stop", n, false) }
func (f *serviceFake) Restart(ctx context.Context, n string) error { return f.run("restart", n, true) }
func (f *serviceFake) Reload(ctx context.Context, n string) error  { return f.run("reload", n, true) }
func (f *serviceFake) ForceReload(ctx context.Context, n string) error {
	return f.run("force-reload", n, true)
}

func (f *serviceFake) boot(verb, name, state string) error {
	st, err := f.op(verb, name)
	if err != nil {
		return err
	}
	switch verb {
	case "mask", "mask --runtime":
		if verb == "mask" {
			st.MaskLinks.Persist = true
		} else {
			st.MaskLinks.Runtime = true
		}
		st.Exists = true
	case "unmask", "unmask --runtime":
		if verb == "unmask" {
			st.MaskLinks.Persist = false
		} else {
			st.MaskLinks.Runtime = false
		}
		if st.MaskLinks.Persist || st.MaskLinks.Runtime {
			return nil
		}
		st.Exists = true
	default:
		if st.Masked {
			return &initsys.SystemctlError{Verb: verb, Unit: "unit", Err: errors.New("Unit file /etc/systemd/system/" + initsys.UnitName(name) + " is masked.")}
		}
		// Salt's disable of a static unit succeeds and changes nothing.
		if st.EnableState == "static" {
			return nil
		}
	}
	st.EnableState = state
	st.Masked = state == "masked"
	return nil
}

func (f *serviceFake) Enable(ctx context.Context, n string) error {
	return f.boot("enable", n, "enabled")
}
func (f *serviceFake) Disable(ctx context.Context, n string) error {
	return f.boot("disable", n, "disabled")
}
func (f *serviceFake) Mask(ctx context.Context, n string, runtime bool) error {
	return f.boot(map[bool]string{false: "mask", true: "mask --runtime"}[runtime], n, "masked")
}
func (f *serviceFake) Unmask(ctx context.Context, n string, runtime bool) error {
	return f.boot(map[bool]string{false: "unmask", true: "unmask --runtime"}[runtime], n, "disabled")
}
func (f *serviceFake) DaemonReload(ctx context.Context) error {
	f.calls = append(f.calls, "daemon-reload")
	for _, st := range f.units {
		st.NeedReload = false
	}
	return nil
}

func serviceEnv(t *testing.T, f *serviceFake) *Env {
	t.Helper()
	env := &Env{Cache: &RunCache{}}
	_, err := env.Cache.Load(serviceCacheKey(""), func() (any, error) {
		return serviceOpener(func(context.Context) (initsys.System, error) { return f, nil }), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func serviceCall(t *testing.T, f *serviceFake, fun, name string, test bool, args map[string]any) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Env: serviceEnv(t, f)})
}

func serviceWatch(t *testing.T, f *serviceFake, fun, name string, test bool, args map[string]any) Result {
	t.Helper()
	fn, ok := Watcher("service")
	if !ok {
		t.Fatal("no mod_watch registered for service")
	}
	return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Env: serviceEnv(t, f)})
}

func TestServiceStates(t *testing.T) {
	cases := []struct {
		fun, name string
		args      map[string]any
		canRun    bool
		result    Outcome
		changed   bool
		comment   string
		calls     string
	}{
		{"service.running", "nginx", nil, true, True, false, "The service nginx is already running", ""},
		{"service.running", "nginx.service", map[string]any{"enable": true}, true, True, false,
			"The service nginx.service is already running", ""},
		{"service.running", "atd", nil, true, True, true, "Started service atd", "start atd.service"},
		{"service.running", "atd", map[string]any{"enable": "yes"}, true, True, true,
			"Service atd has been enabled, and is running", "start atd.service,enable atd.service"},
		{"service.running", "atd", map[string]any{"enable": true}, false, True, true,
			"Service atd is not started: --root never starts or stops services\nService atd has been enabled, and is in the desired state", "enable atd.service"},
		{"service.running", "static", map[string]any{"enable": true}, false, True, false,
			"Service static is not started: --root never starts or stops services", ""},
		{"service.running", "ghost", nil, true, False, false, "The named service ghost is not available", ""},
		{"service.enabled", "ghost", nil, true, False, false, "The named service ghost is not available", ""},
		{"service.dead", "ghost", nil, true, True, false, "The named service ghost is not available", ""},
		{"service.disabled", "ghost", nil, true, True, false, "The named service ghost is not available", ""},
		// Salt starts it and shows systemctl's error.
		{"service.running", "gone", nil, true, False, false, "Failed to start gone.service: Unit gone.service is masked.", "start gone.service"},
		{"service.running", "gone", map[string]any{"unmask": true}, true, True, true,
			"Started service gone\nService gone was unmasked", "unmask gone.service,start gone.service"},
		// Salt's status() reloads systemd when a unit file changed.
		{"service.running", "stale", nil, true, True, false, "The service stale is already running", "daemon-reload"},
		{"service.dead", "nginx", nil, true, True, true, "Service nginx was killed", "stop nginx.service"},
		{"service.dead", "nginx", map[string]any{"enable": false}, true, True, true,
			"Service nginx has been disabled, and is dead", "stop nginx.service,disable nginx.service"},
		{"service.dead", "atd", nil, true, True, false, "The service atd is already dead", ""},
		{"service.dead", "gone", nil, true, True, false, "The service gone is already dead", ""},
		{"service.enabled", "atd", nil, true, True, true, "Service atd has been enabled, and is in the desired state", "enable atd.service"},
		{"service.enabled", "nginx", nil, true, True, false, "Service nginx is already enabled, and is in the desired state", ""},
		{"service.enabled", "static", nil, true, True, false, "Service static is already enabled, and is in the desired state", ""},
		{"service.disabled", "nginx", nil, true, True, true, "Service nginx has been disabled, and is in the desired state", "disable nginx.service"},
		{"service.disabled", "gone", nil, true, True, false, "Service gone is already disabled, and is in the desired state", ""},
		{"service.disabled", "atd", nil, false, True, false, "Service atd is already disabled, and is in the desired state", ""},
		{"service.masked", "atd", nil, true, True, true, "Service atd was masked", "mask atd.service"},
		{"service.masked", "gone", nil, true, True, false, "Service gone is already masked", ""},
		{"service.unmasked", "gone", nil, true, True, true, "Service gone was unmasked", "unmask gone.service"},
	}
	for _, c := range cases {
		f := newServiceFake(c.canRun)
		res := serviceCall(t, f, c.fun, c.name, false, c.args)
		calls := strings.Join(f.calls, ",")
		if res.Result != c.result || res.Comment != c.comment || res.Changed() != c.changed || calls != c.calls {
			t.Errorf("%s %s %v (canRun=%v):\n got %v changed=%v %q calls %q\nwant %v changed=%v %q calls %q",
				c.fun, c.name, c.args, c.canRun, res.Result, res.Changed(), res.Comment, calls, c.result, c.changed, c.comment, c.calls)
		}
		// Salt's dead() records the state after the stop, False; its
		// _enable() and _disable() leave {name: True}.
		want := map[string]any{c.name: !(c.fun == "service.dead" && c.args == nil)}
		if res.Changed() && !reflect.DeepEqual(res.Changes, want) && c.fun != "service.masked" && c.fun != "service.unmasked" {
			t.Errorf("%s %s: changes = %v; want %v", c.fun, c.name, res.Changes, want)
		}
	}
}

// TestServiceTestEqualsReal: a dry run changes nothing and reports the
// same changes, with result None exactly when the real run changes.
func TestServiceTestEqualsReal(t *testing.T) {
	cases := []struct {
		fun, name string
		args      map[string]any
		canRun    bool
	}{
		{"service.running", "nginx", map[string]any{"enable": true}, true},
		{"service.running", "atd", map[string]any{"enable": true}, true},
		{"service.running", "atd", map[string]any{"enable": true}, false},
		{"service.running", "gone", map[string]any{"unmask": true, "enable": true}, true},
		{"service.dead", "nginx", map[string]any{"enable": false}, true},
		{"service.dead", "nginx", map[string]any{"enable": false}, false},
		{"service.enabled", "atd", nil, true},
		{"service.disabled", "nginx", nil, true},
		{"service.masked", "nginx", nil, true},
		{"service.unmasked", "gone", nil, true},
	}
	for _, c := range cases {
		base := newServiceFake(c.canRun)
		ft, fr := base.clone(), base.clone()
		dry := serviceCall(t, ft, c.fun, c.name, true, c.args)
		real := serviceCall(t, fr, c.fun, c.name, false, c.args)
		if real.Result != True {
			t.Errorf("%s %s: real = %+v", c.fun, c.name, real)
			continue
		}
		if !reflect.DeepEqual(dry.Changes, real.Changes) {
			t.Errorf("%s %s %v: test changes %v; real %v", c.fun, c.name, c.args, dry.Changes, real.Changes)
		}
		want := True
		if real.Changed() {
			want = None
		}
		if dry.Result != want {
			t.Errorf("%s %s: test result %v; want %v (%s)", c.fun, c.name, dry.Result, want, dry.Comment)
		}
		if len(ft.calls) != 0 {
			t.Errorf("%s %s: test=True made calls %v", c.fun, c.name, ft.calls)
		}
	}
}

func TestServiceModWatch(t *testing.T) {
	cases := []struct {
		fun, name string
		args      map[string]any
		canRun    bool
		test      bool
		result    Outcome
		comment   string
		calls     string
	}{
		{"service.running", "nginx", nil, true, false, True, "Service restarted", "restart nginx.service"},
		{"service.running", "nginx", map[string]any{"reload": true}, true, false, True, "Service reloaded", "reload nginx.service"},
		// Salt stops a service before it starts it.
		{"service.running", "atd", nil, true, false, True, "Service started", "stop atd.service,start atd.service"},
		{"service.running", "stale", nil, true, false, True, "Service restarted", "daemon-reload,restart stale.service"},
		{"service.running", "nginx", nil, true, true, None, "Service is set to be restarted", ""},
		{"service.running", "nginx", nil, false, false, True, "Service nginx would be restarted, but --root never starts or stops services", ""},
		{"service.dead", "nginx", nil, true, false, True, "Service stopped", "stop nginx.service"},
		{"service.dead", "atd", nil, true, false, True, "Service is already stopped", ""},
		{"service.enabled", "atd", nil, true, false, False, "Unable to trigger watch for service.enabled", ""},
		{"service.running", "ghost", nil, true, false, False, "Failed to start ghost.service: Unit ghost.service not found.", "stop ghost.service,start ghost.service"},
		{"service.running", "ghost", nil, true, true, None, "Service is set to be started", ""},
	}
	for _, c := range cases {
		f := newServiceFake(c.canRun)
		res := serviceWatch(t, f, c.fun, c.name, c.test, c.args)
		calls := strings.Join(f.calls, ",")
		if res.Result != c.result || res.Comment != c.comment || calls != c.calls {
			t.Errorf("watch %s %s %v test=%v:\n got %v %q calls %q\nwant %v %q calls %q",
				c.fun, c.name, c.args, c.test, res.Result, res.Comment, calls, c.result, c.comment, c.calls)
		}
		wantChanged := c.result != False && (c.calls != "" || c.result == None)
		if res.Changed() != wantChanged {
			t.Errorf("watch %s %s: changes %v; want changed=%v", c.fun, c.name, res.Changes, wantChanged)
		}
	}
}

func TestServiceMissingUnderTest(t *testing.T) {
	// Salt's disabled() has no such branch: not there is disabled enough.
	f := newServiceFake(true)
	if res := serviceCall(t, f, "service.disabled", "ghost", true, nil); res.Result != True || res.Comment != "The named service ghost is not available" {
		t.Errorf("service.disabled ghost test=True = %v %q", res.Result, res.Comment)
	}
	for fun, verb := range map[string]string{"service.running": "started", "service.dead": "stopped", "service.enabled": "enabled"} {
		f := newServiceFake(true)
		res := serviceCall(t, f, fun, "ghost", true, nil)
		want := "Service ghost not present; if created in this state run, it would have been " + verb
		if res.Result != None || res.Comment != want || len(f.calls) != 0 {
			t.Errorf("%s ghost test=True = %v %q; want None %q", fun, res.Result, res.Comment, want)
		}
	}
}

func TestServiceFailures(t *testing.T) {
	f := newServiceFake(true)
	f.fail["start atd.service"] = errors.New("job failed")
	res := serviceCall(t, f, "service.running", "atd", false, nil)
	if res.Result != False || res.Comment != "job failed" || res.Changed() {
		t.Errorf("failed start = %+v", res)
	}
	// Salt records no change when the service is as dead after the
	// start as before it.
	f = newServiceFake(true)
	f.dies["atd.service"] = true
	res = serviceCall(t, f, "service.running", "atd", false, nil)
	if res.Result != False || res.Comment != "Service atd failed to start" || res.Changed() {
		t.Errorf("service that dies = %+v", res)
	}
	// Salt's mod_watch trusts the start's return.
	res = serviceWatch(t, f, "service.running", "atd", false, nil)
	if res.Result != True || res.Comment != "Service started" {
		t.Errorf("watch on a service that dies = %+v", res)
	}
	for _, bad := range []struct {
		name string
		args map[string]any
		arg  string
	}{
		{"../etc/passwd", nil, "name"},
		{"-x", nil, "name"},
		{"atd", map[string]any{"enable": "perhaps"}, "enable"},
		{"atd", map[string]any{"init_delay": "soon"}, "init_delay"},
		{"atd", map[string]any{"reload": []any{}}, "reload"},
	} {
		f := newServiceFake(true)
		res := serviceCall(t, f, "service.running", bad.name, false, bad.args)
		if res.Result != False || !strings.Contains(res.Comment, fmt.Sprintf("argument %q", bad.arg)) || len(f.calls) != 0 {
			t.Errorf("running %s %v = %v %q calls %v; want a failure naming %q", bad.name, bad.args, res.Result, res.Comment, f.calls, bad.arg)
		}
	}
}

// TestServiceRootEscape: under --root an init script's rc links are made
// in the image's rcN.d; one linked out of the image fails the state.
func TestServiceRootEscape(t *testing.T) {
	run := func(fun string) func(string) Result {
		return func(root string) Result {
			fn, err := Lookup(fun)
			if err != nil {
				t.Fatal(err)
			}
			return fn(context.Background(), &Request{ID: "foo", Name: "foo", Func: fun, Args: NewArgs(nil), Root: root, Env: &Env{Cache: &RunCache{}}})
		}
	}
	script := map[string]string{"etc/init.d/foo": "#!/bin/sh\n### BEGIN INIT INFO\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\n"}
	with := func(k, v string) map[string]string {
		return map[string]string{k: v, "etc/init.d/foo": script["etc/init.d/foo"]}
	}
	escapeRun(t, []escapeCase{
		{name: "rc2.d links out", files: script, links: map[string]string{"etc/rc2.d": "$REL"}, run: run("service.enabled"), fails: "resolves outside the root"},
		{name: "disabled: rc2.d links out", files: script, links: map[string]string{"etc/rc2.d": "$REL"}, run: run("service.disabled"), fails: "resolves outside the root"},
		{name: "absolute link stays in", files: with("$OUT/.keep", ""), links: map[string]string{"etc/rc2.d": "$OUT"}, run: run("service.enabled"), inside: "$OUT/S01foo"},
		{name: "plain image", files: script, run: run("service.enabled"), inside: "/etc/rc2.d/S01foo"},
	})
}

// TestServiceOfflineDead: under --root a service is never running, so
// dead() reads as Salt's on a stopped service: _disable()'s comment alone.
func TestServiceOfflineDead(t *testing.T) {
	f := newServiceFake(false)
	res := serviceCall(t, f, "service.dead", "nginx", false, map[string]any{"enable": false})
	if res.Result != True || res.Comment != "Service nginx has been disabled, and is in the desired state" || !res.Changed() {
		t.Errorf("dead enable=False under --root = %v %q %v", res.Result, res.Comment, res.Changes)
	}
	res = serviceCall(t, f, "service.dead", "nginx", false, map[string]any{"enable": false})
	if res.Result != True || res.Comment != "The service nginx is already dead" || res.Changed() {
		t.Errorf("rerun = %v %q %v", res.Result, res.Comment, res.Changes)
	}
}

// TestServiceToggles: whether an enable or disable moves what
// `systemctl is-enabled` says, which is what the dry run predicts as a
// change (Salt's _enable and _disable compare before and after).
func TestServiceToggles(t *testing.T) {
	tests := []struct {
		state string
		on    bool
		want  bool
	}{
		{"disabled", true, true}, {"masked", true, true}, {"enabled", false, true},
		{"static", false, false}, {"indirect", false, false}, {"generated", false, false},
		{"alias", false, false}, {"enabled-runtime", false, false},
	}
	for _, tt := range tests {
		if got := serviceToggles(initsys.Status{EnableState: tt.state}, tt.on); got != tt.want {
			t.Errorf("serviceToggles(%q, %v) = %v; want %v", tt.state, tt.on, got, tt.want)
		}
	}
}

// TestServiceSysVHost: where systemd does not run, Salt's service module
// has no masks and its start returns False rather than raising.
func TestServiceSysVHost(t *testing.T) {
	f := newServiceFake(true)
	f.kind = "sysv"
	res := serviceCall(t, f, "service.running", "nginx", false, map[string]any{"unmask": true})
	if res.Result != True || res.Comment != "The service nginx is already running\nService masking not available on this minion" {
		t.Errorf("running unmask=True on SysV = %v %q", res.Result, res.Comment)
	}
	if res = serviceCall(t, f, "service.masked", "atd", false, nil); res.Result != False || res.Comment != "Service masking not available on this minion" {
		t.Errorf("masked on SysV = %v %q", res.Result, res.Comment)
	}
	f.fail["start atd.service"] = errors.New("exit status 1")
	res = serviceCall(t, f, "service.running", "atd", false, map[string]any{"enable": true})
	if res.Result != False || res.Comment != "Service atd has been enabled, and is dead" {
		t.Errorf("failed start on SysV = %v %q", res.Result, res.Comment)
	}
	res = serviceWatch(t, f, "service.running", "atd", false, nil)
	if res.Result != False || res.Comment != "Failed to start the service" || !reflect.DeepEqual(res.Changes, map[string]any{"atd": false}) {
		t.Errorf("watch start failing on SysV = %v %q %v", res.Result, res.Comment, res.Changes)
	}
}
