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
		Param{Name: "pkgs", Type: List, Doc: "several packages: names, or {name: version} maps whose version apt and dnf ignore, as Salt's do."},
		Param{Name: "replace", Type: Bool, Default: false, Doc: "release every other held package too."},
		saltKwargs,
	)
	Register("pkg.unheld", pkgUnheldState,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "pkgs", Type: List, Doc: "several packages: names, or {name: version} maps whose version is ignored."},
		Param{Name: "all", Type: Bool, Default: false, Doc: "release every held package."},
		saltKwargs,
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

// pkgHeldNow reports which of names are held, and the selection each
// has (dpkg's install, hold, …; "hold" or "" on dnf): dpkg's selection on
// the Debian family, versionlock.list on dnf. With mustExist, a name dpkg
// does not have installed is an error.
func pkgHeldNow(ctx context.Context, r *pkgRun, req *Request, names []string, mustExist bool) (map[string]string, error) {
	out := map[string]string{}
	if r.be.Name() != "dnf" {
		db, err := r.db(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			p, ok := db[n]
			if !ok || !p.Installed() {
				if mustExist {
					// dpkg would take the selection of a package it does not
					// know and drop it: a hold that never holds.
					return nil, fmt.Errorf("Package %s is not installed", n)
				}
				continue
			}
			out[n] = p.Want
		}
		return out, nil
	}
	data, err := rootReadFile(req, "", pkgVersionlockList)
	if err != nil {
		return nil, err
	}
	locks := pkgParseVersionlock(data)
	for _, n := range names {
		if locks[n] {
			out[n] = "hold"
		} else {
			out[n] = ""
		}
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
// Salt: comments and changes are Salt 3006's held(): "Package X is now being held", "No changes made", and changes {pkg: aptpkg.hold's return for it ({name, changes: {old: install, new: hold}, result, comment})}; its dry run ("The following package would be held: X") answers True with no changes, brine's None with the real run's changes. Salt sets the selection of a package dpkg does not know; brine refuses it. version is ignored, as Salt's apt does.
func pkgHeldState(ctx context.Context, req *Request) Result {
	return pkgHoldApply(ctx, req, true)
}

// Unheld releases held packages: apt-mark unhold, or dnf versionlock
// delete.
//
// Salt: comments and changes are Salt 3006's unheld(): "Package X is no longer being held.", "No changes made", and changes {pkg: aptpkg.unhold's return for it ({name, changes: {old: hold, new: install}, result, comment})}; its dry run ("The following package would be unheld: X") answers True with no changes, brine's None with the real run's changes.
func pkgUnheldState(ctx context.Context, req *Request) Result {
	return pkgHoldApply(ctx, req, false)
}

func pkgHoldApply(ctx context.Context, req *Request, hold bool) Result {
	var names []string
	if req.Args.Has("pkgs") && !pkgEmptyList(req) {
		targets, err := pkgTargets(req)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		for _, t := range targets {
			names = append(names, t.name)
		}
	}
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	// held's replace releases the other held packages; unheld's all
	// releases every one.
	everyOther := req.Args.Bool(map[bool]string{true: "replace", false: "all"}[hold], false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if pkgEmptyList(req) && !everyOther {
		c := map[bool]string{true: "No packages to be held provided", false: "No packages to be unheld provided"}[hold]
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: c}
	}
	if len(names) == 0 && !pkgEmptyList(req) {
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
	if !hold {
		// Salt's unheld() walks the held packages, which dpkg lists by
		// name.
		names = append([]string(nil), names...)
		sort.Strings(names)
	}
	r, err := pkgOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var others []string // held packages to release besides names
	if everyOther {
		all, err := pkgAllHeld(ctx, r, req)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		for _, n := range all {
			if !pkgIn(names, n) || !hold {
				others = append(others, n)
			}
		}
		if !hold {
			names = nil
		}
	}
	now, err := pkgHeldNow(ctx, r, req, append(append([]string(nil), names...), others...), hold)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var todo, release, comments []string
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] || (now[n] == "hold") == hold {
			continue
		}
		seen[n] = true
		todo = append(todo, n)
	}
	for _, n := range others {
		if !seen[n] && now[n] == "hold" {
			seen[n] = true
			release = append(release, n)
		}
	}
	if !hold {
		todo, release = append(todo, release...), nil
		sort.Strings(todo)
	}
	changes := map[string]any{}
	if !req.Test {
		if len(todo) > 0 {
			if err := r.be.SetHold(ctx, todo, hold); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
		if len(release) > 0 {
			if err := r.be.SetHold(ctx, release, false); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
		r.cache.Forget(pkgCacheKey("db", req.Root))
	}
	type move struct {
		name string
		hold bool
	}
	var moves []move
	for _, n := range todo {
		moves = append(moves, move{n, hold})
	}
	for _, n := range release {
		moves = append(moves, move{n, false})
	}
	for _, m := range moves {
		n, hold := m.name, m.hold
		old, sel := now[n], "hold"
		modComment := fmt.Sprintf("Package %s is now being held.", n)
		stateComment := fmt.Sprintf("Package %s is now being held", n)
		if !hold {
			sel = "install" // dpkg's selection back; dnf's lock is gone
			if r.be.Name() == "dnf" {
				sel = ""
			}
			modComment = fmt.Sprintf("Package %s is no longer being held.", n)
			stateComment = modComment
		}
		// Salt's state keeps the whole of aptpkg.hold's return for the
		// package, the selection's move under changes.
		changes[n] = map[string]any{"name": n, "changes": map[string]any{"old": old, "new": sel}, "result": true, "comment": modComment}
		switch {
		case req.Test && hold:
			comments = append(comments, "The following package would be held: "+n)
		case req.Test:
			comments = append(comments, "The following package would be unheld: "+n)
		default:
			comments = append(comments, stateComment)
		}
	}
	res := Result{Name: req.Name, Result: True, Changes: changes, Comment: strings.Join(comments, "\n")}
	if len(moves) == 0 {
		res.Comment = "No changes made"
	}
	if req.Test && len(moves) > 0 {
		res.Result = None
	}
	return res
}

// pkgAllHeld lists the held packages, by name: dpkg's hold selections,
// or dnf's version locks.
func pkgAllHeld(ctx context.Context, r *pkgRun, req *Request) ([]string, error) {
	var out []string
	if r.be.Name() != "dnf" {
		db, err := r.db(ctx)
		if err != nil {
			return nil, err
		}
		for n, p := range db {
			if p.Held() && p.Installed() {
				out = append(out, n)
			}
		}
	} else {
		data, err := rootReadFile(req, "", pkgVersionlockList)
		if err != nil {
			return nil, err
		}
		for n := range pkgParseVersionlock(data) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}
