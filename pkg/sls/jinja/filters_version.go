package jinja

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/brine-cm/brine/pkg/py/pyversion"
)

// versionCompare is salt.utils.versions.compare(ver1, oper, ver2,
// ignore_epoch) with Salt's LooseVersion ordering: what Salt's
// pkg_resource.version_compare returns (its cmp_func lookup,
// __salt__.get("version_cmp"), names no loaded function, so it is always
// LooseVersion). An operator other than <, <=, ==, >=, > and != is
// logged and false, as in Salt.
func versionCompare(v1, oper, v2 any, ignoreEpoch bool) (any, error) {
	ver1, err := toStr(v1)
	if err != nil {
		return nil, err
	}
	op, err := toStr(oper)
	if err != nil {
		return nil, err
	}
	ver2, err := toStr(v2)
	if err != nil {
		return nil, err
	}
	if ignoreEpoch {
		ver1, ver2 = afterEpoch(ver1), afterEpoch(ver2)
	}
	ok, err := pyversion.CompareOp(ver1, op, ver2, nil)
	if err != nil {
		slog.Error("version_compare", "err", err, "source", "template")
		return false, nil
	}
	return ok, nil
}

// versionFilters adds the version_compare filter, `ver1 |
// version_compare(oper, ver2, ignore_epoch=False)`: Salt 3006 has no
// such filter (its templates call salt['pkg_resource.version_compare']),
// brine offers it as the same comparison.
func versionFilters() {
	filters["version_compare"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		return versionCompare(v, arg(args, kw, 0, "oper", "=="), arg(args, kw, 1, "ver2", ""), boolArg(args, kw, 3, "ignore_epoch", false))
	}
}

// versionFuncs adds Salt's pkg_resource.version_compare(ver1, oper, ver2,
// ignore_epoch=False).
func versionFuncs(m map[string]Func) {
	m["pkg_resource.version_compare"] = func(args []any, kw map[string]any) (any, error) {
		for i, name := range []string{"ver1", "oper", "ver2"} {
			if param(args, kw, i, name, nil) == nil {
				return nil, fmt.Errorf("pkg_resource.version_compare: missing argument '%s'", name)
			}
		}
		ign, _ := truth(param(args, kw, 3, "ignore_epoch", false))
		return versionCompare(param(args, kw, 0, "ver1", nil), param(args, kw, 1, "oper", nil), param(args, kw, 2, "ver2", nil), ign)
	}
}

// afterEpoch is Salt's str(x).split(":", 1)[-1].
func afterEpoch(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		return after
	}
	return v
}
