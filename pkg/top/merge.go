package top

import "slices"

// Salt's top_file_merging_strategy values (salt/state.py, BaseHighState
// merge_tops): how the top files of several environments make one top.
const (
	// MergeDefault is Salt's "merge": base's top file is read whole;
	// another environment's top file gives only its own environment's
	// section, and only when no earlier top file gave that section.
	MergeDefault = "merge"
	// MergeSame is "same": each environment's section comes from its own
	// top file alone, or from default_top's when it has none.
	MergeSame = "same"
	// MergeAll is "merge_all": every section of every top file, a
	// target given twice taking the SLS of both (the first's first).
	MergeAll = "merge_all"
)

// EnvTop is one environment's top file; Top is nil when it has none.
type EnvTop struct {
	Env string
	Top *Top
}

// Merge is Salt's merge_tops over the top files of the environments, in
// the order get_tops read them (base first). An unknown strategy is
// "merge", as in Salt (which logs a warning); defaultTop is Salt's
// default_top ("base" when empty), read by MergeSame alone.
func Merge(strategy, defaultTop string, tops []EnvTop) *Top {
	out := &Top{}
	for _, et := range tops {
		if et.Top != nil {
			if out.File == "" {
				out.File = et.Top.File
			}
			out.Warnings = append(out.Warnings, et.Top.Warnings...)
		}
	}
	switch strategy {
	case MergeSame:
		mergeSame(out, defaultTop, tops)
	case MergeAll:
		mergeAll(out, tops)
	default:
		mergeDefault(out, tops)
	}
	return out
}

// has reports whether t already has a section for env.
func (t *Top) has(env string) bool {
	for _, e := range t.Environments {
		if e.Name == env {
			return true
		}
	}
	return false
}

// section returns t's section for env, nil when it has none.
func (t *Top) section(env string) *Environment {
	for i := range t.Environments {
		if t.Environments[i].Name == env {
			return &t.Environments[i]
		}
	}
	return nil
}

// sectionFor returns t's section for e's environment, added empty (its
// targets to come) when t has none: a pointer into t.Environments, good
// until the next section is added.
func (t *Top) sectionFor(e Environment) *Environment {
	if s := t.section(e.Name); s != nil {
		return s
	}
	t.Environments = append(t.Environments, Environment{Name: e.Name, Line: e.Line})
	return &t.Environments[len(t.Environments)-1]
}

// mergeDefault is Salt's _merge_tops_merge: base is authoritative. Every
// top file of base (its top.sls and those it includes) gives all its
// sections; another environment's files give that environment's own
// section, the first that has one, unless base's gave it.
func mergeDefault(out *Top, tops []EnvTop) {
	for _, t := range topsOf(tops, "base") {
		for _, e := range t.Environments {
			out.assignAll(e)
		}
	}
	for _, env := range envsOf(tops) {
		if env == "base" {
			continue
		}
		for _, t := range topsOf(tops, env) {
			if s := t.section(env); s != nil && !out.has(env) {
				out.assignAll(*s)
			}
		}
	}
}

// mergeSame is Salt's _merge_tops_same: each environment's section from
// its own top files, or from default_top's when all of its own are empty.
func mergeSame(out *Top, defaultTop string, tops []EnvTop) {
	if defaultTop == "" {
		defaultTop = "base"
	}
	for _, env := range envsOf(tops) {
		from := topsOf(tops, env)
		empty := true
		for _, t := range from {
			empty = empty && len(t.Environments) == 0
		}
		if empty {
			from = topsOf(tops, defaultTop)
		}
		for _, t := range from {
			if s := t.section(env); s != nil {
				out.assignAll(*s)
			}
		}
	}
}

// envsOf lists the environments of tops, each once, in order.
func envsOf(tops []EnvTop) []string {
	var out []string
	for _, et := range tops {
		if !slices.Contains(out, et.Env) {
			out = append(out, et.Env)
		}
	}
	return out
}

// topsOf lists env's top files, in the order read.
func topsOf(tops []EnvTop, env string) []*Top {
	var out []*Top
	for _, et := range tops {
		if et.Env == env && et.Top != nil {
			out = append(out, et.Top)
		}
	}
	return out
}

// assignAll is Salt's `top[saltenv][tgt] = ctop[saltenv][tgt]` for each
// target of e: a target an earlier file gave keeps its place and takes
// the later file's list. A section without targets adds nothing, as in
// Salt, where the section is there once a target is.
func (t *Top) assignAll(e Environment) {
	for _, tg := range e.Targets {
		dst := t.sectionFor(e)
		if i := slices.IndexFunc(dst.Targets, func(have Target) bool { return have.Expr == tg.Expr }); i >= 0 {
			dst.Targets[i] = tg
		} else {
			dst.Targets = append(dst.Targets, tg)
		}
	}
}

// mergeAll is Salt's _merge_tops_merge_all: a target already there keeps
// its place and takes the later file's SLS it lacks, and the later
// file's matcher when it names one.
func mergeAll(out *Top, tops []EnvTop) {
	var files []*Top
	for _, env := range envsOf(tops) {
		files = append(files, topsOf(tops, env)...)
	}
	for _, t := range files {
		for _, e := range t.Environments {
			dst := out.sectionFor(e)
			for _, tg := range e.Targets {
				merged := false
				for i := range dst.Targets {
					if dst.Targets[i].Expr == tg.Expr {
						mergeTarget(&dst.Targets[i], tg)
						merged = true
						break
					}
				}
				if !merged {
					dst.Targets = append(dst.Targets, tg)
				}
			}
		}
	}
}

// mergeTarget adds to t what a later top file's target of the same
// expression gives: its SLS t lacks, and its `match:` when it has one.
func mergeTarget(t *Target, later Target) {
	if later.matchGiven {
		t.Match, t.matchGiven = later.Match, true
	}
	items := append([]Item(nil), t.Items...)
	for _, it := range later.Items {
		dup := false
		for _, have := range items {
			if have.Env == it.Env && have.SLS == it.SLS {
				dup = true
				break
			}
		}
		if !dup {
			items = append(items, it)
		}
	}
	t.Items = items
}

// MergePillar is Salt's Pillar.merge_tops (salt/pillar/__init__.py) over
// the pillar top files of the environments, in the order read: every
// section of every file, a target a later file gives again replacing the
// earlier one where it stood. Order the result with PillarOrder.
func MergePillar(tops []EnvTop) *Top {
	out := &Top{}
	for _, et := range tops {
		if et.Top == nil {
			continue
		}
		if out.File == "" {
			out.File = et.Top.File
		}
		out.Warnings = append(out.Warnings, et.Top.Warnings...)
		for _, e := range et.Top.Environments {
			out.assignAll(e)
		}
	}
	return out
}
