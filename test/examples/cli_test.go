package examples

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/brine-cm/brine/docs/gen"
)

var update = flag.Bool("update", false, "rewrite docs/cli.md from the binary's help")

// TestCLIDocFresh fails when docs/cli.md is not what the binary's own
// help says now. Fix: go generate ./docs/gen (or go test ./test/examples
// -run CLIDoc -update).
func TestCLIDocFresh(t *testing.T) {
	want, err := gen.CLIDoc(context.Background(), brineBin)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(moduleRoot, "docs", "cli.md")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/cli.md is stale: run go generate ./docs/gen\n%s", firstDiff(string(got), want))
	}
}

// firstDiff shows where two texts part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-200, 0)
	return "docs/cli.md has:\n" + a[lo:min(i+200, len(a))] + "\n\nthe binary says:\n" + b[lo:min(i+200, len(b))]
}
