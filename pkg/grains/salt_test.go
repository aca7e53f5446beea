package grains

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestPsGrain(t *testing.T) {
	tests := []struct{ os, family, virtual, want string }{
		{"Debian", "Debian", "kvm", "ps -efHww"},
		{"CentOS Stream", "RedHat", "physical", "ps -efHww"},
		{"FreeBSD", "FreeBSD", "physical", "ps auxwww"},
		{"NILinuxRT", "NILinuxRT", "physical", "ps -o user,pid,ppid,tty,time,comm"},
		{"Debian", "Debian", "openvzhn", `ps -fH -p $(grep -l "^envID:[[:space:]]*0\$" /proc/[0-9]*/status | sed -e "s=/proc/\([0-9]*\)/.*=\1=")  | awk '{ $7=""; print }'`},
	}
	for _, tt := range tests {
		if got := psGrain(tt.os, tt.family, tt.virtual); got != tt.want {
			t.Errorf("psGrain(%q, %q, %q) = %q; want %q", tt.os, tt.family, tt.virtual, got, tt.want)
		}
	}
}

// TestServerID: the wants are Salt's get_server_id,
// abs(int(sha256(id).hexdigest(), 16) % 2**31), run in Python.
func TestServerID(t *testing.T) {
	for id, want := range map[string]int{
		"vm": 2067164805, "web1.example.com": 1935464723, "": 2018687061, "minion-01": 1529601005,
	} {
		if got := serverID(id); got != want {
			t.Errorf("serverID(%q) = %d; want %d", id, got, want)
		}
	}
}

// TestParseKernelParams: the wants are Salt's kernelparams on each
// /proc/cmdline, run in Python (shlex.split, then split at every "=").
func TestParseKernelParams(t *testing.T) {
	tests := []struct {
		cmdline string
		want    []any
	}{
		{"BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=UUID=1234 ro quiet\n", []any{
			[]any{"BOOT_IMAGE", "/vmlinuz-6.1.0-18-amd64"}, []any{"root", nil}, []any{"ro", nil}, []any{"quiet", nil},
		}},
		{"a=b=c x=\"y z\" w=\"q\" 's p'=1 e\\ f=2 k=\"a\\\"b\" \n", []any{
			[]any{"a", nil}, []any{"x", "y z"}, []any{"w", "q"}, []any{"s p", "1"}, []any{"e f", "2"}, []any{"k", "a\"b"},
		}},
		{"init=/bin/bash -- single", []any{[]any{"init", "/bin/bash"}, []any{"--", nil}, []any{"single", nil}}},
		{"", []any{}},
	}
	for _, tt := range tests {
		got, ok := parseKernelParams(tt.cmdline)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseKernelParams(%q) = %#v, %v; want %#v", tt.cmdline, got, ok, tt.want)
		}
	}
	// shlex's "No closing quotation": Salt's grain function fails, and
	// the grain is missing.
	for _, bad := range []string{`bad="x`, "x='y", `trailing\`} {
		if got, ok := parseKernelParams(bad); ok {
			t.Errorf("parseKernelParams(%q) = %v, true; want a failure", bad, got)
		}
	}
}

func TestParseMdstat(t *testing.T) {
	text := `Personalities : [raid1] [linear]
md1 : active raid1 sdb2[1] sda2[0]
      976630464 blocks super 1.2 [2/2] [UU]
      bitmap: 2/8 pages [8KB], 65536KB chunk

md0 : active raid1 sdb1[1] sda1[0]
      523712 blocks super 1.2 [2/2] [UU]

unused devices: <none>
`
	if got, want := parseMdstat(text), []any{"md0", "md1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("parseMdstat = %#v; want %#v", got, want)
	}
	if got := parseMdstat("Personalities : \nunused devices: <none>\n"); !reflect.DeepEqual(got, []any{}) {
		t.Errorf("parseMdstat(no arrays) = %#v; want []", got)
	}
}

// TestLocaleInfo: the wants are what Salt 3006's Python (3.10) gives in
// each environment: locale.getlocale() after its start, and stdin's
// encoding (checked with python3.10 -c under env -i).
func TestLocaleInfo(t *testing.T) {
	tests := []struct {
		env                 map[string]string
		lang, enc, detected any
	}{
		{map[string]string{"LANG": "C.UTF-8"}, "en_US", "UTF-8", "utf-8"},
		{map[string]string{}, "en_US", "UTF-8", "utf-8"},
		{map[string]string{"LANG": "C"}, "en_US", "UTF-8", "utf-8"},
		{map[string]string{"LANG": "POSIX"}, "en_US", "UTF-8", "utf-8"},
		{map[string]string{"LC_ALL": "C"}, nil, nil, "utf-8"},
		{map[string]string{"LANG": "en_US.UTF-8"}, "en_US", "UTF-8", "utf-8"},
		{map[string]string{"LANG": "en_US.utf8"}, "en_US", "UTF-8", "utf-8"},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_CTYPE": "fr_FR.utf8"}, "fr_FR", "UTF-8", "utf-8"},
		{map[string]string{"LANG": "C", "LC_ALL": "de_DE.UTF-8"}, "de_DE", "UTF-8", "utf-8"},
		{map[string]string{"LANG": "de_DE.iso88591"}, "de_DE", "ISO8859-1", "ISO-8859-1"},
	}
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		got := localeInfo(func(k string) string { return tt.env[k] }, now)
		want := map[string]any{"defaultlanguage": tt.lang, "defaultencoding": tt.enc, "detectedencoding": tt.detected, "timezone": "UTC"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("localeInfo(%v) = %v; want %v", tt.env, got, want)
		}
	}
}

// TestSaltGrains reads fake hosts as Salt 3006 does: the tools a grain
// needs are looked for in PATH and Salt's default path.
func TestSaltGrains(t *testing.T) {
	t.Setenv("PATH", "/usr/local/bin:/usr/bin")
	tool := func(root, p string) {
		t.Helper()
		write(t, root, p, "#!/bin/sh\n")
		if err := os.Chmod(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	// A bare host: no lspci, no selinux tools, no zpool, no md driver.
	bare := Options{HostRoot: t.TempDir(), ProcRoot: t.TempDir(), SysRoot: t.TempDir(), Root: t.TempDir(), ID: "vm"}
	write(t, bare.ProcRoot, "cmdline", "ro quiet\n")
	g := map[string]any{"os": "Debian", "os_family": "Debian", "virtual": "kvm"}
	saltGrains(bare, g)
	want := map[string]any{
		"ps": "ps -efHww", "server_id": 2067164805, "master": "salt", "fqdns": []any{},
		"kernelparams": []any{[]any{"ro", nil}, []any{"quiet", nil}},
		"num_gpus":     0, "gpus": []any{},
		"zfs_support": false, "zfs_feature_flags": false, "transactional": false,
	}
	for k, w := range want {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("bare host: %s = %#v; want %#v", k, g[k], w)
		}
	}
	for _, k := range []string{"selinux", "mdadm"} {
		if v, ok := g[k]; ok {
			t.Errorf("bare host: %s = %#v; want no such grain", k, v)
		}
	}

	// A host with the tools: SELinux disabled (selinuxfs not mounted), a
	// RAID array, ZFS loaded, a transactional image, a GPU and a master.
	full := Options{HostRoot: t.TempDir(), ProcRoot: t.TempDir(), SysRoot: t.TempDir(), Masters: []string{"10.0.0.1"}}
	for _, p := range []string{"usr/sbin/selinuxenabled", "usr/sbin/getenforce", "usr/sbin/zpool", "usr/bin/man", "usr/bin/lspci"} {
		tool(full.HostRoot, p)
	}
	tool(full.HostRoot, "usr/sbin/transactional-update")
	write(t, full.HostRoot, "usr/share/man/man7/zpool-features.7.gz", "")
	write(t, full.SysRoot, "module/zfs/version", "2.1.11\n")
	write(t, full.ProcRoot, "mdstat", "Personalities : [raid1]\nmd0 : active raid1 sdb1[1] sda1[0]\n\nunused devices: <none>\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:02.0/class", "0x030000\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:02.0/vendor", "0x1234\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:02.0/device", "0x1111\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:01.0/class", "0x030200\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:01.0/vendor", "0x10de\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:01.0/device", "0x20b0\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:03.0/class", "0x020000\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:03.0/vendor", "0x1af4\n")
	write(t, full.SysRoot, "bus/pci/devices/0000:00:03.0/device", "0x1000\n")
	write(t, full.HostRoot, "usr/share/misc/pci.ids", "# comment\n10de  NVIDIA Corporation\n\t20b0  GA100 [A100 SXM4 40GB]\n\t\t10de 134f  A100\n1af4  Red Hat, Inc.\n\t1000  Virtio network device\nC 00  Unclassified device\n")
	g = map[string]any{"os": "Rocky", "os_family": "RedHat", "virtual": "physical", "id": "db1"}
	saltGrains(full, g)
	want = map[string]any{
		"master": "10.0.0.1", "server_id": serverID("db1"),
		"selinux":     map[string]any{"enabled": false, "enforced": "Disabled"},
		"mdadm":       []any{"md0"},
		"zfs_support": true, "zfs_feature_flags": true, "transactional": true,
		"num_gpus": 2,
		"gpus": []any{
			map[string]any{"vendor": "nvidia", "model": "GA100 [A100 SXM4 40GB]"},
			map[string]any{"vendor": "unknown", "model": "Device 1111"},
		},
	}
	for k, w := range want {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("full host: %s = %#v; want %#v", k, g[k], w)
		}
	}
	if _, ok := g["kernelparams"]; ok {
		t.Errorf("kernelparams = %v without /proc/cmdline", g["kernelparams"])
	}
	// An image (--root) is transactional by its own tool, and has no
	// selinux grain: SELinux is the running host's.
	image := full
	image.Root = t.TempDir()
	g = map[string]any{}
	if saltGrains(image, g); g["transactional"] != false || g["selinux"] != nil {
		t.Errorf("image without the tool: transactional, selinux = %v, %v", g["transactional"], g["selinux"])
	}

	write(t, full.SysRoot, "fs/selinux/enforce", "1")
	if sel, _ := selinuxGrain(full); !reflect.DeepEqual(sel, map[string]any{"enabled": true, "enforced": "Enforcing"}) {
		t.Errorf("selinux enforcing = %v", sel)
	}
	write(t, full.SysRoot, "fs/selinux/enforce", "0")
	if sel, _ := selinuxGrain(full); !reflect.DeepEqual(sel, map[string]any{"enabled": true, "enforced": "Permissive"}) {
		t.Errorf("selinux permissive = %v", sel)
	}
	// Salt's multi-master option is a list, and so is its grain.
	full.Masters = []string{"m1.example", "m2.example"}
	if saltGrains(full, g); !reflect.DeepEqual(g["master"], []any{"m1.example", "m2.example"}) {
		t.Errorf("master with two = %#v", g["master"])
	}
}

func TestGPUVendor(t *testing.T) {
	for name, want := range map[string]string{
		"NVIDIA Corporation":                     "nvidia",
		"Advanced Micro Devices, Inc. [AMD/ATI]": "amd",
		"Intel Corporation":                      "intel",
		"Cirrus Logic":                           "unknown", // Salt's "cirrus logic" is two words
		"VMware":                                 "vmware",
		"Matrox Electronics Systems Ltd.":        "matrox",
		"ASPEED Technology, Inc.":                "aspeed",
		"Red Hat, Inc.":                          "unknown",
	} {
		if got := gpuVendor(name); got != want {
			t.Errorf("gpuVendor(%q) = %q; want %q", name, got, want)
		}
	}
}

// TestBlockDevices: Salt's disks grain leaves out the devices whose
// /sys/block link leads under ../devices/virtual/.
func TestBlockDevices(t *testing.T) {
	sys := t.TempDir()
	for dev, rot := range map[string]string{"vda": "1", "sda": "1", "nvme0n1": "0", "loop0": "1", "zram0": "0", "dm-0": "0"} {
		where := "devices/pci0000:00/" + dev
		if dev == "loop0" || dev == "zram0" || dev == "dm-0" {
			where = "devices/virtual/block/" + dev
		}
		write(t, sys, where+"/queue/rotational", rot+"\n")
		if err := os.MkdirAll(filepath.Join(sys, "block"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../"+where, filepath.Join(sys, "block", dev)); err != nil {
			t.Fatal(err)
		}
	}
	disks, ssds := blockDevices(Options{SysRoot: sys})
	sorted := func(l []any) []any {
		sort.Slice(l, func(i, j int) bool { return l[i].(string) < l[j].(string) })
		return l
	}
	if got, want := sorted(disks), []any{"sda", "vda"}; !reflect.DeepEqual(got, want) {
		t.Errorf("disks = %v; want %v", got, want)
	}
	if got, want := ssds, []any{"nvme0n1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ssds = %v; want %v", got, want)
	}
}

func TestLVMNames(t *testing.T) {
	const u = "LVM-0123456789abcdef0123456789abcdefFEDCBA9876543210fedcba9876543210"
	tests := []struct {
		uuid, name string
		vg, lv     string
		ok         bool
	}{
		{u, "vg0-root", "vg0", "root", true},
		{u, "my--vg-web--data", "my-vg", "web-data", true},
		{u + "-pool", "vg0-pool", "vg0", "pool", true}, // a thin pool as lvs lists it
		{u + "-tpool", "vg0-pool-tpool", "", "", false},
		{u + "-cow", "vg0-snap-cow", "", "", false},
		{u + "-real", "vg0-root-real", "", "", false},
		{u, "vg0-pool_tmeta", "", "", false},
		{u, "vg0-r1_rimage_0", "", "", false},
		{"CRYPT-LUKS2-0123-root", "root_crypt", "", "", false},
		{"", "docker-253:0-1234-pool", "", "", false},
	}
	for _, tt := range tests {
		vg, lv, ok := lvmNames(tt.uuid, tt.name)
		if vg != tt.vg || lv != tt.lv || ok != tt.ok {
			t.Errorf("lvmNames(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.uuid, tt.name, vg, lv, ok, tt.vg, tt.lv, tt.ok)
		}
	}
}

func TestLVMGrain(t *testing.T) {
	t.Setenv("PATH", "/usr/bin")
	opts := Options{HostRoot: t.TempDir(), SysRoot: t.TempDir()}
	if _, ok := lvmGrain(opts); ok {
		t.Errorf("lvm grain without the lvm tool")
	}
	write(t, opts.HostRoot, "usr/sbin/lvm", "")
	if err := os.Chmod(filepath.Join(opts.HostRoot, "usr/sbin/lvm"), 0o755); err != nil {
		t.Fatal(err)
	}
	if g, ok := lvmGrain(opts); !ok || !reflect.DeepEqual(g, map[string]any{}) {
		t.Errorf("lvm grain with no volumes = %v, %v; want {}, true", g, ok)
	}
	const u = "LVM-0123456789abcdef0123456789abcdefFEDCBA9876543210fedcba9876543210"
	for dev, dm := range map[string][2]string{
		"dm-0": {u, "vg0-swap"}, "dm-1": {u, "vg0-root"}, "dm-2": {u, "data-srv"},
		"dm-3": {"CRYPT-LUKS2-x", "cryptroot"}, "dm-4": {u + "-cow", "vg0-snap-cow"},
	} {
		write(t, opts.SysRoot, "block/"+dev+"/dm/uuid", dm[0]+"\n")
		write(t, opts.SysRoot, "block/"+dev+"/dm/name", dm[1]+"\n")
	}
	want := map[string]any{"vg0": []any{"root", "swap"}, "data": []any{"srv"}}
	if g, ok := lvmGrain(opts); !ok || !reflect.DeepEqual(g, want) {
		t.Errorf("lvm grain = %v, %v; want %v", g, ok, want)
	}
}
