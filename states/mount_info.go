package states

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// mountInfo is one line of /proc/self/mountinfo (proc(5)).
type mountInfo struct {
	MountPoint string
	FSType     string
	Source     string
	Opts       []string // per-mount options (rw, noexec …)
	SuperOpts  []string // filesystem options (size=…, mode=…)
}

// mountinfoParse reads /proc/self/mountinfo:
//
//	36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//
// A line it cannot read is an error naming the line.
func mountinfoParse(data []byte) ([]mountInfo, error) {
	var out []mountInfo
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		sep := -1
		for j := 6; j < len(f); j++ {
			if f[j] == "-" {
				sep = j
				break
			}
		}
		if len(f) < 7 || sep < 0 || len(f) < sep+3 {
			return nil, fmt.Errorf("mountinfo:%d: cannot read %q", i+1, line)
		}
		m := mountInfo{
			MountPoint: fstabUnescape(f[4]),
			Opts:       strings.Split(f[5], ","),
			FSType:     f[sep+1],
			Source:     fstabUnescape(f[sep+2]),
		}
		if len(f) > sep+3 {
			m.SuperOpts = strings.Split(f[sep+3], ",")
		}
		out = append(out, m)
	}
	return out, nil
}

// mountinfoFind returns the mount visible at a mount point: the last one,
// as a later mount hides the earlier ones.
func mountinfoFind(mounts []mountInfo, name string) *mountInfo {
	for i := len(mounts) - 1; i >= 0; i-- {
		if mounts[i].MountPoint == name {
			return &mounts[i]
		}
	}
	return nil
}

// mountOptsSkip are fstab options that are not kernel mount options, or
// that the kernel does not list: they can never be "missing" on a live
// mount.
var mountOptsSkip = map[string]bool{
	"defaults": true, "auto": true, "noauto": true, "nofail": true, "_netdev": true,
	"user": true, "users": true, "nouser": true, "owner": true, "group": true,
	"bind": true, "rbind": true, "loop": true, "sw": true, "comment": true,
}

// mountOptsDefault are options the kernel applies by default and lists
// only when they are negated: "exec" holds when "noexec" is absent.
var mountOptsDefault = map[string]string{
	"rw": "ro", "exec": "noexec", "suid": "nosuid", "dev": "nodev",
	"async": "sync", "atime": "noatime",
}

// mountCmp is how mount.mounted compares the options it wants with a
// live mount's, after Salt's mounted(): options and key=value keys the
// kernel never shows, keys one filesystem type never shows, and options
// the kernel shows under another name.
type mountCmp struct {
	fstype        string
	invisible     map[string]bool   // whole options never looked for
	invisibleKeys map[string]bool   // keys whose key=value is never looked for
	ignoreKeys    map[string]bool   // keys of fstype never looked for
	translate     map[string]string // option → the name the kernel shows
	// id turns a uid= or gid= name into its number; nil leaves it.
	id func(key, name string) (string, bool)
}

// mountInvisibleOptions, mountInvisibleKeys, mountIgnoreFSKeys and
// mountTranslateOptions are Salt's built-in lists (salt/states/mount.py,
// mounted()); the extra_mount_* arguments extend them.
var (
	mountInvisibleOptions = []string{
		"_netdev", "actimeo", "bg", "comment", "defaults", "delay_connect", "direct-io-mode",
		"intr", "loop", "nointr", "nobootwait", "nofail", "password", "reconnect", "retry",
		"soft", "auto", "users", "bind", "nonempty", "transform_symlinks", "port",
		"backup-volfile-servers",
	}
	mountInvisibleKeys    = []string{"actimeo", "comment", "credentials", "direct-io-mode", "password", "port", "retry", "secretfile"}
	mountIgnoreFSKeys     = map[string][]string{"ramfs": {"size"}}
	mountTranslateOptions = map[string]string{"tcp": "proto=tcp", "udp": "proto=udp"}
)

// newMountCmp is the comparison for fstype with Salt's lists extended by
// the state's extra_mount_* and hidden_opts arguments.
func newMountCmp(fstype string, invisible, invisibleKeys []string, ignoreFSKeys map[string][]string, translate map[string]string) *mountCmp {
	c := &mountCmp{fstype: fstype, invisible: map[string]bool{}, invisibleKeys: map[string]bool{}, ignoreKeys: map[string]bool{}, translate: map[string]string{}}
	for _, o := range append(append([]string{}, mountInvisibleOptions...), invisible...) {
		c.invisible[o] = true
	}
	for _, k := range append(append([]string{}, mountInvisibleKeys...), invisibleKeys...) {
		c.invisibleKeys[k] = true
	}
	fsKeys := mountIgnoreFSKeys[fstype]
	if l, ok := ignoreFSKeys[fstype]; ok {
		fsKeys = l // Salt's dict.update replaces the type's list
	}
	for _, k := range fsKeys {
		c.ignoreKeys[k] = true
	}
	for k, v := range mountTranslateOptions {
		c.translate[k] = v
	}
	for k, v := range translate {
		c.translate[k] = v
	}
	return c
}

// salt is an option as Salt's mounted() rewrites it before it looks for
// it among the live ones, and names it in its comments: translated, a
// hidden key's value dropped, size=Nm as size=Kk, cifs' user= as
// username=, uid=/gid= names as numbers. skip reports an option Salt
// never looks for.
func (c *mountCmp) salt(o string) (named string, skip bool) {
	if t, ok := c.translate[o]; ok {
		o = t
	}
	k, v, hasV := strings.Cut(o, "=")
	if c.invisibleKeys[k] {
		return k, true
	}
	if k == "size" && hasV && len(v) > 1 && strings.ContainsAny(v[len(v)-1:], "kmg") {
		if n, err := strconv.ParseUint(v[:len(v)-1], 10, 64); err == nil {
			switch v[len(v)-1] {
			case 'm':
				n *= 1024
			case 'g':
				n *= 1024 * 1024
			}
			o = "size=" + strconv.FormatUint(n, 10) + "k"
		}
	}
	if c.fstype == "cifs" && k == "user" && hasV {
		o, k = "username="+v, "username"
	}
	if c.ignoreKeys[k] {
		return k, true
	}
	if (k == "uid" || k == "gid") && hasV && c.id != nil {
		if _, err := strconv.Atoi(v); err != nil {
			if n, ok := c.id(k, v); ok {
				o = k + "=" + n
			}
		}
	}
	return o, c.invisible[o]
}

// mountOptsMissing returns the wanted options that the live mount does
// not show, in Salt's sorted order and as Salt names them (see salt).
// Values the kernel rewrites (size=10m shown as size=10240k, mode=0755 as
// mode=755) are compared in the kernel's form. A nil cmp is Salt's
// built-in lists for a type with no special keys.
func mountOptsMissing(want []string, m *mountInfo, cmp *mountCmp) []string {
	if cmp == nil {
		cmp = newMountCmp("", nil, nil, nil, nil)
	}
	have := map[string]bool{}
	for _, o := range append(append([]string{}, m.Opts...), m.SuperOpts...) {
		have[mountOptNorm(o)] = true
	}
	sorted := append([]string{}, want...)
	slices.Sort(sorted)
	var missing []string
	for _, o := range sorted {
		named, skip := cmp.salt(o)
		k, _, _ := strings.Cut(named, "=")
		if o == "" || skip || mountOptsSkip[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		if neg, ok := mountOptsDefault[named]; ok {
			if have[neg] {
				missing = append(missing, named)
			}
			continue
		}
		if !have[mountOptNorm(named)] {
			missing = append(missing, named)
		}
	}
	return missing
}

// mountOptNorm writes an option the way the kernel lists it.
func mountOptNorm(o string) string {
	k, v, ok := strings.Cut(o, "=")
	if !ok {
		return o
	}
	switch k {
	case "size", "nr_blocks", "nr_inodes":
		if n, ok := mountParseSize(v); ok {
			if n%1024 == 0 && k == "size" {
				return k + "=" + strconv.FormatUint(n/1024, 10) + "k"
			}
			return k + "=" + strconv.FormatUint(n, 10)
		}
	case "mode":
		if n, err := strconv.ParseUint(v, 8, 32); err == nil {
			return k + "=" + strconv.FormatUint(n, 8)
		}
	}
	return o
}

// mountParseSize reads 10m, 512k, 1g, 4096 (bytes).
func mountParseSize(s string) (uint64, bool) {
	mult := uint64(1)
	if s == "" {
		return 0, false
	}
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	case 't', 'T':
		mult = 1 << 40
	case '%':
		return 0, false
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n * mult, true
}
