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
	r, before, p, err := pkgPlanInstall(ctx, req, latest)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	defer p.cleanup()
	return p.apply(ctx, req, r, before)
}

// pkgInstallPlan is what pkg.installed or pkg.latest would change, worked
// out from the arguments, the package database and the repositories. The
// dry run and the real run share it: apply simulates it under test and
// carries it out otherwise.
type pkgInstallPlan struct {
	latest  bool
	names   []string                   // every package asked for, in order
	want    map[string]pkgbackend.Spec // what each must end up matching
	install []pkgbackend.Target        // to install or upgrade
	files   []string                   // package files (sources) to install
	already []string                   // right as they are
	keep    map[string]bool            // reinstalls, whose old equals new
	sources bool                       // given by sources
	opt     pkgbackend.InstallOptions
	refresh *bool
	hold    *bool
	dir     string // where salt:// sources were fetched; cleanup removes it
}

func (p *pkgInstallPlan) cleanup() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}

// pkgPlanInstall reads the arguments and the package database and returns
// the plan. Its error is the state's failure comment.
func pkgPlanInstall(ctx context.Context, req *Request, latest bool) (*pkgRun, pkgbackend.DB, *pkgInstallPlan, error) {
	a := &req.Args
	p := &pkgInstallPlan{
		latest:  latest,
		want:    map[string]pkgbackend.Spec{},
		keep:    map[string]bool{},
		refresh: a.OptBool("refresh"),
		hold:    a.OptBool("hold"),
	}
	reinstall := a.Bool("reinstall", false)
	p.opt = pkgbackend.InstallOptions{
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
		return nil, nil, nil, err
	}
	if terr != nil {
		return nil, nil, nil, terr
	}
	if len(sources) > 0 {
		targets = nil // Salt: name and pkgs are ignored when sources is given
		p.sources = true
	}
	if latest {
		for _, t := range targets {
			if !t.spec.Any() {
				return nil, nil, nil, fmt.Errorf("argument %q: pkg.latest installs the newest version; use pkg.installed for %s", "version", t.name)
			}
		}
	}
	r, err := pkgOpen(req)
	if err != nil {
		return nil, nil, nil, err
	}
	before, err := r.db(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, t := range targets {
		p.names = append(p.names, t.name)
		p.want[t.name] = t.spec
	}
	if latest {
		err = p.planLatest(ctx, r, before, targets)
	} else {
		err = p.planInstalled(ctx, r, before, targets, reinstall)
		if err == nil && len(sources) > 0 {
			err = p.planSources(ctx, req, r, before, sources, reinstall)
		}
	}
	if err != nil {
		p.cleanup()
		return nil, nil, nil, err
	}
	return r, before, p, nil
}

// planLatest plans pkg.latest: each target at the repositories' candidate.
func (p *pkgInstallPlan) planLatest(ctx context.Context, r *pkgRun, before pkgbackend.DB, targets []pkgTarget) error {
	if err := r.refresh(ctx, p.refresh); err != nil {
		return err
	}
	avail, err := r.be.Available(ctx, p.names, p.opt.FromRepo)
	if err != nil {
		return err
	}
	var missing []string // not in any repository
	for _, t := range targets {
		pk, ok := before[t.name]
		inst := ok && pk.Installed()
		cand := avail[t.name].Candidate
		switch {
		case cand == "" && !inst:
			missing = append(missing, t.name)
		case cand == "" || (inst && r.be.Compare(cand, pk.Version) <= 0):
			p.already = append(p.already, t.name)
		default:
			p.install = append(p.install, pkgbackend.Target{Name: t.name, Version: cand})
			p.want[t.name] = pkgbackend.Spec{Op: ">=", Version: cand}
		}
	}
	if len(missing) > 0 {
		quoted := make([]string, len(missing))
		for i, m := range missing {
			quoted[i] = "'" + m + "'"
		}
		return fmt.Errorf("No information found for %s.", pkgJoin(quoted))
	}
	return nil
}

// planInstalled plans pkg.installed's name/version and pkgs targets.
func (p *pkgInstallPlan) planInstalled(ctx context.Context, r *pkgRun, before pkgbackend.DB, targets []pkgTarget, reinstall bool) error {
	cmp := r.be.Compare
	var loose []pkgTarget // version specs that need the repositories to resolve
	for _, t := range targets {
		if t.spec.Exact() && t.spec.Version == "latest" {
			// Salt's version: latest is the repositories' candidate.
			loose = append(loose, t)
			continue
		}
		pk, ok := before[t.name]
		matches := ok && pk.Installed() && t.spec.Match(pk.Version, cmp)
		switch {
		case matches && !reinstall:
			p.already = append(p.already, t.name)
		case matches:
			p.keep[t.name] = true
			p.install = append(p.install, pkgbackend.Target{Name: t.name, Version: pk.Version})
		case t.spec.Any():
			p.install = append(p.install, pkgbackend.Target{Name: t.name})
		case t.spec.Exact():
			p.install = append(p.install, pkgbackend.Target{Name: t.name, Version: t.spec.Version})
			p.opt.AllowDowngrades = true
		default:
			loose = append(loose, t)
		}
	}
	if len(loose) == 0 {
		return nil
	}
	if err := r.refresh(ctx, p.refresh); err != nil {
		return err
	}
	var ln []string
	for _, t := range loose {
		ln = append(ln, t.name)
	}
	avail, err := r.be.Available(ctx, ln, p.opt.FromRepo)
	if err != nil {
		return err
	}
	for _, t := range loose {
		best := ""
		if t.spec.Version == "latest" {
			best = avail[t.name].Candidate
			if best == "" {
				return fmt.Errorf("No version of %s is available", t.name)
			}
			if pk, ok := before[t.name]; ok && pk.Installed() && cmp(pk.Version, best) == 0 {
				p.already = append(p.already, t.name)
				continue
			}
			p.want[t.name] = pkgbackend.Spec{Op: "==", Version: best}
			p.install = append(p.install, pkgbackend.Target{Name: t.name, Version: best})
			continue
		}
		for _, v := range avail[t.name].Versions {
			if t.spec.Match(v, cmp) && (best == "" || cmp(v, best) > 0) {
				best = v
			}
		}
		if best == "" {
			return fmt.Errorf("No version of %s matching %s is available", t.name, t.spec)
		}
		p.install = append(p.install, pkgbackend.Target{Name: t.name, Version: best})
		p.opt.AllowDowngrades = true
	}
	return nil
}

// planSources fetches pkg.installed's package files and plans those not
// installed at their version.
func (p *pkgInstallPlan) planSources(ctx context.Context, req *Request, r *pkgRun, before pkgbackend.DB, sources []pkgSource, reinstall bool) error {
	dir, err := os.MkdirTemp("", "brine-pkg-")
	if err != nil {
		return fmt.Errorf("sources: %w", err)
	}
	p.dir = dir
	for _, s := range sources {
		p.names = append(p.names, s.name)
		local, err := s.fetch(ctx, req, dir)
		if err != nil {
			return err
		}
		fname, fver, err := r.be.FileInfo(ctx, local)
		if err != nil {
			return err
		}
		if fname != s.name {
			return fmt.Errorf("argument %q: %s holds package %s, not %s", "sources", s.url, fname, s.name)
		}
		p.want[s.name] = pkgbackend.Spec{Op: "==", Version: fver}
		pk, ok := before[s.name]
		same := ok && pk.Installed() && r.be.Compare(pk.Version, fver) == 0
		if same && !reinstall {
			p.already = append(p.already, s.name)
			continue
		}
		if same {
			p.keep[s.name] = true
		}
		p.files = append(p.files, local)
	}
	return nil
}

// apply carries the plan out, or under test simulates it, and words the
// result as Salt's installed() and latest() do.
func (p *pkgInstallPlan) apply(ctx context.Context, req *Request, r *pkgRun, before pkgbackend.DB) Result {
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	var comments []string
	after := before
	if len(p.install)+len(p.files) == 0 {
		comments = append(comments, p.settledComment())
	} else {
		if err := r.refresh(ctx, p.refresh); err != nil {
			return Failf(req.Name, "%v", err)
		}
		var changed []pkgbackend.Change
		if req.Test {
			sim, err := r.be.Install(ctx, p.install, p.files, p.opt, true)
			if err != nil {
				return Failf(req.Name, "%v", err)
			}
			changed = pkgNormalize(sim, before, false, p.keep)
		} else {
			_, ierr := r.be.Install(ctx, p.install, p.files, p.opt, false)
			var err error
			if after, err = r.reread(ctx); err != nil {
				return Failf(req.Name, "%v", err)
			}
			changed = pkgbackend.Diff(before, after, false)
			for name := range p.keep {
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
		done, doneNames, failed := p.outcome(req.Test, changed, after, r.be.Compare)
		if len(failed) > 0 && !req.Test {
			res.Result = False
		}
		if p.latest {
			comments = pkgLatestComments(req.Test, done, failed, p.already)
		} else {
			comments = pkgInstalledComments(req.Test, doneNames, failed, p.already, pkgDesired(p.want, p.sources))
		}
	}
	if p.hold != nil && res.Result != False {
		if c, err := pkgSetHold(ctx, r, req, p.names, *p.hold, after, res.Changes); err != nil {
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

// outcome sorts the packages the plan touched into done (as name=version)
// and failed: after a real run, one that does not match what was asked
// failed; under test, each is done at the simulated version.
func (p *pkgInstallPlan) outcome(test bool, changed []pkgbackend.Change, after pkgbackend.DB, cmp func(a, b string) int) (done, doneNames, failed []string) {
	newVer := map[string]string{}
	for _, c := range changed {
		newVer[c.Name] = c.New
	}
	for _, n := range p.names {
		if pkgIn(p.already, n) {
			continue
		}
		v := newVer[n]
		if !test {
			pk, ok := after[n]
			if !ok || !pk.Installed() || !p.want[n].Match(pk.Version, cmp) {
				failed = append(failed, n)
				continue
			}
			v = pk.Version
		}
		doneNames = append(doneNames, n)
		if v != "" {
			done = append(done, n+"="+v)
		} else {
			done = append(done, n)
		}
	}
	return done, doneNames, failed
}

// settledComment is the comment when nothing needs installing.
func (p *pkgInstallPlan) settledComment() string {
	switch {
	case !p.latest:
		c := "All specified packages are already installed"
		for _, sp := range p.want {
			if !sp.Any() && !p.sources {
				c += " and are at the desired version"
				break
			}
		}
		return c
	case len(p.names) == 1:
		return "Package " + p.names[0] + " is already up-to-date"
	}
	return "All packages are up-to-date (" + pkgJoin(append([]string(nil), p.names...)) + ")."
}

// pkgLatestComments words pkg.latest's comment as Salt's latest() does.
func pkgLatestComments(test bool, done, failed, already []string) []string {
	var c []string
	switch {
	case test:
		c = append(c, "The following packages would be installed/upgraded: "+pkgJoin(done))
	case len(failed) > 0:
		if len(done) > 0 {
			c = append(c, "The following packages were installed/upgraded: "+pkgJoin(done))
		}
		c = append(c, "The following packages failed to install/upgrade: "+pkgJoin(failed))
	default:
		c = append(c, "The following packages were successfully installed/upgraded: "+pkgJoin(done))
	}
	if len(already) > 0 {
		c = append(c, "The following packages were already up-to-date: "+pkgJoin(already))
	}
	return c
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
