// Package cliargs reads Salt's command-line arguments: KEY=VALUE words
// are keyword arguments, the rest positional, each value read as YAML the
// way Salt's CLI does. The command line and the HTTP API's lowstate both
// use it. A leaf.
package cliargs

import (
	"math/big"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/py/pyyaml"
)

// ParseArgs splits command-line words into positional and keyword
// arguments as Salt does: KEY=VALUE is a keyword argument, anything else
// is positional, and each value is read as YAML (so test=True is a bool
// and pillar='{"a": 1}' a mapping). A word whose YAML does not parse stays
// a string.
func ParseArgs(words []string) (args []any, kwargs map[string]any) {
	kwargs = map[string]any{}
	for _, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok && isKwargName(k) && !strings.HasPrefix(v, "=") {
			kwargs[k] = yamlValue(v)
			continue
		}
		args = append(args, yamlValue(w))
	}
	return args, kwargs
}

// isKwargName is Salt's KWARG_REGEX name (salt/utils/args.py,
// ^([^\d\W][\w.-]*)=(?!=)): a letter or underscore, then letters,
// digits, underscores, dots and hyphens ("a==b" is no keyword).
func isKwargName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

// yamlValue reads one word as Salt's yamlify_arg does (salt/utils/args.py):
// through Salt's YAML loader (pkg/py/pyyaml: YAML 1.1, so yes is True,
// 0644 is 644 and 1e3 stays text), keeping the word as it was where the
// loader would lose something: blank words and document markers, digits
// with underscores, control characters, a comment, a mapping not written
// in braces or a list not in brackets (so 'echo done: 1' stays a command),
// and a value of a type Salt does not pass on (a date).
func yamlValue(s string) any {
	trimmed := strings.TrimSpace(s)
	switch {
	case trimmed == "", trimmed == "---", trimmed == "...":
		return s
	case strings.Contains(s, "_") && strings.Trim(trimmed, "0123456789_") == "":
		return s
	case strings.ContainsAny(s, "\t\r\n"):
		return s
	case s == "None":
		return nil
	}
	v, err := pyyaml.Load(s)
	if err != nil {
		return s
	}
	if strings.Contains(s, "#") {
		// Only a value that is not text survives a comment.
		if _, isText := v.(string); isText || v == nil {
			return s
		}
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		if strings.HasPrefix(s, "{") {
			return t
		}
		return s
	case []any:
		if strings.HasPrefix(s, "[") {
			return t
		}
		return s
	case uint64, *big.Int:
		// An integer beyond int64, such as a job id, is exact in Python;
		// here it stays the text it was, which every reader takes.
		return s
	case nil:
		if s == "!" || strings.HasPrefix(trimmed, "#") {
			return s
		}
		return nil
	case string:
		if t == "" && (s == "|" || s == "!") {
			return s
		}
		return t
	}
	return v
}
