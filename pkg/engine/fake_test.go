package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// The fake modules live under the module name "fake", which no real
// module uses. fake.set behaves as a state module should:
//   - fail: true    → False
//   - changed: true → would change: None with changes under test, else
//     True with changes
//   - argerr: true  → an argument error, as a module reports one
//   - panic: msg    → panics
//   - flaky: n      → fails the first n calls, then succeeds
//
// Every call is logged as "ID" or "ID(test)"; mod_watch as "watch:ID".
// "fake2" has the same function and no mod_watch.
var rec struct {
	sync.Mutex
	calls []string
	seen  []*states.Request
	flaky map[string]int
}

func resetRec() {
	rec.Lock()
	defer rec.Unlock()
	rec.calls, rec.seen, rec.flaky = nil, nil, map[string]int{}
}

func calls() string {
	rec.Lock()
	defer rec.Unlock()
	return strings.Join(rec.calls, " ")
}

func logCall(s string, req *states.Request) {
	rec.Lock()
	defer rec.Unlock()
	rec.calls = append(rec.calls, s)
	rec.seen = append(rec.seen, req)
}

func fakeSet(_ context.Context, req *states.Request) states.Result {
	tag := req.ID
	if req.Test {
		tag += "(test)"
	}
	logCall(tag, req)
	a := req.Args
	if msg := a.String("panic", ""); msg != "" {
		panic(msg)
	}
	if a.Bool("argerr", false) {
		return states.Failf(req.Name, "%v", &states.ArgError{Arg: "bogus", Err: fmt.Errorf("want a string")})
	}
	if n := a.Int("flaky", 0); n > 0 {
		rec.Lock()
		rec.flaky[req.ID]++
		k := rec.flaky[req.ID]
		rec.Unlock()
		if k <= n {
			return states.Failf(req.Name, "flaky failure %d", k)
		}
		return states.Result{Name: req.Name, Result: states.True, Comment: "flaky ok"}
	}
	if a.Bool("fail", false) {
		return states.Failf(req.Name, "%s failed", req.ID)
	}
	if a.Bool("changed", false) {
		if req.Test {
			return states.Result{Name: req.Name, Result: states.None, Comment: req.ID + " would change", Changes: map[string]any{"x": "new"}}
		}
		return states.Result{Name: req.Name, Result: states.True, Comment: req.ID + " changed", Changes: map[string]any{"x": "new"}}
	}
	return states.Result{Name: req.Name, Result: states.True, Comment: req.ID + " is in the correct state"}
}

func fakeWatch(_ context.Context, req *states.Request) states.Result {
	logCall("watch:"+req.ID, req)
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Comment: req.ID + " would restart"}
	}
	return states.Result{Name: req.Name, Result: states.True, Comment: req.ID + " restarted", Changes: map[string]any{"restarted": true}}
}

func fakeNoop(_ context.Context, req *states.Request) states.Result {
	return states.Result{Name: req.Name, Result: states.True}
}

// watchSeen collects what fake3's watch action is told of the watched
// states that changed.
var watchSeen [][]string

func init() {
	states.Register("fake3.set", fakeSet)
	states.RegisterWatch("fake3", func(ctx context.Context, req *states.Request) states.Result {
		watchSeen = append(watchSeen, states.WatchChanges(ctx))
		return states.Result{Name: req.Name, Result: states.True}
	})
	states.Register("fake.set", fakeSet)
	states.Register("fake.noop", fakeNoop)
	states.Register("fake2.set", fakeSet)
	states.RegisterWatch("fake", fakeWatch)
}

// ch builds a fake.set chunk; the order is set by chunks().
func ch(id string, args map[string]any, reqs ...sls.Requisite) sls.Chunk {
	if args == nil {
		args = map[string]any{}
	}
	return sls.Chunk{ID: id, Name: id, State: "fake", Fun: "set", SLS: "t", Env: "base", Args: args, Requisites: reqs, Source: "t.sls:1"}
}

// req names fake.set targets by ID.
func req(kind string, ids ...string) sls.Requisite {
	r := sls.Requisite{Kind: kind, Module: "fake", Ref: strings.Join(ids, ",")}
	for _, id := range ids {
		r.Targets = append(r.Targets, states.Key("fake.set", id, id))
	}
	return r
}

func chunks(cs ...sls.Chunk) []sls.Chunk {
	for i := range cs {
		cs[i].Order = i
	}
	return cs
}

func run(t *testing.T, opts Options, cs ...sls.Chunk) map[string]StateResult {
	t.Helper()
	resetRec()
	out := Run(context.Background(), chunks(cs...), opts)
	m := map[string]StateResult{}
	last := -1
	for n, r := range out {
		// Salt's numbers rise in run order, with gaps where a state
		// was called more than once (a mod_watch, a retry).
		if r.RunNum <= last {
			t.Errorf("result %d (%s) has RunNum %d after %d", n, r.ID, r.RunNum, last)
		}
		last = r.RunNum
		m[r.ID] = r
	}
	return m
}

func args(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}
