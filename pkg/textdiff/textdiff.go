// Package textdiff makes the unified diffs that file states report as
// changes, in the shape Salt shows them.
package textdiff

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Unified returns a unified diff of old and new with three lines of
// context, or "" when they are equal.
func Unified(old, new string) string {
	if old == new {
		return ""
	}
	return UnifiedItems(SplitLines(old), SplitLines(new))
}

// UnifiedItems is Unified over lists of items as Salt builds them, where
// an item may hold several lines (file.replace's not_found_content is
// one item however many lines it has, and its diff shows it so).
func UnifiedItems(old, new []string) string {
	d := difflib.UnifiedDiff{
		A:       old,
		B:       new,
		Context: 3,
	}
	if slices.Equal(old, new) {
		return ""
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil {
		// GetUnifiedDiffString only fails when its writer does; a string
		// builder never does.
		return ""
	}
	return s
}

// SplitLines splits text into lines that keep their "\n", as Python's
// splitlines(True) does (difflib's own SplitLines adds an empty line after
// a final newline). A last line with no newline stays so, and is written
// as it is, as Python's difflib writes it.
func SplitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if last := len(lines) - 1; lines[last] == "" {
		return lines[:last]
	}
	return lines
}

// JoinedLines is "\n".join(difflib.unified_diff(old, new)) for lines
// without their line ends, the shape of file.append's changes in Salt:
// each header item keeps difflib's "\n", so a blank line follows it, and
// the lines are joined by "\n" with none after the last. "" when equal.
func JoinedLines(old, new []string) string {
	m := difflib.NewMatcher(old, new)
	var items []string
	for _, g := range m.GetGroupedOpCodes(3) {
		if items == nil {
			items = append(items, "--- \n", "+++ \n")
		}
		first, last := g[0], g[len(g)-1]
		items = append(items, fmt.Sprintf("@@ -%s +%s @@\n", unifiedRange(first.I1, last.I2), unifiedRange(first.J1, last.J2)))
		for _, c := range g {
			if c.Tag == 'e' {
				for _, l := range old[c.I1:c.I2] {
					items = append(items, " "+l)
				}
				continue
			}
			if c.Tag == 'r' || c.Tag == 'd' {
				for _, l := range old[c.I1:c.I2] {
					items = append(items, "-"+l)
				}
			}
			if c.Tag == 'r' || c.Tag == 'i' {
				for _, l := range new[c.J1:c.J2] {
					items = append(items, "+"+l)
				}
			}
		}
	}
	return strings.Join(items, "\n")
}

// unifiedRange is difflib's _format_range_unified.
func unifiedRange(start, stop int) string {
	begin, length := start+1, stop-start
	switch length {
	case 1:
		return strconv.Itoa(begin)
	case 0:
		begin--
	}
	return fmt.Sprintf("%d,%d", begin, length)
}
