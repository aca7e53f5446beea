package states

// Salt's file states take Python regular expressions; Go has RE2.
// pkg/py/pyre translates them, or refuses what RE2 cannot do with a
// message that says what to write instead; this file reads Salt's flags
// argument.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/py/pyre"
)

// RegexFlags reads Salt's flags argument of the file functions and
// states: a list of names such as IGNORECASE, MULTILINE, DOTALL (re.I, I
// also work), or an integer sum; def when it is not given.
func RegexFlags(v any, def pyre.Flag) (pyre.Flag, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case int:
		return pyre.Flag(t), pyre.CheckFlags(pyre.Flag(t))
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return pyre.Flag(n), pyre.CheckFlags(pyre.Flag(n))
		}
		return RegexFlags([]any{t}, def)
	case []any:
		var n pyre.Flag
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return 0, fmt.Errorf("want flag names such as IGNORECASE, got %v", e)
			}
			switch strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "RE.") {
			case "I", "IGNORECASE":
				n |= pyre.IgnoreCase
			case "M", "MULTILINE":
				n |= pyre.Multiline
			case "S", "DOTALL":
				n |= pyre.DotAll
			case "U", "UNICODE":
				n |= pyre.Unicode
			case "A", "ASCII":
				n |= pyre.ASCII
			case "L", "LOCALE":
				n |= pyre.Locale
			case "X", "VERBOSE":
				n |= pyre.Verbose
			default:
				return 0, fmt.Errorf("unknown flag %q (want IGNORECASE, MULTILINE or DOTALL)", s)
			}
		}
		return n, pyre.CheckFlags(n)
	}
	return 0, fmt.Errorf("want a list of flag names or an integer, got %s", typeName(v))
}

// fileCompilePattern compiles a Python pattern with Python's flags, for
// re.search.
func fileCompilePattern(pat string, flags pyre.Flag) (*regexp.Regexp, error) {
	return pyre.Compile(pat, flags)
}

// AddIfNotFound is what Salt's file.replace does once its pattern matched
// nothing, with append_if_not_found or prepend_if_not_found: unless
// content already stands in data from the start of a line to the end of
// one (Salt searches for ^re.escape(content)($|(?=\r\n)) with the
// call's flags), content and a newline go at the start of data, or at
// its end after a newline that closes its last line. A content that ends
// in a newline so leaves an empty line after it, as in Salt, and is found
// again by the next run. added is false when content was there already.
func AddIfNotFound(data []byte, content string, flags pyre.Flag, atStart bool) (out []byte, added bool) {
	// Without MULTILINE, Python's $ also matches before a final
	// newline, which Go's does not: \n\Z says it.
	present := "^" + pyre.Escape(content) + `(?:$|\r\n|\n\Z)`
	if rx, err := pyre.Compile(present, flags); err == nil && rx.Match(data) {
		return data, false
	}
	if atStart {
		return append([]byte(content+"\n"), data...), true
	}
	out = append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(append(out, content...), '\n'), true
}
