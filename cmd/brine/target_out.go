package main

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

// netOutput prints returns that came over the wire, through the same
// output flags and printers as `brine call`.
type netOutput struct {
	f       outputFlags
	kwargs  map[string]any         // the job's, for test=True in the summary
	changed func(flag string) bool // which output flags were given
}

// fromMaster takes the output options of the master config, as salt's
// are its master config's; the flags given win.
func (o *netOutput) fromMaster(cfg *master.Config) {
	changed := o.changed
	if changed == nil {
		changed = changedIn(nil)
	}
	o.f.applyConfig(cfg.Settings, changed)
}

func (o *netOutput) add(fs *pflag.FlagSet) { o.f.add(fs) }

// netOutputFrom reads the output flags back from a flag set they were
// added to.
func netOutputFrom(fs *pflag.FlagSet) (netOutput, error) {
	o := netOutput{changed: fs.Changed}
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
	o.f = outputFlags{out: str("out"), outFile: str("out-file"), outFileAppend: b("out-file-append"), static: b("static"),
		stateOutput: str("state-output"), stateVerbose: b("state-verbose"), noColor: b("no-color"), forceColor: b("force-color"),
		outIndent: str("out-indent")}
	return o, err
}

func (o *netOutput) validate() error { return o.f.validate() }

// printer writes the returns of a command that waits for minions: each
// as it arrives, or all at the end with --static.
type printer struct {
	w    io.Writer // stdout, or the --out-file
	buf  *bufio.Writer
	err  io.Writer // stderr: for what is not output
	o    *netOutput
	p    *output.Printer
	jids []string // the lookup hints, held back by --static
	lost error    // the first return that could not be written
}

func (o *netOutput) printer(s *streams) *printer {
	w := o.f.writer(s.out)
	return &printer{w: w, err: s.err, o: o, p: output.NewPrinter(w, o.f.options(w, o.kwargs))}
}

// buffer makes the printer hold what it writes until drain, when it
// writes to stdout and stdout is a pipe or a file: a command that waits
// for 10,000 minions then makes a write a batch of returns instead of
// one a minion (a fifth of its CPU). A terminal gets each return at once,
// between the progress line's redraws; an --out-file is written a return
// at a time, as Salt's is.
func (p *printer) buffer(stdout io.Writer) {
	if p.w != stdout || isTerminal(stdout) {
		return
	}
	p.buf = bufio.NewWriterSize(p.w, 64<<10)
	p.w = p.buf
	p.p = output.NewPrinter(p.buf, p.o.f.options(stdout, p.o.kwargs))
}

// drain writes out what buffer held.
func (p *printer) drain() {
	if p.buf == nil {
		return
	}
	if err := p.buf.Flush(); err != nil {
		fmt.Fprintf(p.err, "brine: %s\n", output.SafeText(err.Error()))
		p.lose(err)
	}
}

// minion prints one minion's return, as soon as it arrives.
func (p *printer) minion(id string, ret *proto.Return) {
	if err := p.p.PrintDefault(id, ret.Return, ret.Out); err != nil {
		fmt.Fprintf(p.err, "%s:\n    (cannot print the return: %s)\n", output.Safe(id), output.SafeText(err.Error()))
		p.lose(err)
	}
}

// missing prints a minion that did not return, and why, in Salt's words.
func (p *printer) missing(id, why string) {
	if err := p.p.Missing(id, why); err != nil {
		fmt.Fprintf(p.err, "brine: %s\n", output.SafeText(err.Error()))
		p.lose(err)
	}
}

func (p *printer) lose(err error) {
	if p.lost == nil {
		p.lost = err
	}
}

// hint says how to find the late returns. A program reading data output
// gets it on stderr, so that stdout holds returns alone.
func (p *printer) hint(jid string) {
	if p.o.f.static {
		p.jids = append(p.jids, jid)
		return
	}
	p.writeHint(jid)
}

func (p *printer) writeHint(jid string) {
	w := p.w
	if output.IsData(p.o.f.out) {
		w = p.err
	}
	fmt.Fprintf(w, "\nThe job goes on where it still runs; late returns land in the job cache:\n\n    brine jobs lookup %s\n", jid)
}

// flush writes what --static held back, and reports whether any output
// was lost (an --out-file that could not be written): the command must
// not exit 0 when its output is missing. Each failure has been told on
// stderr already.
func (p *printer) flush() error {
	err := p.p.Flush()
	if err != nil {
		fmt.Fprintf(p.err, "brine: %s\n", output.SafeText(err.Error()))
		p.lose(err)
	}
	for _, jid := range p.jids {
		p.writeHint(jid)
	}
	p.jids = nil
	p.drain()
	return p.lost
}

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

// state counts n states done.
func (p *progress) state(n int) {
	p.nstate += n
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
