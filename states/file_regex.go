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

// fileRegexFlags reads Salt's flags argument: a list of names such as
// IGNORECASE, MULTILINE, DOTALL (re.I, I also work), or an integer sum.
func fileRegexFlags(v any, def pyre.Flag) (pyre.Flag, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case int:
		return pyre.Flag(t), pyre.CheckFlags(pyre.Flag(t))
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return pyre.Flag(n), pyre.CheckFlags(pyre.Flag(n))
		}
		return fileRegexFlags([]any{t}, def)
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
