package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/proto"
)

type keyOptions struct {
	conn    connFlags
	all     bool
	yes     bool
	include bool
	// salt-key style shortcuts on `brine key` itself.
	accept, reject, del string
	acceptAll, list     bool
	fingers             bool
}

func newKeyCmd(s *streams) *cobra.Command {
	o := &keyOptions{}
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage minion keys: list, accept, reject, delete, finger",
		Example: `  # List every key by state
  brine key list

  # Accept every pending key without asking
  brine key accept -A -y

  # Accept one minion's key
  brine key accept web1

  # The same, salt-key style
  brine key -a web1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.shortcut(cmd, s) },
	}
	cmd.Flags().StringVarP(&o.accept, "accept", "a", "", "accept this key")
	cmd.Flags().BoolVarP(&o.acceptAll, "accept-all", "A", false, "accept every pending key")
	cmd.Flags().StringVarP(&o.reject, "reject", "r", "", "reject this key")
	cmd.Flags().StringVarP(&o.del, "delete", "d", "", "delete this key")
	cmd.Flags().BoolVarP(&o.list, "list-all", "L", false, "list every key")
	cmd.Flags().BoolVarP(&o.fingers, "finger-all", "F", false, "show every key's fingerprint")
	cmd.PersistentFlags().BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation")
	o.conn.add(cmd.PersistentFlags())

	list := &cobra.Command{
		Use: "list", Short: "List keys: accepted, pending (unaccepted), rejected", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.listKeys(cmd.Context(), s, false) },
	}
	finger := &cobra.Command{
		Use: "finger [ID…]", Short: "Show key fingerprints, and the master's own", Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return o.finger(cmd.Context(), s, args) },
	}
	cmd.AddCommand(list, finger)
	for _, a := range []struct{ name, short string }{
		{proto.KeyAccept, "Accept pending keys"},
		{proto.KeyReject, "Reject keys"},
		{proto.KeyDelete, "Delete keys"},
	} {
		action := a.name
		c := &cobra.Command{
			Use: action + " [ID…]", Short: a.short, Args: cobra.ArbitraryArgs,
			RunE: func(cmd *cobra.Command, args []string) error { return o.act(cmd.Context(), s, action, args) },
		}
		c.Flags().BoolVarP(&o.all, "all", "A", false, "every key the action applies to")
		if action != proto.KeyDelete {
			c.Flags().BoolVar(&o.include, "include-all", false, "with -A, also take keys in the other final state (rejected for accept, accepted for reject)")
		}
		cmd.AddCommand(c)
	}
	return cmd
}

// shortcut runs salt-key's one-letter forms: -a ID, -A, -r ID, -d ID, -L, -F.
func (o *keyOptions) shortcut(cmd *cobra.Command, s *streams) error {
	ctx := cmd.Context()
	switch {
	case o.accept != "":
		return o.act(ctx, s, proto.KeyAccept, []string{o.accept})
	case o.acceptAll:
		o.all = true
		return o.act(ctx, s, proto.KeyAccept, nil)
	case o.reject != "":
		return o.act(ctx, s, proto.KeyReject, []string{o.reject})
	case o.del != "":
		return o.act(ctx, s, proto.KeyDelete, []string{o.del})
	case o.fingers:
		return o.finger(ctx, s, nil)
	case o.list:
		return o.listKeys(ctx, s, false)
	}
	return cmd.Help()
}

func (o *keyOptions) listKeys(ctx context.Context, s *streams, fingers bool) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	keys, err := c.Keys(ctxOr(ctx))
	if err != nil {
		return err
	}
	for _, st := range []struct{ state, title string }{
		{proto.KeyAccepted, "Accepted Keys:"},
		{proto.KeyPending, "Unaccepted Keys:"},
		{proto.KeyRejected, "Rejected Keys:"},
	} {
		fmt.Fprintln(s.out, st.title)
		for _, k := range keys {
			if k.State == st.state {
				if fingers {
					fmt.Fprintf(s.out, "%s:  %s  %s\n", k.ID, k.Finger, k.Nkey)
				} else {
					fmt.Fprintln(s.out, k.ID)
				}
			}
		}
	}
	return nil
}

func (o *keyOptions) finger(ctx context.Context, s *streams, ids []string) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	keys, err := c.Keys(ctxOr(ctx))
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, k := range keys {
		if len(want) == 0 || want[k.ID] {
			fmt.Fprintf(s.out, "%s (%s):  %s  %s\n", k.ID, k.State, k.Finger, k.Nkey)
		}
	}
	return nil
}

func (o *keyOptions) act(ctx context.Context, s *streams, action string, ids []string) error {
	if !o.all && len(ids) == 0 {
		return fmt.Errorf("key %s: name keys, or -A for all", action)
	}
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx = ctxOr(ctx)
	if !o.yes && isTerminal(s.out) {
		what := strings.Join(ids, ", ")
		if o.all {
			what = "all applicable keys"
		}
		fmt.Fprintf(s.out, "The key action %s will apply to: %s\nProceed? [n/Y] ", action, what)
		ans, _ := bufio.NewReader(s.in).ReadString('\n')
		if a := strings.TrimSpace(strings.ToLower(ans)); a != "" && a != "y" && a != "yes" {
			return &exitError{code: 1}
		}
	}
	changed, err := c.KeyAction(ctx, action, ids, o.all, o.include)
	for _, id := range changed {
		fmt.Fprintf(s.out, "Key for minion %s %sed.\n", id, strings.TrimSuffix(action, "e"))
	}
	return err
}

func ctxOr(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
