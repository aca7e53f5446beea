package states

import (
	"context"
	"testing"
)

// TestPkgModWatch: Salt's pkg.mod_watch reruns installed, latest,
// removed and purged, and refuses the other functions.
func TestPkgModWatch(t *testing.T) {
	fn, ok := Watcher("pkg")
	if !ok {
		t.Fatal("pkg has no mod_watch")
	}
	for _, fun := range []string{"pkg.uptodate", "pkg.held", "pkg.unheld"} {
		res := fn(context.Background(), &Request{ID: "x", Name: "x", Func: fun, Args: NewArgs(nil)})
		if res.Result != False || res.Comment != fun+" does not work with the watch requisite" {
			t.Errorf("%s: %v %q", fun, res.Result, res.Comment)
		}
	}
}
