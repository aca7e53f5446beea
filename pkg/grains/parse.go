package grains

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The parsers here are pure: text in, values out. Collect reads the files
// and hands them over, so each parser is tested on text alone.

// parseOSRelease reads os-release(5): KEY=value lines, values optionally
// quoted, with shell backslash escapes inside quotes. Comments and
// malformed lines are skipped.
func parseOSRelease(text string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || !isIdent(k) {
			continue
		}
		out[k] = unquoteShell(v)
	}
	return out
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func unquoteShell(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		q := v[0]
		v = v[1 : len(v)-1]
		if q == '\'' {
			return v
		}
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) && strings.IndexByte("$\"'\\`", v[i+1]) >= 0 {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}

// parseMeminfo returns /proc/meminfo's MemTotal and SwapTotal in MiB, as
// Salt's mem_total and swap_total grains (kB / 1024, rounded down).
func parseMeminfo(text string) (memMiB, swapMiB int, ok bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		switch f[0] {
		case "MemTotal:":
			memMiB, ok = n/1024, true
		case "SwapTotal:":
			swapMiB = n / 1024
		}
	}
	return memMiB, swapMiB, ok
}

// cpuInfo is what Salt takes from /proc/cpuinfo.
type cpuInfo struct {
	NumCPUs int
	Model   string
	Flags   []string
}

// parseCPUInfo reads /proc/cpuinfo as Salt 3006's _linux_cpudata does:
// each line is cut at its colons and the text between the first and the
// second is the value; "processor" lines are counted, "# processors"
// (s390) sets the count, and the last of "vendor_id", "model name", "cpu"
// (POWER) and "Processor" (old ARM kernels: the text before its first
// dash, and a count of 1) is the model; the last "flags" or "Features"
// line gives the flags. A model that no line gives is "Unknown", as in
// Salt (modern aarch64 kernels name none).
func parseCPUInfo(text string) cpuInfo {
	ci := cpuInfo{Model: "Unknown"}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		comps := strings.Split(sc.Text(), ":")
		if len(comps) < 2 {
			continue
		}
		k, v := strings.TrimSpace(comps[0]), strings.TrimSpace(comps[1])
		switch k {
		case "processor":
			ci.NumCPUs++
		case "# processors":
			// Python's int() refuses what is not a number, and the grain
			// function then fails; keeping the count is the kinder miss.
			if n, err := strconv.Atoi(v); err == nil {
				ci.NumCPUs = n
			}
		case "vendor_id", "model name", "cpu":
			ci.Model = v
		case "flags", "Features":
			ci.Flags = strings.Fields(v)
		case "Processor":
			ci.Model, _, _ = strings.Cut(v, "-")
			ci.NumCPUs = 1
		}
	}
	return ci
}

// hostsEntry is one line of /etc/hosts.
type hostsEntry struct {
	Addr  string
	Names []string
}

func parseHosts(text string) []hostsEntry {
	var out []hostsEntry
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		out = append(out, hostsEntry{Addr: f[0], Names: f[1:]})
	}
	return out
}

// fqhostname is Salt 3006's get_fqhostname (salt/utils/network.py),
// which the fqdn grain is, answered from /etc/hosts as the C library's
// files backend answers it: getaddrinfo's AI_CANONNAME for the host
// name, the first name of the first line listing it (as its first name
// or an alias, in any case); a name no line lists falls to
// socket.getfqdn(), which without DNS is the name itself. So a host named
// on "127.0.0.1 myhost" below "127.0.0.1 localhost" has fqdn myhost, as
// in Salt (Python's getfqdn alone would say localhost).
func fqhostname(hosts []hostsEntry, name string) string {
	for _, e := range hosts {
		for _, n := range e.Names {
			if strings.EqualFold(n, name) {
				return e.Names[0]
			}
		}
	}
	return name
}

// hostAddrs returns the addresses of every /etc/hosts line listing name,
// split into IPv4 and IPv6, without repeats.
func hostAddrs(hosts []hostsEntry, name string) (v4, v6 []string) {
	seen := map[string]bool{}
	for _, e := range hosts {
		listed := false
		for _, n := range e.Names {
			if strings.EqualFold(n, name) {
				listed = true
				break
			}
		}
		if !listed || seen[e.Addr] {
			continue
		}
		seen[e.Addr] = true
		if strings.Contains(e.Addr, ":") {
			v6 = append(v6, e.Addr)
		} else {
			v4 = append(v4, e.Addr)
		}
	}
	return v4, v6
}

// lookupID finds the name for a numeric id in /etc/passwd or /etc/group
// text (name:x:id:…). Reading the files avoids NSS, which can reach the
// network (LDAP, sssd) and hang.
func lookupID(text string, id int) (string, bool) {
	want := strconv.Itoa(id)
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 4)
		if len(f) >= 3 && f[2] == want && f[0] != "" && !strings.HasPrefix(f[0], "#") {
			return f[0], true
		}
	}
	return "", false
}

// systemdFeatures finds the compile-time feature string ("+PAM +AUDIT …")
// inside the systemctl binary, which is what `systemctl --version` prints
// on its second line. Reading it saves running a process on every
// collection.
func systemdFeatures(bin []byte) string {
	for _, start := range [][]byte{[]byte("+PAM +"), []byte("-PAM +"), []byte("+PAM -"), []byte("-PAM -")} {
		i := bytes.Index(bin, start)
		if i < 0 {
			continue
		}
		end := bytes.IndexByte(bin[i:], 0)
		if end < 0 {
			end = len(bin) - i
		}
		s := string(bin[i : i+end])
		if strings.ContainsAny(s, "\n\r") || !strings.Contains(s, " ") {
			continue
		}
		return s
	}
	return ""
}

var systemdVersionRe = regexp.MustCompile(`systemd (\d+) \(`)

// systemdBinaryVersion finds "systemd 252 (252.39-1~deb12u2)", the first
// line of `systemctl --version`, inside the systemctl binary and returns
// the number, as Salt's systemd:version grain; failing that, the
// libsystemd-shared-NNN.so the binary links.
func systemdBinaryVersion(bin []byte) string {
	if m := systemdVersionRe.FindSubmatch(bin); m != nil {
		return string(m[1])
	}
	const lib = "libsystemd-shared-"
	if i := bytes.Index(bin, []byte(lib)); i >= 0 {
		end := bytes.IndexByte(bin[i:], 0)
		if end < 0 {
			end = len(bin) - i
		}
		v, _ := systemdVersion(string(bin[i : i+end]))
		return v
	}
	return ""
}

// systemdVersion takes the version from a libsystemd-shared-NNN.so (or
// libsystemd-shared-NNN.N.so) file name.
func systemdVersion(filename string) (string, bool) {
	const prefix = "libsystemd-shared-"
	i := strings.LastIndex(filename, prefix)
	if i < 0 || !strings.HasSuffix(filename, ".so") {
		return "", false
	}
	v := strings.TrimSuffix(filename[i+len(prefix):], ".so")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return "", false
	}
	major, _, _ := strings.Cut(v, ".")
	if _, err := strconv.Atoi(major); err != nil {
		return "", false
	}
	return major, true
}

// debianArch maps the kernel's machine name to Debian's architecture
// name, which is what Salt's osarch grain holds on Debian-family hosts
// (from dpkg --print-architecture).
func debianArch(machine string) string {
	switch machine {
	case "x86_64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	case "armv7l", "armv8l":
		return "armhf"
	case "armv6l", "armv5tel", "armv5tejl":
		return "armel"
	case "i386", "i486", "i586", "i686":
		return "i386"
	case "ppc64le":
		return "ppc64el"
	case "mips64":
		return "mips64el"
	}
	return machine
}

// parseLocale splits a POSIX locale name, en_US.UTF-8@euro, into language
// and encoding.
func parseLocale(s string) (lang, enc string) {
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	lang, enc, _ = strings.Cut(s, ".")
	return lang, enc
}

// localeInfo is Salt's locale_info grain as Salt 3006's Python 3.10 gives
// it: defaultlanguage and defaultencoding are locale.getlocale() of the
// LC_CTYPE locale (LC_ALL, else LC_CTYPE, else LANG), detectedencoding
// the encoding of its stdin, and timezone the local zone's name now.
//   - The C and POSIX locales, or none at all, are coerced to C.UTF-8 at
//     Python's start (PEP 538), and Python 3.10's locale aliases name
//     C.UTF-8 en_US.UTF-8: en_US and UTF-8. Only an LC_ALL of C or POSIX
//     stops the coercion, and getlocale() is then None, None.
//   - An encoding is named as Python normalizes it: utf8 is UTF-8,
//     iso88591 ISO8859-1; a locale without one gets ISO8859-1, the
//     default Python's alias table gives the common ones.
//   - stdin's encoding is utf-8 for UTF-8 locales and in the C locale
//     (Python's UTF-8 mode), else the codeset's name (ISO-8859-1).
func localeInfo(getenv func(string) string, now time.Time) map[string]any {
	name, fromAll := getenv("LC_ALL"), true
	if name == "" {
		name, fromAll = getenv("LC_CTYPE"), false
	}
	if name == "" {
		name = getenv("LANG")
	}
	var lang, enc any
	detected := "utf-8"
	switch l, e := parseLocale(name); {
	case name == "" || name == "C" || name == "POSIX":
		if !fromAll {
			lang, enc = "en_US", "UTF-8"
		}
	case l == "C" || l == "POSIX":
		lang, enc = "en_US", pyEncoding(e)
	default:
		if e == "" {
			e = "ISO8859-1"
		}
		lang, enc = l, pyEncoding(e)
		if enc != "UTF-8" {
			detected = codeset(enc.(string))
		}
	}
	zone, _ := now.Zone()
	return map[string]any{"defaultlanguage": lang, "defaultencoding": enc, "detectedencoding": detected, "timezone": zone}
}

// pyEncoding names an encoding as Python's locale.normalize does for the
// common ones.
func pyEncoding(e string) string {
	key := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(e))
	switch {
	case key == "utf8":
		return "UTF-8"
	case strings.HasPrefix(key, "iso8859"):
		return "ISO8859-" + strings.TrimPrefix(key, "iso8859")
	}
	return e
}

// codeset is the C library's name of a locale's encoding, which Python
// gives stdin: ISO8859-1 is ISO-8859-1.
func codeset(enc string) string {
	if n, ok := strings.CutPrefix(enc, "ISO8859-"); ok {
		return "ISO-8859-" + n
	}
	return enc
}
