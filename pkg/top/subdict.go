package top

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// matchMode says how the last part of a grain or pillar expression is
// compared with a value.
type matchMode int

const (
	modeGlob  matchMode = iota // fnmatch, case-insensitive (G@, I@)
	modeRegex                  // re.match, anchored at the start only, case-insensitive (P@, J@)
	modeExact                  // string equality, case-insensitive (pillar_exact)
)

// maxDepth bounds the recursion through nested grains so that odd data
// cannot blow the stack; real grains are a handful of levels deep.
const maxDepth = 64

// maxSteps bounds the work of one match. Salt's search is polynomial in
// the number of delimiters times the depth of the data; an expression
// like G@*:*:*:…:x with hundreds of parts would take seconds. Real
// targets use a few thousand steps at most; past the bound the answer is
// "no match".
const maxSteps = 20000

type walk struct{ steps int }

// tired charges one step per 16 bytes handled, so that long expressions
// use the budget up sooner.
func (w *walk) tired(n int) bool {
	w.steps += 1 + n/16
	return w.steps > maxSteps
}

// subdict matches `key:subkey:pattern` expressions against nested data the
// way Salt's salt.utils.data.subdict_match does:
//
//   - the expression is split on the delimiter, and the split points are
//     tried from the deepest (`a:b` key, `c` pattern) to the shallowest
//     (`a` key, `b:c` pattern), so a value may itself contain the
//     delimiter: `G@ip_interfaces:eth0:fe80::1` works;
//   - a key path walks dicts and lists (a numeric part indexes a list, any
//     other part looks into the dicts inside the list);
//   - when the path ends at a list, any member may match; at a dict, the
//     pattern may name a key, `*` tests that the dict exists, and `*:`
//     searches every value below;
//   - values are compared as Python's str() would print them (True, None,
//     12), lowercased on both sides.
//
// It is safe for concurrent use; compiled patterns are kept per instance.
type subdict struct {
	expr  string
	delim string
	mode  matchMode
	cache sync.Map // pattern -> *regexp.Regexp or *fnmatch.Pattern, or nil when it does not compile
}

func newSubdict(expr, delim string, mode matchMode) (*subdict, error) {
	if delim == "" {
		delim = ":"
	}
	if !strings.Contains(expr, delim) {
		return nil, fmt.Errorf("%q has no %q: a grain or pillar target is key%svalue", expr, delim, delim)
	}
	s := &subdict{expr: expr, delim: delim, mode: mode}
	if mode == modeRegex {
		// Which split point applies depends on the data, so a regex is
		// refused only when no candidate pattern can compile at all.
		parts := strings.Split(expr, delim)
		var firstErr error
		ok := false
		for idx := 1; idx < len(parts); idx++ {
			p := strings.TrimPrefix(strings.Join(parts[idx:], delim), "*:")
			if _, err := pyre.CompileMatch(p, pyre.IgnoreCase); err == nil {
				ok = true
				break
			} else if firstErr == nil {
				firstErr = err
			}
		}
		if !ok {
			return nil, fmt.Errorf("%q: %w", expr, firstErr)
		}
	}
	return s, nil
}

func (s *subdict) match(data map[string]any) bool {
	if data == nil {
		return false
	}
	return s.subdictMatch(&walk{}, data, s.expr, s.delim, 0)
}

func (s *subdict) subdictMatch(w *walk, data map[string]any, expr, delim string, depth int) bool {
	if depth > maxDepth || w.tired(len(expr)) {
		return false
	}
	splits := strings.Split(expr, delim)
	if len(splits) == 1 {
		return false
	}
	for idx := len(splits) - 1; idx > 0; idx-- {
		if w.tired(len(expr)) {
			return false
		}
		key := strings.Join(splits[:idx], delim)
		var matchstr string
		var found any
		if key == "*" {
			matchstr, found = expr, data
		} else {
			matchstr = strings.Join(splits[idx:], delim)
			v, ok := traverse(data, splits[:idx])
			if !ok {
				continue
			}
			found = v
		}
		if m, ok := asMap(found); ok {
			if len(m) == 0 {
				continue // Salt cannot tell an empty dict from "not found"
			}
			if s.dictMatch(w, m, matchstr, depth+1) {
				return true
			}
			continue
		}
		if list, ok := asList(found); ok {
			for _, member := range list {
				if m, ok := asMap(member); ok && s.dictMatch(w, m, matchstr, depth+1) {
					return true
				}
				if s.valueMatch(member, matchstr) {
					return true
				}
			}
			continue
		}
		if s.valueMatch(found, matchstr) {
			return true
		}
	}
	return false
}

func (s *subdict) dictMatch(w *walk, target map[string]any, pattern string, depth int) bool {
	if depth > maxDepth || w.tired(len(pattern)) {
		return false
	}
	wildcard := strings.HasPrefix(pattern, "*:")
	if wildcard {
		pattern = pattern[2:]
	}
	if pattern == "*" {
		return true
	}
	if _, ok := target[pattern]; ok {
		return true
	}
	// Salt recurses with the default delimiter here, whatever the
	// expression's own delimiter was.
	if s.subdictMatch(w, target, pattern, ":", depth+1) {
		return true
	}
	if !wildcard {
		return false
	}
	keys := make([]string, 0, len(target))
	for k := range target {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := target[k]
		if m, ok := asMap(v); ok {
			if s.dictMatch(w, m, pattern, depth+1) {
				return true
			}
		} else if list, ok := asList(v); ok {
			for _, item := range list {
				if s.valueMatch(item, pattern) {
					return true
				}
			}
		} else if s.valueMatch(v, pattern) {
			return true
		}
	}
	return false
}

// valueMatch is Salt's _match: str() of the value against the pattern,
// both lowercased.
func (s *subdict) valueMatch(v any, pattern string) bool {
	for _, text := range pyStrs(v) {
		if s.textMatch(strings.ToLower(text), pattern) {
			return true
		}
	}
	return false
}

// pyStrs is Python's str(), except that an integral float gives both "12" and
// "12.0": grains that crossed JSON (the master's cache) hold every number
// as a float, and the integer was meant.
func pyStrs(v any) []string {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	default:
		return []string{pyfmt.Str(v)}
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return []string{strconv.FormatInt(int64(f), 10), pyfmt.Float(f)}
	}
	return []string{pyfmt.Float(f)}
}

func (s *subdict) textMatch(target, pattern string) bool {
	switch s.mode {
	case modeExact:
		return target == strings.ToLower(pattern)
	case modeRegex:
		re := s.compiledRegex(pattern)
		return re != nil && re.MatchString(target)
	default:
		return s.compiledGlob(pattern).Match(target)
	}
}

// compiledRegex is the pattern for Salt's re.match on the lowercased
// value, or nil when it does not compile. Salt lowercases the pattern
// too; IGNORECASE gets the same effect without turning \D into \d.
func (s *subdict) compiledRegex(pattern string) *regexp.Regexp {
	key := "re:" + pattern
	if v, ok := s.cache.Load(key); ok {
		re, _ := v.(*regexp.Regexp)
		return re
	}
	re, err := pyre.CompileMatch(pattern, pyre.IgnoreCase)
	if err != nil {
		re = nil
	}
	s.cache.Store(key, re)
	return re
}

// compiledGlob is the lowercased pattern for Salt's fnmatch on the
// lowercased value.
func (s *subdict) compiledGlob(pattern string) *fnmatch.Pattern {
	key := "glob:" + pattern
	if v, ok := s.cache.Load(key); ok {
		return v.(*fnmatch.Pattern)
	}
	p := fnmatch.Compile(strings.ToLower(pattern))
	s.cache.Store(key, p)
	return p
}

// traverse follows a key path through dicts and lists, like Salt's
// traverse_dict_and_list. It reports false where Salt returns its default.
func traverse(data any, keys []string) (any, bool) {
	ptr := data
	for _, each := range keys {
		if list, ok := asList(ptr); ok {
			idx, err := strconv.Atoi(each)
			found := false
			for _, member := range list {
				if m, ok := asMap(member); ok {
					if v, ok := m[each]; ok {
						ptr, found = v, true
						break
					}
				}
			}
			if found {
				continue
			}
			if err != nil {
				return nil, false
			}
			if idx < 0 {
				idx += len(list) // Python's negative indexing
			}
			if idx < 0 || idx >= len(list) {
				return nil, false
			}
			ptr = list[idx]
			continue
		}
		m, ok := asMap(ptr)
		if !ok {
			return nil, false
		}
		v, ok := m[each]
		if !ok {
			return nil, false
		}
		ptr = v
	}
	return ptr, true
}

// asMap returns v as a string-keyed map. Maps with other key types (as
// yaml.v3 makes for non-string keys) have their keys printed.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[pyfmt.Str(k)] = val
		}
		return out, true
	case nil:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		out[pyfmt.Str(it.Key().Interface())] = it.Value().Interface()
	}
	return out, true
}

// asList returns v as a list when it is a slice or array of anything but
// bytes.
func asList(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case nil, string, []byte:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}
