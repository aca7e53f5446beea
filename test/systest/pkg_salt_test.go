//go:build systest

package systest

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states"
	"github.com/brine-cm/brine/test/testbed"
)

// The package states against the image's real apt and dpkg, with results
// pinned to Salt 3006's salt/states/pkg.py over salt/modules/aptpkg.py
// (the same values as states/salt_fidelity_pkg_test.go pins on the fake).
// Two versions of a package of the test's own, one with a dependency and
// a configuration file, are added to the image's local repository, so
// that upgrades, holds and leftover configuration files are real.

// pkgBuildDeb builds name_version_all.deb in dir: a file, a conffile, and
// the dependencies given.
func pkgBuildDeb(t *testing.T, dir, name, version, depends string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), name)
	control := "Package: " + name + "\nVersion: " + version + "\nArchitecture: all\nMaintainer: brine <brine@localhost>\nDescription: brine test package\n"
	if depends != "" {
		control += "Depends: " + depends + "\n"
	}
	files := map[string]string{
		"DEBIAN/control":                    control,
		"DEBIAN/conffiles":                  "/etc/" + name + ".conf\n",
		"etc/" + name + ".conf":             "setting = 1\n",
		"usr/share/doc/" + name + "/README": name + " " + version + "\n",
	}
	for p, body := range files {
		full := filepath.Join(src, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, name+"_"+version+"_all.deb")
	if b, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", src, out).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb %s: %v: %s", out, err, b)
	}
}

// pkgSaltRoot is an image whose repository also offers brinetest 1.0-1
// and 2.0-1 (which needs brinedep).
func pkgSaltRoot(t *testing.T) string {
	t.Helper()
	dir := imageRoot(t)
	repo := filepath.Join(dir, testbed.RepoDir)
	pkgBuildDeb(t, repo, "brinetest", "1.0-1", "")
	pkgBuildDeb(t, repo, "brinetest", "2.0-1", "brinedep")
	pkgBuildDeb(t, repo, "brinedep", "1.0-1", "")
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	cmd.Dir = repo
	index, err := cmd.Output()
	if err != nil {
		t.Fatalf("dpkg-scanpackages: %v", err)
	}
	if err := os.WriteFile(filepath.Join(repo, "Packages"), index, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

type pkgSaltWant struct {
	result  states.Outcome
	comment string
}

func TestPkgSaltFidelityRoot(t *testing.T) {
	dir := pkgSaltRoot(t)
	env := &states.Env{Cache: &states.RunCache{}}
	ch := func(kv ...string) map[string]any {
		out := map[string]any{}
		for i := 0; i+2 < len(kv); i += 3 {
			out[kv[i]] = map[string]any{"old": kv[i+1], "new": kv[i+2]}
		}
		return out
	}
	problem := func(verb, msg string) string {
		return "Problem encountered " + verb + " package(s). Additional info follows:\n\nerrors:\n    - " + msg
	}
	// Each step runs the state under test=True and then for real, in
	// order, on the one image; changes nil skips comparing them, and the
	// real run's must always equal the dry run's.
	steps := []struct {
		fun, name  string
		args       map[string]any
		test, real pkgSaltWant
		changes    map[string]any
		status     string // dpkg's status and version of brinetest after
	}{{
		fun: "pkg.installed", name: "brinetest", args: map[string]any{"version": "1.0-1"},
		test:    pkgSaltWant{states.None, "The following packages would be installed/updated: brinetest"},
		real:    pkgSaltWant{states.True, "The following packages were installed/updated: brinetest=1.0-1"},
		changes: ch("brinetest", "", "1.0-1"),
		status:  "install ok installed 1.0-1",
	}, {
		fun: "pkg.installed", name: "brinetest", args: map[string]any{"version": "1.0-1"},
		test:    pkgSaltWant{states.True, "All specified packages are already installed and are at the desired version"},
		real:    pkgSaltWant{states.True, "All specified packages are already installed and are at the desired version"},
		changes: map[string]any{},
	}, {
		// brinetest 2.0-1 needs a new package: apt-get upgrade keeps it
		// back, while list_upgrades (dist-upgrade) lists it.
		fun: "pkg.uptodate", name: "system",
		test:    pkgSaltWant{states.None, "System update will be performed"},
		real:    pkgSaltWant{states.True, "Upgrade ran successfully"},
		changes: map[string]any{},
		status:  "install ok installed 1.0-1",
	}, {
		fun: "pkg.installed", name: "nosuch",
		test:    pkgSaltWant{states.False, problem("installing", "E: Unable to locate package nosuch")},
		real:    pkgSaltWant{states.False, problem("installing", "E: Unable to locate package nosuch")},
		changes: map[string]any{},
	}, {
		fun: "pkg.installed", name: "brinetest", args: map[string]any{"version": ">=3"},
		test: pkgSaltWant{states.False, problem("installing", "No version matching 'brinetest>=3' could be found (available: 2.0-1, 1.0-1)")},
		real: pkgSaltWant{states.False, problem("installing", "No version matching 'brinetest>=3' could be found (available: 2.0-1, 1.0-1)")},
	}, {
		fun: "pkg.installed", name: "brinetest", args: map[string]any{"hold": true},
		test:    pkgSaltWant{states.None, "All specified packages are already installed.\nPackage brinetest is set to be held."},
		real:    pkgSaltWant{states.True, "All specified packages are already installed.\nPackage brinetest is now being held."},
		changes: map[string]any{"brinetest": map[string]any{"old": "install", "new": "hold"}},
		status:  "hold ok installed 1.0-1",
	}, {
		// aptpkg.install() releases a held target and holds it again.
		fun: "pkg.latest", name: "brinetest",
		test:    pkgSaltWant{states.None, "The following packages would be installed/upgraded: brinetest"},
		real:    pkgSaltWant{states.True, "The following packages were successfully installed/upgraded: brinetest"},
		changes: ch("brinetest", "1.0-1", "2.0-1", "brinedep", "", "1.0-1"),
		status:  "hold ok installed 2.0-1",
	}, {
		fun: "pkg.installed", name: "brinetest", args: map[string]any{"reinstall": true},
		test:    pkgSaltWant{states.None, "The following packages would be reinstalled: brinetest"},
		real:    pkgSaltWant{states.True, "Package brinetest was reinstalled."},
		changes: ch("brinetest", "2.0-1", "2.0-1"),
		status:  "hold ok installed 2.0-1",
	}, {
		fun: "pkg.removed", name: "brinetest", args: map[string]any{"version": "1.0-1"},
		test:    pkgSaltWant{states.True, "All specified packages (matching specified versions) are already absent"},
		real:    pkgSaltWant{states.True, "All specified packages (matching specified versions) are already absent"},
		changes: map[string]any{},
	}, {
		// aptpkg's removal does not release holds: apt-get refuses.
		fun: "pkg.removed", name: "brinetest",
		test:    pkgSaltWant{states.False, problem("removing", "E: Held packages were changed and -y was used without --allow-change-held-packages.")},
		real:    pkgSaltWant{states.False, problem("removing", "E: Held packages were changed and -y was used without --allow-change-held-packages.")},
		changes: map[string]any{},
		status:  "hold ok installed 2.0-1",
	}, {
		fun: "pkg.unheld", name: "brinetest",
		test:   pkgSaltWant{states.None, "The following package would be unheld: brinetest"},
		real:   pkgSaltWant{states.True, "Package brinetest is no longer being held."},
		status: "install ok installed 2.0-1",
	}, {
		fun: "pkg.removed", name: "x", args: map[string]any{"pkgs": []any{"brinetest", "sl"}},
		test:    pkgSaltWant{states.None, "The following packages will be removed: brinetest."},
		real:    pkgSaltWant{states.True, "The following packages were not installed: sl The following packages were removed: brinetest."},
		changes: ch("brinetest", "2.0-1", ""),
		status:  "deinstall ok config-files 2.0-1",
	}, {
		fun: "pkg.removed", name: "brinetest",
		test:    pkgSaltWant{states.True, "All specified packages are already absent"},
		real:    pkgSaltWant{states.True, "All specified packages are already absent"},
		changes: map[string]any{},
	}, {
		// Since 3006 Salt purges a package left as its configuration files.
		fun: "pkg.purged", name: "brinetest",
		test:    pkgSaltWant{states.None, "The following packages will be purged: brinetest."},
		real:    pkgSaltWant{states.True, "All targeted packages were purged."},
		changes: map[string]any{"installed": map[string]any{}, "removed": ch("brinetest", "2.0-1", "")},
	}, {
		fun: "pkg.purged", name: "brinetest",
		test:    pkgSaltWant{states.True, "None of the targeted packages are installed or partially installed"},
		real:    pkgSaltWant{states.True, "None of the targeted packages are installed or partially installed"},
		changes: map[string]any{},
	}, {
		// A virtual package an installed one provides: apt installs
		// nothing, and the name is not in the database, so Salt's
		// _verify_install() finds it failed, run after run.
		fun: "pkg.installed", name: "awk",
		test:    pkgSaltWant{states.None, "The following packages would be installed/updated: awk"},
		real:    pkgSaltWant{states.False, "The following packages failed to install/update: awk"},
		changes: map[string]any{},
	}, {
		fun: "pkg.latest", name: "x", args: map[string]any{"pkgs": []any{"nosuch", "brinedep", "nope"}},
		test: pkgSaltWant{states.False, "No information found for 'nosuch'. No information found for 'nope'."},
		real: pkgSaltWant{states.False, "No information found for 'nosuch'. No information found for 'nope'."},
	}}
	for i, s := range steps {
		dry := rootCall(t, env, dir, s.fun, s.name, true, s.args)
		real := rootCall(t, env, dir, s.fun, s.name, false, s.args)
		if dry.Result != s.test.result || dry.Comment != s.test.comment {
			t.Errorf("step %d %s test=True:\n got %v %q\nwant %v %q", i, s.fun, dry.Result, dry.Comment, s.test.result, s.test.comment)
		}
		if real.Result != s.real.result || real.Comment != s.real.comment {
			t.Errorf("step %d %s:\n got %v %q\nwant %v %q", i, s.fun, real.Result, real.Comment, s.real.result, s.real.comment)
		}
		if !reflect.DeepEqual(dry.Changes, real.Changes) {
			t.Errorf("step %d %s: the dry run reported %v, the real run made %v", i, s.fun, dry.Changes, real.Changes)
		}
		if s.changes != nil && !reflect.DeepEqual(real.Changes, s.changes) {
			t.Errorf("step %d %s: changes %v, want %v", i, s.fun, real.Changes, s.changes)
		}
		if s.status != "" {
			if got := dpkgStatus(t, dir, "brinetest"); got != s.status {
				t.Errorf("step %d %s: brinetest is %q, want %q", i, s.fun, got, s.status)
			}
		}
	}
}

// TestPkgSaltUpdateFails: apt-get update fails on a flat source that is
// not there; pkg.installed words it as Salt's installed() words
// aptpkg.refresh_db's exception: what apt-get update printed on stderr.
func TestPkgSaltUpdateFails(t *testing.T) {
	dir := imageRoot(t)
	list := filepath.Join(dir, "etc/apt/sources.list.d/gone.list")
	if err := os.WriteFile(list, []byte("deb [trusted=yes] file:"+filepath.Join(dir, "srv/gone")+" ./\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := &states.Env{Cache: &states.RunCache{}}
	res := rootCall(t, env, dir, "pkg.installed", "hello", false, map[string]any{"refresh": true})
	prefix := "An error was encountered while installing package(s): E: Failed to fetch file:" + filepath.Join(dir, "srv/gone") + "/./Packages  File not found"
	if res.Result != states.False || len(res.Changes) != 0 || !strings.HasPrefix(res.Comment, prefix) {
		t.Errorf("pkg.installed with a broken source = %v %q %v; want False, no changes, a comment starting %q", res.Result, res.Comment, res.Changes, prefix)
	}
}
