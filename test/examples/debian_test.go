//go:build systest

package examples

// The examples that install packages and run services, applied inside a
// booted Debian 12 (test/testbed: a debootstrapped root, an overlay per
// test, systemd-nspawn). Run as root: go test -tags systest ./test/examples
// (or test/systest/run.sh's checks first, which install what the host
// needs).
//
// The testbed's local repository holds only tiny packages (hello, sl, at),
// so these tests add the examples' packages to it: downloaded once from the
// Debian mirror with exactly the dependencies the root lacks, cached under
// testbed.CacheDir, and copied into each test's overlay. Inside the
// container apt sees only that local repository, as in every systest.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// cachedRoot returns the testbed's systemd root, building it on first use.
func cachedRoot(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	dir, err := testbed.EnsureRoot(ctx, testbed.Systemd)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// extraDebs returns a folder of .debs holding pkgs and the dependencies
// the systemd root lacks, downloaded once and cached.
func extraDebs(t *testing.T, pkgs ...string) string {
	t.Helper()
	lower := cachedRoot(t)
	sum := sha256.Sum256([]byte(lower + "|" + strings.Join(pkgs, ",")))
	dir := filepath.Join(testbed.CacheDir, "examples-debs-"+hex.EncodeToString(sum[:])[:12])
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(dir, ".ok")); err == nil {
		return dir
	}
	start := time.Now()
	// A throwaway overlay that still knows the mirror.
	work := testbed.NewOverlay(t, lower)
	mirrorList, err := os.ReadFile(filepath.Join(work, "etc/apt/sources.list.mirror"))
	if err != nil {
		t.Fatalf("the testbed root has no sources.list.mirror: %v", err)
	}
	if err := os.WriteFile(filepath.Join(work, "etc/apt/sources.list"), mirrorList, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("/etc/resolv.conf"); err == nil {
		os.Remove(filepath.Join(work, "etc/resolv.conf"))
		os.WriteFile(filepath.Join(work, "etc/resolv.conf"), b, 0o644)
	}
	chroot(t, work, "apt-get", "update", "-q")
	chroot(t, work, append([]string{"apt-get", "install", "-y", "-q", "--download-only", "--no-install-recommends"}, pkgs...)...)
	debs, _ := filepath.Glob(filepath.Join(work, "var/cache/apt/archives/*.deb"))
	if len(debs) < len(pkgs) {
		t.Fatalf("apt downloaded %d .debs for %v", len(debs), pkgs)
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range debs {
		if err := testbed.CopyFile(d, tmp, "/"+filepath.Base(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(tmp, ".ok"), []byte(strings.Join(pkgs, "\n")+"\n"), 0o644)
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("downloaded %d .debs for %v in %v", len(debs), pkgs, time.Since(start).Round(time.Second))
	return dir
}

func chroot(t *testing.T, root string, argv ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "chroot", append([]string{root}, argv...)...)
	cmd.Env = []string{"DEBIAN_FRONTEND=noninteractive", "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chroot %s %s: %v\n%s", root, strings.Join(argv, " "), err, out)
	}
}

// host is a booted container with brine and one example tree in it.
type host struct {
	c    *testbed.Container
	tree string // the example inside the container
}

// bootExample boots a fresh overlay of the systemd root, with debs added
// to its local repository, brine in /usr/local/bin and the example under
// /srv/examples. files are written into the root before it boots.
func bootExample(t *testing.T, name, debs string, files map[string]string) *host {
	t.Helper()
	dir := testbed.NewOverlay(t, cachedRoot(t))
	if debs != "" {
		ents, err := os.ReadDir(debs)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".deb") {
				if err := testbed.CopyFile(filepath.Join(debs, e.Name()), dir, filepath.Join(testbed.RepoDir, e.Name()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		pk, err := os.Create(filepath.Join(dir, testbed.RepoDir, "Packages"))
		if err != nil {
			t.Fatal(err)
		}
		scan := exec.Command("dpkg-scanpackages", "-m", ".", "/dev/null")
		scan.Dir, scan.Stdout = filepath.Join(dir, testbed.RepoDir), pk
		err = scan.Run()
		pk.Close()
		if err != nil {
			t.Fatalf("dpkg-scanpackages: %v", err)
		}
		chroot(t, dir, "apt-get", "update", "-q")
	}
	tree := "/srv/examples/" + name
	copyTree(t, filepath.Join(moduleRoot, "examples", name), filepath.Join(dir, tree))
	writeFiles(t, dir, files)
	if err := testbed.CopyFile(brineBin, dir, testbed.BinPath, 0o755); err != nil {
		t.Fatal(err)
	}
	return &host{c: testbed.Boot(t, dir), tree: tree}
}

// run applies the tree's highstate in the container, with extra arguments.
func (h *host) runner(args ...string) runner {
	return func(t *testing.T, test bool) []testbed.StateResult {
		t.Helper()
		argv := []string{testbed.BinPath, "call", "--local", "--id", "testbed",
			"--file-root", h.tree + "/states", "--pillar-root", h.tree + "/pillar",
			"--out", "json", "state.highstate"}
		argv = append(argv, args...)
		if test {
			argv = append(argv, "test=True")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		out, err := h.c.Exec(ctx, argv...)
		if err != nil {
			t.Fatalf("%v\nstdout:\n%s", err, out)
		}
		res, perr := testbed.ParseStateJSON(out)
		if perr != nil || len(res) == 0 {
			t.Fatalf("%v: %s", perr, out)
		}
		t.Logf("state.highstate test=%v: %d states in %v", test, len(res), time.Since(start).Round(time.Millisecond))
		for _, r := range res {
			t.Logf("  %s: %s %q %v", r.ID, show(r.Result), firstLine(r.Comment), keys(r.Changes))
		}
		return res
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sortedCopy(out)
}

// sh runs a command in the container and returns its trimmed stdout.
func (h *host) sh(t *testing.T, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := h.c.Exec(ctx, argv...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return strings.TrimSpace(string(out))
}

// installed reports a package's dpkg status in the container.
func (h *host) installed(t *testing.T, pkg string) bool {
	out, _ := h.c.Exec(context.Background(), "dpkg-query", "-W", "-f=${Status}", pkg)
	return string(out) == "install ok installed"
}

func TestFirstTasteDebian(t *testing.T) {
	h := bootExample(t, "first-taste", extraDebs(t, "nmap", "tcpdump"), nil)
	res := checked(t, h.runner())
	if got, want := ids(res), []string{"/etc/resolv.conf", "scanner-tools"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("states = %v, want %v (no pfmon: the id has no bsd; no xprobe on Debian)", got, want)
	}
	for _, p := range []string{"nmap", "tcpdump"} {
		if !h.installed(t, p) {
			t.Errorf("%s is not installed", p)
		}
	}
	if v := h.sh(t, "nmap", "--version"); !strings.Contains(v, "Nmap version") {
		t.Errorf("nmap --version = %q", v)
	}
	b, err := h.c.ReadFile("/etc/resolv.conf")
	if err != nil || !strings.Contains(string(b), "nameserver 4.2.2.1\nnameserver 4.2.2.2\n") {
		t.Errorf("resolv.conf = %q, %v", b, err)
	}
}

func TestLxcHost(t *testing.T) {
	h := bootExample(t, "lxc-host", extraDebs(t, "lxc", "debootstrap", "libvirt-daemon-system"), nil)
	checked(t, h.runner())
	for _, p := range []string{"lxc", "debootstrap", "libvirt-daemon-system"} {
		if !h.installed(t, p) {
			t.Errorf("%s is not installed", p)
		}
	}
	if got := h.sh(t, "findmnt", "-n", "-o", "FSTYPE", "/cgroup"); got != "cgroup2" {
		t.Errorf("/cgroup is mounted as %q, want cgroup2", got)
	}
	fstab, err := h.c.ReadFile("/etc/fstab")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fstabEntries(string(fstab)) {
		if len(f) >= 3 && f[0] == "none" && f[1] == "/cgroup" && f[2] == "cgroup2" {
			found = true
		}
	}
	if !found {
		t.Errorf("no /cgroup entry in fstab:\n%s", fstab)
	}
	if got := h.sh(t, "stat", "-c", "%U:%G %a", "/cgroup"); got != "root:root 755" {
		t.Errorf("/cgroup is %q", got)
	}
}

func TestFail2ban(t *testing.T) {
	// The jails read nginx's access log, and Debian's default sshd jail
	// reads auth.log: fail2ban will not start without them (a host with
	// nginx and rsyslog has both).
	h := bootExample(t, "fail2ban", extraDebs(t, "fail2ban", "iptables"), map[string]string{
		"/var/log/nginx/access.log": "",
		"/var/log/auth.log":         "",
	})
	// The service's dry run cannot know the unit that this run's package
	// will bring: it says None, "if created in this state run, it would
	// have been started".
	checked(t, h.runner(), "service_|-fail2ban_|-fail2ban_|-running")
	if !h.installed(t, "fail2ban") {
		t.Fatal("fail2ban is not installed")
	}
	if got := h.sh(t, "systemctl", "is-enabled", "fail2ban"); got != "enabled" {
		t.Errorf("fail2ban is %q at boot", got)
	}
	waitFor(t, 30*time.Second, func() error {
		out, err := h.c.Exec(context.Background(), "fail2ban-client", "status")
		if err != nil || !strings.Contains(string(out), "nginx-401") || !strings.Contains(string(out), "nginx-531") {
			return fmt.Errorf("fail2ban-client status: %v: %s", err, out)
		}
		return nil
	})
	pid := h.sh(t, "systemctl", "show", "-p", "MainPID", "--value", "fail2ban")

	// A jail setting changed in pillar rewrites one jail file, and the
	// watch restarts the service.
	pillar := h.tree + "/pillar/fail2ban.sls"
	b, err := h.c.ReadFile(pillar)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.c.WriteFiles(map[string]string{pillar: strings.Replace(string(b), "status: 531", "status: 531\n      maxretry: 5", 1)}); err != nil {
		t.Fatal(err)
	}
	res := h.runner()(t, false)
	if r := byID(t, res, "/etc/fail2ban/jail.d/nginx-531.conf"); !strings.Contains(fmt.Sprint(r.Changes["diff"]), "+maxretry = 5") {
		t.Errorf("jail change = %v", r.Changes)
	}
	var svc testbed.StateResult
	for _, r := range res {
		if r.Key == "service_|-fail2ban_|-fail2ban_|-running" {
			svc = r
		}
	}
	if svc.Result == nil || !*svc.Result || len(svc.Changes) == 0 {
		t.Errorf("service after a jail change = %s %q %v; want a restart", show(svc.Result), svc.Comment, svc.Changes)
	}
	waitFor(t, 30*time.Second, func() error {
		now := h.sh(t, "systemctl", "show", "-p", "MainPID", "--value", "fail2ban")
		if now == pid || now == "0" {
			return fmt.Errorf("fail2ban MainPID %s → %s; want a new process", pid, now)
		}
		return nil
	})
	// The new process needs a moment before its socket answers.
	waitFor(t, 30*time.Second, func() error {
		out, err := h.c.Exec(context.Background(), "fail2ban-client", "get", "nginx-531", "maxretry")
		if got := strings.TrimSpace(string(out)); err != nil || got != "5" {
			return fmt.Errorf("nginx-531 maxretry = %q after the restart: %v", got, err)
		}
		return nil
	})
}

func TestNoIPv6Live(t *testing.T) {
	h := bootExample(t, "no-ipv6", "", nil)
	checked(t, h.runner())
	for _, iface := range []string{"all", "default", "lo"} {
		if got := h.sh(t, "cat", "/proc/sys/net/ipv6/conf/"+iface+"/disable_ipv6"); got != "1" {
			t.Errorf("%s.disable_ipv6 = %s in the container", iface, got)
		}
	}
	conf, err := h.c.ReadFile("/etc/sysctl.d/60-no-ipv6.conf")
	if err != nil || !strings.Contains(string(conf), "net.ipv6.conf.lo.disable_ipv6 = 1") {
		t.Errorf("60-no-ipv6.conf = %q, %v", conf, err)
	}
}

// TestXenGuestImageOnDebianRoot prepares a real debootstrapped Debian 12
// (the sysvinit testbed root, on an overlay) as a Xen guest with --root,
// from the host, with nothing booted: the image's own os-release makes it
// a Debian-style guest, with no grains file.
func TestXenGuestImageOnDebianRoot(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	lower, err := testbed.EnsureRoot(ctx, testbed.SysV)
	if err != nil {
		t.Fatal(err)
	}
	root := testbed.NewOverlay(t, lower)
	inittab := readFile(t, root, "/etc/inittab")
	e := example{name: "xen-guest-image", root: root, id: "mail"}
	res := checked(t, rootRunner(e))
	for _, r := range res {
		if strings.HasPrefix(r.Key, "service_") || r.ID == "selinux-disabled" {
			t.Errorf("a Debian image got %s", r.Key)
		}
	}
	got := readFile(t, root, "/etc/inittab")
	if !strings.HasSuffix(got, "\nco:2345:respawn:/sbin/getty 38400 console\n") {
		t.Errorf("inittab does not end with the console line:\n%s", tail(got, 600))
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 1 && l[0] >= '1' && l[0] <= '6' && l[1] == ':' {
			t.Errorf("an active tty line is left: %q", l)
		}
	}
	// Every other line of the stock inittab is still there, in order.
	if kept := strings.TrimSuffix(got, "co:2345:respawn:/sbin/getty 38400 console\n"); len(kept) != len(inittab) {
		t.Errorf("inittab: %d bytes before the console line, the stock one has %d", len(kept), len(inittab))
	}
	if got := fstabEntries(readFile(t, root, "/etc/fstab")); !reflect.DeepEqual(got, xenFstab) {
		t.Errorf("fstab entries:\n%v\nwant\n%v", got, xenFstab)
	}
	wantFile(t, root, "/etc/hostname", "myhost\n")
	if got := readFile(t, root, "/etc/network/interfaces"); !strings.Contains(got, "iface eth0 inet static\n    address 192.168.0.13\n") {
		t.Errorf("interfaces:\n%s", got)
	}
}
