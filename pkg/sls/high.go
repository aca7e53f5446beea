package sls

import (
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// High is high data: every state of one or more SLS files, after their
// includes, extends and excludes, in declaration order. It is what
// state.show_sls and state.show_highstate print; Compile turns it into low
// chunks.
type High struct {
	// States are in Salt's declaration order: an included file's states
	// come before those of the file that includes it, and files are read
	// in the order they are named.
	States []*State
	// SLS lists the SLS files read, as "env:name", in the order read.
	SLS []string
	// Extend, when not nil, holds the `extend:` blocks not yet merged
	// into States, in the order read: Compiler.ShowSLS's display, which
	// prints them as Salt's __extend__.
	Extend []*State
	// Exclude, for ShowSLS's display, are the exclude: items as written,
	// Salt's __exclude__.
	Exclude []any
	// extendAt and excludeAt are where Salt's high data has its
	// __extend__ and __exclude__ keys: before the states of the first
	// SLS named whose files have one (render_highstate creates the key
	// when it merges that SLS, ahead of its IDs). Set by ShowSLS.
	extendAt, excludeAt int

	byID map[string]*State
	// excluded remembers IDs removed by an exclude, so a requisite that
	// still names one can say so instead of "no state declares it".
	excluded map[string]Pos
	// dropped are the states an exclude removed: Salt's requisite_in
	// runs before apply_exclude, so their `_in` requisites still reach
	// the states they name (see compile).
	dropped  []*State
	nextAuto int
}

// State is one ID declaration: the ID and its state modules.
type State struct {
	ID    string
	SLS   string // __sls__
	Env   string // __env__
	Pos   Pos    // where the ID is declared
	Decls []*Decl
}

// Decl is one state module under an ID, e.g. `file.managed: [...]`.
type Decl struct {
	Module string // "file"
	Fun    string // "managed"
	// FunAt is how many of Args came before the function name, for
	// show_highstate: Salt keeps a name listed as `- installed` where it
	// was and appends the name of a `pkg.installed:` key after the
	// arguments written under it.
	FunAt int
	// Args are as written, in order, including name, names, order and the
	// requisites. A later argument of the same key wins.
	Args []Arg
	Pos  Pos
	// AutoOrder is the order Salt's state_auto_order gives a declaration
	// without an `order:` argument: 10000 plus its rank in the high data.
	AutoOrder int
}

// Arg is one argument of a declaration, `- key: value`.
type Arg struct {
	Key string
	// Value is as decoded: dicts are *odict.Map, in the order written.
	Value any
	Pos   Pos
	// WithPrev marks an argument written in the same list item as the one
	// before it (`- a: 1` with `b: 2` under it, often an indentation
	// slip); show_highstate prints them as one mapping, as Salt does.
	WithPrev bool
}

// autoOrderBase is where Salt starts automatic orders (BaseHighState.iorder),
// so that `order: N` below it runs first.
const autoOrderBase = 10000

// NewHigh returns empty high data.
func NewHigh() *High {
	return &High{byID: map[string]*State{}, nextAuto: autoOrderBase}
}

// Lookup returns the state with the given ID, or nil.
func (h *High) Lookup(id string) *State { return h.byID[id] }

// Add appends a state. An ID already present is an error naming both
// declarations. Declarations without an `order` get the next automatic
// order, as Salt numbers them when it renders a file.
func (h *High) Add(s *State) error {
	if h.byID == nil {
		h.byID = map[string]*State{}
	}
	if h.nextAuto < autoOrderBase {
		h.nextAuto = autoOrderBase
	}
	if old, dup := h.byID[s.ID]; dup {
		// Salt's words (merge_included_states, render_highstate), then
		// where each declaration is.
		return &Error{Pos: s.Pos, ID: s.ID, Msg: fmt.Sprintf(
			"Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID is '%s' and is found in SLS '%s:%s' and SLS '%s:%s' (%s and %s)",
			s.ID, old.Env, old.SLS, s.Env, s.SLS, old.Pos, s.Pos)}
	}
	for _, d := range s.Decls {
		h.number(d)
	}
	h.byID[s.ID] = s
	h.States = append(h.States, s)
	return nil
}

func (h *High) number(d *Decl) {
	if d.AutoOrder == 0 && !d.has("order") {
		d.AutoOrder = h.nextAuto
		h.nextAuto++
	}
}

// Arg returns the last value given for key.
func (d *Decl) Arg(key string) (any, bool) {
	for i := len(d.Args) - 1; i >= 0; i-- {
		if d.Args[i].Key == key {
			return d.Args[i].Value, true
		}
	}
	return nil, false
}

func (d *Decl) has(key string) bool { _, ok := d.Arg(key); return ok }

// Decl returns the declaration of module, or nil.
func (s *State) Decl(module string) *Decl {
	for _, d := range s.Decls {
		if d.Module == module {
			return d
		}
	}
	return nil
}

// slsFile is one parsed SLS file, before its includes are read.
type slsFile struct {
	Includes []slsRef
	Excludes []exclude
	// ExcludeItems are the exclude: list's items as written (a name, or
	// {sls: x} / {id: y}), which Salt's show_sls prints as __exclude__.
	ExcludeItems []any
	Extends      []*State
	States       []*State
}

// slsRef names an SLS file in an environment.
type slsRef struct {
	Env, Name string
	Pos       Pos  // where it was named (include, top), for errors
	Include   bool // named by an include: (Salt words a missing one its own way)
}

type exclude struct {
	Kind string // "sls" or "id"
	Name string
	Pos  Pos
}

// parseSLS reads the high data of one SLS file. It keeps going after a
// bad state so that one run reports every problem.
// Mappings in arguments are *odict.Map values, in the order written.
func parseSLS(src []byte, sls, env string, pos Pos, isInit bool) (*slsFile, ErrorList) {
	var errs ErrorList
	root, err := parseYAML(src, pos, true)
	if err != nil {
		errs.addErr(asError(err, pos))
		return nil, errs
	}
	f := &slsFile{}
	if root == nil {
		return f, nil
	}
	d := &decoder{pos: pos, odict: true}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return f, nil
	}
	top, err := d.pairs(root, 0)
	if err != nil {
		errs.addErr(asError(err, pos))
		if root.Kind != yaml.MappingNode {
			errs[len(errs)-1].Msg = "an SLS file must be a mapping of state IDs, got " + kindName(root)
		}
		return nil, errs
	}
	for _, p := range top {
		at := d.at(p.KeyN)
		switch {
		case p.Key == "include":
			if msg := d.notKind(p.Value, yaml.SequenceNode, "Include Declaration in SLS %s is not formed as a list", sls); msg != nil {
				errs.addErr(msg)
				continue
			}
			f.Includes = d.includes(p.Value, sls, env, isInit, &errs)
		case p.Key == "exclude":
			if msg := d.notKind(p.Value, yaml.SequenceNode, "Exclude Declaration in SLS %s is not formed as a list", sls); msg != nil {
				errs.addErr(msg)
				continue
			}
			f.Excludes, f.ExcludeItems = d.excludes(p.Value, &errs)
		case p.Key == "extend":
			if msg := d.notKind(p.Value, yaml.MappingNode, "Extension value in SLS '%s' is not a dictionary", sls); msg != nil {
				errs.addErr(msg)
				continue
			}
			ps, err := d.pairs(p.Value, 1)
			if err != nil {
				errs.addErr(asError(err, at))
				continue
			}
			for _, e := range ps {
				s, err := d.state(e, sls, env, true)
				if err != nil {
					errs.addErr(err)
					continue
				}
				f.Extends = append(f.Extends, s)
			}
		case strings.HasPrefix(p.Key, "__"):
			// Salt's own bookkeeping keys (__sls__, __env__…): never states.
		default:
			if e := d.idNotString(p, sls); e != nil {
				errs.addErr(e)
				continue
			}
			s, err := d.state(p, sls, env, false)
			if err != nil {
				errs.addErr(err)
				continue
			}
			f.States = append(f.States, s)
		}
	}
	return f, errs
}

// state parses one `ID: {module: [args]}` entry. In an extend, a module
// may omit its function.
func (d *decoder) state(p pair, sls, env string, extend bool) (*State, *Error) {
	s := &State{ID: p.Key, SLS: sls, Env: env, Pos: d.at(p.KeyN)}
	fail := func(n *yaml.Node, format string, args ...any) *Error {
		e := d.errf(n, format, args...)
		e.ID = s.ID
		e.Msg = fmt.Sprintf("state '%s': %s", s.ID, e.Msg)
		return e
	}
	v, err := d.deref(p.Value, 1)
	if err != nil {
		return nil, asError(err, s.Pos)
	}
	// `vim: pkg.installed` is Salt's short form of `vim: {pkg.installed: []}`.
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && strings.Contains(v.Value, ".") && !strings.ContainsAny(v.Value, " \t") {
		mod, fun, _ := strings.Cut(v.Value, ".")
		if mod != "" && fun != "" {
			s.Decls = []*Decl{{Module: mod, Fun: fun, Pos: d.at(v)}}
			return s, nil
		}
	}
	if v.Kind != yaml.MappingNode {
		return nil, fail(v, "want a mapping of state modules (such as `pkg.installed: []`), got %s", kindName(v))
	}
	ps, err := d.pairs(v, 1)
	if err != nil {
		return nil, asError(err, s.Pos)
	}
	var dotted []*Decl
	for _, mp := range ps {
		if strings.HasPrefix(mp.Key, "__") {
			continue
		}
		decl := &Decl{Pos: d.at(mp.KeyN)}
		decl.Module, decl.Fun, _ = strings.Cut(mp.Key, ".")
		if decl.Module == "" {
			return nil, fail(mp.KeyN, "'%s' is not a state module", mp.Key)
		}
		body, err := d.deref(mp.Value, 2)
		if err != nil {
			return nil, asError(err, decl.Pos)
		}
		if !extend {
			if msg := bodyNotList(body, mp.Key, s); msg != "" {
				return nil, &Error{Pos: decl.Pos, ID: s.ID, Msg: msg}
			}
		}
		switch body.Kind {
		case yaml.SequenceNode:
			for _, item := range body.Content {
				item, err := d.deref(item, 3)
				if err != nil {
					return nil, asError(err, decl.Pos)
				}
				switch {
				case item.Kind == yaml.ScalarNode && item.ShortTag() == "!!str":
					if msg := funWithSpace(item.Value, s); msg != "" && !extend {
						return nil, &Error{Pos: d.at(item), ID: s.ID, Msg: msg}
					}
					if decl.Fun != "" {
						// Salt's verify_high words first, then which two.
						return nil, &Error{Pos: d.at(item), ID: s.ID, Msg: fmt.Sprintf(
							"Too many functions declared in state '%s' in SLS '%s' (ID '%s' gives '%s' and '%s'; declare a second ID for the second one)",
							decl.Module, s.SLS, s.ID, decl.Fun, item.Value)}
					}
					decl.Fun = item.Value
					decl.FunAt = len(decl.Args)
				case item.Kind == yaml.MappingNode:
					if err := d.args(decl, item); err != nil {
						return nil, asError(err, decl.Pos)
					}
				default:
					return nil, fail(item, "in '%s': want a function name or `- argument: value`, got %s", mp.Key, kindName(item))
				}
			}
		case yaml.MappingNode:
			// Salt wants a list here; a mapping of arguments means the
			// same thing, so take it rather than fail.
			if err := d.args(decl, body); err != nil {
				return nil, asError(err, decl.Pos)
			}
		case yaml.ScalarNode:
			switch {
			case body.ShortTag() == "!!null":
			case body.ShortTag() == "!!str" && decl.Fun == "":
				decl.Fun = body.Value // `pkg: installed`
			default:
				return nil, fail(body, "in '%s': want a list of arguments, got %s", mp.Key, kindName(body))
			}
		}
		if strings.Contains(mp.Key, ".") {
			decl.FunAt = len(decl.Args)
		}
		if e := verifyArgs(decl, s); e != nil {
			return nil, e
		}
		if decl.Fun == "" && !extend {
			return nil, &Error{Pos: d.at(mp.KeyN), ID: s.ID, Msg: fmt.Sprintf(
				"No function declared in state '%s' in SLS '%s' (ID '%s': write `%s.FUNCTION:` or list the function under it)",
				decl.Module, s.SLS, s.ID, decl.Module)}
		}
		if prev := s.Decl(decl.Module); prev != nil {
			return nil, fail(mp.KeyN, "module '%s' is declared twice (%s.%s at line %d, %s.%s here); one ID takes one function per module",
				decl.Module, prev.Module, prev.Fun, prev.Pos.Line, decl.Module, decl.Fun)
		}
		s.Decls = append(s.Decls, decl)
		if strings.Contains(mp.Key, ".") {
			dotted = append(dotted, decl)
		}
	}
	if len(s.Decls) == 0 && !extend {
		return nil, fail(v, "declares no state module")
	}
	// Salt's _handle_state_decls moves each `mod.fun:` key to the end of
	// its ID, before the automatic orders are given: when an ID mixes
	// `pkg: [installed]` and `service.running:`, the dotted ones come
	// last.
	if len(dotted) > 0 && len(dotted) < len(s.Decls) {
		plain := make([]*Decl, 0, len(s.Decls))
		for _, d := range s.Decls {
			if !slices.Contains(dotted, d) {
				plain = append(plain, d)
			}
		}
		s.Decls = append(plain, dotted...)
	}
	return s, nil
}

func (d *decoder) args(decl *Decl, m *yaml.Node) error {
	ps, err := d.pairs(m, 3)
	if err != nil {
		return err
	}
	for i, p := range ps {
		v, err := d.value(p.Value, 4)
		if err != nil {
			return err
		}
		decl.Args = append(decl.Args, Arg{Key: p.Key, Value: v, Pos: d.at(p.KeyN), WithPrev: i > 0})
	}
	return nil
}

// includes reads `include:`: names, {env: name-or-list}, or {sls: [...]}.
func (d *decoder) includes(n *yaml.Node, sls, env string, isInit bool, errs *ErrorList) []slsRef {
	v, err := d.value(n, 1)
	if err != nil {
		errs.addErr(asError(err, d.at(n)))
		return nil
	}
	var out []slsRef
	add := func(e string, name any) {
		s, ok := name.(string)
		if !ok || s == "" {
			errs.add(d.at(n), "", "include: want SLS names, got %v", name)
			return
		}
		full, err := resolveRelative(s, sls, isInit)
		if errors.Is(err, errAboveTop) {
			// Salt's render_state words it so.
			errs.add(d.at(n), "", "Attempted relative include of '%s' within SLS '%s:%s' goes beyond top level package", s, env, sls)
			return
		}
		if err != nil {
			errs.add(d.at(n), "", "include: %v", err)
			return
		}
		out = append(out, slsRef{Env: e, Name: full, Pos: d.at(n), Include: true})
	}
	items, ok := v.([]any)
	if !ok {
		items = []any{v}
	}
	for _, it := range items {
		switch t := it.(type) {
		case nil:
			// `include:` with nothing under it, as a Jinja loop may leave.
		case *odict.Map:
			for k, val := range t.All() {
				e := k
				if k == "sls" || k == "_xenv" {
					e = env
				}
				if l, ok := val.([]any); ok {
					for _, x := range l {
						add(e, x)
					}
				} else {
					add(e, val)
				}
			}
		default:
			add(env, t)
		}
	}
	return out
}

// resolveRelative turns `.x` and `..x` into full SLS names, as Salt does:
// each dot climbs one level from the including SLS, and an init.sls
// counts as one level below its package.
// errAboveTop is a relative include with more dots than the SLS has
// levels.
var errAboveTop = errors.New("goes beyond top level package")

func resolveRelative(inc, sls string, isInit bool) (string, error) {
	if !strings.HasPrefix(inc, ".") {
		return inc, nil
	}
	rest := strings.TrimLeft(inc, ".")
	levels := len(inc) - len(rest)
	comps := strings.Split(sls, ".")
	if isInit {
		comps = append(comps, "init")
	}
	if levels > len(comps) {
		return "", fmt.Errorf("relative include '%s' from SLS '%s': %w", inc, sls, errAboveTop)
	}
	if rest == "" {
		return "", fmt.Errorf("relative include '%s' from SLS '%s' names no SLS", inc, sls)
	}
	return strings.Join(append(comps[:len(comps)-levels:len(comps)-levels], rest), "."), nil
}

// excludes reads `exclude:`: `- sls: x`, `- id: y`, or a bare SLS name.
func (d *decoder) excludes(n *yaml.Node, errs *ErrorList) ([]exclude, []any) {
	n, err := d.deref(n, 1)
	if err != nil {
		errs.addErr(asError(err, d.at(n)))
		return nil, nil
	}
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []exclude
	var written []any
	for _, it := range items {
		v, err := d.value(it, 2)
		if err != nil {
			errs.addErr(asError(err, d.at(it)))
			continue
		}
		written = append(written, v)
		switch t := v.(type) {
		case nil:
		case string:
			out = append(out, exclude{Kind: "sls", Name: t, Pos: d.at(it)})
		case *odict.Map:
			for k, val := range t.All() {
				s, ok := val.(string)
				if (k != "sls" && k != "id") || !ok {
					errs.add(d.at(it), "", "exclude: want `- sls: NAME` or `- id: ID`, got %s: %v", k, val)
					continue
				}
				out = append(out, exclude{Kind: k, Name: s, Pos: d.at(it)})
			}
		default:
			errs.add(d.at(it), "", "exclude: want `- sls: NAME` or `- id: ID`, got %v", v)
		}
	}
	return out, written
}

// asError makes sure err is an *Error with a position.
func asError(err error, pos Pos) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Pos: pos, Err: err}
}

// clone copies the states deeply enough that merging extends into h
// leaves the copy as declared: each State, Decl and Args slice is new.
func (h *High) clone() *High {
	out := &High{SLS: append([]string(nil), h.SLS...), byID: make(map[string]*State, len(h.byID)),
		excluded: h.excluded, dropped: h.dropped, nextAuto: h.nextAuto}
	for _, s := range h.States {
		ns := *s
		ns.Decls = make([]*Decl, len(s.Decls))
		for i, d := range s.Decls {
			nd := *d
			nd.Args = append([]Arg(nil), d.Args...)
			ns.Decls[i] = &nd
		}
		out.States = append(out.States, &ns)
		out.byID[ns.ID] = &ns
	}
	return out
}
