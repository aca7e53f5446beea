// Package fnmatch is Python's fnmatch.fnmatchcase, which Salt matches
// minion ids, grain values, requisite and filter_by keys, package
// versions and file names with:
//   - `*` matches any run of characters, `/` and newlines included;
//   - `?` matches one character;
//   - `[seq]` and `[!seq]` match one character of (or not of) the set,
//     with ranges `a-z`; a `[` with no closing `]` is a literal `[`;
//   - there is no escape: `\` is an ordinary character;
//   - case matters (fnmatch.fnmatch is the same on POSIX).
//
// path.Match and filepath.Match differ on each point but the second: `*`
// stops at `/`, `\` escapes, `[^…]` negates, and a bad pattern is an
// error where Python has none.
//
// The pattern is translated as Python's fnmatch.translate does, into a Go
// regular expression, so that what matches is decided the same way.
package fnmatch

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// HasMeta reports whether pattern has a character that fnmatch treats
// specially; without one it matches only itself.
func HasMeta(pattern string) bool { return strings.ContainsAny(pattern, "*?[") }

// Pattern is a compiled pattern, for matching many names.
type Pattern struct {
	literal string
	re      *regexp.Regexp
}

// Compile translates pattern. It never fails: every pattern means
// something to Python, and so here.
func Compile(pattern string) *Pattern {
	if !HasMeta(pattern) || !utf8.ValidString(pattern) {
		// Python works on text; bytes that are not UTF-8 can only be
		// compared as they are.
		return &Pattern{literal: pattern}
	}
	re, err := regexp.Compile(Translate(pattern))
	if err != nil {
		// Translate quotes everything it does not mean, so this is a bug.
		panic("fnmatch: translation of " + pattern + " does not compile: " + err.Error())
	}
	return &Pattern{re: re}
}

// Match is fnmatch.fnmatchcase(name, pattern).
func (p *Pattern) Match(name string) bool {
	if p.re == nil {
		return name == p.literal
	}
	return p.re.MatchString(name)
}

// String is the pattern's translation, or the literal it compares with.
func (p *Pattern) String() string {
	if p.re == nil {
		return p.literal
	}
	return p.re.String()
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*Pattern{}
)

// maxCache bounds the patterns Match remembers; a program that matches
// with more patterns than this compiles them itself.
const maxCache = 1024

// Match is fnmatch.fnmatchcase(name, pattern). Compiled patterns are
// kept, so calling it in a loop costs one compile per pattern.
func Match(pattern, name string) bool {
	if !HasMeta(pattern) {
		return pattern == name
	}
	cacheMu.Lock()
	p, ok := cache[pattern]
	cacheMu.Unlock()
	if !ok {
		p = Compile(pattern)
		cacheMu.Lock()
		if len(cache) >= maxCache {
			clear(cache)
		}
		cache[pattern] = p
		cacheMu.Unlock()
	}
	return p.Match(name)
}

// Translate is Python's fnmatch.translate written for Go's regexp: the
// whole name must match, and `.` matches newlines too.
func Translate(pattern string) string {
	pat := []rune(pattern)
	var b strings.Builder
	b.WriteString(`(?s)^`)
	n := len(pat)
	for i := 0; i < n; {
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
			b.WriteString(class(pat, i, j))
			i = j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return b.String()
}

// never is a class that matches nothing: Go's regexp has no (?!).
const never = `[^\x00-\x{10FFFF}]`

// class translates the set pat[i:j], the text between `[` and `]`. It
// follows fnmatch.translate step by step: split the set at the hyphens
// that make ranges, merge away the ranges whose ends are reversed
// (Python 3.9+), escape, and let `!` first negate. The result is then
// read as Python's re reads a class, and written in Go's class syntax,
// each member quoted, since Go's classes have other metacharacters
// (`[:alpha:]`).
func class(pat []rune, i, j int) string {
	var stuff []rune
	if !containsRune(pat[i:j], '-') {
		stuff = escape(pat[i:j], false)
	} else {
		var chunks [][]rune
		k := i + 1
		if pat[i] == '!' {
			k = i + 2
		}
		for {
			h := indexRune(pat, '-', k, j)
			if h < 0 {
				break
			}
			chunks = append(chunks, pat[i:h])
			i = h + 1
			k = h + 3
		}
		if last := pat[i:j]; len(last) > 0 {
			chunks = append(chunks, last)
		} else {
			chunks[len(chunks)-1] = append(append([]rune{}, chunks[len(chunks)-1]...), '-')
		}
		for k := len(chunks) - 1; k > 0; k-- {
			prev, cur := chunks[k-1], chunks[k]
			if len(prev) > 0 && len(cur) > 0 && prev[len(prev)-1] > cur[0] {
				chunks[k-1] = append(append([]rune{}, prev[:len(prev)-1]...), cur[1:]...)
				chunks = append(chunks[:k], chunks[k+1:]...)
			}
		}
		for k, ch := range chunks {
			if k > 0 {
				stuff = append(stuff, '-')
			}
			stuff = append(stuff, escape(ch, true)...)
		}
	}
	var escSet []rune // set operations (&& ~~ ||) are escaped, as Python does
	for _, r := range stuff {
		if r == '&' || r == '~' || r == '|' {
			escSet = append(escSet, '\\')
		}
		escSet = append(escSet, r)
	}
	stuff = escSet
	switch {
	case len(stuff) == 0:
		return never // "[]" cannot match
	case len(stuff) == 1 && stuff[0] == '!':
		return `.` // "[!]" matches any one character
	}
	negate := stuff[0] == '!'
	if negate {
		stuff = stuff[1:]
	}
	// Read the class as re does: \x is the literal x, a-b a range, a
	// hyphen first or last a literal, and a ] first a literal.
	type item struct{ lo, hi rune }
	var items []item
	next := func(p int) (rune, int) {
		if stuff[p] == '\\' && p+1 < len(stuff) {
			return stuff[p+1], p + 2
		}
		return stuff[p], p + 1
	}
	for p := 0; p < len(stuff); {
		lo, q := next(p)
		if q < len(stuff) && stuff[q] == '-' && q+1 < len(stuff) {
			hi, r := next(q + 1)
			if hi < lo {
				return never // re.error in Python: the pattern cannot match anything
			}
			items = append(items, item{lo, hi})
			p = r
			continue
		}
		items = append(items, item{lo, lo})
		p = q
	}
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	for _, it := range items {
		b.WriteString(quoteClassRune(it.lo))
		if it.hi != it.lo {
			b.WriteByte('-')
			b.WriteString(quoteClassRune(it.hi))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// escape doubles backslashes, and with hyphens also escapes hyphens, as
// fnmatch.translate does to a chunk of a set.
func escape(rs []rune, hyphens bool) []rune {
	out := make([]rune, 0, len(rs))
	for _, r := range rs {
		if r == '\\' || hyphens && r == '-' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return out
}

func containsRune(rs []rune, r rune) bool { return indexRune(rs, r, 0, len(rs)) >= 0 }

func indexRune(rs []rune, r rune, from, to int) int {
	for k := from; k < to; k++ {
		if rs[k] == r {
			return k
		}
	}
	return -1
}

func quoteClassRune(r rune) string {
	switch r {
	case '\\', ']', '[', '^', '-':
		return `\` + string(r)
	}
	return string(r)
}
