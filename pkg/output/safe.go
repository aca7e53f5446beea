package output

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every string a minion sent (an id, a key, a value, a comment, a diff, a
// state id or name) passes through Safe or SafeText before a human
// outputter writes it, so that a return cannot drive the operator's
// terminal: clear the screen, set the window title, move the cursor back
// over brine's own summary and print a fake one. brine's colours are
// added around the escaped text, never taken from it. The data
// outputters (json, yaml, raw) are left exact: they escape by their own
// rules.

// Safe returns s fit to print as part of one line: every C0 and C1
// control character, DEL, ESC, newline and tab included, and every byte
// that is not UTF-8, is written as a visible escape (\x1b, \r, \n, \x9b);
// bidirectional controls and the Unicode line separators are written as
// \u202e, so that text cannot be reordered or broken behind the reader's
// back.
func Safe(s string) string { return escape(s, oneLine) }

// SafeText is Safe for a value that is printed over several lines (a
// diff, a command's output, a comment): newlines and tabs stay, and a
// CRLF line end is a newline; every other control character is escaped.
func SafeText(s string) string { return escape(s, multiLine) }

// How much layout escape lets through.
type escapeMode int

const (
	oneLine    escapeMode = iota // nothing: every control character is escaped
	lineOfText                   // tabs, inside one line of a value
	multiLine                    // tabs and newlines
)

func escape(s string, mode escapeMode) string {
	if isClean(s, mode) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// A byte that is not UTF-8: a terminal in a legacy mode
			// would read 0x9b as CSI.
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' && mode >= lineOfText, r == '\n' && mode == multiLine:
			b.WriteRune(r)
		case r == '\r' && mode == multiLine && i+1 < len(s) && s[i+1] == '\n':
			// CRLF: the newline that follows ends the line.
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case isInvisibleFormat(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isClean is the fast path: most strings have nothing to escape.
func isClean(s string, mode escapeMode) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return isCleanUTF8(s[i:])
		case c == '\t' && mode >= lineOfText, c == '\n' && mode == multiLine:
		case c < 0x20 || c == 0x7f:
			return false
		}
	}
	return true
}

func isCleanUTF8(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || isControl(r) || isInvisibleFormat(r) {
			return false
		}
		i += size
	}
	return true
}

// isControl is C0, DEL and C1 (0x80–0x9f, where 0x9b is a one-character
// CSI on terminals that honour C1).
func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }

// isInvisibleFormat is what reorders or breaks text without showing:
// bidirectional overrides and isolates (the "Trojan Source" characters)
// and the Unicode line and paragraph separators.
func isInvisibleFormat(r rune) bool {
	return r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Bidi_Control, r)
}
