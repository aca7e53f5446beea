//go:build systest

package systest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// TestMountTmpfs writes an fstab entry and mounts a tmpfs in a booted
// systemd container, then changes its size, which remounts it.
func TestMountTmpfs(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	sls := func(size string) map[string]string {
		return map[string]string{"scratch.sls": `
/mnt/brine-scratch:
  mount.mounted:
    - device: tmpfs
    - fstype: tmpfs
    - opts: size=` + size + `,mode=0755
    - mkmnt: True
`}
	}
	fstabBefore := run(t, c, "cat", "/etc/fstab")
	res := applyChecked(t, inContainer(c, sls("16m")), "scratch")
	if got := jsonString(res[0].Changes); got != `{"mount":true,"persist":"new"}` {
		t.Errorf("changes = %s", got)
	}
	if got := run(t, c, "findmnt", "-n", "-o", "FSTYPE,OPTIONS", "/mnt/brine-scratch"); !strings.HasPrefix(got, "tmpfs ") || !strings.Contains(got, "size=16384k") {
		t.Errorf("findmnt = %q; want a 16 MiB tmpfs", got)
	}
	fstab := run(t, c, "cat", "/etc/fstab")
	if !strings.HasPrefix(fstab, fstabBefore) || !strings.Contains(fstab, "tmpfs\t\t/mnt/brine-scratch\ttmpfs\tsize=16m,mode=0755\t0 0") {
		t.Errorf("fstab = %q; want the old file plus one line", fstab)
	}
	// systemd reads the same entry once reloaded.
	run(t, c, "systemctl", "daemon-reload")
	if got := run(t, c, "systemctl", "show", "-P", "Options", "mnt-brine\\x2dscratch.mount"); !strings.Contains(got, "size=16") {
		t.Logf("systemd's view of the mount options: %q", got)
	}

	res = applyChecked(t, inContainer(c, sls("32m")), "scratch")
	if got := jsonString(res[0].Changes); got != `{"persist":"update","umount":"Forced remount because options (size=32768k) changed"}` {
		t.Errorf("changes = %s", got)
	}
	if got := run(t, c, "findmnt", "-n", "-o", "OPTIONS", "/mnt/brine-scratch"); !strings.Contains(got, "size=32768k") {
		t.Errorf("after remount findmnt = %q; want size=32768k", got)
	}
	// The mount lives in the container's namespace only.
	host, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(host), "brine-scratch") {
		t.Errorf("the host sees the container's mount")
	}
}

// TestSysctlNet sets per-network-namespace keys in a container with its
// own network: live and persisted, the host keeps its values.
func TestSysctlNet(t *testing.T) {
	hostFwd, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	hostRange, _ := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	c := bootWithBrine(t, testbed.Systemd)
	want := "1"
	if strings.TrimSpace(run(t, c, "sysctl", "-n", "net.ipv4.ip_forward")) == "1" {
		want = "0"
	}
	tree := map[string]string{"net.sls": fmt.Sprintf(`
net.ipv4.ip_forward:
  sysctl.present:
    - value: %s
ports:
  sysctl.present:
    - name: net.ipv4.ip_local_port_range
    - value: 20000 40000
`, want)}
	res := applyChecked(t, inContainer(c, tree), "net")
	if got := jsonString(res[0].Changes); got != fmt.Sprintf(`{"net.ipv4.ip_forward":%q}`, want) {
		t.Errorf("changes = %s", got)
	}
	if got := run(t, c, "sysctl", "-n", "net.ipv4.ip_forward"); got != want {
		t.Errorf("live ip_forward = %q; want %s", got, want)
	}
	if got := strings.Join(strings.Fields(run(t, c, "sysctl", "-n", "net.ipv4.ip_local_port_range")), " "); got != "20000 40000" {
		t.Errorf("live port range = %q", got)
	}
	conf := run(t, c, "cat", "/etc/sysctl.d/99-brine.conf")
	if conf != "net.ipv4.ip_forward = "+want+"\nnet.ipv4.ip_local_port_range = 20000\t40000" {
		t.Errorf("99-brine.conf = %q", conf)
	}
	// systemd-sysctl applies the file as brine wrote it.
	run(t, c, "/lib/systemd/systemd-sysctl", "/etc/sysctl.d/99-brine.conf")
	if b, _ := os.ReadFile("/proc/sys/net/ipv4/ip_forward"); string(b) != string(hostFwd) {
		t.Errorf("host ip_forward changed: %q → %q", hostFwd, b)
	}
	if b, _ := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); string(b) != string(hostRange) {
		t.Errorf("host port range changed: %q → %q", hostRange, b)
	}
}

// TestSSHAuthUser installs a key for a real user: ~/.ssh 0700 and the
// file 0600, both owned by the user; a key added by hand stays.
func TestSSHAuthUser(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	run(t, c, "useradd", "-m", "-s", "/bin/sh", "alice")
	pub, err := os.ReadFile(filepath.Join(moduleRoot(t), "states/testdata/authorized_keys_k1.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(pub))
	tree := map[string]string{"keys.sls": `
alice-laptop:
  ssh_auth.present:
    - name: ` + key + `
    - user: alice
    - options:
      - no-agent-forwarding
`}
	res := applyChecked(t, inContainer(c, tree), "keys")
	if len(res[0].Changes) != 1 {
		t.Errorf("changes = %v", res[0].Changes)
	}
	if got := run(t, c, "stat", "-c", "%a %U %G", "/home/alice/.ssh", "/home/alice/.ssh/authorized_keys"); got != "700 alice alice\n600 alice alice" {
		t.Errorf("modes and owners = %q", got)
	}
	if got := run(t, c, "cat", "/home/alice/.ssh/authorized_keys"); got != "no-agent-forwarding "+key {
		t.Errorf("authorized_keys = %q", got)
	}
}

// TestInittabSysV adds an entry to a booted sysvinit container: telinit q
// makes init start the new process, and commenting it out stops it.
func TestInittabSysV(t *testing.T) {
	c := bootWithBrine(t, testbed.SysV)
	before := run(t, c, "cat", "/etc/inittab")
	tree := map[string]string{
		"sleeper.sls": `
brine-sleeper:
  inittab.present:
    - id: bs
    - runlevels: 2345
    - action: respawn
    - process: /bin/sleep 31337
`,
		"quiet.sls": `
no-sleeper:
  inittab.commented:
    - ids: [bs]
`}
	res := applyChecked(t, inContainer(c, tree), "sleeper")
	if got := jsonString(res[0].Changes); got != `{"bs":{"new":"bs:2345:respawn:/bin/sleep 31337","old":""}}` {
		t.Errorf("changes = %s", got)
	}
	if !strings.Contains(res[0].Comment, "telinit q") {
		t.Errorf("comment %q does not say init reread the file", res[0].Comment)
	}
	after := run(t, c, "cat", "/etc/inittab")
	if after != before+"\nbs:2345:respawn:/bin/sleep 31337" {
		t.Errorf("inittab changed beyond its own line:\n%s", after)
	}
	waitFor(t, 10*time.Second, "init starts the sleeper", func() bool {
		out, err := c.Exec(context.Background(), "pgrep", "-f", "sleep 31337")
		return err == nil && strings.TrimSpace(string(out)) != ""
	})
	applyChecked(t, inContainer(c, tree), "quiet")
	waitFor(t, 10*time.Second, "init stops the sleeper", func() bool {
		_, err := c.Exec(context.Background(), "pgrep", "-f", "sleep 31337")
		return err != nil
	})
}

// TestRootSeed002 builds seed 002's Xen guest settings into an image
// folder with --root (not booted): a console getty, tty1..tty6 commented
// out, the guest's fstab. Nothing is mounted, and the host's own fstab
// and inittab keep their bytes.
func TestRootSeed002(t *testing.T) {
	hostFstab, hostInittab := hostFingerprint("/etc/fstab"), hostFingerprint("/etc/inittab")
	dir := testbed.NewOverlay(t, root(t, testbed.SysV))
	hostMounts := mountsOf(dir)
	mod := moduleRoot(t)
	// The image is a CentOS 5 guest in the seed; its stock inittab has
	// six mingetty lines.
	if err := testbed.CopyFile(filepath.Join(mod, "states/testdata/inittab_centos5.txt"), dir, "/etc/inittab", 0o644); err != nil {
		t.Fatal(err)
	}
	seedFstab, err := os.ReadFile(filepath.Join(mod, "states/testdata/fstab_seed002.txt"))
	if err != nil {
		t.Fatal(err)
	}
	entries := fstabEntries(string(seedFstab))
	var sls strings.Builder
	sls.WriteString(`
xen-console:
  inittab.present:
    - id: co
    - runlevels: "2345"
    - action: respawn
    - process: /sbin/mingetty console
no-ttys:
  inittab.commented:
    - ids: ["1", "2", "3", "4", "5", "6"]
`)
	for i, e := range entries {
		fmt.Fprintf(&sls, "fstab-%d:\n  mount.mounted:\n    - name: %s\n    - device: %s\n    - fstype: %s\n    - opts: %s\n    - dump: %s\n    - pass_num: %s\n",
			i, e[1], e[0], e[2], e[3], e[4], e[5])
	}
	res := applyChecked(t, onFolder(dir, map[string]string{"xen-domu.sls": sls.String()}), "xen-domu")
	for _, r := range res {
		if _, mounted := r.Changes["mount"]; mounted {
			t.Errorf("%s: --root reported a mount", r.Key)
		}
	}
	inittab, _ := os.ReadFile(filepath.Join(dir, "etc/inittab"))
	for _, want := range []string{"\nco:2345:respawn:/sbin/mingetty console\n", "\n#1:2345:respawn:/sbin/mingetty tty1\n", "\n#6:2345:respawn:/sbin/mingetty tty6\n"} {
		if !strings.Contains(string(inittab), want) {
			t.Errorf("inittab lacks %q:\n%s", want, inittab)
		}
	}
	fstab, _ := os.ReadFile(filepath.Join(dir, "etc/fstab"))
	if got := fstabEntries(string(fstab)); !reflect.DeepEqual(got, entries) {
		t.Errorf("image fstab entries = %q; want the seed's %q", got, entries)
	}
	if hostFingerprint("/etc/fstab") != hostFstab || hostFingerprint("/etc/inittab") != hostInittab {
		t.Errorf("the host's /etc/fstab or /etc/inittab changed")
	}
	if after := mountsOf(dir); !reflect.DeepEqual(after, hostMounts) {
		t.Errorf("the host's mounts changed during a --root run:\nbefore %q\nafter  %q", hostMounts, after)
	}
}

// mountsOf lists the host's mounts that a --root run on image could have
// made: inside the image, or on the mount points of its fstab. Other
// tests running at the same time mount their own overlays, so the whole
// table cannot be compared.
func mountsOf(image string) []string {
	b, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		switch mp := f[4]; {
		case strings.HasPrefix(mp, image+"/"), mp == "/", mp == "/proc", mp == "/sys", mp == "/dev/pts", mp == "/dev/shm":
			out = append(out, strings.Join(f[4:], " "))
		}
	}
	return out
}

// fstabEntries returns the fields of each entry line, dump and pass
// filled in.
func fstabEntries(s string) [][]string {
	var out [][]string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for len(f) < 6 {
			f = append(f, "0")
		}
		out = append(out, f)
	}
	return out
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := testbed.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, total time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(total)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s", total, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestMountSwapHost turns a swap file on with mount.swap on the host
// itself and persists it in an fstab of the test's own; the swap is
// turned off again at the end. Swap is the kernel's, not a container's.
func TestMountSwapHost(t *testing.T) {
	dir := t.TempDir()
	swapfile := filepath.Join(dir, "brine-swapfile")
	fstab := filepath.Join(dir, "fstab")
	if err := os.WriteFile(fstab, []byte("# the test's fstab\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, argv := range [][]string{
		{"dd", "if=/dev/zero", "of=" + swapfile, "bs=1M", "count=16", "status=none"},
		{"chmod", "600", swapfile},
		{"mkswap", swapfile},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("swapoff", swapfile).Run() })
	res := applyChecked(t, onFolder("", map[string]string{"swap.sls": swapfile + ":\n  mount.swap:\n    - config: " + fstab + "\n"}), "swap")
	if got := jsonString(res[0].Changes); got != `{"persist":"new","swapon":true}` {
		t.Errorf("changes = %s", got)
	}
	swaps, _ := os.ReadFile("/proc/swaps")
	if !strings.Contains(string(swaps), swapfile) {
		t.Errorf("/proc/swaps lacks %s:\n%s", swapfile, swaps)
	}
	if b, _ := os.ReadFile(fstab); string(b) != "# the test's fstab\n"+swapfile+"\t\tnone\tswap\tdefaults\t0 0\n" {
		t.Errorf("fstab = %q", b)
	}
}

// TestDebconfSetContainer preseeds a debconf answer in a booted Debian
// container with debconf.set; debconf-show then reads it.
func TestDebconfSetContainer(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	res := applyChecked(t, inContainer(c, map[string]string{"preseed.sls": `
tzdata:
  debconf.set:
    - data:
        tzdata/Areas: {type: select, value: Europe}
        brine/test-flag: {type: boolean, value: True}
`}), "preseed")
	if got := jsonString(res[0].Changes); got != `{"brine/test-flag":"true","tzdata/Areas":"Europe"}` {
		t.Errorf("changes = %s", got)
	}
	if got := run(t, c, "debconf-show", "tzdata"); !strings.Contains(got, "tzdata/Areas: Europe") {
		t.Errorf("debconf-show tzdata = %q", got)
	}
}
