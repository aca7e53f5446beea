package main

import (
	"fmt"
	"io"

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

// progress is the live line on stderr.
type progress struct {
	w      io.Writer
	on     bool
	nret   int
	nstate int
	total  int
	shown  bool
}

func newProgress(w io.Writer, on bool) *progress { return &progress{w: w, on: on} }

func (p *progress) draw() {
	if !p.on {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%d/%d minions returned, %d states done", p.nret, p.total, p.nstate)
	p.shown = true
}

func (p *progress) expect(n int) { p.total += n; p.draw() }
func (p *progress) returned()    { p.nret++; p.draw() }
func (p *progress) state()       { p.nstate++; p.draw() }
func (p *progress) clear() {
	if p.on && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
