package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

type trustOptions struct {
	conn connFlags
	out  netOutput
	name string
}

func newTrustCmd(s *streams) *cobra.Command {
	o := &trustOptions{}
	cmd := &cobra.Command{
		Use:   "trust",
		Short: "The masters' job keys the minions trust: list, add, retire",
		Long: `Every master signs jobs with a key of its own (jobkey.nk in its state
dir). The minions trust a set of those keys, which changes only by a
step signed by a key already in it: add and retire run on a master
that is trusted, and sign with its job key. Every master hands the
set to the minions, which check each step. docs/scaling.md says how to
add and retire a master.`,
		Example: `  # The keys trusted now
  brine trust list

  # Trust a new master's job key (brine key finger shows it, there)
  brine trust add ACX3…ZQ --name m4

  # Retire a master: the minions refuse its jobs from then on
  brine trust retire ACX3…ZQ`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		PersistentPreRunE: func(*cobra.Command, []string) error {
			return o.out.validate()
		},
	}
	o.conn.add(cmd.PersistentFlags())
	o.out.add(cmd.PersistentFlags())
	add := &cobra.Command{Use: "add KEY", Short: "Trust a master's job key", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.change(cmd.Context(), s, master.TrustAdd, args[0])
		}}
	add.Flags().StringVar(&o.name, "name", "", "the master's name, for people")
	cmd.AddCommand(
		&cobra.Command{Use: "list", Short: "List the job keys trusted now", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error { return o.list(cmd.Context(), s) }},
		add,
		&cobra.Command{Use: "retire KEY", Short: "Stop trusting a master's job key", Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return o.change(cmd.Context(), s, master.TrustRetire, args[0])
			}},
	)
	return cmd
}

func (o *trustOptions) list(ctx context.Context, s *streams) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	r, err := c.Trust(ctxOr(ctx))
	if err != nil {
		return err
	}
	return o.print(s, r.Set)
}

func (o *trustOptions) print(s *streams, set *proto.KeySet) error {
	if set == nil {
		return fmt.Errorf("trust: the master has no trust chain")
	}
	keys := output.OrderedMap{}
	for _, k := range set.Keys {
		keys = append(keys, output.KV{Key: k.Key, Value: k.Name})
	}
	doc := output.OrderedMap{{Key: "serial", Value: set.Serial}, {Key: "change", Value: set.Change}, {Key: "keys", Value: keys}}
	if done, err := o.out.f.printData(s.out, doc); done || err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Trusted job keys (set %d, %s):\n", set.Serial, output.Safe(set.Change))
	for _, k := range set.Keys {
		fmt.Fprintf(&b, "%s %s\n", k.Key, output.Safe(k.Name))
	}
	return writeOut(o.out.f.writer(s.out), b.String())
}

// change signs the next step with this master's job key and hands it to
// the masters.
func (o *trustOptions) change(ctx context.Context, s *streams, action, key string) error {
	cfg, err := master.LoadConfig(o.conn.configDir)
	if err != nil {
		return err
	}
	jk, err := master.ReadKey(filepath.Join(cfg.StateDir, master.JobKeyFile))
	if err != nil {
		return fmt.Errorf("trust %s: this master's job key: %w", action, err)
	}
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = ctxOr(ctx)
	r, err := c.Trust(ctx)
	if err != nil {
		return err
	}
	if r.Set == nil {
		return fmt.Errorf("trust: the master has no trust chain")
	}
	step, err := master.NextTrustStep(jk, r.Set, action, key, o.name)
	if err != nil {
		return err
	}
	// A step that lost the race with another change is refused (it does
	// not follow the chain): the operator runs the command again.
	a, err := c.TrustAppend(ctx, step)
	if err != nil {
		return err
	}
	return o.print(s, a.Set)
}
