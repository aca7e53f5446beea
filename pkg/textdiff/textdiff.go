// Package textdiff makes the unified diffs that file states report as
// changes, in the shape Salt shows them.
package textdiff

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Unified returns a unified diff of old and new with three lines of
// context, or "" when they are equal.
func Unified(old, new string) string {
	if old == new {
		return ""
	}
	d := difflib.UnifiedDiff{
		A:       splitLines(old),
		B:       splitLines(new),
		Context: 3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		// GetUnifiedDiffString only fails when its writer does; a string
		// builder never does.
		return ""
	}
	return s
}

// splitLines splits text into lines that keep their "\n", as Python's
// splitlines(True) does (difflib's own SplitLines adds an empty line after
// a final newline). A last line with no newline stays so, and is written
// as it is, as Python's difflib writes it.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if last := len(lines) - 1; lines[last] == "" {
		return lines[:last]
	}
	return lines
}
