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

// fidUpdateErr is apt-get update failing on a repository without a
// Release file.
const fidUpdateErr = "E: The repository 'file:/srv/gone ./ Release' does not have a Release file."

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

func TestSaltFidelityPkgInstalled(t *testing.T) {
	jq := fidPkgCh("jq", "", "1.6-2", "libjq1", "", "1.6-2")
	fidRunAll(t, []fidCase{{
		name:   "pkg.installed: installed",
		salt:   "installed(); _find_install_targets()",
		setup:  fidPkg("pkg.installed", "jq", nil, nil),
		test:   fidW(None, "The following packages would be installed/updated: jq", jq),
		real:   fidW(True, "The following packages were installed/updated: jq", jq),
		rerun:  fidW(True, "All specified packages are already installed", nil),
		retest: fidW(True, "All specified packages are already installed", nil),
	}, {
		// _get_desired_pkg() names the version asked for.
		name:  "pkg.installed: a version",
		salt:  "installed(), _get_desired_pkg()",
		setup: fidPkg("pkg.installed", "hello", map[string]any{"version": "2.10-3"}, nil),
		test:  fidW(None, "The following packages would be installed/updated: hello", fidPkgCh("hello", "", "2.10-3")),
		real:  fidW(True, "The following packages were installed/updated: hello=2.10-3", fidPkgCh("hello", "", "2.10-3")),
		rerun: fidW(True, "All specified packages are already installed and are at the desired version", nil),
	}, {
		name:  "pkg.installed: some already there",
		salt:  "installed(), not_modified",
		setup: fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{"jq", "tree"}}, nil),
		test:  fidW(None, "The following packages would be installed/updated: jq", jq),
		real:  fidW(True, "The following packages were installed/updated: jq\nThe following packages were already installed: tree", jq),
		rerun: fidW(True, "All specified packages are already installed", nil),
	}, {
		// aptpkg.install() takes the newest version matching the operator;
		// the comment names the operator asked for.
		name:  "pkg.installed: pkgs with an operator",
		salt:  "installed(), _get_desired_pkg(); aptpkg.install() match_version",
		setup: fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{map[string]any{"hello": ">=2.10"}, "tree"}}, nil),
		test:  fidW(None, "The following packages would be installed/updated: hello", fidPkgCh("hello", "", "2.10-4")),
		real:  fidW(True, "The following packages were installed/updated: hello>=2.10\nThe following packages were already installed: tree", fidPkgCh("hello", "", "2.10-4")),
		rerun: fidW(True, "All specified packages are already installed and are at the desired version", nil),
	}, {
		name:  "pkg.installed: another version installed",
		salt:  "installed(), _find_install_targets() version check",
		setup: fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{map[string]any{"curl": "7.88.1-2"}}}, nil),
		test:  fidW(None, "The following packages would be installed/updated: curl", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		real:  fidW(True, "The following packages were installed/updated: curl=7.88.1-2", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		rerun: fidW(True, "All specified packages are already installed and are at the desired version", nil),
	}, {
		// A summary of 20 characters or more is counted, not listed.
		name:  "pkg.installed: many installed",
		salt:  "installed(), len(summary) < 20",
		setup: fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{"nginx", "nginx-common", "jq", "tree"}}, nil),
		real:  fidW(True, "3 targeted packages were installed/updated.\nThe following packages were already installed: tree", fidPkgCh("jq", "", "1.6-2", "libjq1", "", "1.6-2", "nginx", "", "1.22.1-9", "nginx-common", "", "1.22.1-9")),
	}, {
		// allow_updates turns a lone exact version into >=.
		name:   "pkg.installed: allow_updates with a newer one installed",
		salt:   "_fulfills_version_string(allow_updates=True)",
		setup:  fidPkg("pkg.installed", "curl", map[string]any{"version": "7.88.0-1", "allow_updates": true}, nil),
		test:   fidW(True, "All specified packages are already installed and are at the desired version", nil),
		real:   fidW(True, "All specified packages are already installed and are at the desired version", nil),
		retest: fidW(True, "All specified packages are already installed and are at the desired version", nil),
	}, {
		// aptpkg.normalize_name drops the system's own architecture.
		name:   "pkg.installed: the native architecture named",
		salt:   "_repack_pkgs(normalize=True), aptpkg.normalize_name()",
		setup:  fidPkg("pkg.installed", "jq:amd64", nil, nil),
		test:   fidW(None, "The following packages would be installed/updated: jq", jq),
		real:   fidW(True, "The following packages were installed/updated: jq", jq),
		rerun:  fidW(True, "All specified packages are already installed", nil),
		retest: fidW(True, "All specified packages are already installed", nil),
	}, {
		// A template's loop that yielded nothing.
		name:   "pkg.installed: an empty pkgs",
		salt:   "installed(), the first check",
		setup:  fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{}}, nil),
		test:   fidW(True, "No packages to install provided", nil),
		real:   fidW(True, "No packages to install provided", nil),
		retest: fidW(True, "No packages to install provided", nil),
	}, {
		name:   "pkg.installed: version latest",
		salt:   "_find_install_targets(), wants_latest",
		setup:  fidPkg("pkg.installed", "hello", map[string]any{"version": "latest"}, nil),
		test:   fidW(None, "The following packages would be installed/updated: hello", fidPkgCh("hello", "", "2.10-4")),
		real:   fidW(True, "The following packages were installed/updated: hello=2.10-4", fidPkgCh("hello", "", "2.10-4")),
		rerun:  fidW(True, "All specified packages are already installed and are at the desired version", nil),
		retest: fidW(True, "All specified packages are already installed and are at the desired version", nil),
	}, {
		// apt has no pkg.check_db: the package goes to aptpkg.install(),
		// whose CommandExecutionError carries apt-get's error.
		name:  "pkg.installed: no such package",
		salt:  "installed(), CommandExecutionError.strerror_without_changes from aptpkg.install()",
		setup: fidPkg("pkg.installed", "nosuch", nil, nil),
		test:  fidW(False, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - E: Unable to locate package nosuch", nil),
		real:  fidW(False, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - E: Unable to locate package nosuch", nil),
	}, {
		// aptpkg.refresh_db() raises with apt-get update's stderr;
		// installed() words an exception without info so.
		name:  "pkg.installed: the index update fails",
		salt:  "installed(), aptpkg.install() refresh_db()",
		setup: fidPkg("pkg.installed", "jq", nil, func(f *pkgFake) { f.refreshErr = fidUpdateErr }),
		test:  fidW(False, "An error was encountered while installing package(s): "+fidUpdateErr, nil),
		real:  fidW(False, "An error was encountered while installing package(s): "+fidUpdateErr, nil),
	}, {
		name:  "pkg.installed: pkgs and sources",
		salt:  "_find_install_targets(), all((pkgs, sources))",
		setup: fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{"jq"}, "sources": []any{map[string]any{"hello": "/srv/pkgs/hello_2.10-4.deb"}}}, nil),
		test:  fidW(False, `Only one of "pkgs" and "sources" is permitted.`, nil),
		real:  fidW(False, `Only one of "pkgs" and "sources" is permitted.`, nil),
	}, {
		name:  "pkg.installed: no version matches",
		salt:  "aptpkg.install(), match_version() is None",
		setup: fidPkg("pkg.installed", "hello", map[string]any{"version": ">=3"}, nil),
		test:  fidW(False, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - No version matching 'hello>=3' could be found (available: 2.10-4, 2.10-3, 2.9-1)", nil),
		real:  fidW(False, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - No version matching 'hello>=3' could be found (available: 2.10-4, 2.10-3, 2.9-1)", nil),
	}, {
		// An installed package and hold: the dict of _find_install_targets()
		// gets pkg.hold's comment after ".\n"; under test aptpkg.hold()
		// answers None, which fails the hold list and makes the result None.
		name:   "pkg.installed: hold on an installed package",
		salt:   "installed(), the ValueError branch; aptpkg.hold() and set_selections()",
		setup:  fidPkg("pkg.installed", "tree", map[string]any{"hold": true}, nil),
		test:   fidW(None, "All specified packages are already installed.\nPackage tree is set to be held.", map[string]any{"tree": map[string]any{"old": "install", "new": "hold"}}),
		real:   fidW(True, "All specified packages are already installed.\nPackage tree is now being held.", map[string]any{"tree": map[string]any{"old": "install", "new": "hold"}}),
		rerun:  fidW(True, "All specified packages are already installed.\nPackage tree is already set to be held.", nil),
		retest: fidW(True, "All specified packages are already installed.\nPackage tree is already set to be held.", nil),
	}, {
		name:   "pkg.installed: hold False on a held package",
		salt:   "installed(), the ValueError branch; aptpkg.unhold()",
		setup:  fidPkg("pkg.installed", "tree", map[string]any{"hold": false}, fidHeld("tree")),
		test:   fidW(None, "All specified packages are already installed.\nPackage tree is set not to be held.", map[string]any{"tree": map[string]any{"old": "hold", "new": "install"}}),
		real:   fidW(True, "All specified packages are already installed.\nPackage tree is no longer being held.", map[string]any{"tree": map[string]any{"old": "hold", "new": "install"}}),
		rerun:  fidW(True, "All specified packages are already installed.\nPackage tree is already set not to be held.", nil),
		retest: fidW(True, "All specified packages are already installed.\nPackage tree is already set not to be held.", nil),
	}, {
		// A new package and hold: pkg.hold's change is appended to the
		// install's, each value on a line of its own.
		name:  "pkg.installed: installed and held",
		salt:  "installed(), modified_hold",
		setup: fidPkg("pkg.installed", "jq", map[string]any{"hold": true}, nil),
		test:  fidW(None, "The following packages would be installed/updated: jq", fidPkgCh("jq", "install", "1.6-2\nhold", "libjq1", "", "1.6-2")),
		real:  fidW(True, "The following packages were installed/updated: jq\nPackage jq is now being held.", fidPkgCh("jq", "install", "1.6-2\nhold", "libjq1", "", "1.6-2")),
		rerun: fidW(True, "All specified packages are already installed.\nPackage jq is already set to be held.", nil),
	}, {
		// aptpkg.install() releases a held target, installs it and holds
		// it again.
		name:  "pkg.installed: a held package upgraded",
		salt:  "aptpkg.install(), to_unhold",
		setup: fidPkg("pkg.installed", "curl", map[string]any{"version": "7.88.1-2"}, fidHeld("curl")),
		test:  fidW(None, "The following packages would be installed/updated: curl", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		real:  fidW(True, "The following packages were installed/updated: curl=7.88.1-2", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		rerun: fidW(True, "All specified packages are already installed and are at the desired version", nil),
	}, {
		name:   "pkg.installed: reinstall",
		salt:   "installed(), to_reinstall",
		setup:  fidPkg("pkg.installed", "tree", map[string]any{"reinstall": true}, nil),
		test:   fidW(None, "The following packages would be reinstalled: tree", fidPkgCh("tree", "2.1.0-1", "2.1.0-1")),
		real:   fidW(True, "Package tree was reinstalled.", fidPkgCh("tree", "2.1.0-1", "2.1.0-1")),
		rerun:  fidW(True, "Package tree was reinstalled.", fidPkgCh("tree", "2.1.0-1", "2.1.0-1")),
		retest: fidW(None, "The following packages would be reinstalled: tree", fidPkgCh("tree", "2.1.0-1", "2.1.0-1")),
	}, {
		name:  "pkg.installed: reinstall with a new package",
		salt:  "installed(), targets and to_reinstall",
		setup: fidPkg("pkg.installed", "x", map[string]any{"pkgs": []any{"jq", "tree"}, "reinstall": true}, nil),
		test:  fidW(None, "The following packages would be installed/updated: jq\nThe following packages would be reinstalled: tree", fidPkgCh("jq", "", "1.6-2", "libjq1", "", "1.6-2", "tree", "2.1.0-1", "2.1.0-1")),
		real:  fidW(True, "The following packages were installed/updated: jq\nPackage tree was reinstalled.", fidPkgCh("jq", "", "1.6-2", "libjq1", "", "1.6-2", "tree", "2.1.0-1", "2.1.0-1")),
	}, {
		name:   "pkg.installed: sources",
		salt:   "installed(), sources",
		setup:  fidPkg("pkg.installed", "x", map[string]any{"sources": []any{map[string]any{"hello": "/srv/pkgs/hello_2.10-4.deb"}, map[string]any{"tree": "/srv/pkgs/tree_2.1.0-1.deb"}}}, nil),
		test:   fidW(None, "The following packages would be installed/updated: hello", fidPkgCh("hello", "", "2.10-4")),
		real:   fidW(True, "The following packages were installed/updated: hello\nThe following packages were already installed: tree", fidPkgCh("hello", "", "2.10-4")),
		rerun:  fidW(True, "All specified packages are already installed", nil),
		retest: fidW(True, "All specified packages are already installed", nil),
	}})
}

func TestSaltFidelityPkgLatest(t *testing.T) {
	jq := fidPkgCh("jq", "", "1.6-2", "libjq1", "", "1.6-2")
	fidRunAll(t, []fidCase{{
		name:   "pkg.latest: not installed",
		salt:   "latest()",
		setup:  fidPkg("pkg.latest", "jq", nil, nil),
		test:   fidW(None, "The following packages would be installed/upgraded: jq", jq),
		real:   fidW(True, "The following packages were successfully installed/upgraded: jq", jq),
		rerun:  fidW(True, "Package jq is already up-to-date", nil),
		retest: fidW(True, "Package jq is already up-to-date", nil),
	}, {
		name:  "pkg.latest: an upgrade",
		salt:  "latest()",
		setup: fidPkg("pkg.latest", "curl", nil, nil),
		test:  fidW(None, "The following packages would be installed/upgraded: curl", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		real:  fidW(True, "The following packages were successfully installed/upgraded: curl", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		rerun: fidW(True, "Package curl is already up-to-date", nil),
	}, {
		// The real run's comments are joined by a space; the dry run names
		// the versions of the up-to-date ones.
		name:   "pkg.latest: pkgs, some up-to-date",
		salt:   "latest(), up_to_date",
		setup:  fidPkg("pkg.latest", "x", map[string]any{"pkgs": []any{"curl", "tree"}}, nil),
		test:   fidW(None, "The following packages would be installed/upgraded: curl\nThe following packages are already up-to-date: tree (2.1.0-1)", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		real:   fidW(True, "The following packages were successfully installed/upgraded: curl The following packages were already up-to-date: tree", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		rerun:  fidW(True, "All packages are up-to-date (curl, tree).", nil),
		retest: fidW(True, "All packages are up-to-date (curl, tree).", nil),
	}, {
		name:  "pkg.latest: the index update fails",
		salt:  "latest(), pkg.latest_version() raising",
		setup: fidPkg("pkg.latest", "jq", nil, func(f *pkgFake) { f.refreshErr = fidUpdateErr }),
		test:  fidW(False, "An error was encountered while checking the newest available version of package(s): "+fidUpdateErr, nil),
		real:  fidW(False, "An error was encountered while checking the newest available version of package(s): "+fidUpdateErr, nil),
	}, {
		name:   "pkg.uptodate: upgrades",
		salt:   "uptodate(); aptpkg.list_upgrades(), upgrade()",
		setup:  fidPkg("pkg.uptodate", "system", nil, nil),
		test:   fidW(None, "System update will be performed", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		real:   fidW(True, "Upgrade ran successfully", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		rerun:  fidW(True, "System is already up-to-date", nil),
		retest: fidW(True, "System is already up-to-date", nil),
	}, {
		// list_upgrades() lists what dist-upgrade takes, upgrade() runs
		// apt-get upgrade, which keeps the package back: Salt reports an
		// upgrade that changes nothing, run after run.
		name:   "pkg.uptodate: a package apt-get upgrade keeps back",
		salt:   "uptodate(); list_upgrades(dist_upgrade=True), upgrade(dist_upgrade=False)",
		setup:  fidPkg("pkg.uptodate", "system", nil, func(f *pkgFake) { f.keptBack = map[string]bool{"curl": true, "libcurl": true} }),
		test:   fidW(None, "System update will be performed", nil),
		real:   fidW(True, "Upgrade ran successfully", nil),
		rerun:  fidW(True, "Upgrade ran successfully", nil),
		retest: fidW(None, "System update will be performed", nil),
	}, {
		name:  "pkg.uptodate: dist_upgrade",
		salt:  "uptodate(), dist_upgrade passed to both",
		setup: fidPkg("pkg.uptodate", "system", map[string]any{"dist_upgrade": true}, func(f *pkgFake) { f.keptBack = map[string]bool{"curl": true, "libcurl": true} }),
		test:  fidW(None, "System update will be performed", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		real:  fidW(True, "Upgrade ran successfully", fidPkgCh("curl", "7.88.1-1", "7.88.1-2", "libcurl", "7.88.1-1", "7.88.1-2")),
		rerun: fidW(True, "System is already up-to-date", nil),
	}, {
		name:  "pkg.uptodate: the index update fails",
		salt:  "uptodate(), str(exc) of list_upgrades(refresh=True)",
		setup: fidPkg("pkg.uptodate", "system", map[string]any{"refresh": true}, func(f *pkgFake) { f.refreshErr = fidUpdateErr }),
		test:  fidW(False, fidUpdateErr, nil),
		real:  fidW(False, fidUpdateErr, nil),
	}, {
		// latest() puts the whole exception after its prefix: the info's
		// changes (none) in nested's layout before the errors.
		name:  "pkg.latest: apt fails",
		salt:  "latest(), 'An error was encountered while installing package(s): {}'.format(exc)",
		setup: fidPkg("pkg.latest", "jq", nil, func(f *pkgFake) { delete(f.repo, "libjq1") }),
		test:  fidW(False, "An error was encountered while installing package(s): Problem encountered installing package(s). Additional info follows:\n\nchanges:\n    ----------\nerrors:\n    - E: Unable to locate package libjq1", nil),
		real:  fidW(False, "An error was encountered while installing package(s): Problem encountered installing package(s). Additional info follows:\n\nchanges:\n    ----------\nerrors:\n    - E: Unable to locate package libjq1", nil),
	}, {
		name:  "pkg.latest: sources",
		salt:  "latest(), kwargs.get('sources')",
		setup: fidPkg("pkg.latest", "hello", map[string]any{"sources": []any{map[string]any{"hello": "/srv/pkgs/hello_2.10-4.deb"}}}, nil),
		test:  fidW(False, `The "sources" parameter is not supported.`, nil),
		real:  fidW(False, `The "sources" parameter is not supported.`, nil),
	}, {
		name:  "pkg.latest: an empty pkgs",
		salt:  "latest(), isinstance(pkgs, list) and len(pkgs) == 0",
		setup: fidPkg("pkg.latest", "x", map[string]any{"pkgs": []any{}}, nil),
		test:  fidW(True, "No packages to install provided", nil),
		real:  fidW(True, "No packages to install provided", nil),
	}, {
		name:  "pkg.latest: missing packages",
		salt:  "latest(), problems",
		setup: fidPkg("pkg.latest", "x", map[string]any{"pkgs": []any{"nosuch", "tree", "nope"}}, nil),
		test:  fidW(False, "No information found for 'nosuch'. No information found for 'nope'.", nil),
		real:  fidW(False, "No information found for 'nosuch'. No information found for 'nope'.", nil),
	}})
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
		name:   "pkg.removed: the native architecture named",
		salt:   "_find_remove_targets(), pkg.normalize_name",
		setup:  fidPkg("pkg.removed", "x", map[string]any{"pkgs": []any{"tree:amd64", "curl:all"}}, nil),
		test:   fidW(None, "The following packages will be removed: curl, tree.", fidPkgCh("tree", "2.1.0-1", "", "curl", "7.88.1-1", "")),
		real:   fidW(True, "All targeted packages were removed.", fidPkgCh("tree", "2.1.0-1", "", "curl", "7.88.1-1", "")),
		rerun:  fidW(True, "All specified packages are already absent", nil),
		retest: fidW(True, "All specified packages are already absent", nil),
	}, {
		// Salt's removal takes an empty pkgs for none: the name is the
		// package.
		name:  "pkg.removed: an empty pkgs",
		salt:  "_find_remove_targets(), if pkgs",
		setup: fidPkg("pkg.removed", "tree", map[string]any{"pkgs": []any{}}, nil),
		test:  fidW(None, "The following packages will be removed: tree.", fidPkgCh("tree", "2.1.0-1", "")),
		real:  fidW(True, "All targeted packages were removed.", fidPkgCh("tree", "2.1.0-1", "")),
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
		// apt ignores the version of a {name: version} item.
		name:   "pkg.held: pkgs with a version",
		salt:   "held(), pkg_name, pkg_ver = next(iter(pkg.items()))",
		setup:  fidPkg("pkg.held", "x", map[string]any{"pkgs": []any{map[string]any{"tree": "2.1.0-1"}, "curl"}}, fidHeld("curl")),
		test:   fidW(None, "The following package would be held: tree", map[string]any{"tree": fidHoldCh("tree", "install", "hold", "Package tree is now being held.")}),
		real:   fidW(True, "Package tree is now being held", map[string]any{"tree": fidHoldCh("tree", "install", "hold", "Package tree is now being held.")}),
		rerun:  fidW(True, "No changes made", nil),
		retest: fidW(True, "No changes made", nil),
	}, {
		// replace releases the held packages not named, after the others.
		name:   "pkg.held: replace",
		salt:   "held(), replace",
		setup:  fidPkg("pkg.held", "tree", map[string]any{"replace": true}, fidHeld("curl")),
		test:   fidW(None, "The following package would be held: tree\nThe following package would be unheld: curl", map[string]any{"tree": fidHoldCh("tree", "install", "hold", "Package tree is now being held."), "curl": fidHoldCh("curl", "hold", "install", "Package curl is no longer being held.")}),
		real:   fidW(True, "Package tree is now being held\nPackage curl is no longer being held.", map[string]any{"tree": fidHoldCh("tree", "install", "hold", "Package tree is now being held."), "curl": fidHoldCh("curl", "hold", "install", "Package curl is no longer being held.")}),
		rerun:  fidW(True, "No changes made", nil),
		retest: fidW(True, "No changes made", nil),
	}, {
		name:   "pkg.unheld: all",
		salt:   "unheld(), all",
		setup:  fidPkg("pkg.unheld", "x", map[string]any{"all": true}, fidHeld("tree", "curl")),
		test:   fidW(None, "The following package would be unheld: curl\nThe following package would be unheld: tree", map[string]any{"tree": fidHoldCh("tree", "hold", "install", "Package tree is no longer being held."), "curl": fidHoldCh("curl", "hold", "install", "Package curl is no longer being held.")}),
		real:   fidW(True, "Package curl is no longer being held.\nPackage tree is no longer being held.", map[string]any{"tree": fidHoldCh("tree", "hold", "install", "Package tree is no longer being held."), "curl": fidHoldCh("curl", "hold", "install", "Package curl is no longer being held.")}),
		rerun:  fidW(True, "No changes made", nil),
		retest: fidW(True, "No changes made", nil),
	}, {
		name:  "pkg.held: an empty pkgs",
		salt:  "held(), the first check",
		setup: fidPkg("pkg.held", "x", map[string]any{"pkgs": []any{}}, nil),
		test:  fidW(True, "No packages to be held provided", nil),
		real:  fidW(True, "No packages to be held provided", nil),
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
