package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/cliargs"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/orch"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

type runOptions struct {
	conn     connFlags
	out      outputFlags
	logLevel string // -l, as salt-run's
}

func newRunCmd(s *streams) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run FUNCTION [ARG…] [KEY=VALUE…]",
		Short: "Run a runner function on the master's side (salt-run): state.orchestrate, jobs.*, manage.*",
		Long: `Run a runner function, as salt-run does: state.orchestrate, and Salt's
jobs.lookup_jid JID, jobs.list_jobs and jobs.active (as brine jobs lookup,
list and active), manage.up, manage.down and manage.status (the accepted
minions connected now, those not, or both).

state.orchestrate (also state.orch) renders an orchestration SLS from the master's state
tree (file_roots of master.yaml) and runs its steps in order, with requisites
and failhard: salt.state applies states on minions, salt.function runs a
function on them, salt.wait_for_event waits for events, salt.runner runs
another orchestration or manage.up/down/status, salt.wheel a key action. Each step publishes
jobs through the master and waits for their returns, as the brine TARGET
FUNCTION command does; nothing is applied on the master (docs/orchestrate.md).

Arguments: the SLS names, then pillar='{"key": "value"}', test=True,
saltenv=ENV, pillarenv=ENV, exclude=SLS. Exit status 0 when every step
succeeded, 1 when one failed or the SLS failed to render, as salt-run's.

state.orchestrate_single runs one step with no SLS (fun=salt.function
name=test.ping tgt='*'), state.orchestrate_high steps given as high data;
as salt-run's, both exit 0 whatever the steps did.
state.orchestrate_show_sls (state.orch_show_sls) prints an orchestration's
high data, rendered and not run.

It differs from salt-run in: the runners brine has are those above alone
(no cache.*, fileserver.*, saltutil.* or others); an orchestration runs
its steps through the master's job bus, never on the master itself; and
-l logs the orchestration's own doings.`,
		Example: `  # Highstate the databases, then the web servers if the databases succeeded
  brine run state.orchestrate orch.deploy

  # What would it do?
  brine run state.orchestrate orch.deploy test=True

  # With pillar for the orchestration's templates
  brine run state.orch orch.deploy pillar='{"version": "1.2.3"}'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLevel(o.logLevel); err != nil {
				return usage(err)
			}
			if err := o.out.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context(), s, args)
		},
	}
	o.conn.add(cmd.Flags())
	o.out.add(cmd.Flags())
	cmd.Flags().StringVarP(&o.logLevel, "log-level", "l", "warning", "log level on stderr, as salt-run -l: debug, info, warning, error")
	return cmd
}

func (o *runOptions) run(ctx context.Context, s *streams, words []string) error {
	fun := words[0]
	args, kwargs := cliargs.ParseArgs(words[1:])
	switch fun {
	case "state.orchestrate", "state.orch":
	case "state.orchestrate_single", "state.orchestrate_high":
		return o.orchestrate(ctx, s, fun, args, kwargs)
	case "state.orchestrate_show_sls", "state.orch_show_sls":
		return o.showSLS(ctx, s, fun, args, kwargs)
	case "jobs.lookup_jid", "jobs.list_jobs", "jobs.active":
		return o.jobs(ctx, s, fun, args)
	case "manage.up", "manage.down", "manage.status":
		return o.manage(ctx, s, fun)
	default:
		return usagef("runner function %q: brine has state.orchestrate (state.orch), state.orchestrate_single, state.orchestrate_high, state.orchestrate_show_sls (state.orch_show_sls), jobs.lookup_jid, jobs.list_jobs, jobs.active, manage.up, manage.down and manage.status", fun)
	}
	var mods []string
	for _, a := range args {
		mods = append(mods, fmt.Sprint(a))
	}
	if m, ok := kwargs["mods"]; ok {
		mods = append(mods, fmt.Sprint(m))
		delete(kwargs, "mods")
	}
	if len(mods) == 0 {
		return usagef("%s: name the orchestration SLS (brine run %s orch.deploy)", fun, fun)
	}
	opts := orch.Options{}
	for k, v := range kwargs {
		switch k {
		case "test", "pillar", "saltenv", "pillarenv":
			if err := orchOption(&opts, k, v); err != nil {
				return err
			}
		case "exclude":
			excl, err := sls.ParseExclude(v)
			if err != nil {
				return usagef("%v", err)
			}
			opts.Exclude = excl
		case "failhard":
			b, err := states.ParseBool(v)
			if err != nil {
				return usagef("failhard=%v: %v", v, err)
			}
			opts.Failhard = b
		default:
			return usagef("%s: unknown argument %s= (it takes mods, pillar, test, saltenv, pillarenv, exclude, failhard)", fun, k)
		}
	}
	return o.runOrch(ctx, s, opts, true, func(ctx context.Context, opts orch.Options) *orch.Result {
		return orch.Orchestrate(ctx, mods, opts)
	})
}

// orchestrate runs Salt's state.orchestrate_single (fun, name and the
// step's arguments) and state.orchestrate_high (data: the steps as
// high data). As salt-run's, they exit 0 whatever the steps did: their
// return carries no retcode.
func (o *runOptions) orchestrate(ctx context.Context, s *streams, fun string, args []any, kwargs map[string]any) error {
	opts := orch.Options{}
	take := func(k string) (any, bool) {
		v, ok := kwargs[k]
		delete(kwargs, k)
		return v, ok
	}
	if v, ok := take("test"); ok {
		b, err := states.ParseBool(v)
		if err != nil {
			return usagef("test=%v: %v", v, err)
		}
		opts.Test = b
	}
	if v, ok := take("pillar"); ok {
		p, ok := v.(map[string]any)
		if !ok {
			return usagef(`pillar=: want a mapping, such as pillar='{"key": "value"}'`)
		}
		opts.Pillar = p
	}
	take("queue")
	if fun == "state.orchestrate_high" {
		data, ok := take("data")
		if !ok && len(args) > 0 {
			data, args = args[0], args[1:]
		}
		m, isMap := data.(map[string]any)
		if !isMap || len(args) > 0 || len(kwargs) > 0 {
			return usagef(`state.orchestrate_high: want the steps as one mapping: brine run state.orchestrate_high '{stage_one: {salt.state: [{tgt: "db*"}, {sls: postgres}]}}'`)
		}
		return o.runOrch(ctx, s, opts, false, func(ctx context.Context, opts orch.Options) *orch.Result {
			return orch.High(ctx, m, opts)
		})
	}
	f, hasFun := take("fun")
	name, hasName := take("name")
	if !hasFun && len(args) > 0 {
		f, args, hasFun = args[0], args[1:], true
	}
	if !hasName && len(args) > 0 {
		name, args, hasName = args[0], args[1:], true
	}
	if !hasFun || !hasName || len(args) > 0 {
		return usagef("state.orchestrate_single: want fun and name, then the step's arguments: brine run state.orchestrate_single fun=salt.function name=test.ping tgt='*'")
	}
	return o.runOrch(ctx, s, opts, false, func(ctx context.Context, opts orch.Options) *orch.Result {
		return orch.Single(ctx, fmt.Sprint(f), fmt.Sprint(name), kwargs, opts)
	})
}

// showSLS is Salt's state.orchestrate_show_sls: the orchestration's
// high data, rendered as the orchestration would be and not run, under
// its id, printed by the nested outputter.
func (o *runOptions) showSLS(ctx context.Context, s *streams, fun string, args []any, kwargs map[string]any) error {
	var mods []string
	for _, a := range args {
		mods = append(mods, fmt.Sprint(a))
	}
	opts := orch.Options{}
	for k, v := range kwargs {
		switch k {
		case "mods":
			mods = append(mods, fmt.Sprint(v))
		case "test", "pillar", "saltenv", "pillarenv":
			if err := orchOption(&opts, k, v); err != nil {
				return err
			}
		case "queue":
		default:
			return usagef("%s: unknown argument %s= (it takes mods, pillar, test, saltenv, pillarenv)", fun, k)
		}
	}
	if len(mods) == 0 {
		return usagef("%s: name the orchestration SLS (brine run %s orch.deploy)", fun, fun)
	}
	given := o.conn.fs != nil && o.conn.fs.Changed("config-dir")
	if err := checkConfigDir(o.conn.configDir, given); err != nil {
		return err
	}
	cfg, err := master.LoadConfig(o.conn.configDir)
	if err != nil {
		return err
	}
	opts.FileRoots = fileroot.Roots(cfg.FileRoots)
	opts.PillarRoots = fileroot.Roots(cfg.PillarRoots)
	opts.Nodegroups = cfg.Nodegroups
	opts.Log = newConsoleLogger(s.err, o.logLevel)
	id, v := orch.ShowSLS(ctxOr(ctx), mods, opts)
	return o.out.print(s.out, id, exec.Return{Value: v, Out: "nested"}, nil)
}

// runOrch connects to the master with its config and runs an
// orchestration, printed as Salt's highstate outputter; with exitCode
// a failed step (or SLS) makes the command exit 1.
func (o *runOptions) runOrch(ctx context.Context, s *streams, opts orch.Options, exitCode bool, run func(context.Context, orch.Options) *orch.Result) error {
	given := o.conn.fs != nil && o.conn.fs.Changed("config-dir")
	if err := checkConfigDir(o.conn.configDir, given); err != nil {
		return err
	}
	cfg, err := master.LoadConfig(o.conn.configDir)
	if err != nil {
		return err
	}
	o.out.applyConfig(cfg.Settings, changedIn(o.conn.fs))
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	opts.Client = c
	opts.FileRoots = fileroot.Roots(cfg.FileRoots)
	opts.PillarRoots = fileroot.Roots(cfg.PillarRoots)
	opts.Nodegroups = cfg.Nodegroups
	opts.Log = newConsoleLogger(s.err, o.logLevel)
	res := run(ctx, opts)
	kw := map[string]any{}
	if opts.Test {
		kw["test"] = true
	}
	if v, ok := o.runnerReturn(res, exitCode); ok {
		if err := o.out.printValue(s.out, v); err != nil {
			return err
		}
	} else if err := o.out.print(s.out, res.ID, exec.Return{Value: res.Value(), Out: "highstate"}, kw); err != nil {
		return err
	}
	if res.Retcode != 0 && exitCode {
		return exitWith(ExitError)
	}
	return nil
}

// runnerReturn is state.orchestrate's whole return, as salt-run prints
// it with --out json, yaml, nested, raw or pprint: {data: {id: the
// steps}, outputter: highstate, retcode: N}. Salt's CLI unwraps data
// only from a return of data and outputter alone, which the
// orchestrate runner's (with its retcode) is not; its highstate
// outputter drops the wrapper itself. orchestrate_single and
// orchestrate_high return {id: steps}, with no wrapper (wrapped false).
func (o *runOptions) runnerReturn(res *orch.Result, wrapped bool) (any, bool) {
	switch o.out.out {
	case "json", "yaml", "nested", "raw", "pprint":
	default:
		return nil, false
	}
	if !wrapped {
		return nil, false
	}
	var steps any = output.SaltShape(res.States)
	if res.Errors != nil {
		steps = []string(res.Errors)
	}
	return output.OrderedMap{
		{Key: "data", Value: output.OrderedMap{{Key: res.ID, Value: steps}}},
		{Key: "outputter", Value: "highstate"},
		{Key: "retcode", Value: res.Retcode},
	}, true
}

// jobs runs Salt's jobs runner functions as brine jobs does.
func (o *runOptions) jobs(ctx context.Context, s *streams, fun string, args []any) error {
	j := &jobsOptions{conn: o.conn, out: netOutput{f: o.out}}
	switch fun {
	case "jobs.lookup_jid":
		if len(args) != 1 {
			return usagef("jobs.lookup_jid: name the job: brine run jobs.lookup_jid JID")
		}
		return j.lookup(ctx, s, fmt.Sprint(args[0]))
	case "jobs.active":
		return j.list(ctx, s, true)
	}
	return j.list(ctx, s, false)
}

// manage runs Salt's manage.up, manage.down and manage.status: the
// accepted minions connected now, those not, or both.
func (o *runOptions) manage(ctx context.Context, s *streams, fun string) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ms, err := c.Minions(ctxOr(ctx))
	if err != nil {
		return err
	}
	up, down := []string{}, []string{}
	for _, m := range ms {
		if m.Connected {
			up = append(up, m.ID)
		} else {
			down = append(down, m.ID)
		}
	}
	sort.Strings(up)
	sort.Strings(down)
	var v any
	switch fun {
	case "manage.up":
		v = up
	case "manage.down":
		v = down
	default:
		v = map[string]any{"up": up, "down": down}
	}
	return o.out.printValue(s.out, v)
}

// orchOption reads one of the keyword arguments every orchestration
// function takes (test, pillar, saltenv, pillarenv) into opts; its
// error is a usage error.
func orchOption(opts *orch.Options, k string, v any) error {
	switch k {
	case "test":
		b, err := states.ParseBool(v)
		if err != nil {
			return usagef("test=%v: %v", v, err)
		}
		opts.Test = b
	case "pillar":
		p, ok := v.(map[string]any)
		if !ok {
			return usagef(`pillar=: want a mapping, such as pillar='{"key": "value"}'`)
		}
		opts.Pillar = p
	case "saltenv":
		opts.Saltenv = fmt.Sprint(v)
	case "pillarenv":
		opts.Pillarenv = fmt.Sprint(v)
	}
	return nil
}
