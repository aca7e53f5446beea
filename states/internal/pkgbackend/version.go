package pkgbackend

import (
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
)

// CompareDeb orders two Debian versions as `dpkg --compare-versions` does:
// it returns -1, 0 or 1. Versions are [epoch:]upstream[-revision]; a
// missing epoch is 0 and a missing revision is empty.
func CompareDeb(a, b string) int {
	ea, ua, ra := splitDeb(a)
	eb, ub, rb := splitDeb(b)
	if c := cmpInt(ea, eb); c != 0 {
		return c
	}
	if c := debPart(ua, ub); c != 0 {
		return c
	}
	return debPart(ra, rb)
}

func splitDeb(v string) (epoch int, upstream, revision string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		for _, c := range v[:i] {
			if c < '0' || c > '9' {
				epoch = 0
				break
			}
			epoch = epoch*10 + int(c-'0')
		}
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

// debOrder is dpkg's order(): '~' sorts before everything, even the end of
// the string; letters sort before other symbols.
func debOrder(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return 0
	case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
		return int(c)
	case c == '~':
		return -1
	case c == 0:
		return 0
	}
	return int(c) + 256
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// debPart is dpkg's verrevcmp.
func debPart(a, b string) int {
	i, j := 0, 0
	at := func(s string, k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := debOrder(at(a, i)), debOrder(at(b, j))
			if i < len(a) && isDigit(a[i]) {
				ac = 0
			}
			if j < len(b) && isDigit(b[j]) {
				bc = 0
			}
			if ac != bc {
				return sign(ac - bc)
			}
			i++
			j++
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		first := 0
		for i < len(a) && isDigit(a[i]) && j < len(b) && isDigit(b[j]) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i++
			j++
		}
		if i < len(a) && isDigit(a[i]) {
			return 1
		}
		if j < len(b) && isDigit(b[j]) {
			return -1
		}
		if first != 0 {
			return sign(first)
		}
	}
	return 0
}

// CompareRPM orders two RPM versions ([epoch:]version[-release]) as rpm's
// rpmvercmp does, epoch first.
func CompareRPM(a, b string) int {
	ea, va, ra := splitRPM(a)
	eb, vb, rb := splitRPM(b)
	if c := cmpInt(ea, eb); c != 0 {
		return c
	}
	if c := rpmvercmp(va, vb); c != 0 {
		return c
	}
	if ra == "" || rb == "" {
		// A version without a release matches any release of it, as
		// rpm does when a requirement names no release.
		return 0
	}
	return rpmvercmp(ra, rb)
}

func splitRPM(v string) (epoch int, version, release string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ':'); i >= 0 {
		for _, c := range v[:i] {
			if c >= '0' && c <= '9' {
				epoch = epoch*10 + int(c-'0')
			}
		}
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// rpmvercmp follows rpm's lib/rpmvercmp.c, tilde and caret included.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		// '~' sorts before everything.
		at, bt := i < len(a) && a[i] == '~', j < len(b) && b[j] == '~'
		if at || bt {
			if !at {
				return 1
			}
			if !bt {
				return -1
			}
			i++
			j++
			continue
		}
		// '^' sorts after the end of the string but before anything else.
		ac, bc := i < len(a) && a[i] == '^', j < len(b) && b[j] == '^'
		if ac || bc {
			if i >= len(a) {
				return -1
			}
			if j >= len(b) {
				return 1
			}
			if !ac {
				return 1
			}
			if !bc {
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		numeric := isDigit(a[i])
		if numeric {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlnum(a[i]) && !isDigit(a[i]) {
				i++
			}
			for j < len(b) && isAlnum(b[j]) && !isDigit(b[j]) {
				j++
			}
		}
		sa, sb := a[si:i], b[sj:j]
		if sb == "" {
			// Different segment types: numeric is newer.
			if numeric {
				return 1
			}
			return -1
		}
		if numeric {
			sa, sb = strings.TrimLeft(sa, "0"), strings.TrimLeft(sb, "0")
			if len(sa) != len(sb) {
				return sign(len(sa) - len(sb))
			}
		}
		if c := strings.Compare(sa, sb); c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}

func cmpInt(a, b int) int { return sign(a - b) }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Spec is a version requirement as Salt writes it: "1.2", "==1.2",
// ">=1.2", "<2", "!=1.3", or a glob such as "1.2*".
type Spec struct {
	Op      string // "", "==", "!=", ">=", "<=", ">", "<"
	Version string
}

// ParseSpec reads a Salt version argument. "=" is taken as "==".
func ParseSpec(s string) (Spec, error) {
	s = strings.TrimSpace(s)
	for _, op := range []string{">=", "<=", "==", "!=", ">", "<", "="} {
		if strings.HasPrefix(s, op) {
			v := strings.TrimSpace(s[len(op):])
			if v == "" {
				return Spec{}, fmt.Errorf("version %q: no version after %s", s, op)
			}
			if op == "=" {
				op = "=="
			}
			return Spec{Op: op, Version: v}, nil
		}
	}
	if s == "" {
		return Spec{}, nil
	}
	return Spec{Op: "==", Version: s}, nil
}

// Any reports whether the spec accepts every version.
func (s Spec) Any() bool { return s.Version == "" }

// Exact reports whether the spec names one version apt or dnf can be
// asked for directly.
func (s Spec) Exact() bool { return s.Op == "==" && !strings.ContainsAny(s.Version, "*?[") }

func (s Spec) String() string {
	if s.Any() {
		return ""
	}
	if s.Op == "==" {
		return s.Version
	}
	return s.Op + s.Version
}

// Match reports whether version v satisfies the spec under cmp. An exact
// spec without an epoch matches a version with one, as Salt's
// ignore_epoch default does for a bare upstream version.
func (s Spec) Match(v string, cmp func(a, b string) int) bool {
	if s.Any() {
		return true
	}
	if fnmatch.HasMeta(s.Version) {
		// Salt matches version globs with fnmatch.fnmatch.
		ok := fnmatch.Match(s.Version, v)
		if !ok && !strings.Contains(s.Version, ":") {
			if _, rest, found := strings.Cut(v, ":"); found {
				ok = fnmatch.Match(s.Version, rest)
			}
		}
		return ok == (s.Op != "!=")
	}
	c := cmp(v, s.Version)
	if c != 0 && !strings.Contains(s.Version, ":") && strings.Contains(v, ":") {
		_, rest, _ := strings.Cut(v, ":")
		if cmp(rest, s.Version) == 0 && (s.Op == "==" || s.Op == "!=") {
			c = 0
		}
	}
	switch s.Op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case "<":
		return c < 0
	}
	return false
}
