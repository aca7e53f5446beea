package exec

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/states"
)

// The pkg.* functions, as Salt's aptpkg module: they share the pkg
// states' backend (states.Packages) and, for install and remove, the
// states' plan and apply, so that a function and a state agree.

func init() {
	names := states.Param{Name: "names", Type: states.String, Many: true, Doc: "the packages, one an argument."}
	pkgsParam := states.Param{Name: "pkgs", Type: states.List, Doc: "a list of names (or {name: version} maps), in one package-manager call."}
	refresh := func(def bool, doc string) states.Param {
		return states.Param{Name: "refresh", Type: states.Bool, Default: def, Doc: doc}
	}
	register("pkg.list_pkgs", pkgListPkgs, "Return the installed packages and their versions.",
		states.Param{Name: "versions_as_list", Type: states.Bool, Default: false, Doc: "give each version as a list of one."})
	register("pkg.version", pkgVersion, "Return the installed version of a package (\"\" when it is not installed), or of several (or of those a glob matches: pkg.version 'lib*') as a mapping.", names,
		states.Param{Name: "versions_as_list", Type: states.Bool, Default: false, Doc: "give each version as a list (empty when the package is not installed)."})
	// Salt's pkg.version is pkg_resource.version, which formulas also
	// call by that name.
	register("pkg_resource.version", pkgVersion, "pkg.version, by the name of Salt's module behind it.", names,
		states.Param{Name: "versions_as_list", Type: states.Bool, Default: false, Doc: "give each version as a list (empty when the package is not installed)."})
	register("pkg.latest_version", pkgLatestVersion, "Return the version an install or upgrade would bring, \"\" when the installed one is the newest (a mapping for several).",
		names, refresh(true, "update the package index first."),
		states.Param{Name: "fromrepo", Type: states.String, Doc: "the release or repository to look in (apt -t)."})
	register("pkg.list_upgrades", pkgListUpgrades, "Return the packages an upgrade would bring to a newer version, and that version.",
		refresh(true, "update the package index first."),
		states.Param{Name: "dist_upgrade", Type: states.Bool, Default: true, Doc: "as apt-get dist-upgrade: with new and removed dependencies."})
	register("pkg.refresh_db", pkgRefreshDB, "Update the package index (apt-get update); True when it worked.")
	register("pkg.install", pkgInstall, "Install packages and return what changed, {name: {old, new}}: pkg.install nginx; pkg.install pkgs='[nginx, curl]'. It runs pkg.installed's code: an installed package at an acceptable version is left as it is.",
		states.Param{Name: "name", Type: states.String, Doc: "the package, when pkgs and sources are not given."},
		refresh(false, "update the package index first."),
		states.Param{Name: "version", Type: states.String, Doc: "the version of name, as pkg.installed takes it (\"1.2-1\", \">=1.2\")."},
		pkgsParam,
		states.Param{Name: "sources", Type: states.List, Doc: "a list of {name: salt://path or /abs/path} package files."},
		states.Param{Name: "fromrepo", Type: states.String, Doc: "the release or repository to install from (apt -t)."},
		states.Param{Name: "reinstall", Type: states.Bool, Default: false, Doc: "reinstall even when the version is right."},
		states.Param{Name: "install_recommends", Type: states.Bool, Default: true, Doc: "install recommended packages."})
	rm := []states.Param{
		{Name: "name", Type: states.String, Doc: "the package, when pkgs is not given."},
		pkgsParam,
	}
	register("pkg.remove", pkgRemove, "Remove packages (their configuration files stay) and return what changed.", rm...)
	register("pkg.purge", pkgPurge, "Remove packages and their configuration files, and return what changed.", rm...)
	register("pkg.upgrade", pkgUpgrade, "Upgrade every package that can be, and return what changed.",
		refresh(true, "update the package index first."),
		states.Param{Name: "dist_upgrade", Type: states.Bool, Default: false, Doc: "as apt-get dist-upgrade: with new and removed dependencies."})
	register("pkg.hold", pkgHold, "Hold packages at their version (apt-mark hold): pkg.hold nginx; pkg.hold pkgs='[a, b]'.", rm...)
	register("pkg.unhold", pkgUnhold, "Release held packages.", rm...)
}

func (c *call) packages(env *states.Env) (*states.Packages, error) {
	var runner states.PkgRunner
	if c.host.Sys != nil {
		runner = c.host.Sys.PkgRunner
	}
	return states.OpenPackages(env, c.host.Root, runner)
}

// openPkgs opens the package manager, refreshing the index first when
// the call's refresh says so.
func openPkgs(ctx context.Context, c *call, refresh bool) (*states.Packages, error) {
	p, err := c.packages(c.stateEnv())
	if err != nil {
		return nil, err
	}
	if refresh {
		if err := p.Refresh(ctx); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func pkgFail(c *call, err error) Return { return failed(fmt.Sprintf("%s: %v", c.fun, err)) }

func pkgListPkgs(ctx context.Context, c *call) Return {
	p, err := openPkgs(ctx, c, false)
	if err != nil {
		return pkgFail(c, err)
	}
	vers, _, err := p.Installed(ctx)
	if err != nil {
		return pkgFail(c, err)
	}
	out := map[string]any{}
	for n, v := range vers {
		if c.boolean("versions_as_list") {
			out[n] = []string{v}
		} else {
			out[n] = v
		}
	}
	return nested(out)
}

// oneOrMany is Salt's shape for functions of several names: the value
// for one, a mapping for more.
func oneOrMany(names []string, val map[string]string) any {
	if len(names) == 1 {
		return val[names[0]]
	}
	out := map[string]any{}
	for _, n := range names {
		out[n] = val[n]
	}
	return out
}

// pkgVersion is Salt's pkg_resource.version: each name's installed
// version ("" when it is not installed), a glob's matches by name; the
// value alone for one name that is no glob, else a mapping ({} for no
// names).
func pkgVersion(ctx context.Context, c *call) Return {
	names := c.strings("names")
	if len(names) == 0 {
		return nested(map[string]any{})
	}
	p, err := openPkgs(ctx, c, false)
	if err != nil {
		return pkgFail(c, err)
	}
	vers, _, err := p.Installed(ctx)
	if err != nil {
		return pkgFail(c, err)
	}
	asList := c.boolean("versions_as_list")
	value := func(v string, ok bool) any {
		switch {
		case asList && ok:
			return []any{v}
		case asList:
			return []any{}
		}
		return v
	}
	out := map[string]any{}
	glob := false
	for _, n := range names {
		if !strings.Contains(n, "*") {
			v, ok := vers[n]
			out[n] = value(v, ok)
			continue
		}
		glob = true
		for pkg, v := range vers {
			if fnmatch.Match(n, pkg) {
				out[pkg] = value(v, true)
			}
		}
	}
	if len(out) == 1 && !glob {
		for _, v := range out {
			return nested(v)
		}
	}
	return nested(out)
}

func pkgLatestVersion(ctx context.Context, c *call) Return {
	names := c.strings("names")
	if len(names) == 0 {
		return failed("pkg.latest_version: name a package")
	}
	p, err := openPkgs(ctx, c, c.boolean("refresh"))
	if err != nil {
		return pkgFail(c, err)
	}
	vers, _, err := p.Installed(ctx)
	if err != nil {
		return pkgFail(c, err)
	}
	cand, err := p.Candidates(ctx, names, c.str("fromrepo"))
	if err != nil {
		return pkgFail(c, err)
	}
	out := map[string]string{}
	for _, n := range names {
		cur, ok := vers[n]
		if cv := cand[n]; cv != "" && (!ok || p.Newer(cv, cur)) {
			out[n] = cv
		} else {
			out[n] = ""
		}
	}
	return nested(oneOrMany(names, out))
}

func pkgListUpgrades(ctx context.Context, c *call) Return {
	p, err := openPkgs(ctx, c, c.boolean("refresh"))
	if err != nil {
		return pkgFail(c, err)
	}
	changes, err := p.Upgrade(ctx, c.boolean("dist_upgrade"), true)
	if err != nil {
		return pkgFail(c, err)
	}
	out := map[string]any{}
	for _, ch := range changes {
		if ch.Old != "" && ch.New != "" {
			out[ch.Name] = ch.New
		}
	}
	return nested(out)
}

func pkgRefreshDB(ctx context.Context, c *call) Return {
	if _, err := openPkgs(ctx, c, true); err != nil {
		return pkgFail(c, err)
	}
	return nested(true)
}

// changesValue is a changes map as the functions return it.
func changesValue(cs []states.PkgChange) map[string]any {
	out := map[string]any{}
	for _, ch := range cs {
		out[ch.Name] = map[string]any{"old": ch.Old, "new": ch.New}
	}
	return out
}

func pkgUpgrade(ctx context.Context, c *call) Return {
	p, err := openPkgs(ctx, c, c.boolean("refresh"))
	if err != nil {
		return pkgFail(c, err)
	}
	changes, err := p.Upgrade(ctx, c.boolean("dist_upgrade"), false)
	if err != nil {
		return Return{Value: fmt.Sprintf("pkg.upgrade: %v (changes: %v)", err, changesValue(changes)), Retcode: RetError, Out: "nested"}
	}
	return nested(changesValue(changes))
}

// pkgState runs a pkg state for a function and returns its changes, or
// its comment as the error.
func pkgState(ctx context.Context, c *call, fun string, args map[string]any) Return {
	if !c.has("name") && !c.has("pkgs") && !c.has("sources") {
		return failed(c.fun + ": name a package, or give pkgs (or sources)")
	}
	for _, k := range []string{"pkgs", "sources", "version", "fromrepo", "reinstall", "install_recommends", "refresh"} {
		if v, ok := c.kw[k]; ok && v != nil {
			args[k] = v
		}
	}
	name := c.str("name")
	if name == "" {
		// pkgs or sources stand for name: the state's name is a label.
		name = c.fun
	}
	env := c.stateEnv()
	if _, err := c.packages(env); err != nil {
		return pkgFail(c, err)
	}
	res := states.RunPkgState(ctx, env, c.host.Root, fun, name, args)
	if res.Result == states.False {
		return failed(fmt.Sprintf("%s: %s", c.fun, res.Comment))
	}
	if res.Changes == nil {
		res.Changes = map[string]any{}
	}
	return nested(res.Changes)
}

func pkgInstall(ctx context.Context, c *call) Return {
	return pkgState(ctx, c, "pkg.installed", map[string]any{})
}

func pkgRemove(ctx context.Context, c *call) Return {
	return pkgState(ctx, c, "pkg.removed", map[string]any{})
}

func pkgPurge(ctx context.Context, c *call) Return {
	return pkgState(ctx, c, "pkg.purged", map[string]any{})
}

// pkgNames reads name or pkgs.
func pkgNames(c *call) ([]string, error) {
	if !c.has("pkgs") {
		if n := c.str("name"); n != "" {
			return []string{n}, nil
		}
		return nil, errors.New("name a package, or give pkgs")
	}
	var out []string
	for _, v := range c.kw["pkgs"].([]any) {
		switch t := v.(type) {
		case string:
			out = append(out, t)
		case map[string]any:
			for k := range t {
				out = append(out, k)
			}
		default:
			return nil, &states.ArgError{Func: c.fun, Arg: "pkgs", Err: fmt.Errorf("want names, got %v", v)}
		}
	}
	return out, nil
}

// pkgSetHold is pkg.hold and pkg.unhold, with Salt's return: per
// package, name, changes, result and comment.
func pkgSetHold(ctx context.Context, c *call, hold bool) Return {
	names, err := pkgNames(c)
	if err != nil {
		return pkgFail(c, err)
	}
	for _, n := range names {
		if n == "" || strings.HasPrefix(n, "-") || strings.ContainsAny(n, " \t\n=") {
			return pkgFail(c, &states.ArgError{Func: c.fun, Arg: "name", Err: fmt.Errorf("%q is not a package name", n)})
		}
	}
	p, err := openPkgs(ctx, c, false)
	if err != nil {
		return pkgFail(c, err)
	}
	changed, already, missing, err := p.SetHold(ctx, names, hold)
	if err != nil {
		return pkgFail(c, err)
	}
	sel := map[bool]string{true: "hold", false: "install"}[hold]
	out := map[string]any{}
	for _, n := range changed {
		comment := map[bool]string{true: "Package %s is now being held.", false: "Package %s is no longer being held."}[hold]
		out[n] = map[string]any{"name": n, "result": true, "comment": fmt.Sprintf(comment, n),
			"changes": map[string]any{"old": map[bool]string{true: "install", false: "hold"}[hold], "new": sel}}
	}
	for _, n := range already {
		comment := map[bool]string{true: "Package %s is already set to be held.", false: "Package %s is already set not to be held."}[hold]
		out[n] = map[string]any{"name": n, "result": true, "comment": fmt.Sprintf(comment, n), "changes": map[string]any{}}
	}
	sort.Strings(missing)
	for _, n := range missing {
		out[n] = map[string]any{"name": n, "result": false, "comment": fmt.Sprintf("Package %s not currently held.", n), "changes": map[string]any{}}
		if hold {
			out[n].(map[string]any)["comment"] = fmt.Sprintf("Package %s not installed.", n)
		}
	}
	ret := nested(out)
	if len(missing) > 0 {
		ret.Retcode = RetError
	}
	return ret
}

func pkgHold(ctx context.Context, c *call) Return { return pkgSetHold(ctx, c, true) }

func pkgUnhold(ctx context.Context, c *call) Return { return pkgSetHold(ctx, c, false) }
