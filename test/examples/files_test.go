package examples

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/brine-cm/brine/test/testbed"
)

// rootRunner applies an example's highstate on a folder with --root.
func rootRunner(e example) runner {
	return func(t *testing.T, test bool) []testbed.StateResult {
		t.Helper()
		return e.apply(t, "state.highstate", nil, test)
	}
}

// slsRunner applies some SLS of an example on a folder with --root.
func slsRunner(e example, sls string) runner {
	return func(t *testing.T, test bool) []testbed.StateResult {
		t.Helper()
		return e.apply(t, "state.apply", []string{sls}, test)
	}
}

// fstabEntries reads an fstab's entries as their whitespace-separated
// fields, comments left out.
func fstabEntries(text string) [][]string {
	var out [][]string
	for _, l := range strings.Split(text, "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out = append(out, f)
		}
	}
	return out
}

// The seed's fstab, field by field.
var xenFstab = [][]string{
	{"/dev/sda1", "/", "ext3", "defaults", "1", "1"},
	{"/dev/sda2", "none", "swap", "sw", "0", "0"},
	{"none", "/dev/pts", "devpts", "gid=5,mode=620", "0", "0"},
	{"none", "/dev/shm", "tmpfs", "defaults", "0", "0"},
	{"none", "/proc", "proc", "defaults", "0", "0"},
	{"none", "/sys", "sysfs", "defaults", "0", "0"},
}

const centosInittab = `#
# inittab       This file describes how the INIT process should set up
#               the system in a certain run-level.
#
id:3:initdefault:

# System initialization.
si::sysinit:/etc/rc.d/rc.sysinit

l0:0:wait:/etc/rc.d/rc 0
l3:3:wait:/etc/rc.d/rc 3
l6:6:wait:/etc/rc.d/rc 6

# Trap CTRL-ALT-DELETE
ca::ctrlaltdel:/sbin/shutdown -t3 -r now

# Run gettys in standard runlevels
1:2345:respawn:/sbin/mingetty tty1
2:2345:respawn:/sbin/mingetty tty2
3:2345:respawn:/sbin/mingetty tty3
4:2345:respawn:/sbin/mingetty tty4
5:2345:respawn:/sbin/mingetty tty5
6:2345:respawn:/sbin/mingetty tty6

# Run xdm in runlevel 5
x:5:respawn:/etc/X11/prefdm -nodaemon
`

const haldaemonScript = `#!/bin/sh
#
# haldaemon:   HAL daemon
#
# chkconfig: 345 98 02
### BEGIN INIT INFO
# Provides: haldaemon
# Default-Start: 3 4 5
# Default-Stop: 0 1 2 6
# Short-Description: This is a daemon for collecting and maintaining information about hardware from several sources.
### END INIT INFO
exit 0
`

func TestXenGuestImageCentOS(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"/etc/inittab":          centosInittab,
		"/etc/fstab":            "# This file is edited by fstab-sync - see 'man fstab-sync' for details\n",
		"/etc/selinux/config":   "# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n",
		"/etc/init.d/haldaemon": haldaemonScript,
	})
	for _, l := range []string{"rc3.d/S98haldaemon", "rc4.d/S98haldaemon", "rc5.d/S98haldaemon", "rc0.d/K02haldaemon", "rc6.d/K02haldaemon"} {
		p := filepath.Join(root, "etc", l)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink("../init.d/haldaemon", p); err != nil {
			t.Fatal(err)
		}
	}
	e := example{name: "xen-guest-image", root: root, id: "mail",
		grainsFile: grainsFile(t, "os: CentOS\nos_family: RedHat\nosrelease: '5.5'\n")}
	res := checked(t, rootRunner(e))
	t.Logf("states: %v", ids(res))

	want := strings.Replace(centosInittab, "1:2345:respawn:/sbin/mingetty tty1\n2:2345:respawn:/sbin/mingetty tty2\n3:2345:respawn:/sbin/mingetty tty3\n4:2345:respawn:/sbin/mingetty tty4\n5:2345:respawn:/sbin/mingetty tty5\n6:2345:respawn:/sbin/mingetty tty6\n",
		"#1:2345:respawn:/sbin/mingetty tty1\n#2:2345:respawn:/sbin/mingetty tty2\n#3:2345:respawn:/sbin/mingetty tty3\n#4:2345:respawn:/sbin/mingetty tty4\n#5:2345:respawn:/sbin/mingetty tty5\n#6:2345:respawn:/sbin/mingetty tty6\n", 1) +
		"co:2345:respawn:/sbin/mingetty console\n"
	wantFile(t, root, "/etc/inittab", want)

	fstab := readFile(t, root, "/etc/fstab")
	if !strings.HasPrefix(fstab, "# This file is edited by fstab-sync") {
		t.Errorf("fstab lost its first line:\n%s", fstab)
	}
	if got := fstabEntries(fstab); !reflect.DeepEqual(got, xenFstab) {
		t.Errorf("fstab entries:\n%v\nwant\n%v", got, xenFstab)
	}

	wantFile(t, root, "/etc/selinux/config", "# This file controls the state of SELinux on the system.\nSELINUX=disabled\nSELINUXTYPE=targeted\n")
	if _, err := os.Stat(filepath.Join(root, "etc/selinux/config.bak")); !os.IsNotExist(err) {
		t.Errorf("a backup was left in the image: %v", err)
	}
	for _, lvl := range []string{"2", "3", "4", "5"} {
		if m, _ := filepath.Glob(filepath.Join(root, "etc/rc"+lvl+".d/S*haldaemon")); len(m) > 0 {
			t.Errorf("haldaemon still starts in runlevel %s: %v", lvl, m)
		}
	}

	wantFile(t, root, "/etc/sysconfig/network-scripts/ifcfg-eth0", `# Managed by brine (examples/xen-guest-image).
TYPE=Ethernet
DEVICE=eth0
BOOTPROTO=static
IPADDR=192.168.0.13
NETMASK=255.255.255.0
BROADCAST=192.168.0.255
NETWORK=192.168.0.0
ONBOOT=yes
`)
	wantFile(t, root, "/etc/sysconfig/network", "# Managed by brine (examples/xen-guest-image).\nNETWORKING=yes\nHOSTNAME=myhost.l3i.ca\nGATEWAY=192.168.0.1\n")
	wantFile(t, root, "/etc/resolv.conf", "# Managed by brine (examples/xen-guest-image).\nnameserver 4.2.2.1\nnameserver 4.2.2.2\n")
	if _, err := os.Stat(filepath.Join(root, "etc/network/interfaces")); !os.IsNotExist(err) {
		t.Errorf("a CentOS image got a Debian interfaces file: %v", err)
	}
}

const debianInittab = `# /etc/inittab: init(8) configuration.
id:2:initdefault:
si::sysinit:/etc/init.d/rcS
l2:2:wait:/etc/init.d/rc 2

1:2345:respawn:/sbin/getty --noclear 38400 tty1
2:23:respawn:/sbin/getty 38400 tty2
3:23:respawn:/sbin/getty 38400 tty3
4:23:respawn:/sbin/getty 38400 tty4
5:23:respawn:/sbin/getty 38400 tty5
6:23:respawn:/sbin/getty 38400 tty6
`

func TestXenGuestImageDebian(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"/etc/inittab":  debianInittab,
		"/etc/hostname": "debian\n",
	})
	e := example{name: "xen-guest-image", root: root, id: "mail",
		grainsFile: grainsFile(t, "os: Debian\nos_family: Debian\nosrelease: '12'\n")}
	res := checked(t, rootRunner(e))
	for _, r := range res {
		if strings.HasPrefix(r.Key, "service_") || r.ID == "selinux-disabled" {
			t.Errorf("a Debian image got %s", r.Key)
		}
	}
	var commented []string
	for _, l := range strings.Split(debianInittab, "\n") {
		if len(l) > 1 && l[0] >= '1' && l[0] <= '6' && l[1] == ':' {
			l = "#" + l
		}
		commented = append(commented, l)
	}
	wantFile(t, root, "/etc/inittab", strings.Join(commented, "\n")+"co:2345:respawn:/sbin/getty 38400 console\n")
	wantFile(t, root, "/etc/network/interfaces", `# Managed by brine (examples/xen-guest-image).
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet static
    address 192.168.0.13
    netmask 255.255.255.0
    gateway 192.168.0.1
`)
	wantFile(t, root, "/etc/hostname", "myhost\n")
	if got := fstabEntries(readFile(t, root, "/etc/fstab")); !reflect.DeepEqual(got, xenFstab) {
		t.Errorf("fstab entries:\n%v\nwant\n%v", got, xenFstab)
	}
}

func TestNoIPv6Persisted(t *testing.T) {
	root := t.TempDir()
	blacklist := "# This file lists those modules which we don't want to be loaded.\nblacklist evbug\nblacklist usbmouse\n"
	writeFiles(t, root, map[string]string{"/etc/modprobe.d/blacklist.conf": blacklist})
	e := example{name: "no-ipv6", root: root, id: "ve127"}
	res := checked(t, rootRunner(e))
	if len(res) != 4 {
		t.Errorf("%d states, want 3 sysctls and the blacklist: %v", len(res), ids(res))
	}
	for _, iface := range []string{"all", "default", "lo"} {
		key := "net.ipv6.conf." + iface + ".disable_ipv6"
		if r := byID(t, res, key); !reflect.DeepEqual(r.Changes, map[string]any{key: "1"}) && !reflect.DeepEqual(r.Changes, map[string]any{key: float64(1)}) {
			t.Errorf("%s changes = %v", key, r.Changes)
		}
	}
	conf := readFile(t, root, "/etc/sysctl.d/60-no-ipv6.conf")
	for _, iface := range []string{"all", "default", "lo"} {
		if !strings.Contains(conf, "net.ipv6.conf."+iface+".disable_ipv6 = 1\n") {
			t.Errorf("60-no-ipv6.conf lacks %s:\n%s", iface, conf)
		}
	}
	wantFile(t, root, "/etc/modprobe.d/blacklist.conf", blacklist+"blacklist ipv6\n")
}

const (
	keyLaptop  = "ssh-rsa AAAAB3NzaC1yc2EAAAABIwAAAQEAwPKBJDJdlvOKIfilr0VSkF9i3viwLtO8GyCpxL/8TxrGKnEg19LPLN3lwKWbbTqBZgRmbrR3bgQfM4ffPoTCxSPv44eZCF8jMPv8PxpC0yVaTcqW4Q7woD7pjdIuGVImrmEls0U8rS3uGQDx7LhFphkAh+blfUtobqzyHvqcbtVEh+drESn8AXrKd1MZfGg6OB8Xrfdr6d959uHBHFJ8pOxxppYbInxKREPb3XmZzmoNQUmqFRN/VNVTreRHAxDcPM8pEPuNmr3Vp+vDVvfpA58yr2rZ21ASB4LlNOOSEx7vnLd6uH9rsqAJOtr0ZEE29fU609i4rd6Zda2HTGQO+Q== wido@wido-laptop"
	keyRevoked = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOTyfZ6zltphzSRI3S/qwDsiBuLN/Ec8xQedpIFNvcJf root@openqrm-appliance"
	keyOther   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKmXW3w0zMsyg0AdTx8Y0Q7Wv9dLqYBzZ4m7yHkX0n2b backup@vault"
)

func TestSSHKeys(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"/etc/passwd": "root:x:0:0:root:/root:/bin/bash\nwido:x:1000:1000:Wido:/home/wido:/bin/bash\n",
		"/etc/group":  "root:x:0:\nwido:x:1000:\n",
		// wido's file holds a key of its own and the revoked one; his
		// ~/.ssh is group-writable, which sshd refuses.
		"/home/wido/.ssh/authorized_keys": "# keys for wido\n" + keyOther + "\n" + keyRevoked + "\n",
	})
	os.Mkdir(filepath.Join(root, "root"), 0o700)
	if err := os.Chmod(filepath.Join(root, "home/wido/.ssh"), 0o775); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(root, "home/wido/.ssh/authorized_keys"), 0o664)
	for _, p := range []string{"home/wido", "home/wido/.ssh", "home/wido/.ssh/authorized_keys"} {
		if err := os.Chown(filepath.Join(root, p), 1000, 1000); err != nil {
			t.Fatal(err)
		}
	}

	e := example{name: "ssh-keys", root: root, id: "web1"}
	res := checked(t, rootRunner(e))
	t.Logf("states: %v", ids(res))

	wantFile(t, root, "/root/.ssh/authorized_keys", keyLaptop+"\n")
	lines := strings.Split(strings.TrimSpace(readFile(t, root, "/home/wido/.ssh/authorized_keys")), "\n")
	if len(lines) != 4 || lines[0] != "# keys for wido" || lines[1] != keyOther || lines[2] != keyLaptop || !strings.HasSuffix(lines[3], "wido@wido-desktop") {
		t.Errorf("wido's authorized_keys:\n%s", strings.Join(lines, "\n"))
	}
	for _, p := range []string{"/root/.ssh", "/home/wido/.ssh"} {
		wantMode(t, root, p, 0o700)
		wantMode(t, root, p+"/authorized_keys", 0o600)
	}
	for p, uid := range map[string]int{"root/.ssh": 0, "root/.ssh/authorized_keys": 0, "home/wido/.ssh": 1000, "home/wido/.ssh/authorized_keys": 1000} {
		if got := owner(t, filepath.Join(root, p)); got != uid {
			t.Errorf("%s owned by %d, want %d", p, got, uid)
		}
	}
}

func TestRancidFromInventory(t *testing.T) {
	root := t.TempDir()
	e := example{name: "rancid-from-inventory", root: root, id: "rancid1"}
	checked(t, rootRunner(e))
	// Only the devices flagged yes, sorted by name, after the manual ones;
	// fw1 says its own vendor; lab-sw9 (no) and pdu-a1 (no flag) are out.
	wantFile(t, root, "/usr/local/rancid/var/networking/router.db", `# router.db: generated by brine from the inventory in pillar; edits here are
# overwritten. Add devices to the inventory, or to rancid:manual.
192.168.100.1:cisco:up
# core-sw1
10.0.0.2:cisco:up
# core-sw2
10.0.0.3:cisco:up
# edge-rtr1
10.0.0.1:cisco:up
# fw1
10.0.0.254:netscreen:up
`)
	wantMode(t, root, "/usr/local/rancid/var/networking/router.db", 0o640)

	// A device flagged yes later is one more entry, and only that changes.
	pillar := t.TempDir()
	copyTree(t, filepath.Join(e.dir(), "pillar"), pillar)
	inv := readFile(t, pillar, "/inventory.sls")
	inv = strings.Replace(inv, "rancid: no}", "rancid: yes}", 1)
	writeFiles(t, pillar, map[string]string{"/inventory.sls": inv})
	e2 := e
	e2.pillarRoot = pillar
	res := e2.apply(t, "state.highstate", nil, false)
	diff, _ := res[0].Changes["diff"].(string)
	body, salty := strings.CutPrefix(diff, "--- \n+++ \n") // difflib's header, as in Salt
	if !salty || !strings.Contains(body, "+# lab-sw9\n+10.9.0.9:cisco:up\n") || strings.Count(body, "\n+") != 2 {
		t.Errorf("adding lab-sw9: diff\n%s", diff)
	}
}

func TestFail2banJailFiles(t *testing.T) {
	root := t.TempDir()
	e := example{name: "fail2ban", root: root, id: "cloudstack-mgmt"}
	res := checked(t, slsRunner(e, "fail2ban.jails"))
	if len(res) != 4 {
		t.Errorf("%d states, want a jail and a filter for 401 and 531: %v", len(res), ids(res))
	}
	for _, code := range []string{"401", "531"} {
		wantFile(t, root, "/etc/fail2ban/jail.d/nginx-"+code+".conf", `# Managed by brine (examples/fail2ban): edit pillar fail2ban:jails instead.
[nginx-`+code+`]
enabled = true
port = http,https
filter = nginx-`+code+`
action = iptables-allports
logpath = %(nginx_access_log)s
bantime = 3600
findtime = 600
maxretry = 25
ignoreip = 127.0.0.1/8
`)
		wantFile(t, root, "/etc/fail2ban/filter.d/nginx-"+code+".conf", `# Managed by brine (examples/fail2ban): requests answered with HTTP `+code+`.
[Definition]
failregex = ^<HOST> -.*"(GET|POST|HEAD).*HTTP.*" `+code+`
ignoreregex =
`)
	}
}

func TestFirstTasteFiles(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"/etc/resolv.conf": "nameserver 10.0.2.3\n"})
	e := example{name: "first-taste", root: root, id: "fw-bsd1",
		grainsFile: grainsFile(t, "os: FreeBSD\nos_family: FreeBSD\n")}
	checked(t, slsRunner(e, "resolver,pfmon"))
	wantFile(t, root, "/etc/resolv.conf", `# /etc/resolv.conf for fw-bsd1: managed by brine, local edits are overwritten.
domain example.com
search example.com
nameserver 4.2.2.1
nameserver 4.2.2.2
options timeout:2 attempts:2
`)
	wantMode(t, root, "/etc/resolv.conf", 0o644)
	if got := readFile(t, root, "/usr/local/sbin/pfmon"); !strings.HasPrefix(got, "#!/bin/sh\n") || !strings.HasSuffix(got, "exec /sbin/pfctl -s info\n") {
		t.Errorf("pfmon:\n%s", got)
	}
	wantMode(t, root, "/usr/local/sbin/pfmon", 0o755)
}

// TestFirstTasteTargeting checks, with no packages installed, what each
// kind of host would get: top.sls by id, and the per-OS package names
// that map.jinja picks from the grains.
func TestFirstTasteTargeting(t *testing.T) {
	cases := []struct {
		id, grains string
		sls        []string
		pkgs       []string // pkg.installed names, sorted
	}{
		{"web1", "os: Debian\nos_family: Debian\n", []string{"resolver", "scanner"}, []string{"nmap", "tcpdump"}},
		{"db1", "os: CentOS\nos_family: RedHat\n", []string{"resolver", "scanner"}, []string{"nmap", "tcpdump", "xprobe2"}},
		{"fw-bsd1", "os: FreeBSD\nos_family: FreeBSD\n", []string{"pfmon", "resolver", "scanner"}, []string{"nmap", "xprobe"}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			e := example{name: "first-taste", root: t.TempDir(), id: c.id, grainsFile: grainsFile(t, c.grains)}
			r := e.call(t, "state.show_top")
			if r.code != 0 {
				t.Fatalf("%v", r)
			}
			if got := topSLS(t, r.stdout); !reflect.DeepEqual(got, c.sls) {
				t.Errorf("show_top = %v, want %v", got, c.sls)
			}
			r = e.call(t, "state.show_lowstate")
			if r.code != 0 {
				t.Fatalf("%v", r)
			}
			if got := lowPkgs(t, r.stdout); !reflect.DeepEqual(got, c.pkgs) {
				t.Errorf("packages = %v, want %v", got, c.pkgs)
			}
		})
	}
}

// copyTree copies a folder of regular files.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return testbed.WriteFiles(to, map[string]string{"/" + rel: string(b)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sortedCopy returns a sorted copy.
func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// owner returns a file's uid.
func owner(t *testing.T, path string) int {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		t.Fatalf("%s: no stat_t", path)
	}
	return int(st.Uid)
}

// unwrapMinion returns the value under the one minion id of a --out json
// answer: {id: value}.
func unwrapMinion(t *testing.T, out []byte) json.RawMessage {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out, &top); err != nil || len(top) != 1 {
		t.Fatalf("want {id: value}, got %v: %s", err, out)
	}
	for _, v := range top {
		return v
	}
	return nil
}

// topSLS reads state.show_top's base environment, sorted.
func topSLS(t *testing.T, out []byte) []string {
	t.Helper()
	var envs map[string][]string
	if err := json.Unmarshal(unwrapMinion(t, out), &envs); err != nil {
		t.Fatalf("show_top: %v: %s", err, out)
	}
	return sortedCopy(envs["base"])
}

// lowPkgs reads state.show_lowstate and returns the package names the
// pkg.installed chunks name (name, or each of pkgs), sorted.
func lowPkgs(t *testing.T, out []byte) []string {
	t.Helper()
	var chunks []map[string]any
	if err := json.Unmarshal(unwrapMinion(t, out), &chunks); err != nil {
		t.Fatalf("show_lowstate: %v: %s", err, out)
	}
	var pkgs []string
	for _, c := range chunks {
		// Salt's shape has state, fun, name and the arguments at the top;
		// accept the Go field names too (State, Fun, Name, Args).
		get := func(k string) any {
			if v, ok := c[k]; ok {
				return v
			}
			if args, ok := c["Args"].(map[string]any); ok && k == "pkgs" {
				return args[k]
			}
			return c[strings.ToUpper(k[:1])+k[1:]]
		}
		if get("state") != "pkg" || get("fun") != "installed" {
			continue
		}
		if list, ok := get("pkgs").([]any); ok {
			for _, p := range list {
				pkgs = append(pkgs, fmt.Sprint(p))
			}
			continue
		}
		pkgs = append(pkgs, fmt.Sprint(get("name")))
	}
	return sortedCopy(pkgs)
}
