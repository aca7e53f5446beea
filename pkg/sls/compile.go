package sls

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Requisite kinds that run after their targets. The order of this list is
// the order in which kinds are printed.
var forwardKinds = []string{
	"require", "require_any", "watch", "watch_any", "onchanges", "onchanges_any",
	"onfail", "onfail_any", "onfail_all", "prereq", "listen",
}

// inKinds maps each `_in` form to the forward kind it puts on its target.
var inKinds = map[string]string{
	"require_in": "require", "watch_in": "watch", "onchanges_in": "onchanges",
	"onfail_in": "onfail", "prereq_in": "prereq", "listen_in": "listen",
}

var forwardSet = func() map[string]bool {
	m := make(map[string]bool, len(forwardKinds))
	for _, k := range forwardKinds {
		m[k] = true
	}
	return m
}()

func isRequisiteKey(k string) bool { return forwardSet[k] || inKinds[k] != "" }

// orders reports whether a kind makes its holder wait for its targets;
// listen only acts at the end of the run.
func orders(kind string) bool { return kind != "listen" }

// work is a chunk under construction.
type work struct {
	Chunk
	rank     int // declaration rank, for stable ordering
	order    any // `order:` as written, or nil
	auto     int
	reqPos   []Pos
	ins      []inReq
	explicit bool // has an `order` argument
	pos      Pos  // the declaration, as Source is its text
	key      float64
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
func (h *High) Compile() ([]Chunk, error) {
	var errs ErrorList
	ws := make([]*work, 0, len(h.States)+len(h.States)/4)
	for _, s := range h.States {
		for _, d := range s.Decls {
			ws = expand(ws, s, d, &errs)
		}
	}
	ix := newIndex(ws)
	// Turn `_in` around: `A: require_in: B` is `B: require: A`.
	for _, w := range ws {
		for _, in := range w.ins {
			targets := ix.match(in.module, in.ref, w)
			if len(targets) == 0 {
				errs.addErr(missing(w, in.kind+"_in", in.module, in.ref, in.pos, h))
				continue
			}
			for _, t := range targets {
				r := Requisite{Kind: in.kind, Module: w.State, Ref: w.ID}
				if !hasReq(t, r) {
					t.Requisites = append(t.Requisites, r)
					t.reqPos = append(t.reqPos, in.pos)
				}
			}
		}
	}
	for _, w := range ws {
		for i := range w.Requisites {
			r := &w.Requisites[i]
			targets := ix.match(r.Module, r.Ref, w)
			if len(targets) == 0 {
				errs.addErr(missing(w, r.Kind, r.Module, r.Ref, w.reqPos[i], h))
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
	if e := findCycle(ws); e != nil {
		return nil, ErrorList{e}
	}
	out := make([]Chunk, len(ws))
	for i, w := range ws {
		w.Order = i
		out[i] = w.Chunk
	}
	return out, nil
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
func expand(ws []*work, s *State, d *Decl, errs *ErrorList) []*work {
	base := &work{Chunk: Chunk{
		ID: s.ID, Name: s.ID, State: d.Module, Fun: d.Fun, SLS: s.SLS, Env: s.Env,
		Source: d.Pos.String(), Args: make(map[string]any, len(d.Args)),
	}, auto: d.AutoOrder, pos: d.Pos}
	var names []any
	var namesPos Pos
	for _, a := range d.Args {
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
	for _, n := range names {
		w := base.clone()
		switch t := n.(type) {
		case map[string]any:
			if len(t) != 1 {
				errs.add(namesPos, s.ID, "state '%s': names: an entry with arguments has one key, the name; got %d keys", s.ID, len(t))
				continue
			}
			for name, over := range t {
				w.Name = name
				for _, a := range overrides(over, namesPos, s.ID, errs) {
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
	case map[string]any:
		for _, k := range sortedKeys(t) {
			out = append(out, Arg{Key: k, Value: t[k], Pos: pos})
		}
	case []any:
		for _, e := range t {
			m, ok := e.(map[string]any)
			if !ok {
				errs.add(pos, id, "state '%s': names: want `- argument: value` under a name, got %s", id, typeName(e))
				continue
			}
			for _, k := range sortedKeys(m) {
				out = append(out, Arg{Key: k, Value: m[k], Pos: pos})
			}
		}
	default:
		errs.add(pos, id, "state '%s': names: want arguments under a name, got %s", id, typeName(v))
	}
	return out
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
	switch {
	case a.Key == "name":
		name, ok := scalarText(a.Value)
		if !ok {
			errs.add(a.Pos, w.ID, "state '%s': name: want a string, got %s", w.ID, typeName(a.Value))
			return
		}
		w.Name = name
	case a.Key == "order":
		w.order, w.explicit = a.Value, true
	case a.Key == "use" || a.Key == "use_in":
		errs.add(a.Pos, w.ID, "state '%s': the '%s' requisite is not supported; copy the arguments instead", w.ID, a.Key)
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

// requisiteTargets reads a requisite's list: `- module: ref`, `- sls: x`,
// `- id: x`, or a bare ID; a single entry may stand without the list.
func requisiteTargets(a Arg, id string, errs *ErrorList) [][2]string {
	items, ok := a.Value.([]any)
	if !ok {
		items = []any{a.Value}
	}
	out := make([][2]string, 0, len(items))
	for _, it := range items {
		switch t := it.(type) {
		case nil:
			// `- require:` with nothing under it, as a Jinja loop may leave.
		case map[string]any:
			for _, mod := range sortedKeys(t) {
				refs, ok := t[mod].([]any)
				if !ok {
					refs = []any{t[mod]}
				}
				for _, r := range refs {
					ref, ok := scalarText(r)
					if !ok || ref == "" {
						errs.add(a.Pos, id, "state '%s': %s: %s: want an ID or name, got %s", id, a.Key, mod, typeName(r))
						continue
					}
					out = append(out, [2]string{mod, ref})
				}
			}
		default:
			ref, ok := scalarText(it)
			if !ok || ref == "" {
				errs.add(a.Pos, id, "state '%s': %s: want `- module: ID` or an ID, got %s", id, a.Key, typeName(it))
				continue
			}
			out = append(out, [2]string{"id", ref})
		}
	}
	return out
}

// index finds the chunks a requisite names.
type index struct {
	all   []*work
	byMod map[string][]*work // module \x00 ID-or-name
	byRef map[string][]*work // ID-or-name, any module
	bySLS map[string][]*work
}

func newIndex(ws []*work) *index {
	ix := &index{
		all:   ws,
		byMod: make(map[string][]*work, 2*len(ws)),
		byRef: make(map[string][]*work, 2*len(ws)),
		bySLS: map[string][]*work{},
	}
	for i, w := range ws {
		w.rank = i
		ix.byMod[w.State+"\x00"+w.ID] = append(ix.byMod[w.State+"\x00"+w.ID], w)
		ix.byRef[w.ID] = append(ix.byRef[w.ID], w)
		if w.Name != w.ID {
			ix.byMod[w.State+"\x00"+w.Name] = append(ix.byMod[w.State+"\x00"+w.Name], w)
			ix.byRef[w.Name] = append(ix.byRef[w.Name], w)
		}
		ix.bySLS[w.SLS] = append(ix.bySLS[w.SLS], w)
	}
	return ix
}

// match returns the chunks named by `module: ref`, without self. Refs
// with glob characters match as Salt's fnmatch does.
func (ix *index) match(module, ref string, self *work) []*work {
	var found []*work
	glob := strings.ContainsAny(ref, "*?[")
	switch {
	case module == "sls" && !glob:
		found = ix.bySLS[ref]
	case module == "sls":
		for _, w := range ix.all {
			if fnmatch(ref, w.SLS) {
				found = append(found, w)
			}
		}
	case glob:
		for _, w := range ix.all {
			if (module == "id" || w.State == module) && (fnmatch(ref, w.ID) || fnmatch(ref, w.Name)) {
				found = append(found, w)
			}
		}
	case module == "id":
		found = ix.byRef[ref]
	default:
		found = ix.byMod[module+"\x00"+ref]
	}
	// A state matching itself is only meant through `sls:` (its own SLS)
	// or a glob; drop it there, keep it otherwise so the cycle is reported.
	if (module == "sls" || glob) && slices.Contains(found, self) {
		found = slices.DeleteFunc(slices.Clone(found), func(w *work) bool { return w == self })
		if len(found) == 0 {
			return []*work{}
		}
	}
	// Two names of one ID match both the ID and a name entry; keep each once.
	if len(found) > 1 && module != "sls" && !glob {
		seen := make(map[*work]bool, len(found))
		uniq := found[:0:0]
		for _, w := range found {
			if !seen[w] {
				seen[w] = true
				uniq = append(uniq, w)
			}
		}
		found = uniq
	}
	if found == nil {
		return nil
	}
	return found
}

// sortWork puts chunks in Salt's run order: `order: first` (0), then
// numbered orders, then the automatic order of declaration (10000 up),
// then `last`. Ties keep declaration order.
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
		if o < 0 {
			o = cap + 1e6 + o
		}
		if math.IsNaN(o) {
			o = cap
		}
		w.key = o
	}
	slices.SortStableFunc(ws, func(a, b *work) int {
		if ka, kb := a.key, b.key; ka != kb {
			if ka < kb {
				return -1
			}
			return 1
		}
		return a.rank - b.rank
	})
}

// findCycle reports one requisite cycle, printed as a -> b -> a.
func findCycle(ws []*work) *Error {
	byKey := make(map[string]*work, len(ws))
	for _, w := range ws {
		byKey[w.Key()] = w
	}
	const (
		white = iota
		grey
		black
	)
	color := make(map[*work]int8, len(ws))
	var stack []*work
	var found []*work
	var visit func(w *work) bool
	visit = func(w *work) bool {
		color[w] = grey
		stack = append(stack, w)
		for _, r := range w.Requisites {
			if !orders(r.Kind) {
				continue
			}
			for _, k := range r.Targets {
				t := byKey[k]
				switch color[t] {
				case grey:
					i := slices.Index(stack, t)
					found = append(slices.Clone(stack[i:]), t)
					return true
				case white:
					if visit(t) {
						return true
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[w] = black
		return false
	}
	for _, w := range ws {
		if color[w] == white && visit(w) {
			break
		}
	}
	if found == nil {
		return nil
	}
	parts := make([]string, len(found))
	for i, w := range found {
		parts[i] = fmt.Sprintf("%s: %s", w.State, w.ID)
		if w.Name != w.ID {
			parts[i] += " (" + w.Name + ")"
		}
		if i < len(found)-1 {
			parts[i] += " [" + w.Source + "]"
		}
	}
	first := found[0]
	return &Error{Pos: first.pos, ID: first.ID, Msg: "requisite cycle: " + strings.Join(parts, " -> ")}
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
	case map[string]any:
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

// fnmatch is Python's fnmatch.fnmatch (case-sensitive): * matches any
// run of characters, / included, ? one, [seq] and [!seq] a set.
func fnmatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?[") {
		return pattern == s
	}
	// Iterative matcher with one backtrack point for the last star; the
	// runes of s are walked at most len(s) times per star.
	p, n := []rune(pattern), []rune(s)
	pi, ni, star, mark := 0, 0, -1, 0
	for ni < len(n) {
		if pi < len(p) {
			switch p[pi] {
			case '*':
				star, mark = pi, ni
				pi++
				continue
			case '?':
				pi++
				ni++
				continue
			case '[':
				if end, ok := classMatch(p, pi, n[ni]); end > 0 {
					if ok {
						pi = end
						ni++
						continue
					}
				} else if n[ni] == '[' { // unclosed: a literal [
					pi++
					ni++
					continue
				}
			default:
				if p[pi] == n[ni] {
					pi++
					ni++
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		mark++
		pi, ni = star+1, mark
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// classMatch matches c against the set starting at p[i] == '['. It
// returns the index after the closing ] (0 if unclosed) and the result.
func classMatch(p []rune, i int, c rune) (int, bool) {
	j := i + 1
	neg := false
	if j < len(p) && p[j] == '!' {
		neg = true
		j++
	}
	if j < len(p) && p[j] == ']' {
		j++ // a ] first in the set is literal
	}
	for j < len(p) && p[j] != ']' {
		j++
	}
	if j >= len(p) {
		return 0, false
	}
	set := p[i+1 : j]
	if neg {
		set = set[1:]
	}
	ok := false
	for k := 0; k < len(set); k++ {
		if k+2 < len(set) && set[k+1] == '-' {
			if set[k] <= c && c <= set[k+2] {
				ok = true
			}
			k += 2
			continue
		}
		if set[k] == c {
			ok = true
		}
	}
	return j + 1, ok != neg
}
