package engine

import (
	"fmt"
	"time"

	"github.com/brine-cm/brine/states"
)

// listeners is Salt's call_listen: after the states have run, each state
// with a listen requisite whose target changed gets its module's mod_watch
// called once, reported as its own result under the ID "listener_<ID>"
// and the function "<module>.mod_watch", as Salt names it.
func (r *runner) listeners(order []int) {
	for _, i := range order {
		p := &r.ps[i]
		fire := false
		for _, g := range p.groups {
			if g.base != baseListen {
				continue
			}
			for _, t := range g.targets {
				if res := r.done[t]; res != nil && changed(res) {
					fire = true
				}
			}
		}
		// As Salt's call_listen, a listener fires when a state it listens
		// to changed, whether or not it ran itself (failhard may have
		// stopped the run before it).
		if !fire {
			continue
		}
		if r.ctx.Err() != nil {
			return
		}
		id, fun := "listener_"+p.c.ID, p.c.State+".mod_watch"
		sr := StateResult{Key: states.Key(fun, id, p.c.Name), ID: id, Name: p.c.Name, Func: fun, SLS: p.c.SLS}
		if !p.hasListenWatcher {
			sr.Start = time.Now()
			sr.Result = states.Result{Name: p.c.Name, Result: states.False, Changes: map[string]any{},
				Comment: fmt.Sprintf("listen: state module %q has no mod_watch (state %q in %s)", p.c.State, p.c.ID, p.c.Source)}
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
		r.emit(&sr)
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
