package grains

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// whichDefaultPath is what Salt's salt.utils.path.which searches after
// PATH (busybox's default path), so that a tool in /usr/sbin is found
// from a minion started with a short PATH.
var whichDefaultPath = []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin"}

// which finds an executable file as Salt's salt.utils.path.which does:
// in PATH, then in whichDefaultPath; "" when there is none. hostRoot
// replaces / in tests.
func which(hostRoot, name string) string {
	executable := func(p string) bool {
		st, err := os.Stat(join(hostRoot, p))
		return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
	}
	if strings.Contains(name, "/") {
		// A path is taken as it is (Salt's minion runs in /).
		if executable(name) {
			return name
		}
		return ""
	}
	dirs := filepath.SplitList(os.Getenv("PATH"))
	seen := map[string]bool{}
	for _, d := range dirs {
		seen[d] = true
	}
	for _, d := range whichDefaultPath {
		if !seen[d] {
			dirs = append(dirs, d)
		}
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if p := filepath.Join(d, name); executable(p) {
			return p
		}
	}
	return ""
}

// psGrain is Salt's ps grain (core._ps): the command that lists the
// processes, which Salt's ps-based states read.
func psGrain(osName, family, virtual string) string {
	switch {
	case osName == "FreeBSD" || osName == "NetBSD" || osName == "OpenBSD" || osName == "MacOS":
		return "ps auxwww"
	case family == "Solaris":
		return "/usr/ucb/ps auxwww"
	case virtual == "openvzhn":
		return `ps -fH -p $(grep -l "^envID:[[:space:]]*0\$" /proc/[0-9]*/status | sed -e "s=/proc/\([0-9]*\)/.*=\1=")  | awk '{ $7=""; print }'`
	case family == "AIX":
		return "/usr/bin/ps auxww"
	case family == "NILinuxRT":
		return "ps -o user,pid,ppid,tty,time,comm"
	}
	return "ps -efHww"
}

// serverID is Salt's server_id grain (core.get_server_id): the SHA-256
// of the minion id as a number, modulo 2**31 — its low 31 bits.
func serverID(id string) int {
	sum := sha256.Sum256([]byte(id))
	return int(binary.BigEndian.Uint32(sum[28:]) & 0x7fffffff)
}

// parseKernelParams is Salt's kernelparams grain (core.kernelparams):
// /proc/cmdline split as a POSIX shell would (Python's shlex.split),
// each word cut at every "="; a word of exactly two parts is a
// [name, value] pair with the value's double quotes stripped, any other
// is [word's first part, None]. An unclosed quote makes shlex fail, and
// Salt then has no kernelparams grain: ok is false.
func parseKernelParams(cmdline string) (params []any, ok bool) {
	words, ok := shlexSplit(cmdline)
	if !ok {
		return nil, false
	}
	params = []any{}
	for _, w := range words {
		parts := strings.Split(w, "=")
		var value any
		if len(parts) == 2 {
			value = strings.Trim(parts[1], `"`)
		}
		params = append(params, []any{parts[0], value})
	}
	return params, true
}

// shlexSplit splits as Python's shlex.split (POSIX mode, no comments):
// blanks separate words; single quotes keep everything; in double quotes
// a backslash escapes only a backslash or a double quote; outside quotes
// a backslash escapes any character.
func shlexSplit(s string) ([]string, bool) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			inWord = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			inWord = true
			closed := false
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					closed = true
					break
				}
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '"') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if !closed {
				return nil, false
			}
		case c == '\\':
			inWord = true
			if i+1 >= len(s) {
				return nil, false
			}
			i++
			cur.WriteByte(s[i])
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}

// parseMdstat is Salt's mdadm grain (salt/grains/mdadm.py): the sorted
// names of the arrays /proc/mdstat lists ("md0 : active raid1 …").
func parseMdstat(text string) []any {
	set := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Personalities : ") || strings.HasPrefix(line, "unused devices:") {
			continue
		}
		if name, _, ok := strings.Cut(line, " : "); ok {
			set[name] = true
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strList(names)
}

// selinuxGrain is Salt's selinux grain (core._selinux), set when the
// selinuxenabled tool is installed: enabled is whether selinuxfs is
// mounted (what selinuxenabled answers), enforced what getenforce prints
// (Enforcing, Permissive or Disabled), there when getenforce is.
func selinuxGrain(opts Options) (map[string]any, bool) {
	if which(opts.HostRoot, "selinuxenabled") == "" {
		return nil, false
	}
	enforce, err := os.ReadFile(opts.sys("/fs/selinux/enforce"))
	enabled := err == nil
	sel := map[string]any{"enabled": enabled}
	if which(opts.HostRoot, "getenforce") != "" {
		switch {
		case !enabled:
			sel["enforced"] = "Disabled"
		case strings.TrimSpace(string(enforce)) == "1":
			sel["enforced"] = "Enforcing"
		default:
			sel["enforced"] = "Permissive"
		}
	}
	return sel, true
}

// zfsGrains are Salt's zfs_support and zfs_feature_flags
// (salt/grains/zfs.py, salt.utils.zfs): support is the zpool tool with
// the zfs module loaded (or zfs-fuse); feature flags is whether
// `man zpool-features` finds its page.
func zfsGrains(opts Options) (support, featureFlags bool) {
	support = which(opts.HostRoot, "zpool") != "" &&
		(exists(opts.sys("/module/zfs")) || which(opts.HostRoot, "zfs-fuse") != "")
	if which(opts.HostRoot, "man") != "" {
		for _, dir := range []string{"/usr/share/man", "/usr/local/share/man"} {
			for _, sec := range []string{"5", "7"} {
				page := filepath.Join(dir, "man"+sec, "zpool-features."+sec)
				if exists(opts.host(page)) || exists(opts.host(page+".gz")) {
					featureFlags = true
				}
			}
		}
	}
	return support, featureFlags
}

// saltGrains sets the core grains Salt 3006 gives every Linux host that
// the other collectors do not: ps, server_id, master, fqdns,
// kernelparams, num_gpus and gpus, mdadm, selinux, zfs_support and
// zfs_feature_flags, lvm, transactional.
func saltGrains(opts Options, g map[string]any) {
	osName, _ := g["os"].(string)
	family, _ := g["os_family"].(string)
	virtual, _ := g["virtual"].(string)
	g["ps"] = psGrain(osName, family, virtual)

	id := opts.ID
	if id == "" {
		id, _ = g["id"].(string)
	}
	g["server_id"] = serverID(id)
	switch len(opts.Masters) {
	case 0:
		// salt-call --local's master option keeps its default.
		g["master"] = "salt"
	case 1:
		g["master"] = opts.Masters[0]
	default:
		g["master"] = strList(opts.Masters)
	}
	// enable_fqdns_grains is off by default since Salt 3006.0, and the
	// grain is then an empty list; brine never asks reverse DNS.
	g["fqdns"] = []any{}

	if cmdline, err := os.ReadFile(opts.proc("/cmdline")); err == nil {
		if params, ok := parseKernelParams(string(cmdline)); ok {
			g["kernelparams"] = params
		}
	}
	gpus := gpuGrains(opts)
	g["num_gpus"], g["gpus"] = len(gpus), gpus
	if text, err := os.ReadFile(opts.proc("/mdstat")); err == nil {
		g["mdadm"] = parseMdstat(string(text))
	}
	if sel, ok := selinuxGrain(opts); ok && !isImage(opts) {
		g["selinux"] = sel
	}
	g["zfs_support"], g["zfs_feature_flags"] = zfsGrains(opts)
	if lvm, ok := lvmGrain(opts); ok {
		g["lvm"] = lvm
	}
	// transactional-update is part of the OS, so an image's own counts.
	root := opts.HostRoot
	if isImage(opts) {
		root = opts.Root
	}
	g["transactional"] = which(root, "transactional-update") != ""
}

func isImage(opts Options) bool { return opts.Root != "" && opts.Root != "/" }

// lvmHidden are the name parts of the LVs lvs lists only with -a: the
// inner volumes of thin pools, RAID, mirrors, caches, VDO and
// integrity, and the pool metadata spare.
var lvmHidden = []string{
	"_tmeta", "_tdata", "_rmeta_", "_rimage_", "_mimage_", "_mlog", "_cdata", "_cmeta",
	"_corig", "_cpool", "_cvol", "_vdata", "_vorigin", "_pmspare", "_wcorig", "_iorig", "_imeta",
}

// lvmGrain is Salt's lvm grain (salt/grains/lvm.py), set when the lvm
// tool is installed: each volume group with the names of its logical
// volumes, as `lvm vgs` and `lvm lvs` list them. brine reads the
// device-mapper devices LVM made (/sys/block/dm-*/dm: name "vg-lv",
// with a dash in a name doubled, and a uuid "LVM-…"), so it sees the
// active volumes; a snapshot's or pool's inner devices (a uuid with a
// "-cow", "-real", "-tpool" suffix, or a hidden name) are left out as lvs
// leaves them.
func lvmGrain(opts Options) (map[string]any, bool) {
	if which(opts.HostRoot, "lvm") == "" {
		return nil, false
	}
	vgs := map[string][]string{}
	dir := opts.sys("/block")
	f, err := os.Open(dir)
	if err == nil {
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, dev := range names {
			if !strings.HasPrefix(dev, "dm-") {
				continue
			}
			uuid := strings.TrimSpace(readString(filepath.Join(dir, dev, "dm/uuid")))
			name := strings.TrimSpace(readString(filepath.Join(dir, dev, "dm/name")))
			if vg, lv, ok := lvmNames(uuid, name); ok {
				vgs[vg] = append(vgs[vg], lv)
			}
		}
	}
	out := map[string]any{}
	for vg, lvs := range vgs {
		sort.Strings(lvs)
		out[vg] = strList(lvs)
	}
	return out, true
}

// lvmNames splits a device-mapper name of an LVM volume into its volume
// group and logical volume; ok is false for devices that are not LVM's
// or that lvs does not list.
func lvmNames(uuid, name string) (vg, lv string, ok bool) {
	rest, isLVM := strings.CutPrefix(uuid, "LVM-")
	if !isLVM || len(rest) < 64 {
		return "", "", false
	}
	if suffix := rest[64:]; suffix != "" && suffix != "-pool" {
		return "", "", false
	}
	// The first single dash parts the names; "--" is a dash inside one.
	for i := 0; i < len(name); i++ {
		if name[i] != '-' {
			continue
		}
		if i+1 < len(name) && name[i+1] == '-' {
			i++
			continue
		}
		vg, lv = strings.ReplaceAll(name[:i], "--", "-"), strings.ReplaceAll(name[i+1:], "--", "-")
		break
	}
	if vg == "" || lv == "" {
		return "", "", false
	}
	for _, h := range lvmHidden {
		if strings.Contains(lv, h) {
			return "", "", false
		}
	}
	return vg, lv, true
}
