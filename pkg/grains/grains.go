// Package grains collects facts about a host under Salt's grain names and
// shapes (os, os_family, osmajorrelease, ipv4, mem_total, …), reads
// grains files, and merges them over the collected set.
//
// Collection reads files only (os-release, /proc, /sys, /etc/hosts,
// /etc/passwd) and runs no command and no DNS query, so it takes a few
// milliseconds and cannot hang. Where Salt runs a tool for a grain, the
// grain is set when the tool is installed, as in Salt, from the files
// the tool itself reads. Each file's parser is a pure function tested on
// text; the reading is kept apart in this file.
package grains

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// SaltVersion is the saltversion grain, and its numbers the
// saltversioninfo grain: the Salt release whose behaviour brine
// follows (docs/coming-from-salt.md), which formulas compare against.
const (
	SaltVersion      = "3006.0"
	saltVersionMajor = 3006
	saltVersionMinor = 0
)

// Options says where to collect from.
type Options struct {
	// ID is the minion id; empty means the fqdn (the hostname when the
	// fqdn is a localhost name), as Salt generates it.
	ID string
	// Root is an image's root directory: the OS identity (os-release,
	// lsb-release, centos-release), machine-id, init system, systemd
	// version, transactional and dpkg architecture are read from under
	// it, so that states built for an image see the image's OS. Kernel,
	// CPU, memory, hardware, network, virtual, selinux, hostname and user
	// grains stay the running host's. "" means "/".
	Root string
	// Version is brine's version, the brineversion grain.
	Version string
	// Masters are the hosts the minion connects to, the master grain: one
	// is a string, several a list, as Salt's master option; none is
	// "salt", the default salt-call --local keeps.
	Masters []string
	// ProcRoot, SysRoot and HostRoot replace /proc, /sys and / for the
	// host's own files (/etc/hosts, /etc/passwd, /run, /.dockerenv) in
	// tests. Empty means the real ones.
	ProcRoot string
	SysRoot  string
	HostRoot string
}

func (o Options) root(p string) string { return join(o.Root, p) }
func (o Options) host(p string) string { return join(o.HostRoot, p) }
func (o Options) proc(p string) string { return joinDef(o.ProcRoot, "/proc", p) }
func (o Options) sys(p string) string  { return joinDef(o.SysRoot, "/sys", p) }
func join(root, p string) string       { return joinDef(root, "/", p) }
func joinDef(root, def, p string) string {
	if root == "" {
		root = def
	}
	return filepath.Join(root, p)
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// Collect gathers the grains. It fails only when Root is set and is not a
// directory; any fact it cannot read is left out or set to Salt's
// default for it.
func Collect(opts Options) (map[string]any, error) {
	if opts.Root != "" && opts.Root != "/" {
		st, err := os.Stat(opts.Root)
		if err != nil {
			return nil, fmt.Errorf("grains: root %s: %w", opts.Root, err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("grains: root %s is not a directory", opts.Root)
		}
	}
	g := map[string]any{}

	rel := readString(opts.root("/etc/os-release"))
	if rel == "" {
		rel = readString(opts.root("/usr/lib/os-release"))
	}
	src := osSources{
		LSB:           parseLSBRelease(readString(opts.root("/etc/lsb-release"))),
		CentOSVersion: centosVersion(readString(opts.root("/etc/centos-release"))),
	}
	for k, v := range osGrains(parseOSRelease(rel), src) {
		g[k] = v
	}

	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		g["kernel"] = unix.ByteSliceToString(uts.Sysname[:])
		g["nodename"] = unix.ByteSliceToString(uts.Nodename[:])
		g["kernelrelease"] = unix.ByteSliceToString(uts.Release[:])
		g["kernelversion"] = unix.ByteSliceToString(uts.Version[:])
		g["cpuarch"] = unix.ByteSliceToString(uts.Machine[:])
	} else {
		g["kernel"] = strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:]
		g["cpuarch"] = runtime.GOARCH
	}
	g["osarch"] = osArch(opts, g)

	cpuinfo := readString(opts.proc("/cpuinfo"))
	ci := parseCPUInfo(cpuinfo)
	if cpuinfo == "" {
		// No /proc (a sandbox): the Go runtime's count beats Salt's 0.
		ci.NumCPUs = runtime.NumCPU()
	}
	g["num_cpus"] = ci.NumCPUs
	g["cpu_model"] = ci.Model
	g["cpu_flags"] = strList(ci.Flags)
	// Salt's _linux_memdata starts both at 0.
	mem, swap, _ := parseMeminfo(readString(opts.proc("/meminfo")))
	g["mem_total"] = mem
	g["swap_total"] = swap

	hostGrains(opts, g)
	// Salt lists the interfaces with `ip` (or `ifconfig`): without
	// either, as in a minimal container, it knows none, and an address
	// it does not have is none of fqdn_ip4/6. The gateway grains come
	// from `ip route` alone.
	var ifs []ifaceData
	if which(opts.HostRoot, "ip") != "" || which(opts.HostRoot, "ifconfig") != "" {
		ifs = interfaces(opts)
	}
	for k, v := range netGrains(ifs) {
		g[k] = v
	}
	for _, fam := range []string{"4", "6"} {
		if l, _ := g["ipv"+fam].([]any); len(l) == 0 {
			g["fqdn_ip"+fam] = []any{}
		}
	}
	if which(opts.HostRoot, "ip") != "" {
		gatewayGrains(opts, g)
	}
	if d, ok := dnsGrain(opts); ok {
		g["dns"] = d
	}
	userGrains(opts, g)
	systemGrains(opts, g, cpuinfo)
	hwGrains(opts, g)
	saltGrains(opts, g)

	g["brineversion"] = opts.Version
	// The Salt whose behaviour brine follows, so that a formula that
	// branches on the Salt version takes the 3006 branch.
	g["saltversion"] = SaltVersion
	g["saltversioninfo"] = []any{saltVersionMajor, saltVersionMinor}
	// And its Python (the 3.10 of Salt 3006's packages), which formulas
	// read to choose between python3- and python- package names.
	g["pythonversion"] = []any{3, 10, 0, "final", 0}
	if opts.ID != "" {
		g["id"] = opts.ID
	}
	return g, nil
}

// hostGrains sets localhost, fqdn, host, domain, fqdn_ip4/6 and id from
// the hostname and /etc/hosts, without DNS: Salt asks the resolver, which
// can hang for seconds when DNS is down; /etc/hosts answers the common
// case (Debian's "127.0.1.1 host.example.com host").
func hostGrains(opts Options, g map[string]any) {
	hostname, err := os.Hostname()
	if err != nil || hostname == "" {
		hostname = "localhost"
	}
	hosts := parseHosts(readString(opts.host("/etc/hosts")))
	fqdn := fqhostname(hosts, hostname)
	host, domain, _ := strings.Cut(fqdn, ".")
	v4, v6 := hostAddrs(hosts, fqdn)
	g["localhost"] = hostname
	g["fqdn"] = fqdn
	g["host"] = host
	g["domain"] = domain
	g["fqdn_ip4"] = strList(v4)
	g["fqdn_ip6"] = strList(v6)
	id := fqdn
	if strings.HasPrefix(fqdn, "localhost") {
		id = hostname
	}
	g["id"] = id
}

func userGrains(opts Options, g map[string]any) {
	uid, gid := os.Getuid(), os.Getgid()
	g["uid"] = uid
	g["gid"] = gid
	g["pid"] = os.Getpid()
	if name, ok := lookupID(readString(opts.host("/etc/passwd")), uid); ok {
		g["username"] = name
	} else {
		g["username"] = fmt.Sprint(uid)
	}
	if name, ok := lookupID(readString(opts.host("/etc/group")), gid); ok {
		g["groupname"] = name
	} else {
		g["groupname"] = fmt.Sprint(gid)
	}
	// Salt's path grain is PATH stripped, and systempath its parts
	// (Python's split: an empty PATH is one empty part).
	path := strings.TrimSpace(os.Getenv("PATH"))
	g["path"] = path
	g["systempath"] = strList(strings.Split(path, ":"))
	if cwd, err := os.Getwd(); err == nil {
		g["cwd"] = cwd
	}
	shell := os.Getenv("SHELL")
	if shell == "" {
		shell = "/bin/sh"
	}
	g["shell"] = shell
	g["locale_info"] = localeInfo(os.Getenv, time.Now())
}

func systemGrains(opts Options, g map[string]any, cpuinfo string) {
	image := opts.Root != "" && opts.Root != "/"

	if image {
		inf := initFacts{InitTarget: resolveIn(opts.Root, "/sbin/init"), Inittab: exists(opts.root("/etc/inittab"))}
		g["init"] = detectInit(inf)
	} else {
		lf := liveInitFacts{RunSystemd: exists(opts.host("/run/systemd/system"))}
		if !lf.RunSystemd {
			// sysvinit rewrites its argv to "init [2]"; Salt splits on blanks.
			lf.Cmdline1 = strings.Fields(strings.ReplaceAll(strings.ToValidUTF8(readString(opts.proc("/1/cmdline")), ""), "\x00", " "))
			if len(lf.Cmdline1) > 0 {
				lf.InitBin = which(opts.HostRoot, lf.Cmdline1[0])
			}
			if strings.HasSuffix(lf.InitBin, "bin/init") {
				if f, err := os.Open(join(opts.HostRoot, lf.InitBin)); err == nil {
					lf.InitScan = scanInit(f)
					f.Close()
				}
			}
			lf.Supervisord = which(opts.HostRoot, "supervisord")
			lf.DumbInit = which(opts.HostRoot, "dumb-init")
			lf.Tini = which(opts.HostRoot, "tini")
		}
		g["init"] = saltInit(lf)
	}

	virtualGrains(opts, g, cpuinfo)

	mid := strings.TrimSpace(readString(opts.root("/etc/machine-id")))
	if mid == "" {
		mid = strings.TrimSpace(readString(opts.root("/var/lib/dbus/machine-id")))
	}
	if mid != "" {
		g["machine_id"] = mid
	}

	if sd := systemdGrain(opts); sd != nil {
		g["systemd"] = sd
	}
}

// systemdGrain is Salt's systemd grain, {version, features}, present when
// systemctl and localectl are installed. Both come from the systemctl
// binary itself, which holds the two lines `systemctl --version` prints;
// running it would cost ~10 ms.
func systemdGrain(opts Options) map[string]any {
	// Salt sets the grain only when localectl is installed as well.
	if !exists(opts.root("/usr/bin/localectl")) && !exists(opts.root("/bin/localectl")) {
		return nil
	}
	for _, p := range []string{"/usr/bin/systemctl", "/bin/systemctl"} {
		b, err := os.ReadFile(opts.root(p))
		if err != nil {
			continue
		}
		return map[string]any{"version": systemdBinaryVersion(b), "features": systemdFeatures(b)}
	}
	return nil
}

// osArch is Salt's osarch: the package architecture on Debian-family
// hosts (dpkg's name), the kernel's machine name elsewhere.
func osArch(opts Options, g map[string]any) string {
	cpu, _ := g["cpuarch"].(string)
	if g["os_family"] != "Debian" {
		return cpu
	}
	// dpkg lists its native architecture first; an image built for
	// another architecture says so here.
	if line, _, _ := strings.Cut(readString(opts.root("/var/lib/dpkg/arch")), "\n"); strings.TrimSpace(line) != "" {
		return strings.TrimSpace(line)
	}
	return debianArch(cpu)
}

// resolveIn follows symlinks of p inside root (absolute targets are taken
// as relative to root), up to a few hops, and returns the final path
// without the root; "" when p does not exist.
func resolveIn(root, p string) string {
	if root == "" {
		root = "/"
	}
	for i := 0; i < 8; i++ {
		full := filepath.Join(root, p)
		target, err := os.Readlink(full)
		if err != nil {
			if exists(full) {
				return p
			}
			return ""
		}
		if filepath.IsAbs(target) {
			p = target
		} else {
			p = filepath.Join(filepath.Dir(p), target)
		}
	}
	return p
}

func strList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
