package exec

import (
	"context"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"log/slog"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/grains"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/top"
)

// Local describes this host for `brine call --local`: the state and
// pillar trees on disk, and what to say of the host.
type Local struct {
	ID         string // "": the host name (grains)
	GrainsFile string // YAML grains over the collected ones
	// Grains are the minion config's static grains, over the collected
	// ones and under the grains file's.
	Grains map[string]any
	// FileRoots are each environment's state tree roots, as Salt's
	// file_roots; PillarRoots the pillar's (none: an empty pillar).
	FileRoots   fileroot.Roots
	PillarRoots fileroot.Roots
	// Opts are minion options a run reads (the top file options,
	// nodegroups, state_aggregate), as Salt's opts hold them.
	Opts map[string]any
	// Pillar are the pillar options of the minion config
	// (pillar_source_merging_strategy, ext_pillar, gpg_keydir…), which
	// salt-call --local reads as a master would; Pillarenv the minion's
	// pillarenv, the one pillar environment read ("": all).
	Pillar    pillar.Options
	Pillarenv string
	Saltenv   string
	Root      string // --root
	Failhard  bool
	Version   string // brine's, for the saltversion grains
	Log       *slog.Logger
}

// PillarError is a pillar tree that failed to render or compile: the
// run cannot start.
type PillarError struct{ Err error }

func (e *PillarError) Error() string { return e.Err.Error() }
func (e *PillarError) Unwrap() error { return e.Err }

// LocalHost collects this host's grains, renders its pillar from the
// pillar roots, and returns the Host a function runs on, as a minion
// would have it from its master.
func LocalHost(ctx context.Context, l Local) (*Host, error) {
	g, err := grains.Collect(grains.Options{ID: l.ID, Root: l.Root, Version: l.Version})
	if err != nil {
		return nil, fmt.Errorf("grains: %w", err)
	}
	if len(l.Grains) > 0 {
		g = grains.Merge(g, l.Grains)
	}
	if l.GrainsFile != "" {
		extra, err := grains.LoadFile(l.GrainsFile)
		if err != nil {
			return nil, err
		}
		g = grains.Merge(g, extra)
	}
	if l.ID != "" {
		// --id is the host's id, whatever a grains file says: top.sls
		// matches on it, as Salt matches on the minion id.
		g["id"] = l.ID
	}
	id, _ := g["id"].(string)
	env := l.Saltenv
	if env == "" {
		env = fileroot.DefaultEnv
	}
	host := &Host{
		ID:     id,
		Grains: g,
		Files:  &fileroot.Source{Roots: l.FileRoots, Env: env, Memo: true},
		Env:    env,
		Root:   l.Root,
		Log:    l.Log,
		// grains.setval keeps what it sets in the grains file given.
		GrainsFile: l.GrainsFile,
		Failhard:   l.Failhard,
		Pillar:     odict.New(0),
		Opts:       map[string]any{},
	}
	for k, v := range l.Opts {
		host.Opts[k] = v
	}
	if len(l.PillarRoots) == 0 {
		return host, nil
	}
	// pillar_roots' __env__ serves the environment read, as on a master.
	proots := pillar.EnvRoots(l.PillarRoots, l.Pillarenv, env)
	host.Opts["pillar_roots"] = rootsOpt(proots)
	pc := &pillar.Compiler{
		Files:     &fileroot.Source{Roots: proots, Env: fileroot.DefaultEnv},
		Saltenv:   env,
		Pillarenv: l.Pillarenv,
		Globals: func(m top.Minion) map[string]any {
			return jinja.SaltVars(jinja.SaltContext{Grains: m.Grains, ID: m.ID,
				Opts: templateOpts(host, env, false), Root: l.Root, ExecNames: execNames()}, "", "", env)
		},
		// With ext_pillar_first the templates see the external data as
		// pillar, as Salt's do.
		GlobalsPillar: func(m top.Minion, p *odict.Map) map[string]any {
			return jinja.SaltVars(jinja.SaltContext{Grains: m.Grains, ID: m.ID, Pillar: p,
				Opts: templateOpts(host, env, false), Root: l.Root, ExecNames: execNames()}, "", "", env)
		},
	}
	l.Pillar.Configure(pc, l.Log)
	if raw, ok := l.Opts["nodegroups"].(map[string]any); ok {
		// A masterless minion's pillar top matches N@ against its own
		// nodegroups, as Salt's salt-call --local reads them from opts.
		pc.Nodegroups, _ = top.NodegroupsFromConfig(raw)
	}
	// As salt-call --local: an SLS that fails leaves the rest of the
	// pillar, and Salt's safe words for it under _errors (Salt's
	// pillar_safe_render_error holds for salt-call too), which state runs
	// refuse; other functions run. The render error itself is logged, as
	// Salt logs it at CRITICAL on the console.
	p, errs, err := pc.CompileAll(ctx, top.Minion{ID: id, Grains: g})
	if err != nil {
		return nil, &PillarError{Err: err}
	}
	for _, e := range errs {
		l.Log.Error("pillar", "sls", e.Name, "err", e.Err)
	}
	host.Pillar = pillar.WithErrors(p, errs, !l.Pillar.PillarSafeRenderError)
	host.LocalPillar = true
	return host, nil
}
