package sls

import (
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/fnmatch"

	"strings"
)

// The forward requisite kinds. The order of this list is
// the order in which kinds are printed.
var forwardKinds = []string{
	"require", "require_any", "watch", "watch_any", "onchanges", "onchanges_any",
	"onfail", "onfail_any", "onfail_all", "prereq", "listen",
}

// inKinds maps each `_in` form to the forward kind it puts on its target.
var inKinds = map[string]string{
	"require_in": "require", "watch_in": "watch", "onchanges_in": "onchanges",
	"onfail_in": "onfail", "prereq_in": "prereq", "listen_in": "listen",
}

var forwardSet = func() map[string]bool {
	m := make(map[string]bool, len(forwardKinds))
	for _, k := range forwardKinds {
		m[k] = true
	}
	return m
}()

func isRequisiteKey(k string) bool { return forwardSet[k] || inKinds[k] != "" }

// orders reports whether a kind makes its holder wait for its targets;
// listen only acts at the end of the run.
func orders(kind string) bool { return kind != "listen" }

// requisiteTargets reads a requisite's list: `- module: ref`, `- sls: x`,
// `- id: x`, or a bare ID; a single entry may stand without the list.
func requisiteTargets(a Arg, id string, errs *ErrorList) [][2]string {
	items, ok := a.Value.([]any)
	if !ok {
		items = []any{a.Value}
	}
	out := make([][2]string, 0, len(items))
	for _, it := range items {
		switch t := it.(type) {
		case nil:
			// `- require:` with nothing under it, as a Jinja loop may leave.
		case *odict.Map:
			for _, mod := range t.Keys() {
				mv, _ := t.Get(mod)
				refs, ok := mv.([]any)
				if !ok {
					refs = []any{mv}
				}
				for _, r := range refs {
					ref, ok := scalarText(r)
					if !ok || ref == "" {
						errs.add(a.Pos, id, "state '%s': %s: %s: want an ID or name, got %s", id, a.Key, mod, typeName(r))
						continue
					}
					out = append(out, [2]string{mod, ref})
				}
			}
		default:
			ref, ok := scalarText(it)
			if !ok || ref == "" {
				errs.add(a.Pos, id, "state '%s': %s: want `- module: ID` or an ID, got %s", id, a.Key, typeName(it))
				continue
			}
			out = append(out, [2]string{"id", ref})
		}
	}
	return out
}

// index finds the chunks a requisite names.
type index struct {
	all   []*work
	byMod map[string][]*work // module \x00 ID-or-name
	byRef map[string][]*work // ID-or-name, any module
	bySLS map[string][]*work
}

func newIndex(ws []*work) *index {
	ix := &index{
		all:   ws,
		byMod: make(map[string][]*work, 2*len(ws)),
		byRef: make(map[string][]*work, 2*len(ws)),
		bySLS: map[string][]*work{},
	}
	for i, w := range ws {
		w.rank = i
		ix.byMod[w.State+"\x00"+w.ID] = append(ix.byMod[w.State+"\x00"+w.ID], w)
		ix.byRef[w.ID] = append(ix.byRef[w.ID], w)
		if w.Name != w.ID {
			ix.byMod[w.State+"\x00"+w.Name] = append(ix.byMod[w.State+"\x00"+w.Name], w)
			ix.byRef[w.Name] = append(ix.byRef[w.Name], w)
		}
		ix.bySLS[w.SLS] = append(ix.bySLS[w.SLS], w)
	}
	return ix
}

// match returns the chunks named by `module: ref`, without self. Refs
// with glob characters match as Salt's fnmatch does.
func (ix *index) match(module, ref string, self *work) []*work {
	var found []*work
	glob := strings.ContainsAny(ref, "*?[")
	switch {
	case module == "sls" && !glob:
		found = ix.bySLS[ref]
	case module == "sls":
		for _, w := range ix.all {
			if fnmatch.Match(ref, w.SLS) {
				found = append(found, w)
			}
		}
	case glob:
		for _, w := range ix.all {
			if (module == "id" || w.State == module) && (fnmatch.Match(ref, w.ID) || fnmatch.Match(ref, w.Name)) {
				found = append(found, w)
			}
		}
	case module == "id":
		found = ix.byRef[ref]
	default:
		found = ix.byMod[module+"\x00"+ref]
	}
	// A state that matches itself (its own SLS, a glob, its own ID)
	// requires itself, as in Salt's check_requisite: the run reports
	// the loop ("Recursive requisite found").
	// Two names of one ID match both the ID and a name entry; keep each once.
	if len(found) > 1 && module != "sls" && !glob {
		seen := make(map[*work]bool, len(found))
		uniq := found[:0:0]
		for _, w := range found {
			if !seen[w] {
				seen[w] = true
				uniq = append(uniq, w)
			}
		}
		found = uniq
	}
	if found == nil {
		return nil
	}
	return found
}
