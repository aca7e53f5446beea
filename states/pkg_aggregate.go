package states

import (
	"reflect"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

func init() {
	RegisterAggregate("pkg", pkgModAggregate)
}

// pkgModAggregate is Salt's pkg.mod_aggregate: a pkg.installed,
// pkg.latest, pkg.removed or pkg.purged about to run takes into its pkgs
// (or sources) the packages of every call of the same function not run
// yet, with the same fromrepo and no hold, its own included; the first
// such call in run order decides between sources and pkgs. A name with
// a version goes in as {name: version}, and that call loses its version,
// as Salt pops it. The calls taken still run after, each on its own name.
func pkgModAggregate(low *Low, chunks []*Low) {
	_, fun, _ := strings.Cut(low.Func, ".")
	switch fun {
	case "installed", "latest", "removed", "purged":
	default:
		return
	}
	var pkgs []any
	kind := ""
	for _, c := range chunks {
		if c.Ran || c.Agg || c.Func != low.Func {
			continue
		}
		if !reflect.DeepEqual(odict.Plain(c.Args["fromrepo"]), odict.Plain(low.Args["fromrepo"])) {
			continue
		}
		if src, ok := c.Args["sources"]; ok {
			if kind == "" {
				kind = "sources"
			}
			if kind == "sources" {
				pkgs = append(pkgs, aggList(src)...)
				c.Agg = true
			}
			continue
		}
		// A hold is left alone: folded in, it would hold (or release)
		// every package of the call.
		if _, hold := c.Args["hold"]; hold {
			continue
		}
		if kind == "" {
			kind = "pkgs"
		}
		if kind != "pkgs" {
			continue
		}
		if v, ok := c.Args["pkgs"]; ok {
			pkgs = append(pkgs, aggList(v)...)
		} else {
			ver := c.Args["version"]
			delete(c.Args, "version")
			if ver != nil {
				pkgs = append(pkgs, map[string]any{c.Name: ver})
			} else {
				pkgs = append(pkgs, c.Name)
			}
		}
		c.Agg = true
	}
	if kind == "" || len(pkgs) == 0 {
		return
	}
	// A new slice: the list may be shared with the SLS's data.
	low.Args[kind] = append(append([]any(nil), aggList(low.Args[kind])...), pkgs...)
}

// aggList is a pkgs or sources value as a list; nil and a lone value as
// Salt's list.extend would see them (nothing, or the one item).
func aggList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}
