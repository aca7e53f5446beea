package minion

import (
	"github.com/brine-cm/brine/pkg/grains"
	"github.com/brine-cm/brine/pkg/version"
)

// collectGrains gathers the facts the minion reports: pkg/grains'
// collection (from the managed root's OS when --root is set), with the
// static grains from minion.yaml over them, and the id.
func (m *Minion) collectGrains() map[string]any {
	var g map[string]any
	if m.Grains != nil {
		g = m.Grains()
	} else {
		var err error
		g, err = grains.Collect(grains.Options{ID: m.id, Root: m.cfg.Root, Version: version.Version})
		if err != nil {
			m.log.Warn("grains", "err", err)
			g = map[string]any{}
		}
	}
	if len(m.cfg.Grains) > 0 {
		g = grains.Merge(g, m.cfg.Grains)
	}
	g["id"] = m.id
	return g
}

func (m *Minion) currentGrains() map[string]any {
	m.grainsMu.Lock()
	defer m.grainsMu.Unlock()
	return m.grains
}
