package states

// Salt's file states take Python regular expressions; Go has RE2. The two
// agree on most of what SLS files use, and this file translates the rest or
// refuses it with a message that says what to write instead.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Python re flag values, as Salt's integer flags argument uses them.
const (
	filePyIgnoreCase = 2
	filePyLocale     = 4
	filePyMultiline  = 8
	filePyDotAll     = 16
	filePyUnicode    = 32
	filePyVerbose    = 64
	filePyASCII      = 256
)

// fileRegexFlags reads Salt's flags argument: a list of names such as
// IGNORECASE, MULTILINE, DOTALL (re.I, I also work), or an integer sum.
func fileRegexFlags(v any, def int) (int, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case int:
		return t, fileCheckFlags(t)
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, fileCheckFlags(n)
		}
		return fileRegexFlags([]any{t}, def)
	case []any:
		n := 0
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return 0, fmt.Errorf("want flag names such as IGNORECASE, got %v", e)
			}
			switch strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "RE.") {
			case "I", "IGNORECASE":
				n |= filePyIgnoreCase
			case "M", "MULTILINE":
				n |= filePyMultiline
			case "S", "DOTALL":
				n |= filePyDotAll
			case "U", "UNICODE":
				n |= filePyUnicode
			case "A", "ASCII":
				n |= filePyASCII
			case "L", "LOCALE":
				n |= filePyLocale
			case "X", "VERBOSE":
				n |= filePyVerbose
			default:
				return 0, fmt.Errorf("unknown flag %q (want IGNORECASE, MULTILINE or DOTALL)", s)
			}
		}
		return n, fileCheckFlags(n)
	}
	return 0, fmt.Errorf("want a list of flag names or an integer, got %s", typeName(v))
}

func fileCheckFlags(n int) error {
	if n&filePyVerbose != 0 {
		return errors.New("VERBOSE is not supported by Go's RE2; write the pattern without comments and free spacing")
	}
	if n&filePyLocale != 0 {
		return errors.New("LOCALE is not supported")
	}
	return nil
}

// fileCompilePattern translates a Python pattern and compiles it with the
// Python flags.
func fileCompilePattern(pat string, flags int) (*regexp.Regexp, error) {
	tr, err := filePyToRE2(pat)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if flags&filePyIgnoreCase != 0 {
		prefix += "i"
	}
	if flags&filePyMultiline != 0 {
		prefix += "m"
	}
	if flags&filePyDotAll != 0 {
		prefix += "s"
	}
	if prefix != "" {
		tr = "(?" + prefix + ")" + tr
	}
	rx, err := regexp.Compile(tr)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", pat, err)
	}
	return rx, nil
}

// filePyToRE2 rewrites the Python-only spellings of a pattern into RE2:
//
//	\Z        -> \z          (end of text)
//	{,n}      -> {0,n}
//	\uXXXX    -> \x{XXXX}, \UXXXXXXXX -> \x{XXXXXXXX}
//	(?P=name), \1..\99, lookahead/lookbehind, (?>…), (?x), possessive
//	quantifiers: refused with an error naming the construct.
//
// (?P<name>…) and inline (?i) (?m) (?s) are the same in both.
func filePyToRE2(p string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			switch {
			case n == 'Z' && !inClass:
				b.WriteString(`\z`)
				i++
			case n >= '1' && n <= '9' && !inClass:
				return "", fmt.Errorf("pattern %q: backreference \\%c is not supported by Go's RE2", p, n)
			case n == 'u' && i+5 < len(p) && fileIsHex(p[i+2:i+6]):
				b.WriteString(`\x{` + p[i+2:i+6] + `}`)
				i += 5
			case n == 'U' && i+9 < len(p) && fileIsHex(p[i+2:i+10]):
				b.WriteString(`\x{` + p[i+2:i+10] + `}`)
				i += 9
			default:
				b.WriteByte(c)
				b.WriteByte(n)
				i++
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a literal in both syntaxes.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
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
			}
			// inline flags: drop Python's no-op a/u/L, refuse x
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
		case (c == '+') && i > 0 && strings.IndexByte("*+?}", p[i-1]) >= 0 && !fileEscaped(p, i-1):
			return "", fmt.Errorf("pattern %q: possessive quantifier is not supported by Go's RE2", p)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// fileEscaped reports whether p[i] is preceded by an odd number of backslashes.
func fileEscaped(p string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && p[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

func fileIsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// filePyRepl translates a Python replacement string into a Go Expand
// template: \1 and \g<1> become ${1}, \g<name> becomes ${name}, a literal
// $ becomes $$, and \n, \t, \\ are unescaped.
func filePyRepl(r string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c == '$' {
			b.WriteString("$$")
			continue
		}
		if c != '\\' || i+1 == len(r) {
			b.WriteByte(c)
			continue
		}
		n := r[i+1]
		switch {
		case n >= '0' && n <= '9':
			j := i + 2
			if j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
			continue
		case n == 'g':
			end := strings.IndexByte(r[i:], '>')
			if i+2 >= len(r) || r[i+2] != '<' || end < 0 {
				return "", fmt.Errorf("repl %q: bad group reference at \\g", r)
			}
			name := r[i+3 : i+end]
			if name == "" {
				return "", fmt.Errorf("repl %q: empty group name in \\g<>", r)
			}
			b.WriteString("${" + name + "}")
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
		case n == '\\':
			b.WriteByte('\\')
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
		}
		i++
	}
	return b.String(), nil
}

// fileReplaceAll is re.subn: replace up to count matches (0 means all) of
// rx in src with the Go template, and report how many were replaced.
func fileReplaceAll(rx *regexp.Regexp, src []byte, tmpl string, count int) ([]byte, int) {
	n := -1
	if count > 0 {
		n = count
	}
	ms := rx.FindAllSubmatchIndex(src, n)
	if len(ms) == 0 {
		return src, 0
	}
	out := make([]byte, 0, len(src))
	last := 0
	for _, m := range ms {
		out = append(out, src[last:m[0]]...)
		out = rx.Expand(out, []byte(tmpl), src, m)
		last = m[1]
	}
	return append(out, src[last:]...), len(ms)
}
