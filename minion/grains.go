package minion

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/brine-cm/brine/pkg/exec"
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
		opts := grains.Options{ID: m.id, Root: m.cfg.Root, Version: version.Version}
		// The master grain names the master's host, as Salt's does.
		if u, err := ParseMasterURL(m.cfg.Master); err == nil {
			for _, one := range u.All() {
				opts.Masters = append(opts.Masters, one.Host)
			}
		}
		g, err = grains.Collect(opts)
		if err != nil {
			m.log.Warn("grains", "err", err)
			g = map[string]any{}
		}
	}
	// The grains grains.setval keeps, then minion.yaml's over them, as
	// Salt's minion config grains win over /etc/salt/grains.
	if kept, err := grains.LoadFile(m.grainsFile()); err == nil {
		g = grains.Merge(g, kept)
	} else if !errors.Is(err, fs.ErrNotExist) {
		m.log.Warn("grains file", "err", err)
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

// grainsFile is where grains.setval keeps grains: the state dir's
// "grains", as Salt keeps them in /etc/salt/grains.
func (m *Minion) grainsFile() string { return filepath.Join(m.cfg.StateDir, "grains") }

// refreshGrains collects the grains again and sends them if they changed.
func (m *Minion) refreshGrains() map[string]any {
	g := m.collectGrains()
	m.grainsMu.Lock()
	m.grains = g
	m.grainsMu.Unlock()
	m.sendGrains(false)
	return g
}

// agent is the minion as the functions that act on it see it.
type agent struct{ m *Minion }

func (a agent) Running() []exec.JobInfo {
	a.m.mu.Lock()
	defer a.m.mu.Unlock()
	out := make([]exec.JobInfo, 0, len(a.m.jobs))
	for jid, r := range a.m.jobs {
		out = append(out, exec.JobInfo{JID: jid, Fun: r.fun, Args: r.args, Start: r.start})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JID < out[j].JID })
	return out
}

func (a agent) Kill(jid string) bool {
	a.m.mu.Lock()
	r, ok := a.m.jobs[jid]
	a.m.mu.Unlock()
	if !ok {
		return false
	}
	a.m.log.Info("killing job", "jid", jid, "fun", r.fun, "by", "saltutil.kill_job")
	r.cancel()
	return true
}

func (a agent) RefreshGrains() map[string]any { return a.m.refreshGrains() }
