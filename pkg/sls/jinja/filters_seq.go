package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"sort"
	"strconv"
	"strings"
)

func fList(e *env, v any, _ []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return append([]any{}, items...), nil
}

func fUnique(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, _ := attrArg(arg(args, kw, 1, "attribute", nil))
	var out []any
	seen := newValueSet()
	for _, it := range items {
		key := it
		if attr != "" {
			key = lookupPath(it, attr)
		}
		if seen.add(key) {
			out = append(out, it)
		}
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// lookupPath reads "a.b.0" as Jinja's attribute filters do.
func lookupPath(v any, p string) any {
	for _, part := range strings.Split(p, ".") {
		if n, err := strconv.Atoi(part); err == nil {
			r, err := getItem(v, n)
			if err != nil {
				return Undefined{Hint: err.Error()}
			}
			v = r
			continue
		}
		r, err := getItem(v, part)
		if err != nil {
			return Undefined{Hint: err.Error()}
		}
		v = r
	}
	return v
}

func sortValues(items []any, reverse, caseSensitive bool, attr string) ([]any, error) {
	out := append([]any{}, items...)
	key := func(v any) any {
		if attr != "" {
			v = lookupPath(v, attr)
		}
		if s, ok := v.(string); ok && !caseSensitive {
			return strings.ToLower(s)
		}
		return v
	}
	var err error
	sort.SliceStable(out, func(i, j int) bool {
		c, e := compare(key(out[i]), key(out[j]))
		if e != nil && err == nil {
			err = e
		}
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return out, err
}

func fSort(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, _ := attrArg(arg(args, kw, 2, "attribute", nil))
	reverse, caseSensitive := boolArg(args, kw, 0, "reverse", false), boolArg(args, kw, 1, "case_sensitive", false)
	if strings.Contains(attr, ",") {
		return sortMulti(items, reverse, caseSensitive, strings.Split(attr, ","))
	}
	return sortValues(items, reverse, caseSensitive, attr)
}

// sortMulti is sort(attribute='a,b'): Jinja's make_multi_attrgetter keys
// each item by the list of its attributes, compared in turn.
func sortMulti(items []any, reverse, caseSensitive bool, attrs []string) ([]any, error) {
	out := append([]any{}, items...)
	keys := make(map[int][]any, len(out))
	idx := make([]int, len(out))
	for i, it := range out {
		idx[i] = i
		k := make([]any, len(attrs))
		for j, a := range attrs {
			v := lookupPath(it, a)
			if s, ok := v.(string); ok && !caseSensitive {
				v = strings.ToLower(s)
			}
			k[j] = v
		}
		keys[i] = k
	}
	var err error
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keys[idx[a]], keys[idx[b]]
		for j := range ka {
			c, e := compare(ka[j], kb[j])
			if e != nil && err == nil {
				err = e
			}
			if c != 0 {
				if reverse {
					return c > 0
				}
				return c < 0
			}
		}
		return false
	})
	sorted := make([]any, len(idx))
	for i, k := range idx {
		sorted[i] = out[k]
	}
	return sorted, err
}

func fReverse(e *env, v any, _ []any, _ map[string]any) (any, error) {
	if s, ok := normalize(v).(string); ok {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r), nil
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func fFirst(e *env, v any, _ []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return Undefined{Hint: "No first item, sequence was empty."}, nil
	}
	return items[0], nil
}

func fLast(e *env, v any, _ []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return Undefined{Hint: "No last item, sequence was empty."}, nil
	}
	return items[len(items)-1], nil
}

func fDictsort(_ *env, v any, args []any, kw map[string]any) (any, error) {
	m, ok := normalize(v).(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("dictsort: expected a dict, got %s", typeName(v))
	}
	pairs := make([]any, 0, m.Len())
	for k, mv := range m.All() {
		pairs = append(pairs, tuple{dictKey(m, k), mv})
	}
	idx := "0"
	switch by, _ := arg(args, kw, 1, "by", "key").(string); by {
	case "key":
	case "value":
		idx = "1"
	default:
		return nil, fmt.Errorf("dictsort: you can only sort by either 'key' or 'value'")
	}
	return sortValues(pairs, boolArg(args, kw, 2, "reverse", false), boolArg(args, kw, 0, "case_sensitive", false), idx)
}

func fItems(e *env, v any, _ []any, _ map[string]any) (any, error) {
	m, ok := normalize(v).(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("items: expected a dict, got %s", typeName(v))
	}
	out := make([]any, 0, m.Len())
	for k, mv := range m.All() {
		out = append(out, tuple{dictKey(m, k), mv})
	}
	return out, nil
}

func fMap(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	if attr, ok := attrArg(kw["attribute"]); ok {
		def, hasDef := kw["default"]
		for _, it := range items {
			r := lookupPath(it, attr)
			if _, isU := r.(Undefined); isU && hasDef {
				r = def
			}
			out = append(out, r)
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("map: a filter name or attribute= is required")
	}
	name, _ := args[0].(string)
	fn, ok := filters[name]
	if !ok {
		return nil, fmt.Errorf("no filter named '%s'", name)
	}
	for _, it := range items {
		r, err := fn(e, it, args[1:], kw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func fSelect(keep bool) filterFunc {
	return func(e *env, v any, args []any, _ map[string]any) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		out := []any{}
		for _, it := range items {
			ok, err := runTest(e, it, args)
			if err != nil {
				return nil, err
			}
			if ok == keep {
				out = append(out, it)
			}
		}
		return out, nil
	}
}

func fSelectAttr(keep bool) filterFunc {
	return func(e *env, v any, args []any, _ map[string]any) (any, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("selectattr: an attribute name is required")
		}
		attr, _ := args[0].(string)
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		out := []any{}
		for _, it := range items {
			ok, err := runTest(e, lookupPath(it, attr), args[1:])
			if err != nil {
				return nil, err
			}
			if ok == keep {
				out = append(out, it)
			}
		}
		return out, nil
	}
}

// runTest applies the test named by args[0] (truthiness when absent).
func runTest(e *env, v any, args []any) (bool, error) {
	if len(args) == 0 {
		// The truth of an undefined value is an error under Salt's
		// StrictUndefined: selectattr('a') on an item without a fails.
		if u, ok := v.(Undefined); ok {
			return false, u.err()
		}
		return truth(v)
	}
	name, _ := args[0].(string)
	t, ok := tests[name]
	if !ok {
		return false, fmt.Errorf("no test named '%s'", name)
	}
	return t(e, v, args[1:], nil)
}

func fSum(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr, _ := attrArg(arg(args, kw, 0, "attribute", nil))
	total := arg(args, kw, 1, "start", 0)
	for _, it := range items {
		if attr != "" {
			it = lookupPath(it, attr)
		}
		if total, err = arith("+", total, it); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func fMinMax(sign int) filterFunc {
	return func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		attr, _ := attrArg(arg(args, kw, 1, "attribute", nil))
		// Salt's min and max are Python's: strings compare case and all.
		sorted, err := sortValues(items, sign > 0, boolArg(args, kw, 0, "case_sensitive", true), attr)
		if err != nil {
			return nil, err
		}
		if len(sorted) == 0 {
			return Undefined{Hint: "No aggregated item, sequence was empty."}, nil
		}
		return sorted[0], nil
	}
}

// attrArg reads a filter's attribute= argument: a dotted path, or an
// integer, an index (Jinja's make_attrgetter takes either).
func attrArg(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	}
	return "", false
}
