// Package engine runs low chunks: it orders them by requisites, applies the
// global arguments (unless, onlyif, creates), runs each state in real or
// test mode, and returns one result per chunk.
package engine

import (
	"time"

	"github.com/brine-cm/brine/states"
)

// StateResult is one chunk's result, in the shape Salt returns it.
type StateResult struct {
	Key    string // "file_|-ID_|-NAME_|-managed"
	ID     string
	Name   string
	Func   string // "file.managed"
	SLS    string
	RunNum int // __run_num__: the order in which it ran, from 0
	states.Result
	Start    time.Time
	Duration time.Duration
	// NotRun is Salt's "__state_ran__": False: an onchanges or onfail
	// requisite kept the state from running.
	NotRun bool
	// SkipWatch is Salt's "skip_watch": True: an onlyif, unless or
	// creates check skipped the state (so a watch does not fire).
	SkipWatch bool
	// Parallel is Salt's __parallel__: True, on the result of a state
	// with `parallel: True` whose function ran (brine runs it in order).
	Parallel bool
	// FireEvent is the last part of the tag of Salt's fire_event for
	// this state (salt/state_result/<jid>/<minion>/<FireEvent>): its
	// name for `fire_event: True`, the text given for a string; "" for
	// none.
	FireEvent string
	// Handled is a failed state whose failure an onfail handler with
	// `onfail_stop: False` took care of: it does not fail the run (see
	// Failed).
	Handled bool
}

// Failed is Salt's salt.utils.state.check_result, which sets the exit
// code of a state run: whether some state failed whose failure no
// `onfail_stop: False` handler took care of.
func Failed(results []StateResult) bool {
	for _, r := range results {
		if r.Result.Result == states.False && !r.Handled {
			return true
		}
	}
	return false
}

// AggregateAll in Options.Aggregate is state_aggregate: True, every
// module that has a mod_aggregate.
const AggregateAll = "*"

// Options control a run.
type Options struct {
	Test     bool   // test=True
	Root     string // --root: rebase every managed path
	Failhard bool   // stop at the first failure, for every state
	// Saltenv is the environment Env.Files reads a salt:// URL that
	// names none from ("" is base): a state of another (its SLS's, or
	// its saltenv argument) reads from its own, as Salt's __env__.
	Saltenv string
	// Aggregate is the minion option state_aggregate: the state modules
	// whose states fold others into them before they run (Salt's
	// mod_aggregate), AggregateAll for every module. A state's own
	// `aggregate` argument overrides it.
	Aggregate []string
	Env       *states.Env
	// OnResult, when set, is called as each state finishes, in run order,
	// so that a minion can stream events.
	OnResult func(StateResult)
	// Lookup finds the state function of a chunk ("salt.state"); nil is
	// states.Lookup, the state modules of a host. Orchestration gives its
	// own, whose states publish jobs instead of changing the host.
	Lookup func(name string) (states.Func, error)
}
