package master

import (
	"github.com/brine-cm/brine/pkg/top"
)

// Matcher decides whether the minion id, with its grains and pillar,
// matches a target expression of a type (proto.TargetGlob…).
type Matcher func(tgt, tgtType, id string, grains, pillar map[string]any) (bool, error)

// topMatcher matches with pkg/top, Salt's rules, with the master's
// nodegroups.
func topMatcher(nodegroups map[string]string) Matcher {
	return func(tgt, tgtType, id string, grains, pillar map[string]any) (bool, error) {
		return top.Match(tgt, tgtType, top.Minion{ID: id, Grains: grains, Pillar: pillar}, nodegroups)
	}
}
