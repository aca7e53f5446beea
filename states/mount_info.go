package states

import (
	"fmt"
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

// mountOptsMissing returns the wanted options that the live mount does
// not show. Values the kernel rewrites (size=10m shown as size=10240k,
// mode=0755 as mode=755) are compared in the kernel's form.
func mountOptsMissing(want []string, m *mountInfo) []string {
	have := map[string]bool{}
	for _, o := range append(append([]string{}, m.Opts...), m.SuperOpts...) {
		have[mountOptNorm(o)] = true
	}
	var missing []string
	for _, o := range want {
		k, _, _ := strings.Cut(o, "=")
		if o == "" || mountOptsSkip[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		if neg, ok := mountOptsDefault[o]; ok {
			if have[neg] {
				missing = append(missing, o)
			}
			continue
		}
		if !have[mountOptNorm(o)] {
			missing = append(missing, o)
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
