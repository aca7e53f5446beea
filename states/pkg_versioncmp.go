package states

import "github.com/brine-cm/brine/states/internal/pkgbackend"

// PkgVersionCmp orders two package versions as the package manager of an
// os_family does: dpkg's order for Debian (Salt's aptpkg.version_cmp),
// rpm's for RedHat and Suse (yumpkg, zypperpkg). ok is false for a family
// with no ordering of its own, where Salt falls back on LooseVersion.
func PkgVersionCmp(family, a, b string) (c int, ok bool) {
	switch family {
	case "Debian":
		return pkgbackend.CompareDeb(a, b), true
	case "RedHat", "Suse":
		return pkgbackend.CompareRPM(a, b), true
	}
	return 0, false
}
