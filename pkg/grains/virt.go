package grains

import (
	"bytes"
	"io"
	"path"
	"strings"
)

// liveInitFacts are what Salt's _linux_init_system looks at on the
// running host.
type liveInitFacts struct {
	RunSystemd bool     // /run/systemd/system exists
	Cmdline1   []string // pid 1's command line, split at blanks
	InitBin    string   // which(Cmdline1[0])
	// InitScan is the first of upstart, sysvinit and systemd found in
	// InitBin's content (scanInit), read when InitBin ends in "bin/init".
	InitScan                    string
	Supervisord, DumbInit, Tini string // which() of each
}

// saltInit is Salt 3006's init grain on a running Linux host.
func saltInit(f liveInitFacts) string {
	if f.RunSystemd {
		return "systemd"
	}
	if f.InitBin != "" && strings.HasSuffix(f.InitBin, "bin/init") {
		if f.InitScan != "" {
			return f.InitScan
		}
		return "unknown"
	}
	in := func(p string) bool {
		for _, c := range f.Cmdline1 {
			if p != "" && c == p {
				return true
			}
		}
		return false
	}
	switch {
	case in(f.Supervisord):
		return "supervisord"
	case in(f.DumbInit):
		return "dumb-init"
	case in(f.Tini):
		return "tini"
	case len(f.Cmdline1) == 1 && f.Cmdline1[0] == "runit":
		return "runit"
	case in("/sbin/my_init"):
		// Phusion's base images run runit under my_init.
		return "runit"
	}
	return "unknown"
}

// scanInit is what Salt finds in an init binary: reading it in chunks of
// 256 KiB, lowercased, the first chunk holding "upstart", "sysvinit" or
// "systemd" names it, in that order of preference.
func scanInit(r io.Reader) string {
	const bufSize = 262144
	items := []string{"upstart", "sysvinit", "systemd"}
	edgeLen := len("sysvinit") - 1
	var edge []byte
	buf := make([]byte, bufSize)
	for {
		n, err := io.ReadFull(r, buf)
		if n == 0 {
			return ""
		}
		chunk := append(append([]byte{}, edge...), bytes.ToLower(buf[:n])...)
		for _, it := range items {
			if bytes.Contains(chunk, []byte(it)) {
				return it
			}
		}
		if len(chunk) > edgeLen {
			edge = chunk[len(chunk)-edgeLen:]
		} else {
			edge = chunk
		}
		if err != nil {
			return ""
		}
	}
}

// initFacts are the clues to the init system of an image (--root), which
// Salt has no notion of: its /sbin/init and inittab.
type initFacts struct {
	InitTarget string // what the image's /sbin/init finally points to, "" when missing
	Inittab    bool   // /etc/inittab exists
}

// detectInit is the init grain of an image: systemd, runit, openrc or
// upstart by what /sbin/init leads to, sysvinit with an inittab, else
// unknown.
func detectInit(f initFacts) string {
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
