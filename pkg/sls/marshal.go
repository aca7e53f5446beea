package sls

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/brine-cm/brine/pkg/odict"

	"gopkg.in/yaml.v3"
)

// omap is a mapping that keeps its keys in insertion order when encoded,
// since Salt's outputs are ordered and states run in declaration order.
type omap struct {
	keys []string
	vals []any
}

func (m *omap) set(k string, v any) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

func (m *omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(m.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (m *omap) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i, k := range m.keys {
		var v yaml.Node
		if err := v.Encode(yamlOrdered(m.vals[i], 0)); err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, &v)
	}
	return n, nil
}

// yamlOrdered makes the *odict.Map dicts in v (argument values, in the
// order the SLS wrote them) omaps, which yaml.v3 writes in order.
func yamlOrdered(v any, depth int) any {
	if depth > 200 {
		return v
	}
	switch x := v.(type) {
	case *odict.Map:
		out := &omap{}
		for k, e := range x.All() {
			out.set(k, yamlOrdered(e, depth+1))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = yamlOrdered(e, depth+1)
		}
		return out
	}
	return v
}

// value returns the high data in Salt's show_highstate shape:
// {ID: {module: [{arg: value}…, fun, {order: N}], __sls__, __env__}},
// the function name where Salt puts it (see Decl.FunAt).
func (h *High) value() *omap {
	out := &omap{}
	for _, s := range h.States {
		out.set(s.ID, stateBody(s, true))
	}
	if h.Extend != nil {
		out.set("__extend__", extendValue(h.Extend))
	}
	return out
}

// extendValue is Salt's __extend__ after clean_duplicate_extends
// (salt/state.py render_highstate): one {ID: body} mapping per extended
// ID, in the order read, a body given twice for the same ID shown once.
func extendValue(ext []*State) []any {
	list := []any{}
	var seen []string
	for _, s := range ext {
		body := stateBody(s, false)
		key, err := json.Marshal(map[string]any{s.ID: body})
		if err == nil && slices.Contains(seen, string(key)) {
			continue
		}
		seen = append(seen, string(key))
		one := &omap{}
		one.set(s.ID, body)
		list = append(list, one)
	}
	return list
}

// stateBody is one ID's mapping: {module: [{arg: value}…, fun, {order: N}],
// __sls__, __env__}; withOrder adds the automatic order (extends have none).
func stateBody(s *State, withOrder bool) *omap {
	body := &omap{}
	for _, d := range s.Decls {
		list := make([]any, 0, len(d.Args)+2)
		at := min(max(d.FunAt, 0), len(d.Args))
		for i, a := range d.Args {
			if i == at && d.Fun != "" {
				list = append(list, d.Fun)
			}
			if a.WithPrev && i != at && len(list) > 0 {
				if m, isMap := list[len(list)-1].(*omap); isMap {
					m.set(a.Key, a.Value)
					continue
				}
			}
			list = append(list, &omap{keys: []string{a.Key}, vals: []any{a.Value}})
		}
		if at == len(d.Args) && d.Fun != "" {
			list = append(list, d.Fun)
		}
		if withOrder && d.AutoOrder != 0 && !d.has("order") {
			list = append(list, &omap{keys: []string{"order"}, vals: []any{d.AutoOrder}})
		}
		body.set(d.Module, list)
	}
	body.set("__sls__", s.SLS)
	body.set("__env__", s.Env)
	return body
}

// MarshalJSON writes the high data as state.show_highstate does.
func (h *High) MarshalJSON() ([]byte, error) { return h.value().MarshalJSON() }

// MarshalYAML writes the high data as state.show_highstate does.
func (h *High) MarshalYAML() (any, error) { return h.value().MarshalYAML() }

// Lowstate is a list of chunks that encodes in state.show_lowstate's shape:
// [{__id__, __sls__, __env__, state, fun, name, order, <args>, <requisites>}].
// Arguments come sorted by key, requisites grouped by kind.
type Lowstate []Chunk

func (l Lowstate) value() []any {
	out := make([]any, len(l))
	for i := range l {
		out[i] = lowValue(&l[i])
	}
	return out
}

func lowValue(c *Chunk) *omap {
	m := &omap{}
	m.set("__id__", c.ID)
	m.set("__sls__", c.SLS)
	m.set("__env__", c.Env)
	m.set("state", c.State)
	m.set("fun", c.Fun)
	m.set("name", c.Name)
	m.set("order", c.Order)
	for _, k := range sortedKeys(c.Args) {
		m.set(k, c.Args[k])
	}
	for _, kind := range forwardKinds {
		var list []any
		for _, r := range c.Requisites {
			if r.Kind != kind {
				continue
			}
			if r.Module == "id" {
				list = append(list, r.Ref)
			} else {
				list = append(list, &omap{keys: []string{r.Module}, vals: []any{r.Ref}})
			}
		}
		if list != nil {
			m.set(kind, list)
		}
	}
	return m
}

// MarshalJSON writes the chunks as state.show_lowstate does.
func (l Lowstate) MarshalJSON() ([]byte, error) { return json.Marshal(l.value()) }

// MarshalYAML writes the chunks as state.show_lowstate does.
func (l Lowstate) MarshalYAML() (any, error) { return yamlOrdered(l.value(), 0), nil }

// PrintValue is the high data as a tree of plain values, its mappings
// *odict.Map in Salt's order, for printers that write what JSON cannot
// hold (an .inf or .nan argument: Salt's json_out prints Infinity).
func (h *High) PrintValue() any { return printable(h.value(), 0) }

// PrintValue is the chunks as a tree of plain values (see High.PrintValue).
func (l Lowstate) PrintValue() any { return printable(l.value(), 0) }

func printable(v any, depth int) any {
	if depth > 200 {
		return v
	}
	switch x := v.(type) {
	case *omap:
		out := odict.New(len(x.keys))
		for i, k := range x.keys {
			out.Set(k, printable(x.vals[i], depth+1))
		}
		return out
	case *odict.Map:
		out := odict.New(x.Len())
		for k, e := range x.All() {
			out.Set(k, printable(e, depth+1))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = printable(e, depth+1)
		}
		return out
	}
	return v
}
