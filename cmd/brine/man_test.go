//go:build genman

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states"
)

// TestManPagesFresh fails when docs/man is not what `go generate
// ./docs/gen` writes from the command tree and the state declarations.
func TestManPagesFresh(t *testing.T) {
	pages, err := manPages(newRootCmd(&streams{in: strings.NewReader(""), out: &bytes.Buffer{}, err: &bytes.Buffer{}}))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "..", "docs", "man")
	onDisk, _ := filepath.Glob(filepath.Join(dir, "*.[178]"))
	for _, p := range onDisk {
		if _, ok := pages[filepath.Base(p)]; !ok {
			t.Errorf("%s is no longer generated: run go generate ./docs/gen", p)
		}
	}
	var names []string
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil || !bytes.Equal(got, pages[n]) {
			t.Errorf("docs/man/%s is stale or missing: run go generate ./docs/gen", n)
		}
	}
	for _, want := range []string{"brine.1", "brine-master.8", "brine-minion.8", "brine-key-accept.1", "brine-jobs-lookup.1"} {
		if _, ok := pages[want]; !ok {
			t.Errorf("no page %s", want)
		}
	}
	if !bytes.Contains(pages["brine.1"], []byte(`\fBbrine-master(8)\fP`)) {
		t.Errorf("brine(1) does not point at brine-master(8)")
	}
}

// TestStatesPage: brine-states(7) documents every registered state
// function with its arguments, and the global arguments.
func TestStatesPage(t *testing.T) {
	page := string(statesPage())
	for _, n := range states.Names() {
		if !strings.Contains(page, ".SS "+roffEscape(n)+"\n") {
			t.Errorf("brine-states(7) lacks %s", n)
		}
	}
	for _, want := range []string{".TH \"BRINE-STATES\" \"7\"", ".SH GLOBAL ARGUMENTS", "\\(bu 2\nname (string)"} {
		if !strings.Contains(page, want) {
			t.Errorf("brine-states(7) lacks %q", want)
		}
	}
}

// TestGenMan: gen-man writes the command pages and brine-states(7), and
// --states=false leaves the latter out.
func TestGenMan(t *testing.T) {
	for _, tc := range []struct {
		flag   string
		states bool
	}{{"--states=true", true}, {"--states=false", false}} {
		dir := t.TempDir()
		if _, code := runOut(t, "gen-man", tc.flag, dir); code != 0 {
			t.Fatalf("gen-man %s: exit %d", tc.flag, code)
		}
		_, err := os.Stat(filepath.Join(dir, statesPageName))
		if (err == nil) != tc.states {
			t.Errorf("gen-man %s: brine-states.7 written = %v; want %v", tc.flag, err == nil, tc.states)
		}
		if _, err := os.Stat(filepath.Join(dir, "brine-minion.8")); err != nil {
			t.Errorf("gen-man %s: %v", tc.flag, err)
		}
	}
}
