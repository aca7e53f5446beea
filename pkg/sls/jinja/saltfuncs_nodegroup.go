package jinja

import (
	"log/slog"
	"strings"

	"github.com/brine-cm/brine/pkg/top"
)

// minionNodegroups is the nodegroups of the minion's options (opts
// nodegroups, from its config) for match.nodegroup: Salt's nodegroup
// matcher is False with no nodegroups or when tgt names none of them
// (salt/matchers/nodegroup_match.py), else the compound match of its
// expansion.
func minionNodegroups(c *saltCtx, tgt string) (map[string]string, bool) {
	var raw map[string]any
	if d, ok := dictOf(c.Opts["nodegroups"]); ok {
		raw = d.PlainMap()
	}
	if len(raw) == 0 {
		slog.Debug("match.nodegroup: no nodegroups in the minion's options", "source", "template", "minion", c.ID)
		return nil, false
	}
	if _, ok := raw[strings.TrimSpace(tgt)]; !ok {
		return nil, false
	}
	groups, err := top.NodegroupsFromConfig(raw)
	if err != nil {
		slog.Warn("match.nodegroup: bad nodegroups in the minion's options", "err", err, "source", "template", "minion", c.ID)
		return nil, false
	}
	return groups, true
}
