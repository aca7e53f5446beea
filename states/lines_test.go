package states

import "testing"

func TestLinesSplitJoin(t *testing.T) {
	for _, in := range []string{"", "a\n", "a\nb", "a\n\nb\n", "\n"} {
		got := string(linesJoin(linesSplit([]byte(in)), func(s string) string { return s }, []byte(in)))
		if got != in {
			t.Errorf("linesJoin(linesSplit(%q)) = %q; want the same bytes", in, got)
		}
	}
}
