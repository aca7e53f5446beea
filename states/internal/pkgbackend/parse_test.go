package pkgbackend

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	p := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n%s\nwant:\n%s", name, got, want)
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseDpkgStatusGolden(t *testing.T) {
	db := ParseDpkgStatus(readFixture(t, "dpkg-status"))
	golden(t, "dpkg-status", db)
	checks := []struct {
		key              string
		installed, held  bool
		present, missing bool
	}{
		{key: "tree", installed: true, present: true},
		{key: "libc6", installed: true, present: true},
		{key: "libc6:i386", installed: true, present: true},
		{key: "tzdata", installed: true, present: true, held: true},
		{key: "nginx-common", present: true},
		{key: "broken", installed: true, present: true},
		{key: "gone"},
		{key: "nosuch", missing: true},
	}
	for _, c := range checks {
		p, ok := db[c.key]
		if ok == c.missing {
			t.Errorf("db[%q] present = %v; want %v", c.key, ok, !c.missing)
			continue
		}
		if p.Installed() != c.installed || p.Present() != c.present || p.Held() != c.held {
			t.Errorf("db[%q] installed/present/held = %v/%v/%v; want %v/%v/%v", c.key,
				p.Installed(), p.Present(), p.Held(), c.installed, c.present, c.held)
		}
	}
	if v := db["perl"].Version; v != "1:5.36.0-7+deb12u2" {
		t.Errorf("perl version = %q", v)
	}
}

func TestParseDpkgStatusEdges(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"no trailing newline", "Package: a\nStatus: install ok installed\nVersion: 1", 1},
		{"crlf", "Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n\r\nPackage: b\r\nVersion: 2\r\n", 2},
		{"garbage", "no colon here\n\n:::\n", 0},
		{"blank lines with spaces", "Package: a\n \t\nPackage: b\n", 2},
	}
	for _, c := range cases {
		db := ParseDpkgStatus([]byte(c.in))
		if len(db) != c.want {
			t.Errorf("%s: %d packages; want %d (%v)", c.name, len(db), c.want, db)
		}
	}
	db := ParseDpkgStatus([]byte("Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n"))
	if db["a"].Version != "1" || !db["a"].Installed() {
		t.Errorf("crlf stanza = %+v", db["a"])
	}
}

func TestParseAptSimulateGolden(t *testing.T) {
	golden(t, "apt-sim-install", ParseAptSimulate(readFixture(t, "apt-sim-install.txt")))
	golden(t, "apt-sim-purge", ParseAptSimulate(readFixture(t, "apt-sim-purge.txt")))
	got := ParseAptSimulate([]byte("Inst dpkg [1.21.23] (1.21.23 Debian:12.15/oldstable [amd64])\nConf dpkg (1.21.23 Debian:12.15/oldstable [amd64])\nInst hello (2.10-3 local [amd64])\nRemv make [4.3-4.1]\nPurg x\n"))
	want := []Change{{"dpkg", "1.21.23", "1.21.23"}, {"hello", "", "2.10-3"}, {"make", "4.3-4.1", ""}, {"x", "", ""}}
	if len(got) != len(want) {
		t.Fatalf("ParseAptSimulate = %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ParseAptSimulate[%d] = %v; want %v", i, got[i], want[i])
		}
	}
}

func TestParseAptPolicyGolden(t *testing.T) {
	got := ParseAptPolicy(readFixture(t, "apt-policy.txt"))
	golden(t, "apt-policy", got)
	if got["tree"].Candidate == "" || len(got["tree"].Versions) == 0 {
		t.Errorf("tree = %+v; want a candidate and versions", got["tree"])
	}
	none := ParseAptPolicy([]byte("ghost:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n"))
	if a, ok := none["ghost"]; !ok || a.Candidate != "" || len(a.Versions) != 0 {
		t.Errorf("ghost = %+v, %v", a, ok)
	}
}

func TestParseRPM(t *testing.T) {
	db := ParseRPMQA(readFixture(t, "rpm-qa.txt"))
	golden(t, "rpm-qa", db)
	if _, ok := db["gpg-pubkey"]; ok {
		t.Errorf("gpg-pubkey listed")
	}
	if v := db["openssl-libs"].Version; v != "1:3.0.7-27.el9" {
		t.Errorf("openssl-libs = %q", v)
	}
	if _, ok := db["glibc.i686"]; !ok {
		t.Errorf("multilib glibc.i686 missing: %v", db)
	}
	golden(t, "dnf-assumeno", ParseDNFTransaction(readFixture(t, "dnf-assumeno.txt")))
	golden(t, "repoquery", ParseRepoquery([]byte("curl\t0\t7.76.1\t26.el9\tx86_64\ncurl\t0\t7.76.1\t29.el9_4\tx86_64\ntree\t0\t1.8.0\t10.el9\tx86_64\n")))
}

func TestDiff(t *testing.T) {
	before := DB{
		"a": {Version: "1", State: "installed"},
		"b": {Version: "1", State: "installed"},
		"c": {Version: "1", State: "installed"},
		"d": {Version: "1", State: "config-files"},
	}
	after := DB{
		"a": {Version: "1", State: "installed"},
		"b": {Version: "2", State: "installed"},
		"c": {Version: "1", State: "config-files"},
		"e": {Version: "3", State: "installed"},
	}
	got := Diff(before, after, false)
	want := []Change{{"b", "1", "2"}, {"c", "1", ""}, {"e", "", "3"}}
	if len(got) != len(want) {
		t.Fatalf("Diff = %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Diff[%d] = %v; want %v", i, got[i], want[i])
		}
	}
	// Purge view: c keeps its config files (no change), d is gone.
	got = Diff(before, after, true)
	want = []Change{{"b", "1", "2"}, {"d", "1", ""}, {"e", "", "3"}}
	if len(got) != len(want) {
		t.Fatalf("Diff(withConfig) = %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Diff(withConfig)[%d] = %v; want %v", i, got[i], want[i])
		}
	}
}

func TestFamilyAndNew(t *testing.T) {
	cases := map[string]string{
		"ID=debian\n":                                    "Debian",
		"ID=ubuntu\nID_LIKE=debian\n":                    "Debian",
		"ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n": "RedHat",
		"ID=alpine\n":                                    "Alpine",
		"":                                               "",
	}
	for in, want := range cases {
		if got := FamilyFromOSRelease(in); got != want {
			t.Errorf("FamilyFromOSRelease(%q) = %q; want %q", in, got, want)
		}
	}
	if _, err := New("Alpine", "", nil); err == nil || err.Error() != "no package backend for os_family Alpine: brine supports apt (Debian) and dnf (RedHat)" {
		t.Errorf("New(Alpine) error = %v", err)
	}
	if b, err := New("Debian", "", nil); err != nil || b.Name() != "apt" {
		t.Errorf("New(Debian) = %v, %v", b, err)
	}
}
