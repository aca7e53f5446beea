package pkgbackend

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Apt is the Debian-family backend: dpkg's status file for the database,
// apt-get for installs, apt-cache for candidates.
//
// Under a root (an image in a folder) it runs the host's apt with
// APT_CONFIG pointing at a generated file that rebases Dir on the root and
// passes --root and --log to dpkg, rather than chrooting: the image needs no
// working apt, /proc or /dev of its own, and apt reads the image's own
// apt.conf.d and sources (APT_CONFIG is read before the parts directory,
// which then resolves under the new Dir). dpkg still runs maintainer
// scripts chrooted in the image, so a usr/sbin/policy-rc.d that exits 101
// is put in place for the length of the call (and removed after, when
// brine made it), so that no daemon starts in the image.
type Apt struct {
	Root string // "" or "/" for the live host
	Run  Runner
}

func (a *Apt) Name() string { return "apt" }

func (a *Apt) rooted() bool { return a.Root != "" && a.Root != "/" }

// path resolves p, a path of the system apt manages, inside the root with
// rootfs.Resolve: an image whose dpkg status is a link to the host's must
// not report the host's packages as its own.
func (a *Apt) path(p string) (string, error) {
	return rootfs.Resolve(a.Root, p, true)
}

// Compare is dpkg's version order.
func (a *Apt) Compare(x, y string) int { return CompareDeb(x, y) }

// Installed reads the dpkg status file.
func (a *Apt) Installed(ctx context.Context) (DB, error) {
	p, err := a.path("/var/lib/dpkg/status")
	if err != nil {
		return nil, fmt.Errorf("dpkg database: %w", err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("dpkg database %s: %w", p, err)
	}
	return ParseDpkgStatus(data), nil
}

// AptConf is the APT_CONFIG text that points apt at root.
func AptConf(root string) string {
	r := strings.TrimSuffix(root, "/")
	var b strings.Builder
	fmt.Fprintf(&b, "Dir %q;\n", r+"/")
	fmt.Fprintf(&b, "Dir::State::status %q;\n", r+"/var/lib/dpkg/status")
	fmt.Fprintf(&b, "DPkg::Options { %q; %q; };\n", "--root="+r, "--log="+r+"/var/log/dpkg.log")
	// The image's _apt user may not match the host's; downloads into the
	// image's cache run as root.
	b.WriteString("APT::Sandbox::User \"root\";\n")
	return b.String()
}

// run runs an apt or dpkg command with the environment for the live host
// or the root. mutating calls get a policy-rc.d under a root.
func (a *Apt) run(ctx context.Context, args []string, stdin []byte, mutating bool) ([]byte, error) {
	env := []string{"DEBIAN_FRONTEND=noninteractive", "APT_LISTCHANGES_FRONTEND=none", "NEEDRESTART_MODE=l"}
	if a.rooted() {
		dir, err := os.MkdirTemp("", "brine-apt-")
		if err != nil {
			return nil, fmt.Errorf("apt config: %w", err)
		}
		defer os.RemoveAll(dir)
		conf := filepath.Join(dir, "apt.conf")
		if err := os.WriteFile(conf, []byte(AptConf(a.Root)), 0o600); err != nil {
			return nil, fmt.Errorf("apt config: %w", err)
		}
		env = append(env, "APT_CONFIG="+conf)
		if mutating {
			undo, err := PolicyRCD(a.Root)
			if err != nil {
				return nil, err
			}
			defer undo()
		}
	}
	return a.Run.Run(ctx, Cmd{Args: args, Env: env, Stdin: stdin})
}

// PolicyRCD writes ROOT/usr/sbin/policy-rc.d (exit 101: start nothing)
// unless one is there already, and returns what removes it again. The
// path resolves inside the root (rootfs), so that an image whose usr/sbin
// links to the host's cannot have the host's daemons blocked, or a host
// file removed after.
func PolicyRCD(root string) (func(), error) {
	p, err := rootfs.Resolve(root, "/usr/sbin/policy-rc.d", false)
	if err != nil {
		return nil, fmt.Errorf("policy-rc.d: %w", err)
	}
	if _, err := os.Lstat(p); err == nil {
		return func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("policy-rc.d: %w", err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n# written by brine for the length of a package install in an image\nexit 101\n"), 0o755); err != nil {
		return nil, fmt.Errorf("policy-rc.d: %w", err)
	}
	return func() { os.Remove(p) }, nil
}

var aptGetBase = []string{"apt-get", "-q", "-y",
	"-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold",
	"-o", "Dpkg::Use-Pty=0", "-o", "DPkg::Lock::Timeout=120"}

func aptGet(simulate bool, extra ...string) []string {
	args := append([]string(nil), aptGetBase...)
	if simulate {
		args = append(args, "-s")
	}
	return append(args, extra...)
}

// Refresh runs apt-get update.
func (a *Apt) Refresh(ctx context.Context) error {
	if _, err := a.run(ctx, aptGet(false, "update"), nil, false); err != nil {
		return fmt.Errorf("apt-get update: %w", err)
	}
	return nil
}

// Available runs apt-cache policy on names.
func (a *Apt) Available(ctx context.Context, names []string, fromrepo string) (map[string]Available, error) {
	args := []string{"apt-cache", "-q"}
	if fromrepo != "" {
		args = append(args, "-o", "APT::Default-Release="+fromrepo)
	}
	args = append(args, "policy", "--")
	args = append(args, names...)
	out, err := a.run(ctx, args, nil, false)
	if err != nil {
		return nil, fmt.Errorf("apt-cache policy: %w", err)
	}
	return ParseAptPolicy(out), nil
}

// Install runs apt-get install (or its simulation).
func (a *Apt) Install(ctx context.Context, targets []Target, files []string, opt InstallOptions, simulate bool) ([]Change, error) {
	args := aptGet(simulate)
	if opt.InstallRecommends {
		args = append(args, "-o", "APT::Install-Recommends=1")
	} else {
		args = append(args, "--no-install-recommends")
	}
	if opt.FromRepo != "" {
		args = append(args, "-t", opt.FromRepo)
	}
	if opt.Reinstall {
		args = append(args, "--reinstall")
	}
	if opt.AllowDowngrades {
		args = append(args, "--allow-downgrades")
	}
	if opt.AllowChangeHeld {
		args = append(args, "--allow-change-held-packages")
	}
	args = append(args, "install", "--")
	for _, t := range targets {
		if t.Version != "" {
			args = append(args, t.Name+"="+t.Version)
		} else {
			args = append(args, t.Name)
		}
	}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("package file %s: %w", f, err)
		}
		args = append(args, abs) // apt takes a path with a slash as a file
	}
	out, err := a.run(ctx, args, nil, !simulate)
	if err != nil {
		return nil, fmt.Errorf("apt-get install: %w", err)
	}
	if simulate {
		return ParseAptSimulate(out), nil
	}
	return nil, nil
}

// Remove runs apt-get remove or purge (or its simulation).
func (a *Apt) Remove(ctx context.Context, names []string, purge, simulate bool) ([]Change, error) {
	verb := "remove"
	if purge {
		verb = "purge"
	}
	args := append(aptGet(simulate), verb, "--")
	args = append(args, names...)
	out, err := a.run(ctx, args, nil, !simulate)
	if err != nil {
		return nil, fmt.Errorf("apt-get %s: %w", verb, err)
	}
	if simulate {
		return ParseAptSimulate(out), nil
	}
	return nil, nil
}

// SetHold sets dpkg selections: hold, or install to release a hold.
func (a *Apt) SetHold(ctx context.Context, names []string, hold bool) error {
	sel := "install"
	if hold {
		sel = "hold"
	}
	var in bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&in, "%s %s\n", n, sel)
	}
	args := []string{"dpkg"}
	if a.rooted() {
		args = append(args, "--root="+a.Root)
	}
	args = append(args, "--set-selections")
	if _, err := a.run(ctx, args, in.Bytes(), false); err != nil {
		return fmt.Errorf("dpkg --set-selections: %w", err)
	}
	return nil
}

// FileInfo reads a .deb's Package and Version fields.
func (a *Apt) FileInfo(ctx context.Context, path string) (string, string, error) {
	out, err := a.Run.Run(ctx, Cmd{Args: []string{"dpkg-deb", "-f", "--", path, "Package", "Version"}})
	if err != nil {
		return "", "", fmt.Errorf("dpkg-deb %s: %w", path, err)
	}
	var name, version string
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "Package":
			name = strings.TrimSpace(v)
		case "Version":
			version = strings.TrimSpace(v)
		}
	}
	if name == "" {
		return "", "", errors.New("dpkg-deb " + path + ": no Package field")
	}
	return name, version, nil
}

// ParseAptSimulate reads `apt-get -s` output: its Inst, Remv and Purg
// lines, in order. Conf lines repeat Inst lines and are skipped.
//
//	Inst curl [7.88.1-10+deb12u14] (7.88.1-10+deb12u15 Debian:12.15/oldstable [amd64]) []
//	Inst tree (2.1.0-1 Debian:12.15/oldstable [amd64])
//	Remv make [4.3-4.1]
func ParseAptSimulate(out []byte) []Change {
	var changes []Change
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		op, rest, ok := strings.Cut(line, " ")
		if !ok || (op != "Inst" && op != "Remv" && op != "Purg") {
			continue
		}
		name, rest, _ := strings.Cut(rest, " ")
		c := Change{Name: name}
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "[") {
			if end := strings.IndexByte(rest, ']'); end > 0 {
				c.Old = rest[1:end]
				rest = strings.TrimSpace(rest[end+1:])
			}
		}
		if op == "Inst" && strings.HasPrefix(rest, "(") {
			f := strings.Fields(rest[1:])
			if len(f) > 0 {
				c.New = f[0]
			}
		}
		changes = append(changes, c)
	}
	return changes
}

// ParseAptPolicy reads `apt-cache policy` output for several packages.
func ParseAptPolicy(out []byte) map[string]Available {
	res := map[string]Available{}
	var name string
	var cur Available
	inTable := false
	flush := func() {
		if name != "" {
			res[name] = cur
		}
		name, cur, inTable = "", Available{}, false
	}
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && strings.HasSuffix(line, ":") {
			flush()
			name = strings.TrimSuffix(line, ":")
			continue
		}
		if name == "" {
			continue
		}
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "Candidate:"):
			if v := strings.TrimSpace(strings.TrimPrefix(t, "Candidate:")); v != "(none)" {
				cur.Candidate = v
			}
		case strings.HasPrefix(t, "Version table:"):
			inTable = true
		case inTable && (strings.HasPrefix(line, " *** ") || (strings.HasPrefix(line, "     ") && len(line) > 5 && line[5] != ' ')):
			f := strings.Fields(strings.TrimPrefix(t, "*** "))
			if len(f) > 0 {
				cur.Versions = append(cur.Versions, f[0])
			}
		}
	}
	flush()
	return res
}

// Upgrader is a backend that upgrades every package it can (pkg.upgrade,
// pkg.list_upgrades).
type Upgrader interface {
	Upgrade(ctx context.Context, dist, simulate bool) ([]Change, error)
}

// Upgrade runs apt-get upgrade, or dist-upgrade (or its simulation).
func (a *Apt) Upgrade(ctx context.Context, dist, simulate bool) ([]Change, error) {
	verb := "upgrade"
	if dist {
		verb = "dist-upgrade"
	}
	out, err := a.run(ctx, aptGet(simulate, verb), nil, !simulate)
	if err != nil {
		return nil, fmt.Errorf("apt-get %s: %w", verb, err)
	}
	if simulate {
		return ParseAptSimulate(out), nil
	}
	return nil, nil
}
