package grains

import (
	"reflect"
	"testing"
)

func TestParseOSRelease(t *testing.T) {
	text := `# comment
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
PRETTY_NAME='single $quoted'
ESCAPED="a \"b\" \$c \\ d"
  SPACED = x
bad line
lower_ok=yes
EMPTY=
`
	got := parseOSRelease(text)
	want := map[string]string{
		"NAME":             "Debian GNU/Linux",
		"VERSION_ID":       "12",
		"VERSION_CODENAME": "bookworm",
		"PRETTY_NAME":      "single $quoted",
		"ESCAPED":          `a "b" $c \ d`,
		"lower_ok":         "yes",
		"EMPTY":            "",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseOSRelease:\n got %#v\nwant %#v", got, want)
	}
}

// osCase is one distribution's os-release and the grains Salt 3006 gives
// for it (cross-checked with published Salt grains where they exist).
type osCase struct {
	name, osRelease                         string
	os, family, fullname, release, codename string
	info                                    []any
	major                                   any // nil: no osmajorrelease
	finger                                  string
	lsbCodename                             string // "": not checked
	lsbRelease, centosVersion               string // /etc/lsb-release, /etc/centos-release's version
	lsbDescription                          string // "": not checked
}

var osCases = []osCase{
	{
		name: "debian12",
		osRelease: `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian`,
		os: "Debian", family: "Debian", fullname: "Debian GNU/Linux", release: "12", codename: "bookworm",
		info: []any{12}, major: 12, finger: "Debian-12",
	},
	{
		name: "debian8 without VERSION_CODENAME",
		osRelease: `PRETTY_NAME="Debian GNU/Linux 8 (jessie)"
NAME="Debian GNU/Linux"
VERSION_ID="8"
VERSION="8 (jessie)"
ID=debian`,
		os: "Debian", family: "Debian", fullname: "Debian GNU/Linux", release: "8", codename: "jessie",
		info: []any{8}, major: 8, finger: "Debian-8",
	},
	{
		name: "ubuntu2204",
		osRelease: `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy`,
		os: "Ubuntu", family: "Debian", fullname: "Ubuntu", release: "22.04", codename: "jammy",
		info: []any{22, 4}, major: 22, finger: "Ubuntu-22.04",
	},
	{
		name: "rhel9",
		osRelease: `NAME="Red Hat Enterprise Linux"
VERSION="9.3 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"`,
		os: "RedHat", family: "RedHat", fullname: "Red Hat Enterprise Linux", release: "9.3", codename: "Plow",
		info: []any{9, 3}, major: 9, finger: "Red Hat Enterprise Linux-9",
		// Salt swaps a "Red Hat" codename in oscodename alone.
		lsbCodename: "Red Hat Enterprise Linux 9.3 (Plow)",
	},
	{
		name: "rocky9",
		osRelease: `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
CPE_NAME="cpe:/o:rocky:rocky:9::baseos"`,
		// Salt's legacy path (its onedir cannot import lsb_release) keeps
		// the words in PRETTY_NAME's parentheses for Rocky and AlmaLinux.
		os: "Rocky", family: "RedHat", fullname: "Rocky Linux", release: "9.3", codename: "Blue Onyx",
		info: []any{9, 3}, major: 9, finger: "Rocky Linux-9", lsbCodename: "Blue Onyx",
	},
	{
		name: "alma8",
		osRelease: `NAME="AlmaLinux"
VERSION="8.5 (Arctic Sphynx)"
ID="almalinux"
VERSION_ID="8.5"
PRETTY_NAME="AlmaLinux 8.5 (Arctic Sphynx)"`,
		os: "AlmaLinux", family: "RedHat", fullname: "AlmaLinux", release: "8.5", codename: "Arctic Sphynx",
		info: []any{8, 5}, major: 8, finger: "AlmaLinux-8", lsbCodename: "Arctic Sphynx",
	},
	{
		name: "centos7",
		osRelease: `NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"`,
		os: "CentOS", family: "RedHat", fullname: "CentOS Linux", release: "7", codename: "CentOS Linux 7 (Core)",
		info: []any{7}, major: 7, finger: "CentOS Linux-7",
	},
	{
		name: "centos-stream9",
		osRelease: `NAME="CentOS Stream"
VERSION="9"
ID="centos"
VERSION_ID="9"
PRETTY_NAME="CentOS Stream 9"`,
		os: "CentOS Stream", family: "RedHat", fullname: "CentOS Stream", release: "9", codename: "CentOS Stream 9",
		info: []any{9}, major: 9, finger: "CentOS Stream-9",
	},
	{
		name: "fedora39",
		osRelease: `NAME="Fedora Linux"
VERSION="39 (Server Edition)"
ID=fedora
VERSION_ID=39
VERSION_CODENAME=""
PRETTY_NAME="Fedora Linux 39 (Server Edition)"`,
		os: "Fedora", family: "RedHat", fullname: "Fedora Linux", release: "39", codename: "Server Edition",
		info: []any{39}, major: 39, finger: "Fedora Linux-39",
	},
	{
		name: "amazon2",
		osRelease: `NAME="Amazon Linux"
VERSION="2"
ID="amzn"
ID_LIKE="centos rhel fedora"
VERSION_ID="2"
PRETTY_NAME="Amazon Linux 2"
CPE_NAME="cpe:2.3:o:amazon:amazon_linux:2"`,
		os: "Amazon", family: "RedHat", fullname: "Amazon Linux", release: "2", codename: "Amazon Linux 2",
		info: []any{2}, major: 2, finger: "Amazon Linux-2",
	},
	{
		name: "oracle8",
		osRelease: `NAME="Oracle Linux Server"
VERSION="8.2"
ID="ol"
VERSION_ID="8.2"
PRETTY_NAME="Oracle Linux Server 8.2"`,
		os: "OEL", family: "RedHat", fullname: "Oracle Linux Server", release: "8.2", codename: "Oracle Linux Server 8.2",
		info: []any{8, 2}, major: 8, finger: "Oracle Linux Server-8",
	},
	{
		name: "alpine319",
		osRelease: `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.19.1
PRETTY_NAME="Alpine Linux v3.19"
HOME_URL="https://alpinelinux.org/"`,
		os: "Alpine", family: "Alpine", fullname: "Alpine Linux", release: "3.19.1", codename: "Alpine Linux v3.19",
		info: []any{3, 19, 1}, major: 3, finger: "Alpine Linux-3",
	},
	{
		name: "opensuse-leap",
		osRelease: `NAME="openSUSE Leap"
VERSION="15.5"
ID="opensuse-leap"
ID_LIKE="suse opensuse"
VERSION_ID="15.5"
PRETTY_NAME="openSUSE Leap 15.5"
CPE_NAME="cpe:/o:opensuse:leap:15.5"`,
		os: "SUSE", family: "Suse", fullname: "Leap", release: "15.5", codename: "openSUSE Leap 15.5",
		info: []any{15, 5}, major: 15, finger: "Leap-15",
	},
	{
		name: "sles15",
		osRelease: `NAME="SLES"
VERSION="15-SP5"
VERSION_ID="15.5"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"
ID="sles"
CPE_NAME="cpe:/o:suse:sles:15:sp5"`,
		os: "SUSE", family: "Suse", fullname: "SLES", release: "15.5", codename: "SUSE Linux Enterprise Server 15 SP5",
		info: []any{15, 5}, major: 15, finger: "SLES-15",
	},
	{
		name: "arch",
		osRelease: `NAME="Arch Linux"
PRETTY_NAME="Arch Linux"
ID=arch
BUILD_ID=rolling`,
		os: "Arch", family: "Arch", fullname: "Arch Linux", release: "", codename: "Arch Linux",
	},
	{
		name: "gentoo",
		osRelease: `NAME=Gentoo
ID=gentoo
PRETTY_NAME="Gentoo Linux"
VERSION_ID="2.15"`,
		os: "Gentoo", family: "Gentoo", fullname: "Gentoo", release: "2.15", codename: "Gentoo Linux",
		info: []any{2, 15}, major: 2, finger: "Gentoo-2",
	},
	{
		name: "raspbian",
		osRelease: `NAME="Raspbian GNU/Linux"
VERSION_ID="11"
VERSION="11 (bullseye)"
VERSION_CODENAME=bullseye
ID=raspbian`,
		os: "Raspbian", family: "Debian", fullname: "Raspbian GNU/Linux", release: "11", codename: "bullseye",
		info: []any{11}, major: 11, finger: "Raspbian-11",
	},
	{
		name: "mint",
		osRelease: `NAME="Linux Mint"
VERSION="21.2 (Victoria)"
ID=linuxmint
VERSION_ID="21.2"
VERSION_CODENAME=victoria`,
		os: "Mint", family: "Debian", fullname: "Linux Mint", release: "21.2", codename: "victoria",
		info: []any{21, 2}, major: 21, finger: "Linux Mint-21",
	},
	{
		name: "freebsd",
		osRelease: `NAME=FreeBSD
VERSION="14.0-RELEASE"
VERSION_ID="14.0"
ID=freebsd
PRETTY_NAME="FreeBSD 14.0-RELEASE"`,
		os: "FreeBSD", family: "FreeBSD", fullname: "FreeBSD", release: "14.0", codename: "FreeBSD 14.0-RELEASE",
		info: []any{14, 0}, major: 14, finger: "FreeBSD-14",
	},
	{
		name:      "tumbleweed-like release with letters",
		osRelease: "NAME=Custom\nVERSION_ID=2024.01-rc1\n",
		os:        "Custom", family: "Custom", fullname: "Custom", release: "2024.01-rc1", codename: "",
		info: []any{2024, "01-rc1"}, major: 2024, finger: "Custom-2024",
	},
	// Pop!_OS and Astra Linux are named by ID and NAME; Pop's osfinger has
	// its whole release; Astra SE's codename is its variant, lowercased.
	// (A stand-in of Salt 3006's _linux_distribution_data, run in Python,
	// gives the same.)
	{
		name:      "pop",
		osRelease: "NAME=\"Pop!_OS\"\nVERSION=\"22.04 LTS\"\nID=pop\nID_LIKE=\"ubuntu debian\"\nPRETTY_NAME=\"Pop!_OS 22.04 LTS\"\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n",
		os:        "Pop", family: "Debian", fullname: "Pop!_OS", release: "22.04", codename: "jammy",
		info: []any{22, 4}, major: 22, finger: "Pop!_OS-22.04", lsbCodename: "jammy",
	},
	{
		name:      "astra se",
		osRelease: "PRETTY_NAME=\"Astra Linux (Smolensk 1.7)\"\nNAME=\"Astra Linux (Smolensk)\"\nID=astra\nID_LIKE=debian\nVARIANT_ID=smolensk\nVERSION_ID=1.7_x86-64\n",
		os:        "AstraLinuxSE", family: "Debian", fullname: "Astra Linux (Smolensk)", release: "1.7_x86-64", codename: "smolensk",
		info: []any{1, "7_x86-64"}, major: 1, finger: "Astra Linux (Smolensk)-1", lsbCodename: "smolensk",
	},
	{
		name:      "astra ce",
		osRelease: "PRETTY_NAME=\"Astra Linux (Orel 2.12.43)\"\nNAME=\"Astra Linux (Orel)\"\nID=astra\nID_LIKE=debian\nVERSION_ID=2.12.43\nVARIANT_ID=orel\n",
		os:        "AstraLinuxCE", family: "Debian", fullname: "Astra Linux (Orel)", release: "2.12.43", codename: "Astra Linux (Orel 2.12.43)",
		info: []any{2, 12, 43}, major: 2, finger: "Astra Linux (Orel)-2",
	},
	{
		name: "empty", osRelease: "",
		os: "Linux", family: "Linux", fullname: "Linux",
	},
}

func TestOSGrains(t *testing.T) {
	for _, tc := range osCases {
		g := osGrains(parseOSRelease(tc.osRelease), osSources{LSB: parseLSBRelease(tc.lsbRelease), CentOSVersion: tc.centosVersion})
		check := func(key string, want any) {
			t.Helper()
			got, ok := g[key]
			if want == nil {
				if ok {
					t.Errorf("%s: %s = %#v; want it absent", tc.name, key, got)
				}
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v; want %#v", tc.name, key, got, want)
			}
		}
		check("os", tc.os)
		check("os_family", tc.family)
		check("osfullname", tc.fullname)
		check("osrelease", tc.release)
		check("oscodename", tc.codename)
		if tc.info == nil {
			check("osrelease_info", nil)
			check("osfinger", nil)
		} else {
			check("osrelease_info", tc.info)
			check("osfinger", tc.finger)
		}
		check("osmajorrelease", tc.major)
		if tc.lsbCodename != "" {
			check("lsb_distrib_codename", tc.lsbCodename)
		}
		if tc.lsbDescription != "" {
			check("lsb_distrib_description", tc.lsbDescription)
		}
	}
}

func TestCPE(t *testing.T) {
	tests := []struct{ cpe, vendor, version string }{
		{"cpe:/o:opensuse:leap:15.5", "opensuse", "15.5"},
		{"cpe:/o:suse:sles:15:sp5", "suse", "15"},
		{"cpe:2.3:o:amazon:amazon_linux:2", "amazon", "2"},
		{"cpe:2.3:o:fedoraproject:fedora:39:*:*:*:*:*:*:*", "fedoraproject", "39"},
		{"cpe:2.3:o:x:y:*", "x", ""},
		{"nonsense", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		v, ver := cpeVendor(tt.cpe)
		if v != tt.vendor || ver != tt.version {
			t.Errorf("cpeVendor(%q) = %q, %q; want %q, %q", tt.cpe, v, ver, tt.vendor, tt.version)
		}
	}
}

// TestOSGrainsWithLSB: Salt's onedir cannot import the lsb_release
// module, so its legacy path reads /etc/lsb-release where there is one
// (Ubuntu and its kin), and on CentOS Linux 7 takes the release from
// /etc/centos-release. The wants are a stand-in of Salt 3006's
// _linux_distribution_data, run in Python on these files.
func TestOSGrainsWithLSB(t *testing.T) {
	tests := []struct {
		name, osRelease, lsbRelease, centos string
		want                                map[string]any
	}{
		{"ubuntu",
			"PRETTY_NAME=\"Ubuntu 22.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.3 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n",
			"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.3 LTS\"\n", "",
			map[string]any{"lsb_distrib_codename": "jammy", "lsb_distrib_description": "Ubuntu 22.04.3 LTS", "lsb_distrib_id": "Ubuntu",
				"lsb_distrib_release": "22.04", "os": "Ubuntu", "os_family": "Debian", "oscodename": "jammy", "osfullname": "Ubuntu", "osrelease": "22.04"}},
		{"mint",
			"NAME=\"Linux Mint\"\nVERSION=\"21.2 (Victoria)\"\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\nPRETTY_NAME=\"Linux Mint 21.2\"\nVERSION_ID=\"21.2\"\nVERSION_CODENAME=victoria\n",
			"DISTRIB_ID=LinuxMint\nDISTRIB_RELEASE=21.2\nDISTRIB_CODENAME=victoria\nDISTRIB_DESCRIPTION=\"Linux Mint 21.2 Victoria\"\n", "",
			map[string]any{"lsb_distrib_codename": "victoria", "lsb_distrib_description": "Linux Mint 21.2 Victoria", "lsb_distrib_id": "LinuxMint",
				"lsb_distrib_release": "21.2", "os": "Mint", "os_family": "Debian", "oscodename": "victoria", "osfullname": "Linux Mint", "osrelease": "21.2"}},
		{"pop: the description stops at the !",
			"NAME=\"Pop!_OS\"\nVERSION=\"22.04 LTS\"\nID=pop\nID_LIKE=\"ubuntu debian\"\nPRETTY_NAME=\"Pop!_OS 22.04 LTS\"\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n",
			"DISTRIB_ID=Pop\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Pop!_OS 22.04 LTS\"\n", "",
			map[string]any{"lsb_distrib_codename": "jammy", "lsb_distrib_description": "Pop", "lsb_distrib_id": "Pop",
				"lsb_distrib_release": "22.04", "os": "Pop", "os_family": "Debian", "oscodename": "jammy", "osfullname": "Pop!_OS", "osrelease": "22.04"}},
		{"centos 7",
			"NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n",
			"", "CentOS Linux release 7.9.2009 (Core)\n",
			map[string]any{"lsb_distrib_codename": "CentOS Linux 7 (Core)", "lsb_distrib_id": "CentOS Linux",
				"os": "CentOS", "os_family": "RedHat", "oscodename": "CentOS Linux 7 (Core)", "osfullname": "CentOS Linux", "osrelease": "7.9.2009"}},
	}
	keys := []string{"lsb_distrib_codename", "lsb_distrib_description", "lsb_distrib_id", "lsb_distrib_release", "os", "os_family", "oscodename", "osfullname", "osrelease"}
	for _, tt := range tests {
		g := osGrains(parseOSRelease(tt.osRelease), osSources{LSB: parseLSBRelease(tt.lsbRelease), CentOSVersion: centosVersion(tt.centos)})
		for _, k := range keys {
			if got, want := g[k], tt.want[k]; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s = %#v; want %#v", tt.name, k, got, want)
			}
		}
	}
	if g := osGrains(parseOSRelease("NAME=\"CentOS Linux\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n"), osSources{}); g["osrelease_info"] == nil {
		t.Errorf("centos 7 without centos-release: osrelease = %v; want 7 still", g["osrelease"])
	}
}
