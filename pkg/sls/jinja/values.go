package jinja

import (
	"encoding/json"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

// Undefined is the value of a missing name, key or attribute. Like Salt's
// StrictUndefined it may be tested (is defined, |default, .get) but any
// other use is an error.
type Undefined struct {
	Hint string
	// Soft marks the value of `x if c` without an else: it prints as ''
	// where Salt's StrictUndefined would fail.
	Soft bool
	// Line is where the missing name or key was read, for the error.
	Line int
}

func (u Undefined) err() error {
	if u.Line > 0 {
		return &exprError{line: u.Line, msg: u.Hint}
	}
	return fmt.Errorf("%s", u.Hint)
}

func undefName(name string) Undefined { return Undefined{Hint: fmt.Sprintf("'%s' is undefined", name)} }

func undefAttr(obj any, name string) Undefined {
	return Undefined{Hint: fmt.Sprintf("'%s' has no attribute '%s'", typeName(obj), name)}
}

// tuple is a Python tuple: a list that prints with parentheses.
type tuple []any

// Namespace is Jinja's namespace(): the one object whose attributes a
// {% set ns.x = ... %} may change from inside a loop.
type Namespace struct{ attrs map[string]any }

func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8:
		return "int"
	case float64, float32:
		return "float"
	case pyBigInt:
		return "int"
	case string:
		return "str"
	case pyBytes:
		return "bytes"
	case []any, *List:
		return "list"
	case dictView:
		return x.kind
	case tuple:
		return "tuple"
	case *odict.Map:
		return "dict object"
	case Undefined:
		return "Undefined"
	case *Namespace:
		return "Namespace"
	case *Macro:
		return "Macro"
	case *module:
		return "module"
	case Func, builtinFunc:
		return "function"
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Map:
		return "dict object"
	case reflect.Slice, reflect.Array:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

// normalize turns the Go types callers hand in (int64, []string,
// map[any]any, ...) into the few this package works with.
func normalize(v any) any {
	switch x := v.(type) {
	case *List:
		return x.items
	case tuple:
		return []any(x)
	case dictView:
		return x.items
	case nil, bool, int, float64, pyBigInt, string, []any, *odict.Map, Undefined, *Namespace, *Macro, *module, Func, builtinFunc, map[string]Func, *loopInfo, *cycler, *joiner:
		return v
	case int64:
		return int(x)
	case int32:
		return int(x)
	case int16:
		return int(x)
	case int8:
		return int(x)
	case uint:
		return int(x)
	case uint8:
		return int(x)
	case uint16:
		return int(x)
	case uint32:
		return int(x)
	case uint64:
		if x > math.MaxInt64 {
			return float64(x)
		}
		return int(x)
	case float32:
		return float64(x)
	case json.Number:
		// Data decoded with UseNumber (pillar over the wire) keeps its
		// numbers as text; they are ints or floats to a template.
		if i, err := strconv.Atoi(string(x)); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return string(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]any, map[any]any, map[string]string:
		// A Go map from Go code: a dict in sorted key order (a copy:
		// fromGo converts the values a template is given up front, so
		// that changes to them are kept).
		d, _ := dictOf(x)
		return d
	case func(args []any, kwargs map[string]any) (any, error):
		return Func(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out
	case reflect.Map:
		d, _ := dictOf(v)
		return d
	case reflect.Pointer:
		if rv.IsNil() {
			return nil
		}
	}
	return v
}

// keyString is how a non-string dict key is stored: dicts here are
// map[string]any, so 1 and '1' are the same key.
func keyString(k any) string {
	if s, ok := k.(string); ok {
		return s
	}
	s, err := toStr(normalize(k))
	if err != nil {
		return fmt.Sprint(k)
	}
	return s
}

func truth(v any) (bool, error) {
	switch x := normalize(v).(type) {
	case nil:
		return false, nil
	case Undefined:
		if x.Soft {
			return false, nil
		}
		return false, x.err()
	case bool:
		return x, nil
	case int:
		return x != 0, nil
	case pyBigInt:
		return x.n.Sign() != 0, nil
	case float64:
		return x != 0, nil
	case string:
		return x != "", nil
	case pyBytes:
		return x != "", nil
	case []any:
		return len(x) > 0, nil
	case *odict.Map:
		return x.Len() > 0, nil
	case map[string]Func:
		return len(x) > 0, nil
	}
	return true, nil
}

// toStr is Python's str().
func toStr(v any) (string, error) {
	switch x := normalize(v).(type) {
	case string:
		return x, nil
	case nil:
		return "None", nil
	case Undefined:
		if x.Soft {
			return "", nil
		}
		return "", x.err()
	case bool:
		if x {
			return "True", nil
		}
		return "False", nil
	case int:
		return strconv.Itoa(x), nil
	case pyBigInt:
		return x.n.String(), nil
	case float64:
		return pyfmt.Float(x), nil
	}
	var b strings.Builder
	if err := writeRepr(&b, v, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

// repr is Python's repr(), used for list and dict elements.
func repr(v any) (string, error) {
	var b strings.Builder
	err := writeRepr(&b, v, 0)
	return b.String(), err
}

func writeRepr(b *strings.Builder, v any, depth int) error {
	if depth > 100 {
		return fmt.Errorf("value nested too deeply to print")
	}
	if d, ok := v.(dictView); ok {
		return writeView(b, d, depth)
	}
	if g, ok := v.(grouped); ok {
		v = tuple(g) // Jinja's _GroupTuple prints as a plain tuple
	}
	if l, ok := v.(*loopInfo); ok {
		// Jinja's LoopContext.__repr__
		fmt.Fprintf(b, "<LoopContext %d/%d>", l.i+1, len(l.items))
		return nil
	}
	if t, ok := v.(tuple); ok {
		b.WriteByte('(')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, e, depth+1); err != nil {
				return err
			}
		}
		if len(t) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
		return nil
	}
	switch x := normalize(v).(type) {
	case string:
		b.WriteString(pyfmt.Quote(x))
	case pyBigInt:
		b.WriteString(x.n.String())
	case pyBytes:
		b.WriteString(bytesRepr(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeRepr(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case *odict.Map:
		b.WriteByte('{')
		for i := 0; i < x.Len(); i++ {
			k, e := x.At(i)
			if i > 0 {
				b.WriteString(", ")
			}
			if t, ok := x.Typed(k); ok {
				if err := writeRepr(b, t, depth+1); err != nil {
					return err
				}
			} else {
				b.WriteString(pyfmt.Quote(k))
			}
			b.WriteString(": ")
			if err := writeRepr(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case *Namespace:
		b.WriteString("<Namespace {")
		for i, k := range sortedKeys(x.attrs) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyfmt.Quote(k) + ": ")
			if err := writeRepr(b, x.attrs[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteString("}>")
	case *Macro:
		b.WriteString("<Macro '" + x.name + "'>")
	case *module:
		b.WriteString("<Module '" + x.name + "'>")
	case Func, builtinFunc, map[string]Func:
		b.WriteString("<function>")
	case nil, bool, int, float64, Undefined:
		s, err := toStr(x)
		if err != nil {
			return err
		}
		b.WriteString(s)
	default:
		fmt.Fprintf(b, "%v", x)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// toNum reads a number; bools count as 0 and 1 as in Python.
func toNum(v any) (i int, f float64, isFloat, ok bool) {
	switch x := normalize(v).(type) {
	case int:
		return x, float64(x), false, true
	case float64:
		return 0, x, true, true
	case bool:
		if x {
			return 1, 1, false, true
		}
		return 0, 0, false, true
	}
	return 0, 0, false, false
}

// equal is Python's ==, deep, and never panics on maps or slices.
func equal(a, b any) bool { return equalDepth(a, b, 0) }

func equalDepth(a, b any, depth int) bool {
	if depth > 100 {
		return false
	}
	if v, ok := a.(dictView); ok {
		return v.equal(b, depth)
	}
	if v, ok := b.(dictView); ok {
		return v.equal(a, depth)
	}
	_, aTuple := a.(tuple)
	_, bTuple := b.(tuple)
	if aTuple != bTuple {
		// A tuple never equals a list in Python.
		if _, isList := normalize(a).([]any); isList {
			if _, isList := normalize(b).([]any); isList {
				return false
			}
		}
	}
	a, b = normalize(a), normalize(b)
	if c, ok := bigCompare(a, b); ok {
		return c == 0
	}
	if _, aBig := a.(pyBigInt); aBig {
		return false
	}
	if _, bBig := b.(pyBigInt); bBig {
		return false
	}
	if ai, af, aFloat, aok := toNum(a); aok {
		bi, bf, bFloat, bok := toNum(b)
		if !bok {
			return false
		}
		if aFloat || bFloat {
			return af == bf
		}
		return ai == bi
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case pyBytes:
		y, ok := b.(pyBytes)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalDepth(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case *odict.Map:
		y, ok := b.(*odict.Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for k, v := range x.All() {
			w, ok := y.Get(k)
			if !ok || !equalDepth(v, w, depth+1) {
				return false
			}
		}
		return true
	case Undefined:
		_, ok := b.(Undefined)
		return ok
	}
	if !comparable(a) || !comparable(b) {
		return false
	}
	return a == b
}

func comparable(v any) bool {
	if v == nil {
		return true
	}
	return reflect.TypeOf(v).Comparable()
}

// compare orders two values as Python does for numbers, strings and lists.
func compare(a, b any) (int, error) { return compareDepth(a, b, 0) }

func compareDepth(a, b any, depth int) (int, error) {
	if depth > 100 {
		return 0, fmt.Errorf("values nested too deeply to compare")
	}
	// Python orders a tuple only against a tuple, a list against a list
	_, aTuple := a.(tuple)
	_, bTuple := b.(tuple)
	if aTuple != bTuple {
		_, aList := normalize(a).([]any)
		_, bList := normalize(b).([]any)
		if aList && bList {
			return 0, fmt.Errorf("ordering not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
		}
	}
	a, b = normalize(a), normalize(b)
	if u, ok := a.(Undefined); ok {
		return 0, u.err()
	}
	if u, ok := b.(Undefined); ok {
		return 0, u.err()
	}
	if c, ok := bigCompare(a, b); ok {
		return c, nil
	}
	if ai, af, aFloat, aok := toNum(a); aok {
		if bi, bf, bFloat, bok := toNum(b); bok {
			if aFloat || bFloat {
				return cmp3(af, bf), nil
			}
			return cmp3(ai, bi), nil
		}
	}
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			for i := 0; i < len(x) && i < len(y); i++ {
				c, err := compareDepth(x[i], y[i], depth+1)
				if err != nil || c != 0 {
					return c, err
				}
			}
			return cmp3(len(x), len(y)), nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", typeName(a), typeName(b))
}

func cmp3[T int | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
