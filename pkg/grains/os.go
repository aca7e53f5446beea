package grains

import (
	"regexp"
	"strconv"
	"strings"
)

// osNameMap maps the first ten characters of osfullname, without the
// "Linux" word, spaces removed and lowercased, to Salt's os grain
// (salt/grains/core.py _OS_NAME_MAP, Salt 3006).
var osNameMap = map[string]string{
	"redhatente": "RedHat", "gentoobase": "Gentoo", "archarm": "Arch ARM",
	"arch": "Arch", "debian": "Debian", "raspbian": "Raspbian",
	"fedoraremi": "Fedora", "chapeau": "Chapeau", "korora": "Korora",
	"amazonami": "Amazon", "alt": "ALT", "enterprise": "OEL",
	"oracleserv": "OEL", "cloudserve": "CloudLinux", "cloudlinux": "CloudLinux",
	"almalinux": "AlmaLinux", "pidora": "Fedora", "scientific": "ScientificLinux",
	"synology": "Synology", "nilrt": "NILinuxRT", "poky": "Poky",
	"manjaro": "Manjaro", "manjarolin": "Manjaro", "univention": "Univention",
	"antergos": "Antergos", "sles": "SUSE", "void": "Void", "slesexpand": "RES",
	"linuxmint": "Mint", "neon": "KDE neon", "pop": "Pop", "rocky": "Rocky",
	"alibabaclo": "Alinux", "mendel": "Mendel",
}

// osSources are the files besides os-release that Salt's OS grains read.
type osSources struct {
	// LSB is /etc/lsb-release as Salt's _parse_lsb_release reads it.
	LSB map[string]string
	// CentOSVersion is the version /etc/centos-release gives ("7.9.2009").
	CentOSVersion string
}

var lsbRe = regexp.MustCompile(`^(DISTRIB_(?:ID|RELEASE|CODENAME|DESCRIPTION))=(?:'|")?([\w\s.\-_]+)(?:'|")?`)

// parseLSBRelease reads /etc/lsb-release as Salt's _parse_lsb_release:
// DISTRIB_ID, _RELEASE, _CODENAME and _DESCRIPTION, each value up to the
// first character that is not a letter, digit, blank, dot, dash or
// underscore ("Pop!_OS 22.04" is "Pop"), trailing blanks cut.
func parseLSBRelease(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if m := lsbRe.FindStringSubmatch(line); m != nil {
			out["lsb_"+strings.ToLower(m[1])] = strings.TrimRight(m[2], " \t\r\n\v\f")
		}
	}
	return out
}

var centosReleaseRe = regexp.MustCompile(`release\s+(\d[\d.]*)`)

// centosVersion is the version in /etc/centos-release ("CentOS Linux
// release 7.9.2009 (Core)").
func centosVersion(text string) string {
	if m := centosReleaseRe.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

// idAndNameMap maps os-release's ID and NAME to the os grain Salt has
// always given them (_ID_AND_NAME_TO_OS_NAME_MAP).
var idAndNameMap = map[[2]string]string{
	{"astra", "Astra Linux (Orel)"}:     "AstraLinuxCE",
	{"astra", "Astra Linux (Smolensk)"}: "AstraLinuxSE",
	{"pop", "Pop!_OS"}:                  "Pop",
}

// osFamilyMap maps the os grain to os_family (_OS_FAMILY_MAP); an os not
// listed is its own family (Alpine, Gentoo, FreeBSD, Arch…).
var osFamilyMap = map[string]string{
	"Ubuntu": "Debian", "Fedora": "RedHat", "Chapeau": "RedHat", "Korora": "RedHat",
	"FedBerry": "RedHat", "CentOS": "RedHat", "CentOS Stream": "RedHat",
	"GoOSe": "RedHat", "Scientific": "RedHat", "Amazon": "RedHat",
	"CloudLinux": "RedHat", "AlmaLinux": "RedHat", "OVS": "RedHat", "OEL": "RedHat",
	"XCP": "RedHat", "XCP-ng": "RedHat", "XenServer": "RedHat", "RES": "RedHat",
	"Sangoma": "RedHat", "VMware Photon OS": "RedHat", "Mandrake": "Mandriva",
	"ESXi": "VMware", "Mint": "Debian", "VMwareESX": "VMware",
	"Bluewhite64": "Bluewhite", "Slamd64": "Slackware", "SLES": "Suse",
	"SUSE Enterprise Server": "Suse", "SLED": "Suse", "openSUSE": "Suse",
	"SUSE": "Suse", "openSUSE Leap": "Suse", "openSUSE Tumbleweed": "Suse",
	"SLES_SAP": "Suse", "Solaris": "Solaris", "SmartOS": "Solaris",
	"OmniOS": "Solaris", "OpenIndiana": "Solaris", "OpenSolaris": "Solaris",
	"Oracle Solaris": "Solaris", "Arch ARM": "Arch", "Manjaro": "Arch",
	"Antergos": "Arch", "ALT": "RedHat", "Trisquel": "Debian", "GCEL": "Debian",
	"Linaro": "Debian", "elementary OS": "Debian", "elementary": "Debian",
	"Univention": "Debian", "ScientificLinux": "RedHat", "Raspbian": "Debian",
	"Devuan": "Debian", "antiX": "Debian", "Kali": "Debian", "neon": "Debian",
	"Cumulus": "Debian", "Deepin": "Debian", "NILinuxRT": "NILinuxRT",
	"KDE neon": "Debian", "Void": "Void", "IDMS": "Debian", "Funtoo": "Gentoo",
	"AIX": "AIX", "TurnKey": "Debian", "Pop": "Debian", "Rocky": "RedHat",
	"AstraLinuxCE": "Debian", "AstraLinuxSE": "Debian", "Alinux": "RedHat",
	"Mendel": "Debian",
}

var (
	replaceLinuxRe = regexp.MustCompile(`(?i)\W(?:gnu/)?linux`)
	parenRe        = regexp.MustCompile(`\(([^()]*)\)\s*$`)
)

// osGrains derives Salt's OS identity grains from os-release fields:
// os, os_family, osfullname, osrelease, osrelease_info, osmajorrelease,
// oscodename, osfinger and the lsb_distrib_* trio. It follows Salt 3006's
// os-release path (used when /etc/lsb-release does not name the distro):
//   - osfullname is NAME; os is osfullname without "Linux"/"GNU/Linux",
//     looked up in osNameMap by its first ten letters;
//   - oscodename is VERSION_CODENAME, else PRETTY_NAME (Debian: the word
//     in its parentheses; Rocky, AlmaLinux, Astra SE: the words in its
//     parentheses), and for Red Hat the word in VERSION's parentheses;
//     lsb_distrib_codename is the same but for Red Hat's;
//   - Astra Linux and Pop!_OS are named by their ID and NAME;
//   - SUSE (CPE_NAME vendor suse or opensuse) is os SUSE; Leap and
//     Tumbleweed are their osfullname;
//   - osfinger is os (Debian, Raspbian, FreeBSD…) or osfullname, a dash,
//     and the major release (Ubuntu and Pop: the whole release).
func osGrains(rel map[string]string, src osSources) map[string]any {
	g := map[string]any{}
	fullname := strings.TrimSpace(rel["NAME"])
	if fullname == "" {
		fullname = "Linux"
	}
	release := strings.TrimSpace(rel["VERSION_ID"])
	codename := ""
	if c, ok := rel["VERSION_CODENAME"]; ok {
		codename = c
	} else if p, ok := rel["PRETTY_NAME"]; ok {
		codename = p
		if rel["ID"] == "debian" {
			if m := parenRe.FindStringSubmatch(p); m != nil && isWord(m[1]) {
				codename = m[1]
			}
		}
	}
	// lsb_distrib_codename keeps what the os-release gave; Salt's legacy
	// path takes the word in the parentheses for Rocky, AlmaLinux and
	// Astra SE (below, once os is known), and oscodename is the stripped
	// result, else the codename in VERSION's parentheses (the distro
	// module's), which also stands in for a "Red Hat …" one.
	lsbCodename := codename
	versionParen := ""
	if m := parenRe.FindStringSubmatch(rel["VERSION"]); m != nil {
		versionParen = strings.TrimSpace(m[1])
	}
	lsbID, fromLSB := src.LSB["lsb_distrib_id"]
	if fromLSB {
		// /etc/lsb-release names the distribution (Ubuntu, Mint, Pop):
		// Salt takes its fields as they are, and os-release is not asked
		// for them.
		lsbCodename = src.LSB["lsb_distrib_codename"]
		if r, ok := src.LSB["lsb_distrib_release"]; ok {
			release = r
		}
	} else {
		lsbID = fullname
	}
	g["lsb_distrib_id"] = lsbID
	if d, ok := src.LSB["lsb_distrib_description"]; ok {
		g["lsb_distrib_description"] = d
	}
	osName := ""
	vendor, cpeVersion := cpeVendor(rel["CPE_NAME"])
	if v := strings.ToLower(vendor); !fromLSB && (v == "suse" || v == "opensuse") {
		osName = "SUSE"
		if rel["NAME"] == "openSUSE Leap" {
			fullname = "Leap"
		} else if rel["VERSION"] == "Tumbleweed" {
			fullname = "Tumbleweed"
		}
		if cpeVersion != "" && vendor == "opensuse" {
			release = cpeVersion
		}
	}
	// openSUSE's release is its CPE version, in lsb_distrib_release too.
	// CentOS Linux 7 and 8 give only the major release there, so Salt
	// drops it and takes the distro module's best version, which
	// /etc/centos-release holds (7.9.2009).
	if strings.Contains(lsbCodename, "CentOS Linux 7") || strings.Contains(lsbCodename, "CentOS Linux 8") {
		if src.CentOSVersion != "" {
			release = src.CentOSVersion
		}
	} else if _, ok := src.LSB["lsb_distrib_release"]; fromLSB && ok {
		g["lsb_distrib_release"] = release
	} else if _, ok := rel["VERSION_ID"]; !fromLSB && ok {
		g["lsb_distrib_release"] = release
	}
	release = strings.TrimSpace(release)
	if mapped, ok := idAndNameMap[[2]string{rel["ID"], rel["NAME"]}]; ok && osName == "" {
		osName = mapped
	}
	if osName == "" {
		distro := strings.TrimSpace(replaceLinuxRe.ReplaceAllString(fullname, ""))
		short := strings.ToLower(strings.ReplaceAll(distro, " ", ""))
		if len(short) > 10 {
			short = short[:10]
		}
		osName = distro
		if mapped, ok := osNameMap[short]; ok {
			osName = mapped
		}
	}
	if osName == "" {
		osName = "Linux"
	}
	family, ok := osFamilyMap[osName]
	if !ok {
		family = osName
	}
	if lsbCodename != "" && (strings.Contains(osName, "Rocky") || strings.Contains(osName, "AlmaLinux") || strings.Contains(osName, "AstraLinuxSE")) {
		if _, after, ok := strings.Cut(lsbCodename, "("); ok {
			inner, _, _ := strings.Cut(after, ")")
			if osName == "AstraLinuxSE" {
				// "Smolensk 1.7": the first word, lowercased
				f := strings.Fields(inner)
				inner = ""
				if len(f) > 0 {
					inner = strings.ToLower(f[0])
				}
			}
			lsbCodename = inner
		}
	}
	g["lsb_distrib_codename"] = lsbCodename
	codename = strings.TrimSpace(lsbCodename)
	if codename == "" || strings.Contains(codename, "Red Hat") {
		codename = versionParen
	}
	g["os"] = osName
	g["os_family"] = family
	g["osfullname"] = fullname
	g["osrelease"] = release
	g["oscodename"] = codename
	if release == "" {
		return g
	}
	parts := strings.Split(release, ".")
	info := make([]any, len(parts))
	for i, p := range parts {
		if n, err := strconv.Atoi(p); err == nil && isDigits(p) {
			info[i] = n
		} else {
			info[i] = p
		}
	}
	g["osrelease_info"] = info
	if n, ok := info[0].(int); ok {
		g["osmajorrelease"] = n
	}
	fingerName := fullname
	switch osName {
	case "Debian", "FreeBSD", "OpenBSD", "NetBSD", "Mac", "Raspbian":
		fingerName = osName
	}
	if osName == "Ubuntu" || osName == "Pop" {
		g["osfinger"] = fingerName + "-" + release
	} else {
		g["osfinger"] = fingerName + "-" + parts[0]
	}
	return g
}

// cpeVendor reads the vendor and version from a CPE name, in both the 2.2
// (cpe:/o:suse:sles:15:sp5) and 2.3 (cpe:2.3:o:…) forms.
func cpeVendor(cpe string) (vendor, version string) {
	f := strings.Split(cpe, ":")
	if len(f) < 5 || f[0] != "cpe" {
		return "", ""
	}
	if strings.HasPrefix(f[1], "/") {
		return f[2], f[4]
	}
	if f[1] == "2.3" && len(f) >= 6 {
		v := f[5]
		if v == "*" {
			v = ""
		}
		return f[3], v
	}
	return "", ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
