package states

import (
	"context"
	"strings"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// Removed makes sure packages are not installed; their configuration
// files may stay.
//
// Salt: test=True reports the changes the real run would make, packages
// removed along with the targets included.
func pkgRemoved(ctx context.Context, req *Request) Result {
	return pkgUninstall(ctx, req, false)
}

// Purged makes sure packages are not installed and that their
// configuration files are gone too.
//
// Salt: test=True reports the changes the real run would make.
func pkgPurged(ctx context.Context, req *Request) Result {
	return pkgUninstall(ctx, req, true)
}

func pkgUninstall(ctx context.Context, req *Request, purge bool) Result {
	targets, err := pkgTargets(req)
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
	present := func(p pkgbackend.Pkg) bool {
		if purge {
			return p.Present()
		}
		return p.Installed()
	}
	var names []string
	for _, t := range targets {
		if p, ok := before[t.name]; ok && present(p) && t.spec.Match(p.Version, r.be.Compare) {
			names = append(names, t.name)
		}
	}
	action := "removed"
	if purge {
		action = "purged"
	}
	if len(names) == 0 {
		c := "None of the targeted packages are installed"
		if purge {
			c += " or partially installed"
		}
		return Result{Name: req.Name, Result: True, Comment: c, Changes: map[string]any{}}
	}
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	if req.Test {
		sim, err := r.be.Remove(ctx, names, purge, true)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		res.Changes = pkgChanges(pkgNormalize(sim, before, purge, nil))
		res.Result = None
		res.Comment = "The following packages will be " + action + ": " + pkgJoin(names) + "."
		return res
	}
	_, rerr := r.be.Remove(ctx, names, purge, false)
	after, err := r.reread(ctx)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	res.Changes = pkgChanges(pkgbackend.Diff(before, after, purge))
	var failed []string
	for _, n := range names {
		if p, ok := after[n]; ok && present(p) {
			failed = append(failed, n)
		}
	}
	verb := strings.TrimSuffix(action, "d")
	switch {
	case rerr != nil:
		res.Result = False
		res.Comment = "An error was encountered while " + strings.TrimSuffix(verb, "e") + "ing package(s): " + rerr.Error()
	case len(failed) > 0:
		res.Result = False
		res.Comment = "The following packages failed to " + verb + ": " + pkgJoin(failed) + "."
	default:
		res.Comment = "All targeted packages were " + action + "."
	}
	return res
}
