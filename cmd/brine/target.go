package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/proto"
)

// targetOptions are the flags and arguments of
// `brine [flags] TARGET FUNCTION [ARGS…] [KEY=VALUE…]`.
type targetOptions struct {
	conn     connFlags
	out      netOutput
	matchers map[string]bool // flag name -> set
	timeout  string
	batch    string
	async    bool
	verbose  bool
	progress bool

	tgtType string
	job     client.Job
	wait    time.Duration
}

var matcherFlags = []struct{ name, short, typ, usage string }{
	{"pcre", "E", proto.TargetPCRE, "TARGET is a regular expression on minion ids"},
	{"list", "L", proto.TargetList, "TARGET is a comma-separated list of minion ids"},
	{"grain", "G", proto.TargetGrain, "TARGET is grain:glob (nested keys with ':')"},
	{"grain-pcre", "P", proto.TargetGrainPCRE, "TARGET is grain:regexp"},
	{"pillar", "I", proto.TargetPillar, "TARGET is pillar:glob"},
	{"compound", "C", proto.TargetCompound, "TARGET is a compound expression (G@os:Debian and web*)"},
	{"nodegroup", "N", proto.TargetNodegroup, "TARGET names a nodegroup from master.yaml"},
}

func addTargetFlagSet(fs *pflag.FlagSet) {
	var c connFlags
	c.add(fs)
	var o netOutput
	o.add(fs)
	for _, m := range matcherFlags {
		fs.BoolP(m.name, m.short, false, m.usage)
	}
	fs.StringP("timeout", "t", "5", "seconds (or a duration like 2m) to wait for the minions")
	fs.StringP("batch-size", "b", "", "run on N minions (or N%) at a time")
	fs.String("batch", "", "same as --batch-size")
	fs.Bool("async", false, "publish the job, print its id, do not wait")
	fs.BoolP("verbose", "v", false, "say what is going on (the job id first)")
	fs.Bool("progress", false, "show a live line of minions and states done (on a terminal)")
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
	o.timeout, o.batch = get("timeout"), get("batch-size")
	if b := get("batch"); b != "" {
		o.batch = b
	}
	o.async, o.verbose, o.progress = getB("async"), getB("verbose"), getB("progress")
	return o, err
}

// Complete reads TARGET FUNCTION ARGS… into the job.
func (o *targetOptions) Complete(args []string) error {
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
	o.job.Args, o.job.Kwargs = exec.ParseArgs(args[2:])
	o.out.kwargs = o.job.Kwargs
	d, err := parseTimeout(o.timeout)
	if err != nil {
		return err
	}
	o.wait, o.job.Timeout = d, d
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
		if _, _, err := parseBatch(o.batch); err != nil {
			return err
		}
	}
	return o.out.validate()
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

// parseBatch reads N or N%.
func parseBatch(s string) (n int, pct bool, err error) {
	pct = strings.HasSuffix(s, "%")
	n, err = strconv.Atoi(strings.TrimSuffix(s, "%"))
	if err != nil || n <= 0 || (pct && n > 100) {
		return 0, false, fmt.Errorf("--batch-size %q: want N or N%%", s)
	}
	return n, pct, nil
}

// Run publishes the job and prints the returns as they come.
func (o *targetOptions) Run(ctx context.Context, s *streams) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if o.async {
		rep, err := c.Publish(ctx, o.job)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Executed command with job ID: %s\n", rep.JID)
		return nil
	}
	batches := [][]string{nil}
	if o.batch != "" {
		rep, err := c.Resolve(ctx, o.job)
		if err != nil {
			return err
		}
		batches = splitBatch(rep.Minions, o.batch)
	}
	p := o.out.printer(s)
	prog := newProgress(s.err, o.progress && isTerminal(s.err))
	failed := false
	for _, b := range batches {
		j := o.job
		j.Minions = b
		if b != nil && len(b) == 0 {
			continue
		}
		res, err := c.Run(ctx, j, func(ev client.Event) {
			switch {
			case ev.Published != nil:
				if o.verbose {
					fmt.Fprintf(s.err, "Executing job with jid %s\n-------------------------------------------\n", ev.Published.JID)
				}
				prog.expect(len(ev.Published.Minions))
			case ev.NotConnected:
				prog.clear()
				p.missing(ev.Minion, "Not connected")
			case ev.Return != nil:
				prog.clear()
				p.minion(ev.Minion, ev.Return)
				prog.returned()
			case ev.State != nil:
				prog.state()
			}
		})
		if err != nil {
			prog.clear()
			return err
		}
		if len(res.Minions) == 0 && len(res.Status) == 0 {
			fmt.Fprintln(s.err, "No minions matched the target. No command was sent, no jid was assigned.")
			return &exitError{code: 1}
		}
		prog.clear()
		late := false
		for _, id := range client.Sorted(res.Status) {
			switch res.Status[id] {
			case client.Running:
				p.missing(id, "Still running")
				late = true
			case client.NoResponse:
				p.missing(id, "No response")
				late = true
			}
		}
		if late {
			p.hint(res.JID)
		}
		failed = failed || res.Failed()
	}
	p.flush()
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

func splitBatch(ids []string, spec string) [][]string {
	n, pct, _ := parseBatch(spec)
	if pct {
		n = max(1, len(ids)*n/100)
	}
	var out [][]string
	for i := 0; i < len(ids); i += n {
		out = append(out, ids[i:min(i+n, len(ids))])
	}
	if len(out) == 0 {
		out = [][]string{{}}
	}
	return out
}
