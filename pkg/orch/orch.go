// Package orch is brine's orchestration: Salt's state.orchestrate. An
// orchestration SLS is rendered from the master's state tree and run by
// the engine (requisites, failhard, test) with state functions of its own
// (salt.state, salt.function, salt.wait_for_event, salt.runner,
// salt.wheel): each publishes jobs and waits for their returns through
// the operator's client, as `brine TARGET FUNCTION` does. Nothing is
// applied where the orchestration runs. Those states are not in the
// state registry, so no minion can run them; they exist only here.
//
// `brine run state.orchestrate` runs it in the operator's command; the
// reactor (pkg/reactor) runs it inside the master's process, with the
// same code.
package orch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/top"
	"github.com/brine-cm/brine/states"
)

// Client is what an orchestration asks of the master: *client.Client,
// with the operator's credential.
type Client interface {
	Resolve(ctx context.Context, j client.Job) (*proto.PublishReply, error)
	Publish(ctx context.Context, j client.Job) (*proto.PublishReply, error)
	Run(ctx context.Context, j client.Job, on func(client.Event)) (*client.Result, error)
	Events(ctx context.Context, filter func(tag string) bool, on func(proto.Event) bool) error
	Keys(ctx context.Context) ([]proto.KeyInfo, error)
	KeyAction(ctx context.Context, action string, ids []string, all, include bool) ([]string, error)
}

// Options say where an orchestration reads its files and how it runs.
type Options struct {
	Client Client
	// FileRoots and PillarRoots are the master's (master.yaml).
	FileRoots   fileroot.Roots
	PillarRoots fileroot.Roots
	Nodegroups  map[string]string
	// ID is the orchestration's own id, as Salt's "<master>_master":
	// the name its output is printed under, and the id its pillar is
	// rendered for. Default: the host name and _master.
	ID      string
	Saltenv string
	// Pillar is merged over the orchestration's pillar (pillar=).
	Pillar map[string]any
	// Test is test=True: every step reports what it would do.
	Test bool
	// Pillarenv is the environment of the orchestration's pillar
	// (pillarenv=); default Saltenv.
	Pillarenv string
	// Exclude leaves SLS or IDs out, as state.orchestrate's exclude=.
	Exclude []sls.Exclude
	// Failhard stops at the first failed step.
	Failhard bool
	// Timeout is how long a step waits for news from a minion (its ack,
	// then its heartbeats), unless the step says (timeout=); default
	// DefaultTimeout.
	Timeout time.Duration
	// Extra are Jinja globals added to every template (the reactor's tag
	// and data).
	Extra map[string]any
	// Reactions adds the reactor's functions (local.*, runner.*,
	// wheel.*) to the states an SLS may use (pkg/reactor).
	Reactions bool
	// OrchRoots is the state tree of the orchestrations a runner step
	// starts; default FileRoots (the reactor reads its own SLS from
	// elsewhere).
	OrchRoots       fileroot.Roots
	OrchPillarRoots fileroot.Roots
	Log             *slog.Logger
	// OnStep, when set, is called as each step finishes.
	OnStep func(engine.StateResult)
}

// DefaultTimeout is a step's wait for news from a minion, when neither
// the step nor the caller says.
const DefaultTimeout = 10 * time.Second

// Result is an orchestration's outcome, as salt-run state.orchestrate
// returns it: the steps' results (or the errors that stopped the SLS from
// compiling), under the orchestration's id, and the exit status.
type Result struct {
	ID      string
	States  []engine.StateResult
	Errors  output.CompileErrors // set when the SLS did not render or compile
	Retcode int
}

// Value is what to print: the steps, or the compile errors.
func (r *Result) Value() any {
	if r.Errors != nil {
		return r.Errors
	}
	return r.States
}

// DefaultID is "<host name>_master", Salt's id of the master's minion.
func DefaultID() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		h = "master"
	}
	return h + "_master"
}

// Orchestrate renders the SLS mods (names, or comma-separated lists of
// them) from the master's state tree and runs them.
func Orchestrate(ctx context.Context, mods []string, o Options) *Result {
	res, fail := start(&o)
	var refs []sls.Ref
	for _, m := range mods {
		for _, name := range strings.Split(m, ",") {
			if name = strings.TrimSpace(name); name != "" {
				refs = append(refs, sls.Ref{Env: o.Saltenv, Name: name})
			}
		}
	}
	if len(refs) == 0 {
		return fail(fmt.Errorf("state.orchestrate: no SLS named"))
	}
	return runWith(ctx, o, res, fail, func(comp *sls.Compiler) ([]sls.Chunk, error) {
		h, err := comp.Compose(ctx, refs)
		if err != nil {
			return nil, err
		}
		return h.Compile()
	})
}

// Single runs one step given on the command line, as Salt's
// state.orchestrate_single (state.single in the master's minion): fun
// is the step's function (salt.function), name its name, args its
// other arguments.
func Single(ctx context.Context, fun, name string, args map[string]any, o Options) *Result {
	res, fail := start(&o)
	mod, f, ok := strings.Cut(fun, ".")
	if !ok || mod == "" || f == "" {
		return fail(fmt.Errorf("state.orchestrate_single: fun: want a state function, such as fun=salt.function, got %q", fun))
	}
	if name == "" {
		return fail(fmt.Errorf("state.orchestrate_single: no name"))
	}
	return runWith(ctx, o, res, fail, func(*sls.Compiler) ([]sls.Chunk, error) {
		return []sls.Chunk{{ID: name, Name: name, State: mod, Fun: f, Env: o.Saltenv, Args: args, Source: "command line"}}, nil
	})
}

// High runs high data given on the command line, as Salt's
// state.orchestrate_high (state.high in the master's minion): a
// mapping of IDs to their states, as an SLS declares them, not
// rendered. A Go mapping has no order: the IDs are read in name order.
func High(ctx context.Context, data map[string]any, o Options) *Result {
	res, fail := start(&o)
	if len(data) == 0 {
		return fail(fmt.Errorf("state.orchestrate_high: no data"))
	}
	return runWith(ctx, o, res, fail, func(comp *sls.Compiler) ([]sls.Chunk, error) {
		dir, err := os.MkdirTemp("", "brine-orch-high")
		if err != nil {
			return nil, fmt.Errorf("state.orchestrate_high: %w", err)
		}
		defer os.RemoveAll(dir)
		b, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("state.orchestrate_high: %w", err)
		}
		// #!json: the data is high data, not a template to render.
		if err := os.WriteFile(filepath.Join(dir, highSLS+".sls"), append([]byte("#!json\n"), b...), 0o600); err != nil {
			return nil, fmt.Errorf("state.orchestrate_high: %w", err)
		}
		c := *comp
		c.Files = &fileroot.Source{Roots: fileroot.Roots{o.Saltenv: {dir}}, Env: o.Saltenv}
		h, err := c.Compose(ctx, []sls.Ref{{Env: o.Saltenv, Name: highSLS}})
		if err != nil {
			return nil, err
		}
		return h.Compile()
	})
}

// ShowSLS renders the orchestration SLS mods to their high data without
// running them, as Salt's state.orchestrate_show_sls (state.show_sls in
// the master's minion). The value is the high data, or the errors that
// stopped it (a list, as Salt's).
func ShowSLS(ctx context.Context, mods []string, o Options) (id string, value any) {
	res, fail := start(&o)
	var refs []sls.Ref
	for _, m := range mods {
		for _, name := range strings.Split(m, ",") {
			if name = strings.TrimSpace(name); name != "" {
				refs = append(refs, sls.Ref{Env: o.Saltenv, Name: name})
			}
		}
	}
	errs := func(err error) (string, any) {
		out := []any{}
		for _, e := range fail(err).Errors {
			out = append(out, e)
		}
		return res.ID, out
	}
	if len(refs) == 0 {
		return errs(fmt.Errorf("state.orchestrate_show_sls: no SLS named"))
	}
	comp, _, err := compiler(ctx, o)
	if err != nil {
		return errs(err)
	}
	h, err := comp.ShowSLS(ctx, refs)
	if err != nil {
		return errs(err)
	}
	return res.ID, h
}

// highSLS is the SLS name High's data runs under.
const highSLS = "orchestrate_high"

// start fills o's defaults and returns the result to fill and how to
// fail it with an error that stopped the run.
func start(o *Options) (*Result, func(error) *Result) {
	if o.ID == "" {
		o.ID = DefaultID()
	}
	if o.Saltenv == "" {
		o.Saltenv = fileroot.DefaultEnv
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	res := &Result{ID: o.ID}
	return res, func(err error) *Result {
		var list sls.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				res.Errors = append(res.Errors, e.Error())
			}
		} else {
			res.Errors = output.CompileErrors{err.Error()}
		}
		res.Retcode = 1
		return res
	}
}

// runWith compiles the orchestration's chunks with chunksOf and runs
// them.
func runWith(ctx context.Context, o Options, res *Result, fail func(error) *Result, chunksOf func(*sls.Compiler) ([]sls.Chunk, error)) *Result {
	comp, pil, err := compiler(ctx, o)
	if err != nil {
		return fail(err)
	}
	chunks, err := chunksOf(comp)
	if err != nil {
		return fail(err)
	}
	r := newRun(o, chunks)
	res.States = engine.Run(ctx, chunks, engine.Options{
		Test:     o.Test,
		Failhard: o.Failhard,
		Env:      &states.Env{Render: comp, Pillar: pil.PlainMap(), Grains: map[string]any{"id": o.ID}, Log: o.Log, Cache: &states.RunCache{}},
		OnResult: o.OnStep,
		Lookup:   r.lookup,
	})
	// Salt's state.check_result of the runner's data: a run with no
	// step fails as one with a failed step does.
	if len(res.States) == 0 {
		res.Retcode = 1
	}
	for _, s := range res.States {
		if s.Result.Result == states.False {
			res.Retcode = 1
		}
	}
	return res
}

// compiler builds the SLS compiler of an orchestration: the master's
// state tree, its pillar for the orchestration's id (pillar= over it),
// and Jinja functions confined to the state tree: a template reads no
// file of the master's host and runs no command there.
func compiler(ctx context.Context, o Options) (*sls.Compiler, *odict.Map, error) {
	env := o.Saltenv
	grains := map[string]any{"id": o.ID}
	opts := map[string]any{"id": o.ID, "saltenv": env, "test": o.Test, "__role": "master"}
	pil := odict.New(0)
	penv := env
	if o.Pillarenv != "" {
		penv = o.Pillarenv
	}
	if len(o.PillarRoots) > 0 {
		pc := &pillar.Compiler{
			Files: &fileroot.Source{Roots: o.PillarRoots, Env: penv},
			Globals: func(m top.Minion) map[string]any {
				return jinja.SaltVars(jinja.SaltContext{Grains: m.Grains, ID: m.ID, Opts: opts, Files: o.PillarRoots.FS(env)}, "", "", env)
			},
			Nodegroups: o.Nodegroups,
			// pillarenv= reads that environment's top file alone, as
			// Salt's Pillar does with opts pillarenv; without it every
			// environment's top file is merged.
			Saltenv:   env,
			Pillarenv: o.Pillarenv,
		}
		p, err := pc.Compile(ctx, top.Minion{ID: o.ID, Grains: grains})
		if err != nil {
			return nil, nil, fmt.Errorf("pillar of %s: %w", o.ID, err)
		}
		pil = p
	}
	if len(o.Pillar) > 0 {
		pil.Merge(odict.From(o.Pillar))
	}
	// The runner compiles its pillar in its own process, as Salt's
	// runners do (and salt-call --local): its dicts are the YAML loader's
	// OrderedDicts, which the yaml filter writes in their order.
	globals := jinja.SaltVars(jinja.SaltContext{Grains: grains, Pillar: pil, LocalPillar: true, Opts: opts, ID: o.ID, Files: o.FileRoots.FS(env)}, "", "", env)
	for k, v := range o.Extra {
		globals[k] = v
	}
	return &sls.Compiler{Files: &fileroot.Source{Roots: o.FileRoots, Env: env}, Env: env, Exclude: o.Exclude,
		Vars: func(string, string) map[string]any { return globals }}, pil, nil
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// saltShape is an orchestration's steps as Salt returns them (a state
// key to each result), for a nested orchestration's changes.
func saltShape(r *Result) map[string]any {
	// SaltShape is ordered for the outputters, not for encoding/json:
	// its JSON is output's. Its integers stay integers (__run_num__ 0,
	// not 0.0), as in the return Salt nests.
	dec := json.NewDecoder(strings.NewReader(output.JSONLine(output.SaltShape(r.States))))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil
	}
	v, _ := fromNumbers(m).(map[string]any)
	return v
}

// fromNumbers turns the json.Numbers of decoded JSON into int64 (an
// integer) or float64.
func fromNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		for k, x := range t {
			t[k] = fromNumbers(x)
		}
	case []any:
		for i, x := range t {
			t[i] = fromNumbers(x)
		}
	}
	return v
}
