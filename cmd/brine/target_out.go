package main

import (
	"time"

	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

// netOutput prints returns that came over the wire, through the same
// output flags and printers as `brine call`.
type netOutput struct {
	f      outputFlags
	kwargs map[string]any // the job's, for test=True in the summary
}

func (o *netOutput) add(fs *pflag.FlagSet) { o.f.add(fs) }

// netOutputFrom reads the output flags back from a flag set they were
// added to.
func netOutputFrom(fs *pflag.FlagSet) (netOutput, error) {
	var o netOutput
	var err error
	str := func(n string) string {
		v, e := fs.GetString(n)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	b := func(n string) bool {
		v, e := fs.GetBool(n)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	o.f = outputFlags{out: str("out"), stateOutput: str("state-output"), stateVerbose: b("state-verbose"),
		noColor: b("no-color"), forceColor: b("force-color")}
	return o, err
}

func (o *netOutput) validate() error { return o.f.validate() }

type printer struct {
	w io.Writer
	o *netOutput
}

func (o *netOutput) printer(s *streams) *printer { return &printer{w: s.out, o: o} }

// minion prints one minion's return, as soon as it arrives.
func (p *printer) minion(id string, ret *proto.Return) {
	r := exec.Return{Value: ret.Return, Retcode: ret.Retcode, Out: ret.Out}
	if err := p.o.f.print(p.w, id, r, p.o.kwargs); err != nil {
		fmt.Fprintf(p.w, "%s:\n    (cannot print the return: %v)\n", id, err)
	}
}

// missing prints a minion that did not return, and why, in Salt's words.
func (p *printer) missing(id, why string) {
	msg := "Minion did not return. [" + why + "]"
	switch p.o.f.out {
	case "json":
		fmt.Fprintln(p.w, output.JSON(map[string]any{id: msg}))
	case "yaml":
		b, _ := yaml.Marshal(map[string]any{id: msg})
		fmt.Fprint(p.w, string(b))
	case "quiet":
	default:
		fmt.Fprintf(p.w, "%s:\n    %s\n", id, msg)
	}
}

func (p *printer) hint(jid string) {
	switch p.o.f.out {
	case "json", "yaml", "quiet", "raw":
		return
	}
	fmt.Fprintf(p.w, "\nThe job goes on where it still runs; late returns land in the job cache:\n\n    brine jobs lookup %s\n", jid)
}

func (p *printer) flush() {}

// progress is the live line on stderr: a bar of the minions that have
// returned out of those expected, and the states done so far.
type progress struct {
	bar    *progressbar.ProgressBar // nil when off
	nstate int
}

func newProgress(w io.Writer, on bool) *progress {
	if !on {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(0,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("waiting for minions"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(50*time.Millisecond),
	)}
}

func (p *progress) expect(n int) {
	if p.bar != nil {
		p.bar.AddMax(n)
	}
}

func (p *progress) returned() {
	if p.bar != nil {
		_ = p.bar.Add(1)
	}
}

func (p *progress) state() {
	p.nstate++
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("minions returned, %d states done", p.nstate))
	}
}

// clear takes the line away, so that a minion's block prints clean.
func (p *progress) clear() {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}
