package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"reflect"
	"strings"
)

// testFunc is a Jinja test: the value, then the test's arguments.
type testFunc func(e *env, v any, args []any, kw map[string]any) (bool, error)

var tests map[string]testFunc

func init() {
	tests = map[string]testFunc{
		"defined":   func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { _, u := v.(Undefined); return !u, nil },
		"undefined": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { _, u := v.(Undefined); return u, nil },
		"none":      func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { return v == nil, nil },
		"string":    func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { _, ok := v.(string); return ok, nil },
		"mapping":   func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { return isMapping(v), nil },
		"iterable": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			switch normalize(v).(type) {
			case string, pyBytes, []any, *odict.Map, map[string]Func:
				return true, nil
			}
			return false, nil
		},
		"sequence": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			switch normalize(v).(type) {
			case string, pyBytes, []any, *odict.Map, map[string]Func:
				return true, nil
			}
			return false, nil
		},
		// bool is a number to Jinja (isinstance(True, Number)), though
		// not an integer.
		"number": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			if _, big := v.(pyBigInt); big {
				return true, nil
			}
			_, _, _, ok := toNum(v)
			return ok, nil
		},
		"integer": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			if _, big := v.(pyBigInt); big {
				return true, nil
			}
			_, _, isF, ok := toNum(v)
			_, isBool := v.(bool)
			return ok && !isF && !isBool, nil
		},
		"float": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			_, ok := normalize(v).(float64)
			return ok, nil
		},
		"boolean": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { _, ok := v.(bool); return ok, nil },
		"true":    func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { b, ok := v.(bool); return ok && b, nil },
		"false":   func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { b, ok := v.(bool); return ok && !b, nil },
		"callable": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			switch v.(type) {
			case Func, builtinFunc, *Macro:
				return true, nil
			}
			return false, nil
		},
		"sameas": func(_ *env, v any, args []any, kw map[string]any) (bool, error) {
			if len(args) == 0 && kw["other"] == nil {
				return false, fmt.Errorf("test_sameas() missing 1 required positional argument: 'other'")
			}
			o := argOr(args, 0, kw["other"])
			if v == nil || o == nil {
				return v == nil && o == nil, nil
			}
			switch x := v.(type) {
			case bool, int, float64, string:
				return reflect.TypeOf(v) == reflect.TypeOf(o) && equal(x, o), nil
			}
			rv, ro := reflect.ValueOf(v), reflect.ValueOf(o)
			if rv.Kind() == ro.Kind() && (rv.Kind() == reflect.Map || rv.Kind() == reflect.Pointer) {
				return rv.Pointer() == ro.Pointer(), nil
			}
			// a list is itself when it is the same backing array, at the
			// same length (an empty list is never another's)
			if rv.Kind() == reflect.Slice && ro.Kind() == reflect.Slice {
				return rv.Len() > 0 && rv.Len() == ro.Len() && rv.Pointer() == ro.Pointer(), nil
			}
			return false, nil
		},
		"divisibleby": func(_ *env, v any, args []any, kw map[string]any) (bool, error) {
			r, err := arith("%", v, argOr(args, 0, 1))
			if err != nil {
				return false, err
			}
			return equal(r, 0), nil
		},
		// even and odd are Jinja's value % 2 == 0 and == 1: a float may be
		// either (3.0 is odd), and what has no % is an error.
		"even": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			r, err := arith("%", v, 2)
			return err == nil && equal(r, 0), err
		},
		"odd": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			r, err := arith("%", v, 2)
			return err == nil && equal(r, 1), err
		},
		// lower and upper are str(value).islower() and .isupper(): there must
		// be a cased letter ('123' is neither), and any value is printed first.
		"lower": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			s, err := toStr(v)
			return err == nil && strIs(s, "islower"), err
		},
		"upper": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			s, err := toStr(v)
			return err == nil && strIs(s, "isupper"), err
		},
		"in": func(_ *env, v any, args []any, kw map[string]any) (bool, error) {
			return contains(argOr(args, 0, nil), v)
		},
		"match": func(_ *env, v any, args []any, kw map[string]any) (bool, error) {
			r, err := fRegexMatch(nil, v, args, kw)
			return r != nil, err
		},
		"search": func(_ *env, v any, args []any, kw map[string]any) (bool, error) {
			r, err := fRegexSearch(nil, v, args, kw)
			return r != nil, err
		},
		"escaped": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) { return false, nil },
		// Salt's own test (render_jinja_tmpl: salt.utils.data.is_list).
		// Salt's is_list: isinstance(value, list), so not a tuple
		"list": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			switch v.(type) {
			case tuple, dictView, grouped:
				return false, nil
			}
			_, ok := normalize(v).([]any)
			return ok, nil
		},
		// Jinja 3's: whether a filter or a test of that name exists.
		"filter": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			name, _ := v.(string)
			_, ok := filters[name]
			return ok, nil
		},
		"test": func(_ *env, v any, _ []any, _ map[string]any) (bool, error) {
			name, _ := v.(string)
			_, ok := tests[name]
			return ok, nil
		},
	}
	for _, op := range [][]string{{"eq", "=="}, {"equalto", "=="}, {"==", "=="}, {"ne", "!="}, {"!=", "!="},
		{"lt", "<"}, {"lessthan", "<"}, {"<", "<"}, {"le", "<="}, {"<=", "<="},
		{"gt", ">"}, {"greaterthan", ">"}, {">", ">"}, {"ge", ">="}, {">=", ">="}} {
		o := op[1]
		tests[op[0]] = func(_ *env, v any, args []any, kw map[string]any) (bool, error) {
			return compareOp(o, v, argOr(args, 0, nil))
		}
	}
}

func isMapping(v any) bool {
	switch normalize(v).(type) {
	case *odict.Map, map[string]Func:
		return true
	}
	return false
}

// undefinedTests are the tests that answer for an undefined value
// rather than fail, and their answer: Jinja's (and Salt's list) only ask
// isinstance or identity of it, which StrictUndefined does not refuse
// (sequence catches the len() that fails; an Undefined is callable). A
// formula's `hostconf['remove'] is sameas true` on a key its pillar
// leaves out is False, as in Salt, not an error. Every other test uses
// the value (==, len, iter, str) and fails on it.
var undefinedTests = map[string]bool{
	"sameas": false, "none": false, "boolean": false, "false": false, "true": false,
	"integer": false, "float": false, "number": false, "string": false, "mapping": false,
	"sequence": false, "escaped": false, "list": false, "callable": true,
}

// testArity is how many arguments after the value Jinja's (and Salt's)
// tests take; the comparison tests (eq, ==, lt...) take one.
var testArity = map[string]int{
	"defined": 0, "undefined": 0, "none": 0, "string": 0, "mapping": 0, "iterable": 0, "sequence": 0,
	"number": 0, "integer": 0, "float": 0, "boolean": 0, "true": 0, "false": 0, "callable": 0,
	"sameas": 1, "divisibleby": 1, "even": 0, "odd": 0, "lower": 0, "upper": 0, "in": 1,
	"escaped": 0, "list": 0, "filter": 0, "test": 0,
	"eq": 1, "equalto": 1, "==": 1, "ne": 1, "!=": 1, "lt": 1, "lessthan": 1, "<": 1, "le": 1, "<=": 1,
	"gt": 1, "greaterthan": 1, ">": 1, "ge": 1, ">=": 1,
}

func (e *env) evalTest(t *testNode) (any, error) {
	v, err := e.eval(t.x)
	if err != nil {
		return nil, err
	}
	fn, ok := tests[t.name]
	if !ok {
		return nil, &exprError{line: t.line, msg: fmt.Sprintf("no test named '%s'", t.name)}
	}
	args, kw, err := e.evalArgs(t.args, t.kwargs, t.star, t.dstar)
	if err != nil {
		return nil, err
	}
	// Jinja's tests are Python functions: more positional arguments than
	// they take is a TypeError (`x is sameas (1, 2)` passes two)
	if n, ok := testArity[t.name]; ok && len(args) > n {
		return nil, &exprError{line: t.line, msg: fmt.Sprintf("test '%s' takes %d argument(s) but %d were given", t.name, n, len(args))}
	}
	if u, isU := v.(Undefined); isU && !u.Soft && t.name != "defined" && t.name != "undefined" {
		r, safe := undefinedTests[t.name]
		if !safe {
			return nil, lineErr(u.err(), t.line)
		}
		return r != t.neg, nil
	}
	r, err := fn(e, v, args, kw)
	if err != nil {
		return nil, lineErr(err, t.line)
	}
	return r != t.neg, nil
}

// globalFuncs are Jinja's global functions plus Salt's raise.
var globalFuncs map[string]any

func init() {
	globalFuncs = map[string]any{
		"range":     builtinFunc(gRange),
		"namespace": builtinFunc(gNamespace),
		"dict":      builtinFunc(gDict),
		"odict":     builtinFunc(gODict),
		"ifelse":    builtinFunc(gIfelse),
		"zip":       builtinFunc(gZip),
		"joiner":    builtinFunc(gJoiner),
		"cycler":    builtinFunc(gCycler),
		"raise": builtinFunc(func(_ *env, args []any, _ map[string]any) (any, error) {
			s, _ := toStr(argOr(args, 0, "raised from template"))
			return nil, fmt.Errorf("%s", s)
		}),
		"len":               builtinFunc(func(_ *env, args []any, _ map[string]any) (any, error) { return length(argOr(args, 0, nil)) }),
		"show_full_context": builtinFunc(gShowFullContext),
		"lipsum": builtinFunc(func(*env, []any, map[string]any) (any, error) {
			return "Lorem ipsum dolor sit amet.", nil
		}),
	}
}

const maxRange = 1 << 20

func gRange(_ *env, args []any, _ map[string]any) (any, error) {
	nums := make([]int, len(args))
	for i, a := range args {
		n, _, isF, ok := toNum(a)
		if !ok || isF {
			return nil, fmt.Errorf("range() arguments must be integers, not %s", typeName(a))
		}
		nums[i] = n
	}
	start, stop, step := 0, 0, 1
	switch len(nums) {
	case 1:
		stop = nums[0]
	case 2:
		start, stop = nums[0], nums[1]
	case 3:
		start, stop, step = nums[0], nums[1], nums[2]
	default:
		return nil, fmt.Errorf("range expected 1 to 3 arguments, got %d", len(nums))
	}
	if step == 0 {
		return nil, fmt.Errorf("range() arg 3 must not be zero")
	}
	out := []any{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if len(out) >= maxRange {
			return nil, fmt.Errorf("range too big (more than %d items)", maxRange)
		}
		out = append(out, i)
	}
	return out, nil
}

func gNamespace(_ *env, args []any, kw map[string]any) (any, error) {
	ns := &Namespace{attrs: map[string]any{}}
	for _, a := range args {
		m, err := toDict(a)
		if err != nil {
			return nil, err
		}
		for k, v := range m.All() {
			ns.attrs[k] = v
		}
	}
	for k, v := range kw {
		ns.attrs[k] = v
	}
	return ns, nil
}

func gDict(e *env, args []any, kw map[string]any) (any, error) {
	out := newDict(len(kw))
	if len(args) > 0 {
		m, err := toDict(args[0])
		if err != nil {
			return nil, err
		}
		out = m
	}
	for _, k := range e.kwKeys(kw) {
		out.Set(k, kw[k])
	}
	return out, nil
}

// gODict is Salt's odict global (render_jinja_tmpl sets it to
// collections.OrderedDict): dict's arguments, and a value the yaml filter
// writes in its own order where it sorts a dict's keys.
func gODict(e *env, args []any, kw map[string]any) (any, error) {
	v, err := gDict(e, args, kw)
	if err != nil {
		return nil, err
	}
	m := v.(*odict.Map)
	m.SetOrderedDict(true)
	return m, nil
}

func gZip(e *env, args []any, _ map[string]any) (any, error) {
	lists := make([][]any, len(args))
	n := -1
	for i, a := range args {
		l, err := iterate(a)
		if err != nil {
			return nil, err
		}
		lists[i] = l
		if n < 0 || len(l) < n {
			n = len(l)
		}
	}
	out := []any{}
	for i := 0; i < n; i++ {
		t := make(tuple, len(lists))
		for j := range lists {
			t[j] = lists[j][i]
		}
		out = append(out, t)
	}
	return out, nil
}

type joiner struct {
	sep   string
	first bool
}

func gJoiner(_ *env, args []any, _ map[string]any) (any, error) {
	sep, err := toStr(argOr(args, 0, ", "))
	if err != nil {
		return nil, err
	}
	j := &joiner{sep: sep, first: true}
	return builtinFunc(func(*env, []any, map[string]any) (any, error) {
		if j.first {
			j.first = false
			return "", nil
		}
		return j.sep, nil
	}), nil
}

type cycler struct {
	items []any
	pos   int
}

func gCycler(_ *env, args []any, _ map[string]any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("cycler needs at least one item")
	}
	return &cycler{items: args}, nil
}

func (c *cycler) method(name string) (any, error) {
	if name == "reset" {
		c.pos = 0
		return nil, nil
	}
	v := c.items[c.pos]
	c.pos = (c.pos + 1) % len(c.items)
	return v, nil
}

// gShowFullContext is Salt's show_full_context global: every name the
// template sees (the render's variables, then the names given to and set
// in the template), through salt.utils.data.simple_types_filter, which
// writes what is not plain data (functions, macros, salt) as its repr.
// Salt's reprs name Python objects at memory addresses; brine's name the
// kind of value.
func gShowFullContext(e *env, _ []any, _ map[string]any) (any, error) {
	out := newDict(len(e.rs.vars))
	for _, k := range sortedKeys(e.rs.vars) {
		if k == hostVar {
			continue
		}
		out.Set(k, simpleTypes(e.rs.varValue(k, e.rs.vars[k]), 0))
	}
	for _, c := range []map[string]any{e.ctx.Public, e.ctx.Private} {
		for _, k := range sortedKeys(c) {
			if strings.HasPrefix(k, "__j") || k == "pongo2" {
				continue
			}
			out.Set(k, simpleTypes(c[k], 0))
		}
	}
	return out, nil
}

// simpleTypes is salt.utils.data.simple_types_filter: dicts and lists
// walked, plain values kept, anything else its repr.
func simpleTypes(v any, depth int) any {
	if depth > maxNesting {
		return "..."
	}
	switch x := normalize(v).(type) {
	case nil, bool, int, float64, string:
		return x
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = simpleTypes(it, depth+1)
		}
		return out
	case *odict.Map:
		out := newDict(x.Len())
		for k, it := range x.All() {
			out.Set(k, simpleTypes(it, depth+1))
		}
		return out
	case map[string]Func:
		return "<salt.loader.LazyLoader>"
	case Undefined:
		return "Undefined"
	}
	return "<" + typeName(v) + ">"
}
