package engine

import (
	"fmt"
	"sort"
	"time"

	"github.com/brine-cm/brine/states"
)

// listeners is Salt's call_listen: after the states have run, each state
// with a listen requisite whose target changed gets its module's mod_watch
// called once, reported as its own result under the ID "listener_<ID>"
// and the function "<module>.mod_watch", as Salt names it. They run in
// the order of the requisites that fired them, as call_listen lists
// them: a listen where its state stands, a listen_in where the state
// that wrote it stands (after that state's own listen); a listener fired
// twice runs at its first place.
func (r *runner) listeners(order []int) {
	pos := make([]int, len(r.ps))
	for n, i := range order {
		pos[i] = n
	}
	byKey := make(map[string]int, len(r.ps))
	for i := range r.ps {
		if _, dup := byKey[r.ps[i].c.Key()]; !dup {
			byKey[r.ps[i].c.Key()] = i
		}
	}
	type place struct{ at, in, i int }
	var fire []place
	for _, i := range order {
		p := &r.ps[i]
		best, ok := place{}, false
		consider := func(at, in int) {
			if !ok || at < best.at || at == best.at && in < best.in {
				best, ok = place{at: at, in: in, i: i}, true
			}
		}
		// As Salt's call_listen, a listener fires when a state it
		// listens to changed, whether or not it ran itself (failhard
		// may have stopped the run before it).
		for _, rq := range p.c.Requisites {
			if rq.Kind != baseListen {
				continue
			}
			for _, k := range rq.Targets {
				t, found := byKey[k]
				if res := r.done[t]; !found || res == nil || !changed(res) {
					continue
				}
				if rq.In {
					consider(pos[t], 1)
				} else {
					consider(pos[i], 0)
				}
			}
		}
		if !ok {
			// A listen an aggregation folded in (runner.aggregate).
			for _, g := range p.groups {
				for _, t := range g.targets {
					if res := r.done[t]; g.base == baseListen && res != nil && changed(res) {
						consider(pos[i], 0)
					}
				}
			}
		}
		if ok {
			fire = append(fire, best)
		}
	}
	sort.SliceStable(fire, func(a, b int) bool {
		return fire[a].at < fire[b].at || fire[a].at == fire[b].at && fire[a].in < fire[b].in
	})
	for _, f := range fire {
		i := f.i
		p := &r.ps[i]
		if r.ctx.Err() != nil {
			return
		}
		id, fun := "listener_"+p.c.ID, p.c.State+".mod_watch"
		sr := StateResult{Key: states.Key(fun, id, p.c.Name), ID: id, Name: p.c.Name, Func: fun, SLS: p.c.SLS}
		if !p.hasListenWatcher {
			sr.Start = time.Now()
			// Salt's call() of a mod_watch the module lacks: verify_data's
			// words, each line ended by a newline.
			r.log().Warn("listen: the state module has no mod_watch", "id", p.c.ID, "source", p.c.Source, "module", p.c.State)
			sr.Result = states.Result{Name: p.c.Name, Result: states.False, Changes: map[string]any{},
				Comment: fmt.Sprintf("State '%s' was not found in SLS '%s'\nReason: '%s' is not available.\n", fun, p.c.SLS, fun)}
			sr.Duration = time.Since(sr.Start)
		} else if res, skip := r.listenChecks(p); skip {
			// Salt's call_listen keeps the listener's onlyif, unless and
			// creates, which call() checks before the mod_watch.
			sr.Start = time.Now()
			sr.Result = res
			sr.SkipWatch = true
			sr.Duration = time.Since(sr.Start)
		} else {
			// Salt's call_listen strips the listener's requisites, so its
			// mod_watch is told of no watched state that changed.
			sr.Result, sr.Start, sr.Duration = r.invoke(states.WithWatchChanges(r.ctx, nil), i, p.listenWatcher, r.testFor(p))
			if sr.Changes == nil {
				sr.Changes = map[string]any{}
			}
		}
		// Salt's listener is a chunk of its own, fire_event kept.
		sr.FireEvent = p.fireEventTag(sr.Result.Name)
		r.emit(&sr)
	}
	r.listenErrors(order)
}

// listenErrors are Salt's call_listen errors, numbered after the
// listeners: a listen naming `module: ID` that no state declares, and a
// listen_in naming one, when the state that holds it changed. Each is a
// result of its own, False, under Salt's key
// "Listen_Error_|-listen_ID_|-listen_module_|-Listen_Error". A bare ID
// that names nothing is passed over, as Salt's call_listen does.
func (r *runner) listenErrors(order []int) {
	seen := map[string]bool{}
	for _, i := range order {
		p := &r.ps[i]
		for _, l := range p.lost {
			switch {
			case l.kind == baseListen && l.module != "id":
			case l.kind == "listen_in":
				if res := r.done[i]; res == nil || !changed(res) {
					continue
				}
			default:
				if l.kind == baseListen {
					r.log().Warn("listen names no state; passed over, as in Salt", "id", p.c.ID, "source", p.c.Source, "target", l.ref)
				}
				continue
			}
			id, name := "listen_"+l.ref, "listen_"+l.module
			key := states.Key("Listen_Error.Listen_Error", id, name)
			if seen[key] {
				continue
			}
			seen[key] = true
			r.log().Warn("listen names no state", "id", p.c.ID, "source", p.c.Source, "requisite", l.kind, "target", l.target())
			sr := StateResult{Key: key, ID: id, Name: name, Func: "Listen_Error.Listen_Error", Start: time.Now(),
				Result: states.Result{Name: "listen_" + l.module + ":" + l.ref, Result: states.False, Changes: map[string]any{},
					Comment: fmt.Sprintf("Referenced state %s: %s does not exist", l.module, l.ref)}}
			r.emit(&sr)
		}
	}
}

// listenChecks runs a listener's onlyif, unless and creates before its
// mod_watch; skip says they skipped it, with their result.
func (r *runner) listenChecks(p *prepared) (states.Result, bool) {
	if !p.hasOnlyif && !p.hasUnless && !p.hasCreates {
		return states.Result{}, false
	}
	return r.runChecks(p)
}
