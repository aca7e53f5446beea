package jinja

import (
	"fmt"
	"os"
	"path/filepath"
)

// Salt's test.provider(module) names the file of the execution module
// that serves a virtual name on this minion (salt/modules/test.py: the
// basename of the module's file without its suffix). Formulas ask it for
// "service" to pick a systemd unit or an init script, either comparing
// with 'systemd' (which Salt 3006 never answers: its module is
// systemd_service.py) or with startswith('systemd'). brine answers for
// the two virtual modules formulas ask about, as Salt's loader picks them.
var pkgProviders = map[string]string{
	"Debian": "aptpkg", "RedHat": "yumpkg", "Suse": "zypperpkg", "Arch": "pacman",
	"Alpine": "apkpkg", "Gentoo": "ebuildpkg", "FreeBSD": "pkgng", "OpenBSD": "openbsdpkg",
}

var serviceProviders = map[string]string{
	"Debian": "debian_service", "RedHat": "rh_service", "Gentoo": "gentoo_service",
	"Alpine": "gentoo_service", "FreeBSD": "freebsdservice", "OpenBSD": "openbsdrcctl_service",
}

func providerFuncs(c *saltCtx, m map[string]Func) {
	m["test.provider"] = func(args []any, kw map[string]any) (any, error) {
		module, err := strParam(args, kw, 0, "module")
		if err != nil {
			return nil, fmt.Errorf("test.provider: %w", err)
		}
		family, _ := dictGet(c.grains, "os_family").(string)
		switch module {
		case "service":
			if c.Files != nil {
				// The master renders pillar: its own host says nothing
				// of the minion's.
				return nil, ErrConfined
			}
			// salt.utils.systemd.booted: the directory systemd creates
			// when it is PID 1 (under the root when set).
			if fi, err := os.Stat(filepath.Join(c.Root, "/run/systemd/system")); err == nil && fi.IsDir() {
				return "systemd_service", nil
			}
			return serviceProviders[family], nil
		case "pkg":
			return pkgProviders[family], nil
		}
		return nil, fmt.Errorf("test.provider: brine knows the providers of service and pkg only, not %q", module)
	}
}
