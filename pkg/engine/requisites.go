package engine

import (
	"strings"

	"github.com/brine-cm/brine/states"
)

// status is Salt's requisite status for a chunk (State._check_requisites).
type status int

const (
	stMet status = iota
	stUnmet
	stFail
	stPre
	stOnfail
	stOnchanges
	stChange
)

// Per-target findings, Salt's req_stats.
const (
	fUnmet = 1 << iota
	fFail
	fMet
	fChange
	fOnchanges
	fOnchangesMet
	fOnfail
	fPre
	fPremet
)

// changed is whether a target counts as changed for onchanges, watch and
// prereq. Salt looks at changes only; brine also counts a None result
// (would change, under test), so that a dry run reports the onchanges and
// watch reactions a real run would have, even from a module that leaves
// its test-mode changes empty.
func changed(res *states.Result) bool { return res.Changed() || res.Result == states.None }

// check evaluates chunk i's requisites against the results so far. It
// returns the status and, for stFail, the "sls.id" of each failed target.
func (r *runner) check(i int, preMode bool) (status, []string) {
	var all int
	var failed []string
	for _, g := range r.ps[i].groups {
		if preMode && g.base == basePrerequired || g.base == baseListen {
			continue
		}
		var st int
		var gfailed []string
		for _, t := range g.targets {
			res := r.done[t]
			if g.base == basePrereq && r.pre[t] != nil {
				res = r.pre[t]
			}
			if res == nil {
				st |= fUnmet
				continue
			}
			if g.base == baseOnfail {
				if res.Result == states.True {
					st |= fOnfail
					continue
				}
			} else if res.Result == states.False {
				st |= fFail
				c := r.ps[t].c
				gfailed = append(gfailed, c.SLS+"."+c.ID)
				continue
			}
			switch {
			case g.base == baseOnchanges:
				if changed(res) {
					st |= fOnchangesMet
				} else {
					st |= fOnchanges
				}
			case g.base == baseWatch && changed(res):
				st |= fChange
			case g.base == basePrereq:
				if changed(res) {
					st |= fPremet
				} else {
					st |= fPre
				}
			case !r.skipped[t]:
				// A state an onchanges or onfail kept from running meets
				// nothing (Salt adds "met" only where __state_ran__).
				st |= fMet
			}
		}
		if strings.HasSuffix(g.kind, "_any") || g.kind == baseOnfail {
			if st&(fMet|fChange) != 0 {
				st &^= fFail
			}
			if st&fOnchangesMet != 0 {
				st &^= fOnchanges | fFail
			}
			if st&fOnfail != 0 && st&fMet != 0 {
				st &^= fOnfail
			}
		}
		if strings.HasSuffix(g.kind, "_all") && st&fOnfail != 0 {
			st &^= fMet
		}
		if st&fFail != 0 {
			for _, f := range gfailed {
				failed = appendOnce(failed, f)
			}
		}
		all |= st
	}
	switch {
	case all&fUnmet != 0:
		return stUnmet, nil
	case all&fFail != 0:
		return stFail, failed
	case all&fPre != 0:
		if all&fPremet != 0 {
			return stMet, nil
		}
		return stPre, nil
	case all&fOnfail != 0 && all&fOnchangesMet == 0:
		return stOnfail, nil
	case all&fOnchanges != 0 && all&fOnchangesMet == 0:
		return stOnchanges, nil
	case all&fChange != 0:
		return stChange, nil
	case all&fOnfail != 0:
		return stOnfail, nil
	}
	return stMet, nil
}

func appendOnce(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}
