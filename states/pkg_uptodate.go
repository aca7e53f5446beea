package states

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

func init() {
	Register("pkg.uptodate", pkgUptodate,
		Param{Name: "name", Type: String, Doc: "a label only: it names no package."},
		Param{Name: "refresh", Type: Bool, Default: false, Doc: "update the package index first."},
		Param{Name: "pkgs", Type: StringList, Doc: "upgrade only these, of the packages that can be upgraded."},
		Param{Name: "dist_upgrade", Type: Bool, Doc: "apt: True upgrades as apt-get dist-upgrade does (new dependencies, removals), False as apt-get upgrade. Unset, the run is apt-get upgrade but what counts as an upgrade is what dist-upgrade would take, as Salt's list_upgrades and upgrade defaults differ: a package apt-get upgrade keeps back is reported as an update performed, with no changes."},
		saltKwargs,
	)
}

// Uptodate upgrades every installed package that has a newer version in
// the repositories (apt-get upgrade), or only those of pkgs.
//
// The dry run simulates the upgrade and reports its changes, new
// dependencies included.
//
// Salt: with dist_upgrade unset, what counts as an upgrade is what dist-upgrade takes and the run is apt-get upgrade, as Salt's list_upgrades and upgrade defaults are: a package apt-get upgrade keeps back gives "Upgrade ran successfully" with no changes, run after run. Comments are Salt 3006's ("System is already up-to-date", "System update will be performed", "Upgrade ran successfully", "The following package(s) failed to update: …"); a dry run's changes are the simulation's, where Salt's list only the upgrades; with pkgs, the packages are upgraded as pkg.latest would (apt-get install of each at its candidate).
func pkgUptodate(ctx context.Context, req *Request) Result {
	a := &req.Args
	refresh := a.Bool("refresh", false)
	only := a.StringList("pkgs")
	distArg := a.OptBool("dist_upgrade")
	// Salt's list_upgrades defaults to dist-upgrade, its upgrade to
	// upgrade: unset, the check and the run differ as Salt's do.
	dist := distArg != nil && *distArg
	listDist := distArg == nil || *distArg
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	r, err := pkgOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	up, ok := r.be.(pkgbackend.Upgrader)
	if !ok {
		return Failf(req.Name, "State pkg.uptodate is not available with %s", r.be.Name())
	}
	if err := r.refresh(ctx, &refresh); err != nil {
		// Salt's uptodate() puts the exception of list_upgrades (its
		// refresh_db) in the comment as it is.
		return Failf(req.Name, "%s", pkgStderr(err))
	}
	before, err := r.reread(ctx)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	sim, err := up.Upgrade(ctx, listDist, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	listed := pkgNormalize(sim, before, false, nil)
	if only != nil {
		// The packages of pkgs that have an upgrade, and what upgrading
		// just them would do.
		var names []string
		for _, c := range listed {
			if c.Old != "" && c.New != "" && pkgIn(only, c.Name) {
				names = append(names, c.Name)
			}
		}
		if len(names) == 0 {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "System is already up-to-date"}
		}
		return pkgUptodateSome(ctx, req, names)
	}
	upgradable := false // Salt's list_upgrades lists a new version
	for _, c := range listed {
		upgradable = upgradable || c.New != ""
	}
	if !upgradable {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "System is already up-to-date"}
	}
	expected := listed
	if listDist != dist {
		// What the run itself (apt-get upgrade) will do.
		sim, err := up.Upgrade(ctx, dist, true)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		expected = pkgNormalize(sim, before, false, nil)
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: pkgChanges(expected), Comment: "System update will be performed"}
	}
	_, uerr := up.Upgrade(ctx, dist, false)
	after, err := r.reread(ctx)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	changed := pkgbackend.Diff(before, after, false)
	res := Result{Name: req.Name, Result: True, Changes: pkgChanges(changed), Comment: "Upgrade ran successfully"}
	if uerr != nil {
		res.Result = False
		res.Comment = "An error was encountered while updating packages: " + uerr.Error()
	}
	return res
}

// pkgUptodateSome upgrades names, each of which has an upgrade, as
// pkg.latest does, and words the result as pkg.uptodate.
func pkgUptodateSome(ctx context.Context, req *Request, names []string) Result {
	sub := *req
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = n
	}
	sub.Args = NewArgs(map[string]any{"pkgs": list, "refresh": false})
	r, before, p, err := pkgPlanInstall(ctx, &sub, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	defer p.cleanup()
	res := p.apply(ctx, &sub, r, before)
	res.Name = req.Name
	if req.Test {
		res.Comment = "System update will be performed"
		return res
	}
	var missing []string
	for _, n := range names {
		if _, ok := res.Changes[n]; !ok {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	switch {
	case len(missing) > 0:
		res.Result = False
		res.Comment = fmt.Sprintf("The following package(s) failed to update: %s", strings.Join(missing, ", "))
	case res.Result != False:
		res.Comment = "Upgrade ran successfully"
	}
	return res
}
