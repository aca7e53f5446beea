package master

import (
	"github.com/brine-cm/brine/pkg/top"
)

// Matcher compiles a target expression of a type (proto.TargetGlob…)
// once, and returns a function that says whether one minion, with its
// grains and pillar, matches.
type Matcher func(tgt, tgtType string) (func(id string, grains, pillar map[string]any) bool, error)

// topMatcher matches with pkg/top, Salt's rules, with the master's
// nodegroups.
func topMatcher(nodegroups map[string]string) Matcher {
	return func(tgt, tgtType string) (func(id string, grains, pillar map[string]any) bool, error) {
		c, err := top.Compile(tgt, tgtType, nodegroups)
		if err != nil {
			return nil, err
		}
		return func(id string, grains, pillar map[string]any) bool {
			return c.Match(top.Minion{ID: id, Grains: grains, Pillar: pillar})
		}, nil
	}
}
