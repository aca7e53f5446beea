package exec

import (
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/proto"
)

// WireState turns an engine result into Salt's shape, as it travels to
// the operator: from a minion over NATS, and from brine ssh's shim.
func WireState(r engine.StateResult) proto.StateResult {
	var res *bool
	switch r.Result.Result.String() {
	case "True":
		t := true
		res = &t
	case "False":
		f := false
		res = &f
	}
	ch := r.Changes
	if ch == nil {
		ch = map[string]any{}
	}
	w := proto.StateResult{Key: r.Key, ID: r.ID, Name: r.Name, Func: r.Func, SLS: r.SLS, RunNum: r.RunNum,
		Result: res, Comment: r.Comment, Warnings: r.Warnings, Changes: ch, Start: r.Start.Format("15:04:05.000000"),
		Duration: float64(r.Duration.Microseconds()) / 1000}
	if r.NotRun {
		ran := false
		w.StateRan = &ran
	}
	w.SkipWatch = r.SkipWatch
	w.Parallel = r.Parallel
	return w
}

// WireValue turns a function's value into what travels: state results
// become Salt's map keyed by state key.
func WireValue(v any) any {
	switch x := v.(type) {
	case []engine.StateResult:
		out := make(map[string]proto.StateResult, len(x))
		for _, r := range x {
			out[r.Key] = WireState(r)
		}
		return out
	case error:
		return x.Error()
	}
	return v
}
