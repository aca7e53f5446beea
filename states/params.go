package states

import (
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Type is the kind of value an argument takes. The registry reads every
// argument a state gets as its declared Type before the state runs, with
// the conversions the Args accessors use, so that a bad value fails the
// state naming the state, the function and the argument, and a module's
// own reads of a declared argument cannot fail.
type Type uint8

const (
	// Any is a value of any shape, as the YAML gave it; the module reads it.
	Any Type = iota
	// String is text; a number or a bool is written out as text, as YAML
	// would have kept it had it been quoted.
	String
	// Int is an integer, or a string of one. For Int, Mode and Path an
	// empty string counts as not given: it is how a Jinja template leaves
	// an argument out, and how Salt reads it.
	Int
	// Bool is Salt's truthiness: true/false, yes/no, on/off, y/n, 1/0, in
	// any case.
	Bool
	// Mode is a file mode in octal digits, as an integer or a string: 644,
	// 0644 and "0644" are all rw-r--r--, as in Salt.
	Mode
	// Path is an absolute path, as a string.
	Path
	// List is a list of anything; one value that is not a list is a list
	// of one.
	List
	// StringList is a list of strings, or one string as a list of one.
	StringList
	// Map is a mapping, or a list of one-key mappings merged in order
	// (`- key: value` lines, as Salt accepts).
	Map
)

// String names the type as the docs show it.
func (t Type) String() string {
	switch t {
	case String:
		return "string"
	case Int:
		return "integer"
	case Bool:
		return "bool"
	case Mode:
		return "mode"
	case Path:
		return "path"
	case List:
		return "list"
	case StringList:
		return "string or list"
	case Map:
		return "mapping"
	}
	return "any"
}

// Decode reads v as a value of type t and returns it in the Go type the
// accessors return: string, int, bool, fs.FileMode, []any, []string or
// map[string]any (Any returns v as it is). A nil v is not given, and
// decodes to nil for every type.
func (t Type) Decode(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case String:
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("want a string, got %s", typeName(v))
		}
		return s, nil
	case Int, Mode, Path:
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			return nil, nil
		}
	}
	switch t {
	case Int:
		n, ok := toInt(v)
		if !ok {
			return nil, fmt.Errorf("want an integer, got %v", v)
		}
		return n, nil
	case Bool:
		return ParseBool(v)
	case Mode:
		return ParseMode(v)
	case Path:
		s, ok := scalarString(v)
		if !ok {
			return nil, fmt.Errorf("want an absolute path, got %s", typeName(v))
		}
		if !filepath.IsAbs(s) {
			return nil, fmt.Errorf("want an absolute path, got %q", s)
		}
		return s, nil
	case List:
		if l, ok := v.([]any); ok {
			return l, nil
		}
		return []any{v}, nil
	case StringList:
		return toStringList(v)
	case Map:
		return toMap(v)
	}
	return v, nil
}

// scalarString is a string, or a number or bool written as text.
func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(t), true
	}
	return "", false
}

func toInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case uint64:
		return int(t), true
	case float64:
		if t == float64(int(t)) {
			return int(t), true
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return n, true
		}
	}
	return 0, false
}

func toStringList(v any) ([]string, error) {
	switch t := v.(type) {
	case []string:
		return t, nil
	case []any:
		out := make([]string, 0, len(t))
		for i, e := range t {
			s, ok := scalarString(e)
			if !ok {
				return nil, fmt.Errorf("item %d: want a string, got %s", i, typeName(e))
			}
			out = append(out, s)
		}
		return out, nil
	}
	if s, ok := scalarString(v); ok {
		return []string{s}, nil
	}
	return nil, fmt.Errorf("want a list of strings, got %s", typeName(v))
}

func toMap(v any) (map[string]any, error) {
	switch t := v.(type) {
	case map[string]any:
		return t, nil
	case *odict.Map:
		out := make(map[string]any, t.Len())
		for k, v := range t.All() {
			out[k] = v
		}
		return out, nil
	case []any:
		out := map[string]any{}
		for i, e := range t {
			m, err := toMap(e)
			if _, isList := e.([]any); isList || err != nil {
				return nil, fmt.Errorf("item %d: want a mapping, got %s", i, typeName(e))
			}
			for k, v := range m {
				out[k] = v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a mapping, got %s", typeName(v))
}

// Param declares one argument of a state function (or of an execution
// function): its name, type, default and a one-line doc. The registry
// checks calls against the declarations, and docs/states.md and sys.doc
// are made from them, so that what a state takes is written once, as data.
type Param struct {
	Name string
	Type Type
	// Required fails a call that does not give the argument (or gives
	// null).
	Required bool
	// Default is what the function uses when the argument is not given,
	// as the docs show it: a string, bool, int or fs.FileMode. nil when
	// there is none, or when it depends on other things; the Doc then
	// says what happens.
	Default any
	// Doc is one line: what the argument is, for an SLS author.
	Doc string

	// Rest makes this Param the catch-all of arguments no other Param
	// names (Python's **kwargs): they are accepted, not warned about, and
	// the module reads them with Args.Rest. Name is only the label in the
	// docs. With, when set, limits this to calls that give the argument it
	// names (file.managed takes template variables only with template).
	Rest bool
	With string
	// Many (execution functions only) takes every positional argument
	// left, as Python's *args; Type is the type of each.
	Many bool
}

// The errors an *ArgError wraps when the registry refuses an argument.
var (
	ErrRequired   = errors.New("required")
	ErrUnknownArg = errors.New("unknown argument")
)

// maxSuggestDistance is how close an unknown argument must be to a known
// one to be taken for a typo of it (and fail the state) rather than an
// argument for something else (and only warn).
const maxSuggestDistance = 2

// Suggest returns the name in known closest to name, case-insensitively,
// when it is within maxSuggestDistance edits (Damerau-Levenshtein: a
// swapped pair of letters is one edit) and the edits are at most a third
// of name's length: two slips in "vlaeu" are a typo of value, but two in
// a four-letter word make another word ("host" is not "test"). Ties go
// to the first in known.
func Suggest(name string, known []string) (string, bool) {
	best, bestD := "", maxSuggestDistance+1
	ln := strings.ToLower(name)
	n := len([]rune(name))
	for _, k := range known {
		if d := editDistance(ln, strings.ToLower(k)); d < bestD && d*3 <= n {
			best, bestD = k, d
		}
	}
	return best, best != ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent runes each
// count one.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Three rows are enough: a transposition looks two rows back.
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}

// unusedWarning is the warning a result carries for arguments the
// function does not take and that are not near any it takes.
func unusedWarning(fun string, names []string) string {
	return fmt.Sprintf("The following arguments are not used by %s: %s", fun, strings.Join(names, ", "))
}

// runtimeArgs are Salt's STATE_RUNTIME_KEYWORDS that a state function
// may also take as its own (cmd.run's runas, umask): format_call passes
// them to a function that declares them and never warns of them when it
// does not, so neither does brine.
var runtimeArgs = map[string]bool{"runas": true, "saltenv": true, "umask": true}

// saltKwargs is the Param of a state function whose Salt counterpart
// takes **kwargs: Salt's format_call passes it any argument, and warns of
// none, so brine takes any other argument without a warning too (but one
// within a typo of the function's own still says "did you mean").
var saltKwargs = Param{Name: "(any other argument)", Rest: true, Doc: "accepted and ignored, as Salt's function takes **kwargs."}

// checked is what the registry learnt of a call's arguments.
type checked struct {
	warnings []string
	rest     []string // arguments a Rest Param took, sorted
}

// checkArgs reads every argument of req as its Param declares, and sorts
// out the ones no Param names: a global argument (the engine's) is left
// alone, one within a typo of a known name fails, one a Rest Param takes
// goes to the module, and any other is a warning. All the failures are
// returned, joined, each an *ArgError naming the state and the argument.
func checkArgs(params []Param, req *Request) (checked, error) {
	var c checked
	var errs []error
	fail := func(arg string, err error) {
		errs = append(errs, &ArgError{ID: req.ID, Func: req.Func, Arg: arg, Err: err})
	}
	declared := make(map[string]bool, len(params))
	var rest *Param
	for i := range params {
		p := &params[i]
		if p.Rest {
			rest = p
			continue
		}
		declared[p.Name] = true
		if p.Name == "name" {
			// The engine passes the name apart from the arguments.
			if p.Type == Path && req.Name != "" {
				if _, err := Path.Decode(req.Name); err != nil {
					fail("name", err)
				}
			}
			continue
		}
		v, given := req.Args.Get(p.Name)
		if given && v != nil {
			if _, err := p.Type.Decode(v); err != nil {
				fail(p.Name, err)
				continue
			}
		}
		if p.Required && (!given || v == nil) {
			fail(p.Name, ErrRequired)
		}
	}
	// A Rest Param with With passes the other arguments on only when
	// the call gives With (file.managed's template variables need a
	// template); without it they are still accepted, as the Salt
	// function's **kwargs accepts them.
	passOn := rest != nil && (rest.With == "" || req.Args.given(rest.With))
	var known []string
	var unused []string
	for _, k := range req.Args.keys() {
		if declared[k] || IsGlobalArg(k) || runtimeArgs[k] {
			continue
		}
		if known == nil {
			known = knownNames(params)
		}
		near, isNear := Suggest(k, known)
		switch {
		case passOn:
			c.rest = append(c.rest, k)
			if isNear {
				// Passed on (as a template variable, say), but the author
				// more likely meant the near one: say so, without failing
				// a call Salt would run.
				c.warnings = append(c.warnings, fmt.Sprintf("argument %q is not one of %s's own and is passed on as any other argument is; did you mean %s?", k, req.Func, near))
			}
		case isNear:
			// Salt's **kwargs would swallow it unused; a typo of an
			// argument the function has is refused (brine's guard).
			fail(k, fmt.Errorf("%w; did you mean %s?", ErrUnknownArg, near))
		case rest != nil:
			// Taken by the function's **kwargs and unused, silently,
			// as Salt does.
		default:
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		c.warnings = append(c.warnings, unusedWarning(req.Func, unused))
	}
	return c, errors.Join(errs...)
}

// knownNames are the names a typo is compared with: the function's own
// arguments, then the global ones.
func knownNames(params []Param) []string {
	out := make([]string, 0, len(params)+len(globalParams))
	for _, p := range params {
		if !p.Rest {
			out = append(out, p.Name)
		}
	}
	for _, p := range globalParams {
		out = append(out, p.Name)
	}
	return out
}

// ParamsDoc renders an argument list in Go doc comment syntax, one item
// a line: "  - mode (mode, default 0644): what it is". sys.doc prints it
// and docs/states.md renders it.
func ParamsDoc(params []Param) string {
	var b strings.Builder
	for _, p := range params {
		b.WriteString("  - ")
		if p.Rest {
			b.WriteString(p.Name)
		} else {
			b.WriteString(p.Name)
			b.WriteString(" (")
			b.WriteString(p.Type.String())
			if p.Many {
				b.WriteString(", any number")
			}
			if p.Required {
				b.WriteString(", required")
			}
			if p.Default != nil {
				b.WriteString(", default ")
				b.WriteString(FormatDefault(p.Default))
			}
			b.WriteString(")")
		}
		b.WriteString(": ")
		b.WriteString(p.Doc)
		b.WriteString("\n")
	}
	return b.String()
}

// FormatDefault writes a default as an SLS author would write it: True
// and False as Salt shows bools, a mode in octal, text in quotes.
func FormatDefault(v any) string {
	switch t := v.(type) {
	case bool:
		if t {
			return "True"
		}
		return "False"
	case fs.FileMode:
		return fmt.Sprintf("%04o", uint32(t.Perm()))
	case string:
		return strconv.Quote(t)
	}
	return fmt.Sprint(v)
}

// validateParams checks a declaration at start-up: a mistake in one is a
// programming error, caught by the first test that loads the package.
func validateParams(fun string, params []Param) {
	seen := map[string]bool{}
	rests := 0
	for _, p := range params {
		switch {
		case p.Name == "":
			panic("states: " + fun + ": a Param without a name")
		case p.Doc == "":
			panic("states: " + fun + ": Param " + p.Name + " has no doc")
		case seen[p.Name]:
			panic("states: " + fun + ": Param " + p.Name + " declared twice")
		case !p.Rest && IsGlobalArg(p.Name) && p.Name != "name":
			panic("states: " + fun + ": Param " + p.Name + " is a global argument, which the engine takes")
		}
		seen[p.Name] = true
		if p.Rest {
			rests++
		}
		if p.Default != nil {
			switch p.Default.(type) {
			case string, bool, int, fs.FileMode:
			default:
				// The accessors compare defaults with ==.
				panic(fmt.Sprintf("states: %s: Param %s: a default must be a string, bool, int or fs.FileMode, not %T", fun, p.Name, p.Default))
			}
			if _, err := p.Type.Decode(p.Default); err != nil {
				panic(fmt.Sprintf("states: %s: Param %s: default %v: %v", fun, p.Name, p.Default, err))
			}
		}
	}
	if rests > 1 {
		panic("states: " + fun + ": more than one Rest Param")
	}
	if !seen["name"] {
		panic("states: " + fun + ": no Param for name")
	}
}

// sortedKeys returns m's keys, sorted.
func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
