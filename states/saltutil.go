package states

import (
	"context"
	"fmt"
)

// saltutilSyncKinds are the sync_* states of Salt 3006's saltutil state
// module, each its saltutil.sync_<kind> execution function.
var saltutilSyncKinds = []string{"beacons", "clouds", "engines", "grains", "executors", "log_handlers", "modules",
	"output", "outputters", "pillar", "proxymodules", "matchers", "renderers", "returners", "sdb", "states",
	"tops", "thorium", "utils", "serializers"}

func init() {
	params := func(kind string) []Param {
		return []Param{
			{Name: "name", Type: String, Doc: "a label."},
			{Name: "(any keyword argument)", Rest: true, Doc: fmt.Sprintf("accepted and ignored, as saltutil.%s's (refresh, saltenv, extmod_whitelist…).", kind)},
		}
	}
	Register("saltutil.sync_all", saltutilSyncState("all"), params("sync_all")...)
	for _, kind := range saltutilSyncKinds {
		Register("saltutil.sync_"+kind, saltutilSyncState(kind), params("sync_"+kind)...)
	}
}

// saltutilSyncState is Salt's saltutil.sync_<kind> state: it runs the
// sync and reports what came. brine runs no custom Python modules
// (_modules, _states, _grains…), so nothing ever comes: "No updates to
// sync".
//
// Salt: the comments are Salt 3006's saltutil states' when nothing is
// new; brine has nothing to sync.
func saltutilSyncState(kind string) Func {
	return func(ctx context.Context, req *Request) Result {
		if req.Test {
			return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("saltutil.sync_%s would have been run", kind), Changes: map[string]any{}}
		}
		return Result{Name: req.Name, Result: True, Comment: "No updates to sync", Changes: map[string]any{}}
	}
}
