package main

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/proto"
)

// Dynamic shell completion (cobra's bash, zsh and fish scripts call
// `brine __complete …`). Minion ids, key names and jids come from the
// master, through the same connection the command itself would make;
// function names from the execution function registry; SLS names from the
// master's file_roots on this host. When the master cannot be reached,
// or asked quickly, the answer is no completions, never an error.

// completeTimeout bounds one question to the master: a shell waits on it.
const completeTimeout = 2 * time.Second

type completeFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// addCompletions sets the dynamic completion of the commands that take
// minion ids, keys, jids, functions or SLS names.
func addCompletions(root *cobra.Command) {
	set := func(path string, f completeFunc) {
		cmd, _, err := root.Find(strings.Fields(path))
		if err == nil && cmd != root && cmd.ValidArgsFunction == nil {
			cmd.ValidArgsFunction = f
		}
	}
	root.ValidArgsFunction = completeTarget
	set("key accept", completeKeys(proto.KeyPending, proto.KeyRejected))
	set("key reject", completeKeys(proto.KeyPending, proto.KeyAccepted))
	set("key delete", completeKeys())
	set("key finger", completeKeys())
	set("jobs lookup", completeJIDs)
	set("jobs kill", completeJIDs)
	accepted := completeKeys(proto.KeyAccepted)
	set("drift", func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 { // one target
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return accepted(cmd, args, prefix)
	})
}

// completeTarget completes `brine TARGET FUNCTION ARGS`: minion ids, then
// function names, then SLS names for the state functions that take them.
func completeTarget(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	switch {
	case len(args) == 0:
		return withPrefix(minionIDs(cmd), prefix), cobra.ShellCompDirectiveNoFileComp
	case len(args) == 1:
		return withPrefix(exec.Functions(), prefix), cobra.ShellCompDirectiveNoFileComp
	case slsFunctions[args[1]] && !strings.Contains(prefix, "="):
		return withPrefix(slsNames(cmd), prefix), cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// slsFunctions take SLS names as their first argument.
var slsFunctions = map[string]bool{"state.apply": true, "state.sls": true, "state.show_sls": true}

func completeKeys(states ...string) completeFunc {
	return func(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
		keys := askMaster(cmd, func(ctx context.Context, c completer) ([]string, error) {
			infos, err := c.Keys(ctx)
			if err != nil {
				return nil, err
			}
			var ids []string
			for _, k := range infos {
				if len(states) == 0 || contains(states, k.State) {
					ids = append(ids, k.ID)
				}
			}
			return ids, nil
		})
		return withPrefix(without(keys, args), prefix), cobra.ShellCompDirectiveNoFileComp
	}
}

func completeJIDs(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	jids := askMaster(cmd, func(ctx context.Context, c completer) ([]string, error) {
		jobs, err := c.Jobs(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, j := range jobs {
			out = append(out, j.JID+"\t"+j.Fun)
		}
		return out, nil
	})
	return withPrefix(jids, prefix), cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// minionIDs are the accepted keys' ids.
func minionIDs(cmd *cobra.Command) []string {
	return askMaster(cmd, func(ctx context.Context, c completer) ([]string, error) {
		infos, err := c.Keys(ctx)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, k := range infos {
			if k.State == proto.KeyAccepted {
				ids = append(ids, k.ID)
			}
		}
		return ids, nil
	})
}

// completer is what completion asks the master; *client.Client is one.
type completer interface {
	Keys(context.Context) ([]proto.KeyInfo, error)
	Jobs(context.Context) ([]proto.JobSummary, error)
	Close()
}

// dialComplete connects completion to the master; tests replace it.
var dialComplete = func(c *connFlags) (completer, error) { return c.dial() }

// askMaster dials the master as the command would (its -c, --nats-url
// and --creds) and runs ask; any failure is no answer.
func askMaster(cmd *cobra.Command, ask func(context.Context, completer) ([]string, error)) []string {
	c, err := dialComplete(connOf(cmd))
	if err != nil {
		return nil
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), completeTimeout)
	defer cancel()
	out, err := ask(ctx, c)
	if err != nil {
		return nil
	}
	sort.Strings(out)
	return out
}

// connOf reads the connection flags of cmd, or their defaults.
func connOf(cmd *cobra.Command) *connFlags {
	c := &connFlags{configDir: master.DefaultDir, fs: cmd.Flags()}
	get := func(name string, into *string) {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			*into = f.Value.String()
		}
	}
	get("config-dir", &c.configDir)
	get("nats-url", &c.natsURL)
	get("creds", &c.creds)
	return c
}

// slsNames lists the SLS of the master's file_roots (base), when the
// master's config is on this host: web for web.sls or web/init.sls,
// web.nginx for web/nginx.sls.
func slsNames(cmd *cobra.Command) []string {
	cfg, err := master.LoadConfig(connOf(cmd).configDir)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	for _, root := range cfg.FileRoots["base"] {
		for _, n := range slsUnder(root) {
			seen[n] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// slsUnder names the SLS files under a state tree, top.sls left out.
func slsUnder(root string) []string {
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sls") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil || rel == "top.sls" {
			return nil
		}
		rel = strings.TrimSuffix(rel, ".sls")
		rel = strings.TrimSuffix(rel, string(os.PathSeparator)+"init")
		if strings.Contains(rel, ".") || rel == "init" {
			return nil
		}
		out = append(out, strings.ReplaceAll(rel, string(os.PathSeparator), "."))
		return nil
	})
	return out
}

func withPrefix(words []string, prefix string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}

func without(words, taken []string) []string {
	var out []string
	for _, w := range words {
		if !contains(taken, w) {
			out = append(out, w)
		}
	}
	return out
}
