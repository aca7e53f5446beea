package states

import (
	"testing"
)

// The package states against Salt 3006's salt/states/pkg.py over
// salt/modules/aptpkg.py, run on the in-memory apt of pkg_test.go. The
// phases share the fake, so a real run leaves it as apt would.
//
// Where Salt's dry run reports other changes ({pkg: {new: installed}},
// or none) brine reports the real run's, as every brine dry run does.

// fidPkg runs fun on name with args against a fresh fake that edit may
// change first.
func fidPkg(fun, name string, args map[string]any, edit func(f *pkgFake)) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		f := newPkgFake()
		if edit != nil {
			edit(f)
		}
		env := pkgEnv(t, f)
		return func(test bool) Result { return pkgCall(t, env, fun, name, test, args) }
	}
}

// fidHeld puts names on hold in the fake.
func fidHeld(names ...string) func(f *pkgFake) {
	return func(f *pkgFake) {
		for _, n := range names {
			p := f.db[n]
			p.Want = "hold"
			f.db[n] = p
		}
	}
}

func fidPkgCh(kv ...string) map[string]any {
	out := map[string]any{}
	for i := 0; i+2 < len(kv); i += 3 {
		out[kv[i]] = map[string]any{"old": kv[i+1], "new": kv[i+2]}
	}
	return out
}

func TestSaltFidelityPkgRemove(t *testing.T) {
	fidRunAll(t, []fidCase{{
		name:   "pkg.removed: removed",
		salt:   "removed(), _uninstall(), _find_remove_targets()",
		setup:  fidPkg("pkg.removed", "tree", nil, nil),
		test:   fidW(None, "The following packages will be removed: tree.", fidPkgCh("tree", "2.1.0-1", "")),
		real:   fidW(True, "All targeted packages were removed.", fidPkgCh("tree", "2.1.0-1", "")),
		rerun:  fidW(True, "All specified packages are already absent", nil),
		retest: fidW(True, "All specified packages are already absent", nil),
	}, {
		name:  "pkg.removed: some not installed",
		salt:  "_uninstall(), not_installed",
		setup: fidPkg("pkg.removed", "x", map[string]any{"pkgs": []any{"tree", "jq", "hello"}}, nil),
		test:  fidW(None, "The following packages will be removed: tree.", fidPkgCh("tree", "2.1.0-1", "")),
		real:  fidW(True, "The following packages were not installed: hello, jq The following packages were removed: tree.", fidPkgCh("tree", "2.1.0-1", "")),
		rerun: fidW(True, "All specified packages are already absent", nil),
	}, {
		name:   "pkg.removed: another version installed",
		salt:   "_find_remove_targets(), version_spec",
		setup:  fidPkg("pkg.removed", "tree", map[string]any{"version": "2.0-1"}, nil),
		test:   fidW(True, "All specified packages (matching specified versions) are already absent", nil),
		real:   fidW(True, "All specified packages (matching specified versions) are already absent", nil),
		retest: fidW(True, "All specified packages (matching specified versions) are already absent", nil),
	}, {
		// aptpkg.purge() returns the installed and the removed (rc)
		// packages' changes apart.
		name:   "pkg.purged: purged",
		salt:   "purged(), _uninstall(); aptpkg._uninstall(action=purge)",
		setup:  fidPkg("pkg.purged", "tree", nil, nil),
		test:   fidW(None, "The following packages will be purged: tree.", map[string]any{"installed": fidPkgCh("tree", "2.1.0-1", ""), "removed": map[string]any{}}),
		real:   fidW(True, "All targeted packages were purged.", map[string]any{"installed": fidPkgCh("tree", "2.1.0-1", ""), "removed": map[string]any{}}),
		rerun:  fidW(True, "None of the targeted packages are installed or partially installed", nil),
		retest: fidW(True, "None of the targeted packages are installed or partially installed", nil),
	}, {
		// With one target installed, Salt adds the removed (rc) ones.
		name:  "pkg.purged: installed and rc",
		salt:  "_uninstall(), old_removed",
		setup: fidPkg("pkg.purged", "x", map[string]any{"pkgs": []any{"tree", "oldconf"}}, nil),
		test:  fidW(None, "The following packages will be purged: oldconf, tree.", map[string]any{"installed": fidPkgCh("tree", "2.1.0-1", ""), "removed": fidPkgCh("oldconf", "0.9", "")}),
		real:  fidW(True, "All targeted packages were purged.", map[string]any{"installed": fidPkgCh("tree", "2.1.0-1", ""), "removed": fidPkgCh("oldconf", "0.9", "")}),
		rerun: fidW(True, "None of the targeted packages are installed or partially installed", nil),
	}, {
		// Since 3006 (PR 63455) Salt purges a removed (rc) package too.
		name:  "pkg.purged: only configuration files left",
		salt:  "_uninstall(), action purge after _find_remove_targets() found none",
		setup: fidPkg("pkg.purged", "oldconf", nil, nil),
		test:  fidW(None, "The following packages will be purged: oldconf.", map[string]any{"installed": map[string]any{}, "removed": fidPkgCh("oldconf", "0.9", "")}),
		real:  fidW(True, "All targeted packages were purged.", map[string]any{"installed": map[string]any{}, "removed": fidPkgCh("oldconf", "0.9", "")}),
		rerun: fidW(True, "None of the targeted packages are installed or partially installed", nil),
	}, {
		name:  "pkg.purged: nothing left",
		salt:  "purged(), _find_remove_targets()",
		setup: fidPkg("pkg.purged", "nginx", nil, nil),
		real:  fidW(True, "None of the targeted packages are installed or partially installed", nil),
	}})
}

func TestSaltFidelityPkgHeld(t *testing.T) {
	fidRunAll(t, []fidCase{{
		// Salt's dry run answers True with no changes; brine's is None with
		// the real run's.
		name:   "pkg.held: held",
		salt:   "held(); aptpkg.hold()",
		setup:  fidPkg("pkg.held", "tree", nil, nil),
		test:   fidW(None, "The following package would be held: tree", map[string]any{"tree": fidHoldCh("tree", "install", "hold", "Package tree is now being held.")}),
		real:   fidW(True, "Package tree is now being held", map[string]any{"tree": fidHoldCh("tree", "install", "hold", "Package tree is now being held.")}),
		rerun:  fidW(True, "No changes made", nil),
		retest: fidW(True, "No changes made", nil),
	}, {
		name:   "pkg.unheld: released",
		salt:   "unheld(); aptpkg.unhold()",
		setup:  fidPkg("pkg.unheld", "x", map[string]any{"pkgs": []any{"tree", "curl"}}, fidHeld("tree")),
		test:   fidW(None, "The following package would be unheld: tree", map[string]any{"tree": fidHoldCh("tree", "hold", "install", "Package tree is no longer being held.")}),
		real:   fidW(True, "Package tree is no longer being held.", map[string]any{"tree": fidHoldCh("tree", "hold", "install", "Package tree is no longer being held.")}),
		rerun:  fidW(True, "No changes made", nil),
		retest: fidW(True, "No changes made", nil),
	}, {
		// Salt would set the selection of a package dpkg does not know,
		// and dpkg drop it (deliberate, see pkgHeldState's doc).
		name:  "pkg.held: not installed",
		salt:  "held()",
		setup: fidPkg("pkg.held", "ghost", nil, nil),
		test:  fidW(False, "Package ghost is not installed", nil),
	}})
}

// fidHoldCh is one package's entry in pkg.held's changes: aptpkg.hold's
// whole return for it.
func fidHoldCh(name, old, new, comment string) map[string]any {
	return map[string]any{"name": name, "changes": map[string]any{"old": old, "new": new}, "result": true, "comment": comment}
}
