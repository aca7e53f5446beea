package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// Installed makes sure packages are installed, at a version when one
// is asked for.
//
// A held package the state targets is released for the length of the
// install and held again after, as Salt's aptpkg.install does.
//
// Salt: test=True reports the changes the real run would make (from apt-get -s), dependencies included, where Salt's dry run reports {pkg: {new: installed, old: ""}}; a package apt cannot install (none of that name, no version that matches) fails the dry run as it fails the real one, where Salt's dry run promises it. Comments are Salt's installed() comments, packages in the order given; hold: True|False adds aptpkg.hold's (unhold's) comment and merges the selection's move into the changes as Salt does.
func pkgInstalled(ctx context.Context, req *Request) Result {
	return pkgInstall(ctx, req, false)
}

// Latest makes sure packages are installed at the newest version the
// repositories offer.
//
// Salt: test=True reports the changes the real run would make, where Salt's dry run reports none; hold is brine's own (Salt's latest() passes it to pkg.install, which ignores it).
func pkgLatest(ctx context.Context, req *Request) Result {
	return pkgInstall(ctx, req, true)
}

func pkgInstall(ctx context.Context, req *Request, latest bool) Result {
	if pkgEmptyList(req) {
		// Salt checks for an empty pkgs list before anything else.
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "No packages to install provided"}
	}
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
	// reinstalls are the installed packages reinstall asked for (Salt's
	// to_reinstall), worded apart from the installs.
	reinstalls []string
	pkgsGiven  bool // pkgs was given: pkg.latest then names the up-to-date
	sources    bool // given by sources
	opt        pkgbackend.InstallOptions
	refresh    *bool
	hold       *bool
	dir        string // where salt:// sources were fetched; cleanup removes it
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
	allowUpdates := a.Bool("allow_updates", false)
	normalize := a.Bool("normalize", true)
	p.pkgsGiven = a.Has("pkgs")
	p.opt = pkgbackend.InstallOptions{
		FromRepo:          a.String("fromrepo", ""),
		InstallRecommends: a.Bool("install_recommends", true),
		Reinstall:         reinstall,
	}
	if v, ok := a.Get("sources"); ok && v != nil {
		// Salt refuses these before it looks at anything else.
		if latest {
			return nil, nil, nil, errors.New(`The "sources" parameter is not supported.`)
		}
		if l, _ := a.Get("pkgs"); l != nil && !pkgEmptyList(req) {
			return nil, nil, nil, errors.New(`Only one of "pkgs" and "sources" is permitted.`)
		}
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
	if normalize {
		targets = pkgNormalizeNames(targets, before)
	}
	for _, t := range targets {
		p.names = append(p.names, t.name)
		p.want[t.name] = t.spec
	}
	if latest {
		err = p.planLatest(ctx, r, before, targets)
	} else {
		err = p.planInstalled(ctx, r, before, targets, reinstall, allowUpdates)
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
		// Salt's latest() catches the failure of pkg.latest_version,
		// which refreshes.
		return errors.New("An error was encountered while checking the newest available version of package(s): " + pkgStderr(err))
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
		// Salt's latest() logs a problem for each, in the order given.
		msgs := make([]string, len(missing))
		for i, m := range missing {
			msgs[i] = fmt.Sprintf("No information found for '%s'.", m)
		}
		return errors.New(strings.Join(msgs, " "))
	}
	return nil
}

// planInstalled plans pkg.installed's name/version and pkgs targets.
func (p *pkgInstallPlan) planInstalled(ctx context.Context, r *pkgRun, before pkgbackend.DB, targets []pkgTarget, reinstall, allowUpdates bool) error {
	cmp := r.be.Compare
	var loose []pkgTarget // version specs that need the repositories to resolve
	for _, t := range targets {
		if t.spec.Exact() && t.spec.Version == "latest" {
			// Salt's version: latest is the repositories' candidate.
			loose = append(loose, t)
			continue
		}
		pk, ok := before[t.name]
		installed := ok && pk.Installed()
		spec := t.spec
		if allowUpdates && spec.Op == "==" && !fnmatch.HasMeta(spec.Version) {
			// Salt's allow_updates: a newer version installed outside
			// Salt's control satisfies a lone exact version.
			spec.Op = ">="
		}
		matches := installed && spec.Match(pk.Version, cmp)
		if installed && reinstall {
			// Salt reinstalls every installed target (to_reinstall),
			// upgrading one at another version to the version asked.
			p.reinstalls = append(p.reinstalls, t.name)
		}
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
				return &pkgProblemError{verb: "installing", errors: []string{fmt.Sprintf("E: Unable to locate package %s", t.name)}}
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
			return pkgNoMatch(t, avail[t.name].Versions, cmp)
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
		if ok && pk.Installed() && reinstall {
			p.reinstalls = append(p.reinstalls, s.name)
		}
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

// pkgNoMatch is aptpkg.install's error for a version no repository
// offers: with an operator, the versions there are, newest first; a plain
// version or a glob goes to apt-get, which names it.
func pkgNoMatch(t pkgTarget, versions []string, cmp func(a, b string) int) error {
	if !strings.ContainsAny(t.spec.Op, "<>") {
		return &pkgProblemError{verb: "installing", errors: []string{fmt.Sprintf("E: Version '%s' for '%s' was not found", t.spec.Version, t.name)}}
	}
	vs := append([]string(nil), versions...)
	sort.Slice(vs, func(i, j int) bool { return cmp(vs[i], vs[j]) > 0 })
	avail := "None"
	if len(vs) > 0 {
		avail = strings.Join(vs, ", ")
	}
	return &pkgProblemError{verb: "installing", errors: []string{fmt.Sprintf("No version matching '%s%s' could be found (available: %s)", t.name, t.spec, avail)}}
}

// apply carries the plan out, or under test simulates it, and words the
// result as Salt's installed() and latest() do.
func (p *pkgInstallPlan) apply(ctx context.Context, req *Request, r *pkgRun, before pkgbackend.DB) Result {
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	if len(p.install)+len(p.files) == 0 {
		return p.settled(ctx, req, r, before)
	}
	if err := r.refresh(ctx, p.refresh); err != nil {
		// aptpkg.install() refreshes first; refresh_db raises with what
		// apt-get update printed.
		return Failf(req.Name, "%s", "An error was encountered while installing package(s): "+pkgStderr(err))
	}
	// aptpkg.install() releases the held packages it targets for the
	// length of the install and holds them again after.
	var held []string
	for _, t := range p.install {
		if before[t.Name].Held() {
			held = append(held, t.Name)
		}
	}
	opt := p.opt
	var changed []pkgbackend.Change
	after := before
	var ierr error
	if req.Test {
		opt.AllowChangeHeld = len(held) > 0
		sim, err := r.be.Install(ctx, p.install, p.files, opt, true)
		if err != nil {
			return p.failed(req, err, nil)
		}
		changed = pkgNormalize(sim, before, false, p.keep)
	} else {
		if len(held) > 0 {
			if err := r.be.SetHold(ctx, held, false); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
		_, ierr = r.be.Install(ctx, p.install, p.files, opt, false)
		if len(held) > 0 {
			if err := r.be.SetHold(ctx, held, true); err != nil && ierr == nil {
				ierr = err
			}
		}
		var err error
		if after, err = r.reread(ctx); err != nil {
			return Failf(req.Name, "%v", err)
		}
		changed = pkgbackend.Diff(before, after, false)
		for name := range p.keep {
			changed = append(changed, pkgbackend.Change{Name: name, Old: before[name].Version, New: after[name].Version})
		}
	}
	res.Changes = pkgChanges(changed)
	if ierr != nil {
		return p.failed(req, ierr, res.Changes)
	}
	if p.latest {
		return p.latestResult(ctx, req, r, before, after, changed, res)
	}
	done, failed := p.outcome(req.Test, changed, after, r.be.Compare)
	desired := pkgDesired(p.want, p.sources)
	list := func(ns []string) string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = desired(n)
		}
		return strings.Join(out, ", ")
	}
	var comments []string
	if req.Test {
		// Salt's dry run names the targets without versions, then the
		// reinstalls with theirs; it says nothing of holds.
		if len(done) > 0 {
			comments = append(comments, "The following packages would be installed/updated: "+strings.Join(done, ", "))
		}
		if len(p.reinstalls) > 0 {
			comments = append(comments, "The following packages would be reinstalled: "+list(p.reinstalls))
		}
		if p.hold != nil {
			if _, err := p.setHold(ctx, req, r, after, res.Changes, false); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
		res.Result = None
		res.Comment = strings.Join(comments, "\n")
		return res
	}
	if len(done) > 0 {
		if sum := list(done); len(sum) < 20 {
			comments = append(comments, "The following packages were installed/updated: "+sum)
		} else if len(done) == 1 {
			comments = append(comments, "1 targeted package was installed/updated.")
		} else {
			comments = append(comments, fmt.Sprintf("%d targeted packages were installed/updated.", len(done)))
		}
	}
	var hold pkgHoldOutcome
	if p.hold != nil {
		var err error
		if hold, err = p.setHold(ctx, req, r, after, res.Changes, false); err != nil {
			res.Result = False
			res.Comment = strings.Join(append(comments, err.Error()), "\n")
			return res
		}
		comments = append(comments, hold.modified...)
	}
	if len(p.already) > 0 {
		if len(p.already) <= 20 {
			comments = append(comments, "The following packages were already installed: "+list(p.already))
		} else {
			comments = append(comments, fmt.Sprintf("%d targeted packages were already installed", len(p.already)))
		}
	}
	comments = append(comments, hold.kept...)
	if len(failed) > 0 {
		comments = append([]string{"The following packages failed to install/update: " + list(failed)}, comments...)
		res.Result = False
	}
	for _, n := range p.reinstalls {
		if _, ok := res.Changes[n]; ok {
			comments = append(comments, "Package "+desired(n)+" was reinstalled.")
		} else {
			comments = append(comments, "Reinstall was not successful for package "+desired(n)+".")
			res.Result = False
		}
	}
	res.Comment = strings.Join(comments, "\n")
	return res
}

// failed is the result of an install the package manager refused: Salt's
// installed() puts the exception's strerror_without_changes in the
// comment, latest() prefixes it with "An error was encountered while
// installing package(s): " and the whole exception, changes included.
func (p *pkgInstallPlan) failed(req *Request, err error, changes map[string]any) Result {
	if changes == nil {
		changes = map[string]any{}
	}
	c := pkgFailure("installing", err)
	if p.latest && strings.HasPrefix(c, "Problem encountered") {
		c = "An error was encountered while installing package(s): " + pkgWithChanges(c, changes)
		changes = map[string]any{}
	}
	return Result{Name: req.Name, Result: False, Changes: changes, Comment: c}
}

// pkgWithChanges adds the changes to a "Problem encountered …" text as
// the exception's str() has them: salt.output.nested's layout, keys
// sorted, changes before errors.
func pkgWithChanges(problem string, changes map[string]any) string {
	head, errs, ok := strings.Cut(problem, "\n\nerrors:")
	if !ok {
		return problem
	}
	var b strings.Builder
	b.WriteString(head + "\n\nchanges:\n    ----------")
	names := make([]string, 0, len(changes))
	for n := range changes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString("\n    " + n + ":\n        ----------")
		if m, ok := changes[n].(map[string]any); ok {
			for _, k := range []string{"new", "old"} {
				fmt.Fprintf(&b, "\n        %s:\n            %v", k, m[k])
			}
		}
	}
	b.WriteString("\nerrors:" + errs)
	return b.String()
}

// latestResult words pkg.latest's result as Salt's latest() does: under
// test the targets and, when pkgs was given, the up-to-date ones with
// their versions, one a line; after a run the failures, the successes and
// the up-to-date ones, joined by spaces.
func (p *pkgInstallPlan) latestResult(ctx context.Context, req *Request, r *pkgRun, before, after pkgbackend.DB, changed []pkgbackend.Change, res Result) Result {
	var targets []string
	cand := map[string]string{}
	for _, t := range p.install {
		targets = append(targets, t.Name)
		cand[t.Name] = t.Version
	}
	sort.Strings(targets)
	var upToDate []string
	if p.pkgsGiven {
		upToDate = append(upToDate, p.already...)
		sort.Strings(upToDate)
	}
	var comments []string
	if req.Test {
		comments = append(comments, "The following packages would be installed/upgraded: "+strings.Join(targets, ", "))
		if len(upToDate) > 10 {
			comments = append(comments, fmt.Sprintf("%d packages are already up-to-date", len(upToDate)))
		} else if len(upToDate) > 0 {
			vs := make([]string, len(upToDate))
			for i, n := range upToDate {
				vs[i] = fmt.Sprintf("%s (%s)", n, before[n].Version)
			}
			comments = append(comments, "The following packages are already up-to-date: "+strings.Join(vs, ", "))
		}
		res.Result = None
		if p.hold != nil {
			hc, err := p.setHold(ctx, req, r, after, res.Changes, false)
			if err != nil {
				return Failf(req.Name, "%v", err)
			}
			comments = append(comments, hc.modified...)
		}
		res.Comment = strings.Join(comments, "\n")
		return res
	}
	newVer := map[string]string{}
	for _, c := range changed {
		newVer[c.Name] = c.New
	}
	if len(changed) == 0 {
		var c string
		switch {
		case len(targets) > 10:
			c = fmt.Sprintf("%d targeted packages failed to update. See debug log for details.", len(targets))
		case len(targets) > 1:
			c = "The following targeted packages failed to update. See debug log for details: (" + strings.Join(targets, ", ") + ")."
		default:
			c = "Package " + targets[0] + " failed to update."
		}
		if len(upToDate) > 10 {
			c += fmt.Sprintf("%d packages were already up-to-date", len(upToDate))
		} else if len(upToDate) > 0 {
			c += " The following packages were already up-to-date: " + strings.Join(upToDate, ", ")
		}
		res.Result = False
		res.Comment = c
		return res
	}
	var failed, ok []string
	for _, n := range targets {
		if v, has := newVer[n]; !has || v != cand[n] {
			failed = append(failed, n)
		} else {
			ok = append(ok, n)
		}
	}
	if len(failed) > 0 {
		comments = append(comments, "The following packages failed to update: "+strings.Join(failed, ", "))
		res.Result = False
	}
	if len(ok) > 0 {
		comments = append(comments, "The following packages were successfully installed/upgraded: "+strings.Join(ok, ", "))
	}
	if len(upToDate) > 10 {
		comments = append(comments, fmt.Sprintf("%d packages were already up-to-date ", len(upToDate)))
	} else if len(upToDate) > 0 {
		comments = append(comments, "The following packages were already up-to-date: "+strings.Join(upToDate, ", "))
	}
	if p.hold != nil && res.Result != False {
		hc, err := p.setHold(ctx, req, r, after, res.Changes, false)
		if err != nil {
			res.Result = False
			comments = append(comments, err.Error())
		}
		comments = append(comments, hc.modified...)
	}
	res.Comment = strings.Join(comments, " ")
	return res
}

// settled is the result when nothing needs installing: Salt's comment of
// _find_install_targets(), and for hold the comment of aptpkg.hold (or
// unhold) of each package added after ".\n", the changed ones first, then
// those already right, then those a dry run would change (Salt's hold
// under test answers None, which fails its hold list and leaves the
// result None).
func (p *pkgInstallPlan) settled(ctx context.Context, req *Request, r *pkgRun, before pkgbackend.DB) Result {
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: p.settledComment()}
	if p.hold == nil {
		return res
	}
	hc, err := p.setHold(ctx, req, r, before, res.Changes, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if p.latest {
		// brine's own: Salt's latest() takes no hold.
		if len(hc.modified) > 0 {
			res.Comment += "\n" + strings.Join(hc.modified, "\n")
		}
		if req.Test && len(res.Changes) > 0 {
			res.Result = None
		}
		return res
	}
	var tail []string
	if req.Test {
		tail = append(append(tail, hc.kept...), hc.modified...)
	} else {
		tail = append(append(tail, hc.modified...), hc.kept...)
	}
	for _, c := range tail {
		res.Comment += ".\n" + c
	}
	if req.Test && len(res.Changes) > 0 {
		res.Result = None
	}
	return res
}

// outcome sorts the targets the plan installed into done and failed:
// after a real run, one that does not match what was asked failed; under
// test each is done. Packages already right and reinstalls are neither.
func (p *pkgInstallPlan) outcome(test bool, changed []pkgbackend.Change, after pkgbackend.DB, cmp func(a, b string) int) (done, failed []string) {
	for _, n := range p.names {
		if pkgIn(p.already, n) || pkgIn(p.reinstalls, n) {
			continue
		}
		if !test {
			pk, ok := after[n]
			if !ok || !pk.Installed() || !p.want[n].Match(pk.Version, cmp) {
				failed = append(failed, n)
				continue
			}
		}
		done = append(done, n)
	}
	return done, failed
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
	case len(p.names) > 10:
		return fmt.Sprintf("All %d packages are up-to-date.", len(p.names))
	case len(p.names) > 1:
		return "All packages are up-to-date (" + pkgJoin(append([]string(nil), p.names...)) + ")."
	}
	return "Package " + p.names[0] + " is already up-to-date"
}

func pkgIn(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

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

// pkgHoldOutcome is what hold did to the packages of a state, as Salt's
// installed() sorts aptpkg.hold's return: the comments of those it
// changed (or, under test, would change) and of those already right.
type pkgHoldOutcome struct {
	modified, kept []string
}

// setHold holds (hold: True) or releases (hold: False) the packages the
// state names, as Salt's installed() calls aptpkg.hold or unhold on them
// after the install, and records each move in changes as Salt merges it:
// dpkg's selection before and after ({old: install, new: hold}), or, for
// a package the install changed too, appended to its versions a line
// apiece. Under test it only reports.
func (p *pkgInstallPlan) setHold(ctx context.Context, req *Request, r *pkgRun, db pkgbackend.DB, changes map[string]any, settled bool) (pkgHoldOutcome, error) {
	hold := *p.hold
	var out pkgHoldOutcome
	var todo []string
	for _, n := range p.names {
		if db[n].Held() == hold {
			if hold {
				out.kept = append(out.kept, fmt.Sprintf("Package %s is already set to be held.", n))
			} else {
				out.kept = append(out.kept, fmt.Sprintf("Package %s is already set not to be held.", n))
			}
			continue
		}
		todo = append(todo, n)
	}
	if len(todo) > 0 && !req.Test {
		if err := r.be.SetHold(ctx, todo, hold); err != nil {
			return out, err
		}
		if _, err := r.reread(ctx); err != nil {
			return out, err
		}
	}
	sel := map[bool]string{true: "hold", false: "install"}[hold]
	for _, n := range todo {
		old := db[n].Want
		if old == "" {
			// A package the dry run would install has no selection yet;
			// apt gives it install.
			old = "install"
		}
		switch {
		case req.Test && hold:
			out.modified = append(out.modified, fmt.Sprintf("Package %s is set to be held.", n))
		case req.Test:
			out.modified = append(out.modified, fmt.Sprintf("Package %s is set not to be held.", n))
		case hold:
			out.modified = append(out.modified, fmt.Sprintf("Package %s is now being held.", n))
		default:
			out.modified = append(out.modified, fmt.Sprintf("Package %s is no longer being held.", n))
		}
		entry, ok := changes[n].(map[string]any)
		switch {
		case !ok && settled:
			changes[n] = map[string]any{"old": old, "new": sel}
			continue
		case !ok:
			// Salt's installed() keeps only the new selection of a
			// package the install did not change.
			changes[n] = map[string]any{"new": sel}
			continue
		}
		for k, v := range map[string]string{"old": old, "new": sel} {
			cur, _ := entry[k].(string)
			if cur != "" {
				cur += "\n"
			}
			entry[k] = cur + v
		}
	}
	return out, nil
}
