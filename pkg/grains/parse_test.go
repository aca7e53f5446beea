package grains

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestParseMeminfo(t *testing.T) {
	tests := []struct {
		text      string
		mem, swap int
		ok        bool
	}{
		{"MemTotal:       24684092 kB\nMemFree:        1000 kB\nSwapTotal:       2097148 kB\n", 24105, 2047, true},
		{"MemTotal: 1023 kB\n", 0, 0, true},
		{"SwapTotal: 2048 kB\n", 0, 2, false},
		{"", 0, 0, false},
		{"MemTotal: lots kB\n", 0, 0, false},
	}
	for _, tt := range tests {
		mem, swap, ok := parseMeminfo(tt.text)
		if mem != tt.mem || swap != tt.swap || ok != tt.ok {
			t.Errorf("parseMeminfo(%q) = %d, %d, %v; want %d, %d, %v", tt.text, mem, swap, ok, tt.mem, tt.swap, tt.ok)
		}
	}
}

func TestParseCPUInfo(t *testing.T) {
	x86 := `processor	: 0
vendor_id	: AuthenticAMD
model name	: AMD EPYC 7763 64-Core Processor
flags		: fpu vme hypervisor
cpu MHz		: 2445.406

processor	: 1
vendor_id	: AuthenticAMD
model name	: AMD EPYC 7763 64-Core Processor
flags		: fpu vme hypervisor
`
	arm := `processor	: 0
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
CPU part	: 0xd08

processor	: 1
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid

processor	: 2
processor	: 3
Hardware	: BCM2835
model name	: ARMv7 Processor rev 4 (v7l)
`
	oldArm := "Processor\t: ARMv6-compatible processor rev 7 (v6l)\nprocessor\t: 0\nFeatures\t: half thumb\n"
	aarch64 := "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd cpuid\nCPU implementer\t: 0x41\n\nprocessor\t: 1\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd cpuid\n"
	s390 := "vendor_id       : IBM/S390\n# processors    : 4\nbogomips per cpu: 3033.00\nfeatures\t: esan3 zarch\nprocessor 0: version = FF,  identification = 0133E8,  machine = 2964\n"
	power := "processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\nclock\t\t: 2750.000000MHz\n"
	lastFlags := "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nflags\t: fpu vme\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nflags\t: fpu vme sse\n"
	// The wants are what a stand-in of Salt 3006's _linux_cpudata gives
	// on each text.
	tests := []struct {
		name, text string
		want       cpuInfo
	}{
		{"x86", x86, cpuInfo{NumCPUs: 2, Model: "AMD EPYC 7763 64-Core Processor", Flags: []string{"fpu", "vme", "hypervisor"}}},
		{"arm", arm, cpuInfo{NumCPUs: 4, Model: "ARMv7 Processor rev 4 (v7l)", Flags: []string{"fp", "asimd", "evtstrm", "crc32", "cpuid"}}},
		// "Processor" sets the count to 1, then the processor line adds one;
		// the model is the text before the first dash.
		{"old arm", oldArm, cpuInfo{NumCPUs: 2, Model: "ARMv6", Flags: []string{"half", "thumb"}}},
		{"aarch64 names no model", aarch64, cpuInfo{NumCPUs: 2, Model: "Unknown", Flags: []string{"fp", "asimd", "cpuid"}}},
		{"s390", s390, cpuInfo{NumCPUs: 4, Model: "IBM/S390"}},
		{"power", power, cpuInfo{NumCPUs: 1, Model: "POWER9 (architected), altivec supported"}},
		{"the last flags line wins", lastFlags, cpuInfo{NumCPUs: 2, Model: "Intel(R) Xeon(R) CPU @ 2.20GHz", Flags: []string{"fpu", "vme", "sse"}}},
		{"empty", "", cpuInfo{Model: "Unknown"}},
	}
	for _, tt := range tests {
		if got := parseCPUInfo(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: parseCPUInfo = %#v; want %#v", tt.name, got, tt.want)
		}
	}
}

// TestFQHostname: the wants are the canonical name Python's
// socket.getaddrinfo(hostname, AI_CANONNAME) gave, which Salt 3006's
// get_fqhostname takes first (getfqdn() only when it finds none), with
// each /etc/hosts bind-mounted and the hostname set in a namespace.
func TestFQHostname(t *testing.T) {
	tests := []struct{ name, hosts, hostname, want string }{
		{"A: an earlier line has the address", "127.0.0.1 localhost\n127.0.0.1 myhost\n", "myhost", "myhost"},
		{"B: Debian's line", "127.0.0.1 localhost\n127.0.1.1 myhost.example.com myhost\n", "myhost", "myhost.example.com"},
		{"C: on localhost's line", "127.0.0.1 localhost myhost\n", "myhost", "localhost"},
		{"D: only the first line counts", "10.0.0.5 myhost\n10.0.0.5 myhost.example.com\n", "myhost", "myhost"},
		{"F: not listed", "127.0.0.1 localhost\n", "web.example.com", "web.example.com"},
		{"G: v6 line for another name", "127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.0.0.5 myhost\n2001:db8::5 myhost.v6.example\n", "myhost", "myhost"},
		{"H: another name first", "127.0.0.1 localhost\n10.0.0.5 other.example.com\n10.0.0.5 myhost\n", "myhost", "myhost"},
		{"I: another name after", "127.0.0.1 localhost\n10.0.0.5 myhost\n10.0.0.5 other.example.com\n", "myhost", "myhost"},
		{"J: a v6 line first", "127.0.0.1 localhost\n::1 myhost6.example myhost\n10.0.0.5 myhost.example.com myhost\n", "myhost", "myhost6.example"},
		{"K: any case", "127.0.0.1 localhost\n10.0.0.5 MyHost.Example.com myhost\n", "MYHOST", "MyHost.Example.com"},
	}
	for _, tt := range tests {
		if got := fqhostname(parseHosts(tt.hosts), tt.hostname); got != tt.want {
			t.Errorf("%s: fqhostname(%q) = %q; want %q", tt.name, tt.hostname, got, tt.want)
		}
	}
}

func TestHosts(t *testing.T) {
	hosts := parseHosts(`127.0.0.1	localhost
127.0.1.1	web01.example.com web01   # Debian's own line
::1     localhost ip6-localhost ip6-loopback
10.0.0.5 web01.example.com
2001:db8::5 web01.example.com web01
# 10.9.9.9 web01
bogus
10.0.0.5 web01.example.com
`)
	tests := []struct {
		name, canon string
		v4, v6      []string
	}{
		{"web01", "web01.example.com", []string{"127.0.1.1"}, []string{"2001:db8::5"}},
		{"WEB01", "web01.example.com", []string{"127.0.1.1"}, []string{"2001:db8::5"}},
		{"web01.example.com", "web01.example.com", []string{"127.0.1.1", "10.0.0.5"}, []string{"2001:db8::5"}},
		{"localhost", "localhost", []string{"127.0.0.1"}, []string{"::1"}},
		{"ip6-loopback", "localhost", nil, []string{"::1"}},
		{"db01", "db01", nil, nil}, // no line: its own fqdn
	}
	for _, tt := range tests {
		if canon := fqhostname(hosts, tt.name); canon != tt.canon {
			t.Errorf("fqhostname(%q) = %q; want %q", tt.name, canon, tt.canon)
		}
		v4, v6 := hostAddrs(hosts, tt.name)
		if !reflect.DeepEqual(v4, tt.v4) || !reflect.DeepEqual(v6, tt.v6) {
			t.Errorf("hostAddrs(%q) = %v, %v; want %v, %v", tt.name, v4, v6, tt.v4, tt.v6)
		}
	}
}

func TestLookupID(t *testing.T) {
	passwd := "root:x:0:0:root:/root:/bin/bash\n#old:x:5:5::/:/bin/false\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbroken\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
	tests := []struct {
		id   int
		name string
		ok   bool
	}{
		{0, "root", true}, {1, "daemon", true}, {33, "www-data", true}, {5, "", false}, {1000, "", false},
	}
	for _, tt := range tests {
		name, ok := lookupID(passwd, tt.id)
		if name != tt.name || ok != tt.ok {
			t.Errorf("lookupID(%d) = %q, %v; want %q, %v", tt.id, name, ok, tt.name, tt.ok)
		}
	}
	if name, ok := lookupID("root:x:0:\nadm:x:4:syslog\n", 4); name != "adm" || !ok {
		t.Errorf("lookupID(group 4) = %q, %v; want adm", name, ok)
	}
}

func TestSystemd(t *testing.T) {
	bin := []byte("\x7fELF\x00junk +PAM in prose\x00more\x00+PAM +AUDIT -SELINUX default-hierarchy=unified\x00tail")
	if got, want := systemdFeatures(bin), "+PAM +AUDIT -SELINUX default-hierarchy=unified"; got != want {
		t.Errorf("systemdFeatures = %q; want %q", got, want)
	}
	if got := systemdFeatures([]byte("no features here")); got != "" {
		t.Errorf("systemdFeatures(none) = %q; want empty", got)
	}
	if got := systemdFeatures([]byte("-PAM -AUDIT +SECCOMP")); got != "-PAM -AUDIT +SECCOMP" {
		t.Errorf("systemdFeatures(at end) = %q", got)
	}
	for bin, want := range map[string]string{
		"\x00systemd 252 (252.39-1~deb12u2)\x00+PAM": "252",
		"x\x00libsystemd-shared-255.so\x00y":         "255",
		"systemd %s (%s)\x00no version":              "",
	} {
		if got := systemdBinaryVersion([]byte(bin)); got != want {
			t.Errorf("systemdBinaryVersion(%q) = %q; want %q", bin, got, want)
		}
	}
	versions := []struct {
		file, want string
		ok         bool
	}{
		{"libsystemd-shared-252.so", "252", true},
		{"/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-255.4.so", "255", true},
		{"libsystemd-shared-.so", "", false},
		{"libsystemd-shared-252.so.0", "", false},
		{"libsystemd-core-252.so", "", false},
	}
	for _, tt := range versions {
		got, ok := systemdVersion(tt.file)
		if got != tt.want || ok != tt.ok {
			t.Errorf("systemdVersion(%q) = %q, %v; want %q, %v", tt.file, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDebianArch(t *testing.T) {
	for in, want := range map[string]string{
		"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "armv6l": "armel",
		"i686": "i386", "ppc64le": "ppc64el", "s390x": "s390x", "riscv64": "riscv64",
	} {
		if got := debianArch(in); got != want {
			t.Errorf("debianArch(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestParseLocale(t *testing.T) {
	for in, want := range map[string][2]string{
		"en_US.UTF-8": {"en_US", "UTF-8"}, "C.UTF-8": {"C", "UTF-8"}, "de_DE@euro": {"de_DE", ""},
		"fr_FR.ISO-8859-15@euro": {"fr_FR", "ISO-8859-15"}, "": {"", ""}, "POSIX": {"POSIX", ""},
	} {
		if l, e := parseLocale(in); l != want[0] || e != want[1] {
			t.Errorf("parseLocale(%q) = %q, %q; want %q, %q", in, l, e, want[0], want[1])
		}
	}
}

// TestLinkAddress: the address `ip link` prints for each kind of link,
// which Salt's hwaddr_interfaces takes (lo and a tun device checked with
// ip and sysfs here; the tunnels from iproute2's ll_addr_n2a).
func TestLinkAddress(t *testing.T) {
	tests := []struct{ addrLen, typ, address, want string }{
		{"6", "1", "02:fc:00:00:00:01", "02:fc:00:00:00:01"},
		{"6", "772", "00:00:00:00:00:00", "00:00:00:00:00:00"}, // lo
		{"0", "65534", "", ""},                                 // tun: link/none
		{"4", "776", "00:00:00:00", "0.0.0.0"},                 // sit0
		{"4", "768", "c0:00:02:01", "192.0.2.1"},               // ipip
		{"16", "769", "20:01:0d:b8:00:00:00:00:00:00:00:00:00:00:00:01", "2001:db8::1"},
		{"20", "32", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45", "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:01:23:45"},
	}
	for _, tt := range tests {
		if got := linkAddress(tt.addrLen, tt.typ, tt.address); got != tt.want {
			t.Errorf("linkAddress(%q, %q, %q) = %q; want %q", tt.addrLen, tt.typ, tt.address, got, tt.want)
		}
	}
}

func TestNetGrains(t *testing.T) {
	a := netip.MustParseAddr
	g := netGrains([]ifaceData{
		{Name: "lo", HWAddr: "00:00:00:00:00:00", Addrs: []netip.Addr{a("127.0.0.1"), a("::1")}},
		{Name: "eth0", HWAddr: "52:54:00:12:34:56", Addrs: []netip.Addr{a("10.1.2.3"), a("fe80::5054:ff:fe12:3456%eth0"), a("10.1.2.3")}},
		{Name: "wg0"},
	})
	want := map[string]any{
		"ipv4": []any{"10.1.2.3", "127.0.0.1"},
		"ipv6": []any{"::1", "fe80::5054:ff:fe12:3456"},
		"ip4_interfaces": map[string]any{
			"lo": []any{"127.0.0.1"}, "eth0": []any{"10.1.2.3", "10.1.2.3"}, "wg0": []any{},
		},
		"ip6_interfaces": map[string]any{
			"lo": []any{"::1"}, "eth0": []any{"fe80::5054:ff:fe12:3456"}, "wg0": []any{},
		},
		"ip_interfaces": map[string]any{
			// Salt lists an interface's IPv4 addresses, then its IPv6 ones.
			"lo": []any{"127.0.0.1", "::1"}, "eth0": []any{"10.1.2.3", "10.1.2.3", "fe80::5054:ff:fe12:3456"}, "wg0": []any{},
		},
		"hwaddr_interfaces": map[string]any{
			// wg0 has none (`ip link` prints "link/none"), and Salt leaves it out.
			"lo": "00:00:00:00:00:00", "eth0": "52:54:00:12:34:56",
		},
	}
	for k, w := range want {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("netGrains %s = %#v; want %#v", k, g[k], w)
		}
	}
	// A secondary address (checked against Salt's _interfaces_ip on real
	// `ip addr` output): after IPv6 in ip_interfaces, after the others in
	// ip4_interfaces, in ipv4 sorted with them.
	g = netGrains([]ifaceData{{Name: "lo", HWAddr: "00:00:00:00:00:00",
		Addrs:     []netip.Addr{a("127.0.0.1"), a("10.1.0.1"), a("10.2.0.1"), a("2001:db8::5"), a("::1")},
		Secondary: []netip.Addr{a("10.1.0.2"), a("10.1.0.9")}}})
	want = map[string]any{
		"ipv4":           []any{"10.1.0.1", "10.1.0.2", "10.1.0.9", "10.2.0.1", "127.0.0.1"},
		"ip4_interfaces": map[string]any{"lo": []any{"127.0.0.1", "10.1.0.1", "10.2.0.1", "10.1.0.2", "10.1.0.9"}},
		"ip6_interfaces": map[string]any{"lo": []any{"2001:db8::5", "::1"}},
		"ip_interfaces":  map[string]any{"lo": []any{"127.0.0.1", "10.1.0.1", "10.2.0.1", "2001:db8::5", "::1", "10.1.0.2", "10.1.0.9"}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("netGrains with secondaries %s = %#v; want %#v", k, g[k], w)
		}
	}
	if empty := netGrains(nil); !reflect.DeepEqual(empty["ipv4"], []any{}) {
		t.Errorf("netGrains(nil) ipv4 = %#v; want an empty list", empty["ipv4"])
	}
}
