// Package pyversion is the LooseVersion ordering Salt falls back on to
// compare versions (salt/utils/versions.py version_cmp, behind the
// version_compare Jinja filter and pkg.version_cmp where the package
// manager has no ordering of its own): distutils' LooseVersion, with
// Salt's Python 3 comparison of versions that mix numbers and words.
package pyversion

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// component is one part of a version: a number, or text.
type component struct {
	num   int64
	str   string
	isNum bool
}

// componentRE is distutils' component_re: numbers, runs of lowercase
// letters, dots; whatever lies between them is a component too.
var componentRE = regexp.MustCompile(`\d+|[a-z]+|\.`)

// parse is LooseVersion.parse: the string split at components_re, with
// the empty parts and the dots dropped, and numbers read as ints.
func parse(v string) []component {
	var out []component
	add := func(s string) {
		if s == "" || s == "." {
			return
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && s[0] >= '0' && s[0] <= '9' {
			out = append(out, component{num: n, isNum: true})
			return
		}
		out = append(out, component{str: s})
	}
	last := 0
	for _, m := range componentRE.FindAllStringIndex(v, -1) {
		add(v[last:m[0]])
		add(v[m[0]:m[1]])
		last = m[1]
	}
	add(v[last:])
	return out
}

// Compare orders two versions as Salt's LooseVersion does: -1, 0 or 1.
// When both are numbers only they compare as lists of ints; otherwise
// every part is compared as text, numbers zero-padded to 8 digits (Salt's
// _str_version), since Python 3 cannot order a str against an int.
func Compare(a, b string) int {
	pa, pb := parse(a), parse(b)
	allNum := true
	for _, c := range append(slices.Clone(pa), pb...) {
		if !c.isNum {
			allNum = false
			break
		}
	}
	if allNum {
		return slices.CompareFunc(pa, pb, func(x, y component) int { return cmp.Compare(x.num, y.num) })
	}
	return slices.Compare(strVersion(pa), strVersion(pb))
}

func strVersion(p []component) []string {
	out := make([]string, len(p))
	for i, c := range p {
		if c.isNum {
			out[i] = fmt.Sprintf("%08d", c.num)
		} else {
			out[i] = c.str
		}
	}
	return out
}

// CompareOp is salt.utils.versions.compare(ver1, oper, ver2): whether
// ver1 oper ver2 holds, oper one of <, <=, ==, >=, > and !=. An unknown
// operator is false (Salt logs it and returns False).
func CompareOp(ver1, oper, ver2 string, cmpFunc func(a, b string) int) (bool, error) {
	if cmpFunc == nil {
		cmpFunc = Compare
	}
	c := cmpFunc(ver1, ver2)
	switch oper {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case "==":
		return c == 0, nil
	case ">=":
		return c >= 0, nil
	case ">":
		return c > 0, nil
	case "!=":
		return c != 0, nil
	}
	return false, fmt.Errorf("invalid operator '%s' for version comparison", oper)
}
