package states

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

func init() {
	Register("pkg.held", pkgHeldState,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "pkgs", Type: StringList, Doc: "several packages."},
	)
	Register("pkg.unheld", pkgUnheldState,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "pkgs", Type: StringList, Doc: "several packages."},
	)
}

// pkgVersionlockList is where dnf's versionlock plugin keeps its locks.
const pkgVersionlockList = "/etc/dnf/plugins/versionlock.list"

// pkgParseVersionlock reads versionlock.list: "[!]name-[epoch:]version-release.arch"
// patterns, one a line; it returns the package names locked.
func pkgParseVersionlock(data []byte) map[string]bool {
	out := map[string]bool{}
	for _, l := range linesSplit(data) {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == '!' {
			continue
		}
		parts := strings.Split(l, "-")
		if len(parts) >= 3 {
			out[strings.Join(parts[:len(parts)-2], "-")] = true
		} else {
			out[l] = true
		}
	}
	return out
}

// pkgHeldNow reports which of names are held: dpkg's selection on the
// Debian family, versionlock.list on dnf.
func pkgHeldNow(ctx context.Context, r *pkgRun, req *Request, names []string) (map[string]bool, error) {
	out := map[string]bool{}
	if r.be.Name() != "dnf" {
		db, err := r.db(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			p, ok := db[n]
			if !ok || !p.Installed() {
				// dpkg would take the selection of a package it does not
				// know and drop it: a hold that never holds.
				return nil, fmt.Errorf("Package %s is not installed", n)
			}
			out[n] = p.Held()
		}
		return out, nil
	}
	data, err := rootReadFile(req, "", pkgVersionlockList)
	if err != nil {
		return nil, err
	}
	locks := pkgParseVersionlock(data)
	for _, n := range names {
		out[n] = locks[n]
	}
	return out, nil
}

// Held makes sure packages are held at their version: apt-mark hold
// (dpkg's selection) on the Debian family, dnf versionlock on the RedHat
// family (which needs the versionlock plugin).
//
// On the Debian family the packages must be installed: dpkg forgets the
// selection of a package it does not know.
//
// Salt: comments and changes ({pkg: {old: "", new: "hold"}}) are those of Salt's pkg.hold, and a dry run reports those changes too; version and replace are not supported.
func pkgHeldState(ctx context.Context, req *Request) Result {
	return pkgHoldApply(ctx, req, true)
}

// Unheld releases held packages: apt-mark unhold, or dnf versionlock
// delete.
//
// Salt: comments and changes ({pkg: {old: "hold", new: ""}}) are those of Salt's pkg.unhold, and a dry run reports those changes too.
func pkgUnheldState(ctx context.Context, req *Request) Result {
	return pkgHoldApply(ctx, req, false)
}

func pkgHoldApply(ctx context.Context, req *Request, hold bool) Result {
	names := req.Args.StringList("pkgs")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if len(names) == 0 {
		if req.Name == "" {
			return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: errors.New("No packages to be held provided")})
		}
		names = []string{req.Name}
	}
	for _, n := range names {
		if err := pkgValidName(n); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	sort.Strings(names)
	r, err := pkgOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	now, err := pkgHeldNow(ctx, r, req, names)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var todo, comments []string
	changes := map[string]any{}
	for _, n := range names {
		if now[n] == hold {
			if hold {
				comments = append(comments, fmt.Sprintf("Package %s is already set to be held.", n))
			} else {
				comments = append(comments, fmt.Sprintf("Package %s is not being held.", n))
			}
			continue
		}
		todo = append(todo, n)
		if hold {
			changes[n] = map[string]any{"old": "", "new": "hold"}
		} else {
			changes[n] = map[string]any{"old": "hold", "new": ""}
		}
	}
	if len(todo) == 0 {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: strings.Join(comments, "\n")}
	}
	if !req.Test {
		if err := r.be.SetHold(ctx, todo, hold); err != nil {
			return Failf(req.Name, "%v", err)
		}
		r.cache.Forget(pkgCacheKey("db", req.Root))
	}
	for _, n := range todo {
		switch {
		case req.Test && hold:
			comments = append(comments, fmt.Sprintf("Package %s is set to be held.", n))
		case req.Test:
			comments = append(comments, fmt.Sprintf("Package %s is set to be removed from hold.", n))
		case hold:
			comments = append(comments, fmt.Sprintf("Package %s is now being held.", n))
		default:
			comments = append(comments, fmt.Sprintf("Package %s is no longer being held.", n))
		}
	}
	res := Result{Name: req.Name, Result: True, Changes: changes, Comment: strings.Join(comments, "\n")}
	if req.Test {
		res.Result = None
	}
	return res
}
