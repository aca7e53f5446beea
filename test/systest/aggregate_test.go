//go:build systest

package systest

import (
	"sort"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/testbed"
)

// TestPkgAggregateRoot is Salt's aggregation on the image's real apt:
// `aggregate: True` on the first pkg.installed folds the others not run
// yet into its pkgs (Salt's pkg.mod_aggregate, a version as {name:
// version}), so it installs them all in one call; the folded states
// still run after and find their packages installed, their version gone
// (Salt pops it). Under test=True each says what it would do on its own.
func TestPkgAggregateRoot(t *testing.T) {
	dir := imageRoot(t)
	apply := onFolder(dir, map[string]string{"agg.sls": "hello:\n  pkg.installed:\n    - aggregate: True\nsl:\n  pkg.installed\nat:\n  pkg.installed:\n    - version: 3.2.5-1+b1\n"})
	type want struct{ id, result, comment, changes string }
	check := func(name string, got []testbedResult, wants []want) {
		t.Helper()
		if len(got) != len(wants) {
			t.Fatalf("%s: %d results, want %d: %v", name, len(got), len(wants), got)
		}
		for i, w := range wants {
			g := got[i]
			if g.id != w.id || g.result != w.result || g.comment != w.comment || g.changes != w.changes {
				t.Errorf("%s: result %d = %+v\nwant %+v", name, i, g, w)
			}
		}
	}
	dry := summarize(apply(t, "agg", true))
	check("test=True", dry, []want{
		{"hello", "None", "The following packages would be installed/updated: hello, sl, at", "at hello libncurses6 sl"},
		{"sl", "None", "The following packages would be installed/updated: sl", "libncurses6 sl"},
		{"at", "None", "The following packages would be installed/updated: at", "at"},
	})
	real := summarize(apply(t, "agg", false))
	check("real", real, []want{
		// Salt's pkg.installed: a summary of 20 characters or more is a count.
		{"hello", "True", "3 targeted packages were installed/updated.", "at hello libncurses6 sl"},
		{"sl", "True", "All specified packages are already installed", ""},
		{"at", "True", "All specified packages are already installed", ""},
	})
	for _, p := range []string{"hello", "sl", "at"} {
		if st := dpkgStatus(t, dir, p); !strings.HasPrefix(st, "install ok installed") {
			t.Errorf("%s: dpkg status %q", p, st)
		}
	}
}

type testbedResult struct{ id, result, comment, changes string }

func summarize(rs []testbed.StateResult) []testbedResult {
	var out []testbedResult
	for _, r := range rs {
		var keys []string
		for k := range r.Changes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out = append(out, testbedResult{r.ID, show(r.Result), r.Comment, strings.Join(keys, " ")})
	}
	return out
}
