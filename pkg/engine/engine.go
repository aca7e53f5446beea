package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// Comments the engine writes, Salt's wording (salt/state.py call_chunk).
const (
	cmtOnchanges = "State was not run because none of the onchanges reqs changed"
	cmtOnfail    = "State was not run because onfail req did not change"
	cmtPre       = "No changes detected"
	cmtFailed    = "One or more requisite failed: "
	cmtRecursive = "Recursive requisite found"
	// CommentCancelled is the comment of every state a cancelled run did
	// not reach. They are reported (result False), not left out, so that
	// the caller sees what was not applied.
	CommentCancelled = "Run was cancelled before this state ran"
)

// Run runs the chunks in order and returns one result per state that ran,
// in run order (RunNum ascending). A chunk whose requisite targets have not
// run yet gets them run first, recursively, as Salt does, so RunNum is the
// real execution order.
//
// With failhard (per state, or Options.Failhard), the run stops after the
// first failure and the remaining states are left out, as in Salt. When ctx
// is cancelled the run stops between states and every state not run yet is
// reported False with CommentCancelled.
func Run(ctx context.Context, chunks []sls.Chunk, opts Options) []StateResult {
	env := states.Env{}
	if opts.Env != nil {
		env = *opts.Env
	}
	if env.Cache == nil {
		env.Cache = &states.RunCache{}
	}
	order := make([]int, len(chunks))
	for i := range order {
		order[i] = i
	}
	// Chunks come sorted; a stable sort keeps that order and guards a
	// caller who did not sort.
	sort.SliceStable(order, func(a, b int) bool { return chunks[order[a]].Order < chunks[order[b]].Order })

	r := &runner{
		ctx:      ctx,
		order:    order,
		opts:     opts,
		env:      &env,
		ps:       prepare(chunks, opts.Lookup),
		done:     make([]*states.Result, len(chunks)),
		pre:      make([]*states.Result, len(chunks)),
		skipped:  make([]bool, len(chunks)),
		checked:  make([]bool, len(chunks)),
		parallel: make([]bool, len(chunks)),
		active:   make(map[int]bool),
		out:      make([]StateResult, 0, len(chunks)),
	}
	for _, i := range order {
		if r.stop {
			break
		}
		if r.done[i] == nil {
			r.callChunk(i, false)
		}
	}
	if !r.stop && ctx.Err() != nil {
		for _, i := range order {
			if r.done[i] == nil {
				r.notRun(i, states.False, CommentCancelled)
			}
		}
	}
	if ctx.Err() == nil {
		// Salt's call_high runs call_listen after call_chunks, a
		// failhard stop included.
		r.listeners(order)
	}
	r.markHandled()
	return r.out
}

// markHandled is Salt's check_onfail_requisites for each failed state:
// its failure is handled when some other state with `onfail_stop: False`
// names it in an onfail (`- module: ID`, as written) and the last result
// of those handlers is True. As in Salt, the handlers are looked at in
// order, each state of a handler's module and ID in run order, and a
// False ends the look at that handler; a handler that did not run, or
// ran in test mode (None), leaves the failure standing.
func (r *runner) markHandled() {
	for n := range r.out {
		f := &r.out[n]
		if f.Result.Result != states.False {
			continue
		}
		module, _, _ := strings.Cut(f.Func, ".")
		var handlers [][2]string // module, ID
		seen := map[[2]string]bool{}
		for i := range r.ps {
			p := &r.ps[i]
			h := [2]string{p.c.State, p.c.ID}
			if p.onfailStop || p.c.ID == f.ID || seen[h] {
				continue
			}
			for _, rq := range p.c.Requisites {
				if rq.Kind == baseOnfail && rq.Module == module && rq.Ref == f.ID {
					seen[h] = true
					handlers = append(handlers, h)
					break
				}
			}
		}
		if len(handlers) == 0 {
			continue
		}
		var last states.Outcome = states.None
		for _, h := range handlers {
			for _, o := range r.out {
				if o.ID != h[1] || !strings.HasPrefix(o.Func, h[0]+".") {
					continue
				}
				if o.Result.Result != states.None {
					last = o.Result.Result
				}
				if o.Result.Result == states.False {
					break
				}
			}
			if last == states.None {
				last = states.False
			}
		}
		f.Handled = last == states.True
	}
}

type runner struct {
	ctx  context.Context
	opts Options
	env  *states.Env
	ps   []prepared
	// order is the chunks' run order before requisites: Salt's chunks
	// list, which a mod_aggregate looks through.
	order []int
	// done holds each state's final result; pre holds the test runs of
	// prereq targets, which decide whether the pre-requiring state runs.
	done []*states.Result
	pre  []*states.Result
	// skipped marks the states an onchanges or onfail kept from running
	// (Salt's __state_ran__: False): their True result meets no
	// requisite of the _any forms.
	skipped []bool
	// checked marks the states a check (onlyif, unless, creates)
	// skipped: Salt's skip_watch.
	checked []bool
	// parallel marks the states with `parallel: True` whose function
	// ran: Salt's call_parallel adds __parallel__ to their result.
	parallel []bool
	active   map[int]bool // chunk*2+mode on the call stack, to find loops
	runNum   int
	out      []StateResult
	stop     bool // failhard
}

func (r *runner) log() *slog.Logger {
	if r.env.Log != nil {
		return r.env.Log
	}
	return slog.Default()
}

// callChunk is Salt's call_chunk: check the requisites, run the missing
// ones first, then run the state or record why it did not run. In preMode
// the state runs in test mode for a prereq, and the result goes to r.pre.
func (r *runner) callChunk(i int, preMode bool) {
	if r.done[i] != nil || preMode && r.pre[i] != nil || r.stop {
		return
	}
	if r.ctx.Err() != nil {
		if !preMode {
			r.notRun(i, states.False, CommentCancelled)
		}
		return
	}
	mark := i * 2
	if preMode {
		mark++
	}
	if r.active[mark] {
		return // the caller finds it unmet and reports the loop
	}
	r.active[mark] = true
	defer delete(r.active, mark)

	p := &r.ps[i]
	r.aggregate(i)
	if p.setupErr != "" {
		r.finish(i, preMode, r.stateFailure(p, p.setupErr))
		return
	}
	if cmt, ok := lostComment(p.lost); ok {
		for _, l := range p.lost {
			r.log().Warn("requisite not found", "id", p.c.ID, "source", p.c.Source, "requisite", l.kind, "target", l.target(), "why", l.why)
		}
		r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.False, Comment: cmt})
		return
	}
	st, failed := r.check(i, preMode)
	if st == stUnmet {
		for _, g := range p.groups {
			if preMode && g.base == basePrerequired {
				continue
			}
			if g.base == baseListen {
				continue // listen does not order: it acts at the end
			}
			for _, t := range g.targets {
				if g.base == basePrereq {
					if r.done[t] == nil {
						r.callChunk(t, true)
					}
				} else {
					if g.base != basePrerequired && r.done[t] == nil && r.active[t*2] {
						// Salt's call_chunk stops at the first target
						// already on the stack (this state itself, or
						// one that waits for it): this state fails, and
						// the targets after it wait for their turn.
						r.log().Error("recursive requisite", "id", p.c.ID, "source", p.c.Source)
						r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.False, Comment: cmtRecursive})
						return
					}
					r.callChunk(t, false)
				}
				if r.stop {
					return
				}
			}
		}
		if r.done[i] != nil || preMode && r.pre[i] != nil {
			return
		}
		if r.ctx.Err() != nil {
			if !preMode {
				r.notRun(i, states.False, CommentCancelled)
			}
			return
		}
		st, failed = r.check(i, preMode)
		if st == stUnmet {
			// A loop of requisites (a state requiring itself, or a chain
			// back to it) that the compiler leaves to the run, as Salt's
			// verify_high does: this state fails, as in Salt's call_chunk,
			// and the states that need it fail in turn.
			r.log().Error("recursive requisite", "id", p.c.ID, "source", p.c.Source)
			r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.False, Comment: cmtRecursive})
			return
		}
	}

	switch st {
	case stMet, stChange:
		res, skipWatch, start, dur := r.call(i, preMode)
		if preMode {
			if st == stChange && !res.Changed() && res.Result != states.False {
				// The target's own watch would fire: count it as a change.
				res.Result, res.Changes = states.None, map[string]any{"watch": "watch"}
			}
			r.pre[i] = &res
			return
		}
		// Salt's call_chunk calls mod_watch whenever the state made no
		// change and was not skipped by a check, failed or not (a
		// service.running that failed without changes is restarted).
		r.checked[i] = skipWatch
		// Salt's call() starts a parallel state's function in a process
		// of its own unless a check skipped it or it ran for a prereq.
		r.parallel[i] = p.parallel && !skipWatch && p.fnErr == nil
		if st == stChange && p.watcher != nil && !res.Changed() && !skipWatch {
			// Salt's call() numbers every call: the first one's
			// __run_num__ is spent, and the state carries its mod_watch's.
			r.runNum++
			wres, wstart, wdur := r.invoke(r.watchContext(i, baseWatch), i, p.watcher, r.testFor(p))
			res, dur = wres, wstart.Add(wdur).Sub(start)
		}
		r.record(i, res, start, dur)
	case stFail:
		if !preMode && r.pre[i] != nil {
			// A prereq target whose test run was done: Salt's call_chunk
			// shows that test run's result and comment ("tag in
			// self.pre"), whatever it was: a failure (why its prereq
			// failed), or the None of a change the failed prereq state
			// kept from happening.
			// Salt: the test run's changes too; brine shows none, as
			// none was made.
			res := *r.pre[i]
			res.Changes = map[string]any{}
			r.record(i, res, time.Now(), 0)
			return
		}
		r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.False, Comment: cmtFailed + strings.Join(failed, ", ")})
	case stPre:
		r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.True, Comment: cmtPre})
	case stOnfail:
		r.skipped[i] = true
		r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.True, Comment: cmtOnfail})
	case stOnchanges:
		r.skipped[i] = true
		r.finish(i, preMode, states.Result{Name: p.c.Name, Result: states.True, Comment: cmtOnchanges})
	}
}

// finish records a result for a state that did not call its module. In
// preMode Salt records it both as the test run and as the final result:
// the state would not run in the real pass either.
func (r *runner) finish(i int, preMode bool, res states.Result) {
	if preMode {
		cp := res
		r.pre[i] = &cp
	}
	r.record(i, res, time.Now(), 0)
}

func (r *runner) notRun(i int, out states.Outcome, comment string) {
	r.record(i, states.Result{Name: r.ps[i].c.Name, Result: out, Comment: comment}, time.Now(), 0)
}

// stateFailure names the state and where it was declared, for errors the
// author must fix in the SLS.
func (r *runner) stateFailure(p *prepared, msg string) states.Result {
	where := fmt.Sprintf("state %q", p.c.ID)
	if p.c.Source != "" {
		where += " in " + p.c.Source
	} else if p.c.SLS != "" {
		where += " in SLS " + p.c.SLS
	}
	return states.Result{Name: p.c.Name, Result: states.False, Comment: msg + " (" + where + ")"}
}

// record appends a final result, calls OnResult, and applies failhard.
func (r *runner) record(i int, res states.Result, start time.Time, dur time.Duration) {
	c := r.ps[i].c
	if res.Changes == nil {
		res.Changes = map[string]any{}
	}
	if res.Name == "" {
		res.Name = c.Name
	}
	if dur == 0 {
		dur = time.Since(start)
	}
	sr := StateResult{
		FireEvent: r.ps[i].fireEventTag(res.Name),
		Key:       c.Key(),
		ID:        c.ID,
		Name:      c.Name,
		Func:      c.Func(),
		SLS:       c.SLS,
		RunNum:    r.runNum,
		Result:    res,
		Start:     start,
		Duration:  dur,
		NotRun:    r.skipped[i],
		SkipWatch: r.checked[i],
		Parallel:  r.parallel[i],
	}
	r.done[i] = &sr.Result
	r.emit(&sr)
	if res.Result == states.False && !r.opts.Test {
		fh := r.opts.Failhard
		if f := r.ps[i].failhard; f != nil {
			fh = *f
		}
		if fh {
			r.stop = true
		}
	}
}

// emit numbers a result, keeps it and streams it.
func (r *runner) emit(sr *StateResult) {
	sr.RunNum = r.runNum
	r.runNum++
	r.out = append(r.out, *sr)
	if r.opts.OnResult != nil {
		r.opts.OnResult(*sr)
	}
}

// testFor is the test flag for a state: the run's, or the state's own
// `test: true`. A state's `test: false` does not turn a dry run into a
// real one.
func (r *runner) testFor(p *prepared) bool { return r.opts.Test || p.test }
