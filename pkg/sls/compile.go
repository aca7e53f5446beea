package sls

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"math"
	"slices"
	"strconv"
	"strings"
)

// work is a chunk under construction.
type work struct {
	Chunk
	rank      int // declaration rank, for stable ordering
	order     any // `order:` as written, or nil
	auto      int
	reqPos    []Pos
	ins       []inReq
	explicit  bool // has an `order` argument
	pos       Pos  // the declaration, as Source is its text
	fromNames bool // made by a `names` entry
	nameOrder int  // its place in `names`, from 1 (Salt's name_order)
	key       float64
	raw       bool // for CompileShown: `_in` and `use` stay arguments
}

type inReq struct {
	kind   string // forward kind to add on the target
	module string
	ref    string
	pos    Pos
}

// Compile turns high data into low chunks: one per state function and
// name, with `names` expanded, `_in` requisites turned around onto their
// targets, every requisite resolved to chunk keys, and the chunks sorted
// into run order (Chunk.Order is the position in that order, from 0).
// The error is an ErrorList naming the state and file:line of each
// problem: a requisite that matches nothing, a cycle, a bad argument.
func (h *High) Compile() ([]Chunk, error) { return h.compile(false) }

// CompileShown makes the chunks Salt's state.show_low_sls shows: its
// compile_high_data over render_highstate's data (salt/modules/state.py),
// with no requisite_in, so `require_in`, `watch_in`, `use` and the other
// `_in` stay arguments of the state that wrote them and reach no other.
// Compile it from ShowSLS's high data (extends not merged, excludes not
// applied); run the chunks of Compile, never these.
func (h *High) CompileShown() ([]Chunk, error) { return h.compile(true) }

func (h *High) compile(raw bool) ([]Chunk, error) {
	var errs ErrorList
	h.recursiveRequisites(&errs)
	ws := make([]*work, 0, len(h.States)+len(h.States)/4)
	var used map[*Decl][]Arg
	if !raw {
		used = h.useArgs(&errs)
	}
	for _, s := range h.States {
		for _, d := range s.Decls {
			ws = expand(ws, s, d, used[d], raw, &errs)
		}
	}
	ix := newIndex(ws)
	// The states an exclude removed keep their `_in`: Salt's
	// requisite_in runs before apply_exclude, so the states they name
	// require a state that is gone ("requisites were not found").
	var gone []*work
	if !raw {
		for _, s := range h.dropped {
			for _, d := range s.Decls {
				gone = expand(gone, s, d, nil, false, &ErrorList{})
			}
		}
	}
	goneIx := newIndex(gone)
	for _, w := range gone {
		for _, in := range w.ins {
			if in.kind == "listen" {
				continue // call_listen's, at the end: the state is not there
			}
			targets := ix.match(in.module, in.ref, w)
			if len(targets) == 0 && len(goneIx.match(in.module, in.ref, w)) == 0 {
				errs.addErr(missing(w, in.kind+"_in", in.module, in.ref, in.pos, h))
				continue
			}
			turnIn(w, in, targets)
		}
	}
	// Turn `_in` around: `A: require_in: B` is `B: require: A`.
	for _, w := range ws {
		for _, in := range w.ins {
			targets := ix.match(in.module, in.ref, w)
			if len(targets) == 0 && in.kind == "listen" {
				// Salt's requisite_in leaves listen_in alone: its
				// call_listen reports a target that does not exist at the
				// end of the run, when this state changed. It stays on
				// this state, to be found not found below.
				w.Requisites = append(w.Requisites, Requisite{Kind: "listen_in", Module: in.module, Ref: in.ref})
				w.reqPos = append(w.reqPos, in.pos)
				continue
			}
			if len(targets) == 0 {
				errs.addErr(missing(w, in.kind+"_in", in.module, in.ref, in.pos, h))
				continue
			}
			turnIn(w, in, targets)
		}
	}
	// Salt's requisite_in gives the target of a prereq a prerequired
	// naming the state that holds it (show_lowstate shows it; the engine
	// reads the same edge from the prereq).
	for _, w := range ws {
		if raw {
			break // no requisite_in for show_low_sls
		}
		for i, r := range w.Requisites {
			if r.Kind != "prereq" {
				continue
			}
			pr := Requisite{Kind: "prerequired", Module: w.State, Ref: w.ID}
			for _, t := range ix.match(r.Module, r.Ref, w) {
				if !hasReq(t, pr) {
					t.Requisites = append(t.Requisites, pr)
					t.reqPos = append(t.reqPos, w.reqPos[i])
				}
			}
		}
	}
	for _, w := range ws {
		for i := range w.Requisites {
			r := &w.Requisites[i]
			targets := ix.match(r.Module, r.Ref, w)
			if len(targets) == 0 {
				// As in Salt, a requisite that names nothing fails its
				// state when it runs ("requisites were not found"), and
				// the rest of the run goes on; see Requisite.Targets.
				r.Targets = []string{unfound(missing(w, r.Kind, r.Module, r.Ref, w.reqPos[i], h))}
				continue
			}
			r.Targets = make([]string, len(targets))
			for j, t := range targets {
				r.Targets[j] = t.Key()
			}
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	sortWork(ws)
	out := make([]Chunk, len(ws))
	for i, w := range ws {
		w.Order = i
		out[i] = w.Chunk
	}
	return out, nil
}

// turnIn turns w's `_in` around onto its targets: `A: require_in: B` is
// `B: require: A`. A `names` entry stands for itself, not for its
// siblings, which may not carry the same _in.
func turnIn(w *work, in inReq, targets []*work) {
	ref := w.ID
	if w.fromNames {
		ref = w.Name
	}
	for _, t := range targets {
		r := Requisite{Kind: in.kind, Module: w.State, Ref: ref, In: true}
		if !hasReq(t, r) {
			t.Requisites = append(t.Requisites, r)
			t.reqPos = append(t.reqPos, in.pos)
		}
	}
}

func hasReq(w *work, r Requisite) bool {
	for _, x := range w.Requisites {
		if x.Kind == r.Kind && x.Module == r.Module && x.Ref == r.Ref {
			return true
		}
	}
	return false
}

func missing(w *work, kind, module, ref string, pos Pos, h *High) *Error {
	e := &Error{Pos: pos, ID: w.ID}
	target := module + ": " + ref
	if module == "id" {
		target = ref
	}
	switch {
	case module == "sls":
		e.Msg = fmt.Sprintf("state '%s' %s sls: %s, but no state read comes from SLS '%s'", w.ID, kindVerb(kind), ref, ref)
	default:
		e.Msg = fmt.Sprintf("state '%s' %s %s, which no state declares", w.ID, kindVerb(kind), target)
		if p, ok := h.excluded[ref]; ok {
			e.Msg += fmt.Sprintf(" (ID '%s' is excluded at %s)", ref, p)
		}
	}
	return e
}

// unfound is the target key of a requisite that names no state: a key no
// chunk has, whose text says why.
func unfound(e *Error) string {
	return "(not found: " + e.Error() + ")"
}

func kindVerb(kind string) string {
	switch kind {
	case "require":
		return "requires"
	case "watch":
		return "watches"
	}
	return "has " + kind
}

// expand makes the chunks of one declaration: one, or one per `names`
// entry.
// extra are arguments inherited through `use`.
func expand(ws []*work, s *State, d *Decl, extra []Arg, raw bool, errs *ErrorList) []*work {
	if d.Module == "" || d.Fun == "" {
		errs.add(d.Pos, s.ID, "state '%s': '%s.%s' is not a state function", s.ID, d.Module, d.Fun)
		return ws
	}
	base := &work{Chunk: Chunk{
		ID: s.ID, Name: s.ID, State: d.Module, Fun: d.Fun, SLS: s.SLS, Env: s.Env,
		Source: d.Pos.String(), Args: make(map[string]any, len(d.Args)),
	}, auto: d.AutoOrder, pos: d.Pos, raw: raw}
	var names []any
	var namesPos Pos
	for _, a := range append(d.Args[:len(d.Args):len(d.Args)], extra...) {
		if a.Key == "names" {
			l, ok := a.Value.([]any)
			if !ok {
				errs.add(a.Pos, s.ID, "state '%s': names: want a list, got %s", s.ID, typeName(a.Value))
				continue
			}
			names, namesPos = l, a.Pos
			continue
		}
		base.setArg(a, errs)
	}
	if names == nil {
		return append(ws, base)
	}
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		w := base.clone()
		w.fromNames = true
		w.nameOrder = i + 1
		switch t := n.(type) {
		case *odict.Map:
			if t.Len() != 1 {
				errs.add(namesPos, s.ID, "state '%s': names: an entry with arguments has one key, the name; got %d keys", s.ID, t.Len())
				continue
			}
			for name, over := range t.All() {
				w.Name = name
				for _, a := range overrides(over, namesPos, s.ID, errs) {
					// Salt's compile_high_data updates the chunk with
					// the entry's arguments: a requisite there replaces
					// the state's of its kind. Its requisite_in never
					// looks inside names, so an _in or use there does
					// nothing.
					if !w.raw && (inKinds[a.Key] != "" || a.Key == "use" || a.Key == "use_in") {
						continue
					}
					if forwardSet[a.Key] {
						w.dropRequisites(a.Key)
					}
					w.setArg(a, errs)
				}
			}
		default:
			name, ok := scalarText(n)
			if !ok {
				errs.add(namesPos, s.ID, "state '%s': names: want names, got %s", s.ID, typeName(n))
				continue
			}
			w.Name = name
		}
		// Salt keeps the first of repeated names.
		if seen[w.Name] {
			continue
		}
		seen[w.Name] = true
		ws = append(ws, w)
	}
	return ws
}

// overrides reads the arguments of a `names` entry: a list of one-key
// mappings, as Salt wants, or a mapping.
func overrides(v any, pos Pos, id string, errs *ErrorList) []Arg {
	var out []Arg
	switch t := v.(type) {
	case nil:
	case *odict.Map:
		for k, v := range t.All() {
			out = append(out, Arg{Key: k, Value: v, Pos: pos})
		}
	case []any:
		for _, e := range t {
			m, ok := e.(*odict.Map)
			if !ok {
				errs.add(pos, id, "state '%s': names: want `- argument: value` under a name, got %s", id, typeName(e))
				continue
			}
			for k, v := range m.All() {
				out = append(out, Arg{Key: k, Value: v, Pos: pos})
			}
		}
	default:
		errs.add(pos, id, "state '%s': names: want arguments under a name, got %s", id, typeName(v))
	}
	return out
}

// dropRequisites removes the requisites of one kind, for a `names` entry
// that gives its own.
func (w *work) dropRequisites(kind string) {
	n := 0
	for i, r := range w.Requisites {
		if r.Kind != kind {
			w.Requisites[n], w.reqPos[n] = r, w.reqPos[i]
			n++
		}
	}
	w.Requisites, w.reqPos = w.Requisites[:n], w.reqPos[:n]
}

func (w *work) clone() *work {
	c := *w
	c.Args = make(map[string]any, len(w.Args))
	for k, v := range w.Args {
		c.Args[k] = v
	}
	c.Requisites = slices.Clone(w.Requisites)
	c.reqPos = slices.Clone(w.reqPos)
	c.ins = slices.Clone(w.ins)
	return &c
}

// setArg files one argument: name, order and requisites have their own
// places; the rest go to Args, a later one replacing an earlier one.
func (w *work) setArg(a Arg, errs *ErrorList) {
	if w.raw && (inKinds[a.Key] != "" || a.Key == "use" || a.Key == "use_in") {
		w.Args[a.Key] = a.Value
		return
	}
	switch {
	case a.Key == "name":
		// Salt's compile_high_data takes a name that is not a string (a
		// number, a boolean, null, a list) for no name: the state's name
		// is its ID.
		if name, ok := a.Value.(string); ok {
			w.Name = name
		} else {
			w.Name = w.ID
		}
	case a.Key == "order":
		w.order, w.explicit = a.Value, true
	case a.Key == "use" || a.Key == "use_in":
		// Resolved before the chunks are made: see useArgs.
	case forwardSet[a.Key]:
		for _, t := range requisiteTargets(a, w.ID, errs) {
			w.Requisites = append(w.Requisites, Requisite{Kind: a.Key, Module: t[0], Ref: t[1]})
			w.reqPos = append(w.reqPos, a.Pos)
		}
	case inKinds[a.Key] != "":
		for _, t := range requisiteTargets(a, w.ID, errs) {
			w.ins = append(w.ins, inReq{kind: inKinds[a.Key], module: t[0], ref: t[1], pos: a.Pos})
		}
	default:
		w.Args[a.Key] = a.Value
	}
}

// sortWork puts chunks in Salt's run order (State.order_chunks): `order:
// first` (0), then numbered orders, then the automatic order of
// declaration (10000 up), then negative orders, then `last`. The chunks of
// a `names` list keep their order (Salt adds name_order/10000); equal
// orders sort by state, name and function, as Salt's sort key does.
func sortWork(ws []*work) {
	cap := 1.0
	for _, w := range ws {
		var o float64
		if !w.explicit {
			o = float64(w.auto)
		} else if n, ok := w.order.(int); ok {
			o = float64(n)
		} else {
			continue
		}
		if o > cap-1 && o > 0 {
			cap = o + 100
		}
	}
	for _, w := range ws {
		var o float64
		switch t := w.order.(type) {
		case int:
			o = float64(t)
		case float64:
			o = t
		case string:
			switch t {
			case "first":
				o = 0
			case "last":
				o = cap + 1e6
			default:
				o = cap
			}
		default:
			o = cap
		}
		if !w.explicit {
			o = float64(w.auto)
			if w.auto == 0 {
				o = cap
			}
		}
		if w.nameOrder > 0 {
			o += float64(w.nameOrder) / 10000
		}
		if o < 0 {
			o = cap + 1e6 + o
		}
		if math.IsNaN(o) {
			o = cap
		}
		w.key = o
		if _, isFloat := w.order.(float64); (isFloat && w.explicit) || w.nameOrder > 0 {
			w.SaltOrder = o
		} else {
			w.SaltOrder = int(o)
		}
	}
	slices.SortStableFunc(ws, func(a, b *work) int {
		if ka, kb := a.key, b.key; ka != kb {
			if ka < kb {
				return -1
			}
			return 1
		}
		if c := strings.Compare(a.State+a.Name+a.Fun, b.State+b.Name+b.Fun); c != 0 {
			return c
		}
		return a.rank - b.rank
	})
}

// recursiveRequisites is the check of Salt's verify_high: two states
// that require (or watch, prereq, onchanges) each other, each naming the
// other `- module: ID` with the other's module, or a state naming itself
// so, are refused before anything runs: 'A recursive requisite was
// found, SLS "S" ID "B" ID "A"'. As in Salt, only such direct loops are
// found here (each ID keeps the targets of its last requisite argument
// read, as Salt's reqs dict does); a longer loop, or one written with
// bare IDs, names or _in forms, fails its states when they run:
// "Recursive requisite found" (pkg/engine), and the run goes on.
func (h *High) recursiveRequisites(errs *ErrorList) {
	type entry struct {
		state string
		refs  map[string]string // target ID (as written) -> module
	}
	reqs := map[string]*entry{}
	var quiet ErrorList // bad entries are reported where the chunks are made
	for _, s := range h.States {
		for _, d := range s.Decls {
			for _, a := range d.Args {
				switch a.Key {
				case "require", "watch", "prereq", "onchanges":
				default:
					continue
				}
				e := &entry{state: d.Module, refs: map[string]string{}}
				reqs[s.ID] = e
				for _, t := range requisiteTargets(a, s.ID, &quiet) {
					mod, val := t[0], t[1]
					e.refs[val] = mod
					o, ok := reqs[val]
					if !ok {
						continue
					}
					if m, ok := o.refs[s.ID]; ok && m == d.Module && o.state == mod {
						errs.add(a.Pos, s.ID, `A recursive requisite was found, SLS "%s" ID "%s" ID "%s"`, s.SLS, s.ID, val)
					}
				}
			}
		}
	}
}

// scalarText returns a scalar's text: IDs and names are strings in Salt
// even when YAML read them as numbers.
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case int:
		return strconv.Itoa(t), true
	case uint64:
		return strconv.FormatUint(t, 10), true
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64), true
	case bool:
		if t {
			return "True", true
		}
		return "False", true
	}
	return "", false
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "nothing (null)"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int, uint64:
		return "an integer"
	case float64:
		return "a number"
	case []any:
		return "a list"
	case *odict.Map, map[string]any:
		return "a mapping"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
