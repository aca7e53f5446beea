package pkgbackend

import (
	"os/exec"
	"testing"
)

// debCases are dpkg --compare-versions facts (from dpkg's own test suite
// and Debian policy §5.6.12). cmp is the order of a against b.
var debCases = []struct {
	a, b string
	cmp  int
}{
	{"1.0", "1.0", 0},
	{"1.0", "1.0-0", 0},
	{"1.0-1", "1.0-1", 0},
	{"1.0", "1.1", -1},
	{"1.2", "1.10", -1},
	{"1.10", "1.9", 1},
	{"1.0~rc1", "1.0", -1},
	{"1.0~rc1", "1.0~rc2", -1},
	{"1.0~~", "1.0~", -1},
	{"1.0~", "1.0", -1},
	{"1.0", "1.0+", -1},
	{"1.0+b1", "1.0", 1},
	{"1.0a", "1.0", 1},
	{"1.0a", "1.0+", -1}, // letters sort before symbols
	{"1:1.0", "2.0", 1},
	{"0:1.0", "1.0", 0},
	{"1:0.1", "2:0.0", -1},
	{"2.36-9+deb12u13", "2.36-9+deb12u4", 1},
	{"7.88.1-10+deb12u14", "7.88.1-10+deb12u15", -1},
	{"1.0-1", "1.0-1ubuntu1", -1},
	{"1.0-10", "1.0-9", 1},
	{"001", "1", 0},
	{"1.001", "1.1", 0},
	{"a", "b", -1},
	{"1.0-1~bpo1", "1.0-1", -1},
	{"2.1.0-1", "2.1-1", 1},
	{"1.22.1-9+deb12u11", "1.22.1-9+deb12u2", 1},
	{"5.36.0-7+deb12u2", "1:5.36.0-7", -1},
	{"1.0.0", "1.0", 1},
	{"9.9", "10", -1},
	{"1.0-", "1.0", 0},
}

func TestCompareDeb(t *testing.T) {
	for _, c := range debCases {
		if got := CompareDeb(c.a, c.b); got != c.cmp {
			t.Errorf("CompareDeb(%q, %q) = %d; want %d", c.a, c.b, got, c.cmp)
		}
		if got := CompareDeb(c.b, c.a); got != -c.cmp {
			t.Errorf("CompareDeb(%q, %q) = %d; want %d", c.b, c.a, got, -c.cmp)
		}
	}
}

// TestCompareDebAgainstDpkg checks the same table against the real dpkg,
// so that the table itself cannot be wrong where dpkg is at hand.
func TestCompareDebAgainstDpkg(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("no dpkg on this host; TestCompareDeb still runs the table")
	}
	ops := map[int]string{-1: "lt", 0: "eq", 1: "gt"}
	for _, c := range debCases {
		if c.a == "1.0-" { // dpkg rejects an empty revision as a syntax error
			continue
		}
		if err := exec.Command(dpkg, "--compare-versions", c.a, ops[c.cmp], c.b).Run(); err != nil {
			t.Errorf("dpkg --compare-versions %s %s %s: %v (the table is wrong)", c.a, ops[c.cmp], c.b, err)
		}
	}
}

func TestCompareRPM(t *testing.T) {
	// From rpm's tests/rpmvercmp.at.
	cases := []struct {
		a, b string
		cmp  int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "2.0", -1},
		{"2.0.1", "2.0.1", 0},
		{"2.0", "2.0.1", -1},
		{"2.0.1a", "2.0.1", 1},
		{"5.5p1", "5.5p2", -1},
		{"5.5p10", "5.5p1", 1},
		{"10xyz", "10.1xyz", -1},
		{"xyz10", "xyz10.1", -1},
		{"xyz.4", "8", -1},
		{"1b.fc17", "1.fc17", -1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc1", "1.0~rc2", -1},
		{"1.0~rc1~git123", "1.0~rc1", -1},
		{"1.0^", "1.0", 1},
		{"1.0^git1", "1.0^git2", -1},
		{"1.0^git1", "1.01", -1},
		{"1.0^20160101", "1.0.1", -1},
		{"1:1.0-1", "2.0-1", 1},
		{"3.0.7-27.el9", "3.0.7-28.el9", -1},
		{"3.0.7", "3.0.7-28.el9", 0}, // no release: any release matches
		{"1.fc17", "1g.fc17", -1},
		{"1b.fc17", "1.fc17", -1},
		{"a+", "a_", 0},
	}
	for _, c := range cases {
		if got := CompareRPM(c.a, c.b); got != c.cmp {
			t.Errorf("CompareRPM(%q, %q) = %d; want %d", c.a, c.b, got, c.cmp)
		}
		if got := CompareRPM(c.b, c.a); got != -c.cmp {
			t.Errorf("CompareRPM(%q, %q) = %d; want %d", c.b, c.a, got, -c.cmp)
		}
	}
}

func TestSpec(t *testing.T) {
	cases := []struct {
		spec, version string
		want          bool
	}{
		{"", "1.0", true},
		{"1.0-1", "1.0-1", true},
		{"1.0-1", "1.0-2", false},
		{"=1.0-1", "1.0-1", true},
		{"==1.0-1", "1.0-1", true},
		{">=1.2", "1.10", true},
		{">=1.2", "1.1", false},
		{"<2", "1.99", true},
		{"<2", "2", false},
		{"<=2", "2", true},
		{"<=2", "2.0", false}, // 2.0 is after 2 in dpkg order
		{">1.0", "1.0", false},
		{"!=1.3", "1.3", false},
		{"!=1.3", "1.4", true},
		{"1.2*", "1.2.5-1", true},
		{"1.2*", "1.3-1", false},
		{"5.36.0-7+deb12u2", "1:5.36.0-7+deb12u2", true}, // ignore_epoch
		{"1:5.36.0-7+deb12u2", "5.36.0-7+deb12u2", false},
		{"5.36*", "1:5.36.0-7", true},
		{">= 1.2", "1.2", true},
	}
	for _, c := range cases {
		s, err := ParseSpec(c.spec)
		if err != nil {
			t.Fatalf("ParseSpec(%q): %v", c.spec, err)
		}
		if got := s.Match(c.version, CompareDeb); got != c.want {
			t.Errorf("ParseSpec(%q).Match(%q) = %v; want %v", c.spec, c.version, got, c.want)
		}
	}
	for _, bad := range []string{">=", "=="} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("ParseSpec(%q): want an error", bad)
		}
	}
	if s, _ := ParseSpec("1.0"); !s.Exact() {
		t.Errorf("ParseSpec(1.0).Exact() = false")
	}
	if s, _ := ParseSpec(">=1.0"); s.Exact() {
		t.Errorf("ParseSpec(>=1.0).Exact() = true")
	}
}
