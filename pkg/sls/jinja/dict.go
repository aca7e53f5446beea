package jinja

import (
	"reflect"

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
		out = append(out, k)
	}
	return out
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
