package sls

import (
	"encoding/json"
	"slices"

	"github.com/brine-cm/brine/pkg/odict"
)

// single is a one-key mapping, as `- key: value` in an SLS.
func single(k string, v any) *odict.Map {
	m := odict.New(1)
	m.Set(k, v)
	return m
}

// value returns the high data in Salt's show_highstate shape:
// {ID: {module: [{arg: value}…, fun, {order: N}], __sls__, __env__}},
// the function name where Salt puts it (see Decl.FunAt).
func (h *High) value() *odict.Map {
	out := odict.New(len(h.States) + 2)
	// merge_included_states sets __extend__ before __exclude__.
	special := func(i int) {
		if len(h.Extend) > 0 && i == h.extendAt && !out.Has("__extend__") {
			out.Set("__extend__", extendValue(h.Extend))
		}
		if len(h.Exclude) > 0 && i == h.excludeAt && !out.Has("__exclude__") {
			out.Set("__exclude__", append([]any(nil), h.Exclude...))
		}
	}
	for i, s := range h.States {
		special(i)
		out.Set(s.ID, stateBody(s, true))
	}
	if len(h.Extend) > 0 && !out.Has("__extend__") {
		out.Set("__extend__", extendValue(h.Extend))
	}
	if len(h.Exclude) > 0 && !out.Has("__exclude__") {
		out.Set("__exclude__", append([]any(nil), h.Exclude...))
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
		list = append(list, single(s.ID, body))
	}
	return list
}

// stateBody is one ID's mapping: {module: [{arg: value}…, fun, {order: N}],
// __sls__, __env__}; withOrder adds the automatic order (extends have none).
func stateBody(s *State, withOrder bool) *odict.Map {
	body := odict.New(len(s.Decls) + 2)
	for _, d := range s.Decls {
		list := make([]any, 0, len(d.Args)+2)
		at := min(max(d.FunAt, 0), len(d.Args))
		for i, a := range d.Args {
			if i == at && d.Fun != "" {
				list = append(list, d.Fun)
			}
			if a.WithPrev && i != at && len(list) > 0 {
				if m, isMap := list[len(list)-1].(*odict.Map); isMap {
					m.Set(a.Key, a.Value)
					continue
				}
			}
			list = append(list, single(a.Key, a.Value))
		}
		if at == len(d.Args) && d.Fun != "" {
			list = append(list, d.Fun)
		}
		if withOrder && d.AutoOrder != 0 && !d.has("order") {
			list = append(list, single("order", d.AutoOrder))
		}
		body.Set(d.Module, list)
	}
	body.Set("__sls__", s.SLS)
	body.Set("__env__", s.Env)
	return body
}

// MarshalJSON writes the high data as state.show_highstate does.
func (h *High) MarshalJSON() ([]byte, error) { return h.value().MarshalJSON() }

// MarshalYAML writes the high data as state.show_highstate does.
func (h *High) MarshalYAML() (any, error) { return h.value(), nil }

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

func lowValue(c *Chunk) *odict.Map {
	m := odict.New(len(c.Args) + 8)
	m.Set("__id__", c.ID)
	m.Set("__sls__", c.SLS)
	m.Set("__env__", c.Env)
	m.Set("state", c.State)
	m.Set("fun", c.Fun)
	m.Set("name", c.Name)
	m.Set("order", c.SaltOrder)
	for _, k := range sortedKeys(c.Args) {
		m.Set(k, c.Args[k])
	}
	for _, kind := range append(forwardKinds[:len(forwardKinds):len(forwardKinds)], "prerequired") {
		var list []any
		for _, r := range c.Requisites {
			if r.Kind != kind {
				continue
			}
			if r.Module == "id" {
				list = append(list, r.Ref)
			} else {
				list = append(list, single(r.Module, r.Ref))
			}
		}
		if list != nil {
			m.Set(kind, list)
		}
	}
	return m
}

// MarshalJSON writes the chunks as state.show_lowstate does.
func (l Lowstate) MarshalJSON() ([]byte, error) { return json.Marshal(l.value()) }

// MarshalYAML writes the chunks as state.show_lowstate does.
func (l Lowstate) MarshalYAML() (any, error) { return l.value(), nil }

// PrintValue is the high data as a tree of plain values, its mappings
// *odict.Map in Salt's order, for printers that write what JSON cannot
// hold (an .inf or .nan argument: Salt's json_out prints Infinity).
func (h *High) PrintValue() any { return h.value() }

// NestedInOrder marks high data as Salt holds it, OrderedDicts at every
// level: salt-call's nested outputter keeps their order (a state's
// module, then __sls__ and __env__; the IDs as render_highstate left
// them), where it sorts a plain dict's keys.
func (h *High) NestedInOrder() {}

// PrintValue is the chunks as a tree of plain values (see High.PrintValue).
func (l Lowstate) PrintValue() any { return l.value() }
