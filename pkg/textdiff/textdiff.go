// Package textdiff makes the unified diffs that file states report as
// changes, in the shape Salt shows them.
package textdiff

import (
	"github.com/pmezard/go-difflib/difflib"
)

// Unified returns a unified diff of old and new with three lines of
// context, or "" when they are equal.
func Unified(old, new string) string {
	if old == new {
		return ""
	}
	d := difflib.UnifiedDiff{
		A:        difflib.SplitLines(old),
		B:        difflib.SplitLines(new),
		FromFile: "",
		ToFile:   "",
		Context:  3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		// GetUnifiedDiffString only fails when its writer does; a string
		// builder never does.
		return ""
	}
	return s
}
