package textdiff

import (
	"strings"
	"testing"
)

func TestUnified(t *testing.T) {
	if d := Unified("a\n", "a\n"); d != "" {
		t.Fatalf("Unified(equal) = %q; want empty", d)
	}
	d := Unified("a\nb\n", "a\nc\n")
	for _, want := range []string{"@@", "-b\n", "+c\n"} {
		if !strings.Contains(d, want) {
			t.Fatalf("Unified = %q; want it to contain %q", d, want)
		}
	}
}
