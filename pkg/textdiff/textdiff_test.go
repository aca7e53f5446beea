package textdiff

import (
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestUnifiedLikeDifflib compares Unified with Python's difflib as Salt's
// get_diff calls it, a last line without its newline included (difflib
// writes it as it is, with no "\ No newline" line).
func TestUnifiedLikeDifflib(t *testing.T) {
	cases := [][2]string{
		{"a\n", "a\n"},
		{"a\nb\n", "a\nc\n"},
		{"a\nb\nc\n", "a\nb\nc\nd\n"},
		{"", "x\n"},
		{"a", "a\n"},
		{"a\n", "a"},
		{"x\ny", "x\nz"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\nfour\n5\n6\n7\n8\n9\nten\n"},
		{"a\r\nb\r\n", "a\r\nc\r\n"},
	}
	var want []string
	pyref.Run(t, "testdata/difflib_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("difflib_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		if got := Unified(c[0], c[1]); got != want[i] {
			t.Errorf("Unified(%q, %q) = %q; difflib %q", c[0], c[1], got, want[i])
		}
	}
}

// TestJoinedLinesLikeSalt compares JoinedLines with Python's difflib as
// Salt's file.append state joins it.
func TestJoinedLinesLikeSalt(t *testing.T) {
	cases := [][2]string{
		{"a\n", "a\n"},
		{"a\nb\n", "a\nb\nc\nd\n"},
		{"", "first\n"},
		{"a", "a\nb\n"},
		{"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "1\n2\n3\nfour\n5\n6\n7\n8\n9\nten\n11\n"},
		{"x\ny\n", "y\nx\n"},
	}
	var want []string
	pyref.Run(t, "testdata/difflib_joined_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("difflib_joined_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	}
	for i, c := range cases {
		if got := JoinedLines(split(c[0]), split(c[1])); got != want[i] {
			t.Errorf("JoinedLines(%q, %q) = %q; difflib %q", c[0], c[1], got, want[i])
		}
	}
}
