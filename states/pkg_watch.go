package states

import (
	"context"
	"strings"
)

func init() {
	RegisterWatch("pkg", pkgModWatch)
}

// pkgModWatch is pkg's mod_watch: when a state a pkg.installed,
// pkg.latest, pkg.removed or pkg.purged watches has changed, the state
// runs again (and reports that second run), as Salt's mod_watch does;
// the other pkg states fail: "pkg.FUNCTION does not work with the watch
// requisite".
func pkgModWatch(ctx context.Context, req *Request) Result {
	_, sfun, _ := strings.Cut(req.Func, ".")
	switch sfun {
	case "installed", "latest", "removed", "purged":
	default:
		return Result{Name: req.Name, Result: False, Changes: map[string]any{}, Comment: "pkg." + sfun + " does not work with the watch requisite"}
	}
	fn, err := Lookup(req.Func)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	return fn(ctx, req)
}
