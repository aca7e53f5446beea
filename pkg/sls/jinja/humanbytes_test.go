package jinja

import (
	"fmt"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestHumanToBytesLikeSalt runs Salt's human_to_bytes in Python on the
// same inputs as brine's.
func TestHumanToBytesLikeSalt(t *testing.T) {
	var cases [][]any
	for _, s := range []string{"1024", "1 KB", "1.5M", "1kb", "1KiB", "2G", "30MB", "64KiB", "1.5", "", "x", "1 X", "0.5k", "3 b", " 7 ", "1.2.3k", ".5k", "10Mi", "1tb"} {
		for _, metric := range []bool{false, true} {
			cases = append(cases, []any{s, "B", metric})
		}
	}
	cases = append(cases, []any{"5", "K", false}, []any{"5", "kb", true})
	var want []float64
	pyref.Run(t, "testdata/human_to_bytes_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("human_to_bytes_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		got := humanToBytes(c[0].(string), c[1].(string), c[2].(bool))
		if fmt.Sprint(got) != fmt.Sprint(int64(want[i])) {
			t.Errorf("human_to_bytes(%q, %q, %v) = %v; Salt: %v", c[0], c[1], c[2], got, int64(want[i]))
		}
	}
}
