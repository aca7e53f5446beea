package pkgbackend

import (
	"bytes"
	"strings"
)

// Pkg is one package as the package database knows it.
type Pkg struct {
	Name    string
	Version string
	Arch    string
	// Want is dpkg's selection: install, hold, deinstall, purge, unknown.
	Want string
	// State is dpkg's status: installed, config-files, half-installed,
	// unpacked, half-configured, triggers-awaited, triggers-pending or
	// not-installed. RPM packages are always "installed".
	State string
}

// Installed reports whether the package's files are on the system.
func (p Pkg) Installed() bool {
	switch p.State {
	case "installed", "triggers-awaited", "triggers-pending", "half-configured", "unpacked", "half-installed":
		return true
	}
	return false
}

// Present reports whether anything of the package is left, configuration
// files included: what pkg.purged must clear.
func (p Pkg) Present() bool { return p.Installed() || p.State == "config-files" }

// Held reports whether the package is on hold.
func (p Pkg) Held() bool { return p.Want == "hold" }

// DB is the package database keyed by Salt's package name: the bare name
// for the native architecture and for arch "all", "name:arch" for a
// foreign one.
type DB map[string]Pkg

// ParseDpkgStatus parses /var/lib/dpkg/status. It keeps the fields brine
// needs and ignores the rest; it never fails, a malformed stanza is one
// that has no Package field and is skipped.
func ParseDpkgStatus(data []byte) DB {
	type stanza struct {
		name, version, arch, status string
	}
	var all []stanza
	var cur stanza
	flush := func() {
		if cur.name != "" {
			all = append(all, cur)
		}
		cur = stanza{}
	}
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(bytes.TrimSpace(line)) == 0 {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key := line[:colon]
		// Only a handful of keys matter; compare before allocating.
		switch string(key) {
		case "Package":
			cur.name = string(bytes.TrimSpace(line[colon+1:]))
		case "Version":
			cur.version = string(bytes.TrimSpace(line[colon+1:]))
		case "Architecture":
			cur.arch = string(bytes.TrimSpace(line[colon+1:]))
		case "Status":
			cur.status = string(bytes.TrimSpace(line[colon+1:]))
		}
	}
	flush()

	// dpkg itself is always of the native architecture.
	native := ""
	for _, s := range all {
		if s.name == "dpkg" {
			native = s.arch
			break
		}
	}
	db := make(DB, len(all))
	for _, s := range all {
		f := strings.Fields(s.status)
		p := Pkg{Name: s.name, Version: s.version, Arch: s.arch}
		if len(f) == 3 {
			p.Want, p.State = f[0], f[2]
		}
		key := s.name
		if s.arch != "" && s.arch != "all" && native != "" && s.arch != native {
			key = s.name + ":" + s.arch
		}
		if old, dup := db[key]; dup && old.Installed() && !p.Installed() {
			continue
		}
		db[key] = p
	}
	return db
}
