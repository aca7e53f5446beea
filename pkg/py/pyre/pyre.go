// Package pyre runs Python's regular expressions on Go's RE2, for the
// places Salt takes a Python pattern: pcre targets (E@, P@), the file
// states' pattern arguments, and the regex_* filters and file.search in
// Jinja.
//
// The two syntaxes agree on most of what state trees write. Translate
// rewrites what RE2 spells differently (\Z, {,n}, \uXXXX, Unicode \d \w
// \s) and refuses, with a message that says so, what RE2 cannot do
// (lookarounds, backreferences, atomic groups, possessive quantifiers,
// verbose mode).
//
// Known differences that remain, each shown by a row of the test table:
// `$` without MULTILINE matches only at the very end (Python also matches
// before a final newline); \b, \B, and \W and \S inside a set, are
// ASCII; an empty match right after another match is not replaced by Sub
// (re.sub replaces it since Python 3.7).
package pyre

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Flag is one of Python's re flags, with Python's values, as Salt's
// integer flags arguments give them.
type Flag int

const (
	IgnoreCase Flag = 2   // re.I
	Locale     Flag = 4   // re.L: refused
	Multiline  Flag = 8   // re.M
	DotAll     Flag = 16  // re.S
	Unicode    Flag = 32  // re.U: the default for text, a no-op
	Verbose    Flag = 64  // re.X: refused
	ASCII      Flag = 256 // re.A: \d \w \s match ASCII only
)

// CheckFlags refuses the flags RE2 has no equivalent for.
func CheckFlags(f Flag) error {
	if f&Verbose != 0 {
		return errors.New("VERBOSE is not supported by Go's RE2; write the pattern without comments and free spacing")
	}
	if f&Locale != 0 {
		return errors.New("LOCALE is not supported")
	}
	return nil
}

// The Unicode classes of Python's \d \w \s for text, as RE2 classes
// without their brackets, so that they also fit inside a set. Python's
// \s is str.isspace(): Unicode's White_Space and the four separators
// \x1c-\x1f; its \w is str.isalnum() and _.
const (
	digitClass = `\p{Nd}`
	wordClass  = `\p{L}\p{N}_`
	spaceClass = `\t-\r\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`
	// ASCII mode's \s: RE2's \s lacks \v.
	asciiSpaceClass = `\t-\r `
)

// Translate rewrites a Python pattern, with flags, into RE2 syntax:
//
//	\Z                 -> \z (end of text)
//	{,n}               -> {0,n}
//	\uXXXX, \UXXXXXXXX -> \x{…}
//	\d \D \w \W \s \S  -> their Unicode classes, unless ASCII
//	(?u) (?a) (?L)     -> dropped (no-ops, or ASCII mode)
//	IGNORECASE, MULTILINE, DOTALL -> a leading (?ims)
//
// Lookarounds, backreferences ((?P=name), \1…), atomic groups,
// possessive quantifiers, comments and verbose mode are refused with an
// error that names them. (?P<name>…) and inline (?i) (?m) (?s) are the
// same in both.
func Translate(p string, flags Flag) (string, error) {
	if err := CheckFlags(flags); err != nil {
		return "", err
	}
	if err := repeatedAssertion(p); err != nil {
		return "", err
	}
	ascii := flags&ASCII != 0 || leadingFlags(p, 'a')
	var b strings.Builder
	prefix := ""
	if flags&IgnoreCase != 0 {
		prefix += "i"
	}
	if flags&Multiline != 0 {
		prefix += "m"
	}
	if flags&DotAll != 0 {
		prefix += "s"
	}
	if prefix != "" {
		b.WriteString("(?" + prefix + ")")
	}
	inClass := false
	classStart := false // just after [ or [^, where ] is a literal
	for i := 0; i < len(p); i++ {
		c := p[i]
		first := classStart
		classStart = false
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			i++
			switch {
			case isASCIILetter(n) && !strings.ContainsRune(pyEscapes, rune(n)):
				// Python refuses an escaped letter it does not know;
				// RE2 would read some (\Q, \p, \z) as its own.
				return "", fmt.Errorf("pattern %q: bad escape \\%c", p, n)
			case n == 'Z' && !inClass:
				b.WriteString(`\z`)
			case n >= '1' && n <= '9' && !inClass:
				return "", fmt.Errorf("pattern %q: backreference \\%c is not supported by Go's RE2", p, n)
			case n == 'u' && i+4 < len(p) && isHex(p[i+1:i+5]):
				b.WriteString(`\x{` + p[i+1:i+5] + `}`)
				i += 4
			case n == 'U' && i+8 < len(p) && isHex(p[i+1:i+9]):
				b.WriteString(`\x{` + p[i+1:i+9] + `}`)
				i += 8
			case n == 'N':
				return "", fmt.Errorf("pattern %q: named characters \\N{…} are not supported; write the character itself", p)
			case n == 'd' && !ascii:
				b.WriteString(wrap(digitClass, inClass))
			case n == 'D' && !ascii:
				b.WriteString(`\P{Nd}`)
			case n == 'w' && !ascii:
				b.WriteString(wrap(wordClass, inClass))
			case n == 'W' && !ascii && !inClass:
				b.WriteString(`[^` + wordClass + `]`)
			case n == 's':
				cls := spaceClass
				if ascii {
					cls = asciiSpaceClass
				}
				b.WriteString(wrap(cls, inClass))
			case n == 'S' && !inClass:
				cls := spaceClass
				if ascii {
					cls = asciiSpaceClass
				}
				b.WriteString(`[^` + cls + `]`)
			default:
				b.WriteByte(c)
				b.WriteByte(n)
			}
		case inClass:
			if c == ']' && !first {
				inClass = false
				b.WriteByte(c)
			} else if c == ']' || c == '[' {
				// A ] first is a literal in both; a [ inside is a literal
				// in Python but may start [:alpha:] in RE2.
				b.WriteString(`\` + string(c))
			} else {
				b.WriteByte(c)
			}
		case c == '[':
			inClass, classStart = true, true
			b.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case c == '(' && strings.HasPrefix(p[i:], "(?"):
			rest := p[i+2:]
			switch {
			case strings.HasPrefix(rest, "<=") || strings.HasPrefix(rest, "<!"):
				return "", fmt.Errorf("pattern %q: lookbehind (?%s…) is not supported by Go's RE2; match the text and keep it with a group in repl", p, rest[:2])
			case strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "!"):
				return "", fmt.Errorf("pattern %q: lookahead (?%s…) is not supported by Go's RE2; match the text and keep it with a group in repl", p, rest[:1])
			case strings.HasPrefix(rest, "P="):
				return "", fmt.Errorf("pattern %q: backreference (?P=…) is not supported by Go's RE2", p)
			case strings.HasPrefix(rest, ">"):
				return "", fmt.Errorf("pattern %q: atomic group (?>…) is not supported by Go's RE2", p)
			case strings.HasPrefix(rest, "#"):
				return "", fmt.Errorf("pattern %q: comment group (?#…) is not supported by Go's RE2", p)
			case strings.HasPrefix(rest, "("):
				return "", fmt.Errorf("pattern %q: conditional group (?(…)…) is not supported by Go's RE2", p)
			}
			// inline flags: drop Python's no-ops a/u/L, refuse x
			j := 0
			for j < len(rest) && strings.IndexByte("aiLmsux-", rest[j]) >= 0 {
				j++
			}
			if j > 0 && j < len(rest) && (rest[j] == ')' || rest[j] == ':') {
				fl := rest[:j]
				if strings.ContainsRune(fl, 'x') {
					return "", fmt.Errorf("pattern %q: verbose flag (?x) is not supported by Go's RE2", p)
				}
				fl = strings.NewReplacer("a", "", "u", "", "L", "").Replace(fl)
				if fl == "" || fl == "-" {
					if rest[j] == ')' {
						i += 2 + j // the whole (?u) goes
						continue
					}
					b.WriteString("(?:")
					i += 2 + j
					continue
				}
				b.WriteString("(?" + fl)
				i += 1 + j
				continue
			}
			b.WriteByte(c)
		case c == '{' && strings.HasPrefix(p[i:], "{,"):
			b.WriteString("{0,")
			i++
		case c == '+' && i > 0 && strings.IndexByte("*+?}", p[i-1]) >= 0 && !escaped(p, i-1):
			return "", fmt.Errorf("pattern %q: possessive quantifier is not supported by Go's RE2", p)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// repeatedAssertion refuses a quantifier right after ^, $, \A, \Z, \b or
// \B, as Python's sre_parse does ("nothing to repeat"); RE2 takes it, and
// `\A*b*\Z` would match any text there.
func repeatedAssertion(p string) error {
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		end := -1 // where an assertion ends
		switch {
		case c == '\\' && i+1 < len(p):
			if !inClass && strings.IndexByte("AZbB", p[i+1]) >= 0 {
				end = i + 2
			}
			i++
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			// a ] first (after an optional ^) is a literal
			if i+1 < len(p) && p[i+1] == '^' {
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++
			}
		case c == '^' || c == '$':
			end = i + 1
		}
		if end < 0 || end >= len(p) {
			continue
		}
		if n := p[end]; n == '*' || n == '+' || n == '?' || n == '{' && isRepeat(p[end:]) {
			return fmt.Errorf("pattern %q: nothing to repeat at position %d", p, end)
		}
	}
	return nil
}

// isRepeat reports whether s starts with a {m,n} quantifier as Python
// reads one: {m}, {m,}, {,n} or {m,n}.
func isRepeat(s string) bool {
	j := strings.IndexByte(s, '}')
	if j < 2 {
		return false
	}
	body := s[1:j]
	lo, hi, comma := strings.Cut(body, ",")
	digits := func(x string) bool { return strings.Trim(x, "0123456789") == "" }
	if !digits(lo) || !digits(hi) {
		return false
	}
	return lo != "" || comma
}

// wrap puts a class's members in brackets, unless they go into a set.
func wrap(members string, inClass bool) string {
	if inClass {
		return members
	}
	return "[" + members + "]"
}

// leadingFlags reports whether the pattern starts with an inline flag
// group, (?aim) and the like, that holds flag.
func leadingFlags(p string, flag byte) bool {
	if !strings.HasPrefix(p, "(?") {
		return false
	}
	for i := 2; i < len(p); i++ {
		switch {
		case p[i] == ')':
			return false
		case p[i] == flag:
			return true
		case strings.IndexByte("aiLmsux", p[i]) < 0:
			return false
		}
	}
	return false
}

// pyEscapes are the escaped letters Python's re knows in a pattern.
const pyEscapes = "abBdDfnrsStvwWxAZNuU"

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// escaped reports whether p[i] is preceded by an odd number of backslashes.
func escaped(p string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && p[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// Compile translates and compiles a pattern for re.search: a match may
// start anywhere.
func Compile(pattern string, flags Flag) (*regexp.Regexp, error) {
	tr, err := Translate(pattern, flags)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(tr)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", pattern, err)
	}
	return re, nil
}

// CompileMatch compiles a pattern for re.match: the match must start at
// the beginning of the text (not of a line, even with MULTILINE).
func CompileMatch(pattern string, flags Flag) (*regexp.Regexp, error) {
	tr, err := Translate(pattern, flags)
	if err != nil {
		return nil, err
	}
	// The flags group first: Go, like Python, wants it to lead.
	lead := ""
	if strings.HasPrefix(tr, "(?") && !strings.HasPrefix(tr, "(?:") && !strings.HasPrefix(tr, "(?P") {
		if end := strings.IndexByte(tr, ')'); end > 0 && !strings.ContainsRune(tr[:end], ':') {
			lead, tr = tr[:end+1], tr[end+1:]
		}
	}
	re, err := regexp.Compile(lead + `\A(?:` + tr + `)`)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", pattern, err)
	}
	return re, nil
}

// MustCompile is Compile for patterns fixed in the program.
func MustCompile(pattern string, flags Flag) *regexp.Regexp {
	re, err := Compile(pattern, flags)
	if err != nil {
		panic(err)
	}
	return re
}

// Escape is Python 3.7+'s re.escape: a backslash before each character
// that means something in a pattern, and before the whitespace that
// verbose mode would drop. The result means the same text to RE2.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Template translates a re.sub replacement into a template for
// regexp.Expand: \1, \12 and \g<1> become ${1}, \g<name> ${name}, a $
// becomes $$; \n \t \r \f \v \a \b are their characters, \0 and \ooo
// octal ones, \\ a backslash. An escaped ASCII letter Python does not
// know is an error, as in Python; any other escape is kept as it is. A
// group re does not have is an error too, when re is given.
func Template(re *regexp.Regexp, repl string) (string, error) {
	var b strings.Builder
	group := func(ref string) error {
		if re != nil {
			n, err := strconv.Atoi(ref)
			if err == nil && n > re.NumSubexp() || err != nil && re.SubexpIndex(ref) < 0 {
				return fmt.Errorf("repl %q: invalid group reference %s", repl, ref)
			}
		}
		b.WriteString("${" + ref + "}")
		return nil
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c == '$' {
			b.WriteString("$$")
			continue
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(repl) {
			return "", fmt.Errorf("repl %q: bad escape (end of pattern)", repl)
		}
		n := repl[i+1]
		switch {
		case n == '0' || n <= '7' && n >= '1' && i+3 < len(repl) && isOctal(repl[i+1:i+4]):
			// \0 with up to two more octal digits, or three octal digits:
			// a character code.
			j := i + 2
			for j < len(repl) && j < i+4 && repl[j] >= '0' && repl[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(repl[i+1:j], 8, 32)
			if v > 0o377 {
				return "", fmt.Errorf("repl %q: octal escape value \\%s outside of range 0-0o377", repl, repl[i+1:j])
			}
			b.WriteRune(rune(v))
			i = j - 1
			continue
		case n >= '1' && n <= '9':
			j := i + 2
			if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			if err := group(repl[i+1 : j]); err != nil {
				return "", err
			}
			i = j - 1
			continue
		case n == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+2 >= len(repl) || repl[i+2] != '<' || end < 0 {
				return "", fmt.Errorf("repl %q: missing < or > in \\g<…>", repl)
			}
			name := repl[i+3 : i+end]
			if name == "" {
				return "", fmt.Errorf("repl %q: missing group name in \\g<>", repl)
			}
			if err := group(name); err != nil {
				return "", err
			}
			i += end
			continue
		case n == 'n':
			b.WriteByte('\n')
		case n == 't':
			b.WriteByte('\t')
		case n == 'r':
			b.WriteByte('\r')
		case n == 'f':
			b.WriteByte('\f')
		case n == 'v':
			b.WriteByte('\v')
		case n == 'a':
			b.WriteByte('\a')
		case n == 'b':
			b.WriteByte('\b')
		case n == '\\':
			b.WriteByte('\\')
		case n < utf8.RuneSelf && (n >= 'a' && n <= 'z' || n >= 'A' && n <= 'Z'):
			return "", fmt.Errorf("repl %q: bad escape \\%c", repl, n)
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
		}
		i++
	}
	return b.String(), nil
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// Sub is re.subn(pattern, repl, s, count) with a Template: it replaces
// the first count matches (all when count is 0) and says how many it
// replaced.
func Sub(re *regexp.Regexp, template, s string, count int) (string, int) {
	n := -1
	if count > 0 {
		n = count
	}
	ms := re.FindAllStringSubmatchIndex(s, n)
	if len(ms) == 0 {
		return s, 0
	}
	out := make([]byte, 0, len(s))
	last := 0
	for _, m := range ms {
		out = append(out, s[last:m[0]]...)
		out = re.ExpandString(out, template, s, m)
		last = m[1]
	}
	return string(append(out, s[last:]...)), len(ms)
}
