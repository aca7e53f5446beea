package master

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/top"
)

// PillarRenderer renders the pillar of one minion.
type PillarRenderer interface {
	Pillar(ctx context.Context, id string, grains map[string]any) (map[string]any, error)
}

// treePillar renders pillar with pkg/pillar (pillar top.sls, Jinja, YAML,
// deep merge) from the master's pillar_roots, with the minion's grains in
// the templates' context. It runs on the master, for one minion at a
// time, and only that minion receives the result. It keeps what it
// rendered until the minion's grains or the pillar roots change
// (pillar_cache.go).
type treePillar struct {
	c     *pillar.Compiler
	files *fileroot.Source // c's Files
	cache pillarCache
	log   *slog.Logger // the render errors a pillar's _errors only names
	opts  pillarOptions
}

// pillarOptions are the master options that steer a pillar render.
type pillarOptions struct {
	pillar.Options
	pillarenv   string
	fromSaltenv bool // pillarenv_from_saltenv
}

func pillarOpts(cfg *Config) pillarOptions {
	return pillarOptions{Options: cfg.Options, pillarenv: cfg.Pillarenv, fromSaltenv: cfg.PillarenvFromSaltenv}
}

// pillarEnvs are what a minion's pillar request names: the saltenv its
// run is in, the pillarenv it asks for ("" when none), and the run's
// pillar= (nil when none).
type pillarEnvs struct {
	saltenv, pillarenv string
	override           *odict.Map
}

// pillarOverride decodes a request's pillar=: nil when there is none or
// it is no JSON object.
func pillarOverride(raw []byte) *odict.Map {
	if len(raw) == 0 {
		return nil
	}
	m := odict.New(0)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil
	}
	return m
}

// resolve is the pillarenv a render reads, as Salt's Pillar.__init__ and
// __gen_opts: the minion's, else its saltenv with
// pillarenv_from_saltenv, else the master's pillarenv option.
func (po pillarOptions) resolve(req pillarEnvs) pillarEnvs {
	switch {
	case req.pillarenv != "":
	case po.fromSaltenv:
		req.pillarenv = req.saltenv
	default:
		req.pillarenv = po.pillarenv
	}
	return req
}

func newTreePillar(roots fileroot.Roots, nodegroups map[string]string, po pillarOptions) *treePillar {
	const env = fileroot.DefaultEnv
	files := &fileroot.Source{Roots: roots, Env: env}
	p := &treePillar{log: slog.Default(), files: files, opts: po, cache: pillarCache{roots: roots, ttl: pillarStampTTL}, c: &pillar.Compiler{
		Files: files,
		// The functions templates call read only under the pillar
		// roots: a minion chooses its grains, and a template may put
		// one in a path.
		Globals: func(m top.Minion) map[string]any {
			return jinja.SaltVars(jinja.SaltContext{Grains: m.Grains, ID: m.ID,
				Opts: map[string]any{"id": m.ID, "saltenv": env}, Files: roots.FS(env)}, "", "", env)
		},
		// With ext_pillar_first the templates see the external data as
		// pillar, as Salt's do.
		GlobalsPillar: func(m top.Minion, p *odict.Map) map[string]any {
			return jinja.SaltVars(jinja.SaltContext{Grains: m.Grains, ID: m.ID, Pillar: p,
				Opts: map[string]any{"id": m.ID, "saltenv": env}, Files: roots.FS(env)}, "", "", env)
		},
		Nodegroups: nodegroups,
	}}
	po.Configure(p.c, slog.Default())
	return p
}

func (p *treePillar) Pillar(ctx context.Context, id string, grains map[string]any) (map[string]any, error) {
	e, err := p.compile(ctx, id, grains, pillarEnvs{})
	if err != nil {
		return nil, err
	}
	return e.pillar.PlainMap(), nil
}

// PillarJSON renders a minion's pillar, for the environments its request
// names, as a JSON object whose keys keep the order of the pillar files
// (the compiled pillar is an odict.Map), for the minion's templates.
func (p *treePillar) PillarJSON(ctx context.Context, id string, grains map[string]any, envs pillarEnvs) ([]byte, error) {
	e, err := p.compile(ctx, id, grains, envs)
	if err != nil {
		return nil, err
	}
	if envs.override.Len() > 0 {
		// The run's pillar= is merged into a copy, as Salt's
		// compile_pillar merges its pillar_override: what is kept is
		// the pillar of the files alone.
		return json.Marshal(pillar.WithOverride(e.pillar, envs.override, p.c.Merging))
	}
	return e.json, nil
}

// compile returns a minion's pillar as kept, or renders it when its
// grains or the pillar roots changed since. An error is not kept.
func (p *treePillar) compile(ctx context.Context, id string, grains map[string]any, envs pillarEnvs) (*pillarEntry, error) {
	grains = withID(grains, id)
	envs = p.opts.resolve(envs)
	// A minion's pillar is kept for each pair of environments it asked
	// for: each gives other data.
	key := id + "\x00" + envs.saltenv + "\x00" + envs.pillarenv
	stamp, sum := p.cache.currentStamp(), grainsSum(grains)
	if e, ok := p.cache.get(key, stamp, sum); ok {
		return e, nil
	}
	// Each render reads its templates through a source of its own,
	// which tells whether one draws at random.
	c := *p.c
	c.Saltenv, c.Pillarenv = envs.saltenv, envs.pillarenv
	files := p.files
	_, envRoots := files.Roots[pillar.EnvAny]
	if envRoots {
		// pillar_roots' __env__ serves the environment asked for.
		files = &fileroot.Source{Roots: pillar.EnvRoots(p.files.Roots, envs.pillarenv, envs.saltenv), Env: p.files.Env}
	}
	src := &drawSource{Source: files}
	c.Files = src
	// As Salt's compile_pillar: an SLS that fails leaves the rest of the
	// pillar, with Salt's safe words under _errors (a minion's state
	// runs refuse it); the render error itself is for the master's log.
	compiled, errs, err := c.CompileAll(ctx, top.Minion{ID: id, Grains: grains})
	if err != nil {
		return nil, err
	}
	for _, e := range errs {
		p.log.Warn("pillar", "id", id, "sls", e.Name, "err", e.Err)
	}
	compiled = pillar.WithErrors(compiled, errs, !p.opts.PillarSafeRenderError)
	b, err := json.Marshal(compiled)
	if err != nil {
		return nil, err
	}
	e := &pillarEntry{stamp: stamp, grains: sum, pillar: compiled, json: b}
	// ext_pillar's commands give what they give each time: their
	// pillar is not kept, as Salt keeps none by default.
	// Nor is one read through __env__, whose directories the stamp of
	// the roots does not see.
	if !src.draws.Load() && len(c.Ext) == 0 && !envRoots {
		p.cache.put(key, e)
	}
	return e, nil
}

// withID is a minion's grains with its authenticated id, whatever the
// minion said: pillar is chosen by id, and a minion must not pass for
// another.
func withID(grains map[string]any, id string) map[string]any {
	out := make(map[string]any, len(grains)+1)
	for k, v := range grains {
		out[k] = v
	}
	out["id"] = id
	return out
}
