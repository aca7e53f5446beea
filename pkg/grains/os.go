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
//     in its parentheses), and for Red Hat the word in VERSION's
//     parentheses;
//   - SUSE (CPE_NAME vendor suse or opensuse) is os SUSE; Leap and
//     Tumbleweed are their osfullname;
//   - osfinger is os (Debian, Raspbian, FreeBSD…) or osfullname, a dash,
//     and the major release (Ubuntu: the whole release).
func osGrains(rel map[string]string) map[string]any {
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
	codename = strings.TrimSpace(codename)
	versionParen := ""
	if m := parenRe.FindStringSubmatch(rel["VERSION"]); m != nil {
		versionParen = strings.TrimSpace(m[1])
	}
	if codename == "" || strings.Contains(codename, "Red Hat") {
		codename = versionParen
	}
	g["lsb_distrib_id"] = fullname
	g["lsb_distrib_release"] = release
	g["lsb_distrib_codename"] = codename

	osName := ""
	vendor, cpeVersion := cpeVendor(rel["CPE_NAME"])
	if v := strings.ToLower(vendor); v == "suse" || v == "opensuse" {
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
	if fingerName == "Ubuntu" {
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
