package states

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/brine-cm/brine/states/internal/initsys"
)

func init() {
	enable := Param{Name: "enable", Type: Bool, Doc: "True enables it at boot, False disables it; unset leaves the boot config alone."}
	sig := Param{Name: "sig", Type: Any, Doc: "accepted, as Salt's: systemd's status does not look for a process."}
	noBlock := Param{Name: "no_block", Type: Bool, Default: false, Doc: "accepted; brine waits for systemd's job either way."}
	timeout := Param{Name: "timeout", Type: Any, Doc: "accepted and ignored: Salt uses it on Windows only."}
	typo := Param{Name: "enabled", Type: Any, Doc: `a mistake for enable: the state fails and says so, as Salt's does.`}
	unmaskRuntime := Param{Name: "unmask_runtime", Type: Bool, Default: false, Doc: "remove a runtime mask (one until reboot) first; with unmask too, service.running's unmask note is about that mask."}
	Register("service.running", serviceRunning,
		Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service" (any unit type).`},
		enable,
		Param{Name: "reload", Type: Bool, Default: false, Doc: "on a watch, reload instead of restart."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "with reload, a watch force-reloads (reload, or restart if it cannot)."},
		Param{Name: "full_restart", Type: Bool, Default: false, Doc: "accepted: systemd has no full restart, so a watch restarts, as Salt's does."},
		Param{Name: "init_delay", Type: Int, Default: 0, Doc: "seconds to wait after starting it before checking it runs."},
		Param{Name: "unmask", Type: Bool, Default: false, Doc: "remove the indefinite mask before starting it (else a masked one fails to start)."},
		unmaskRuntime, sig, noBlock, timeout, typo,
		saltKwargs,
	)
	Register("service.dead", serviceDead,
		Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service".`},
		enable,
		Param{Name: "init_delay", Type: Int, Default: 0, Doc: "seconds to wait after stopping it before checking."},
		sig, noBlock, timeout, typo,
		saltKwargs,
	)
	Register("service.enabled", serviceEnabled, Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service".`},
		Param{Name: "unmask", Type: Bool, Default: false, Doc: "remove the indefinite mask before enabling it (else a masked one fails)."},
		unmaskRuntime, noBlock, saltKwargs)
	Register("service.disabled", serviceDisabled, Param{Name: "name", Type: String, Doc: `the service, "nginx" or "nginx.service".`}, noBlock, saltKwargs)
	runtime := Param{Name: "runtime", Type: Bool, Default: false, Doc: "manage the runtime mask (in /run, until reboot) instead of the indefinite one (in /etc); each is managed on its own."}
	Register("service.masked", serviceMasked, Param{Name: "name", Type: String, Doc: `the unit, "nginx" or "nginx.service".`}, runtime)
	Register("service.unmasked", serviceUnmasked, Param{Name: "name", Type: String, Doc: `the unit, "nginx" or "nginx.service".`}, runtime)
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
// A unit that fails to start fails the state with systemctl's own words
// ("Job for x.service failed because…", "Unit x.service is masked."), as
// Salt's comment is. Static, indirect, generated and alias units count as
// enabled, as `systemctl is-enabled` and Salt say.
//
// Salt: no_block is accepted and brine still waits for systemd's job; a
// dry run does not reload systemd for a changed unit file (Salt's status()
// does, test=True or not).
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
// is left alone. A static unit (no [Install] section) is already enabled.
//
// Salt: none.
func serviceEnabled(ctx context.Context, req *Request) Result {
	on := true
	return serviceApply(ctx, req, serviceWant{enable: &on})
}

// Disabled makes sure a service does not start at boot; whether it
// runs now is left alone. As with Salt, a static unit cannot be disabled:
// the state says it "has been disabled" each run, with no changes.
//
// Salt: none.
func serviceDisabled(ctx context.Context, req *Request) Result {
	off := false
	return serviceApply(ctx, req, serviceWant{enable: &off})
}

func joinLines(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

// serviceOpts are the arguments running() and dead() share.
type serviceOpts struct {
	initDelay             int
	unmask, unmaskRuntime bool
}

func serviceApply(ctx context.Context, req *Request, want serviceWant) Result {
	a := &req.Args
	opts := serviceOpts{initDelay: a.Int("init_delay", 0), unmask: a.Bool("unmask", false), unmaskRuntime: a.Bool("unmask_runtime", false)}
	for _, k := range []string{"reload", "force", "full_restart", "no_block"} {
		a.Bool(k, false) // read for the watch; checked here for their type
	}
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := req.Name
	if want.run != nil && a.Has("enabled") {
		// Salt's _enabled_used_error: a common mistake, failed early.
		return Failf(name, `Service %s uses non-existent option "enabled".  Perhaps "enable" option was intended?`, name)
	}
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
		return serviceMissing(name, want, req.Test)
	}
	if !sys.CanRun() {
		return serviceOffline(ctx, req.Test, sys, name, want, st, opts)
	}
	if st.NeedReload && !req.Test {
		// Salt's status() reloads systemd when the unit file changed.
		if err := sys.DaemonReload(ctx); err != nil {
			return Failf(name, "%v", err)
		}
	}
	switch {
	case want.run == nil:
		res := Result{Name: name, Result: True, Changes: map[string]any{}}
		serviceBoot(ctx, req.Test, sys, name, *want.enable, nil, True, opts).apply(&res)
		return res
	case *want.run:
		return serviceStart(ctx, req.Test, sys, name, want, st, opts)
	}
	return serviceStop(ctx, req.Test, sys, name, want, st, opts)
}

// serviceMissing is Salt's answer for a service _available() does not
// find: a dry run allows that an earlier state may bring it, and only
// running() and enabled() fail on it.
func serviceMissing(name string, want serviceWant, test bool) Result {
	res := Result{Name: name, Result: True, Changes: map[string]any{},
		Comment: fmt.Sprintf("The named service %s is not available", name)}
	would, fails := "disabled", false
	switch {
	case want.run != nil && *want.run:
		would, fails = "started", true
	case want.run != nil:
		would = "stopped"
	case *want.enable:
		would, fails = "enabled", true
	}
	switch {
	case test && would != "disabled":
		res.Result = None
		res.Comment = fmt.Sprintf("Service %s not present; if created in this state run, it would have been %s", name, would)
	case fails:
		res.Result = False
	}
	return res
}

// serviceOffline: under --root nothing runs; the run state is noted and
// the boot config set.
func serviceOffline(ctx context.Context, test bool, sys initsys.System, name string, want serviceWant, st initsys.Status, opts serviceOpts) Result {
	res := Result{Name: name, Result: True, Changes: map[string]any{}}
	note := ""
	switch {
	case want.run != nil && *want.run:
		note = fmt.Sprintf("Service %s is not started: --root never starts or stops services", name)
	case want.run != nil:
		note = fmt.Sprintf("The service %s is already dead", name)
	}
	if want.enable == nil || (want.run != nil && st.Enabled() == *want.enable) {
		// running() and dead() leave a settled boot config unmentioned.
		res.Comment = note
		return res
	}
	serviceBoot(ctx, test, sys, name, *want.enable, nil, True, opts).apply(&res)
	if want.run != nil && *want.run {
		// The --root note stays; a dead service's comment is replaced by
		// _disable()'s, as Salt's dead() does with one already stopped.
		res.Comment = joinLines(note, res.Comment)
	}
	return res
}

// serviceToggles reports whether enabling (or disabling) changes what
// `systemctl is-enabled` says: disabling a static, indirect, generated or
// alias unit does not, nor one enabled in /run only (a disable removes
// the links in /etc), and Salt then reports no change.
func serviceToggles(st initsys.Status, on bool) bool {
	return on || !st.Enabled() || st.EnableState == "enabled"
}

// bootUpdate is what Salt's _enable() and _disable() return, which the
// caller merges into its result (ret.update): the result and comment
// replace the caller's, and the changes too when set (non-nil).
type bootUpdate struct {
	result  Outcome
	comment string
	changes map[string]any
}

func (u bootUpdate) apply(res *Result) {
	res.Result, res.Comment = u.result, u.comment
	if u.changes != nil {
		res.Changes = u.changes
	}
}

// serviceBoot is Salt's _enable(name, started, result) and
// _disable(...): started is the run state after running() or dead()
// acted, nil when they did not.
func serviceBoot(ctx context.Context, test bool, sys initsys.System, name string, on bool, started *bool, result Outcome, opts serviceOpts) bootUpdate {
	st, err := sys.Status(ctx, name)
	if err != nil {
		return bootUpdate{result: False, comment: err.Error()}
	}
	word := map[bool]string{true: "enabled", false: "disabled"}[on]
	now := "is in the desired state"
	if started != nil {
		now = map[bool]string{true: "is running", false: "is dead"}[*started]
	}
	if st.Enabled() == on {
		u := bootUpdate{result: result, comment: fmt.Sprintf("Service %s is already %s, and %s", name, word, now)}
		if started == nil {
			u.changes = map[string]any{}
		}
		return u
	}
	if test {
		// Salt reports no changes here; brine predicts the real run's.
		u := bootUpdate{result: None, comment: fmt.Sprintf("Service %s set to be %s", name, word), changes: map[string]any{}}
		if serviceToggles(st, on) {
			u.changes[name] = true
		}
		return u
	}
	act := sys.Enable
	if !on {
		act = sys.Disable
	} else if err := serviceCheckUnmask(ctx, sys, name, opts); err != nil {
		// Salt's enable() takes unmask and unmask_runtime too.
		return serviceBootFailed(name, on, started, err)
	}
	if err := act(ctx, name); err != nil {
		return serviceBootFailed(name, on, started, err)
	}
	after, err := sys.Status(ctx, name)
	if err != nil {
		return bootUpdate{result: False, comment: err.Error()}
	}
	u := bootUpdate{result: result, changes: map[string]any{}, comment: fmt.Sprintf("Service %s has been %s, and %s", name, word, now)}
	if after.Enabled() != st.Enabled() {
		u.changes[name] = true
	}
	return u
}

// serviceBootFailed words a failed enable or disable as Salt's _enable()
// and _disable() do; an enable's error follows (Salt's raises it).
func serviceBootFailed(name string, on bool, started *bool, err error) bootUpdate {
	var c string
	switch {
	case on && started == nil:
		c = fmt.Sprintf("Failed when setting service %s to start at boot, but the service was already running", name)
	case on && *started:
		c = fmt.Sprintf("Failed when setting service %s to start at boot, but the service is running", name)
	case on:
		c = fmt.Sprintf("Failed when setting service %s to start at boot, and the service is dead", name)
	case started == nil:
		c = fmt.Sprintf("Failed when setting service %s to not start at boot, but the service was already running", name)
	case *started:
		c = fmt.Sprintf("Failed when setting service %s to not start at boot, and is running", name)
	default:
		c = fmt.Sprintf("Failed when setting service %s to not start at boot, and the service is dead", name)
	}
	if on {
		c += ". Additional information follows:\n\n" + err.Error()
	}
	return bootUpdate{result: False, comment: c}
}

// serviceUnmaskNote is Salt's unmasked(name, runtime) as running()
// calls it with unmask: True: it unmasks (outside a dry run) and returns
// its comment, which running() adds to its own.
func serviceUnmaskNote(ctx context.Context, test bool, sys initsys.System, name string, runtime bool, st initsys.Status) string {
	action := map[bool]string{false: "unmasked", true: "runtime unmasked"}[runtime]
	switch {
	case sys.Kind() == "sysv":
		return "Service masking not available on this minion"
	case !st.MaskLinks.Has(runtime):
		return fmt.Sprintf("Service %s was already %s", name, action)
	case test:
		return fmt.Sprintf("Service %s would be %s", name, action)
	}
	if err := sys.Unmask(ctx, name, runtime); err != nil {
		return err.Error()
	}
	if after, err := sys.Status(ctx, name); err != nil || after.MaskLinks.Has(runtime) {
		return fmt.Sprintf("Failed to unmask service %s", name)
	}
	return fmt.Sprintf("Service %s was %s", name, action)
}

// serviceCheckUnmask is the _check_unmask of Salt's service.start: with
// unmask the indefinite mask goes, with unmask_runtime the runtime one.
func serviceCheckUnmask(ctx context.Context, sys initsys.System, name string, opts serviceOpts) error {
	if !opts.unmask && !opts.unmaskRuntime {
		return nil
	}
	st, err := sys.Status(ctx, name)
	if err != nil {
		return err
	}
	for _, runtime := range []bool{false, true} {
		ask := map[bool]bool{false: opts.unmask, true: opts.unmaskRuntime}[runtime]
		if ask && st.MaskLinks.Has(runtime) {
			if err := sys.Unmask(ctx, name, runtime); err != nil {
				return fmt.Errorf("Failed to unmask service '%s'", name)
			}
		}
	}
	return nil
}

// serviceActErr is the comment of a start or stop that failed: Salt's
// systemd module raises systemctl's stderr, which becomes the comment;
// its SysV module returns False, worded by the state (fallback).
func serviceActErr(sys initsys.System, err error, fallback string) (string, bool) {
	if sys.Kind() == "sysv" {
		return fallback, false
	}
	return err.Error(), true
}

// serviceStart is Salt's running() on a live host.
func serviceStart(ctx context.Context, test bool, sys initsys.System, name string, want serviceWant, st initsys.Status, opts serviceOpts) Result {
	res := Result{Name: name, Result: True, Changes: map[string]any{}}
	before, beforeEn := st.Active, st.Enabled()
	unmaskNote := ""
	if opts.unmask {
		unmaskNote = serviceUnmaskNote(ctx, test, sys, name, opts.unmaskRuntime, st)
	}
	if before {
		res.Comment = joinLines(fmt.Sprintf("The service %s is already running", name), unmaskNote)
		if want.enable != nil && *want.enable != beforeEn {
			serviceBoot(ctx, test, sys, name, *want.enable, nil, True, opts).apply(&res)
		}
		return res
	}
	if test {
		res.Result = None
		res.Comment = joinLines(fmt.Sprintf("Service %s is set to start", name), unmaskNote)
		res.Changes[name] = true
		if want.enable != nil && *want.enable != beforeEn && !serviceToggles(st, *want.enable) {
			res.Changes = map[string]any{}
		}
		return res
	}
	if err := serviceCheckUnmask(ctx, sys, name, opts); err != nil {
		return Failf(name, "%v", err)
	}
	if err := sys.Start(ctx, name); err != nil {
		msg, raised := serviceActErr(sys, err, fmt.Sprintf("Service %s failed to start", name))
		res.Result, res.Comment = False, msg
		if !raised && want.enable != nil {
			off := false
			serviceBoot(ctx, false, sys, name, *want.enable, &off, False, opts).apply(&res)
		}
		return res
	}
	serviceSleep(ctx, opts.initDelay)
	after, err := serviceSettle(ctx, sys, name, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if beforeEn != after.Enabled() || before != after.Active {
		res.Changes[name] = after.Active
	}
	res.Comment = fmt.Sprintf("Started service %s", name)
	if !after.Active {
		res.Result, res.Comment = False, fmt.Sprintf("Service %s failed to start", name)
	}
	if want.enable != nil {
		serviceBoot(ctx, false, sys, name, *want.enable, &after.Active, map[bool]Outcome{true: True, false: False}[after.Active], opts).apply(&res)
	}
	if opts.initDelay > 0 {
		res.Comment = fmt.Sprintf("%s\nDelayed return for %d seconds", res.Comment, opts.initDelay)
	}
	if opts.unmask {
		res.Comment += "\n" + unmaskNote
	}
	return res
}

// serviceStop is Salt's dead() on a live host.
func serviceStop(ctx context.Context, test bool, sys initsys.System, name string, want serviceWant, st initsys.Status, opts serviceOpts) Result {
	res := Result{Name: name, Result: True, Changes: map[string]any{}}
	before, beforeEn := st.Active, st.Enabled()
	if !before {
		res.Comment = fmt.Sprintf("The service %s is already dead", name)
		if want.enable != nil && *want.enable != beforeEn {
			serviceBoot(ctx, test, sys, name, *want.enable, nil, True, opts).apply(&res)
		}
		return res
	}
	if test {
		res.Result = None
		res.Comment = fmt.Sprintf("Service %s is set to be killed", name)
		// What dead() records, then what _enable()/_disable() leave.
		res.Changes[name] = false
		if want.enable != nil && *want.enable != beforeEn {
			res.Changes = map[string]any{}
			if serviceToggles(st, *want.enable) {
				res.Changes[name] = true
			}
		}
		return res
	}
	if err := sys.Stop(ctx, name); err != nil {
		// Salt's stop() returns False; the error is only logged.
		slog.Warn("service stop failed", "service", name, "err", err)
		res.Result, res.Comment = False, fmt.Sprintf("Service %s failed to die", name)
		if want.enable != nil {
			on := true
			serviceBoot(ctx, false, sys, name, *want.enable, &on, False, opts).apply(&res)
		}
		return res
	}
	serviceSleep(ctx, opts.initDelay)
	after, err := serviceSettle(ctx, sys, name, false)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if beforeEn != after.Enabled() || before != after.Active {
		res.Changes[name] = after.Active
	}
	res.Comment = fmt.Sprintf("Service %s was killed", name)
	if after.Active {
		res.Result, res.Comment = False, fmt.Sprintf("Service %s failed to die", name)
	}
	if want.enable != nil {
		serviceBoot(ctx, false, sys, name, *want.enable, &after.Active, map[bool]Outcome{true: False, false: True}[after.Active], opts).apply(&res)
	}
	return res
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

// Masked makes sure a service is masked (cannot be started): the
// indefinite mask, or with runtime: True the one until reboot.
//
// Salt: none.
func serviceMasked(ctx context.Context, req *Request) Result {
	return serviceMask(ctx, req, true)
}

// Unmasked makes sure a service is not masked: the indefinite mask, or
// with runtime: True the runtime one.
//
// Salt: none.
func serviceUnmasked(ctx context.Context, req *Request) Result {
	return serviceMask(ctx, req, false)
}

// serviceMask is Salt's masked() and unmasked(): each mask (in /etc, or
// in /run with runtime) is read and managed on its own.
func serviceMask(ctx context.Context, req *Request, mask bool) Result {
	name := req.Name
	runtime := req.Args.Bool("runtime", false)
	if err := req.Args.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if err := initsys.ValidName(name); err != nil {
		return Failf(name, "argument %q: %v", "name", err)
	}
	sys, err := serviceOpen(ctx, req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	defer sys.Close()
	if sys.Kind() == "sysv" {
		return Failf(name, "Service masking not available on this minion")
	}
	st, err := sys.Status(ctx, name)
	if err != nil {
		return Failf(name, "%v", err)
	}
	maskType := map[bool]string{false: "masked", true: "runtime masked"}[runtime]
	word := maskType
	if !mask {
		word = map[bool]string{false: "unmasked", true: "runtime unmasked"}[runtime]
	}
	res := Result{Name: name, Result: True, Changes: map[string]any{}}
	if st.MaskLinks.Has(runtime) == mask {
		// Salt: "is already masked" but "was already unmasked".
		res.Comment = fmt.Sprintf("Service %s %s already %s", name, map[bool]string{true: "is", false: "was"}[mask], word)
		return res
	}
	changes := map[string]any{maskType: map[string]any{"old": !mask, "new": mask}}
	if req.Test {
		res.Result, res.Changes = None, changes
		res.Comment = fmt.Sprintf("Service %s would be %s", name, word)
		return res
	}
	act := sys.Mask
	if !mask {
		act = sys.Unmask
	}
	if err := act(ctx, name, runtime); err != nil {
		return Failf(name, "%v", err)
	}
	after, err := sys.Status(ctx, name)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if after.MaskLinks.Has(runtime) != mask {
		// Salt's result stays True here.
		res.Comment = fmt.Sprintf("Failed to %s service %s", map[bool]string{true: "mask", false: "unmask"}[mask], name)
		return res
	}
	res.Changes = changes
	res.Comment = fmt.Sprintf("Service %s was %s", name, word)
	return res
}

// serviceModWatch is Salt's mod_watch for service: when a watched state
// changed and the state itself changed nothing, a running service
// restarts (reloads with reload: True, force-reloads with force: True
// too), a stopped one starts, and a service.dead one that runs stops.
func serviceModWatch(ctx context.Context, req *Request) Result {
	name := req.Name
	a := &req.Args
	reload, force := a.Bool("reload", false), a.Bool("force", false)
	a.Bool("full_restart", false) // systemd has no full restart: a restart
	opts := serviceOpts{initDelay: a.Int("init_delay", 0), unmask: a.Bool("unmask", false), unmaskRuntime: a.Bool("unmask_runtime", false)}
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
	var verb, done string
	var act func(context.Context, string) error
	switch {
	case req.Func == "service.dead" && !st.Active:
		return Result{Name: name, Result: True, Comment: "Service is already stopped", Changes: map[string]any{}}
	case req.Func == "service.dead":
		verb, done, act = "stop", "stopped", sys.Stop
	case st.Active && reload && force:
		verb, done, act = "forcefully reload", "forcefully reloaded", sys.ForceReload
	case st.Active && reload:
		verb, done, act = "reload", "reloaded", sys.Reload
	case st.Active:
		verb, done, act = "restart", "restarted", sys.Restart
	default:
		verb, done, act = "start", "started", sys.Start
	}
	if !sys.CanRun() {
		return Result{Name: name, Result: True, Changes: map[string]any{},
			Comment: fmt.Sprintf("Service %s would be %s, but --root never starts or stops services", name, done)}
	}
	if req.Test {
		// Salt reports no changes here; brine predicts the real run's.
		return Result{Name: name, Result: None, Comment: "Service is set to be " + done, Changes: map[string]any{name: true}}
	}
	if st.NeedReload {
		if err := sys.DaemonReload(ctx); err != nil {
			return Failf(name, "%v", err)
		}
	}
	if verb == "start" {
		// Salt stops the service before it starts it; a stop of a stopped
		// (or missing) unit changes nothing, and its failure is ignored.
		_ = sys.Stop(ctx, name)
	}
	if verb != "stop" {
		if err := serviceCheckUnmask(ctx, sys, name, opts); err != nil {
			return Failf(name, "%v", err)
		}
	}
	if err := act(ctx, name); err != nil {
		// Salt's stop() and its SysV module return False; its systemd
		// module raises systemctl's stderr for the rest.
		if msg, raised := serviceActErr(sys, err, ""); raised && verb != "stop" {
			return Failf(name, "%s", msg)
		}
		slog.Warn("service "+verb+" failed", "service", name, "err", err)
		return Result{Name: name, Result: False, Comment: fmt.Sprintf("Failed to %s the service", verb), Changes: map[string]any{name: false}}
	}
	serviceSleep(ctx, opts.initDelay)
	return Result{Name: name, Result: True, Comment: "Service " + done, Changes: map[string]any{name: true}}
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
