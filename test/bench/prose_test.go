package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProseInPerformanceDoc: the prose scripts/bench.sh writes between
// the tables comes from test/bench/prose, and docs/PERFORMANCE.md holds
// each piece as written. Prose edited in the document alone would be lost
// at the next `make bench`; edited in prose/ alone, the document would
// not say it until then.
func TestProseInPerformanceDoc(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "PERFORMANCE.md"))
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "scripts", "bench.sh"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("prose", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no prose in test/bench/prose (%v)", err)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(script), `"$prose/`+filepath.Base(f)+`"`) {
			t.Errorf("scripts/bench.sh does not write %s", f)
		}
		if !strings.Contains(string(doc), string(text)) {
			t.Errorf("docs/PERFORMANCE.md does not hold %s as written: edit the prose there and in the file alike", f)
		}
	}
}
