package states

import (
	"reflect"
	"testing"
)

func TestPkgParseVersionlock(t *testing.T) {
	got := pkgParseVersionlock([]byte("# locks\nbash-0:5.1.8-6.el9_1.*\npython3-dnf-plugin-versionlock-4.3.0-5.el9.noarch\n!excluded-1-1.*\n"))
	if !reflect.DeepEqual(got, map[string]bool{"bash": true, "python3-dnf-plugin-versionlock": true}) {
		t.Errorf("pkgParseVersionlock = %v", got)
	}
}

func TestSaltFidelityPkgHeld(t *testing.T) {
	run := func(fun, name string, args map[string]any, held ...string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			f := newPkgFake()
			for _, n := range held {
				p := f.db[n]
				p.Want = "hold"
				f.db[n] = p
			}
			env := pkgEnv(t, f)
			return func(test bool) Result { return pkgCall(t, env, fun, name, test, args) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "pkg.held: held",
		salt:   "pkg.held(), modules/aptpkg.py hold()",
		setup:  run("pkg.held", "tree", nil),
		test:   fidW(None, "Package tree is set to be held.", map[string]any{"tree": map[string]any{"old": "", "new": "hold"}}),
		real:   fidW(True, "Package tree is now being held.", map[string]any{"tree": map[string]any{"old": "", "new": "hold"}}),
		rerun:  fidW(True, "Package tree is already set to be held.", nil),
		retest: fidW(True, "Package tree is already set to be held.", nil),
	}, {
		name:   "pkg.unheld: released",
		salt:   "pkg.unheld(), modules/aptpkg.py unhold()",
		setup:  run("pkg.unheld", "x", map[string]any{"pkgs": []any{"curl", "tree"}}, "curl"),
		test:   fidW(None, "Package tree is not being held.\nPackage curl is set to be removed from hold.", map[string]any{"curl": map[string]any{"old": "hold", "new": ""}}),
		real:   fidW(True, "Package tree is not being held.\nPackage curl is no longer being held.", map[string]any{"curl": map[string]any{"old": "hold", "new": ""}}),
		rerun:  fidW(True, "Package curl is not being held.\nPackage tree is not being held.", nil),
		retest: fidW(True, "Package curl is not being held.\nPackage tree is not being held.", nil),
	}, {
		name:  "pkg.held: not installed",
		salt:  "pkg.held()",
		setup: run("pkg.held", "ghost", nil),
		test:  fidW(False, "Package ghost is not installed", nil),
	}})
}
