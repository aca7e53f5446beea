package exec

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// The service.* functions, as Salt's systemd_service module: they share
// the service states' init system (systemd over D-Bus, SysV scripts, or
// the image's unit folders under --root, where nothing is started). What
// Salt's module raises (a start that fails, with systemctl's words) is
// the function's error; what it returns False for is False.

func init() {
	name := states.Param{Name: "name", Type: states.String, Required: true, Doc: `the service, "nginx" or "nginx.service".`}
	runtime := states.Param{Name: "runtime", Type: states.Bool, Default: false, Doc: "the runtime mask (in /run, until reboot) instead of the indefinite one."}
	noBlock := states.Param{Name: "no_block", Type: states.Bool, Default: false, Doc: "accepted; brine waits for systemd's job either way."}
	unmask := states.Param{Name: "unmask", Type: states.Bool, Default: false, Doc: "remove the indefinite mask first."}
	unmaskRuntime := states.Param{Name: "unmask_runtime", Type: states.Bool, Default: false, Doc: "remove the runtime mask first."}
	register("service.status", serviceStatus, "Return True when the service runs (systemctl is-active); with a glob (ssh*), a mapping of the matching services of get_all.", name,
		states.Param{Name: "sig", Type: states.Any, Doc: "accepted and ignored, as Salt's systemd module does."})
	register("service.start", serviceStart, "Start a service; True, or the error systemctl gives.", name, noBlock, unmask, unmaskRuntime)
	register("service.stop", serviceStop, "Stop a service; True when it stopped, else False.", name, noBlock)
	register("service.restart", serviceRestart, "Restart a service; True, or the error systemctl gives.", name, noBlock, unmask, unmaskRuntime)
	register("service.reload", serviceReload, "Reload a service's configuration; True, or the error systemctl gives.", name, noBlock, unmask, unmaskRuntime)
	register("service.force_reload", serviceForceReload, "Reload a running service, or restart one that cannot reload; True, or the error systemctl gives.", name, noBlock, unmask, unmaskRuntime)
	register("service.enable", serviceEnable, "Make a service start at boot; True, or the error systemctl gives (an init script: False when it failed).", name, noBlock, unmask, unmaskRuntime)
	register("service.disable", serviceDisable, "Make a service not start at boot; True when that worked, else False.", name, noBlock)
	register("service.enabled", serviceEnabled, "Return True when the service counts as enabled: systemctl is-enabled exits 0 (enabled, static, indirect, generated, alias).", name)
	register("service.disabled", serviceDisabled, "Return the opposite of service.enabled.", name)
	register("service.available", serviceAvailable, "Return True when systemd knows the service (a unit file, a mask, or an init script).", name)
	register("service.missing", serviceMissing, "Return the opposite of service.available.", name)
	register("service.masked", serviceMasked, "Return True when the service is masked: the indefinite mask, or with runtime the runtime one.", name, runtime)
	register("service.mask", serviceMask, "Mask a service (with runtime, until reboot); True.", name, runtime)
	register("service.unmask", serviceUnmask, "Remove a service's mask (with runtime, the runtime one); True.", name, runtime)
	register("service.get_all", serviceGetAll, "Return every service, sorted: the unit files (services without .service, other units whole) and the init scripts no unit file shadows.")
	register("service.get_running", serviceGetRunning, "Return the units running now, sorted.")
	register("service.get_enabled", serviceGetEnabled, "Return the enabled unit files and init scripts, sorted.")
	register("service.get_disabled", serviceGetDisabled, "Return the disabled unit files and init scripts, sorted.")
	register("service.get_static", serviceGetStatic, "Return the static unit files, sorted.")
	register("service.show", serviceShow, "Return the unit's properties (systemctl show) as a mapping: lists for Before, After and Wants, mappings for {…} values.", name)
	register("service.systemctl_reload", serviceSystemctlReload, "Make systemd read changed unit files (daemon-reload); True.")
}

// withInit opens the init system and runs fn with it.
func withInit(ctx context.Context, c *call, fn func(states.InitSystem) Return) Return {
	if c.has("name") {
		if err := states.ValidServiceName(c.str("name")); err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "name", Err: err}).Error())
		}
	}
	sys, err := states.OpenInitSystem(ctx, c.stateEnv(), c.host.Root)
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	defer sys.Close()
	return fn(sys)
}

// withStatus runs fn with the service's status.
func withStatus(ctx context.Context, c *call, fn func(states.InitSystem, states.ServiceStatus) Return) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		st, err := sys.Status(ctx, c.str("name"))
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		return fn(sys, st)
	})
}

func serviceStatus(ctx context.Context, c *call) Return {
	name := c.str("name")
	// Salt's status(): a *, ? or [..] makes it a glob over get_all.
	glob := strings.ContainsAny(name, "*?") || (strings.Contains(name, "[") && strings.Contains(name, "]"))
	if !glob {
		return withStatus(ctx, c, func(_ states.InitSystem, st states.ServiceStatus) Return { return nested(st.Active) })
	}
	sys, err := states.OpenInitSystem(ctx, c.stateEnv(), c.host.Root)
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	defer sys.Close()
	all, _, err := listServices(ctx, sys)
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	out := map[string]any{}
	for _, n := range all {
		if fnmatch.Match(name, n) {
			st, err := sys.Status(ctx, n)
			out[n] = err == nil && st.Active
		}
	}
	return nested(out)
}

// unmaskFirst is _check_unmask of Salt's start, restart and reload.
func unmaskFirst(ctx context.Context, c *call, sys states.InitSystem) error {
	for _, runtime := range []bool{false, true} {
		arg := map[bool]string{false: "unmask", true: "unmask_runtime"}[runtime]
		if !c.boolean(arg) {
			continue
		}
		st, err := sys.Status(ctx, c.str("name"))
		if err != nil {
			return err
		}
		if st.MaskLinks.Has(runtime) {
			if err := sys.Unmask(ctx, c.str("name"), runtime); err != nil {
				return fmt.Errorf("Failed to unmask service '%s'", c.str("name"))
			}
		}
	}
	return nil
}

// act runs a start, restart, reload or force-reload: True, or systemctl's
// error, as Salt's module raises it.
func act(ctx context.Context, c *call, fn func(states.InitSystem) func(context.Context, string) error) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if !sys.CanRun() {
			return failed(fmt.Sprintf("%s: --root never starts or stops services (%v)", c.fun, states.ServiceNotRunnable))
		}
		if err := unmaskFirst(ctx, c, sys); err != nil {
			// Salt's unmask_ raises CommandExecutionError.
			return commandError(err.Error())
		}
		if err := fn(sys)(ctx, c.str("name")); err != nil {
			return systemctlRaised(c, err)
		}
		return nested(true)
	})
}

// systemctlRaised is Salt's systemd_service raising
// CommandExecutionError(_strip_scope(stderr)) when systemctl fails (start,
// restart, reload, force_reload, enable): a minion returns "ERROR: " and
// systemctl's message. Another failure (no systemctl to run) stays a
// failed call that names the function.
func systemctlRaised(c *call, err error) Return {
	var se *states.SystemctlError
	if errors.As(err, &se) {
		return commandError(err.Error())
	}
	return failed(fmt.Sprintf("%s: %v", c.fun, err))
}

func serviceStart(ctx context.Context, c *call) Return {
	return act(ctx, c, func(s states.InitSystem) func(context.Context, string) error { return s.Start })
}

func serviceRestart(ctx context.Context, c *call) Return {
	return act(ctx, c, func(s states.InitSystem) func(context.Context, string) error { return s.Restart })
}

func serviceReload(ctx context.Context, c *call) Return {
	return act(ctx, c, func(s states.InitSystem) func(context.Context, string) error { return s.Reload })
}

func serviceForceReload(ctx context.Context, c *call) Return {
	return act(ctx, c, func(s states.InitSystem) func(context.Context, string) error { return s.ForceReload })
}

// serviceStop is Salt's stop(): systemctl stop's exit status, as a bool.
func serviceStop(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if !sys.CanRun() {
			return failed(fmt.Sprintf("%s: --root never starts or stops services (%v)", c.fun, states.ServiceNotRunnable))
		}
		if err := sys.Stop(ctx, c.str("name")); err != nil {
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return nested(false)
		}
		return nested(true)
	})
}

// serviceEnable is Salt's enable(): systemctl enable's error is raised;
// an init script's update-rc.d gives a bool.
func serviceEnable(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if err := unmaskFirst(ctx, c, sys); err != nil {
			return commandError(err.Error())
		}
		if err := sys.Enable(ctx, c.str("name")); err != nil {
			var se *states.SystemctlError
			if errors.As(err, &se) {
				return systemctlRaised(c, err)
			}
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return nested(false)
		}
		return nested(true)
	})
}

func serviceDisable(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if err := sys.Disable(ctx, c.str("name")); err != nil {
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return nested(false)
		}
		return nested(true)
	})
}

func serviceEnabled(ctx context.Context, c *call) Return {
	return withStatus(ctx, c, func(_ states.InitSystem, st states.ServiceStatus) Return { return nested(st.Enabled()) })
}

func serviceDisabled(ctx context.Context, c *call) Return {
	return withStatus(ctx, c, func(_ states.InitSystem, st states.ServiceStatus) Return { return nested(!st.Enabled()) })
}

// available is Salt's _check_available: `systemctl status` knows it (a
// masked unit too).
func available(st states.ServiceStatus) bool { return st.Exists || st.Masked }

func serviceAvailable(ctx context.Context, c *call) Return {
	return withStatus(ctx, c, func(_ states.InitSystem, st states.ServiceStatus) Return { return nested(available(st)) })
}

func serviceMissing(ctx context.Context, c *call) Return {
	return withStatus(ctx, c, func(_ states.InitSystem, st states.ServiceStatus) Return { return nested(!available(st)) })
}

func serviceMasked(ctx context.Context, c *call) Return {
	return withStatus(ctx, c, func(_ states.InitSystem, st states.ServiceStatus) Return {
		return nested(st.MaskLinks.Has(c.boolean("runtime")))
	})
}

func serviceMask(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if err := sys.Mask(ctx, c.str("name"), c.boolean("runtime")); err != nil {
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return failed(fmt.Sprintf("%s: Failed to mask service '%s'", c.fun, c.str("name")))
		}
		return nested(true)
	})
}

func serviceUnmask(ctx context.Context, c *call) Return {
	return withStatus(ctx, c, func(sys states.InitSystem, st states.ServiceStatus) Return {
		runtime := c.boolean("runtime")
		if !st.MaskLinks.Has(runtime) {
			return nested(true)
		}
		if err := sys.Unmask(ctx, c.str("name"), runtime); err != nil {
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return failed(fmt.Sprintf("%s: Failed to unmask service '%s'", c.fun, c.str("name")))
		}
		return nested(true)
	})
}

func listServices(ctx context.Context, sys states.InitSystem) (all, running []string, err error) {
	l, ok := sys.(states.ServiceLister)
	if !ok {
		return nil, nil, errors.New("this init system cannot list its services")
	}
	return l.Services(ctx)
}

func serviceGetAll(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		all, _, err := listServices(ctx, sys)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		return nested(all)
	})
}

func serviceGetRunning(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		_, running, err := listServices(ctx, sys)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		return nested(running)
	})
}

// byState is Salt's get_enabled, get_disabled and get_static: the unit
// files whose list-unit-files state is state, and (but for static) the
// init scripts no unit file shadows, by their rc links.
func byState(ctx context.Context, c *call, state string) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		l, ok := sys.(states.ServiceLister)
		if !ok {
			return failed(c.fun + ": this init system cannot list its services")
		}
		files, scripts, err := l.UnitFiles(ctx)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		set := map[string]bool{}
		for _, f := range files {
			if n, ok := states.SaltUnitName(f.Name); ok && f.State == state {
				set[n] = true
			}
		}
		if state != "static" {
			for n, on := range scripts {
				if on == (state == "enabled") {
					set[n] = true
				}
			}
		}
		out := make([]string, 0, len(set))
		for n := range set {
			out = append(out, n)
		}
		sort.Strings(out)
		return nested(out)
	})
}

func serviceGetEnabled(ctx context.Context, c *call) Return  { return byState(ctx, c, "enabled") }
func serviceGetDisabled(ctx context.Context, c *call) Return { return byState(ctx, c, "disabled") }
func serviceGetStatic(ctx context.Context, c *call) Return   { return byState(ctx, c, "static") }

// serviceShow runs `systemctl show` and reads it as Salt's show() does.
func serviceShow(ctx context.Context, c *call) Return {
	name := c.str("name")
	if err := states.ValidServiceName(name); err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "name", Err: err}).Error())
	}
	if !rootfs.Live(c.host.Root) {
		return failed(c.fun + ": systemctl show needs a running systemd, not --root")
	}
	out, err := exec.CommandContext(ctx, "systemctl", "show", "--", states.UnitName(name)).Output()
	if err != nil {
		return failed(fmt.Sprintf("%s: systemctl show %s: %v", c.fun, name, err))
	}
	return nested(parseShow(string(out)))
}

// parseShow reads `systemctl show` output as Salt's show() does: KEY=VALUE
// lines; a value in braces is a mapping of its "k=v ; k=v" items (only
// the first "=" of an item splits it), Before, After and Wants are lists,
// the rest strings.
func parseShow(out string) map[string]any {
	ret := map[string]any{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		key, value, _ := strings.Cut(line, "=")
		switch {
		case strings.HasPrefix(value, "{"):
			value = strings.NewReplacer("{", "", "}", "").Replace(value)
			m := map[string]any{}
			for _, item := range strings.Split(value, " ; ") {
				parts := strings.Split(item, "=")
				if len(parts) < 2 {
					// Salt's comps[1] would raise here; a bare word keeps an
					// empty value instead.
					m[strings.TrimSpace(parts[0])] = ""
					continue
				}
				m[strings.TrimSpace(parts[0])] = strings.TrimSpace(parts[1])
			}
			ret[key] = m
		case key == "Before" || key == "After" || key == "Wants":
			ret[key] = strings.Fields(value)
		default:
			ret[key] = value
		}
	}
	return ret
}

func serviceSystemctlReload(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if err := sys.DaemonReload(ctx); err != nil {
			return failed(fmt.Sprintf("%s: Problem performing systemctl daemon-reload: %v", c.fun, err))
		}
		return nested(true)
	})
}
