// Package pystr has Python's str methods that brine needs in more than
// one place, with Python's own rules.
package pystr

import "unicode/utf8"

// SplitLines is Python's str.splitlines: it breaks at every line
// boundary Python knows (\n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028,
// \u2029), keeping the boundaries with keepends. There is no empty last
// line after a final boundary, and "" gives none.
func SplitLines(s string, keepends bool) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		default:
			i += n
			continue
		}
		end := i + n
		if r == '\r' && end < len(s) && s[end] == '\n' {
			end++
		}
		if keepends {
			lines = append(lines, s[start:end])
		} else {
			lines = append(lines, s[start:i])
		}
		start, i = end, end
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
