package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// fakeagg.set has a mod_aggregate that folds the names of the calls of
// the same function not run yet into the low's "folded" argument, as
// pkg's folds them into pkgs.
func init() {
	states.Register("fakeagg.set", fakeSet)
	states.RegisterAggregate("fakeagg", func(low *states.Low, chunks []*states.Low) {
		var names []any
		for _, c := range chunks {
			if c.Ran || c.Agg || c.Func != low.Func {
				continue
			}
			names = append(names, c.Name)
			c.Agg = true
		}
		if len(names) > 0 {
			low.Args["folded"] = names
		}
	})
}

func agg(id string, a map[string]any, reqs ...sls.Requisite) sls.Chunk {
	c := ch(id, a, reqs...)
	c.State = "fakeagg"
	return c
}

// TestAggregate is Salt's State._mod_aggregate: the state's `aggregate`
// (True, or a list of modules) else the minion's state_aggregate decides;
// the module's mod_aggregate folds the calls not run yet into the one
// about to run, which then also waits for their requisites
// (_aggregate_requisites); the folded calls still run after.
func TestAggregate(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		chunks []sls.Chunk
		calls  string
		folded string // each call's "folded" argument, in call order
	}{
		{"state's aggregate: True", Options{},
			[]sls.Chunk{agg("A", args("aggregate", true)), agg("B", nil), agg("C", nil)},
			"A B C", "A:[A B C] B:<nil> C:<nil>"},
		{"a list naming the module", Options{},
			[]sls.Chunk{agg("A", args("aggregate", []any{"fakeagg"})), agg("B", nil)},
			"A B", "A:[A B] B:<nil>"},
		{"a list without the module", Options{},
			[]sls.Chunk{agg("A", args("aggregate", []any{"pkg"})), agg("B", nil)},
			"A B", "A:<nil> B:<nil>"},
		{"state_aggregate: True", Options{Aggregate: []string{AggregateAll}},
			[]sls.Chunk{agg("A", nil), agg("B", nil)},
			"A B", "A:[A B] B:<nil>"},
		{"state_aggregate lists the module", Options{Aggregate: []string{"fakeagg"}},
			[]sls.Chunk{agg("A", nil), agg("B", nil)},
			"A B", "A:[A B] B:<nil>"},
		{"the state's False overrides state_aggregate", Options{Aggregate: []string{AggregateAll}},
			[]sls.Chunk{agg("A", args("aggregate", false)), agg("B", nil), agg("C", nil)},
			"A B C", "A:<nil> B:[B C] C:<nil>"},
		{"off by default", Options{},
			[]sls.Chunk{agg("A", nil), agg("B", nil)},
			"A B", "A:<nil> B:<nil>"},
		{"a module without mod_aggregate", Options{Aggregate: []string{AggregateAll}},
			[]sls.Chunk{ch("A", nil), ch("B", nil)},
			"A B", "A:<nil> B:<nil>"},
		{"states run already are not taken", Options{},
			[]sls.Chunk{agg("A", nil), agg("B", args("aggregate", true)), agg("C", nil)},
			"A B C", "A:<nil> B:[B C] C:<nil>"},
		{"the aggregated state waits for the others' requisites", Options{},
			[]sls.Chunk{
				agg("A", args("aggregate", true)),
				agg("B", nil, sls.Requisite{Kind: "require", Module: "fake", Ref: "D", Targets: []string{states.Key("fake.set", "D", "D")}}),
				ch("D", nil),
			},
			"D A B", "D:<nil> A:[A B] B:<nil>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resetRec()
			Run(context.Background(), chunks(tc.chunks...), tc.opts)
			if got := calls(); got != tc.calls {
				t.Errorf("calls %q, want %q", got, tc.calls)
			}
			var folded []string
			rec.Lock()
			for _, r := range rec.seen {
				v, _ := r.Args.Get("folded")
				folded = append(folded, fmt.Sprintf("%s:%v", r.ID, v))
			}
			rec.Unlock()
			if got := strings.Join(folded, " "); got != tc.folded {
				t.Errorf("folded %q, want %q", got, tc.folded)
			}
		})
	}
}

// TestAggregateRequisiteFails: a failed requisite of a folded state stops
// the state it was folded into, as Salt's merged requisites do.
func TestAggregateRequisiteFails(t *testing.T) {
	out := run(t, Options{},
		agg("A", args("aggregate", true)),
		agg("B", nil, sls.Requisite{Kind: "require", Module: "fake", Ref: "D", Targets: []string{states.Key("fake.set", "D", "D")}}),
		ch("D", args("fail", true)),
	)
	if got := out["A"]; got.Result.Result != states.False || got.Comment != "One or more requisite failed: t.D" {
		t.Errorf("A = %v %q, want False, One or more requisite failed: t.D", got.Result.Result, got.Comment)
	}
}
