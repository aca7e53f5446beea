package states

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/brine-cm/brine/states/internal/initsys"
)

func init() {
	enable := Param{Name: "enable", Type: Bool, Doc: "True enables it at boot, False disables it; unset leaves the boot config alone."}
	Register("service.running", serviceRunning,
		Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service" (any unit type).`},
		enable,
		Param{Name: "reload", Type: Bool, Default: false, Doc: "on a watch, reload instead of restart."},
		Param{Name: "init_delay", Type: Int, Default: 0, Doc: "seconds to wait after starting it before checking it runs."},
		Param{Name: "unmask", Type: Bool, Default: false, Doc: "unmask a masked service first (else a masked one fails)."},
	)
	Register("service.dead", serviceDead,
		Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service".`},
		enable,
		Param{Name: "init_delay", Type: Int, Default: 0, Doc: "seconds to wait after stopping it before checking."},
	)
	Register("service.enabled", serviceEnabled, Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service".`})
	Register("service.disabled", serviceDisabled, Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service".`})
	Register("service.masked", serviceMasked, Param{Name: "name", Type: String, Doc: `the unit, "nginx" or "nginx.service".`})
	Register("service.unmasked", serviceUnmasked, Param{Name: "name", Type: String, Doc: `the unit, "nginx" or "nginx.service".`})
	RegisterWatch("service", serviceModWatch)
}

// serviceOpener opens the init system for a request; the run cache holds
// one per root, so that unit tests can put a fake there.
type serviceOpener func(ctx context.Context) (initsys.System, error)

func serviceCacheKey(root string) string { return "service.opener|" + root }

func serviceOpen(ctx context.Context, req *Request) (initsys.System, error) {
	cache := &RunCache{}
	if req.Env != nil && req.Env.Cache != nil {
		cache = req.Env.Cache
	}
	v, err := cache.Load(serviceCacheKey(req.Root), func() (any, error) {
		root, live := req.Root, req.Live()
		if live {
			root = "/"
		}
		return serviceOpener(func(ctx context.Context) (initsys.System, error) {
			return initsys.Open(ctx, root, live)
		}), nil
	})
	if err != nil {
		return nil, err
	}
	return v.(serviceOpener)(ctx)
}

// serviceWant is what a service state asks for; nil fields are left alone.
type serviceWant struct {
	run    *bool
	enable *bool
}

// Running makes sure a service is running, and optionally that it
// starts (or does not start) at boot.
//
// Under --root nothing is started: only the boot config is managed, and
// the comment says so. The image's unit folders and rcN.d links are the
// ones read and written (systemctl --root for units; rc links by brine,
// resolved inside the image, failing on a link that would leave it).
//
// Salt: a unit file that changed on disk (NeedDaemonReload) makes brine
// reload systemd before starting or restarting it.
func serviceRunning(ctx context.Context, req *Request) Result {
	run := true
	return serviceApply(ctx, req, serviceWant{run: &run, enable: req.Args.OptBool("enable")})
}

// Dead makes sure a service is stopped, and optionally that it
// does (or does not) start at boot.
//
// Under --root nothing is stopped: only the boot config is managed.
//
// Salt: none.
func serviceDead(ctx context.Context, req *Request) Result {
	run := false
	return serviceApply(ctx, req, serviceWant{run: &run, enable: req.Args.OptBool("enable")})
}

// Enabled makes sure a service starts at boot; whether it runs now
// is left alone.
//
// Salt: none.
func serviceEnabled(ctx context.Context, req *Request) Result {
	on := true
	return serviceApply(ctx, req, serviceWant{enable: &on})
}

// Disabled makes sure a service does not start at boot; whether it
// runs now is left alone.
//
// Salt: none.
func serviceDisabled(ctx context.Context, req *Request) Result {
	off := false
	return serviceApply(ctx, req, serviceWant{enable: &off})
}

// serviceWould names what a state would have done, for Salt's comment on
// a service that is not there yet.
func serviceWould(want serviceWant) string {
	switch {
	case want.run != nil && *want.run:
		return "started"
	case want.run != nil:
		return "stopped"
	case want.enable != nil && *want.enable:
		return "enabled"
	}
	return "disabled"
}

func serviceState(sys initsys.System, st initsys.Status) string {
	switch {
	case !sys.CanRun():
		return "not started (--root)"
	case st.Active:
		return "running"
	}
	return "dead"
}

func serviceSleep(ctx context.Context, seconds int) {
	if seconds <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(seconds) * time.Second)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// servicePlan is what a service state would change, read from the
// service's status: the dry run reports it and the real run carries it
// out (serviceCarry), so that both say the same.
type servicePlan struct {
	name string
	want serviceWant
	st   initsys.Status
	// unmask: the service is masked and must be unmasked first.
	unmask bool
	// run is the run state to set, nil when it is right already or
	// --root cannot set it (rootNote says so).
	run      *bool
	rootNote string
	// enable is the boot config to set, nil when it is right already or
	// not the service's own (st.Fixed).
	enable *bool
}

// planService works out the plan; a plan that cannot be carried out (a
// masked service without unmask: True) is the error, worded as the
// state's comment.
func planService(name string, want serviceWant, st initsys.Status, canRun, unmask bool) (servicePlan, error) {
	p := servicePlan{name: name, want: want, st: st}
	needUnmask := (want.run != nil && *want.run) || (want.enable != nil && *want.enable)
	if st.Masked && needUnmask {
		if !unmask {
			return p, fmt.Errorf("Service %s is masked; set unmask: True to unmask it", name)
		}
		p.unmask = true
	}
	if want.run != nil && st.Active != *want.run {
		if canRun {
			p.run = want.run
		} else {
			p.rootNote = fmt.Sprintf("Service %s is not %s: --root never starts or stops services", name, map[bool]string{true: "started", false: "stopped"}[*want.run])
		}
	}
	if want.enable != nil && !st.Fixed() && st.Enabled() != *want.enable {
		p.enable = want.enable
	}
	return p, nil
}

func serviceApply(ctx context.Context, req *Request, want serviceWant) Result {
	a := &req.Args
	initDelay := a.Int("init_delay", 0)
	unmask := a.Bool("unmask", false)
	a.Bool("reload", false) // read for the watch; checked here for its type
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := req.Name
	if err := initsys.ValidName(name); err != nil {
		return Failf(name, "argument %q: %v", "name", err)
	}
	sys, err := serviceOpen(ctx, req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	defer sys.Close()
	st, err := sys.Status(ctx, name)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if !st.Exists && !st.Masked {
		wantsIt := (want.run != nil && *want.run) || (want.enable != nil && *want.enable)
		switch {
		case req.Test:
			// A package state earlier in this run may bring it, as Salt
			// allows for.
			return Result{Name: name, Result: None, Changes: map[string]any{},
				Comment: fmt.Sprintf("Service %s not present; if created in this state run, it would have been %s", name, serviceWould(want))}
		case !wantsIt:
			// nothing to stop or disable
			return Result{Name: name, Result: True, Changes: map[string]any{},
				Comment: fmt.Sprintf("The named service %s is not available", name)}
		}
		return Failf(name, "The named service %s is not available", name)
	}
	p, err := planService(name, want, st, sys.CanRun(), unmask)
	if err != nil {
		return Failf(name, "%v", err)
	}
	return serviceCarry(ctx, req.Test, sys, p, unmask, initDelay)
}

// serviceCarry reports a plan under test and carries it out otherwise,
// wording the result as Salt's running(), dead(), _enable() and
// _disable(): the boot-config comment replaces the run comment, and an
// unmask note goes last, on a line of its own.
func serviceCarry(ctx context.Context, test bool, sys initsys.System, p servicePlan, unmask bool, initDelay int) Result {
	name := p.name
	res := Result{Name: name, Result: True, Changes: map[string]any{}}
	comment, unmaskNote := "", ""
	finish := func() Result {
		if p.rootNote != "" && !strings.HasPrefix(comment, p.rootNote) {
			comment = p.rootNote + "\n" + comment
		}
		res.Comment = comment
		if unmaskNote != "" {
			res.Comment = strings.TrimPrefix(comment+"\n"+unmaskNote, "\n")
		}
		if test && len(res.Changes) > 0 {
			res.Result = None
		}
		return res
	}
	fail := func(format string, args ...any) Result {
		res.Result, comment = False, fmt.Sprintf(format, args...)
		return finish()
	}
	if p.unmask {
		res.Changes[name] = true
		if test {
			unmaskNote = fmt.Sprintf("Service %s would be unmasked", name)
		} else {
			if err := sys.Unmask(ctx, name); err != nil {
				return fail("Service %s failed to unmask: %v", name, err)
			}
			st, err := sys.Status(ctx, name)
			if err != nil {
				return fail("%v", err)
			}
			unmaskNote = fmt.Sprintf("Service %s was unmasked", name)
			// The rest of the plan is read again from the unmasked unit.
			if p, err = planService(name, p.want, st, sys.CanRun(), unmask); err != nil {
				return fail("%v", err)
			}
		}
	}
	want, st := p.want, p.st
	if want.run != nil {
		runWord := map[bool]string{true: "running", false: "dead"}
		switch {
		case p.rootNote != "":
			comment = p.rootNote
		case p.run == nil:
			comment = fmt.Sprintf("The service %s is already %s", name, runWord[st.Active])
		}
	}
	// started is Salt's "started" argument of _enable: nil when the run
	// state needed no change (or there is none), else the state now.
	var started *bool
	if p.run != nil {
		on := *p.run
		if test {
			// Salt says no more under test, not even about enable.
			comment = map[bool]string{true: "Service " + name + " is set to start", false: "Service " + name + " is set to be killed"}[on]
			res.Changes[name] = on || p.enable != nil // as _enable() will leave it
			return finish()
		}
		if st.NeedReload {
			if err := sys.DaemonReload(ctx); err != nil {
				return fail("%v", err)
			}
		}
		act, verb := sys.Start, "start"
		if !on {
			act, verb = sys.Stop, "die"
		}
		if err := act(ctx, name); err != nil {
			return fail("Service %s failed to %s: %v", name, verb, err)
		}
		serviceSleep(ctx, initDelay)
		var err error
		if st, err = serviceSettle(ctx, sys, name, on); err != nil {
			return fail("%v", err)
		}
		res.Changes[name] = st.Active
		if st.Active != on {
			return fail("Service %s failed to %s", name, verb)
		}
		now := st.Active
		started = &now
		comment = map[bool]string{true: "Started service " + name, false: "Service " + name + " was killed"}[on]
	}
	if want.enable != nil {
		on := *want.enable
		word := map[bool]string{true: "enabled", false: "disabled"}[on]
		now := "is in the desired state"
		if started != nil {
			now = map[bool]string{true: "is running", false: "is dead"}[*started]
		}
		switch {
		case st.Fixed():
			comment = strings.TrimPrefix(comment+"\n"+fmt.Sprintf("Service %s is %s: its boot config is not its own to change", name, st.EnableState), "\n")
		case p.enable == nil && want.run != nil && started == nil:
			// Salt's running() and dead() leave a settled boot config
			// unmentioned.
		case p.enable == nil:
			comment = fmt.Sprintf("Service %s is already %s, and %s", name, word, now)
		case test:
			comment = fmt.Sprintf("Service %s set to be %s", name, word)
			res.Changes[name] = true
		default:
			act := sys.Enable
			if !on {
				act = sys.Disable
			}
			if err := act(ctx, name); err != nil {
				return fail("Service %s failed to be %s: %v", name, word, err)
			}
			st, err := sys.Status(ctx, name)
			if err != nil {
				return fail("%v", err)
			}
			if st.Enabled() != on {
				return fail("Failed when setting service %s to %s at boot, and it is %s", name, map[bool]string{true: "start", false: "not start"}[on], serviceState(sys, st))
			}
			// Salt's _enable() replaces the changes with {name: True}.
			res.Changes = map[string]any{name: true}
			comment = fmt.Sprintf("Service %s has been %s, and %s", name, word, now)
		}
	}
	if started != nil && *started && initDelay > 0 {
		comment = fmt.Sprintf("%s\nDelayed return for %d seconds", comment, initDelay)
	}
	return finish()
}

// Masked makes sure a service is masked (cannot be started).
//
// Salt: runtime masks are not supported.
func serviceMasked(ctx context.Context, req *Request) Result {
	return serviceMask(ctx, req, true)
}

// Unmasked makes sure a service is not masked.
//
// Salt: runtime masks are not supported.
func serviceUnmasked(ctx context.Context, req *Request) Result {
	return serviceMask(ctx, req, false)
}

func serviceMask(ctx context.Context, req *Request, mask bool) Result {
	name := req.Name
	if err := initsys.ValidName(name); err != nil {
		return Failf(name, "argument %q: %v", "name", err)
	}
	sys, err := serviceOpen(ctx, req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	defer sys.Close()
	st, err := sys.Status(ctx, name)
	if err != nil {
		return Failf(name, "%v", err)
	}
	word := map[bool]string{true: "masked", false: "unmasked"}[mask]
	if st.Masked == mask {
		// Salt: "is already masked" but "was already unmasked".
		verb := map[bool]string{true: "is", false: "was"}[mask]
		return Result{Name: name, Result: True, Comment: fmt.Sprintf("Service %s %s already %s", name, verb, word), Changes: map[string]any{}}
	}
	// Salt's masked() and unmasked() report the mask flag's old and new value.
	changes := map[string]any{"masked": map[string]any{"old": !mask, "new": mask}}
	if req.Test {
		return Result{Name: name, Result: None, Comment: fmt.Sprintf("Service %s would be %s", name, word), Changes: changes}
	}
	act := sys.Mask
	if !mask {
		act = sys.Unmask
	}
	if err := act(ctx, name); err != nil {
		return Failf(name, "Service %s failed to be %s: %v", name, word, err)
	}
	return Result{Name: name, Result: True, Comment: fmt.Sprintf("Service %s was %s", name, word), Changes: changes}
}

// serviceModWatch is service's mod_watch: when a watched state changed,
// a running service restarts (or reloads, with reload: True), a stopped
// one that should run starts, and a service.dead one stops.
func serviceModWatch(ctx context.Context, req *Request) Result {
	name := req.Name
	a := &req.Args
	reload := a.Bool("reload", false)
	initDelay := a.Int("init_delay", 0)
	if err := a.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if err := initsys.ValidName(name); err != nil {
		return Failf(name, "argument %q: %v", "name", err)
	}
	if req.Func != "service.running" && req.Func != "service.dead" {
		return Failf(name, "Unable to trigger watch for %s", req.Func)
	}
	sys, err := serviceOpen(ctx, req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	defer sys.Close()
	st, err := sys.Status(ctx, name)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if !st.Exists {
		if req.Test {
			return Result{Name: name, Result: None, Changes: map[string]any{},
				Comment: fmt.Sprintf("Service %s not present; if created in this state run, it would have been started", name)}
		}
		return Failf(name, "The named service %s is not available", name)
	}
	var verb string
	var act func(context.Context, string) error
	switch {
	case req.Func == "service.dead" && !st.Active:
		return Result{Name: name, Result: True, Comment: "Service is already stopped", Changes: map[string]any{}}
	case req.Func == "service.dead":
		verb, act = "stopped", sys.Stop
	case st.Active && reload:
		verb, act = "reloaded", sys.Reload
	case st.Active:
		verb, act = "restarted", sys.Restart
	default:
		verb, act = "started", sys.Start
	}
	if !sys.CanRun() {
		return Result{Name: name, Result: True, Changes: map[string]any{},
			Comment: fmt.Sprintf("Service %s would be %s, but --root never starts or stops services", name, verb)}
	}
	if req.Test {
		return Result{Name: name, Result: None, Comment: "Service is set to be " + verb, Changes: map[string]any{name: true}}
	}
	if st.NeedReload {
		if err := sys.DaemonReload(ctx); err != nil {
			return Failf(name, "%v", err)
		}
	}
	if err := act(ctx, name); err != nil {
		return Result{Name: name, Result: False, Comment: fmt.Sprintf("Service %s failed to be %s: %v", name, verb, err), Changes: map[string]any{}}
	}
	serviceSleep(ctx, initDelay)
	if verb != "stopped" {
		if st, err = sys.Status(ctx, name); err != nil {
			return Failf(name, "%v", err)
		}
		if !st.Active {
			return Result{Name: name, Result: False, Comment: fmt.Sprintf("Service %s is not running after it was %s", name, verb), Changes: map[string]any{name: true}}
		}
	}
	return Result{Name: name, Result: True, Comment: "Service " + verb, Changes: map[string]any{name: true}}
}

// serviceSettle reads a service's status after a start or stop until it
// is what was asked, for as long as the init system says its scripts may
// take (initsys.Settler). systemd's jobs return when the unit is active,
// so one read does; a SysV script may return before its daemon has
// written the pid file its status reads.
func serviceSettle(ctx context.Context, sys initsys.System, name string, active bool) (initsys.Status, error) {
	var window time.Duration
	if s, ok := sys.(initsys.Settler); ok {
		window = s.SettleWindow()
	}
	wait := 20 * time.Millisecond
	deadline := time.Now().Add(window)
	for {
		st, err := sys.Status(ctx, name)
		if err != nil || st.Active == active || time.Now().After(deadline) {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}
