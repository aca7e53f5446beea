package sls

import (
	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"gopkg.in/yaml.v3"
)

// The checks of Salt's verify_high (salt/state.py) on the shape of high
// data, with Salt's messages: a tree Salt refuses to run is refused here
// too, not run with a guess at what was meant.

// listRequisites are the requisites Salt 3006's State.verify_high wants as
// a list of IDs or {type: target} mappings; the others (onfail, listen,
// the _any forms…) it leaves to the requisite resolver.
var listRequisites = map[string]bool{"require": true, "watch": true, "prereq": true, "onchanges": true}

// pyKey is the Python type and text of a scalar mapping key as Salt's
// YAML loader (YAML 1.1) reads it: "" for a string. yaml.v3 reads keys
// as YAML 1.2, so yes/no/on/off are looked at here.
func pyKey(n *yaml.Node) (typ, text string) {
	switch n.ShortTag() {
	case "!!int":
		return "int", n.Value
	case "!!float":
		return "float", n.Value
	case "!!null":
		return "NoneType", "None"
	case "!!bool":
		if strings.EqualFold(n.Value, "true") {
			return "bool", "True"
		}
		return "bool", "False"
	case "!!str":
		if n.Style != 0 {
			return "", ""
		}
		switch n.Value {
		case "yes", "Yes", "YES", "on", "On", "ON":
			return "bool", "True"
		case "no", "No", "NO", "off", "Off", "OFF":
			return "bool", "False"
		}
	}
	return "", ""
}

// idNotString refuses an ID that YAML reads as a number, a boolean or
// null (`80:`, `yes:`), as verify_high does: Salt never turns it into a
// string by itself.
func (d *decoder) idNotString(p pair, sls string) *Error {
	k := p.KeyN
	for hops := 0; k.Kind == yaml.AliasNode && k.Alias != nil && hops < maxDepth; hops++ {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return nil
	}
	t, text := pyKey(k)
	if t == "" {
		return nil
	}
	return &Error{Pos: d.at(p.KeyN), ID: p.Key, Msg: fmt.Sprintf(
		"ID '%s' in SLS '%s' is not formed as a string, but is type %s. It may need to be quoted.", text, sls, t)}
}

// bodyNotList refuses what verify_high refuses under `module.function:`
// or `module:`: nothing at all (a trailing colon) or anything but a list.
func bodyNotList(body *yaml.Node, key string, s *State) string {
	switch {
	case body.Kind == yaml.ScalarNode && body.ShortTag() == "!!null":
		return fmt.Sprintf("ID '%s' in SLS '%s' contains a short declaration (%s) with a trailing colon. "+
			"When not passing any arguments to a state, the colon must be omitted.", s.ID, s.SLS, key)
	case body.Kind != yaml.SequenceNode:
		return fmt.Sprintf("State '%s' in SLS '%s' is not formed as a list", s.ID, s.SLS)
	}
	return ""
}

// funWithSpace refuses a function name with a space inside, which is
// nearly always an argument missing its colon (`- user root`).
func funWithSpace(fun string, s *State) string {
	if !strings.ContainsAny(strings.TrimSpace(fun), " ") {
		return ""
	}
	return fmt.Sprintf("The function \"%s\" in state \"%s\" in SLS \"%s\" has whitespace, a function with "+
		"whitespace is not supported, perhaps this is an argument that is missing a \":\"", fun, s.ID, s.SLS)
}

// verifyArgs applies verify_high's checks to the arguments of one
// declaration: names is a list; require, watch, prereq and onchanges are
// lists of IDs or {type: target} mappings, the type without a dot and the
// target a plain value, each requisite alone in its list item.
func verifyArgs(decl *Decl, s *State) *Error {
	fail := func(a Arg, format string, args ...any) *Error {
		return &Error{Pos: a.Pos, ID: s.ID, Msg: fmt.Sprintf(format, args...)}
	}
	for i, a := range decl.Args {
		if a.WithPrev {
			continue // verify_high looks at the first key of each list item
		}
		if a.Key == "names" {
			if _, isList := a.Value.([]any); !isList {
				return fail(a, "The 'names' argument in state '%s' in SLS '%s' needs to be formed as a list", s.ID, s.SLS)
			}
		}
		if !listRequisites[a.Key] {
			continue
		}
		items, isList := a.Value.([]any)
		if !isList {
			return fail(a, "The %s statement in state '%s' in SLS '%s' needs to be formed as a list", a.Key, s.ID, s.SLS)
		}
		for _, it := range items {
			if _, isID := it.(string); isID {
				continue
			}
			keys, vals := mappingItems(it)
			if len(keys) == 0 {
				return fail(a, "Requisite declaration %s in SLS %s is not formed as a single key dictionary", pyRepr(it), s.SLS)
			}
			if typ, _, dotted := strings.Cut(keys[0], "."); dotted {
				return fail(a, "Invalid requisite type '%s' in state '%s', in SLS '%s'. Requisite types must not contain dots, did you mean '%s'?",
					keys[0], s.ID, s.SLS, typ)
			}
			switch vals[0].(type) {
			case []any, map[string]any, *odict.Map:
				return fail(a, "Illegal requisite \"%s\", please check your syntax.", pyRepr(vals[0]))
			}
		}
		if i+1 < len(decl.Args) && decl.Args[i+1].WithPrev {
			return fail(decl.Args[i+1], "Multiple dictionaries defined in argument of state '%s' in SLS '%s'", s.ID, s.SLS)
		}
	}
	return nil
}

// mappingItems returns the keys and values of a mapping value, in order
// where the mapping keeps one; nil for anything else.
func mappingItems(v any) ([]string, []any) {
	switch m := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(m))
		vals := make([]any, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			vals = append(vals, m[k])
		}
		return keys, vals
	case *odict.Map:
		keys := m.Keys()
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i], _ = m.Get(k)
		}
		return keys, vals
	}
	return nil, nil
}

// pyRepr is a short Python-like rendering of a value for messages.
func pyRepr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case string:
		return "'" + t + "'"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	switch v.(type) {
	case map[string]any, *odict.Map:
		keys, vals := mappingItems(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = "'" + k + "': " + pyRepr(vals[i])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// notKind is Salt's render_state check of include, exclude and extend:
// a list, a list and a mapping, or the SLS is refused. Nothing at all
// (a Jinja loop that wrote no entries) is not a list either.
func (d *decoder) notKind(n *yaml.Node, kind yaml.Kind, format, sls string) *Error {
	v := n
	for hops := 0; v.Kind == yaml.AliasNode && v.Alias != nil && hops < maxDepth; hops++ {
		v = v.Alias
	}
	if v.Kind == kind {
		return nil
	}
	return &Error{Pos: d.at(n), Msg: fmt.Sprintf(format, sls)}
}
