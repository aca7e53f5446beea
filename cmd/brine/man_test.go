package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
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
	for _, want := range []string{"brine.1", "brine-master.8", "brine-minion.8", "brine-states.7", "brine-key-accept.1", "brine-jobs-lookup.1"} {
		if _, ok := pages[want]; !ok {
			t.Errorf("no page %s", want)
		}
	}
	if !bytes.Contains(pages["brine.1"], []byte(`\fBbrine-master(8)\fP`)) {
		t.Errorf("brine(1) does not point at brine-master(8)")
	}
	if !bytes.Contains(pages["brine-states.7"], []byte("file.managed")) {
		t.Errorf("brine-states(7) does not document file.managed")
	}
}
