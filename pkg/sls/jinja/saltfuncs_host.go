package jinja

import (
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"io/fs"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/pkg/rootfs"
)

// hostFuncs adds the execution functions templates call to look at the
// host: files, accounts, addresses, the environment. They only read; the
// paths they take are under SaltContext.Root when one is set, as the
// states see them. Salt's functions of the same names read the live
// host, which --root does not change there.
func hostFuncs(c *saltCtx, m map[string]Func) {
	// at is where a template's path is under --root: resolved inside the
	// root, links included (the last one when follow), so an image
	// cannot lead a template to the host's files.
	at := func(p string, follow bool) (string, error) {
		if c.Root == "" || !filepath.IsAbs(p) {
			return p, nil
		}
		return rootfs.Resolve(c.Root, p, follow)
	}
	stat := func(args []any, kw map[string]any, follow bool) (fs.FileInfo, error) {
		p, err := strParam(args, kw, 0, "path")
		if err != nil {
			return nil, err
		}
		if c.Files != nil {
			return fs.Stat(c.Files, confinedPath(p))
		}
		real, err := at(p, follow)
		if err != nil {
			return nil, err
		}
		if follow {
			return os.Stat(real)
		}
		return os.Lstat(real)
	}
	isKind := func(ok func(fs.FileInfo) bool, follow bool) Func {
		return func(args []any, kw map[string]any) (any, error) {
			fi, err := stat(args, kw, follow)
			if err != nil {
				return false, nil
			}
			return ok(fi), nil
		}
	}
	m["file.file_exists"] = isKind(func(fi fs.FileInfo) bool { return fi.Mode().IsRegular() }, true)
	m["file.directory_exists"] = isKind(func(fi fs.FileInfo) bool { return fi.IsDir() }, true)
	m["file.exists"] = isKind(func(fs.FileInfo) bool { return true }, true)
	m["file.is_link"] = isKind(func(fi fs.FileInfo) bool { return fi.Mode()&fs.ModeSymlink != 0 }, false)
	// file.lstat is Salt's: os.lstat's st_atime, st_ctime, st_gid,
	// st_mode (the file type bits too), st_mtime, st_nlink, st_size and
	// st_uid; {} for a path that cannot be read, as Salt's except
	// returns; a relative path is Salt's SaltInvocationError.
	m["file.lstat"] = func(args []any, kw map[string]any) (any, error) {
		p, err := strParam(args, kw, 0, "path")
		if err != nil {
			return nil, fmt.Errorf("file.lstat: %w", err)
		}
		if strings.HasPrefix(p, "~") {
			if home, herr := os.UserHomeDir(); herr == nil {
				p = home + strings.TrimPrefix(p, "~")
			}
		}
		if !filepath.IsAbs(p) {
			return nil, errors.New("file.lstat: Path to file must be absolute.")
		}
		fi, err := stat([]any{p}, nil, false)
		if err != nil {
			return newDict(0), nil
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return newDict(0), nil
		}
		ts := func(t syscall.Timespec) float64 { return float64(t.Sec) + float64(t.Nsec)/1e9 }
		out := newDict(8)
		out.Set("st_atime", ts(st.Atim))
		out.Set("st_ctime", ts(st.Ctim))
		out.Set("st_gid", int(st.Gid))
		out.Set("st_mode", int(st.Mode))
		out.Set("st_mtime", ts(st.Mtim))
		out.Set("st_nlink", int(st.Nlink))
		out.Set("st_size", int(st.Size))
		out.Set("st_uid", int(st.Uid))
		return out, nil
	}
	read := func(args []any, kw map[string]any) (string, error) {
		p, err := strParam(args, kw, 0, "path")
		if err != nil {
			return "", err
		}
		var b []byte
		if c.Files != nil {
			b, err = fs.ReadFile(c.Files, confinedPath(p))
		} else {
			var real string
			if real, err = at(p, true); err == nil {
				b, err = os.ReadFile(real)
			}
		}
		if err != nil {
			return "", fmt.Errorf("file %s: %w", p, err)
		}
		return string(b), nil
	}
	m["file.read"] = func(args []any, kw map[string]any) (any, error) { return read(args, kw) }
	m["file.contains"] = func(args []any, kw map[string]any) (any, error) {
		text, err := strParam(args, kw, 1, "text")
		if err != nil {
			return nil, err
		}
		body, err := read(args, kw)
		if err != nil {
			return false, nil
		}
		return strings.Contains(body, text), nil
	}
	// contains_regex tests line by line; search tests the whole text with
	// ^ and $ at line ends (Salt's default flags, re.MULTILINE).
	m["file.contains_regex"] = func(args []any, kw map[string]any) (any, error) {
		re, err := reParam(args, kw, 1, "regex", 0)
		if err != nil {
			return nil, err
		}
		body, err := read(args, kw)
		if err != nil {
			return false, nil
		}
		for _, line := range strings.Split(body, "\n") {
			if re.MatchString(line) {
				return true, nil
			}
		}
		return false, nil
	}
	m["file.search"] = func(args []any, kw map[string]any) (any, error) {
		re, err := reParam(args, kw, 1, "pattern", pyre.Multiline)
		if err != nil {
			return nil, err
		}
		body, err := read(args, kw)
		if err != nil {
			if t, _ := truth(param(args, kw, -1, "ignore_if_missing", false)); t && errors.Is(err, fs.ErrNotExist) {
				return false, nil
			}
			return nil, err
		}
		return re.MatchString(body), nil
	}
	owner := func(group bool) Func {
		return func(args []any, kw map[string]any) (any, error) {
			fi, err := stat(args, kw, true)
			if err != nil {
				return false, nil
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok {
				return false, nil
			}
			if group {
				if g, err := osuser.LookupGID(c.Root, int(st.Gid)); err == nil {
					return g.Name, nil
				}
				return fmt.Sprint(st.Gid), nil
			}
			if u, err := osuser.LookupUID(c.Root, int(st.Uid)); err == nil {
				return u.Name, nil
			}
			return fmt.Sprint(st.Uid), nil
		}
	}
	m["file.get_user"] = owner(false)
	m["file.get_group"] = owner(true)
	m["file.get_mode"] = func(args []any, kw map[string]any) (any, error) {
		fi, err := stat(args, kw, true)
		if err != nil {
			return "", nil
		}
		mode := uint32(fi.Mode().Perm())
		for bit, v := range map[fs.FileMode]uint32{fs.ModeSetuid: 0o4000, fs.ModeSetgid: 0o2000, fs.ModeSticky: 0o1000} {
			if fi.Mode()&bit != 0 {
				mode |= v
			}
		}
		return fmt.Sprintf("%04o", mode), nil
	}
	m["user.info"] = func(args []any, kw map[string]any) (any, error) {
		name, err := strParam(args, kw, 0, "name")
		if err != nil {
			return nil, err
		}
		db, err := osuser.Load(c.Root)
		if err != nil {
			return nil, err
		}
		u, err := db.User(name)
		if err != nil {
			return map[string]any{}, nil
		}
		var groups []any
		for _, g := range db.Groups {
			if g.GID == u.GID || contains1(g.Members, u.Name) {
				groups = append(groups, g.Name)
			}
		}
		sort.Slice(groups, func(i, j int) bool { return groups[i].(string) < groups[j].(string) })
		full, _, _ := strings.Cut(u.Gecos, ",")
		return map[string]any{"name": u.Name, "uid": u.UID, "gid": u.GID, "home": u.Home, "shell": u.Shell,
			"fullname": full, "passwd": "x", "groups": orEmptyList(groups)}, nil
	}
	m["group.info"] = func(args []any, kw map[string]any) (any, error) {
		name, err := strParam(args, kw, 0, "name")
		if err != nil {
			return nil, err
		}
		g, err := osuser.LookupGroup(c.Root, name)
		if err != nil {
			return map[string]any{}, nil
		}
		members := make([]any, len(g.Members))
		for i, s := range g.Members {
			members[i] = s
		}
		return map[string]any{"name": g.Name, "gid": g.GID, "members": members, "passwd": "x"}, nil
	}
	m["environ.get"] = func(args []any, kw map[string]any) (any, error) {
		key, err := strParam(args, kw, 0, "key")
		if err != nil {
			return nil, err
		}
		if v, ok := os.LookupEnv(key); ok {
			return v, nil
		}
		return param(args, kw, 1, "default", ""), nil
	}
	m["file.grep"] = fileGrep(c)
	m["timezone.get_zone"] = timezoneGetZone(c)
	m["network.ip_addrs"] = func(args []any, kw map[string]any) (any, error) { return ipAddrs(c.Grains, "ip4_interfaces", args, kw) }
	m["network.ip_addrs6"] = func(args []any, kw map[string]any) (any, error) { return ipAddrs(c.Grains, "ip6_interfaces", args, kw) }
	netFuncs(m)
	m["network.get_hostname"] = func([]any, map[string]any) (any, error) {
		if h, ok := c.Grains["localhost"].(string); ok && h != "" {
			return h, nil
		}
		return os.Hostname()
	}
	m["network.get_fqdn"] = func([]any, map[string]any) (any, error) { return orDefault(c.Grains["fqdn"], ""), nil }
	m["mine.get"] = func(args []any, kw map[string]any) (any, error) {
		tgt, err := strParam(args, kw, 0, "tgt")
		if err != nil {
			return nil, err
		}
		fun := param(args, kw, 1, "fun", nil)
		if fun == nil {
			return nil, fmt.Errorf("mine.get: fun is required")
		}
		tt, _ := param(args, kw, 2, "tgt_type", "glob").(string)
		if c.MineGet == nil {
			return map[string]any{}, nil
		}
		exclude, _ := truth(param(args, kw, 3, "exclude_minion", false))
		return c.MineGet(tgt, normalize(fun), tt, exclude)
	}
	// cmd.shell is cmd.run with python_shell=True, as Salt's.
	run := m["cmd.run"]
	m["cmd.shell"] = func(args []any, kw map[string]any) (any, error) {
		kw = maps.Clone(kw)
		if kw == nil {
			kw = map[string]any{}
		}
		kw["python_shell"] = true
		return run(args, kw)
	}
	m["cmd.has_exec"] = func(args []any, kw map[string]any) (any, error) {
		cmd, err := strParam(args, kw, 0, "cmd")
		if err != nil {
			return nil, err
		}
		return whichExec(c.Root, cmd) != "", nil
	}
	m["cmd.which"] = func(args []any, kw map[string]any) (any, error) {
		cmd, err := strParam(args, kw, 0, "cmd")
		if err != nil {
			return nil, err
		}
		if p := whichExec(c.Root, cmd); p != "" {
			return p, nil
		}
		return nil, nil
	}
	m["file.access"] = func(args []any, kw map[string]any) (any, error) { return fileAccess(at, args, kw) }
	m["pkg.version"] = func(args []any, _ map[string]any) (any, error) { return pkgVersion(c, at, args) }
	m["grains.ls"] = func([]any, map[string]any) (any, error) { return stringList(sortedKeys(orEmpty(c.Grains))), nil }
	m["pillar.keys"] = func(args []any, kw map[string]any) (any, error) {
		key, err := strParam(args, kw, 0, "key")
		if err != nil {
			return nil, err
		}
		delim, err := toStr(param(args, kw, 1, "delimiter", ":"))
		if err != nil {
			return nil, err
		}
		// Salt's pillar.keys raises KeyError and ValueError with these.
		v, ok := nestedGet(c.pillar, key, delim)
		if !ok {
			return nil, fmt.Errorf("Pillar key not found: %s", key)
		}
		sub, isMap := normalize(v).(*odict.Map)
		if !isMap {
			return nil, fmt.Errorf("Pillar value in key %s is not a dict", key)
		}
		return stringList(sub.Keys()), nil
	}
	if c.Files != nil {
		confined := func([]any, map[string]any) (any, error) { return nil, ErrConfined }
		for _, name := range []string{"file.get_user", "file.get_group", "user.info", "group.info", "environ.get", "pkg.version", "network.get_hostname", "network.interfaces", "network.hw_addr", "network.interface", "network.interface_ip", "network.subnets", "network.subnets6", "network.default_route", "cmd.has_exec", "cmd.which", "file.access", "file.grep", "timezone.get_zone"} {
			m[name] = confined
		}
	}
	m["pillar.item"] = func(args []any, _ map[string]any) (any, error) {
		out := newDict(len(args))
		for _, a := range args {
			k := keyString(a)
			v, ok := nestedGet(c.pillar, k, ":")
			if !ok {
				v = "" // Salt's default for a missing key
			}
			out.Set(k, v)
		}
		return out, nil
	}
}

// confinedPath turns a path a template names into one of SaltContext.Files:
// rooted there, cleaned, never above it.
func confinedPath(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// pkgVersion is pkg.version: the installed version of one package ("" when
// it is not installed), or a dict of them for several names. Debian hosts
// are read from the dpkg status file; RPM hosts ask rpm, which only reads.
func pkgVersion(c *saltCtx, at func(string, bool) (string, error), args []any) (any, error) {
	var names []string
	for _, a := range args {
		s, err := toStr(a)
		if err != nil {
			return nil, err
		}
		names = append(names, s)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("pkg.version: name a package")
	}
	installed := map[string]string{}
	switch family, _ := c.Grains["os_family"].(string); family {
	case "Debian":
		real, err := at("/var/lib/dpkg/status", true)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(real)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pkg.version: %w", err)
		}
		installed = dpkgInstalled(string(b))
	case "RedHat", "Suse":
		if c.RunCmd == nil {
			return nil, fmt.Errorf("pkg.version: %w", errNoRunCmd)
		}
		for _, n := range names {
			cmd := "rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\\n' -- " + shellQuote(n)
			if c.Root != "" {
				cmd = "rpm --root " + shellQuote(c.Root) + " " + cmd[len("rpm "):]
			}
			r, err := c.RunCmd(cmd, false, true)
			if err != nil {
				return nil, fmt.Errorf("pkg.version: %w", err)
			}
			if r.Retcode != 0 {
				continue // not installed
			}
			v, _, _ := strings.Cut(strings.TrimSpace(r.Stdout), "\n")
			installed[n] = strings.TrimPrefix(v, "(none):")
		}
	default:
		return nil, fmt.Errorf("pkg.version: no package database brine reads on os_family %q", family)
	}
	if len(names) == 1 {
		return installed[names[0]], nil
	}
	out := newDict(len(names))
	for _, n := range names {
		out.Set(n, installed[n])
	}
	return out, nil
}

// dpkgInstalled reads a dpkg status file: package name to version, for
// packages whose status is "install ok installed".
func dpkgInstalled(text string) map[string]string {
	out := map[string]string{}
	for _, stanza := range strings.Split(text, "\n\n") {
		var name, version, status, arch string
		for _, line := range strings.Split(stanza, "\n") {
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				continue
			}
			switch k {
			case "Package":
				name = v
			case "Version":
				version = v
			case "Status":
				status = v
			case "Architecture":
				arch = v
			}
		}
		if name == "" || !strings.HasSuffix(status, " installed") || strings.HasPrefix(status, "deinstall") {
			continue
		}
		out[name] = version
		if arch != "" && arch != "all" {
			out[name+":"+arch] = version
		}
	}
	return out
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func reParam(args []any, kw map[string]any, i int, name string, flags pyre.Flag) (*regexp.Regexp, error) {
	pat, err := strParam(args, kw, i, name)
	if err != nil {
		return nil, err
	}
	re, err := pyre.Compile(pat, flags)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %w", pat, err)
	}
	return re, nil
}

// ipAddrs is network.ip_addrs read from the address grains: the host's
// addresses, without loopback unless include_loopback, narrowed to an
// interface, a cidr, or type public/private; sorted, as Salt returns them.
func ipAddrs(grains map[string]any, grain string, args []any, kw map[string]any) (any, error) {
	ifaces, _ := normalize(grains[grain]).(*odict.Map)
	iface, _ := param(args, kw, 0, "interface", nil).(string)
	loop, _ := truth(param(args, kw, 1, "include_loopback", false))
	cidr, _ := param(args, kw, 2, "cidr", nil).(string)
	kind, _ := param(args, kw, 3, "type", nil).(string)
	var within *net.IPNet
	if cidr != "" {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return nil, fmt.Errorf("network.ip_addrs: bad cidr %q", cidr)
		}
		within = n
	}
	seen := map[string]bool{}
	var out []string
	for name, v := range ifaces.All() {
		if iface != "" && name != iface {
			continue
		}
		list, _ := normalize(v).([]any)
		for _, a := range list {
			s, _ := a.(string)
			ip := net.ParseIP(s)
			switch {
			case ip == nil || seen[s]:
				continue
			case ip.IsLoopback() && !loop:
				continue
			case within != nil && !within.Contains(ip):
				continue
			case kind == "public" && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()):
				continue
			case kind == "private" && !ip.IsPrivate():
				continue
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return stringList(out), nil
}

func stringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func orEmptyList(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func orDefault(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

func contains1(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// treeFunc gives the salt functions that read the state tree through the
// render's loader, which the salt dictionary (built before the render)
// cannot reach (saltfuncs_tree.go). nil for any other name.
func (e *env) treeFunc(v, k any) any {
	if _, ok := v.(map[string]Func); !ok {
		return nil
	}
	name, _ := k.(string)
	if f, ok := treeFuncs[name]; ok {
		return builtinFunc(f)
	}
	return nil
}

func cpGetFileStr(e *env, args []any, kw map[string]any) (any, error) {
	p, err := strParam(args, kw, 0, "path")
	if err != nil {
		return nil, err
	}
	var b []byte
	if rel, ok := strings.CutPrefix(p, "salt://"); ok {
		if e.rs.loader == nil {
			return false, nil
		}
		rel, _, _ = strings.Cut(rel, "?")
		b, err = e.rs.loader.Load(rel)
	} else {
		b, err = os.ReadFile(strings.TrimPrefix(p, "file://"))
	}
	if err != nil {
		// Salt answers False for a file it cannot fetch.
		return false, nil
	}
	return string(b), nil
}
