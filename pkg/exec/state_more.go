package exec

import (
	"context"
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

func init() {
	register("state.sls_id", stateSLSID, "Apply one state ID of the named SLS, with the states it requires: state.sls_id nginx web [test=True].",
		stateRunParams(
			states.Param{Name: "id", Type: states.String, Required: true, Doc: "the state ID."},
			states.Param{Name: "mods", Type: states.StringList, Required: true, Doc: modsParam.Doc})...)
	register("state.show_states", stateShowStates, "Show the SLS of the highstate (or of the SLS named), in the order their states run.",
		states.Param{Name: "sls", Type: states.StringList, Doc: "SLS names to show rather than the highstate's."}, saltenvParam, pillarParam)
	register("state.show_low_sls", stateShowLowSLS, "Show the low chunks of the named SLS, in run order, as Salt's show_low_sls makes them: `_in` requisites and `use` kept as arguments, extends not merged, excludes not applied (state.show_lowstate shows a run's).",
		states.Param{Name: "mods", Type: states.StringList, Required: true, Doc: modsParam.Doc}, saltenvParam, pillarParam,
		states.Param{Name: "test", Type: states.Bool, Default: false, Doc: "accepted: nothing runs."})
	register("state.sls_exists", stateSLSExists, "Return whether the named SLS render and compile to high data: state.sls_exists web,db.",
		states.Param{Name: "mods", Type: states.StringList, Required: true, Doc: modsParam.Doc}, saltenvParam, pillarParam,
		states.Param{Name: "test", Type: states.Bool, Default: false, Doc: "accepted: nothing runs."})
	register("state.id_exists", stateIDExists, "Return whether every state ID named is declared in the named SLS: state.id_exists nginx,conf web.",
		states.Param{Name: "ids", Type: states.StringList, Required: true, Doc: "state IDs, separated by commas (a,b) or a list."},
		states.Param{Name: "mods", Type: states.StringList, Required: true, Doc: modsParam.Doc}, saltenvParam, pillarParam,
		states.Param{Name: "test", Type: states.Bool, Default: false, Doc: "accepted: nothing runs."})
}

// stateSLSExists is Salt's state.sls_exists: whether show_sls of mods
// gives high data rather than its errors.
var stateSLSExists = stateFunc(func(ctx context.Context, r *stateRun) Return {
	_, err := r.shownMods(ctx)
	return nested(err == nil)
})

// stateIDExists is Salt's state.id_exists: whether the IDs named (split
// at commas) are all among the __id__ of show_low_sls of mods. SLS that
// fail to compile are the compile error, where Salt fails on the error
// list it gets instead of chunks.
var stateIDExists = stateFunc(func(ctx context.Context, r *stateRun) Return {
	chunks, err := r.chunksFor(ctx, "mods")
	if err != nil {
		return compileFailed(err)
	}
	have := map[string]bool{}
	for _, c := range chunks {
		have[c.ID] = true
	}
	for _, ids := range r.c.strings("ids") {
		for _, id := range strings.Split(ids, ",") {
			if !have[strings.TrimSpace(id)] {
				return nested(false)
			}
		}
	}
	return nested(true)
})

// chunksFor compiles the named SLS (the mods argument, or arg) or, with
// none named, the highstate.
func (r *stateRun) chunksFor(ctx context.Context, arg string) ([]sls.Chunk, error) {
	var h *sls.High
	var err error
	if r.c.has(arg) {
		h, err = r.high(ctx, r.refsOf(arg))
	} else {
		h, err = r.highstate(ctx)
	}
	if err != nil {
		return nil, err
	}
	return h.Compile()
}

// refsOf reads an SLS list argument as slsRefs reads mods.
func (r *stateRun) refsOf(arg string) []sls.Ref {
	saved := r.c.kw["mods"]
	r.c.kw["mods"] = r.c.kw[arg]
	defer func() { r.c.kw["mods"] = saved }()
	return r.slsRefs()
}

// stateSLSID runs the chunks of one ID and, as Salt's call_chunk does,
// the chunks they require (transitively), in run order.
var stateSLSID = stateFunc(func(ctx context.Context, r *stateRun) Return {
	chunks, err := r.chunksFor(ctx, "mods")
	if err != nil {
		return compileFailed(err)
	}
	id := r.c.str("id")
	byKey := map[string]sls.Chunk{}
	for _, ch := range chunks {
		byKey[ch.Key()] = ch
	}
	keep := map[string]bool{}
	var visit func(ch sls.Chunk)
	visit = func(ch sls.Chunk) {
		if keep[ch.Key()] {
			return
		}
		keep[ch.Key()] = true
		for _, rq := range ch.Requisites {
			for _, t := range rq.Targets {
				if dep, ok := byKey[t]; ok {
					visit(dep)
				}
			}
		}
	}
	for _, ch := range chunks {
		if ch.ID == id {
			visit(ch)
		}
	}
	if len(keep) == 0 {
		return compileFailed(fmt.Errorf("No matches for ID '%s' found in SLS '%s' within saltenv '%s'", id, joinMods(r), r.env))
	}
	var run []sls.Chunk
	for _, ch := range chunks {
		if keep[ch.Key()] {
			run = append(run, ch)
		}
	}
	return r.run(ctx, run)
})

func joinMods(r *stateRun) string {
	s := ""
	for i, ref := range r.slsRefs() {
		if i > 0 {
			s += ","
		}
		s += ref.Name
	}
	return s
}

var stateShowStates = stateFunc(func(ctx context.Context, r *stateRun) Return {
	chunks, err := r.chunksFor(ctx, "sls")
	if err != nil {
		return compileFailed(err)
	}
	out := []string{}
	seen := map[string]bool{}
	for _, ch := range chunks {
		if !seen[ch.SLS] {
			seen[ch.SLS] = true
			out = append(out, ch.SLS)
		}
	}
	return nested(out)
})

// stateShowLowSLS is Salt's show_low_sls: compile_high_data over what
// render_highstate gives (salt/modules/state.py), so the chunks keep
// their `_in` requisites and `use` as arguments, extends stay unmerged and
// excludes unapplied, unlike the chunks a run (and show_lowstate) makes.
var stateShowLowSLS = stateFunc(func(ctx context.Context, r *stateRun) Return {
	h, err := r.shownMods(ctx)
	if err != nil {
		return compileFailed(err)
	}
	chunks, err := h.CompileShown()
	if err != nil {
		return compileFailed(err)
	}
	return nested(sls.Lowstate(chunks))
})
