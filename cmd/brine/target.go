package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// targetOptions are the flags and arguments of
// `brine [flags] TARGET FUNCTION [ARGS…] [KEY=VALUE…]`.
type targetOptions struct {
	conn     connFlags
	out      netOutput
	matchers map[string]bool // flag name -> set
	timeout  string
	maxWait  string
	batch    string
	// batchWait is Salt's --batch-wait: how long a finished minion's
	// place stays empty before the next minion takes it.
	batchWait time.Duration
	// subset is Salt's --subset: run on this many of the matched
	// minions, chosen at random (0: all).
	subset int
	// doc is Salt's -d: the job is sys.doc of the function named (all
	// functions when none is).
	doc      bool
	logLevel string // -l, as salt's
	async    bool
	verbose  bool
	progress bool

	tgtType                       string
	job                           client.Job
	wait                          time.Duration
	showJID, hideTimeout, summary bool
}

var matcherFlags = []struct{ name, short, typ, usage string }{
	{"pcre", "E", proto.TargetPCRE, "TARGET is a regular expression on minion ids"},
	{"list", "L", proto.TargetList, "TARGET is a comma-separated list of minion ids"},
	{"grain", "G", proto.TargetGrain, "TARGET is grain:glob (nested keys with ':')"},
	{"grain-pcre", "P", proto.TargetGrainPCRE, "TARGET is grain:regexp"},
	{"pillar", "I", proto.TargetPillar, "TARGET is pillar:glob"},
	{"compound", "C", proto.TargetCompound, "TARGET is a compound expression (G@os:Debian and web*)"},
	{"nodegroup", "N", proto.TargetNodegroup, "TARGET names a nodegroup from master.yaml"},
	{"ipcidr", "S", targetIPCIDR, "TARGET is an IP address or a network (10.0.0.0/8): the compound S@TARGET"},
	{"pillar-pcre", "J", targetPillarPCRE, "TARGET is pillar:regexp: the compound J@TARGET"},
}

// The matchers the command spells as a compound expression of one term
// (the master knows them only inside compound targets).
const (
	targetIPCIDR     = "ipcidr"
	targetPillarPCRE = "pillar_pcre"
)

// compoundPrefix is the compound term each of those matchers stands for.
var compoundPrefix = map[string]string{targetIPCIDR: "S@", targetPillarPCRE: "J@"}

func addTargetFlagSet(fs *pflag.FlagSet) {
	var c connFlags
	c.add(fs)
	var o netOutput
	o.add(fs)
	for _, m := range matcherFlags {
		fs.BoolP(m.name, m.short, false, m.usage)
	}
	fs.StringP("timeout", "t", "5", "seconds (or a duration like 2m) to wait for news from a minion: its ack, then its heartbeats; a minion that acked is waited for while it works, and reported lost after "+fmt.Sprint(client.MissedHeartbeats)+" missed heartbeats")
	fs.String("max-wait", "", "stop waiting after this long whatever the minions do (default: no limit); they go on, and brine jobs lookup JID shows their returns")
	fs.StringP("batch-size", "b", "", "run on N minions (or N%) at a time")
	fs.String("batch", "", "same as --batch-size")
	fs.String("batch-wait", "", "with --batch-size, seconds (or a duration) to wait after a minion returns before its place goes to the next")
	fs.Int("subset", 0, "run on N of the matched minions, chosen at random")
	fs.BoolP("doc", "d", false, "show the documentation of FUNCTION (sys.doc), or of every function when only TARGET is given")
	fs.Bool("async", false, "publish the job, print its id, do not wait")
	fs.BoolP("verbose", "v", false, "say what is going on (the job id first)")
	fs.Bool("show-jid", false, "print the job id first (jid: JID), as salt --show-jid")
	fs.Bool("hide-timeout", false, "do not print the minions that did not return (they still set the exit status)")
	fs.Bool("summary", false, "end with Salt's summary: how many minions were targeted, returned, did not return, failed")
	fs.Bool("progress", false, "show a live line of minions and states done (on a terminal)")
	fs.StringP("log-level", "l", "warning", "log level on stderr, as salt -l: debug says when the job is published and when each minion returns")
}

func targetOptionsFrom(fs *pflag.FlagSet) (*targetOptions, error) {
	o := &targetOptions{matchers: map[string]bool{}}
	var err error
	get := func(name string) string {
		v, e := fs.GetString(name)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	getB := func(name string) bool {
		v, e := fs.GetBool(name)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	o.conn = connFlags{configDir: get("config-dir"), natsURL: get("nats-url"), creds: get("creds")}
	if o.out, err = netOutputFrom(fs); err != nil {
		return nil, err
	}
	for _, m := range matcherFlags {
		o.matchers[m.typ] = getB(m.name)
	}
	o.timeout, o.batch, o.maxWait = get("timeout"), get("batch-size"), get("max-wait")
	if b := get("batch"); b != "" {
		o.batch = b
	}
	if w := get("batch-wait"); w != "" {
		d, perr := parseWait(w)
		if perr != nil && err == nil {
			err = usagef("--batch-wait %s: %v", w, perr)
		}
		o.batchWait = d
	}
	if n, e := fs.GetInt("subset"); e == nil {
		o.subset = n
	}
	o.logLevel = get("log-level")
	o.doc = getB("doc")
	o.async, o.verbose, o.progress = getB("async"), getB("verbose"), getB("progress")
	o.showJID, o.hideTimeout, o.summary = getB("show-jid"), getB("hide-timeout"), getB("summary")
	return o, err
}

// Complete reads TARGET FUNCTION ARGS… into the job.
func (o *targetOptions) Complete(args []string) error {
	if o.doc && len(args) >= 1 {
		// salt -d: sys.doc of the function (or of all), on the target.
		args = append([]string{args[0], "sys.doc"}, args[1:]...)
	}
	if len(args) < 2 {
		return fmt.Errorf("want TARGET FUNCTION [ARG…] [KEY=VALUE…]")
	}
	o.tgtType = proto.TargetGlob
	for typ, set := range o.matchers {
		if set {
			o.tgtType = typ
		}
	}
	o.job = client.Job{Target: args[0], TargetType: o.tgtType, Fun: args[1]}
	if prefix, ok := compoundPrefix[o.tgtType]; ok {
		o.tgtType = proto.TargetCompound
		o.job.Target, o.job.TargetType = prefix+args[0], o.tgtType
	}
	o.job.Args, o.job.Kwargs = exec.ParseArgs(args[2:])
	o.out.kwargs = o.job.Kwargs
	d, err := parseTimeout(o.timeout)
	if err != nil {
		return err
	}
	o.wait, o.job.Timeout = d, d
	if o.maxWait != "" {
		if o.job.MaxWait, err = parseTimeout(o.maxWait); err != nil {
			return fmt.Errorf("--max-wait: %w", err)
		}
	}
	return nil
}

// Validate checks the flags together.
func (o *targetOptions) Validate() error {
	n := 0
	for _, set := range o.matchers {
		if set {
			n++
		}
	}
	if n > 1 {
		return fmt.Errorf("give at most one of -E -L -G -P -I -C -N")
	}
	if o.batch != "" {
		if _, _, err := client.ParseBatch(o.batch); err != nil {
			return err
		}
	}
	if o.subset < 0 {
		return usagef("--subset %d: want a number of minions", o.subset)
	}
	if err := checkLevel(o.logLevel); err != nil {
		return err
	}
	return o.out.validate()
}

// parseWait reads a wait of zero or more seconds, or a duration.
func parseWait(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("want seconds or a duration like 2s")
	}
	return d, nil
}

func parseTimeout(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--timeout %q: want seconds or a duration like 90s", s)
	}
	return d, nil
}

// Run publishes the job and prints the returns as they come. Ctrl-C
// detaches: the job goes on, and the command says how to look it up.
func (o *targetOptions) Run(ctx context.Context, s *streams) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	// dial read master.yaml already: a second read cannot fail but on
	// a file changed between the two.
	cfg, err := master.LoadConfig(o.conn.configDir)
	if err != nil {
		return err
	}
	o.out.fromMaster(cfg)
	if o.async {
		rep, err := c.Publish(ctx, o.job)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Executed command with job ID: %s\n", rep.JID)
		return nil
	}
	st := &runState{p: o.out.printer(s), prog: newProgress(s.err, o.progress && isTerminal(s.err)), log: newConsoleLogger(s.err, o.logLevel)}
	st.p.buffer(s.out)
	defer st.p.drain()
	if o.batch != "" || o.subset > 0 {
		rep, err := c.Resolve(ctx, o.job)
		if err != nil {
			return err
		}
		if len(rep.Minions) == 0 && len(rep.NotConnected) == 0 {
			return o.noMinions(s)
		}
		if o.batch != "" {
			// Salt's Batch.run names each minion it will not run on.
			for _, id := range rep.NotConnected {
				fmt.Fprintf(o.humanOut(s), "Minion %s did not respond. No job will be sent.\n", id)
				st.tally.notConnected = append(st.tally.notConnected, id)
				st.code = worse(st.code, ExitNoReturn)
			}
		}
		ids := rep.Minions
		if o.subset > 0 && o.subset < len(ids) {
			ids = slices.Clone(ids)
			rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			ids = ids[:o.subset]
		}
		if o.batch == "" {
			j := o.job
			if len(ids) > 0 {
				j.Minions = ids // else the job reports who is not connected
			}
			if _, err := o.runJob(ctx, c, s, j, st); err != nil {
				return err
			}
		} else if len(ids) == 0 {
			// Every minion is down: each was named above.
		} else if err := o.runBatch(ctx, c, s, ids, st); err != nil {
			return err
		}
	} else {
		matched, err := o.runJob(ctx, c, s, o.job, st)
		if err != nil {
			return err
		}
		if !matched {
			return o.noMinions(s)
		}
	}
	if err := st.p.flush(); err != nil {
		st.code = worse(st.code, ExitError) // output lost: said on stderr
	}
	if o.summary {
		st.tally.print(s.out, o.verbose)
	}
	if st.code != 0 {
		// Salt's salt command says so on stderr whenever a minion's
		// retcode is not 0 (one that did not return included).
		fmt.Fprintln(s.err, "ERROR: Minions returned with non-zero exit code")
	}
	return exitWith(st.code)
}

// dataOut reports an outputter that scripts parse (json, yaml, raw,
// pprint) or that prints nothing (quiet): Salt's progress lines stay out
// of it.
func (o *targetOptions) dataOut() bool {
	switch o.out.f.out {
	case "json", "yaml", "raw", "pprint", "quiet":
		return true
	}
	return false
}

// humanOut is where a line for the person goes: stdout, as Salt prints
// it, unless stdout carries data for a script (then stderr).
func (o *targetOptions) humanOut(s *streams) io.Writer {
	if o.dataOut() {
		return s.err
	}
	return s.out
}

// tally counts the minions of a command for --summary.
type tally struct {
	returned                 int
	failed                   []string // returned with a non-zero retcode
	notConnected, noResponse []string
}

// print writes Salt's _print_returns_summary.
func (t *tally) print(w io.Writer, verbose bool) {
	notReturned := len(t.notConnected) + len(t.noResponse)
	line := "-------------------------------------------"
	fmt.Fprintf(w, "\n\n%s\nSummary\n%s\n", line, line)
	fmt.Fprintf(w, "# of minions targeted: %d\n", t.returned+notReturned)
	fmt.Fprintf(w, "# of minions returned: %d\n", t.returned)
	fmt.Fprintf(w, "# of minions that did not return: %d\n", notReturned)
	fmt.Fprintf(w, "# of minions with errors: %d\n", len(t.failed))
	if verbose {
		for _, l := range []struct {
			label string
			ids   []string
		}{{"Minions not connected", t.notConnected}, {"Minions not responding", t.noResponse}, {"Minions with failures", t.failed}} {
			if len(l.ids) > 0 {
				ids := append([]string(nil), l.ids...)
				sort.Strings(ids)
				fmt.Fprintf(w, "%s: %s\n", l.label, strings.Join(ids, " "))
			}
		}
	}
	fmt.Fprintln(w, line)
}

// noMinions ends a command whose target matched nothing as Salt's does:
// its line where the person reads (stdout, unless that carries data),
// then "ERROR: No return received" on stderr.
func (o *targetOptions) noMinions(s *streams) error {
	fmt.Fprintln(o.humanOut(s), "No minions matched the target. No command was sent, no jid was assigned.")
	fmt.Fprintln(s.err, "ERROR: No return received")
	return exitWith(ExitNoReturn)
}

// runState is what the jobs of one command share: the printer, the
// progress line and the verdict. With --batch several jobs run at once.
type runState struct {
	mu    sync.Mutex
	p     *printer
	prog  *progress
	code  ExitCode // the worst so far (exitcode.go)
	tally tally    // for --summary
	log   *slog.Logger
}

// runJob runs one job and prints its minions as they return. It reports
// false when no minion matched.
func (o *targetOptions) runJob(ctx context.Context, c *client.Client, s *streams, j client.Job, st *runState) (bool, error) {
	var jid string
	res, err := c.Run(ctx, j, func(ev client.Event) {
		st.mu.Lock()
		defer st.mu.Unlock()
		switch {
		case ev.Published != nil:
			jid = ev.Published.JID
			st.log.Debug("Published job", "jid", jid, "fun", j.Fun, "tgt", j.Target, "minions", len(ev.Published.Minions))
			if o.showJID {
				fmt.Fprintf(s.out, "jid: %s\n", ev.Published.JID)
			}
			if o.verbose {
				// Salt's get_cli_returns prints these on stdout, the
				// dashes as long as the line, then a blank line; brine
				// keeps them out of the outputs scripts parse.
				msg := "Executing job with jid " + ev.Published.JID
				fmt.Fprintf(o.humanOut(s), "%s\n%s\n\n", msg, strings.Repeat("-", len(msg)))
			}
			st.prog.expect(len(ev.Published.Minions))
		case ev.NotConnected:
			st.log.Debug("Minion not connected", "jid", jid, "minion", ev.Minion)
			st.prog.clear()
			st.tally.notConnected = append(st.tally.notConnected, ev.Minion)
			if !o.hideTimeout {
				st.p.missing(ev.Minion, "Not connected")
			}
		case ev.Return != nil:
			st.log.Debug("Got return", "jid", jid, "minion", ev.Minion, "retcode", ev.Return.Retcode)
			st.prog.clear()
			st.tally.returned++
			if ev.Return.Retcode != 0 {
				st.tally.failed = append(st.tally.failed, ev.Minion)
			}
			st.p.minion(ev.Minion, ev.Return)
			st.prog.returned()
		case ev.States != nil:
			st.prog.state(len(ev.States.States))
		case ev.Drained:
			st.p.drain()
		}
	})
	st.mu.Lock()
	defer st.mu.Unlock()
	st.prog.clear()
	if err != nil && jid != "" && errors.Is(err, context.Canceled) {
		st.p.drain()
		fmt.Fprintf(s.err, "\nDetached from job %s; its minions go on. To see its returns:\n    brine jobs lookup %s\n", jid, jid)
		st.code = worse(st.code, ExitNoReturn)
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if len(res.Minions) == 0 && len(res.Status) == 0 {
		return false, nil
	}
	late := false
	for _, id := range client.Sorted(res.Status) {
		why := ""
		switch res.Status[id] {
		case client.Running:
			why = "Still running"
		case client.NoResponse:
			why = "No response"
		case client.Lost:
			why = "Lost: last heard from at " + res.LastHeard[id].Local().Format("15:04:05")
		default:
			continue
		}
		late = true
		st.tally.noResponse = append(st.tally.noResponse, id)
		if !o.hideTimeout {
			st.p.missing(id, why)
		}
	}
	if late && !o.hideTimeout {
		st.p.hint(res.JID)
	}
	st.code = worse(st.code, resultExit(res))
	return true, nil
}

// runBatch runs the job on ids in Salt's batch mode (client.Batch): each
// minion's run is a job of its own.
func (o *targetOptions) runBatch(ctx context.Context, c *client.Client, s *streams, ids []string, st *runState) error {
	n, err := client.BatchSize(len(ids), o.batch)
	if err != nil {
		return err
	}
	return client.BatchNotify(ctx, ids, n, func(started []string) {
		// Salt's Batch.run says which minions it starts, as a Python
		// list; not in the outputs scripts parse.
		if o.dataOut() {
			return
		}
		sorted := append([]string(nil), started...)
		sort.Strings(sorted)
		st.mu.Lock()
		fmt.Fprintf(s.out, "\nExecuting run on %s\n\n", pyfmt.Repr(sorted))
		st.mu.Unlock()
	}, func(ctx context.Context, id string) error {
		j := o.job
		j.Minions = []string{id}
		if _, err := o.runJob(ctx, c, s, j, st); err != nil {
			return err
		}
		if o.batchWait > 0 {
			t := time.NewTimer(o.batchWait)
			defer t.Stop()
			select {
			case <-t.C:
			case <-ctx.Done():
			}
		}
		return nil
	})
}
