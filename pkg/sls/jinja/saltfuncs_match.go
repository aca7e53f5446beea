package jinja

import (
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"log/slog"

	"github.com/brine-cm/brine/pkg/top"
)

// matchFuncs adds Salt's match module (salt/modules/match.py): each
// function matches this minion (or, for glob, pcre, list and compound,
// the minion_id given) against a target of its kind, with the matchers
// brine targets with (pkg/top), and returns a bool. As in Salt, a bad
// target is not an error: it is logged and does not match. nodegroup
// matches against the nodegroups of the minion's own options (the
// minion config's nodegroups, as Salt's minion reads its opts).
func matchFuncs(c *saltCtx, m map[string]Func) {
	for _, kind := range []string{top.KindGlob, top.KindPCRE, top.KindList, top.KindCompound,
		top.KindGrain, top.KindGrainPCRE, top.KindPillar, top.KindPillarPCRE, top.KindPillarExact,
		top.KindIPCIDR, top.KindData, top.KindNodegroup} {
		m["match."+kind] = func(args []any, kw map[string]any) (any, error) {
			if l, ok := normalize(param(args, kw, 0, "tgt", nil)).([]any); ok && kind == top.KindList {
				// Salt's list matcher takes a sequence too: id in tgt.
				id, err := matchMinionID(c, kind, args, kw)
				if err != nil {
					return nil, err
				}
				for _, e := range l {
					if s, _ := toStr(e); s == id {
						return true, nil
					}
				}
				return false, nil
			}
			tgt, err := strParam(args, kw, 0, "tgt")
			if err != nil {
				return nil, fmt.Errorf("match.%s: %w", kind, err)
			}
			id, err := matchMinionID(c, kind, args, kw)
			if err != nil {
				return nil, err
			}
			delim := ":"
			switch kind {
			case top.KindGrain, top.KindGrainPCRE, top.KindPillar, top.KindPillarPCRE, top.KindPillarExact:
				if delim, err = toStr(param(args, kw, 1, "delimiter", ":")); err != nil {
					return nil, err
				}
			}
			return matchOneDelim(c, kind, tgt, id, delim), nil
		}
	}
	m["match.filter_by"] = func(args []any, kw map[string]any) (any, error) { return matchFilterBy(c, args, kw) }
	m["match.ifelse"] = func(args []any, kw map[string]any) (any, error) { return matchIfelse(c, args, kw) }
}

// matchMinionID reads minion_id, which Salt's glob, pcre, list and
// compound take (their second argument).
func matchMinionID(c *saltCtx, kind string, args []any, kw map[string]any) (string, error) {
	switch kind {
	case top.KindGlob, top.KindPCRE, top.KindList, top.KindCompound:
		v := param(args, kw, 1, "minion_id", nil)
		if v == nil {
			return c.ID, nil
		}
		return toStr(v)
	}
	return c.ID, nil
}

// matchOne is one match.* call: false for a target that does not
// compile, as Salt's functions return False on any exception.
func matchOne(c *saltCtx, kind, tgt, id string) bool { return matchOneDelim(c, kind, tgt, id, ":") }

// matchOneDelim is matchOne with the delimiter of a grain or pillar
// target (Salt's delimiter argument).
func matchOneDelim(c *saltCtx, kind, tgt, id, delim string) bool {
	var groups map[string]string
	if kind == top.KindNodegroup {
		var ok bool
		if groups, ok = minionNodegroups(c, tgt); !ok {
			return false
		}
	}
	var mt *top.Matcher
	var err error
	if delim != ":" {
		mt, err = top.CompileDelim(tgt, kind, delim)
	} else {
		mt, err = top.Compile(tgt, kind, groups)
	}
	if err != nil {
		slog.Warn("match: bad target", "kind", kind, "target", tgt, "err", err, "source", "template", "minion", c.ID)
		return false
	}
	return mt.Match(top.Minion{ID: id, Grains: c.Grains, Pillar: c.pillar.PlainMap()})
}

// matchFilterBy is Salt's match.filter_by(lookup, tgt_type="compound",
// minion_id=None, merge=None, merge_lists=False, default="default"): the
// value of the first key of lookup (in its order) that matches this
// minion as a target of tgt_type, merge merged over it; else
// lookup[default], or None.
func matchFilterBy(c *saltCtx, args []any, kw map[string]any) (any, error) {
	lookup, ok := param(args, kw, 0, "lookup", nil).(*odict.Map)
	if !ok {
		return nil, errors.New("match.filter_by: lookup must be a dictionary")
	}
	kind, err := toStr(param(args, kw, 1, "tgt_type", top.KindCompound))
	if err != nil {
		return nil, err
	}
	switch kind {
	case top.KindGlob, top.KindPCRE, top.KindList, top.KindCompound, top.KindGrain, top.KindGrainPCRE,
		top.KindPillar, top.KindPillarPCRE, top.KindPillarExact, top.KindIPCIDR, top.KindData, top.KindNodegroup:
	default:
		// Salt: expr_funcs[tgt_type] raises KeyError.
		return nil, fmt.Errorf("match.filter_by: tgt_type %q is not a match function", kind)
	}
	id := c.ID
	if v := param(args, kw, 2, "minion_id", nil); v != nil {
		if id, err = toStr(v); err != nil {
			return nil, err
		}
	}
	merge := param(args, kw, 3, "merge", nil)
	mergeLists, _ := truth(param(args, kw, 4, "merge_lists", false))
	def, err := toStr(param(args, kw, 5, "default", "default"))
	if err != nil {
		return nil, err
	}
	for _, key := range lookup.Keys() {
		target := id
		if kind != top.KindGlob && kind != top.KindPCRE && kind != top.KindList && kind != top.KindCompound {
			target = c.ID
		}
		if !matchOne(c, kind, key, target) {
			continue
		}
		v := dictGet(lookup, key)
		if merge != nil {
			mm, ok := merge.(*odict.Map)
			if !ok {
				return nil, errors.New("filter_by merge argument must be a dictionary.")
			}
			if v == nil {
				return mm, nil
			}
			if vm, ok := v.(*odict.Map); ok {
				dictUpdate(vm, deepCopy(mm).(*odict.Map), mergeLists)
			}
		}
		return v, nil
	}
	v, ok := lookup.Get(def)
	if !ok {
		return nil, nil
	}
	return v, nil
}
