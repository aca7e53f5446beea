package states

import (
	"regexp"
	"strconv"
	"strings"
)

// pep440 is a version as PEP 440 (pkg_resources.parse_version) orders
// it: epoch, release, pre-release, post-release, dev-release; a local
// version label is compared as text.
type pep440 struct {
	epoch   int
	release []int
	pre     [2]int // kind (0 none, 1 a, 2 b, 3 rc), number
	post    int    // -1 none
	dev     int    // -1 none
	local   string
	valid   bool
	raw     string
}

var pep440Re = regexp.MustCompile(`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)` +
	`(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?` +
	`(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?` +
	`(?:[-_.]?(dev)[-_.]?(\d*))?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$`)

func parsePEP440(s string) pep440 {
	v := pep440{post: -1, dev: -1, raw: s}
	m := pep440Re.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return v
	}
	v.valid = true
	v.epoch, _ = strconv.Atoi(m[1])
	for _, p := range strings.Split(m[2], ".") {
		n, _ := strconv.Atoi(p)
		v.release = append(v.release, n)
	}
	switch m[3] {
	case "a", "alpha":
		v.pre[0] = 1
	case "b", "beta":
		v.pre[0] = 2
	case "c", "rc", "pre", "preview":
		v.pre[0] = 3
	}
	v.pre[1], _ = strconv.Atoi(m[4])
	switch {
	case m[5] != "":
		v.post, _ = strconv.Atoi(m[5])
	case m[6] != "":
		v.post, _ = strconv.Atoi(m[7])
	}
	if m[8] != "" {
		v.dev, _ = strconv.Atoi(m[9])
	}
	v.local = m[10]
	return v
}

// pep440Cmp compares two versions as pkg_resources.parse_version does
// (-1, 0, 1); a version that is not PEP 440 sorts before every valid
// one and is compared as text with another such.
func pep440Cmp(a, b string) int {
	va, vb := parsePEP440(a), parsePEP440(b)
	switch {
	case !va.valid && !vb.valid:
		return strings.Compare(a, b)
	case !va.valid:
		return -1
	case !vb.valid:
		return 1
	}
	if c := cmpInt(va.epoch, vb.epoch); c != 0 {
		return c
	}
	n := max(len(va.release), len(vb.release))
	for i := 0; i < n; i++ {
		x, y := 0, 0
		if i < len(va.release) {
			x = va.release[i]
		}
		if i < len(vb.release) {
			y = vb.release[i]
		}
		if c := cmpInt(x, y); c != 0 {
			return c
		}
	}
	if c := cmpInt(va.preKey(), vb.preKey()); c != 0 {
		return c
	}
	if va.pre[0] != 0 && va.pre[0] == vb.pre[0] {
		if c := cmpInt(va.pre[1], vb.pre[1]); c != 0 {
			return c
		}
	}
	if c := cmpInt(va.post, vb.post); c != 0 {
		return c
	}
	// No dev release sorts after any dev release.
	da, db := va.dev, vb.dev
	if da < 0 {
		da = 1 << 30
	}
	if db < 0 {
		db = 1 << 30
	}
	if c := cmpInt(da, db); c != 0 {
		return c
	}
	return strings.Compare(va.local, vb.local)
}

// preKey orders the pre-release part: a dev-only release (1.0.dev1)
// comes before 1.0a1, which comes before 1.0.
func (v pep440) preKey() int {
	switch {
	case v.pre[0] != 0:
		return v.pre[0]
	case v.post < 0 && v.dev >= 0:
		return -1
	}
	return 9
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pipFulfills is Salt's _fulfills_version_spec: every (operator,
// version) holds, as salt.utils.versions.compare judges it with the
// PEP 440 order; an operator it does not know (~=, ===) never holds.
func pipFulfills(version string, spec [][2]string) bool {
	for _, s := range spec {
		c := pep440Cmp(version, s[1])
		ok := false
		switch s[0] {
		case "==":
			ok = c == 0
		case "!=":
			ok = c != 0
		case ">=":
			ok = c >= 0
		case "<=":
			ok = c <= 0
		case ">":
			ok = c > 0
		case "<":
			ok = c < 0
		}
		if !ok {
			return false
		}
	}
	return true
}

// pipReqRe reads a requirement as pip's install_req_from_line does for a
// plain one: a name, extras, then comma-separated version specifiers
// (and an environment marker after ';').
var (
	pipNameRe = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)
	pipSpecRe = regexp.MustCompile(`^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$`)
)

// pipParseReq is Salt's _check_pkg_version_format: the project name
// (runs of other characters than letters, digits and '.' made '-') and
// the version specifiers; ok is false with Salt's comment otherwise.
func pipParseReq(pkg string) (prefix string, spec [][2]string, comment string, ok bool) {
	m := pipNameRe.FindStringSubmatch(pkg)
	bad := func() (string, [][2]string, string, bool) {
		if strings.Contains(pkg, "=") && !strings.Contains(pkg, "==") {
			return "", nil, "Invalid version specification in package " + pkg + ". '=' is not supported, use '==' instead.", false
		}
		return "", nil, "pip raised an exception while parsing '" + pkg + "': Invalid requirement: '" + pkg + "'", false
	}
	if m == nil {
		// A URL or a path: pip installs it; Salt checks nothing.
		if strings.Contains(pkg, "://") || strings.HasPrefix(pkg, "/") || strings.HasPrefix(pkg, ".") {
			return "", nil, "", true
		}
		return bad()
	}
	prefix = regexp.MustCompile(`[^A-Za-z0-9.]+`).ReplaceAllString(m[1], "-")
	rest, _, _ := strings.Cut(m[3], ";")
	if strings.TrimSpace(rest) == "" {
		return prefix, nil, "", true
	}
	for _, part := range strings.Split(rest, ",") {
		sm := pipSpecRe.FindStringSubmatch(part)
		if sm == nil {
			return bad()
		}
		spec = append(spec, [2]string{sm[1], sm[2]})
	}
	return prefix, spec, "", true
}
