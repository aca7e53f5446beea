package states

import (
	"context"
	"sort"
	"strings"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// Removed makes sure packages are not installed; their configuration
// files may stay.
//
// Salt: test=True reports the changes the real run would make, packages
// removed along with the targets included, where Salt's dry run reports
// {pkg: {new: removed, old: ""}} for the targets alone.
func pkgRemoved(ctx context.Context, req *Request) Result {
	return pkgUninstall(ctx, req, false)
}

// Purged makes sure packages are not installed and that their
// configuration files are gone too: a package removed earlier and left
// as its configuration files (dpkg's rc) is purged as well. The changes
// are Salt's aptpkg.purge shape, {installed: {pkg: {old, new}}, removed:
// {pkg: {old, new}}}, the second for the packages that were only
// configuration files.
//
// Salt: test=True reports the changes the real run would make, where
// Salt's dry run reports {pkg: {new: purged, old: ""}}.
func pkgPurged(ctx context.Context, req *Request) Result {
	return pkgUninstall(ctx, req, true)
}

// pkgUninstall is Salt's _uninstall: the installed targets whose version
// matches (_find_remove_targets), and for a purge the named packages left
// as configuration files.
func pkgUninstall(ctx context.Context, req *Request, purge bool) Result {
	targets, err := pkgTargets(req)
	normalize := req.Args.Bool("normalize", true)
	if aerr := req.Args.Err(); aerr != nil {
		return Failf(req.Name, "%v", aerr)
	}
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	r, err := pkgOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	before, err := r.db(ctx)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if normalize {
		targets = pkgNormalizeNames(targets, before)
	}
	var names []string
	versionSpec := false
	for _, t := range targets {
		p, ok := before[t.name]
		if !ok || !p.Installed() {
			continue
		}
		if !t.spec.Any() {
			versionSpec = true
			if !t.spec.Match(p.Version, r.be.Compare) {
				continue
			}
		}
		names = append(names, t.name)
	}
	if len(names) == 0 && !purge {
		c := "All specified packages are already absent"
		if versionSpec {
			c = "All specified packages (matching specified versions) are already absent"
		}
		return Result{Name: req.Name, Result: True, Comment: c, Changes: map[string]any{}}
	}
	if purge {
		for _, t := range targets {
			if p, ok := before[t.name]; ok && pkgRC(p) {
				names = append(names, t.name)
			}
		}
	}
	sort.Strings(names)
	action := "removed"
	if purge {
		action = "purged"
	}
	if len(names) == 0 {
		return Result{Name: req.Name, Result: True, Comment: "None of the targeted packages are installed or partially installed", Changes: map[string]any{}}
	}
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	if req.Test {
		sim, err := r.be.Remove(ctx, names, purge, true)
		if err != nil {
			return Failf(req.Name, "%s", pkgFailure("removing", err))
		}
		res.Changes = pkgRemoveChanges(pkgNormalize(sim, before, purge, nil), before, purge)
		res.Result = None
		res.Comment = "The following packages will be " + action + ": " + strings.Join(names, ", ") + "."
		return res
	}
	_, rerr := r.be.Remove(ctx, names, purge, false)
	after, err := r.reread(ctx)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	res.Changes = pkgRemoveChanges(pkgbackend.Diff(before, after, false), before, purge)
	if purge {
		res.Changes["removed"] = pkgChanges(pkgRCDiff(before, after))
	}
	if rerr != nil {
		res.Result = False
		res.Comment = pkgFailure("removing", rerr)
		return res
	}
	var failed, notInstalled []string
	for _, t := range targets {
		p, ok := after[t.name]
		switch {
		case ok && (p.Installed() || (purge && pkgRC(p))):
			failed = append(failed, t.name)
		case !pkgIn(names, t.name):
			notInstalled = append(notInstalled, t.name)
		}
	}
	verb := strings.TrimSuffix(action, "d")
	switch {
	case len(failed) > 0:
		res.Result = False
		res.Comment = "The following packages failed to " + verb + ": " + pkgJoin(failed) + "."
	case len(notInstalled) > 0:
		res.Comment = "The following packages were not installed: " + pkgJoin(notInstalled) + " The following packages were " + action + ": " + strings.Join(names, ", ") + "."
	default:
		res.Comment = "All targeted packages were " + action + "."
	}
	return res
}

// pkgRC reports whether only a package's configuration files are left
// (dpkg's rc): what Salt's list_pkgs(removed=True) lists.
func pkgRC(p pkgbackend.Pkg) bool { return p.Present() && !p.Installed() }

// pkgRemoveChanges shapes a removal's changes: {pkg: {old, new}} for
// pkg.removed, and aptpkg.purge's {installed: …, removed: …} for
// pkg.purged, where the packages that were only configuration files go
// under removed.
func pkgRemoveChanges(cs []pkgbackend.Change, before pkgbackend.DB, purge bool) map[string]any {
	if !purge {
		return pkgChanges(cs)
	}
	var inst, rc []pkgbackend.Change
	for _, c := range cs {
		if pkgRC(before[c.Name]) {
			rc = append(rc, c)
		} else {
			inst = append(inst, c)
		}
	}
	return map[string]any{"installed": pkgChanges(inst), "removed": pkgChanges(rc)}
}

// pkgRCDiff compares the packages left as configuration files before and
// after, as Salt's compare_dicts of list_pkgs(removed=True).
func pkgRCDiff(before, after pkgbackend.DB) []pkgbackend.Change {
	rc := func(db pkgbackend.DB) pkgbackend.DB {
		out := pkgbackend.DB{}
		for n, p := range db {
			if pkgRC(p) {
				out[n] = pkgbackend.Pkg{Name: n, Version: p.Version, State: "installed"}
			}
		}
		return out
	}
	return pkgbackend.Diff(rc(before), rc(after), false)
}
