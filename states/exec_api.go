package states

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/brine-cm/brine/states/internal/initsys"
	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// What the pkg.* and service.* execution functions (pkg/exec) use of
// the pkg and service states: the same backend and init system, opened
// the same way, so that a function and a state agree on every fact.

// PkgRunner runs the package manager's commands (argv, never a shell).
// Unit tests give a fake one; nil is the real one.
type PkgRunner = pkgbackend.Runner

// PkgCmd is one package-manager command.
type PkgCmd = pkgbackend.Cmd

// PkgChange is one package's move: Old empty for a new package, New
// empty for a removed one.
type PkgChange = pkgbackend.Change

// InitSystem is the init system of a host or image.
type InitSystem = initsys.System

// ServiceStatus is what the init system says of one service.
type ServiceStatus = initsys.Status

// ErrUnsupported is a function the package manager or init system does
// not offer.
var ErrUnsupported = errors.New("not supported here")

// Packages is the package manager of a host, or of the image under
// --root, for the pkg.* functions.
type Packages struct{ r *pkgRun }

// OpenPackages opens the package manager that pkg states would use with
// env and root. A runner replaces its commands (unit tests).
func OpenPackages(env *Env, root string, runner PkgRunner) (*Packages, error) {
	if env.Cache == nil {
		env.Cache = &RunCache{}
	}
	req := &Request{Root: root, Env: env}
	if runner != nil {
		if _, err := env.Cache.Load(pkgCacheKey("backend", root), func() (any, error) {
			family := pkgbackend.OSFamily(root)
			if family == "" {
				family, _ = env.Grains["os_family"].(string)
			}
			return pkgbackend.New(family, root, runner)
		}); err != nil {
			return nil, err
		}
	}
	r, err := pkgOpen(req)
	if err != nil {
		return nil, err
	}
	return &Packages{r: r}, nil
}

// Installed returns the installed packages' versions, and whether each
// is held.
func (p *Packages) Installed(ctx context.Context) (versions map[string]string, held map[string]bool, err error) {
	db, err := p.r.reread(ctx)
	if err != nil {
		return nil, nil, err
	}
	versions, held = map[string]string{}, map[string]bool{}
	for name, pk := range db {
		if pk.Installed() {
			versions[name] = pk.Version
			held[name] = pk.Held()
		}
	}
	return versions, held, nil
}

// Refresh updates the package index (apt-get update).
func (p *Packages) Refresh(ctx context.Context) error { return p.r.be.Refresh(ctx) }

// Candidates returns what an install of each name would pick ("" for a
// package no repository has).
func (p *Packages) Candidates(ctx context.Context, names []string, fromrepo string) (map[string]string, error) {
	avail, err := p.r.be.Available(ctx, names, fromrepo)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		out[n] = avail[n].Candidate
	}
	return out, nil
}

// Newer reports whether version a is newer than b, in the package
// manager's order.
func (p *Packages) Newer(a, b string) bool { return p.r.be.Compare(a, b) > 0 }

// Upgrade upgrades every package that can be (dist: with new and removed
// dependencies, as apt-get dist-upgrade), or under simulate reports what
// it would do. The changes are the database's before and after, or the
// simulation's against the database.
func (p *Packages) Upgrade(ctx context.Context, dist, simulate bool) ([]PkgChange, error) {
	up, ok := p.r.be.(pkgbackend.Upgrader)
	if !ok {
		return nil, fmt.Errorf("upgrade with %s: %w", p.r.be.Name(), ErrUnsupported)
	}
	before, err := p.r.reread(ctx)
	if err != nil {
		return nil, err
	}
	if simulate {
		sim, err := up.Upgrade(ctx, dist, true)
		if err != nil {
			return nil, err
		}
		return pkgNormalize(sim, before, false, nil), nil
	}
	_, uerr := up.Upgrade(ctx, dist, false)
	after, err := p.r.reread(ctx)
	if err != nil {
		return nil, err
	}
	return pkgbackend.Diff(before, after, false), uerr
}

// SetHold holds or releases names; it returns the names whose hold
// changed, those already so, and those not installed.
func (p *Packages) SetHold(ctx context.Context, names []string, hold bool) (changed, already, missing []string, err error) {
	db, err := p.r.reread(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, n := range names {
		pk, ok := db[n]
		switch {
		case !ok || !pk.Present():
			missing = append(missing, n)
		case pk.Held() == hold:
			already = append(already, n)
		default:
			changed = append(changed, n)
		}
	}
	if len(changed) > 0 {
		if err := p.r.be.SetHold(ctx, changed, hold); err != nil {
			return nil, nil, nil, err
		}
		p.r.cache.Forget(pkgCacheKey("db", p.r.req.Root))
	}
	sort.Strings(changed)
	return changed, already, missing, nil
}

// UseInitSystem makes the service states and functions of env's run, on
// root, use open for the init system (unit tests).
func UseInitSystem(env *Env, root string, open func(ctx context.Context) (InitSystem, error)) {
	if env.Cache == nil {
		env.Cache = &RunCache{}
	}
	_, _ = env.Cache.Load(serviceCacheKey(root), func() (any, error) { return serviceOpener(open), nil })
}

// OpenInitSystem opens the init system the service states would use with
// env and root: systemd over D-Bus, SysV scripts, or the image's unit
// folders under --root, where nothing runs.
func OpenInitSystem(ctx context.Context, env *Env, root string) (InitSystem, error) {
	return serviceOpen(ctx, &Request{Root: root, Env: env})
}

// ValidServiceName checks a service name as the service states do.
func ValidServiceName(name string) error { return initsys.ValidName(name) }

// ServiceNotRunnable is the error of a start or stop under --root.
var ServiceNotRunnable = initsys.ErrNotRunnable

// RunPkgState runs a pkg state (pkg.installed, pkg.removed, pkg.purged)
// for an execution function: the same plan and apply, with its arguments
// checked as an SLS's are.
func RunPkgState(ctx context.Context, env *Env, root, fun, name string, args map[string]any) Result {
	fn, err := Lookup(fun)
	if err != nil {
		return Failf(name, "%v", err)
	}
	return fn(ctx, &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Root: root, Env: env})
}

// ServiceLister is an init system that lists its services.
type ServiceLister = initsys.Lister

// SystemctlError is a job systemd refused or that failed, worded as
// systemctl words it.
type SystemctlError = initsys.SystemctlError

// SaltUnitName is a unit as Salt's service functions list it: a service
// without ".service", another unit whole; ok is false for the unit types
// Salt leaves out.
func SaltUnitName(unit string) (string, bool) { return initsys.SaltUnitName(unit) }

// UnitName is name as a systemd unit: "nginx" becomes "nginx.service".
func UnitName(name string) string { return initsys.UnitName(name) }

// UnitFile is one line of `systemctl list-unit-files`.
type UnitFile = initsys.UnitFile
