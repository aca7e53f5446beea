package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

type jobsOptions struct {
	conn connFlags
	out  netOutput
}

// jobsClient is what the jobs commands ask of the master; tests give a
// fake one.
type jobsClient interface {
	Jobs(ctx context.Context) ([]proto.JobSummary, error)
	Active(ctx context.Context) ([]proto.JobSummary, error)
	Lookup(ctx context.Context, jid string) (*proto.JobLookupReply, error)
	Kill(ctx context.Context, jid string) ([]string, error)
	Close()
}

// dialJobs connects the jobs commands to the master.
var dialJobs = func(c *connFlags) (jobsClient, error) { return c.dial() }

func newJobsCmd(s *streams) *cobra.Command {
	o := &jobsOptions{}
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "The job cache: list, lookup, active, kill",
		Example: `  # List the jobs in the cache
  brine jobs list

  # The same, as one JSON document for a script
  brine jobs list --out json

  # Show every return of a job, late ones included
  brine jobs lookup 20261122053157953790

  # Stop a job on the minions running it
  brine jobs kill 20261122053157953790`,
		// A word that names no subcommand is a usage error, not help.
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(*cobra.Command, []string) error {
			o.out.f.applyConfig(o.conn.outputSettings(), changedIn(o.conn.fs))
			return o.out.validate()
		},
	}
	o.conn.add(cmd.PersistentFlags())
	o.out.add(cmd.PersistentFlags())
	cmd.AddCommand(
		&cobra.Command{Use: "list", Short: "List the jobs in the cache", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return o.list(cmd.Context(), s, false) }},
		&cobra.Command{Use: "active", Short: "List the jobs minions are running now", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return o.list(cmd.Context(), s, true) }},
		&cobra.Command{Use: "lookup JID", Short: "Show a job's returns, late ones included", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error { return o.lookup(cmd.Context(), s, args[0]) }},
		&cobra.Command{Use: "kill JID", Short: "Stop a job on the minions running it", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error { return o.kill(cmd.Context(), s, args[0]) }},
	)
	return cmd
}

func (o *jobsOptions) list(ctx context.Context, s *streams, active bool) error {
	c, err := dialJobs(&o.conn)
	if err != nil {
		return err
	}
	defer c.Close()
	var jobs []proto.JobSummary
	if active {
		jobs, err = c.Active(ctxOr(ctx))
	} else {
		jobs, err = c.Jobs(ctxOr(ctx))
	}
	if err != nil {
		return err
	}
	if done, err := o.out.f.printData(s.out, jobsDoc(jobs)); done || err != nil {
		return err
	}
	// Every field may hold what an operator or a minion wrote: each is
	// escaped for the terminal.
	safe := output.Safe
	var b strings.Builder
	for _, j := range jobs {
		fmt.Fprintf(&b, "%s:\n", safe(j.JID))
		if j.Fun != "" {
			fmt.Fprintf(&b, "    Function: %s\n    Arguments: %s\n    Target: %s (%s)\n    Minions: %s\n    Start Time: %s\n",
				safe(j.Fun), safe(jobArgs(j.Args, j.Kwargs)), safe(j.Target), safe(j.TargetType), safe(strings.Join(j.Minions, ", ")),
				j.IssuedAt.Local().Format("2006-01-02 15:04:05"))
		}
		if len(j.Running) > 0 {
			fmt.Fprintf(&b, "    Running: %s\n", safe(strings.Join(j.Running, ", ")))
		}
	}
	return writeOut(o.out.f.writer(s.out), b.String())
}

// jobsDoc is the job list as Salt's jobs.list_jobs and jobs.active runners
// return it: {jid: {Function, Arguments, Target, Target-type, StartTime,
// …}}, keyword arguments last in Arguments as Salt packs them, with
// __kwarg__. brine adds the expected Minions, and Running when any are.
func jobsDoc(jobs []proto.JobSummary) output.OrderedMap {
	doc := make(output.OrderedMap, 0, len(jobs))
	for _, j := range jobs {
		args := append([]any{}, j.Args...)
		if len(j.Kwargs) > 0 {
			kw := map[string]any{"__kwarg__": true}
			for k, v := range j.Kwargs {
				kw[k] = v
			}
			args = append(args, kw)
		}
		info := output.OrderedMap{
			{Key: "Function", Value: j.Fun},
			{Key: "Arguments", Value: args},
			{Key: "Target", Value: j.Target},
			{Key: "Target-type", Value: j.TargetType},
		}
		if j.User != "" {
			info = append(info, output.KV{Key: "User", Value: j.User})
		}
		if j.Schedule != "" {
			// A run the minion's schedule started (Salt's returns
			// carry the schedule's name the same way).
			info = append(info, output.KV{Key: "Schedule", Value: j.Schedule})
		}
		info = append(info,
			output.KV{Key: "StartTime", Value: j.IssuedAt.Local().Format("2006, Jan 02 15:04:05.000000")},
			output.KV{Key: "Minions", Value: j.Minions})
		if len(j.Running) > 0 {
			info = append(info, output.KV{Key: "Running", Value: j.Running})
		}
		doc = append(doc, output.KV{Key: j.JID, Value: info})
	}
	return doc
}

func (o *jobsOptions) lookup(ctx context.Context, s *streams, jid string) error {
	c, err := dialJobs(&o.conn)
	if err != nil {
		return err
	}
	defer c.Close()
	r, err := c.Lookup(ctxOr(ctx), jid)
	if err != nil {
		return err
	}
	p := o.out.printer(s)
	code := ExitOK
	for _, id := range sortedKeys(r.Returns) {
		ret := r.Returns[id]
		p.minion(id, &ret)
		code = worse(code, returnExit(&ret))
	}
	running := map[string]bool{}
	for _, id := range r.Job.Running {
		running[id] = true
	}
	for _, id := range r.Job.Minions {
		if _, ok := r.Returns[id]; ok {
			continue
		}
		code = worse(code, ExitNoReturn)
		switch {
		case running[id]:
			p.missing(id, "Still running")
		case contains(r.Acked, id):
			// Acknowledged, and silent since: the minion stopped (a
			// restart reports the job interrupted).
			p.missing(id, "Lost: last heard from at "+r.LastHeard[id].Local().Format("2006-01-02 15:04:05"))
		default:
			p.missing(id, "No response")
		}
	}
	if err := p.flush(); err != nil {
		return exitWith(worse(code, ExitError))
	}
	return exitWith(code)
}

func (o *jobsOptions) kill(ctx context.Context, s *streams, jid string) error {
	c, err := dialJobs(&o.conn)
	if err != nil {
		return err
	}
	defer c.Close()
	ids, err := c.Kill(ctxOr(ctx), jid)
	if err != nil {
		return err
	}
	// {jid: [minions]}: newline_values_only gives the minions, one a line.
	if done, err := o.out.f.printData(s.out, output.OrderedMap{{Key: jid, Value: ids}}); done || err != nil {
		return err
	}
	return writeOut(o.out.f.writer(s.out), fmt.Sprintf("Kill of job %s sent to: %s\n", output.Safe(jid), output.Safe(strings.Join(ids, ", "))))
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// jobArgs prints a job's arguments as the command line gave them:
// positional ones, then key=value in key order.
func jobArgs(args []any, kwargs map[string]any) string {
	parts := make([]string, 0, len(args)+len(kwargs))
	for _, a := range args {
		parts = append(parts, fmt.Sprint(a))
	}
	keys := make([]string, 0, len(kwargs))
	for k := range kwargs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, kwargs[k]))
	}
	return "[" + strings.Join(parts, " ") + "]"
}
