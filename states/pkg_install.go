package states

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// Installed makes sure packages are installed, at a version when one
// is asked for.
//
// Salt: test=True reports the changes the real run would make (from apt-get
// -s), dependencies included; a hold change shows as hold: true|false in
// the package's changes. Comments are Salt's installed() comments, packages
// in the order given.
func pkgInstalled(ctx context.Context, req *Request) Result {
	return pkgInstall(ctx, req, false)
}

// Latest makes sure packages are installed at the newest version the
// repositories offer.
//
// Salt: test=True reports the changes the real run would make.
func pkgLatest(ctx context.Context, req *Request) Result {
	return pkgInstall(ctx, req, true)
}

func pkgInstall(ctx context.Context, req *Request, latest bool) Result {
	a := &req.Args
	refresh := a.OptBool("refresh")
	hold := a.OptBool("hold")
	reinstall := a.Bool("reinstall", false)
	opt := pkgbackend.InstallOptions{
		FromRepo:          a.String("fromrepo", ""),
		InstallRecommends: a.Bool("install_recommends", true),
		Reinstall:         reinstall,
	}
	targets, terr := pkgTargets(req)
	var sources []pkgSource
	if !latest {
		var err error
		if sources, err = pkgSources(req); err != nil && terr == nil {
			terr = err
		}
		if len(sources) > 0 && terr != nil && !req.Args.Has("pkgs") {
			targets, terr = nil, nil // sources stand in for name
		}
	}
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if terr != nil {
		return Failf(req.Name, "%v", terr)
	}
	if len(sources) > 0 {
		targets = nil // Salt: name and pkgs are ignored when sources is given
	}
	if latest {
		for _, t := range targets {
			if !t.spec.Any() {
				return Failf(req.Name, "argument %q: pkg.latest installs the newest version; use pkg.installed for %s", "version", t.name)
			}
		}
	}
	r, err := pkgOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	before, err := r.db(ctx)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	cmp := r.be.Compare

	var (
		install []pkgbackend.Target
		files   []string
		already []string
		missing []string            // pkg.latest: not in any repository
		keep    = map[string]bool{} // reinstalls, whose old equals new
		want    = map[string]pkgbackend.Spec{}
		names   []string
	)
	for _, t := range targets {
		names = append(names, t.name)
		want[t.name] = t.spec
	}

	if latest {
		if err := r.refresh(ctx, refresh); err != nil {
			return Failf(req.Name, "%v", err)
		}
		avail, err := r.be.Available(ctx, names, opt.FromRepo)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		for _, t := range targets {
			p, ok := before[t.name]
			inst := ok && p.Installed()
			cand := avail[t.name].Candidate
			switch {
			case cand == "" && !inst:
				missing = append(missing, t.name)
			case cand == "" || (inst && cmp(cand, p.Version) <= 0):
				already = append(already, t.name)
			default:
				install = append(install, pkgbackend.Target{Name: t.name, Version: cand})
				want[t.name] = pkgbackend.Spec{Op: ">=", Version: cand}
			}
		}
		if len(missing) > 0 {
			quoted := make([]string, len(missing))
			for i, m := range missing {
				quoted[i] = "'" + m + "'"
			}
			return Failf(req.Name, "No information found for %s.", pkgJoin(quoted))
		}
	} else {
		var loose []pkgTarget // version specs that need the repositories to resolve
		for _, t := range targets {
			p, ok := before[t.name]
			if ok && p.Installed() && t.spec.Match(p.Version, cmp) && !reinstall {
				already = append(already, t.name)
				continue
			}
			if reinstall && ok && p.Installed() && t.spec.Match(p.Version, cmp) {
				keep[t.name] = true
				install = append(install, pkgbackend.Target{Name: t.name, Version: p.Version})
				continue
			}
			switch {
			case t.spec.Any():
				install = append(install, pkgbackend.Target{Name: t.name})
			case t.spec.Exact():
				install = append(install, pkgbackend.Target{Name: t.name, Version: t.spec.Version})
				opt.AllowDowngrades = true
			default:
				loose = append(loose, t)
			}
		}
		if len(loose) > 0 {
			if err := r.refresh(ctx, refresh); err != nil {
				return Failf(req.Name, "%v", err)
			}
			var ln []string
			for _, t := range loose {
				ln = append(ln, t.name)
			}
			avail, err := r.be.Available(ctx, ln, opt.FromRepo)
			if err != nil {
				return Failf(req.Name, "%v", err)
			}
			for _, t := range loose {
				best := ""
				for _, v := range avail[t.name].Versions {
					if t.spec.Match(v, cmp) && (best == "" || cmp(v, best) > 0) {
						best = v
					}
				}
				if best == "" {
					return Failf(req.Name, "No version of %s matching %s is available", t.name, t.spec)
				}
				install = append(install, pkgbackend.Target{Name: t.name, Version: best})
				opt.AllowDowngrades = true
			}
		}
		if len(sources) > 0 {
			dir, err := os.MkdirTemp("", "brine-pkg-")
			if err != nil {
				return Failf(req.Name, "sources: %v", err)
			}
			defer os.RemoveAll(dir)
			for _, s := range sources {
				names = append(names, s.name)
				local, err := s.fetch(ctx, req, dir)
				if err != nil {
					return Failf(req.Name, "%v", err)
				}
				fname, fver, err := r.be.FileInfo(ctx, local)
				if err != nil {
					return Failf(req.Name, "%v", err)
				}
				if fname != s.name {
					return Failf(req.Name, "argument %q: %s holds package %s, not %s", "sources", s.url, fname, s.name)
				}
				want[s.name] = pkgbackend.Spec{Op: "==", Version: fver}
				p, ok := before[s.name]
				if ok && p.Installed() && cmp(p.Version, fver) == 0 && !reinstall {
					already = append(already, s.name)
					continue
				}
				if reinstall && ok && p.Installed() && cmp(p.Version, fver) == 0 {
					keep[s.name] = true
				}
				files = append(files, local)
			}
		}
	}

	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	var comments []string
	var changed []pkgbackend.Change
	var verb string
	after := before
	if len(install)+len(files) > 0 {
		if err := r.refresh(ctx, refresh); err != nil {
			return Failf(req.Name, "%v", err)
		}
		if req.Test {
			sim, err := r.be.Install(ctx, install, files, opt, true)
			if err != nil {
				return Failf(req.Name, "%v", err)
			}
			changed = pkgNormalize(sim, before, false, keep)
		} else {
			_, ierr := r.be.Install(ctx, install, files, opt, false)
			after, err = r.reread(ctx)
			if err != nil {
				return Failf(req.Name, "%v", err)
			}
			changed = pkgbackend.Diff(before, after, false)
			for name := range keep {
				changed = append(changed, pkgbackend.Change{Name: name, Old: before[name].Version, New: after[name].Version})
			}
			if ierr != nil {
				res.Result = False
				res.Changes = pkgChanges(changed)
				res.Comment = "An error was encountered while installing package(s): " + ierr.Error()
				return res
			}
		}
		res.Changes = pkgChanges(changed)
		newVer := map[string]string{}
		for _, c := range changed {
			newVer[c.Name] = c.New
		}
		var done, failed, doneNames []string
		for _, n := range names {
			if pkgIn(already, n) {
				continue
			}
			v := newVer[n]
			if !req.Test {
				p, ok := after[n]
				if !ok || !p.Installed() || !want[n].Match(p.Version, cmp) {
					failed = append(failed, n)
					continue
				}
				v = p.Version
			}
			doneNames = append(doneNames, n)
			if v != "" {
				done = append(done, n+"="+v)
			} else {
				done = append(done, n)
			}
		}
		if !latest {
			comments = pkgInstalledComments(req.Test, doneNames, failed, already, pkgDesired(want, len(sources) > 0))
			if len(failed) > 0 && !req.Test {
				res.Result = False
			}
		} else {
			verb = "installed/updated"
			if latest {
				verb = "installed/upgraded"
			}
			switch {
			case req.Test:
				comments = append(comments, "The following packages would be "+verb+": "+pkgJoin(done))
			case len(failed) > 0:
				res.Result = False
				if len(done) > 0 {
					comments = append(comments, "The following packages were "+verb+": "+pkgJoin(done))
				}
				what := "install/update"
				if latest {
					what = "install/upgrade"
				}
				comments = append(comments, "The following packages failed to "+what+": "+pkgJoin(failed))
			case latest:
				comments = append(comments, "The following packages were successfully "+verb+": "+pkgJoin(done))
			default:
				comments = append(comments, "The following packages were "+verb+": "+pkgJoin(done))
			}
			if len(already) > 0 {
				if latest {
					comments = append(comments, "The following packages were already up-to-date: "+pkgJoin(already))
				} else {
					comments = append(comments, "The following packages were already installed: "+pkgJoin(already))
				}
			}
		}
	} else {
		switch {
		case !latest:
			c := "All specified packages are already installed"
			for _, sp := range want {
				if !sp.Any() && len(sources) == 0 {
					c += " and are at the desired version"
					break
				}
			}
			comments = append(comments, c)
		case len(names) == 1:
			comments = append(comments, "Package "+names[0]+" is already up-to-date")
		default:
			comments = append(comments, "All packages are up-to-date ("+pkgJoin(append([]string(nil), names...))+").")
		}
	}

	if hold != nil && res.Result != False {
		if c, err := pkgSetHold(ctx, r, req, names, *hold, after, res.Changes); err != nil {
			res.Result = False
			comments = append(comments, err.Error())
		} else {
			comments = append(comments, c...)
		}
	}
	if req.Test && len(res.Changes) > 0 {
		res.Result = None
	}
	res.Comment = strings.Join(comments, "\n")
	return res
}

func pkgIn(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pkgSetHold holds or releases names and records it in changes as
// hold: true|false on each package's entry. Under test it only reports.
// pkgDesired formats a package as Salt's _get_desired_pkg does: the name,
// then the version asked for ("nginx=1.2", "nginx>=1.2"); a package given
// by sources is its name alone.
func pkgDesired(want map[string]pkgbackend.Spec, sources bool) func(string) string {
	return func(n string) string {
		v := want[n].String()
		switch {
		case sources || v == "":
			return n
		case strings.ContainsAny(v[:1], "<>=!"):
			return n + v
		}
		return n + "=" + v
	}
}

// pkgInstalledComments words pkg.installed's comment as Salt's installed()
// does, in the order the packages were given: under test the names to
// install; after a run the failures first, then what was installed (listed
// while the list is under 20 characters, else counted), then what was
// already there (listed up to 20 packages, else counted).
func pkgInstalledComments(test bool, done, failed, already []string, desired func(string) string) []string {
	list := func(ns []string) string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = desired(n)
		}
		return strings.Join(out, ", ")
	}
	count := func(n int, what string) string {
		if n == 1 {
			return fmt.Sprintf("1 targeted package was %s", what)
		}
		return fmt.Sprintf("%d targeted packages were %s", n, what)
	}
	var c []string
	if test {
		return []string{"The following packages would be installed/updated: " + strings.Join(done, ", ")}
	}
	if len(failed) > 0 {
		c = append(c, "The following packages failed to install/update: "+list(failed))
	}
	if len(done) > 0 {
		if sum := list(done); len(sum) < 20 {
			c = append(c, "The following packages were installed/updated: "+sum)
		} else {
			c = append(c, count(len(done), "installed/updated")+".")
		}
	}
	if len(already) > 0 {
		if len(already) <= 20 {
			c = append(c, "The following packages were already installed: "+list(already))
		} else {
			c = append(c, count(len(already), "already installed"))
		}
	}
	return c
}

func pkgSetHold(ctx context.Context, r *pkgRun, req *Request, names []string, hold bool, db pkgbackend.DB, changes map[string]any) ([]string, error) {
	var todo []string
	for _, n := range names {
		p := db[n]
		if p.Held() != hold {
			todo = append(todo, n)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	if !req.Test {
		if err := r.be.SetHold(ctx, todo, hold); err != nil {
			return nil, err
		}
		if _, err := r.reread(ctx); err != nil {
			return nil, err
		}
	}
	var comments []string
	for _, n := range todo {
		entry, _ := changes[n].(map[string]any)
		if entry == nil {
			entry = map[string]any{}
			changes[n] = entry
		}
		entry["hold"] = hold
		switch {
		case req.Test && hold:
			comments = append(comments, fmt.Sprintf("Package %s is set to be held.", n))
		case req.Test:
			comments = append(comments, fmt.Sprintf("Package %s is set to be released from hold.", n))
		case hold:
			comments = append(comments, fmt.Sprintf("Package %s is now being held.", n))
		default:
			comments = append(comments, fmt.Sprintf("Package %s is no longer held.", n))
		}
	}
	return comments, nil
}
