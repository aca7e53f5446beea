package top

import (
	"regexp"
	"strings"
)

// globRegexp turns a shell glob into an anchored Go regular expression
// with the semantics of Python's fnmatch.translate, which is what Salt
// matches minion ids and grain values with:
//   - `*` matches any run of characters, `/` and newlines included;
//   - `?` matches one character;
//   - `[seq]`, `[!seq]` and ranges `[a-z]` match one character of (or not
//     of) the set; a `[` with no closing `]` is a literal `[`;
//   - there is no backslash escape: `\` is an ordinary character.
//
// path.Match differs on each of the first, third and last points, which is
// why brine has its own translation.
func globRegexp(pat string) string {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	i, n := 0, len(pat)
	for i < n {
		c := pat[i]
		i++
		switch c {
		case '*':
			for i < n && pat[i] == '*' {
				i++
			}
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i
			if j < n && pat[j] == '!' {
				j++
			}
			if j < n && pat[j] == ']' {
				j++
			}
			for j < n && pat[j] != ']' {
				j++
			}
			if j >= n {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(bracketClass(pat[i:j]))
			i = j + 1
		default:
			// Quote one whole UTF-8 sequence at a time so that multi-byte
			// characters stay intact.
			start := i - 1
			for i < n && pat[i]&0xC0 == 0x80 {
				i++
			}
			b.WriteString(regexp.QuoteMeta(pat[start:i]))
		}
	}
	b.WriteString(`$`)
	return b.String()
}

// bracketClass renders the inside of a glob `[...]` as a Go character
// class. Python keeps the set's text nearly as is; Go's class syntax has
// other metacharacters, so each member is quoted one by one.
func bracketClass(set string) string {
	negate := false
	if strings.HasPrefix(set, "!") {
		negate = true
		set = set[1:]
	}
	runes := []rune(set)
	if len(runes) == 0 {
		if negate {
			return `.` // Python: "[!]" matches any one character
		}
		return `[^\x00-\x{10FFFF}]` // Python: "[]" cannot match
	}
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	members := 0
	for k := 0; k < len(runes); k++ {
		lo := runes[k]
		if k+2 < len(runes) && runes[k+1] == '-' {
			hi := runes[k+2]
			k += 2
			if hi < lo {
				continue // Python 3.9+ drops a reversed range
			}
			b.WriteString(quoteClassRune(lo))
			b.WriteByte('-')
			b.WriteString(quoteClassRune(hi))
			members++
			continue
		}
		b.WriteString(quoteClassRune(lo))
		members++
	}
	b.WriteByte(']')
	if members == 0 {
		if negate {
			return `.`
		}
		return `[^\x00-\x{10FFFF}]`
	}
	return b.String()
}

func quoteClassRune(r rune) string {
	switch r {
	case '\\', ']', '[', '^', '-':
		return `\` + string(r)
	}
	return string(r)
}

// compileGlob compiles a glob; the translation always yields a valid
// expression, so a failure is a bug and reported as an error, not a panic.
func compileGlob(pat string) (*regexp.Regexp, error) {
	return regexp.Compile(globRegexp(pat))
}

// hasGlobMeta reports whether s has any character that globbing treats
// specially.
func hasGlobMeta(s string) bool {
	return strings.ContainsAny(s, "*?[")
}
