package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/pkg/top"
	"github.com/brine-cm/brine/pkg/tree"
	"github.com/brine-cm/brine/states"
)

// stateRun is one state.* call: the tree it reads and the run's options.
type stateRun struct {
	c   *call
	env string
	// explicitEnv is a saltenv the call or the minion's options named:
	// top.sls is then that environment's section alone, as in Salt.
	explicitEnv bool
	test        bool
	comp        *sls.Compiler
	// globals are built once per run: every template shares them.
	globals map[string]any
	// start is when the run began, for Host.OnCompiled.
	start time.Time
}

func newStateRun(ctx context.Context, c *call) (*stateRun, error) {
	// Salt's _get_pillar_errors: force=True runs with the pillar as it is.
	if msgs := pillarErrors(c.host.Pillar); msgs != nil && !c.boolean("force") {
		return nil, msgs
	}
	r := &stateRun{c: c, env: c.host.Env, test: c.boolean("test"), start: time.Now()}
	if env := c.str("saltenv"); env != "" {
		r.env, r.explicitEnv = env, true
	}
	if c.host.Env != "" && c.host.Env != fileroot.DefaultEnv {
		r.explicitEnv = true // the minion's saltenv option
	}
	overridePillar(c)
	excl, err := sls.ParseExclude(c.kw["exclude"])
	if err != nil {
		return nil, err
	}
	r.globals = templateVars(ctx, c.host, r.env, r.test)
	r.comp = &sls.Compiler{Files: c.host.Files, Env: r.env, Exclude: excl,
		Vars: func(string, string) map[string]any { return r.globals }}
	return r, nil
}

// topRefs reads top.sls and returns the SLS it gives this host, in order.
func (r *stateRun) topRefs(ctx context.Context) ([]sls.Ref, error) {
	t, m, groups, err := r.top(ctx)
	if err != nil {
		return nil, err
	}
	byEnv, err := t.SLSForMinion(m, groups)
	if err != nil {
		return nil, err
	}
	var refs []sls.Ref
	for _, env := range t.Envs() {
		for _, name := range byEnv[env] {
			refs = append(refs, sls.Ref{Env: env, Name: name})
		}
	}
	return refs, nil
}

// top reads the top files as this run sees them, as Salt's get_tops and
// merge_tops (salt/state.py): with saltenv given, that environment's
// top.sls and its section alone; else the top.sls of every environment
// of the tree, merged by top_file_merging_strategy (merge, the default:
// base's whole, another environment's own section unless base's has
// one). The host comes back as the top matches it, with the minion's own
// nodegroups.
func (r *stateRun) top(ctx context.Context) (*top.Top, top.Minion, map[string]string, error) {
	opts := r.c.host.Opts
	envs := []string{r.env}
	if env, _ := opts["state_top_saltenv"].(string); !r.explicitEnv && env != "" {
		envs = []string{env}
	} else if !r.explicitEnv {
		envs = r.topEnvs(ctx)
	}
	var tops []top.EnvTop
	found := 0
	for _, env := range envs {
		t, err := r.readTop(ctx, env)
		if err != nil {
			return nil, top.Minion{}, nil, err
		}
		if t != nil {
			found++
		}
		tops = append(tops, top.EnvTop{Env: env, Top: t})
		inc, err := r.includedTops(ctx, env, t)
		if err != nil {
			return nil, top.Minion{}, nil, err
		}
		tops = append(tops, inc...)
	}
	if found == 0 {
		return nil, top.Minion{}, nil, fmt.Errorf("no top.sls in environment %q: a highstate needs one (or name the SLS: state.apply NAME)", envs[0])
	}
	strategy, _ := opts["top_file_merging_strategy"].(string)
	defaultTop, _ := opts["default_top"].(string)
	t := top.Merge(strategy, defaultTop, tops)
	if r.explicitEnv {
		// Salt's top_matches with a saltenv: that environment's section
		// alone (its items may still name other environments).
		var keep []top.Environment
		for _, e := range t.Environments {
			if e.Name == r.env {
				keep = append(keep, e)
			}
		}
		t.Environments = keep
	}
	// The minion's own nodegroups (minion.yaml), as Salt's minion has
	// them in its opts; a group it does not know matches nothing.
	var groups map[string]string
	if raw, ok := r.c.host.Opts["nodegroups"].(map[string]any); ok {
		groups, _ = top.NodegroupsFromConfig(raw)
	}
	return t, top.Minion{ID: r.c.host.ID, Grains: r.c.host.Grains, Pillar: r.c.host.Pillar.PlainMap()}, groups, nil
}

// readTop reads and parses env's top.sls, rendered for env; nil when the
// environment has none.
func (r *stateRun) readTop(ctx context.Context, env string) (*top.Top, error) {
	src, err := r.comp.RenderFile(ctx, "salt://top.sls?saltenv="+env, nil)
	if states.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return top.Parse("top.sls", src)
}

// includedTops reads the top files that t, env's top.sls, names in its
// `include:`, as Salt's get_tops: each name or glob matched against the
// environment's SLS (fnmatch over list_states, sorted), each file read
// once and rendered as top.sls is. Only top.sls's own include: is read;
// an included file's is not, as in Salt.
func (r *stateRun) includedTops(ctx context.Context, env string, t *top.Top) ([]top.EnvTop, error) {
	if t == nil || len(t.Include) == 0 {
		return nil, nil
	}
	avail, err := sls.ListSLS(ctx, r.c.host.Files, env)
	if err != nil {
		return nil, fmt.Errorf("%s:%d: include: %w", t.File, t.IncludeLine, err)
	}
	done := map[string]bool{}
	var out []top.EnvTop
	for _, pat := range t.Include {
		for _, name := range sls.FilterSLS(avail, pat) {
			if done[name] {
				continue
			}
			done[name] = true
			file, err := r.comp.SLSFile(ctx, env, name)
			if err != nil {
				return nil, err
			}
			src, err := r.comp.RenderFile(ctx, "salt://"+file+"?saltenv="+env, nil)
			if err != nil {
				return nil, err
			}
			it, err := top.Parse(file, src)
			if err != nil {
				return nil, err
			}
			out = append(out, top.EnvTop{Env: env, Top: it})
		}
	}
	return out, nil
}

// topEnvs are the environments whose top files a highstate reads, in
// Salt's order (BaseHighState._get_envs): base, then the tree's others,
// sorted as the file server lists them; or, with env_order, the
// environments it names that the tree has, in its order. A tree that
// cannot list its environments gives the run's alone.
func (r *stateRun) topEnvs(ctx context.Context) []string {
	lister, ok := r.c.host.Files.(tree.EnvLister)
	if !ok {
		return []string{r.env}
	}
	have, err := lister.Envs(ctx)
	if err != nil {
		r.c.host.Log.Debug("the tree's environments not listed: reading the run's top file alone", "err", err)
		return []string{r.env}
	}
	if order, ok := r.c.host.Opts["env_order"].([]any); ok && len(order) > 0 {
		var envs []string
		for _, o := range order {
			if e := toString(o); slices.Contains(have, e) && !slices.Contains(envs, e) {
				envs = append(envs, e)
			}
		}
		return envs
	}
	envs := []string{fileroot.DefaultEnv}
	for _, e := range have {
		if !slices.Contains(envs, e) {
			envs = append(envs, e)
		}
	}
	return envs
}

// slsRefs reads the mods argument: "web,db" or a list (of which an item
// may hold commas too).
func (r *stateRun) slsRefs() []sls.Ref {
	var refs []sls.Ref
	for _, mods := range r.c.strings("mods") {
		for _, m := range strings.Split(mods, ",") {
			if m = strings.TrimSpace(m); m != "" {
				refs = append(refs, sls.Ref{Env: r.env, Name: m})
			}
		}
	}
	return refs
}

func (r *stateRun) high(ctx context.Context, refs []sls.Ref) (*sls.High, error) {
	if len(refs) == 0 {
		return nil, fmt.Errorf("no SLS matched this host (id %q) in top.sls", r.c.host.ID)
	}
	return r.comp.Compose(ctx, refs)
}

// runHigh compiles high data and runs it.
func (r *stateRun) runHigh(ctx context.Context, h *sls.High) Return {
	chunks, err := h.Compile()
	if err != nil {
		return compileFailed(err)
	}
	return r.run(ctx, chunks)
}

func (r *stateRun) run(ctx context.Context, chunks []sls.Chunk) Return {
	host := r.c.host
	if host.OnCompiled != nil {
		host.OnCompiled(time.Since(r.start))
	}
	prefetch(ctx, host.Files, chunks)
	env := &states.Env{
		Files:  host.Files,
		Render: r.comp,
		Grains: host.Grains,
		Pillar: host.Pillar.PlainMap(),
		Log:    host.Log,
		Cache:  &states.RunCache{},
		Exec:   hostExec{host: host},
	}
	res := engine.Run(ctx, chunks, engine.Options{
		Test:     r.test,
		Root:     host.Root,
		Failhard: host.Failhard || r.c.boolean("failhard"),
		// Salt's config.option('state_aggregate'): True, or a list of
		// state modules.
		Aggregate: stateAggregate(host.Opts["state_aggregate"]),
		Saltenv:   host.Env,
		Env:       env,
		OnResult:  host.OnState,
	})
	ret := Return{Value: res, Out: "highstate"}
	if engine.Failed(res) {
		ret.Retcode = RetStateFailure
	}
	changed := false
	for _, s := range res {
		changed = changed || s.Changed()
	}
	if changed && !r.test {
		// States write without an fsync each; one flush makes the whole
		// run durable (see pkg/atomicfile).
		root := host.Root
		if root == "" {
			root = "/"
		}
		if err := atomicfile.SyncFS(root); err != nil {
			host.Log.Warn("flushing the run's writes to disk", "err", err)
		}
	}
	return ret
}

func compileFailed(err error) Return {
	var list sls.ErrorList
	var msgs output.CompileErrors
	if errors.As(err, &list) {
		for _, e := range list {
			msgs = append(msgs, e.Error())
		}
	} else {
		msgs = output.CompileErrors{err.Error()}
	}
	return Return{Value: msgs, Retcode: RetError, Out: "highstate"}
}

// stateFunc adapts a function of a state run to the function table.
func stateFunc(fn func(context.Context, *stateRun) Return) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		r, err := newStateRun(ctx, c)
		var perr pillarFailed
		if errors.As(err, &perr) {
			return Return{Value: output.CompileErrors(perr), Retcode: RetError, Code: RetPillarFailure, Out: "highstate"}
		}
		if err != nil {
			return failed(err.Error())
		}
		return fn(ctx, r)
	}
}

// pillarFailed is a state run refused because the pillar failed to
// render: Salt's "Pillar failed to render with the following messages:"
// and the pillar's _errors.
type pillarFailed []string

func (p pillarFailed) Error() string { return strings.Join(p, "\n") }

// pillarErrors is the refusal for a pillar with _errors, nil without.
// overridePillar merges the call's pillar= into the host's pillar, as
// Salt's compile_pillar does (pkg/pillar.WithOverride), unless the master
// that sent the pillar merged it already.
func overridePillar(c *call) {
	extra, ok := c.kw["pillar"].(map[string]any)
	if !ok || c.host.PillarOverridden {
		return
	}
	c.host.Pillar = pillar.WithOverride(c.host.Pillar, odict.From(extra), pillar.Merging{})
	c.host.PillarOverridden = true
}

func pillarErrors(p *odict.Map) error {
	if p == nil {
		return nil
	}
	v, ok := p.Get(pillar.ErrorsKey)
	if !ok {
		return nil
	}
	out := pillarFailed{"Pillar failed to render with the following messages:"}
	l, isList := v.([]any)
	if !isList {
		l = []any{v}
	}
	for _, e := range l {
		out = append(out, fmt.Sprint(e))
	}
	return out
}

// highstate renders the SLS that top.sls gives this host.
func (r *stateRun) highstate(ctx context.Context) (*sls.High, error) {
	refs, err := r.topRefs(ctx)
	if err != nil {
		return nil, err
	}
	return r.high(ctx, refs)
}

var stateHighstate = stateFunc(func(ctx context.Context, r *stateRun) Return {
	refs, err := r.topRefs(ctx)
	if err != nil {
		return compileFailed(err)
	}
	if len(refs) == 0 {
		return noTopMatch()
	}
	h, err := r.high(ctx, refs)
	if err != nil {
		return compileFailed(err)
	}
	return r.runHigh(ctx, h)
})

// noTopMatch is a highstate for a host top.sls gives nothing: Salt's
// call_highstate returns it as one failed state, "no.None" named "No
// States", rather than a compile error.
func noTopMatch() Return {
	return Return{Value: []engine.StateResult{{
		Key: "no_|-states_|-states_|-None", ID: "states", Name: "states", Func: "no.None", Start: time.Now(),
		Result: states.Result{Name: "No States", Result: states.False, Changes: map[string]any{},
			Comment: "No Top file or master_tops data matches found. Please see master log for details."},
	}}, Retcode: RetStateFailure, Out: "highstate"}
}

func stateApply(ctx context.Context, c *call) Return {
	if !c.has("mods") {
		return stateHighstate(ctx, c)
	}
	return stateSLS(ctx, c)
}

func stateTest(ctx context.Context, c *call) Return {
	c.kw["test"] = true
	return stateApply(ctx, c)
}

var stateSLS = stateFunc(func(ctx context.Context, r *stateRun) Return {
	refs := r.slsRefs()
	if len(refs) == 0 {
		return failed("state.sls: name at least one SLS, e.g. state.sls web,db")
	}
	h, err := r.high(ctx, refs)
	if err != nil {
		return compileFailed(err)
	}
	return r.runHigh(ctx, h)
})

// stateSingle runs one state function given on the command line, with no
// SLS file: state.single file.managed name=/etc/motd contents=hi.
var stateSingle = stateFunc(func(ctx context.Context, r *stateRun) Return {
	c := r.c
	mod, f, ok := strings.Cut(c.str("fun"), ".")
	if !ok {
		return failed("state.single: name a state function, e.g. state.single file.managed name=/etc/motd contents=hi")
	}
	name := c.str("name")
	// The state's own arguments are checked by the registry, as an SLS's.
	args := make(map[string]any, len(c.rest))
	for k, v := range c.rest {
		args[k] = v
	}
	chunk := sls.Chunk{ID: name, Name: name, State: mod, Fun: f, Env: r.env, Args: args, Source: "command line"}
	return r.run(ctx, []sls.Chunk{chunk})
})

// stateShowTop is Salt's top_matches: per environment, the SLS of every
// target that matches, repeats kept, and an environment a matching
// target lists nothing for still there.
var stateShowTop = stateFunc(func(ctx context.Context, r *stateRun) Return {
	t, m, groups, err := r.top(ctx)
	if err != nil {
		return failed(err.Error())
	}
	matches, err := t.Matches(m, groups)
	if err != nil {
		return failed(err.Error())
	}
	out := map[string]any{}
	for env, names := range matches {
		l := make([]any, len(names))
		for i, n := range names {
			l[i] = n
		}
		out[env] = l
	}
	return nested(out)
})

// shownMods is the high data of the mods argument as Salt's show_sls
// shows it (sls.Compiler.ShowSLS).
func (r *stateRun) shownMods(ctx context.Context) (*sls.High, error) {
	refs := r.slsRefs()
	if len(refs) == 0 {
		return nil, fmt.Errorf("no SLS matched this host (id %q) in top.sls", r.c.host.ID)
	}
	return r.comp.ShowSLS(ctx, refs)
}

// stateShowSLS shows extend: blocks apart, as Salt's show_sls does (it
// does not reconcile them); state.sls runs the merged high data.
var stateShowSLS = stateFunc(func(ctx context.Context, r *stateRun) Return {
	h, err := r.shownMods(ctx)
	if err != nil {
		return compileFailed(err)
	}
	return nested(h)
})

// stateShowHighstate shows the top's SLS as show_sls shows them, extend:
// blocks apart: Salt's show_highstate is compile_highstate, which renders
// and does not reconcile.
var stateShowHighstate = stateFunc(func(ctx context.Context, r *stateRun) Return {
	refs, err := r.topRefs(ctx)
	if err != nil {
		return compileFailed(err)
	}
	h, err := r.comp.ShowSLS(ctx, refs)
	if err != nil {
		return compileFailed(err)
	}
	return nested(h)
})

var stateShowLowstate = stateFunc(func(ctx context.Context, r *stateRun) Return {
	h, err := r.highstate(ctx)
	if err != nil {
		return compileFailed(err)
	}
	chunks, err := h.Compile()
	if err != nil {
		return compileFailed(err)
	}
	return nested(sls.Lowstate(chunks))
})

// stateAggregate reads the minion option state_aggregate as Salt's
// _mod_aggregate does: True is every module, a list names modules, and
// anything else is none.
func stateAggregate(v any) []string {
	switch t := v.(type) {
	case bool:
		if t {
			return []string{engine.AggregateAll}
		}
	case []any:
		var out []string
		for _, m := range t {
			if s, ok := m.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return t
	}
	return nil
}
