package main

import (
	"github.com/brine-cm/brine/pkg/py/fnmatch"

	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/top"
)

// globs are the key patterns of one command: ids or Salt's fnmatch globs,
// several in a word when comma-separated, as salt-key takes them. No
// globs match every key.
type globs []*globPattern

type globPattern struct {
	text string
	m    *top.Matcher // nil matches every id
}

func compileGlobs(words []string) (globs, error) {
	var g globs
	for _, w := range words {
		for _, p := range strings.Split(w, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			m, err := top.Compile(p, top.KindGlob, nil)
			if err != nil {
				return nil, usagef("key glob %q: %w", p, err)
			}
			g = append(g, &globPattern{text: p, m: m})
		}
	}
	return g, nil
}

func (g globs) match(id string) bool {
	if len(g) == 0 {
		return true
	}
	for _, p := range g {
		if p.match(id) {
			return true
		}
	}
	return false
}

func (p *globPattern) match(id string) bool { return p.m == nil || p.m.Match(top.Minion{ID: id}) }

// keyPlan is what an action will do, decided from the key list before
// anything changes.
type keyPlan struct {
	ids    []string          // the keys the action takes, sorted
	from   map[string]string // their state now
	notes  []string          // what the operator should know: keys left out, and why
	failed bool              // a pattern matched nothing the action takes, and no key already in the state asked for
}

// planKeys decides which keys an action takes. accept takes pending keys,
// and rejected ones with include; reject takes pending keys, and
// accepted ones with include; delete takes any. all is every key the
// action takes (-A). A pattern that takes no key fails the plan unless it
// names keys already in the state asked for (running the same accept
// twice is not an error); -A never fails.
func planKeys(keys []proto.KeyInfo, action string, g globs, all, include bool) keyPlan {
	target, other, otherFlag := proto.KeyAccepted, proto.KeyRejected, "--include-rejected"
	if action == proto.KeyReject {
		target, other, otherFlag = proto.KeyRejected, proto.KeyAccepted, "--include-accepted"
	}
	takes := func(state string) bool {
		switch {
		case action == proto.KeyDelete:
			return true
		case state == proto.KeyPending:
			return true
		case state == other:
			return include
		}
		return false
	}
	plan := keyPlan{from: map[string]string{}}
	if all {
		g = globs{{text: "*"}} // no matcher: every key
	}
	for _, p := range g {
		var took, already, left []string
		for _, k := range sortedKeyInfo(keys) {
			if !p.match(k.ID) {
				continue
			}
			switch {
			case takes(k.State):
				took = append(took, k.ID)
				plan.from[k.ID] = k.State
			case k.State == target:
				already = append(already, k.ID)
			default:
				left = append(left, k.ID)
			}
		}
		if action != proto.KeyDelete && len(already) > 0 && !all && !fnmatch.HasMeta(p.text) {
			plan.notes = append(plan.notes, fmt.Sprintf("Key for minion %s is already %sed.", output.Safe(p.text), strings.TrimSuffix(action, "e")))
		}
		if len(left) > 0 {
			plan.notes = append(plan.notes, fmt.Sprintf("Left out, %s: %s (%s takes them).", other, output.Safe(strings.Join(left, ", ")), otherFlag))
		}
		if len(took) == 0 && !all && (len(already) == 0 || len(left) > 0) {
			what := "unaccepted keys"
			switch {
			case action == proto.KeyDelete:
				what = "keys"
			case include:
				what = "unaccepted or " + other + " keys"
			}
			plan.notes = append(plan.notes, fmt.Sprintf("The key glob '%s' does not match any %s.", output.Safe(p.text), what))
			plan.failed = true
		}
	}
	for id := range plan.from {
		plan.ids = append(plan.ids, id)
	}
	sort.Strings(plan.ids)
	return plan
}

func (o *keyOptions) include(action string) bool {
	switch action {
	case proto.KeyAccept:
		return o.includeRejected || o.includeAll
	case proto.KeyReject:
		return o.includeAccepted || o.includeAll
	}
	return false
}
