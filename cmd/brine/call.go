package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/version"
)

// callOptions are the flags of `brine call`.
type callOptions struct {
	local       bool
	grains, doc bool // salt-call -g, -d
	fileRoots   []string
	pillarRoots []string
	gpgKeyDir   string
	root        string
	id          string
	grainsFile  string
	saltenv     string
	failhard    bool
	passthrough bool
	out         outputFlags
	logLevel    string
	configDir   string

	// From the minion config (minion.yaml), when there is one: the
	// environments' roots (flags name base's alone), static grains and
	// the run's options.
	fileRootsByEnv, pillarRootsByEnv fileroot.Roots
	grainsCfg                        map[string]any
	opts                             map[string]any
	pillar                           pillar.Options // Salt's defaults without a minion.yaml
	pillarenv                        string
}

func newCallCmd(s *streams) *cobra.Command {
	o := &callOptions{pillar: pillar.DefaultOptions()}
	cmd := &cobra.Command{
		Use:   "call --local [flags] FUNCTION [ARG…] [KEY=VALUE…]",
		Short: "Run a function on this host, with no master (like salt-call --local)",
		Long: `Run one function on this host with the local engine: render the state tree
from --file-root, compile it, and apply it (or dry-run it with test=True).

As salt-call --local reads /etc/salt/minion, brine call reads minion.yaml
from -c (/etc/brine) when there is one: its id, grains, root, saltenv,
file_roots and pillar_roots (every environment's trees), nodegroups, top
file options, pillarenv and the master's pillar options (ext_pillar,
pillar_source_merging_strategy, gpg_keydir…) are the defaults, and a flag
given wins.

Arguments after the function are positional, KEY=VALUE words are keyword
arguments, and every value is read as YAML, as Salt's loader reads it:
test=True is a boolean, pillar='{"role": "web"}' a mapping, 0644 the
number 644 and 1e3 text, as in an SLS file.

Exit status: 0 when every state succeeded, 2 when a state failed, 1 when the
tree failed to render or compile, or the function failed.

It differs from salt-call in: --local is required (there is no master
mode); a failed state exits 2 where salt-call exits 1 (with
--retcode-passthrough both exit with the function's own code); no
returners (--return), --metadata, --master or --proxyid.`,
		Example: `  # Dry-run the highstate of the tree in ./states
  brine call --local --file-root ./states state.apply test=True

  # Apply two SLS to an OS image in a folder, leaving the host alone
  brine call --local --file-root ./states --root /mnt/image state.apply xen-domu,no-ipv6

  # Show what top.sls gives this host, and the compiled low chunks
  brine call --local --file-root ./states state.show_top
  brine call --local --file-root ./states state.show_lowstate

  # Grains, as another host would have them
  brine call --local --id web1 --grains-file web1.yaml grains.items`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.grains || o.doc {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.readMinionConfig(cmd.Flags()); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return usage(err)
			}
			// salt-call -g and -d: grains.items, sys.doc [FUNCTION…].
			switch {
			case o.grains:
				args = []string{"grains.items"}
			case o.doc:
				args = append([]string{"sys.doc"}, args...)
			}
			return o.run(cmd.Context(), args, s)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.grains, "grains", "g", false, "print this host's grains (grains.items), as salt-call -g")
	f.BoolVarP(&o.doc, "doc", "d", false, "print the documentation of the functions named, or of all (sys.doc), as salt-call -d")
	f.BoolVar(&o.local, "local", false, "run with the local engine and the state tree on disk (required: brine call has no master mode yet)")
	f.StringArrayVar(&o.fileRoots, "file-root", nil, "a state tree root for the base environment (repeatable, searched in order; default /srv/salt)")
	f.StringArrayVar(&o.pillarRoots, "pillar-root", nil, "a pillar tree root (repeatable; default /srv/pillar when it exists)")
	f.StringVar(&o.gpgKeyDir, "gpg-keydir", "", "the GnuPG home whose keys decrypt #!yaml|gpg pillar values, as Salt's gpg_keydir (default /etc/brine/gpgkeys)")
	f.StringVar(&o.root, "root", "", "rebase every managed path under DIR, to configure an OS image in a folder")
	f.StringVar(&o.id, "id", "", "the host's id (default: the hostname)")
	f.StringVar(&o.grainsFile, "grains-file", "", "a YAML file of grains that override or add to the collected ones")
	f.StringVar(&o.saltenv, "saltenv", "base", "the environment to read states from")
	f.BoolVar(&o.failhard, "failhard", false, "stop at the first failed state")
	f.StringVarP(&o.logLevel, "log-level", "l", "warn", "log level: debug, info, warn, error")
	f.StringVarP(&o.configDir, "config-dir", "c", master.DefaultDir, "the directory whose minion.yaml, when there is one, gives the defaults: id, grains, root, saltenv, file_roots and pillar_roots (environment to directories, as a masterless Salt minion's), the top file options, nodegroups, state_aggregate, pillarenv and the pillar options (ext_pillar, pillar_source_merging_strategy…); flags win")
	f.BoolVar(&o.passthrough, "retcode-passthrough", false, "exit with the function's own return code, as salt-call's: a command's exit status for cmd.run and friends, test.retcode's code (brine call always tells a failed state, 2, from a broken tree or failed function, 1)")
	o.out.add(f)
	return cmd
}

// readMinionConfig takes the defaults of a masterless run from the
// minion config, as salt-call reads /etc/salt/minion: a flag given wins
// over the file, the file over brine's defaults. No minion.yaml in the
// default directory is no config; in a directory -c names, an error.
func (o *callOptions) readMinionConfig(flags *pflag.FlagSet) error {
	file := filepath.Join(o.configDir, "minion.yaml")
	raw, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) && !flags.Changed("config-dir") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("minion config: %w", err)
	}
	cfg, err := minion.LoadConfig(o.configDir)
	if err != nil {
		return err
	}
	// LoadConfig gives every minion an id; the file's own, when it has
	// one, is the one that counts here (else the grains' host name).
	var set struct {
		ID string `yaml:"id"`
	}
	_ = yaml.Unmarshal(raw, &set)
	if !flags.Changed("id") && set.ID != "" {
		o.id = set.ID
	}
	if !flags.Changed("root") && cfg.Root != "" {
		o.root = cfg.Root
	}
	if !flags.Changed("saltenv") && cfg.Saltenv != "" {
		o.saltenv = cfg.Saltenv
	}
	if !flags.Changed("file-root") && len(cfg.FileRoots) > 0 {
		o.fileRootsByEnv = fileroot.Roots(cfg.FileRoots)
	}
	if !flags.Changed("pillar-root") && len(cfg.PillarRoots) > 0 {
		o.pillarRootsByEnv = fileroot.Roots(cfg.PillarRoots)
	}
	o.grainsCfg = cfg.Grains
	o.pillar, o.pillarenv = cfg.Options, cfg.Pillarenv
	o.out.applyConfig(cfg.Settings, flags.Changed)
	o.opts = cfg.RunOpts()
	return nil
}

// pillarOptions are the minion config's pillar options, --gpg-keydir
// over its gpg_keydir.
func (o *callOptions) pillarOptions() pillar.Options {
	p := o.pillar
	if o.gpgKeyDir != "" {
		p.GPGKeyDir = o.gpgKeyDir
	}
	return p
}

func (o *callOptions) validate() error {
	if err := checkLevel(o.logLevel); err != nil {
		return err
	}
	if !o.local {
		return fmt.Errorf("brine call needs --local: it runs on this host with the state tree on disk (to run through a master, use brine TARGET FUNCTION)")
	}
	// As salt-call --local: a missing default tree is an empty one (the
	// functions that need none, grains.items or cmd.run, work); a root
	// the command line names must exist.
	if len(o.fileRoots) == 0 && o.fileRootsByEnv == nil {
		if fi, err := os.Stat("/srv/salt"); err == nil && fi.IsDir() {
			o.fileRoots = []string{"/srv/salt"}
		}
	}
	if len(o.pillarRoots) == 0 && o.pillarRootsByEnv == nil {
		if fi, err := os.Stat("/srv/pillar"); err == nil && fi.IsDir() {
			o.pillarRoots = []string{"/srv/pillar"}
		}
	}
	for _, r := range o.fileRoots {
		if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
			return fmt.Errorf("--file-root %s: not a directory (the state tree: brine call reads /srv/salt, when there is one, unless --file-root names another)", r)
		}
	}
	for _, r := range o.pillarRoots {
		if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
			return fmt.Errorf("--pillar-root %s: not a directory", r)
		}
	}
	if o.root != "" {
		abs, err := filepath.Abs(o.root)
		if err != nil {
			return fmt.Errorf("--root %s: %w", o.root, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return fmt.Errorf("--root %s: not a directory (make the image's folder first)", o.root)
		}
		o.root = abs
	}
	return o.out.validate()
}

func (o *callOptions) run(ctx context.Context, args []string, s *streams) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := newConsoleLogger(s.err, o.logLevel)

	// --file-root's roots serve the run's environment; --pillar-root's
	// are base's whatever the saltenv, as salt-call's pillar_roots
	// default ({base: [/srv/pillar]}).
	froots, proots := o.fileRootsByEnv, o.pillarRootsByEnv
	if froots == nil {
		froots = fileroot.Roots{o.saltenv: o.fileRoots}
	}
	if proots == nil && len(o.pillarRoots) > 0 {
		proots = fileroot.Roots{fileroot.DefaultEnv: o.pillarRoots}
	}
	host, err := exec.LocalHost(ctx, exec.Local{ID: o.id, GrainsFile: o.grainsFile, Grains: o.grainsCfg, Opts: o.opts,
		FileRoots: froots, PillarRoots: proots, Pillar: o.pillarOptions(), Pillarenv: o.pillarenv, Saltenv: o.saltenv, Root: o.root, Failhard: o.failhard, Version: version.Version, Log: log})
	var perr *exec.PillarError
	if errors.As(err, &perr) {
		fmt.Fprintf(s.err, "brine: %v\n", err)
		return &exitError{code: exec.RetError}
	}
	if err != nil {
		return err
	}
	fun := args[0]
	pos, kw := exec.ParseArgs(args[1:])
	ret := exec.Call(ctx, host, fun, pos, kw)
	if ret.NotRun {
		// As salt-call: no such function, or arguments that do not
		// bind, is a message on stderr, not a return on stdout; the
		// usage of the function goes to stdout, as salt-call prints it.
		msg := fmt.Sprint(ret.Value)
		if ret.Usage != "" && strings.HasSuffix(msg, ret.Usage) {
			fmt.Fprint(s.err, strings.TrimSuffix(msg, ret.Usage))
			fmt.Fprint(s.out, ret.Usage)
		} else {
			fmt.Fprintln(s.err, msg)
		}
		return &exitError{code: ret.Retcode}
	}
	if ret.Raised != nil {
		// salt-call on a CommandExecutionError (salt/cli/caller.py):
		// the message on stderr, no return printed, exit 1; on a
		// SaltInvocationError the message alone.
		if ret.Raised.Invocation {
			fmt.Fprintln(s.err, ret.Raised.Msg)
		} else {
			fmt.Fprintf(s.err, "Error running '%s': %s\n", fun, ret.Raised.Msg)
		}
		return &exitError{code: exec.RetError}
	}
	// salt-call prints its return under "local", whatever the id.
	if err := o.out.print(s.out, "local", ret, kw); err != nil {
		return err
	}
	if o.passthrough && ret.Code != 0 {
		return &exitError{code: ret.Code}
	}
	if ret.Retcode != 0 {
		return &exitError{code: ret.Retcode}
	}
	return nil
}
