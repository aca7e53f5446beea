// Package cliargs reads Salt's command-line arguments: KEY=VALUE words
// are keyword arguments, the rest positional, each value read as YAML the
// way Salt's CLI does. The command line and the HTTP API's lowstate both
// use it. A leaf.
package cliargs

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseArgs splits command-line words into positional and keyword
// arguments as Salt does: KEY=VALUE is a keyword argument, anything else
// is positional, and each value is read as YAML (so test=True is a bool
// and pillar='{"a": 1}' a mapping). A word whose YAML does not parse stays
// a string.
func ParseArgs(words []string) (args []any, kwargs map[string]any) {
	kwargs = map[string]any{}
	for _, w := range words {
		if k, v, ok := strings.Cut(w, "="); ok && isIdent(k) {
			kwargs[k] = yamlValue(v)
			continue
		}
		args = append(args, yamlValue(w))
	}
	return args, kwargs
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// yamlValue reads one word as YAML the way Salt's CLI does: only scalars
// that look like something other than a plain string change type, and
// Python's True/False/None are understood.
func yamlValue(s string) any {
	switch s {
	case "True", "true":
		return true
	case "False", "false":
		return false
	case "None", "null", "~":
		return nil
	}
	if s == "" || strings.ContainsAny(s, "\n") || leadingZero(s) {
		return s
	}
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	switch t := v.(type) {
	case float64:
		if allDigits(s) {
			// An integer too large for an int, such as a job id, stays
			// the text it was rather than a rounded float.
			return s
		}
		return t
	case int:
		return t
	case map[string]any:
		// As Salt's yamlify_arg: a mapping must be written in braces, so
		// that a command such as 'echo done: 1' stays a command.
		if strings.HasPrefix(s, "{") {
			return t
		}
	case []any:
		if strings.HasPrefix(s, "[") {
			return t
		}
	}
	return s
}

// leadingZero reports an integer written with a leading 0, such as a file
// mode 0644, which brine keeps as text, as its SLS loader does.
func leadingZero(s string) bool {
	if len(s) < 2 || s[0] != '0' {
		return false
	}
	for _, r := range s[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
