package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/proto"
)

type jobsOptions struct {
	conn connFlags
	out  netOutput
}

func newJobsCmd(s *streams) *cobra.Command {
	o := &jobsOptions{}
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "The job cache: list, lookup, active, kill",
		Example: `  # List the jobs in the cache
  brine jobs list

  # Show every return of a job, late ones included
  brine jobs lookup 20261122053157953790

  # Stop a job on the minions running it
  brine jobs kill 20261122053157953790`,
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
	c, err := o.conn.dial()
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
	for _, j := range jobs {
		fmt.Fprintf(s.out, "%s:\n", j.JID)
		if j.Fun != "" {
			fmt.Fprintf(s.out, "    Function: %s\n    Arguments: %v\n    Target: %s (%s)\n    Minions: %s\n    Start Time: %s\n",
				j.Fun, jobArgs(j.Args, j.Kwargs), j.Target, j.TargetType, strings.Join(j.Minions, ", "), j.IssuedAt.Local().Format("2006-01-02 15:04:05"))
		}
		if len(j.Running) > 0 {
			fmt.Fprintf(s.out, "    Running: %s\n", strings.Join(j.Running, ", "))
		}
	}
	return nil
}

func (o *jobsOptions) lookup(ctx context.Context, s *streams, jid string) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	r, err := c.Lookup(ctxOr(ctx), jid)
	if err != nil {
		return err
	}
	p := o.out.printer(s)
	failed := false
	for _, id := range sortedKeys(r.Returns) {
		ret := r.Returns[id]
		p.minion(id, &ret)
		failed = failed || ret.Retcode != 0
	}
	running := map[string]bool{}
	for _, id := range r.Job.Running {
		running[id] = true
	}
	for _, id := range r.Job.Minions {
		if _, ok := r.Returns[id]; ok {
			continue
		}
		failed = true
		if running[id] || contains(r.Acked, id) {
			p.missing(id, "Still running")
		} else {
			p.missing(id, "No response")
		}
	}
	p.flush()
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

func (o *jobsOptions) kill(ctx context.Context, s *streams, jid string) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ids, err := c.Kill(ctxOr(ctx), jid)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Kill of job %s sent to: %s\n", jid, strings.Join(ids, ", "))
	return nil
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
