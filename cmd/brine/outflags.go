package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/outputconf"
	"github.com/brine-cm/brine/states"
)

// outputFlags are the output flags shared by `brine call`, the target
// form and the commands that print data: --out, --out-file,
// --out-file-append, --static, --state-output, --state-verbose, colour.
type outputFlags struct {
	out           string
	outFile       string
	outFileAppend bool
	static        bool
	stateOutput   string
	stateVerbose  bool
	noColor       bool
	forceColor    bool
	outIndent     string // Salt's --out-indent; "" for the default
	indent        *int   // outIndent read by validate
	// From the config file alone, as Salt has no flags for them:
	stateOutputDiff bool // state_output_diff
	noProfile       bool // state_output_profile: false
	pct             bool // state_output_pct
	filterExclude   []string
	filterTerse     []string
	tabular         bool // state_tabular
}

// applyConfig takes the output options of a config file (master.yaml for
// the commands that reach the master, minion.yaml for brine call), as
// Salt's CLIs read them from theirs: a flag given (changed) wins.
func (f *outputFlags) applyConfig(c outputconf.Settings, changed func(flag string) bool) {
	if c.StateOutput != "" && !changed("state-output") {
		f.stateOutput = c.StateOutput
	}
	if c.StateVerbose != nil && !changed("state-verbose") {
		f.stateVerbose = *c.StateVerbose
	}
	if c.Color != nil && !*c.Color && !changed("force-color") {
		f.noColor = true
	}
	f.stateOutputDiff = c.StateOutputDiff
	f.noProfile = c.StateOutputProfile != nil && !*c.StateOutputProfile
	f.pct = c.StateOutputPct
	f.filterExclude = outputconf.FilterWords(c.StateOutputExclude)
	f.filterTerse = outputconf.FilterWords(c.StateOutputTerse)
	f.tabular, _ = c.StateTabular.(bool)
}

// add adds every output flag: for commands that print minion returns.
func (f *outputFlags) add(fs *pflag.FlagSet) {
	f.addData(fs, "highstate for state runs, nested otherwise")
	fs.BoolVarP(&f.static, "static", "s", false, "gather every return and print them all at the end (json and yaml: one document for all minions)")
	fs.StringVar(&f.stateOutput, "state-output", "full", "how states print: full, terse, mixed, changes, filter (and the _id forms; filter reads state_output_exclude and state_output_terse from the config)")
	fs.BoolVar(&f.stateVerbose, "state-verbose", true, "print states that succeeded without changes (false hides them; they still count)")
}

// addData adds the flags of commands that print data but no minion
// returns (brine key); dflt says what they print without --out.
func (f *outputFlags) addData(fs *pflag.FlagSet, dflt string) {
	fs.StringVar(&f.out, "out", "", "output format: "+strings.Join(output.Outputters(), ", ")+" (default: "+dflt+")")
	fs.StringVar(&f.outFile, "out-file", "", "write the output to FILE instead of stdout (emptied first; created 0600)")
	fs.BoolVar(&f.outFileAppend, "out-file-append", false, "with --out-file, append to FILE instead of emptying it")
	fs.BoolVar(&f.noColor, "no-color", false, "never colour the output")
	fs.BoolVar(&f.forceColor, "force-color", false, "colour the output even when it is not a terminal")
	fs.StringVar(&f.outIndent, "out-indent", "", "spaces a level of --out json (default 4); negative prints each document on one line")
}

// changedIn is fs.Changed, or no flag given when there is no flag set.
func changedIn(fs *pflag.FlagSet) func(string) bool {
	if fs == nil {
		return func(string) bool { return false }
	}
	return fs.Changed
}

// validate checks the flags and, as Salt does when it parses them,
// empties --out-file unless --out-file-append is given: the file then
// holds this run's output alone, even when the run prints nothing.
func (f *outputFlags) validate() error {
	if !output.Known(f.out) {
		return usagef("--out %s: %w", f.out, &output.UnknownOutputterError{Out: f.out})
	}
	// Salt lowercases the value (highstate's _format_host).
	f.stateOutput = strings.ToLower(f.stateOutput)
	if err := outputconf.CheckStateOutput(f.stateOutput); err != nil {
		return usagef("--state-output: %w", err)
	}
	if f.outIndent != "" {
		n, err := strconv.Atoi(f.outIndent)
		if err != nil {
			return usagef("--out-indent %s: want a number of spaces", f.outIndent)
		}
		f.indent = &n
	}
	if f.outFileAppend && f.outFile == "" {
		return usagef("--out-file-append needs --out-file FILE")
	}
	if f.outFile != "" {
		flags := os.O_WRONLY | os.O_CREATE
		if !f.outFileAppend {
			flags |= os.O_TRUNC
		}
		fh, err := os.OpenFile(f.outFile, flags, 0o600)
		if err != nil {
			return usagef("--out-file: %w", err)
		}
		if err := fh.Close(); err != nil {
			return usagef("--out-file: %w", err)
		}
	}
	return nil
}

// writer is where the output goes: w, or the --out-file.
func (f *outputFlags) writer(w io.Writer) io.Writer {
	if f.outFile != "" {
		return appendFile{path: f.outFile}
	}
	return w
}

// appendFile appends each write to a file, opening and closing it each
// time as Salt's display_output does, so that nothing stays open through
// a long wait and every minion's output is on disk as soon as printed.
type appendFile struct{ path string }

func (a appendFile) Write(b []byte) (int, error) {
	fh, err := os.OpenFile(a.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return 0, fmt.Errorf("--out-file: %w", err)
	}
	n, err := fh.Write(b)
	if cerr := fh.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("--out-file %s: %w", a.path, err)
	}
	return n, nil
}

// options are the printer's options for output written to w.
func (f *outputFlags) options(w io.Writer, kwargs map[string]any) output.Options {
	test := false
	if v, ok := kwargs["test"]; ok {
		test, _ = states.ParseBool(v)
	}
	return output.Options{
		Out:           f.out,
		StateOutput:   f.stateOutput,
		HideClean:     !f.stateVerbose || f.stateOutputDiff,
		NoProfile:     f.noProfile,
		Pct:           f.pct,
		FilterExclude: f.filterExclude,
		FilterTerse:   f.filterTerse,
		Tabular:       f.tabular,
		Color:         f.color(w),
		Test:          test,
		Static:        f.static,
		Indent:        f.indent,
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

// print writes one host's return (brine call).
func (f *outputFlags) print(w io.Writer, id string, ret exec.Return, kwargs map[string]any) error {
	w = f.writer(w)
	p := output.NewPrinter(w, f.options(w, kwargs))
	if err := p.PrintDefault(id, ret.Value, ret.Out); err != nil {
		return err
	}
	return p.Flush()
}

// printValue writes a runner's return, a value under no minion's name,
// as salt-run prints one: nested by default, or json, yaml or raw.
func (f *outputFlags) printValue(w io.Writer, v any) error {
	w = f.writer(w)
	var text string
	switch f.out {
	case "", "nested", "highstate":
		text = strings.TrimRight(output.Nested(v, 0, f.color(w)), "\n")
	case "json":
		text = output.JSON(v)
		if f.indent != nil {
			text = output.JSONIndent(v, *f.indent)
		}
	case "yaml":
		var err error
		if text, err = output.YAML(v); err != nil {
			return err
		}
	case "raw":
		text = output.PyRepr(v)
	case "pprint":
		indent := -1
		if f.indent != nil {
			indent = *f.indent
		}
		text = output.Pprint(v, indent)
	case "quiet":
		return nil
	default:
		return usagef("--out %s: a runner's return prints as nested, json, yaml, raw or pprint", f.out)
	}
	return writeOut(w, text+"\n")
}

// printData writes a document that is not a minion's return (the job
// list, the key registry) when --out asks for an outputter, and reports
// false when it did not, so that the command prints its own table.
func (f *outputFlags) printData(w io.Writer, doc output.OrderedMap) (bool, error) {
	if f.out == "" {
		return false, nil
	}
	w = f.writer(w)
	return true, output.PrintData(w, doc, f.options(w, nil))
}

// saltFlagNames maps Salt's spellings of the output flags to brine's:
// salt and salt-call take --state_output, --output, --output-file,
// --no-colour and the like.
func saltFlagNames(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	switch name {
	case "state_output":
		name = "state-output"
	case "state_verbose":
		name = "state-verbose"
	case "output":
		name = "out"
	case "output-file", "out_file":
		name = "out-file"
	case "output-file-append", "out_file_append":
		name = "out-file-append"
	case "output-indent", "out_indent":
		name = "out-indent"
	case "no-colour":
		name = "no-color"
	case "force-colour":
		name = "force-color"
	}
	return pflag.NormalizedName(name)
}

// saltBoolValues rewrites `--state-verbose False` (Salt's option takes a
// value, as a separate word too) into `--state-verbose=False`, so that
// the word is not taken for the function's first argument.
func saltBoolValues(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if (a == "--state-verbose" || a == "--state_verbose") && i+1 < len(args) {
			if _, err := states.ParseBool(args[i+1]); err == nil {
				out = append(out, a+"="+args[i+1])
				i++
				continue
			}
		}
		if a == "--" {
			return append(out, args[i:]...)
		}
		out = append(out, a)
	}
	return out
}
