package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sshrun"
	"github.com/brine-cm/brine/pkg/version"
)

// sshOptions are the flags of `brine ssh`.
type sshOptions struct {
	roster     string
	rosterKind string
	pcre, list bool
	timeout    string
	batch      string
	maxProcs   int
	knownHosts []string
	acceptNew  bool
	priv       []string
	noAgent    bool
	user       string
	sudo       bool
	idOnly     bool
	askpass    bool
	keyDeploy  bool
	listHosts  bool
	randThin   bool
	// askPassword reads --askpass's password (the terminal's, with no
	// echo; a test's stand-in).
	askPassword func() (string, error)
	fileRoots   []string
	pillarRoots []string
	saltenv     string
	failhard    bool
	wipe        bool
	raw         bool
	rawCmd      string
	progress    bool
	logLevel    string
	out         outputFlags
	boot        bootstrapFlags

	hosts  []*sshrun.Host
	dialer *sshrun.Dialer
	call   sshrun.Call
	wait   time.Duration
}

func newSSHCmd(s *streams) *cobra.Command {
	o := &sshOptions{}
	cmd := &cobra.Command{
		Use:   "ssh [flags] TARGET FUNCTION [ARG…] [KEY=VALUE…]",
		Short: "Run a function on roster hosts over SSH, with no minion (like salt-ssh)",
		Long: `Run one function on the hosts of the roster that TARGET names, over SSH: no
minion, no master. brine copies itself to each host's cache dir (thin_dir,
once: only when its sha256 differs), runs the same engine as brine call
--local there, reading the state tree from this host one file at a time
and the host's own pillar from --pillar-root, and prints the returns as
the master mode does.

The roster is Salt's (/etc/brine/roster), rendered with Jinja: host,
port, user, priv, priv_passwd, identities_only, passwd, sudo, sudo_user,
timeout, minion_opts, thin_dir, ssh_options, tty, and proxy_jump; an
entry may be the address alone. TARGET is a glob on roster ids, -E a
regular expression, -L a list.

Host keys are checked against known_hosts, and a host not listed there is
refused unless -i (--accept-new-host-keys) is given; a host that shows another
key than the one listed is always refused. Keys come from the roster's
priv, ~/.ssh/id_* and ssh-agent; a password is tried only when the roster
gives one (passwd, also sudo's) or --askpass asked for it.

A host that could not be reached, refused the login or the host key, or
whose sudo refused, is reported as salt-ssh reports it (its retcode, 255
or 254 for an unknown host key, with stderr and stdout; ssh's own line
alone when it could not connect) and the run goes on for the others.
As salt-ssh, brine ssh exits 20 (EX_AGGREGATE) when any host failed
(not reached, a failed state, a tree that did not render), else 0.

With --bootstrap, TARGET's hosts become minions of a master instead: brine
is installed as /usr/local/bin/brine with minion.yaml pointing at --master
and the shipped systemd unit; the minion's key is made here and accepted
on the master (through the operator's connection: -c, --nats-url, --creds)
before the minion first starts; then the unit is started, and brine waits
for the minions to connect. See docs/ssh.md.`,
		Example: `  # Ping every host of the roster
  brine ssh '*' test.ping

  # Apply the highstate of ./states to the web hosts, 10 at a time
  brine ssh --file-root ./states --pillar-root ./pillar 'web*' state.apply --max-procs 10

  # Dry-run one SLS on two hosts, and remove brine from them afterwards
  brine ssh -L web1,web2 state.apply nginx test=True --wipe

  # Make a host a minion of this master, its key accepted in the same step
  brine ssh web3 --bootstrap --master tls://salt.example.com:4222`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.listHosts {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.listHosts {
				return o.printHosts(s)
			}
			if o.boot.on {
				return o.runBootstrap(cmd.Context(), args, s)
			}
			if err := o.complete(args); err != nil {
				return usage(err)
			}
			return o.run(cmd.Context(), s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.roster, "roster-file", sshrun.DefaultRoster, "the roster: Salt's YAML roster of hosts by id")
	f.StringVar(&o.rosterKind, "roster", "flat", "the roster system: flat (Salt's default, the roster file) is the one brine ssh has")
	f.BoolVarP(&o.pcre, "pcre", "E", false, "TARGET is a regular expression on roster ids")
	f.BoolVarP(&o.list, "list", "L", false, "TARGET is a comma-separated list of roster ids")
	f.StringVarP(&o.timeout, "timeout", "t", "30", "seconds (or a duration) to wait for a host's SSH connection, when its roster entry gives no timeout")
	f.StringVarP(&o.batch, "batch-size", "b", "", "run on N hosts (or N%) at a time, each batch done before the next")
	f.StringVar(&o.batch, "batch", "", "same as --batch-size")
	f.IntVar(&o.maxProcs, "max-procs", 25, "at most this many hosts at once")
	f.StringArrayVar(&o.knownHosts, "known-hosts", nil, "a known_hosts file (repeatable; default ~/.ssh/known_hosts)")
	f.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "trust a host known_hosts does not list, and add its key there (trust on first use); a changed key is refused all the same")
	// salt-ssh's -i: its ssh then takes a host it does not know and
	// records its key; brine's -i is that, and still refuses a changed key.
	f.BoolVarP(&o.acceptNew, "ignore-host-keys", "i", false, "same as --accept-new-host-keys (salt-ssh's -i; a changed key is still refused)")
	f.StringArrayVar(&o.priv, "priv", nil, "a private key file to offer every host (repeatable; default ~/.ssh/id_ed25519, id_ecdsa, id_rsa)")
	f.BoolVar(&o.noAgent, "no-agent", false, "do not use ssh-agent (SSH_AUTH_SOCK)")
	f.StringVar(&o.user, "user", "", "the login of the hosts whose roster entry gives no user (salt-ssh's --user; default root)")
	f.BoolVar(&o.sudo, "sudo", false, "run under sudo on the hosts whose roster entry does not say (salt-ssh's --sudo)")
	f.BoolVar(&o.keyDeploy, "key-deploy", false, "after the run, put this operator's public key (of priv, --priv, else ~/.ssh/id_*) in the login's authorized_keys on each host reached with a password, as salt-ssh --key-deploy")
	f.BoolVar(&o.askpass, "askpass", false, "ask for a password on the terminal, once: the login and sudo password of the hosts whose roster entry gives none (salt-ssh's --askpass)")
	f.BoolVar(&o.idOnly, "identities-only", false, "offer the roster's priv (or --priv) alone, on the hosts whose roster entry does not say (salt-ssh's --identities-only)")
	f.StringArrayVar(&o.fileRoots, "file-root", nil, "a state tree root (repeatable, searched in order; default /srv/salt)")
	f.StringArrayVar(&o.pillarRoots, "pillar-root", nil, "a pillar tree root (repeatable; default /srv/pillar when it exists)")
	f.StringVar(&o.saltenv, "saltenv", "base", "the environment to read states from")
	f.BoolVar(&o.failhard, "failhard", false, "stop a host's run at its first failed state")
	f.BoolVarP(&o.raw, "raw-shell", "r", false, "run FUNCTION [ARG…] as a command line in the login's shell on each host, as ssh does (salt-ssh's -r): nothing copied, no sudo; each host returns retcode, stderr and stdout")
	f.BoolVar(&o.raw, "raw", false, "same as --raw-shell")
	f.BoolVarP(&o.listHosts, "hosts", "H", false, "list the roster's hosts (id and address) and exit, as salt-ssh -H")
	f.BoolVarP(&o.randThin, "rand-thin-dir", "W", false, "use a cache dir of a random name for this run (/var/tmp/.XXXXXX) on the hosts whose roster entry names none, and remove it after (implies --wipe), as salt-ssh -W")
	f.BoolVarP(&o.wipe, "wipe", "w", false, "remove brine's cache dir (thin_dir) from each host after the run")
	f.BoolVar(&o.progress, "progress", false, "show a live line of hosts done and states done (on a terminal; on by default past 10 hosts)")
	// salt-ssh's --refresh renews the grains and pillar it caches on
	// the master side; brine ssh caches none (each run collects the
	// host's grains and renders its pillar), so there is nothing to do.
	var refresh bool
	f.BoolVar(&refresh, "refresh", false, "accepted for salt-ssh's sake: brine ssh collects each host's grains and renders its pillar on every run, with no cache to refresh")
	f.BoolVar(&refresh, "refresh-cache", false, "same as --refresh")
	f.StringVarP(&o.logLevel, "log-level", "l", "warn", "log level: debug, info, warn, error (the hosts' too)")
	o.out.add(f)
	o.boot.add(f)
	return cmd
}

func (o *sshOptions) complete(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("want TARGET FUNCTION [ARG…] [KEY=VALUE…] (or TARGET --bootstrap)")
	}
	if err := o.loadHosts(args[0]); err != nil {
		return err
	}
	if o.raw {
		// Salt's Single.run joins the words with spaces (escaped only
		// from its own local shell): the login's shell reads the line.
		o.rawCmd = strings.Join(args[1:], " ")
		if o.maxProcs <= 0 {
			return fmt.Errorf("--max-procs %d: want 1 or more", o.maxProcs)
		}
		return o.out.validate()
	}
	if len(o.fileRoots) == 0 {
		o.fileRoots = []string{"/srv/salt"}
	}
	if len(o.pillarRoots) == 0 {
		if fi, err := os.Stat("/srv/pillar"); err == nil && fi.IsDir() {
			o.pillarRoots = []string{"/srv/pillar"}
		}
	}
	for _, r := range append(append([]string{}, o.fileRoots...), o.pillarRoots...) {
		if fi, err := os.Stat(r); err != nil || !fi.IsDir() {
			// The default state tree matters to state runs alone.
			if r != "/srv/salt" || strings.HasPrefix(args[1], "state.") {
				return fmt.Errorf("%s: not a directory (--file-root and --pillar-root name the trees)", r)
			}
		}
	}
	if o.maxProcs <= 0 {
		return fmt.Errorf("--max-procs %d: want 1 or more", o.maxProcs)
	}
	if o.batch != "" {
		if _, _, err := client.ParseBatch(o.batch); err != nil {
			return err
		}
	}
	pos, kw := exec.ParseArgs(args[2:])
	o.call = sshrun.Call{Fun: args[1], Args: pos, Kwargs: kw, Saltenv: o.saltenv, Failhard: o.failhard}
	return o.out.validate()
}

// loadHosts reads the roster and the hosts TARGET names.
func (o *sshOptions) loadHosts(target string) error {
	if o.rosterKind != "flat" {
		return fmt.Errorf("--roster %s: brine ssh reads the flat roster (--roster-file) only", o.rosterKind)
	}
	if o.pcre && o.list {
		return fmt.Errorf("give at most one of -E -L")
	}
	d, err := parseTimeout(o.timeout)
	if err != nil {
		return err
	}
	o.wait = d
	r, err := sshrun.LoadRoster(o.roster)
	missing := errors.Is(err, fs.ErrNotExist)
	switch {
	case missing:
		// salt-ssh logs a roster it cannot read and goes on: a target
		// that names a host needs none (Roster.targets).
		r = &sshrun.Roster{Hosts: map[string]*sshrun.Host{}}
	case err != nil:
		return err
	}
	defaults := sshrun.Defaults{User: o.user, Sudo: o.sudo, IdentitiesOnly: o.idOnly}
	if o.randThin {
		// Salt's rand_thin_dir: one random name for the run, and
		// ssh_wipe.
		var b [3]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("--rand-thin-dir: %w", err)
		}
		defaults.ThinDir = "/var/tmp/." + hex.EncodeToString(b[:])
		o.wipe = true
	}
	if o.askpass {
		read := o.askPassword
		if read == nil {
			read = terminalPassword
		}
		if defaults.Passwd, err = read(); err != nil {
			return fmt.Errorf("--askpass: %w", err)
		}
	}
	r.ApplyDefaults(defaults)
	kind := proto.TargetGlob
	switch {
	case o.pcre:
		kind = proto.TargetPCRE
	case o.list:
		kind = proto.TargetList
	}
	if o.hosts, err = r.Target(target, kind); err != nil {
		return err
	}
	if len(o.hosts) == 0 && kind == proto.TargetGlob {
		// salt-ssh's SSH._update_targets: [user@]host, when no roster
		// id matched and the host resolves.
		if h, ok := sshrun.DirectHost(context.Background(), target, defaults); ok {
			o.hosts = []*sshrun.Host{h}
		}
	}
	if len(o.hosts) == 0 {
		if missing {
			return fmt.Errorf("no roster %s, and %q is not a host that resolves", o.roster, target)
		}
		return fmt.Errorf("no host of the roster %s matched %q (nor is it a host that resolves)", o.roster, target)
	}
	o.dialer = &sshrun.Dialer{KnownHosts: o.knownHosts, AcceptNew: o.acceptNew, KeyFiles: o.priv, NoAgent: o.noAgent, Timeout: o.wait, Roster: r}
	return nil
}

func (o *sshOptions) run(ctx context.Context, s *streams) error {
	ctx, stop := signalCtx(ctx)
	defer stop()
	opts := &sshrun.Options{Dialer: o.dialer, Tree: &sshrun.Tree{FileRoots: o.fileRoots, PillarRoots: o.pillarRoots, Saltenv: o.saltenv},
		Wipe: o.wipe, KeyDeploy: o.keyDeploy, ShimLogLevel: o.logLevel, Log: newConsoleLogger(s.err, o.logLevel)}
	batch := 0
	if o.batch != "" {
		n, err := client.BatchSize(len(o.hosts), o.batch)
		if err != nil {
			return usage(err)
		}
		batch = n
	}
	no := netOutput{f: o.out, kwargs: o.call.Kwargs}
	p := no.printer(s)
	if o.raw {
		return o.runRaw(ctx, p, batch)
	}
	prog := newProgress(s.err, (o.progress || len(o.hosts) > 10) && isTerminal(s.err))
	prog.expect(len(o.hosts))
	failed := false
	sshrun.Run(ctx, o.hosts, o.call, opts, o.maxProcs, batch,
		func(string, proto.StateResult) { prog.state(1) },
		func(r sshrun.Result) {
			prog.clear()
			if r.Return != nil {
				p.minion(r.ID, r.Return)
			}
			if r.Err != nil {
				printHostError(p, r.ID, r.Err)
			}
			failed = failed || hostFailed(r)
			prog.returned()
		})
	prog.clear()
	if err := p.flush(); err != nil {
		return exitWith(ExitError)
	}
	if failed {
		return exitWith(ExitSSHAggregate)
	}
	return exitWith(ExitOK)
}

// runRaw runs -r's command line on the hosts and prints each host's
// return as salt-ssh does: retcode, stderr and stdout (SSH.handle_routine
// when the output holds no return), or ssh's own line when the host was
// not reached.
func (o *sshOptions) runRaw(ctx context.Context, p *printer, batch int) error {
	failed := false
	sshrun.RunRaw(ctx, o.hosts, o.rawCmd, o.dialer, o.maxProcs, batch, func(r sshrun.RawResult) {
		if r.Err != nil {
			printHostError(p, r.ID, r.Err)
			failed = true
			return
		}
		p.minion(r.ID, &proto.Return{ID: r.ID, Return: output.OrderedMap{{Key: "stdout", Value: r.Stdout}, {Key: "stderr", Value: r.Stderr}, {Key: "retcode", Value: r.Retcode}}, Retcode: r.Retcode, Out: "nested"})
		failed = failed || r.Retcode != 0
	})
	if err := p.flush(); err != nil {
		return exitWith(ExitError)
	}
	if failed {
		return exitWith(ExitSSHAggregate)
	}
	return exitWith(ExitOK)
}

// ExitSSHAggregate is brine ssh's status when any host failed: Salt's
// EX_AGGREGATE, which salt-ssh exits with whatever the failure (SSH.run:
// any host's retcode other than 0, a host not reached, a state that
// failed, a tree that did not render).
const ExitSSHAggregate ExitCode = 20

// hostFailed tells whether a host's outcome makes salt-ssh exit 20: no
// return, or a return whose retcode is not 0.
func hostFailed(r sshrun.Result) bool {
	return r.Err != nil || r.Return == nil || r.Return.Retcode != 0
}

// printHostError prints a host the call did not run on, as salt-ssh
// does (SSH.run): the host's retcode, stderr and stdout, or only the
// stderr when it is ssh's own line (ssh: connect to host …). A pillar
// that did not render is the tree's fault, not the host's: Salt's words
// for it.
func printHostError(p *printer, id string, err error) {
	var pe *sshrun.PillarError
	if errors.As(err, &pe) {
		p.minion(id, &proto.Return{ID: id, Return: []any{"Pillar failed to render with the following messages:", pe.Err.Error()}, Retcode: 1, Out: "highstate"})
		return
	}
	retcode, stdout, stderr := sshrun.Failure(err)
	if strings.HasPrefix(stderr, "ssh:") {
		p.minion(id, &proto.Return{ID: id, Return: stderr, Retcode: retcode, Out: "nested"})
		return
	}
	p.minion(id, &proto.Return{ID: id, Return: output.OrderedMap{{Key: "stdout", Value: stdout}, {Key: "stderr", Value: stderr}, {Key: "retcode", Value: retcode}}, Retcode: retcode, Out: "nested"})
}

func signalCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if ctx == nil {
		ctx = context.Background()
	}
	sctx, cancel := signalContext()
	ctx, cancel2 := context.WithCancel(ctx)
	stop := context.AfterFunc(sctx, cancel2)
	return ctx, func() { stop(); cancel2(); cancel() }
}

// newSSHShimCmd is what brine ssh runs on a host: it speaks with the
// operator on stdin and stdout. Hidden: no one runs it by hand.
func newSSHShimCmd(s *streams) *cobra.Command {
	var id, dir, level string
	cmd := &cobra.Command{
		Use:    "ssh-shim --id ID --dir DIR",
		Short:  "brine ssh's end on a host (runs the call brine ssh sends on stdin)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == "" || dir == "" {
				return usagef("ssh-shim needs --id and --dir")
			}
			ctx, stop := signalContext()
			defer stop()
			return sshrun.Serve(ctx, s.in, s.out, sshrun.ShimOptions{ID: id, Dir: dir, Version: version.Version, Log: newLogger(s.err, level)})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the host's id in the roster")
	cmd.Flags().StringVar(&dir, "dir", "", "the cache dir")
	cmd.Flags().StringVarP(&level, "log-level", "l", "warn", "log level")
	return cmd
}

// terminalPassword asks for a password on the controlling terminal with
// no echo, as salt-ssh's getpass.getpass("Password: ").
func terminalPassword() (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("no terminal to ask on: %w", err)
	}
	defer tty.Close()
	fmt.Fprint(tty, "Password: ")
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}

// printHosts prints the roster's hosts, as salt-ssh -H does (SSH.run
// with list_hosts): the roster file, and each id with its address.
func (o *sshOptions) printHosts(s *streams) error {
	if o.rosterKind != "flat" {
		return usage(fmt.Errorf("--roster %s: brine ssh reads the flat roster (--roster-file) only", o.rosterKind))
	}
	r, err := sshrun.LoadRoster(o.roster)
	if err != nil {
		return usage(err)
	}
	hosts := output.OrderedMap{}
	for _, id := range r.IDs() {
		hosts = append(hosts, output.KV{Key: id, Value: r.Hosts[id].Host})
	}
	p := (&netOutput{f: o.out}).printer(s)
	p.minion(o.roster, &proto.Return{ID: o.roster, Return: hosts, Out: "nested"})
	if err := p.flush(); err != nil {
		return exitWith(ExitError)
	}
	return nil
}
