package engine

import (
	"slices"

	"github.com/brine-cm/brine/states"
)

// aggregate is Salt's State._mod_aggregate for chunk i, about to run:
// when its `aggregate` argument (else Options.Aggregate, the minion's
// state_aggregate) is True or lists its module, and the module has a
// mod_aggregate, that folds the calls of the run it can into this one
// (pkg: their packages into its pkgs). This state then also waits for
// the requisites of every state of its module so aggregated
// (_aggregate_requisites), as its call now does their work.
func (r *runner) aggregate(i int) {
	p := &r.ps[i]
	if p.agg || p.setupErr != "" || p.fnErr != nil {
		return
	}
	var mods []string
	if p.hasAggregate {
		switch v := p.aggregate.(type) {
		case bool:
			if v {
				mods = []string{p.c.State}
			}
		case []any:
			for _, m := range v {
				if s, ok := m.(string); ok {
					mods = append(mods, s)
				}
			}
		}
	} else {
		mods = r.opts.Aggregate
	}
	if !slices.Contains(mods, p.c.State) && !slices.Contains(mods, AggregateAll) {
		return
	}
	fn, ok := states.Aggregator(p.c.State)
	if !ok {
		return
	}
	lows := make([]*states.Low, len(r.ps))
	list := make([]*states.Low, 0, len(r.order))
	for _, j := range r.order {
		q := &r.ps[j]
		lows[j] = &states.Low{Func: q.c.Func(), Name: q.c.Name, Args: q.args, Agg: q.agg, Ran: r.done[j] != nil}
		list = append(list, lows[j])
	}
	fn(lows[i], list)
	for j, l := range lows {
		r.ps[j].agg, r.ps[j].args = l.Agg, l.Args
	}
	p.agg = true
	r.log().Debug("aggregated", "id", p.c.ID, "func", p.c.Func(), "args", p.args)
	for _, j := range r.order {
		q := &r.ps[j]
		if j == i || !q.agg || q.c.State != p.c.State {
			continue
		}
		if p.watcher == nil {
			p.watcher = q.watcher
		}
		if !p.hasListenWatcher {
			p.listenWatcher, p.hasListenWatcher = q.listenWatcher, q.hasListenWatcher
		}
		for _, g := range q.groups {
			pg := p.group(g.kind, g.base)
			for _, t := range g.targets {
				pg.add(t)
			}
		}
	}
}
