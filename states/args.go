package states

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Args are a state call's arguments as the SLS gave them, after YAML
// decoding: strings, bools, ints, floats, []any and map[string]any (the
// compiler's *odict.Map dicts, read as map[string]any).
//
// The accessors coerce the way Salt does (a bool may be yes/no/on/off, a
// mode 644 or "0644" is octal) and record the first bad argument, so a
// module reads all it needs and then checks Err once:
//
//	user := req.Args.String("user", "")
//	mode, hasMode := req.Args.Mode("mode")
//	if err := req.Args.Err(); err != nil { return states.Failf(req.Name, "%v", err) }
//
// The registry has checked every declared argument against its Param
// before the module runs (see checkArgs), so these reads fail only for
// arguments a function reads without declaring them, or when a module is
// called directly, as tests do.
type Args struct {
	m map[string]any
	// asGiven holds the arguments as the compiler gave them, their dicts
	// *odict.Map in the order the SLS wrote them, for the template
	// variables a module hands to the renderer (Rest, Vars); m holds the
	// same values as plain Go data.
	asGiven map[string]any
	err     *ArgError
	// Set by the registry: the function's declaration, and the arguments
	// its Rest Param took.
	fun    string
	params []Param
	rest   []string
}

// NewArgs wraps a decoded argument map. Its dicts may be *odict.Map
// values (as the SLS compiler makes them); the accessors see them as
// map[string]any.
func NewArgs(m map[string]any) Args {
	if m == nil {
		m = map[string]any{}
	}
	plain := make(map[string]any, len(m))
	for k, v := range m {
		plain[k] = odict.Plain(v)
	}
	return Args{m: plain, asGiven: m}
}

// Map returns the underlying map, for modules that pass arguments on.
func (a *Args) Map() map[string]any { return a.m }

// Has reports whether the argument was given (even as null).
func (a *Args) Has(key string) bool { _, ok := a.m[key]; return ok }

// Get returns the raw value.
func (a *Args) Get(key string) (any, bool) { v, ok := a.m[key]; return v, ok }

// Err returns the first argument error seen by the accessors, or nil.
func (a *Args) Err() error {
	if a.err == nil {
		return nil
	}
	return a.err
}

// Rest returns the arguments the function's Rest Param took (file.managed's
// template variables), nil when it has none.
func (a *Args) Rest() map[string]any {
	if len(a.rest) == 0 {
		return nil
	}
	out := make(map[string]any, len(a.rest))
	for _, k := range a.rest {
		out[k] = a.m[k]
	}
	return out
}

// RestVars is Rest for template variables: the values as the SLS gave
// them, so that the dicts in them keep their order in the template.
func (a *Args) RestVars() map[string]any {
	if len(a.rest) == 0 {
		return nil
	}
	out := make(map[string]any, len(a.rest))
	for _, k := range a.rest {
		out[k] = a.asGiven[k]
	}
	return out
}

// Vars returns a mapping argument (file.managed's context) as template
// variables: its keys are the variables, its values as the SLS gave
// them, so that the dicts in them keep their order in the template. Like
// Dict, it takes a list of one-key mappings too.
func (a *Args) Vars(key string) map[string]any { return a.mapping(a.asGiven, key) }

// keys returns the argument names, sorted.
func (a *Args) keys() []string { return sortedKeys(a.m) }

// given reports an argument given with a value: not null, not "".
func (a *Args) given(key string) bool {
	v, ok := a.m[key]
	return ok && v != nil && v != ""
}

// defaultCheck, when set (tests set it), is told of every read of a
// declared argument that was not given, when the default the module
// passed differs from the Param's Default: the docs would then say one
// thing and the state do another.
var defaultCheck func(fun, arg string, declared, used any)

// usedDefault is called by the accessors when key was not given and the
// module's default def applies.
func (a *Args) usedDefault(key string, def any) {
	if defaultCheck == nil {
		return
	}
	for _, p := range a.params {
		if p.Name == key && p.Default != nil && p.Default != def {
			defaultCheck(a.fun, key, p.Default, def)
		}
	}
}

func (a *Args) fail(key string, format string, args ...any) {
	if a.err == nil {
		a.err = &ArgError{Arg: key, Err: fmt.Errorf(format, args...)}
	}
}

// String returns a string argument. Numbers and bools are formatted, as
// YAML would have left them had they been quoted.
func (a *Args) String(key, def string) string {
	v, ok := a.m[key]
	if !ok || v == nil {
		a.usedDefault(key, def)
		return def
	}
	switch t := v.(type) {
	case string:
		return t
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(t)
	}
	a.fail(key, "want a string, got %s", typeName(v))
	return def
}

// Bool accepts true/false/yes/no/on/off (any case) and 1/0.
func (a *Args) Bool(key string, def bool) bool {
	v, ok := a.m[key]
	if !ok || v == nil {
		a.usedDefault(key, def)
		return def
	}
	b, err := ParseBool(v)
	if err != nil {
		a.fail(key, "%v", err)
		return def
	}
	return b
}

// OptBool is Bool for arguments where "not given" differs from false,
// such as service.running's enable.
func (a *Args) OptBool(key string) *bool {
	v, ok := a.m[key]
	if !ok || v == nil {
		return nil
	}
	b, err := ParseBool(v)
	if err != nil {
		a.fail(key, "%v", err)
		return nil
	}
	return &b
}

// ParseBool is Salt's (PyYAML's) idea of a boolean.
func ParseBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case int:
		if t == 0 || t == 1 {
			return t == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "yes", "on", "y", "1":
			return true, nil
		case "false", "no", "off", "n", "0", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("want true/false/yes/no/on/off, got %v", v)
}

// Int returns an integer argument; a numeric string is accepted, and an
// empty one is not given (as Int's Decode reads it).
func (a *Args) Int(key string, def int) int {
	v, ok := a.m[key]
	if s, isStr := v.(string); !ok || v == nil || isStr && strings.TrimSpace(s) == "" {
		a.usedDefault(key, def)
		return def
	}
	if n, ok := toInt(v); ok {
		return n
	}
	a.fail(key, "want an integer, got %v", v)
	return def
}

// Mode returns a file mode. Salt reads `mode: 644`, `mode: 0644` and
// `mode: "0644"` all as octal 644, so the digits are always octal.
func (a *Args) Mode(key string) (fs.FileMode, bool) {
	v, ok := a.m[key]
	if s, isStr := v.(string); !ok || v == nil || isStr && strings.TrimSpace(s) == "" {
		return 0, false
	}
	m, err := ParseMode(v)
	if err != nil {
		a.fail(key, "%v", err)
		return 0, false
	}
	return m, true
}

// ParseMode reads a mode given as octal digits, as an int or a string.
func ParseMode(v any) (fs.FileMode, error) {
	var s string
	switch t := v.(type) {
	case fs.FileMode:
		// Already read, by the registry or a Default.
		return t, nil
	case int:
		s = strconv.Itoa(t)
	case int64:
		s = strconv.FormatInt(t, 10)
	case uint64:
		s = strconv.FormatUint(t, 10)
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, fmt.Errorf("want an octal file mode such as 0644, got %v", v)
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 07777 {
		return 0, fmt.Errorf("want an octal file mode such as 0644, got %v", v)
	}
	m := fs.FileMode(n & 0777)
	if n&04000 != 0 {
		m |= fs.ModeSetuid
	}
	if n&02000 != 0 {
		m |= fs.ModeSetgid
	}
	if n&01000 != 0 {
		m |= fs.ModeSticky
	}
	return m, nil
}

// StringList accepts a list of scalars, or one scalar as a list of one.
func (a *Args) StringList(key string) []string {
	v, ok := a.m[key]
	if !ok || v == nil {
		return nil
	}
	l, err := toStringList(v)
	if err != nil {
		a.fail(key, "%v", err)
		return nil
	}
	return l
}

// List returns a list argument; one non-list value becomes a list of one.
func (a *Args) List(key string) []any {
	v, ok := a.m[key]
	if !ok || v == nil {
		return nil
	}
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// Dict returns a mapping argument. Salt also accepts a list of one-key
// mappings (`- key: value`), which is merged in order.
func (a *Args) Dict(key string) map[string]any { return a.mapping(a.m, key) }

// mapping reads key of from (the arguments as read, or as given) as a
// mapping, a list of one-key mappings merged in order.
func (a *Args) mapping(from map[string]any, key string) map[string]any {
	v, ok := from[key]
	if !ok || v == nil {
		return nil
	}
	m, err := toMap(v)
	if err != nil {
		a.fail(key, "%v", err)
		return nil
	}
	return m
}

// Unknown returns the given arguments that are not in known, sorted. A
// module uses it to warn about typos.
func (a *Args) Unknown(known ...string) []string {
	set := make(map[string]bool, len(known))
	for _, k := range known {
		set[k] = true
	}
	var out []string
	for k := range a.m {
		if !set[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}
