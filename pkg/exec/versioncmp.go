package exec

import (
	"context"
	"strings"

	"github.com/brine-cm/brine/pkg/py/pyversion"
	"github.com/brine-cm/brine/states"
)

func init() {
	register("pkg.version_cmp", pkgVersionCmp, "Compare two package versions as the host's package manager orders them (dpkg on Debian, rpm on RedHat and Suse, Salt's LooseVersion elsewhere): -1, 0 or 1.",
		states.Param{Name: "pkg1", Type: states.String, Required: true, Doc: "the first version."},
		states.Param{Name: "pkg2", Type: states.String, Required: true, Doc: "the second version."},
		states.Param{Name: "ignore_epoch", Type: states.Bool, Default: false, Doc: "drop an epoch (what comes before the first ':') before comparing."})
	register("pkg_resource.version_compare", templateFunc("pkg_resource.version_compare"), "Return whether ver1 OPER ver2 holds, with Salt's LooseVersion ordering (as Salt's pkg_resource.version_compare, whose package-manager lookup finds no function): pkg_resource.version_compare 3.5 '<=' 2.4.",
		states.Param{Name: "ver1", Type: states.String, Required: true, Doc: "the first version."},
		states.Param{Name: "oper", Type: states.String, Required: true, Doc: "one of ==, !=, >=, <=, >, <."},
		states.Param{Name: "ver2", Type: states.String, Required: true, Doc: "the second version."},
		states.Param{Name: "ignore_epoch", Type: states.Bool, Default: false, Doc: "drop an epoch (what comes before the first ':') before comparing."})
}

// pkgVersionCmp is Salt's pkg.version_cmp (aptpkg, yumpkg, zypperpkg;
// salt.utils.versions.version_cmp elsewhere).
func pkgVersionCmp(_ context.Context, c *call) Return {
	a, b := c.str("pkg1"), c.str("pkg2")
	if c.boolean("ignore_epoch") {
		a, b = dropEpoch(a), dropEpoch(b)
	}
	family, _ := c.host.Grains["os_family"].(string)
	if r, ok := states.PkgVersionCmp(family, a, b); ok {
		return nested(r)
	}
	return nested(pyversion.Compare(a, b))
}

// dropEpoch is Salt's str(x).split(":", 1)[-1].
func dropEpoch(v string) string {
	_, after, found := strings.Cut(v, ":")
	if found {
		return after
	}
	return v
}
