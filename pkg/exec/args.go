package exec

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
	case int, float64, map[string]any, []any:
		return t
	}
	return s
}

// stringArg returns positional argument i, or kwargs[key], as a string.
func stringArg(args []any, kwargs map[string]any, i int, key string) (string, bool) {
	if v, ok := kwargs[key]; ok && v != nil {
		return toString(v), true
	}
	if i < len(args) && args[i] != nil {
		return toString(args[i]), true
	}
	return "", false
}

func toString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, toString(e))
		}
		return strings.Join(parts, ",")
	}
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
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
