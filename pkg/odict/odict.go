// Package odict is a string-keyed mapping that keeps the order its keys
// were first written in, as the Python dicts of Salt's YAML loader do. It
// is how data whose order matters travels outside the renderer: pillar
// compiled on the master, sent to a minion as JSON (in order), decoded
// there (in order) and handed to the templates of a run, which loop over
// it in the order of the pillar files. Nothing on the way needs to know
// about the order: it is a property of the value.
//
// Values in a Map are what encoding/json and the YAML loader produce:
// nil, bool, numbers, strings, []any, and nested *Map (or map[string]any,
// whose keys are taken sorted). The package imports nothing of brine's.
package odict

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"

	"gopkg.in/yaml.v3"
)

// Map is an insertion-ordered mapping. The zero value is empty and ready
// to use; a nil *Map reads as empty. It is not safe for concurrent
// writes.
type Map struct {
	keys []string
	vals map[string]any
	// odict marks what Python calls an OrderedDict rather than a dict:
	// see OrderedDict.
	odict bool
	// typed holds, for the keys that were not text where they were
	// written (`80:`, `true:`, `~:` in YAML, `{1: 'a'}` in Jinja), the
	// key as that value: int, float64, bool or nil. Keys stay strings
	// everywhere else (JSON, the high data), as json.dumps makes them;
	// only a template sees the value. See SetTyped.
	typed map[string]any
}

// New returns an empty Map with room for n keys.
func New(n int) *Map { return &Map{keys: make([]string, 0, n), vals: make(map[string]any, n)} }

// From returns m as a Map, its keys sorted (a Go map has no order to
// keep), nested map[string]any values converted too. For building a
// Map in code or tests.
func From(m map[string]any) *Map {
	out := New(len(m))
	for _, k := range sortedKeys(m) {
		out.Set(k, fromAny(m[k], 0))
	}
	return out
}

func fromAny(v any, depth int) any {
	if depth > maxDepth {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := New(len(x))
		for _, k := range sortedKeys(x) {
			out.Set(k, fromAny(x[k], depth+1))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromAny(e, depth+1)
		}
		return out
	}
	return v
}

// maxDepth bounds the recursion over nested values.
const maxDepth = 200

// Len returns the number of keys.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// Get returns the value of key.
func (m *Map) Get(key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.vals[key]
	return v, ok
}

// Set writes key: a new key goes last, an existing one keeps its place.
func (m *Map) Set(key string, v any) {
	if m.vals == nil {
		m.vals = map[string]any{}
	}
	if _, ok := m.vals[key]; !ok {
		m.keys = append(m.keys, key)
		delete(m.typed, key)
	}
	m.vals[key] = v
}

// Delete removes key; written again, it goes last.
func (m *Map) Delete(key string) {
	if m == nil {
		return
	}
	if _, ok := m.vals[key]; !ok {
		return
	}
	delete(m.vals, key)
	delete(m.typed, key)
	for i, k := range m.keys {
		if k == key {
			m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
			break
		}
	}
}

// OrderedDict reports whether m stands for a Python OrderedDict (what
// Salt's YAML loader builds for SLS and pillar data) rather than a plain
// dict. Both keep their order; the difference shows where Python
// serialisers sort a dict's keys but keep an OrderedDict's (PyYAML's
// safe_dump as Salt's yaml filter calls it).
func (m *Map) OrderedDict() bool { return m != nil && m.odict }

// SetOrderedDict marks m an OrderedDict (on) or a plain dict (off).
func (m *Map) SetOrderedDict(on bool) { m.odict = on }

// Clone returns a shallow copy of m: same keys in the same order, same
// values, same OrderedDict mark. A nil m gives an empty Map.
func (m *Map) Clone() *Map {
	if m == nil {
		return New(0)
	}
	out := &Map{keys: append(make([]string, 0, len(m.keys)), m.keys...), vals: make(map[string]any, len(m.keys)), odict: m.odict}
	for k, v := range m.vals {
		out.vals[k] = v
	}
	if len(m.typed) > 0 {
		out.typed = make(map[string]any, len(m.typed))
		for k, t := range m.typed {
			out.typed[k] = t
		}
	}
	return out
}

// SetTyped writes key as Set does and records typed as the key's own
// value: an int, float64, bool or nil that key is the text of (Python's
// str() of it, or the YAML scalar as written). A Python dict can hold
// both 80 and '80'; a Map holds one key "80", whose kind the last write
// decides. Set with a new key makes it text; Set on an existing key
// keeps its kind, so code that copies keys one by one (Merge, Clone)
// need not know about kinds.
func (m *Map) SetTyped(key string, typed any, v any) {
	m.Set(key, v)
	if m.typed == nil {
		m.typed = map[string]any{}
	}
	m.typed[key] = typed
}

// Typed returns the value key was written as, ok false when key is text
// (or absent).
func (m *Map) Typed(key string) (typed any, ok bool) {
	if m == nil {
		return nil, false
	}
	typed, ok = m.typed[key]
	return typed, ok
}

// HasTyped reports whether any key of m is not text.
func (m *Map) HasTyped() bool { return m != nil && len(m.typed) > 0 }

// CopyKind gives m's key the kind key has in src: typed as there, or
// text. For code that copies entries from one Map to another.
func (m *Map) CopyKind(key string, src *Map) {
	if t, ok := src.Typed(key); ok {
		if m.typed == nil {
			m.typed = map[string]any{}
		}
		m.typed[key] = t
		return
	}
	if m != nil {
		delete(m.typed, key)
	}
}

// Has reports whether m has key.
func (m *Map) Has(key string) bool {
	if m == nil {
		return false
	}
	_, ok := m.vals[key]
	return ok
}

// At returns the i-th key and its value, 0 <= i < Len(). Together with
// Len it walks the map in order without copying the keys; writing a new
// key or deleting one while walking shifts the positions.
func (m *Map) At(i int) (string, any) {
	k := m.keys[i]
	return k, m.vals[k]
}

// All yields the keys and values in order. Keys added while it runs are
// yielded too; deleting keys while it runs may skip some (as Python
// refuses a dict changed while iterated, callers should not).
func (m *Map) All() func(yield func(string, any) bool) {
	return func(yield func(string, any) bool) {
		if m == nil {
			return
		}
		for i := 0; i < len(m.keys); i++ {
			k := m.keys[i]
			v, ok := m.vals[k]
			if !ok {
				continue
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

// Clear removes every key.
func (m *Map) Clear() {
	if m == nil {
		return
	}
	m.keys = m.keys[:0]
	clear(m.vals)
	clear(m.typed)
}

// Keys returns the keys in order. The slice is the caller's.
func (m *Map) Keys() []string {
	if m == nil {
		return nil
	}
	return append([]string(nil), m.keys...)
}

// Plain returns v with every *Map in it made a map[string]any, for code
// that reads the data and does not care for its order (a matcher, a
// lookup). Lists are copied; other values are shared.
func Plain(v any) any { return plain(v, 0) }

func plain(v any, depth int) any {
	if depth > maxDepth {
		return nil
	}
	switch x := v.(type) {
	case *Map:
		if x == nil {
			return map[string]any(nil)
		}
		out := make(map[string]any, len(x.keys))
		for _, k := range x.keys {
			out[k] = plain(x.vals[k], depth+1)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = plain(e, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e, depth+1)
		}
		return out
	}
	return v
}

// PlainMap is Plain for a Map: never nil.
func (m *Map) PlainMap() map[string]any {
	p, _ := Plain(m).(map[string]any)
	if p == nil {
		p = map[string]any{}
	}
	return p
}

// Merge merges src into m as Salt merges pillar files
// (salt.utils.dictupdate.update): a dict into a dict recursively, any
// other value replacing what was there. Keys m has keep their place; new
// ones come after, in src's order. src may hold *Map or map[string]any
// dicts (the latter in sorted key order).
func (m *Map) Merge(src *Map) { m.merge(src, 0) }

func (m *Map) merge(src *Map, depth int) {
	if src == nil || depth > maxDepth {
		return
	}
	for _, k := range src.keys {
		sv := src.vals[k]
		if sm := asMap(sv); sm != nil {
			if dm, ok := m.vals[k].(*Map); ok {
				dm.merge(sm, depth+1)
				continue
			}
			if _, ok := m.vals[k].(map[string]any); ok {
				dm := asMap(m.vals[k])
				dm.merge(sm, depth+1)
				m.Set(k, dm)
				continue
			}
			cp := New(sm.Len())
			cp.merge(sm, depth+1)
			m.setFrom(k, cp, src)
			continue
		}
		m.setFrom(k, sv, src)
	}
}

// setFrom writes k: v, a new key taking the kind it has in src.
func (m *Map) setFrom(k string, v any, src *Map) {
	_, had := m.vals[k]
	m.Set(k, v)
	if !had {
		m.CopyKind(k, src)
	}
}

// asMap returns a dict value as a *Map (a map[string]any converted, keys
// sorted), or nil for anything else.
func asMap(v any) *Map {
	switch x := v.(type) {
	case *Map:
		return x
	case map[string]any:
		return fromAny(x, 0).(*Map)
	}
	return nil
}

// MarshalYAML writes m as a YAML mapping in its order, for yaml.v3.
func (m *Map) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, k := range m.Keys() {
		var v yaml.Node
		if err := v.Encode(m.vals[k]); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, &v)
	}
	return n, nil
}

// MarshalJSON writes the keys in order.
func (m *Map) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, m, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any, depth int) error {
	if depth > maxDepth {
		return errors.New("odict: value nested too deeply to encode")
	}
	switch x := v.(type) {
	case *Map:
		if x == nil {
			b.WriteString("null")
			return nil
		}
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, err := json.Marshal(k)
			if err != nil {
				return err
			}
			b.Write(kb)
			b.WriteByte(':')
			if err := writeJSON(b, x.vals[k], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	vb, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(vb)
	return nil
}

// UnmarshalJSON reads a JSON object in order: nested objects become
// *Map, numbers json.Number (as a json.Decoder with UseNumber gives them),
// so that integers stay integers. A later duplicate key replaces the
// value and keeps the first place, as a Python dict does.
func (m *Map) UnmarshalJSON(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := readValue(d, 0)
	if err != nil {
		return fmt.Errorf("odict: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("odict: data after the JSON value")
	}
	src, ok := v.(*Map)
	if !ok {
		return fmt.Errorf("odict: want a JSON object, got %T", v)
	}
	*m = *src
	return nil
}

// DecodeJSON reads one JSON value of any kind, objects as *Map in order
// (as UnmarshalJSON reads them), numbers as json.Number.
func DecodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := readValue(d, 0)
	if err != nil {
		return nil, fmt.Errorf("odict: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("odict: data after the JSON value")
	}
	return v, nil
}

func readValue(d *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("value nested too deeply")
	}
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := New(0)
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				v, err := readValue(d, depth+1)
				if err != nil {
					return nil, err
				}
				m.Set(k, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			l := []any{}
			for d.More() {
				v, err := readValue(d, depth+1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return t, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
