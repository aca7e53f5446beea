package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// Facts about the host, as Salt's network, disk, status, user, group,
// sysctl and mount modules report them. Reading is kept apart from
// parsing: each parser is pure and tested on text.

func init() {
	register("network.ip_addrs", networkIPAddrs, "Return the host's IPv4 addresses, from its ip4_interfaces grain, loopback left out.",
		states.Param{Name: "interface", Type: states.String, Doc: "only this interface's."},
		states.Param{Name: "include_loopback", Type: states.Bool, Default: false, Doc: "keep 127.0.0.0/8."},
		states.Param{Name: "cidr", Type: states.String, Doc: "only addresses in this network, such as 10.0.0.0/8."},
		states.Param{Name: "type", Type: states.String, Doc: "public or private: only such addresses."})
	register("network.interfaces", templateFunc("network.interfaces"), "Return the host's network interfaces as Salt's linux_interfaces does: hwaddr, up, inet, inet6, and secondary (the extra IPv4 addresses `ip addr` marks secondary).")
	register("network.ping", networkPing, "Ping a host four times with ping(8); return its output, or with return_boolean whether it answered.",
		states.Param{Name: "host", Type: states.String, Required: true, Doc: "the host name or address."},
		states.Param{Name: "return_boolean", Type: states.Bool, Default: false, Doc: "return True or False rather than the output."},
		states.Param{Name: "timeout", Type: states.Int, Default: 0, Doc: "seconds to wait for the whole run (ping -w); 0: ping's own."})
	register("network.get_hostname", networkGetHostname, "Return the host name.")
	register("disk.usage", diskUsage, "Return the usage of each mounted filesystem, as df -P reports it.")
	register("status.uptime", statusUptime, "Return how long the host has been up, as Salt's: seconds, days, time (H:M), since_t, since_iso and users (the lines of who -s).")
	register("status.loadavg", statusLoadavg, "Return the load averages: 1-min, 5-min and 15-min.")
	register("status.meminfo", statusMeminfo, "Return /proc/meminfo: each key's value and unit.")
	register("user.info", userInfo, "Return a user's account (of the image under --root): name, uid, gid, home, shell, fullname, groups; empty when there is none.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the user."})
	register("user.list_users", userListUsers, "Return the names of the users in the passwd file, sorted.")
	register("user.list_groups", userListGroups, "Return the groups a user is in, its primary group too, sorted ([] for no such user).",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the user."})
	// Any value, as Salt's refresh=False reads it: a public tree's
	// user.getent('root') is refresh=True, and every user.
	refresh := states.Param{Name: "refresh", Type: states.Any, Default: false, Doc: "accepted, any value (Salt's user.getent('root') sets it and lists every user): the files are read at each call."}
	register("user.getent", userGetent, "Return every user's account, as user.info gives one, in the passwd file's order.", refresh)
	register("group.getent", groupGetent, "Return every group, as group.info gives one, in the group file's order.", refresh)
	register("group.info", groupInfo, "Return a group (of the image under --root): name, gid, members; empty when there is none.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the group."})
	register("sysctl.get", sysctlGet, "Return a kernel parameter's value, read from /proc/sys: sysctl.get net.ipv4.ip_forward.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the parameter, dotted."})
	register("sysctl.assign", sysctlAssign, "Set a kernel parameter now (not at boot: the sysctl.present state does both): sysctl.assign net.ipv4.ip_forward 1.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the parameter, dotted."},
		states.Param{Name: "value", Type: states.String, Required: true, Doc: "its value."})
	register("sysctl.show", sysctlShow, "Return every kernel parameter that can be read, or with config_file, the settings of a sysctl.conf file (of the image under --root).",
		states.Param{Name: "config_file", Type: states.Any, Default: false, Doc: "a file to read rather than the running kernel (True: /etc/sysctl.conf)."})
	register("mount.active", mountActive, "Return the mounted filesystems, by mount point: device, fstype, opts and superopts, from /proc/self/mountinfo.",
		states.Param{Name: "extended", Type: states.Bool, Default: false, Doc: "accepted: the fields are always all there."})
	register("mount.fstab", mountFstab, "Return the entries of an fstab file (of the image under --root), by mount point: device, fstype, opts, dump, pass.",
		states.Param{Name: "config", Type: states.Path, Default: "/etc/fstab", Doc: "the fstab file."})
}

// ipFilter is network.ip_addrs' tests.
type ipFilter struct {
	iface    string
	loopback bool
	cidr     *net.IPNet
	kind     string
}

func networkIPAddrs(_ context.Context, c *call) Return {
	f := ipFilter{iface: c.str("interface"), loopback: c.boolean("include_loopback"), kind: c.str("type")}
	if s := c.str("cidr"); s != "" {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "cidr", Err: err}).Error())
		}
		f.cidr = n
	}
	if f.kind != "" && f.kind != "public" && f.kind != "private" {
		return failed((&states.ArgError{Func: c.fun, Arg: "type", Err: fmt.Errorf("%q: want public or private", f.kind)}).Error())
	}
	return nested(ipAddrs(c.host.Grains["ip4_interfaces"], f))
}

// ipAddrs filters the addresses of an ip4_interfaces grain.
func ipAddrs(grain any, f ipFilter) []string {
	ifaces, _ := grain.(map[string]any)
	seen := map[string]bool{}
	out := []string{}
	for name, v := range ifaces {
		if f.iface != "" && name != f.iface {
			continue
		}
		l, _ := v.([]any)
		for _, a := range l {
			s, _ := a.(string)
			ip := net.ParseIP(s)
			switch {
			case ip == nil, seen[s]:
				continue
			case ip.IsLoopback() && !f.loopback:
				continue
			case f.cidr != nil && !f.cidr.Contains(ip):
				continue
			case f.kind == "private" && !ip.IsPrivate():
				continue
			case f.kind == "public" && (ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()):
				continue
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return bytes.Compare(net.ParseIP(out[i]).To16(), net.ParseIP(out[j]).To16()) < 0
	})
	return out
}

func networkPing(ctx context.Context, c *call) Return {
	host := c.str("host")
	if host == "" || strings.HasPrefix(host, "-") || strings.ContainsAny(host, " \t\n") {
		return failed((&states.ArgError{Func: c.fun, Arg: "host", Err: fmt.Errorf("%q is not a host name or address", host)}).Error())
	}
	argv := []string{"ping", "-c", "4"}
	if n, _ := c.kw["timeout"].(int); n > 0 {
		argv = append(argv, "-w", strconv.Itoa(n))
	}
	argv = append(argv, "--", host)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if c.boolean("return_boolean") {
		return nested(err == nil)
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return failed(fmt.Sprintf("network.ping: %v", err))
	}
	return nested(strings.TrimRight(string(out), "\n"))
}

func networkGetHostname(context.Context, *call) Return {
	h, err := os.Hostname()
	if err != nil {
		return failed(fmt.Sprintf("network.get_hostname: %v", err))
	}
	return nested(h)
}

func diskUsage(ctx context.Context, _ *call) Return {
	cmd := exec.CommandContext(ctx, "df", "-P")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	// df says 1 when one filesystem could not be read, and lists the rest.
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || len(out) == 0) {
		return failed(fmt.Sprintf("disk.usage: df -P: %v", err))
	}
	return nested(parseDf(string(out)))
}

// parseDf reads df -P output as Salt's disk.usage does: by mount point,
// filesystem, 1K-blocks, used, available and capacity, as text.
func parseDf(out string) map[string]any {
	ret := map[string]any{}
	for i, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 6 {
			continue
		}
		// A file system name with spaces: the last five fields are fixed.
		n := len(f)
		mount := strings.Join(f[5:], " ")
		if n > 6 {
			mount = f[n-1]
			f = append([]string{strings.Join(f[:n-5], " ")}, f[n-5:]...)
		}
		ret[mount] = map[string]any{"filesystem": f[0], "1K-blocks": f[1], "used": f[2], "available": f[3], "capacity": f[4]}
	}
	return ret
}

func statusUptime(ctx context.Context, _ *call) Return {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return failed(fmt.Sprintf("status.uptime: %v", err))
	}
	v, err := parseUptime(string(b), time.Now())
	if err != nil {
		return failed(fmt.Sprintf("status.uptime: %v", err))
	}
	// Salt's counts the lines of who -s, when there is a who: one for
	// no one logged in too, as its split of "" gives.
	if p, ok := which("who"); ok {
		out, _ := exec.CommandContext(ctx, p, "-s").Output()
		v["users"] = len(strings.Split(strings.TrimRight(string(out), " \t\r\n"), "\n"))
	}
	return nested(v)
}

// parseUptime reads /proc/uptime into Salt's status.uptime shape.
func parseUptime(text string, now time.Time) (map[string]any, error) {
	f := strings.Fields(text)
	if len(f) == 0 {
		return nil, errors.New("/proc/uptime is empty")
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return nil, fmt.Errorf("/proc/uptime: %w", err)
	}
	// As Salt's: whole seconds up, boot time and since_t from them, the
	// time as H:M (minutes not padded), since_iso as Python's isoformat
	// of the UTC boot time (no fraction when it has none).
	s := int(secs)
	nowSecs := float64(now.UnixNano()) / 1e9
	since := time.Unix(0, int64((nowSecs-float64(s))*1e9)).UTC()
	iso := since.Format("2006-01-02T15:04:05")
	if us := since.Nanosecond() / 1000; us != 0 {
		iso += fmt.Sprintf(".%06d", us)
	}
	return map[string]any{
		"seconds":   s,
		"since_t":   int(nowSecs - float64(s)),
		"since_iso": iso,
		"days":      s / 86400,
		"time":      fmt.Sprintf("%d:%d", s%86400/3600, s%3600/60),
	}, nil
}

func statusLoadavg(context.Context, *call) Return {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return failed(fmt.Sprintf("status.loadavg: %v", err))
	}
	v, err := parseLoadavg(string(b))
	if err != nil {
		return failed(fmt.Sprintf("status.loadavg: %v", err))
	}
	return nested(v)
}

func parseLoadavg(text string) (map[string]any, error) {
	f := strings.Fields(text)
	if len(f) < 3 {
		return nil, fmt.Errorf("/proc/loadavg: %q", text)
	}
	out := map[string]any{}
	for i, k := range []string{"1-min", "5-min", "15-min"} {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return nil, fmt.Errorf("/proc/loadavg: %w", err)
		}
		out[k] = v
	}
	return out, nil
}

func statusMeminfo(context.Context, *call) Return {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return failed(fmt.Sprintf("status.meminfo: %v", err))
	}
	return nested(parseMeminfo(string(b)))
}

// parseMeminfo reads /proc/meminfo as Salt's status.meminfo does.
func parseMeminfo(text string) map[string]any {
	out := map[string]any{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		e := map[string]any{"value": f[1]}
		if len(f) > 2 {
			e["unit"] = f[2]
		}
		out[strings.TrimSuffix(f[0], ":")] = e
	}
	return out
}

// accounts reads the root's passwd and group files, resolved inside it.
func accounts(c *call) (*osuser.DB, error) {
	return osuser.Load(c.host.Root)
}

func userInfo(_ context.Context, c *call) Return {
	db, err := accounts(c)
	if err != nil {
		return failed(fmt.Sprintf("user.info: %v", err))
	}
	u, err := db.User(c.str("name"))
	if err != nil {
		return nested(map[string]any{})
	}
	return nested(userDict(db, u))
}

// userGroups is Salt's get_group_list: the user's primary group and
// those that list it, sorted.
func userGroups(db *osuser.DB, u *osuser.User) []string {
	groups := []string{}
	for _, g := range db.Groups {
		if g.GID == u.GID || contains(g.Members, u.Name) {
			groups = append(groups, g.Name)
		}
	}
	sort.Strings(groups)
	return groups
}

// userDict is useradd's _format_info: the passwd entry, its groups, and
// the GECOS field split in five at its first four commas.
func userDict(db *osuser.DB, u *osuser.User) map[string]any {
	gecos := append(strings.SplitN(u.Gecos, ",", 5), "", "", "", "", "")
	return map[string]any{"name": u.Name, "uid": u.UID, "gid": u.GID, "home": u.Home, "shell": u.Shell,
		"passwd": "x", "groups": userGroups(db, u), "fullname": gecos[0], "roomnumber": gecos[1], "workphone": gecos[2],
		"homephone": gecos[3], "other": gecos[4]}
}

func userListGroups(_ context.Context, c *call) Return {
	db, err := accounts(c)
	if err != nil {
		return failed(fmt.Sprintf("user.list_groups: %v", err))
	}
	u, err := db.User(c.str("name"))
	if err != nil {
		return nested([]string{})
	}
	return nested(userGroups(db, u))
}

func userGetent(_ context.Context, c *call) Return {
	db, err := accounts(c)
	if err != nil {
		return failed(fmt.Sprintf("user.getent: %v", err))
	}
	out := []any{}
	for i := range db.Users {
		out = append(out, userDict(db, &db.Users[i]))
	}
	return nested(out)
}

func groupDict(g *osuser.Group) map[string]any {
	return map[string]any{"name": g.Name, "gid": g.GID, "members": append([]string{}, g.Members...), "passwd": "x"}
}

func groupGetent(_ context.Context, c *call) Return {
	db, err := accounts(c)
	if err != nil {
		return failed(fmt.Sprintf("group.getent: %v", err))
	}
	out := []any{}
	for i := range db.Groups {
		out = append(out, groupDict(&db.Groups[i]))
	}
	return nested(out)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func userListUsers(_ context.Context, c *call) Return {
	db, err := accounts(c)
	if err != nil {
		return failed(fmt.Sprintf("user.list_users: %v", err))
	}
	out := []string{}
	for _, u := range db.Users {
		out = append(out, u.Name)
	}
	sort.Strings(out)
	return nested(out)
}

func groupInfo(_ context.Context, c *call) Return {
	db, err := accounts(c)
	if err != nil {
		return failed(fmt.Sprintf("group.info: %v", err))
	}
	g, err := db.Group(c.str("name"))
	if err != nil {
		return nested(map[string]any{})
	}
	return nested(groupDict(g))
}

// sysctlPath is a parameter's file under /proc/sys; a name that would
// leave it is refused.
func sysctlPath(c *call) (string, error) {
	name := c.str("name")
	rel := strings.ReplaceAll(name, ".", "/")
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(rel, "/") || filepath.Clean(rel) != rel {
		return "", &states.ArgError{Func: c.fun, Arg: "name", Err: fmt.Errorf("%q is not a kernel parameter", name)}
	}
	if !rootfs.Live(c.host.Root) {
		return "", fmt.Errorf("%s: --root is an image, which has no running kernel to ask", c.fun)
	}
	return filepath.Join("/proc/sys", rel), nil
}

func sysctlGet(_ context.Context, c *call) Return {
	p, err := sysctlPath(c)
	if err != nil {
		return failed(err.Error())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return failed(fmt.Sprintf("sysctl.get %s: %v", c.str("name"), err))
	}
	return nested(strings.Join(strings.Fields(string(b)), "\t"))
}

func sysctlAssign(_ context.Context, c *call) Return {
	p, err := sysctlPath(c)
	if err != nil {
		return failed(err.Error())
	}
	// Salt's linux_sysctl.assign raises CommandExecutionError for a
	// parameter the kernel does not have, and for a write sysctl -w
	// refused.
	if _, err := os.Stat(p); err != nil {
		return commandError(fmt.Sprintf("sysctl %s does not exist", c.str("name")))
	}
	if err := os.WriteFile(p, []byte(c.str("value")+"\n"), 0o644); err != nil {
		return commandError(fmt.Sprintf("sysctl -w failed: sysctl: setting key \"%s\": %v", c.str("name"), pyErr(err)))
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return failed(fmt.Sprintf("sysctl.assign %s: %v", c.str("name"), err))
	}
	return nested(map[string]any{c.str("name"): strings.Join(strings.Fields(string(b)), " ")})
}

func sysctlShow(ctx context.Context, c *call) Return {
	switch v := c.kw["config_file"].(type) {
	case bool:
		if v {
			return sysctlShowFile(c, "/etc/sysctl.conf")
		}
	case string:
		if b, err := states.ParseBool(v); err == nil {
			if b {
				return sysctlShowFile(c, "/etc/sysctl.conf")
			}
			break
		}
		return sysctlShowFile(c, v)
	}
	if !rootfs.Live(c.host.Root) {
		return failed("sysctl.show: --root is an image, which has no running kernel to ask (give config_file)")
	}
	out := map[string]any{}
	_ = filepath.WalkDir("/proc/sys", func(p string, d os.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil // write-only or refused: sysctl -a leaves them out too
		}
		rel, _ := filepath.Rel("/proc/sys", p)
		out[strings.ReplaceAll(rel, "/", ".")] = strings.Join(strings.Fields(string(b)), "\t")
		return nil
	})
	return nested(out)
}

func sysctlShowFile(c *call, file string) Return {
	if !filepath.IsAbs(file) {
		return failed((&states.ArgError{Func: c.fun, Arg: "config_file", Err: fmt.Errorf("%q is not an absolute path", file)}).Error())
	}
	hp, err := rootfs.Resolve(c.host.Root, file, true)
	if err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "config_file", Err: err}).Error())
	}
	b, err := os.ReadFile(hp)
	if err != nil {
		return failed(fmt.Sprintf("sysctl.show: %v", err))
	}
	return nested(parseSysctlConf(string(b)))
}

// parseSysctlConf reads a sysctl.conf: key = value lines; # and ;
// comments.
func parseSysctlConf(text string) map[string]any {
	out := map[string]any{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		out[strings.TrimPrefix(strings.TrimSpace(k), "-")] = strings.TrimSpace(v)
	}
	return out
}

func mountActive(context.Context, *call) Return {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return failed(fmt.Sprintf("mount.active: %v", err))
	}
	return nested(parseMountinfo(string(b)))
}

// parseMountinfo reads /proc/self/mountinfo as Salt's _active_mountinfo.
func parseMountinfo(text string) map[string]any {
	out := map[string]any{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if sep < 6 || len(f) < sep+4 {
			continue
		}
		major, minor, _ := strings.Cut(f[2], ":")
		mp := unescapeOctal(f[4])
		out[mp] = map[string]any{
			"mountid": f[0], "parentid": f[1], "major": major, "minor": minor,
			"root": unescapeOctal(f[3]), "opts": strings.Split(f[5], ","),
			"fstype": f[sep+1], "device": unescapeOctal(f[sep+2]),
			"superopts": strings.Split(f[sep+3], ","),
		}
	}
	return out
}

// unescapeOctal undoes the \040 escapes of mountinfo and fstab.
func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func mountFstab(_ context.Context, c *call) Return {
	hp, err := c.hostPath("config", true)
	if err != nil {
		return failed(err.Error())
	}
	b, err := os.ReadFile(hp)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nested(map[string]any{})
		}
		return failed(fmt.Sprintf("mount.fstab: %v", err))
	}
	return nested(parseFstab(string(b)))
}

// parseFstab reads an fstab as Salt's mount.fstab: by mount point.
func parseFstab(text string) map[string]any {
	out := map[string]any{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || len(f) < 4 {
			continue
		}
		for len(f) < 6 {
			f = append(f, "0")
		}
		out[unescapeOctal(f[1])] = map[string]any{"device": unescapeOctal(f[0]), "fstype": f[2],
			"opts": strings.Split(f[3], ","), "dump": f[4], "pass": f[5]}
	}
	return out
}
