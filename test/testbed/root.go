// Package testbed gives brine's system tests a real Debian to work on: a
// debootstrapped bookworm root cached on disk, a fresh overlay of it per
// test, and a booted systemd-nspawn container on that overlay.
//
// Only test/systest imports it. Everything it makes is removed again in
// t.Cleanup; the host's own /etc, mounts, sysctls and services are never
// touched (see shared/TESTBED.md for the measured facts behind each step).
package testbed

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// CacheDir holds the built roots, one folder per recipe hash.
// BRINE_TESTBED_CACHE moves it, for a cold run that must build from
// nothing (as CI on a new machine does).
var CacheDir = func() string {
	if d := os.Getenv("BRINE_TESTBED_CACHE"); d != "" {
		return d
	}
	return "/var/cache/brine-testbed"
}()

// recipeVersion changes the cache key when the build steps below change
// in a way the package lists do not show.
const recipeVersion = "3"

// Suite is the Debian release every root is built from.
const Suite = "bookworm"

// Variant is the kind of root: which init it boots and what it holds.
type Variant string

const (
	// Systemd boots systemd as PID 1 with dbus: for service, mount, sysctl
	// and ssh_auth tests.
	Systemd Variant = "systemd"
	// SysV boots sysvinit (sysvinit-core): for inittab tests with telinit q.
	SysV Variant = "sysvinit"
)

// include is what debootstrap installs in each variant, beyond minbase.
var include = map[Variant][]string{
	Systemd: {"systemd", "systemd-sysv", "dbus", "procps", "iproute2", "kmod", "ca-certificates"},
	SysV:    {"sysvinit-core", "procps", "iproute2"},
}

// RepoPackages are put, with the dependencies the root lacks, in the
// root's local apt repository (deb [trusted=yes] file:/srv/repo ./), and
// are NOT installed. hello and sl are tiny programs with no daemon; at
// ships atd.service, for service tests.
var RepoPackages = []string{"hello", "sl", "at"}

// RepoDir is the local repository inside every root.
const RepoDir = "/srv/repo"

func recipe(v Variant) (string, error) {
	inc, ok := include[v]
	if !ok {
		return "", fmt.Errorf("testbed: unknown variant %q", v)
	}
	return strings.Join([]string{recipeVersion, Suite, string(v), strings.Join(inc, ","), strings.Join(RepoPackages, ",")}, "|"), nil
}

// Key returns the cache key of a variant: a hash of suite, variant and
// package lists.
func Key(v Variant) (string, error) {
	r, err := recipe(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(r))
	return string(v) + "-" + hex.EncodeToString(sum[:])[:12], nil
}

// EnsureRoot returns the cached root of the variant, building it first
// when it is missing (60 to 200 s, network needed). Concurrent callers, in
// this process or another, wait on a file lock and share one build. The
// returned folder must be treated as read-only: mount an overlay on it.
func EnsureRoot(ctx context.Context, v Variant) (string, error) {
	key, err := Key(v)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(CacheDir, 0o755); err != nil {
		return "", fmt.Errorf("testbed: %w", err)
	}
	dir := filepath.Join(CacheDir, key)
	stamp := filepath.Join(dir, ".brine-testbed-ok")
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("testbed: lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("testbed: lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(stamp); err == nil {
		return dir, nil
	}
	tmp := dir + ".build"
	os.RemoveAll(tmp) // a build interrupted earlier
	os.RemoveAll(dir) // a root without its stamp is not trusted
	logPath := dir + ".log"
	logf, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("testbed: %w", err)
	}
	defer logf.Close()
	if err := build(ctx, v, tmp, logf); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("testbed: build %s root (log %s): %w", v, logPath, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".brine-testbed-ok"), []byte(key+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("testbed: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("testbed: %w", err)
	}
	return dir, nil
}

// Mirror returns the Debian mirror the host's apt uses, the first URIs:
// line of /etc/apt/sources.list.d/debian.sources.
func Mirror() (string, error) {
	const src = "/etc/apt/sources.list.d/debian.sources"
	f, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("testbed: mirror: %w", err)
	}
	defer f.Close()
	m, ok := mirrorFrom(f)
	if !ok {
		return "", fmt.Errorf("testbed: mirror: no URIs: line in %s", src)
	}
	return m, nil
}

// mirrorFrom reads the first URIs: value of a deb822 sources file.
func mirrorFrom(r io.Reader) (string, bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "URIs:"); ok {
			if fields := strings.Fields(rest); len(fields) > 0 {
				return fields[0], true
			}
		}
	}
	return "", false
}

// run runs a command with its output in the build log.
func run(ctx context.Context, logf *os.File, env []string, name string, args ...string) error {
	fmt.Fprintf(logf, "\n+ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

var aptEnv = []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}

func build(ctx context.Context, v Variant, root string, logf *os.File) error {
	for _, tool := range []string{"debootstrap", "dpkg-scanpackages", "chroot"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found (run test/systest/run.sh, which installs it): %w", tool, err)
		}
	}
	mirror, err := Mirror()
	if err != nil {
		return err
	}
	if err := run(ctx, logf, nil, "debootstrap", "--variant=minbase",
		"--include="+strings.Join(include[v], ","), Suite, root, mirror); err != nil {
		return err
	}
	// No daemon may start inside the build chroot.
	if err := os.WriteFile(filepath.Join(root, "usr/sbin/policy-rc.d"), []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		return err
	}
	chroot := func(args ...string) error {
		return run(ctx, logf, aptEnv, "chroot", append([]string{root}, args...)...)
	}
	if err := chroot("apt-get", "update"); err != nil {
		return err
	}
	if err := chroot("apt-get", "clean"); err != nil {
		return err
	}
	// --download-only fetches the named packages and exactly the
	// dependencies this root lacks: what an offline install will need.
	if err := chroot(append([]string{"apt-get", "install", "-y", "--download-only", "--no-install-recommends"}, RepoPackages...)...); err != nil {
		return err
	}
	repo := filepath.Join(root, RepoDir)
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	debs, _ := filepath.Glob(filepath.Join(root, "var/cache/apt/archives/*.deb"))
	if len(debs) < len(RepoPackages) {
		return fmt.Errorf("apt downloaded %d .debs for %v", len(debs), RepoPackages)
	}
	for _, d := range debs {
		if err := os.Rename(d, filepath.Join(repo, filepath.Base(d))); err != nil {
			return err
		}
	}
	pk, err := os.Create(filepath.Join(repo, "Packages"))
	if err != nil {
		return err
	}
	scan := exec.CommandContext(ctx, "dpkg-scanpackages", "-m", ".", "/dev/null")
	scan.Dir, scan.Stdout, scan.Stderr = repo, pk, logf
	err = scan.Run()
	pk.Close()
	if err != nil {
		return fmt.Errorf("dpkg-scanpackages: %w", err)
	}
	// From here on the root knows only its local repository: tests run
	// offline, and a container has no network anyway.
	apt := filepath.Join(root, "etc/apt")
	os.Rename(filepath.Join(apt, "sources.list"), filepath.Join(apt, "sources.list.mirror"))
	if err := os.WriteFile(filepath.Join(apt, "sources.list"), []byte("deb [trusted=yes] file:"+RepoDir+" ./\n"), 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(root, "var/lib/apt/lists")); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(root, "var/lib/apt/lists/partial"), 0o755); err != nil {
		return err
	}
	if err := chroot("apt-get", "update"); err != nil {
		return err
	}
	if err := chroot("apt-get", "clean"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "etc/hostname"), []byte("testbed\n"), 0o644); err != nil {
		return err
	}
	// nspawn wants an empty machine-id it can fill, or none.
	os.WriteFile(filepath.Join(root, "etc/machine-id"), nil, 0o444)
	if v == SysV {
		// A getty on tty1..6 respawns too fast in a container and floods
		// the log; the tests add their own inittab lines.
		if err := sysvQuietGettys(filepath.Join(root, "etc/inittab")); err != nil {
			return err
		}
	}
	return nil
}

// sysvQuietGettys comments out the tty getty lines of the stock inittab.
func sysvQuietGettys(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i, l := range lines {
		if strings.Contains(l, ":respawn:/sbin/getty") && !strings.HasPrefix(l, "#") {
			lines[i] = "#" + l
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644)
}

// errNotRoot is returned by the helpers that need root.
var errNotRoot = errors.New("testbed: must run as root (use test/systest/run.sh as root)")

// RequireRoot fails when the process is not root.
func RequireRoot() error {
	if os.Geteuid() != 0 {
		return errNotRoot
	}
	return nil
}
