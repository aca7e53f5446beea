package jinja

import (
	"log/slog"
	"strings"

	"github.com/brine-cm/brine/pkg/py/pyversion"
)

// versionFilters adds Salt's version_compare filter
// (salt.utils.versions.compare): `ver1 | version_compare(oper, ver2,
// ignore_epoch=False)`, with Salt's LooseVersion ordering. An operator
// other than <, <=, ==, >=, > and != is logged and false, as in Salt.
func versionFilters() {
	filters["version_compare"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		ver1, err := toStr(v)
		if err != nil {
			return nil, err
		}
		oper, err := toStr(arg(args, kw, 0, "oper", "=="))
		if err != nil {
			return nil, err
		}
		ver2, err := toStr(arg(args, kw, 1, "ver2", ""))
		if err != nil {
			return nil, err
		}
		if boolArg(args, kw, 3, "ignore_epoch", false) {
			ver1, ver2 = afterEpoch(ver1), afterEpoch(ver2)
		}
		ok, err := pyversion.CompareOp(ver1, oper, ver2, nil)
		if err != nil {
			slog.Error("version_compare", "err", err, "source", "template")
			return false, nil
		}
		return ok, nil
	}
}

// afterEpoch is Salt's str(x).split(":", 1)[-1].
func afterEpoch(v string) string {
	if _, after, ok := strings.Cut(v, ":"); ok {
		return after
	}
	return v
}
