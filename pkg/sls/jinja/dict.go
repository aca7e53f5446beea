package jinja

import (
	"reflect"
	"sort"
	"strconv"

	"github.com/brine-cm/brine/pkg/odict"
)

// A dict is an *odict.Map: it keeps the order its keys were first
// written in, as Python dicts do, and knows whether it stands for an
// OrderedDict (SLS and pillar data from Salt's YAML loader), which the
// yaml filter writes in order where it sorts a plain dict.

// newDict returns an empty dict with room for n keys.
func newDict(n int) *odict.Map { return odict.New(n) }

// dictOf returns the dict a Go value stands for: an *odict.Map as it is,
// a Go map (which has no order) as a new dict in sorted key order, its
// values converted too. ok is false for anything that is not a mapping.
func dictOf(v any) (*odict.Map, bool) {
	switch x := v.(type) {
	case *odict.Map:
		if x == nil {
			return newDict(0), true
		}
		return x, true
	case map[string]any, map[any]any, map[string]string:
		d, _ := fromGo(x, 0).(*odict.Map)
		return d, d != nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Map {
		d, _ := fromGo(v, 0).(*odict.Map)
		return d, d != nil
	}
	return nil, false
}

// fromGo makes the dicts in a value handed in by Go code (template
// variables, what a salt function returns) dicts of this package: Go
// maps become *odict.Map in sorted key order. Lists holding Go maps are
// copied; anything else, *odict.Map included, is returned as it is.
func fromGo(v any, depth int) any {
	if depth > 100 {
		return v
	}
	switch x := v.(type) {
	case nil, string, bool, int, float64, *odict.Map:
		return v
	case map[string]any:
		if x == nil {
			return v
		}
		out := newDict(len(x))
		for _, k := range sortedKeys(x) {
			out.Set(k, fromGo(x[k], depth+1))
		}
		return out
	case []any:
		var out []any
		for i, e := range x {
			c := fromGo(e, depth+1)
			if out == nil && !sameValue(c, e) {
				out = make([]any, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out[i] = c
			}
		}
		if out == nil {
			return x
		}
		return out
	case map[any]any, map[string]string:
		m := make(map[string]any)
		for it := reflect.ValueOf(x).MapRange(); it.Next(); {
			m[keyString(it.Key().Interface())] = it.Value().Interface()
		}
		return fromGo(m, depth)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		if rv.IsNil() {
			return v
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return fromGo(m, depth)
	}
	return v
}

// sameValue reports whether fromGo left e alone.
func sameValue(c, e any) bool {
	switch x := e.(type) {
	case []any:
		y, ok := c.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case map[string]any, map[any]any, map[string]string:
		return false
	}
	if rv := reflect.ValueOf(e); rv.IsValid() && rv.Kind() == reflect.Map {
		return false
	}
	return true
}

// dictKeys lists a dict's keys as template values.
func dictKeys(d *odict.Map) []any {
	out := make([]any, 0, d.Len())
	for k := range d.All() {
		out = append(out, dictKey(d, k))
	}
	return out
}

// dictKey is the template value of d's key k: the int, float, bool or
// None it was written as (`80:` in YAML, `{1: 'a'}`), as Python's dict
// holds it, else the text. The Map itself is keyed by text.
func dictKey(d *odict.Map, k string) any {
	if t, ok := d.Typed(k); ok {
		return t
	}
	return k
}

// dictSet is d[k] = v: a key that is an int, float, bool or None keeps
// its kind, any other is stored as its text.
func dictSet(d *odict.Map, k, v any) {
	switch t := normalize(k).(type) {
	case nil, bool, int, float64, pyBigInt:
		if _, isStr := k.(string); !isStr {
			d.SetTyped(keyString(k), t, v)
			return
		}
	}
	d.Set(keyString(k), v)
}

// dictLookup is d[k]. As in Python, a text key does not find a key
// written as a number (`d['80']` misses `80:`). A number still finds a
// text key, as brine did before keys had kinds: dicts that crossed JSON
// (pillar sent to a minion) have text keys only.
func dictLookup(d *odict.Map, k any) (any, bool) {
	s := keyString(k)
	v, ok := d.Get(s)
	if !ok {
		if _, isStr := k.(string); !isStr && d.HasTyped() {
			// YAML keys keep their text as written: `0x50:` is 80,
			// `yes:` is True.
			for key := range d.All() {
				if t, typed := d.Typed(key); typed && equal(t, k) {
					v, _ := d.Get(key)
					return v, true
				}
			}
		}
		return nil, false
	}
	if _, isStr := k.(string); isStr {
		if _, typed := d.Typed(s); typed {
			return nil, false
		}
	}
	return v, true
}

// dictGet is d[k], nil when absent.
func dictGet(d *odict.Map, k string) any {
	v, _ := d.Get(k)
	return v
}

// varValue is the value of the template variable name, v as the caller
// gave it: Go maps in it are made dicts the first time it is read, once
// per render.
func (rs *renderState) varValue(name string, v any) any {
	switch v.(type) {
	case nil, string, bool, int, float64, *odict.Map, map[string]Func, Func:
		return v
	}
	if c, ok := rs.converted[name]; ok {
		return c
	}
	// a list is boxed once, as set boxes one, so that an append made
	// anywhere (in a loop's iteration, in a macro) is seen everywhere
	c := shared(fromGo(v, 0))
	if rs.converted == nil {
		rs.converted = map[string]any{}
	}
	rs.converted[name] = c
	return c
}

// plainArgs and plainKw give Go code outside the renderer (the host's
// execution functions) the arguments as Go values: dicts as
// map[string]any.
func plainArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = odict.Plain(a)
	}
	return out
}

func plainKw(kw map[string]any) map[string]any {
	out := make(map[string]any, len(kw))
	for k, v := range kw {
		out[k] = odict.Plain(v)
	}
	return out
}

// sortDictKeys sorts keys, d's, as Python's sorted() sorts the dict's
// keys: as text when all are text, else by their values, 8 before 80.
// Keys that do not compare (text and numbers) give Python's TypeError
// and are left as they were.
func sortDictKeys(d *odict.Map, keys []string) error {
	if !d.HasTyped() {
		sort.Strings(keys)
		return nil
	}
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = dictKey(d, k)
	}
	for i := 1; i < len(vals); i++ {
		if _, err := compare(vals[i-1], vals[i]); err != nil {
			return err
		}
	}
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	var bad error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := compare(vals[idx[a]], vals[idx[b]])
		if err != nil && bad == nil {
			bad = err
		}
		return c < 0
	})
	if bad != nil {
		return bad
	}
	sorted := make([]string, len(keys))
	for i, j := range idx {
		sorted[i] = keys[j]
	}
	copy(keys, sorted)
	return nil
}

// jsonKey is the text json.dumps writes for d's key k: a bool or None
// key becomes true, false or null, a float its repr.
func jsonKey(d *odict.Map, k string) string {
	t, ok := d.Typed(k)
	if !ok {
		return k
	}
	switch x := t.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		if s, err := toStr(x); err == nil {
			return s
		}
	}
	return k
}
