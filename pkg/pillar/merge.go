package pillar

import (
	"fmt"
	"reflect"

	"github.com/brine-cm/brine/pkg/odict"
)

// Salt's pillar_source_merging_strategy values (salt/utils/dictupdate.py,
// merge): how the data of one pillar source merges over what came
// before it (the SLS files the top gives, an SLS over its includes, the
// pillar= of a run).
const (
	// StrategySmart is the default: recurse, as brine renders no yamlex.
	StrategySmart = "smart"
	// StrategyRecurse merges mappings key by key, at every depth; a list
	// replaces the one before it, unless pillar_merge_lists joins them.
	StrategyRecurse = "recurse"
	// StrategyAggregate is Salt's yamlex aggregation at level 1: with
	// no !aggregate tags (brine reads none) a top-level key replaces
	// the one before it whole.
	StrategyAggregate = "aggregate"
	// StrategyOverwrite replaces each top-level key whole.
	StrategyOverwrite = "overwrite"
	// StrategyNone reads the top file of one environment alone (the
	// minion's saltenv, base by default) and merges as recurse, without
	// pillar_merge_lists.
	StrategyNone = "none"
)

// Strategies are the values pillar_source_merging_strategy takes.
var Strategies = []string{StrategySmart, StrategyRecurse, StrategyAggregate, StrategyOverwrite, StrategyNone}

// ValidStrategy reports whether s is a pillar_source_merging_strategy
// brine knows; "" is smart.
func ValidStrategy(s string) bool {
	if s == "" {
		return true
	}
	for _, v := range Strategies {
		if v == s {
			return true
		}
	}
	return false
}

// Merging is how pillar sources merge: Salt's
// pillar_source_merging_strategy and pillar_merge_lists options.
type Merging struct {
	Strategy string // one of Strategies; "" is smart
	Lists    bool   // pillar_merge_lists: recurse joins lists
}

// Merge merges src into dst as Salt's dictupdate.merge does with the
// strategy. dst is changed; nothing of src is: the mappings src gives
// dst are copies, so that later merges into dst leave src alone.
func (g Merging) Merge(dst, src *odict.Map) {
	switch g.Strategy {
	case StrategyAggregate, StrategyOverwrite:
		for k, v := range src.All() {
			dst.Set(k, clone(v))
			dst.CopyKind(k, src) // `80:` stays a number for templates
		}
	case StrategyNone:
		update(dst, src, false, 0)
	default:
		update(dst, src, g.Lists, 0)
	}
}

// maxDepth bounds the recursion over nested mappings.
const maxDepth = 100

// update is Salt's dictupdate.update with recursive_update: mappings
// merge key by key; two lists are joined when lists is set (the second's
// items the first lacks, after it); anything else is replaced.
func update(dst, src *odict.Map, lists bool, depth int) {
	for k, v := range src.All() {
		old, _ := dst.Get(k)
		om, oldIsMap := old.(*odict.Map)
		sm, newIsMap := v.(*odict.Map)
		ol, oldIsList := old.([]any)
		sl, newIsList := v.([]any)
		switch {
		case oldIsMap && newIsMap && depth < maxDepth:
			update(om, sm, lists, depth+1)
		case oldIsList && newIsList && lists:
			joined := append([]any{}, ol...)
			for _, x := range sl {
				if !containsValue(joined, x) {
					joined = append(joined, x)
				}
			}
			dst.Set(k, joined)
		default:
			dst.Set(k, clone(v))
		}
		dst.CopyKind(k, src)
	}
}

// clone copies the mappings of v, so that merging into them later leaves
// the source alone; lists are never changed in place and are shared.
func clone(v any) any {
	if m, ok := v.(*odict.Map); ok {
		out := odict.New(m.Len())
		for k, x := range m.All() {
			out.Set(k, clone(x))
			out.CopyKind(k, m)
		}
		return out
	}
	return v
}

// containsValue is Python's `x in list` over decoded YAML values.
func containsValue(list []any, x any) bool {
	px := odict.Plain(x)
	for _, y := range list {
		if reflect.DeepEqual(odict.Plain(y), px) {
			return true
		}
	}
	return false
}

// StrategyError is a pillar_source_merging_strategy brine does not know.
type StrategyError struct{ Strategy string }

func (e *StrategyError) Error() string {
	return fmt.Sprintf("pillar_source_merging_strategy %q: want smart, recurse, aggregate, overwrite or none", e.Strategy)
}

// WithOverride is the pillar with a run's pillar= merged in, as Salt's
// compile_pillar does it: its render starts from the override, merges
// each SLS over it, and merges the override again at the end, so the
// override's keys come first and its values win; lists the strategy
// joins keep the override's items first. p is left alone.
func WithOverride(p, override *odict.Map, g Merging) *odict.Map {
	if override.Len() == 0 {
		return p
	}
	out := odict.New(p.Len() + override.Len())
	g.Merge(out, override)
	g.Merge(out, p)
	g.Merge(out, override)
	return out
}
