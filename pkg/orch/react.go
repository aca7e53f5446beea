package orch

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// ReactionFile is one reaction SLS of an event: the tree that holds it
// and its SLS name there; Path is how the reactor's mapping names it.
type ReactionFile struct {
	Roots fileroot.Roots
	Name  string
	Path  string
}

// FileError is a reaction file that did not render: Salt's
// render_reaction logs it and goes on with the other files.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return fmt.Sprintf("reaction file %s: %v", e.Path, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// React runs the reaction files of one event as Salt's
// Reactor.reactions does (salt/utils/reactor.py): each file rendered on
// its own with the event's tag and data (Options.Extra), a file that
// does not render left out (its error returned), the rest merged into
// one high data where a later file's ID replaces an earlier file's, and
// the reactions run in the order of Salt's Compiler.order_chunks: by
// `order:`, then by module, name and function, not as written; runner
// and wheel reactions in the background, as Salt's pool runs them (React
// returns once they are done). When the merged data does not compile,
// nothing runs (Result.Errors).
func React(ctx context.Context, files []ReactionFile, o Options) (*Result, []error) {
	if o.ID == "" {
		o.ID = DefaultID()
	}
	if o.Saltenv == "" {
		o.Saltenv = fileroot.DefaultEnv
	}
	o.Reactions = true
	// Salt renders reactions in its MasterMinion, whose pillar is
	// empty: a reaction file's pillar is {} (an orchestration a runner
	// reaction starts has its own, from OrchPillarRoots).
	o.PillarRoots, o.Pillar = nil, nil
	res := &Result{ID: o.ID}
	var skipped []error
	comp, pil, err := compiler(ctx, o)
	if err != nil {
		res.Errors, res.Retcode = []string{err.Error()}, 1
		return res, nil
	}
	merged := map[string]*sls.State{}
	var ids, invalid []string
	for _, f := range files {
		c := *comp
		c.Files = &fileroot.Source{Roots: f.Roots, Env: o.Saltenv}
		h, err := c.Compose(ctx, []sls.Ref{{Env: o.Saltenv, Name: f.Name}})
		if err != nil {
			// An error of an ID's declaration is one Salt's verify_high
			// finds in the merged data: then no reaction runs. Any other
			// (the file does not render, or not to a mapping) leaves the
			// file out, as render_reaction does.
			if bad := idErrors(err); len(bad) > 0 {
				invalid = append(invalid, bad...)
				continue
			}
			skipped = append(skipped, &FileError{Path: f.Path, Err: err})
			continue
		}
		for _, s := range h.States {
			if _, ok := merged[s.ID]; !ok {
				ids = append(ids, s.ID)
			}
			merged[s.ID] = s
		}
	}
	if len(invalid) > 0 {
		res.Errors, res.Retcode = invalid, 1
		return res, skipped
	}
	high := sls.NewHigh()
	for _, id := range ids {
		if err := high.Add(merged[id]); err != nil {
			res.Errors, res.Retcode = []string{err.Error()}, 1
			return res, skipped
		}
	}
	chunks, err := high.Compile()
	if err != nil {
		res.Errors, res.Retcode = compileErrors(err), 1
		return res, skipped
	}
	saltOrder(high, chunks)
	r := newRun(o, chunks)
	r.async = &asyncReactions{late: map[string]states.Result{}}
	res.States = engine.Run(ctx, chunks, engine.Options{
		Env:      &states.Env{Render: comp, Pillar: pil.PlainMap(), Grains: map[string]any{"id": o.ID}, Log: o.Log, Cache: &states.RunCache{}},
		OnResult: o.OnStep,
		Lookup:   r.lookup,
	})
	r.async.wait(res.States)
	for _, s := range res.States {
		if s.Result.Result == states.False {
			res.Retcode = 1
		}
	}
	return res, skipped
}

// saltOrder puts reaction chunks in the order of Salt's
// Compiler.order_chunks (the reactor's compiler has no automatic
// order): an `order:` given is kept, a chunk without one gets cap (the
// highest integer order given plus 100, or 1), first is 0, last and a
// negative order go past everything; ties sort by module, name and
// function as one string.
func saltOrder(h *sls.High, chunks []sls.Chunk) {
	given := make([]any, len(chunks))
	capv := 1.0
	for i, c := range chunks {
		given[i] = orderArg(h, c)
		if n, ok := given[i].(int); ok && float64(n) > capv-1 && n > 0 {
			capv = float64(n) + 100
		}
	}
	keys := make([]float64, len(chunks))
	for i := range chunks {
		var k float64
		switch v := given[i].(type) {
		case nil:
			k = capv
		case int:
			k = float64(v)
		case float64:
			k = v
		case string:
			switch v {
			case "last":
				k = capv + 1e6
			case "first":
				k = 0
			default:
				k = capv
			}
		default:
			k = capv
		}
		if k < 0 {
			k = capv + 1e6 + k
		}
		keys[i] = k
	}
	idx := make([]int, len(chunks))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ca, cb := chunks[idx[a]], chunks[idx[b]]
		if keys[idx[a]] != keys[idx[b]] {
			return keys[idx[a]] < keys[idx[b]]
		}
		return ca.State+ca.Name+ca.Fun < cb.State+cb.Name+cb.Fun
	})
	for pos, i := range idx {
		chunks[i].Order = pos
	}
}

// orderArg is the `order:` a chunk's declaration gives, as YAML read
// it (an int, a float, a string), or nil.
func orderArg(h *sls.High, c sls.Chunk) any {
	s := h.Lookup(c.ID)
	if s == nil {
		return nil
	}
	for _, d := range s.Decls {
		if d.Module != c.State {
			continue
		}
		var v any
		for _, a := range d.Args {
			if a.Key == "order" {
				v = a.Value
			}
		}
		switch t := v.(type) {
		case int64:
			return int(t)
		case uint64:
			return float64(t)
		case float32:
			return float64(t)
		case bool:
			// Python's True is an int (1).
			if t {
				return 1
			}
			return 0
		}
		return v
	}
	return nil
}

func compileErrors(err error) []string {
	var list sls.ErrorList
	if errors.As(err, &list) {
		out := make([]string, 0, len(list))
		for _, e := range list {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

// idErrors lists the errors of err that belong to a state ID.
func idErrors(err error) []string {
	var list sls.ErrorList
	if !errors.As(err, &list) {
		return nil
	}
	var out []string
	for _, e := range list {
		if e.ID != "" {
			out = append(out, e.Error())
		}
	}
	return out
}
