package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

// iterate lists the items a for loop sees: list items, dict keys in
// their order, or string characters.
func iterate(v any) ([]any, error) {
	switch x := normalize(v).(type) {
	case []any:
		return x, nil
	case *odict.Map:
		return dictKeys(x), nil
	case map[string]Func:
		keys := sortedKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case pyBytes:
		// Python 3's bytes iterate as their byte values.
		out := make([]any, len(x))
		for i := 0; i < len(x); i++ {
			out[i] = int(x[i])
		}
		return out, nil
	case Undefined:
		return nil, x.err()
	case nil:
		return nil, fmt.Errorf("'NoneType' object is not iterable")
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

// valueSet finds duplicates in linear time: values are keyed by their
// repr, with integral floats keyed as ints, so 1 and 1.0 are one value.
type valueSet struct{ m map[string]bool }

func newValueSet() *valueSet { return &valueSet{m: map[string]bool{}} }

func setKey(v any) string { return setKeyDepth(v, 0) }

func setKeyDepth(v any, depth int) string {
	if depth > 100 {
		// a list that holds itself: as deep as printing goes
		return "deep"
	}
	switch x := normalize(v).(type) {
	case float64:
		if x == float64(int(x)) {
			return "n" + strconv.Itoa(int(x))
		}
		return "f" + pyfmt.Float(x)
	case int:
		return "n" + strconv.Itoa(x)
	case bool:
		if x {
			return "n1"
		}
		return "n0"
	case []any:
		// Python's == inside containers too: [False] equals [0], and a
		// dict's order does not count; a tuple is never a list
		kind := "l"
		if _, isTuple := v.(tuple); isTuple {
			kind = "t"
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = setKeyDepth(e, depth+1)
		}
		return kind + strconv.Itoa(len(parts)) + "[" + strings.Join(parts, "\x00") + "]"
	case *odict.Map:
		parts := make([]string, 0, x.Len())
		for k, e := range x.All() {
			parts = append(parts, strconv.Quote(k)+":"+setKeyDepth(e, depth+1))
		}
		sort.Strings(parts)
		return "d" + strconv.Itoa(len(parts)) + "{" + strings.Join(parts, "\x00") + "}"
	}
	return "r" + reprOr(v)
}

// add reports whether v was new.
func (s *valueSet) add(v any) bool {
	k := setKey(v)
	if s.m[k] {
		return false
	}
	s.m[k] = true
	return true
}

func (s *valueSet) has(v any) bool { return s.m[setKey(v)] }

// contains is Python's "in".
func contains(container, item any) (bool, error) {
	switch x := normalize(container).(type) {
	case string:
		s, ok := normalize(item).(string)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(x, s), nil
	case *odict.Map:
		if u, ok := item.(Undefined); ok {
			return false, u.err()
		}
		// a dict's keys are hashable: asking for a list or a dict is
		// Python's TypeError, not False
		switch normalize(item).(type) {
		case []any, *odict.Map:
			if _, isTuple := item.(tuple); !isTuple {
				return false, fmt.Errorf("unhashable type: '%s'", typeName(item))
			}
		}
		_, ok := dictLookup(x, item)
		return ok, nil
	case map[string]Func:
		_, ok := x[keyString(item)]
		return ok, nil
	case Undefined:
		return false, x.err()
	}
	items, err := iterate(container)
	if err != nil {
		return false, fmt.Errorf("argument of type '%s' is not iterable", typeName(container))
	}
	if u, ok := item.(Undefined); ok {
		return false, u.err()
	}
	for _, e := range items {
		if equal(e, item) {
			return true, nil
		}
	}
	return false, nil
}

// length is Python's len().
func length(v any) (int, error) {
	switch x := normalize(v).(type) {
	case string:
		return len([]rune(x)), nil
	case pyBytes:
		return len(x), nil
	case []any:
		return len(x), nil
	case *odict.Map:
		return x.Len(), nil
	case map[string]Func:
		return len(x), nil
	case *Namespace:
		return len(x.attrs), nil
	case Undefined:
		return 0, x.err()
	}
	return 0, fmt.Errorf("object of type '%s' has no len()", typeName(v))
}

// deepCopy copies dicts and lists so that merges never alias the input.
// Past 100 levels (a value that contains itself) it stops copying.
// The copies keep the key order of the originals, and what they are
// (dict or OrderedDict).
func deepCopy(v any) any { return deepCopyDepth(v, 0) }

func deepCopyDepth(v any, depth int) any {
	if depth > 100 {
		return v
	}
	switch x := normalize(v).(type) {
	case *odict.Map:
		out := newDict(x.Len())
		out.SetOrderedDict(x.OrderedDict())
		for k, e := range x.All() {
			out.Set(k, deepCopyDepth(e, depth+1))
			out.CopyKind(k, x)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopyDepth(e, depth+1)
		}
		return out
	default:
		return x
	}
}
