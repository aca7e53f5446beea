package output

import (
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestPformatAsPython: --out pprint writes what Python's pprint.pformat
// does (Salt's pprint outputter): reprs that fit on the line, dicts and
// lists an item a line under their bracket, long strings cut after
// blanks, checked against Python.
func TestPformatAsPython(t *testing.T) {
	seq := make([]any, 30)
	for i := range seq {
		seq[i] = i
	}
	cases := []any{
		map[string]any{"local": "short"},
		map[string]any{"local": strings.Repeat("word ", 30)},
		map[string]any{"local": []any{strings.Repeat("alpha beta gamma delta ", 3), map[string]any{"k": strings.Repeat("x ", 50), "a": []any{1, 2.5, nil, true}}}},
		map[string]any{"local": map[string]any{"nested": map[string]any{"deeper": map[string]any{"list": seq, "s": "line one\nline two is longer " + strings.Repeat("y ", 40)}}}},
		map[string]any{"local": []any{[]any{}, map[string]any{}, "", []any{[]any{strings.Repeat("a", 30), strings.Repeat("b", 30)}, strings.Repeat("c", 30)}}},
		map[string]any{"local": strings.Repeat("héllo wörld ünïcode ", 6)},
		map[string]any{"m1": map[string]any{"z": 1, "a": strings.Repeat("q", 90)}, "m0": "it's \"quoted\"\ttab " + strings.Repeat("w ", 40)},
		"a top level string that is long enough to need wrapping because it exceeds eighty chars by some",
		"one\r\ntwo\rthree\n",
	}
	var want []string
	pyref.Run(t, "testdata/pprint_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("pprint_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		if got := Pformat(c); got != want[i] {
			t.Errorf("case %d: brine writes\n%s\nPython\n%s", i, got, want[i])
		}
	}
}
