package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/states"
)

// outputFlags are the output flags shared by `brine call` and the target
// form: --out, --state-output, --state-verbose, colour.
type outputFlags struct {
	out          string
	stateOutput  string
	stateVerbose bool
	noColor      bool
	forceColor   bool
}

func (f *outputFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.out, "out", "", "output format: highstate, json, yaml, nested, raw, quiet (default: highstate for state runs, nested otherwise)")
	fs.StringVar(&f.stateOutput, "state-output", "full", "how states print: full, terse, mixed, changes (and the _id forms)")
	fs.BoolVar(&f.stateVerbose, "state-verbose", true, "print states that succeeded without changes (false hides them; they still count)")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output")
	fs.BoolVar(&f.forceColor, "force-color", false, "colour the output even when it is not a terminal")
}

func (f *outputFlags) validate() error {
	switch f.out {
	case "", "highstate", "json", "yaml", "nested", "raw", "quiet", "txt":
	default:
		return fmt.Errorf("--out %s: want highstate, json, yaml, nested, raw or quiet", f.out)
	}
	switch f.stateOutput {
	case "full", "terse", "mixed", "changes", "full_id", "terse_id", "mixed_id", "changes_id":
	default:
		return fmt.Errorf("--state-output %s: want full, terse, mixed or changes", f.stateOutput)
	}
	return nil
}

func (f *outputFlags) options(w io.Writer, kwargs map[string]any) output.Options {
	test := false
	if v, ok := kwargs["test"]; ok {
		test, _ = states.ParseBool(v)
	}
	return output.Options{
		Out:         f.out,
		StateOutput: f.stateOutput,
		HideClean:   !f.stateVerbose,
		Color:       f.color(w),
		Test:        test,
	}
}

func (f *outputFlags) color(w io.Writer) bool {
	if f.forceColor {
		return true
	}
	if f.noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	return isTerminal(w)
}

// print writes one host's return.
func (f *outputFlags) print(w io.Writer, id string, ret exec.Return, kwargs map[string]any) error {
	if f.out == "quiet" {
		return nil
	}
	o := f.options(w, kwargs)
	if o.Out == "" {
		o.Out = ret.Out
	}
	return output.Print(w, id, ret.Value, o)
}
