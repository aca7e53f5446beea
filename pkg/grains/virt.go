package grains

import (
	"path"
	"strings"
)

// initFacts are the clues to the init system.
type initFacts struct {
	RunSystemd bool     // /run/systemd/system exists: systemd is running
	Cmdline1   []string // argv of pid 1 (empty for an image)
	InitTarget string   // what pid 1's init (an image's /sbin/init) finally points to, "" when missing
	Inittab    bool     // /etc/inittab exists
}

// detectInit returns Salt's init grain: systemd, sysvinit, runit, openrc,
// s6, upstart, tini, dumb-init, supervisord, or unknown.
func detectInit(f initFacts) string {
	if f.RunSystemd {
		return "systemd"
	}
	if len(f.Cmdline1) > 0 {
		switch base := path.Base(f.Cmdline1[0]); {
		case base == "systemd":
			return "systemd"
		case base == "runit" || base == "runsvdir" || f.Cmdline1[0] == "/sbin/my_init":
			return "runit"
		case base == "tini" || base == "dumb-init" || base == "supervisord":
			return base
		case base == "s6-svscan":
			return "s6"
		case base == "openrc-init":
			return "openrc"
		case base == "upstart":
			return "upstart"
		case base != "init":
			// Salt looks no further when pid 1 is not an init binary.
			return "unknown"
		}
	}
	switch base := path.Base(f.InitTarget); {
	case f.InitTarget == "":
	case strings.Contains(base, "systemd"):
		return "systemd"
	case base == "runit-init" || base == "runit":
		return "runit"
	case base == "openrc-init":
		return "openrc"
	case base == "upstart":
		return "upstart"
	}
	if f.Inittab {
		return "sysvinit"
	}
	return "unknown"
}
