package exec

import (
	"context"
	"errors"
	"fmt"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/states"
)

// The service.* functions, as Salt's systemd_service module: they share
// the service states' init system (systemd over D-Bus, SysV scripts, or
// the image's unit folders under --root, where nothing is started).

func init() {
	name := states.Param{Name: "name", Type: states.String, Required: true, Doc: `the service, "nginx" or "nginx.service".`}
	register("service.status", serviceStatus, "Return True when the service runs; with a glob (ssh*), a mapping of the matching services.", name,
		states.Param{Name: "sig", Type: states.Any, Doc: "accepted and ignored."})
	register("service.start", serviceStart, "Start a service; True when it started.", name)
	register("service.stop", serviceStop, "Stop a service; True when it stopped.", name)
	register("service.restart", serviceRestart, "Restart a service; True when it restarted.", name)
	register("service.reload", serviceReload, "Reload a service's configuration; True when it did.", name)
	register("service.enable", serviceEnable, "Make a service start at boot; True when it will.", name)
	register("service.disable", serviceDisable, "Make a service not start at boot; True when it will not.", name)
	register("service.enabled", serviceEnabled, "Return True when the service starts at boot.", name)
	register("service.available", serviceAvailable, "Return True when the service exists (a unit file or an init script).", name)
	register("service.get_all", serviceGetAll, "Return every service, sorted.")
	register("service.get_running", serviceGetRunning, "Return the services running now, sorted.")
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

// existing reads a service's status; a service there is none of is the
// error, as Salt's "Failed to get unit file state".
func existing(ctx context.Context, c *call, sys states.InitSystem) (states.ServiceStatus, error) {
	st, err := sys.Status(ctx, c.str("name"))
	if err != nil {
		return st, err
	}
	if !st.Exists && !st.Masked {
		return st, fmt.Errorf("Service %s not found", c.str("name"))
	}
	return st, nil
}

func serviceStatus(ctx context.Context, c *call) Return {
	name := c.str("name")
	glob := fnmatch.HasMeta(name) // Salt's _is_glob: fnmatch over every unit
	if !glob {
		if err := states.ValidServiceName(name); err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "name", Err: err}).Error())
		}
	}
	sys, err := states.OpenInitSystem(ctx, c.stateEnv(), c.host.Root)
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	defer sys.Close()
	if !glob {
		st, err := sys.Status(ctx, name)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		return nested(st.Active)
	}
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

// act runs a start, stop, restart or reload. mustWork: a failure is the
// error (Salt raises for start, restart and reload); otherwise False.
func act(ctx context.Context, c *call, verb string, mustWork bool, fn func(states.InitSystem) func(context.Context, string) error) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		if !sys.CanRun() {
			return failed(fmt.Sprintf("%s: --root never starts or stops services (%v)", c.fun, states.ServiceNotRunnable))
		}
		if _, err := existing(ctx, c, sys); err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		if err := fn(sys)(ctx, c.str("name")); err != nil {
			if mustWork {
				return failed(fmt.Sprintf("%s: failed to %s %s: %v", c.fun, verb, c.str("name"), err))
			}
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return nested(false)
		}
		return nested(true)
	})
}

func serviceStart(ctx context.Context, c *call) Return {
	return act(ctx, c, "start", true, func(s states.InitSystem) func(context.Context, string) error { return s.Start })
}

func serviceStop(ctx context.Context, c *call) Return {
	return act(ctx, c, "stop", false, func(s states.InitSystem) func(context.Context, string) error { return s.Stop })
}

func serviceRestart(ctx context.Context, c *call) Return {
	return act(ctx, c, "restart", true, func(s states.InitSystem) func(context.Context, string) error { return s.Restart })
}

func serviceReload(ctx context.Context, c *call) Return {
	return act(ctx, c, "reload", true, func(s states.InitSystem) func(context.Context, string) error { return s.Reload })
}

// boot enables or disables a service, and reports whether it now is as
// asked.
func boot(ctx context.Context, c *call, on bool) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		st, err := existing(ctx, c, sys)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		if st.Enabled() == on {
			return nested(true)
		}
		fn := sys.Enable
		if !on {
			fn = sys.Disable
		}
		if err := fn(ctx, c.str("name")); err != nil {
			c.host.Log.Warn(c.fun, "service", c.str("name"), "err", err)
			return nested(false)
		}
		st, err = sys.Status(ctx, c.str("name"))
		return nested(err == nil && st.Enabled() == on)
	})
}

func serviceEnable(ctx context.Context, c *call) Return { return boot(ctx, c, true) }

func serviceDisable(ctx context.Context, c *call) Return { return boot(ctx, c, false) }

func serviceEnabled(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		st, err := sys.Status(ctx, c.str("name"))
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		return nested(st.Enabled())
	})
}

func serviceAvailable(ctx context.Context, c *call) Return {
	return withInit(ctx, c, func(sys states.InitSystem) Return {
		st, err := sys.Status(ctx, c.str("name"))
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		return nested(st.Exists)
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
