// Package output prints minion returns the way Salt's outputters do:
// highstate for state runs, nested for everything else, and json, yaml,
// raw, pprint, txt, newline_values_only, no_return or nothing (quiet) on
// request.
//
// A CLI prints each minion as its return arrives:
//
//	p := output.NewPrinter(os.Stdout, output.Options{Color: isatty && !noColor, Test: test})
//	for ret := range returns { p.Print(ret.Minion, ret.Value) }
//	p.Flush()
//
// The human outputters (highstate, nested, txt, newline_values_only,
// no_return) escape every control character a minion sent (see Safe);
// json, yaml, raw and pprint are exact.
package output

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/brine-cm/brine/pkg/engine"
)

// Outputters, as `--out` names them.
const (
	OutHighstate         = "highstate"
	OutNested            = "nested"
	OutJSON              = "json"
	OutYAML              = "yaml"
	OutRaw               = "raw"
	OutPprint            = "pprint"
	OutQuiet             = "quiet"
	OutTxt               = "txt"
	OutNewlineValuesOnly = "newline_values_only"
	OutNoReturn          = "no_return"
)

// Outputters lists every outputter --out accepts, in the order help
// shows them.
func Outputters() []string {
	return []string{OutHighstate, OutNested, OutJSON, OutYAML, OutRaw, OutPprint, OutTxt, OutNewlineValuesOnly, OutNoReturn, OutQuiet}
}

// Known reports whether out names an outputter ("" picks one by the
// return and is known too). "text" is Salt's alias of txt.
func Known(out string) bool {
	if out == "" {
		return true
	}
	out = canonical(out)
	for _, o := range Outputters() {
		if o == out {
			return true
		}
	}
	return false
}

// IsData reports whether an outputter is meant for programs rather than
// people: its output carries nothing but the returns.
func IsData(out string) bool {
	switch canonical(out) {
	case OutJSON, OutYAML, OutRaw, OutPprint, OutTxt, OutNewlineValuesOnly, OutQuiet:
		return true
	}
	return false
}

func canonical(out string) string {
	out = strings.ToLower(out)
	if out == "text" {
		return OutTxt
	}
	return out
}

// UnknownOutputterError is an --out that names no outputter.
type UnknownOutputterError struct{ Out string }

func (e *UnknownOutputterError) Error() string {
	return fmt.Sprintf("unknown outputter %q (want %s)", e.Out, strings.Join(Outputters(), ", "))
}

// Options choose the printer and its form.
type Options struct {
	// Out is the outputter. Empty picks highstate for state results and
	// compile errors, nested for anything else.
	Out string
	// StateOutput is Salt's state_output: full (default), terse, mixed
	// (terse unless failed), changes (terse unless changed or failed), and
	// full_id, terse_id, mixed_id, changes_id, which show the ID as name.
	StateOutput string
	// HideClean is Salt's state_verbose=False: states that succeeded
	// without changes are not printed (they are still counted), and
	// neither are their warnings, as in Salt.
	HideClean bool
	// NoProfile is Salt's state_output_profile=False: no Started or
	// Duration for a state, no Total run time in the summary.
	NoProfile bool
	// Pct is Salt's state_output_pct: the summary adds "Success %" and
	// "Failure %" after Failed.
	Pct bool
	// FilterExclude and FilterTerse are Salt's state_output_exclude and
	// state_output_terse, for StateOutput filter: the results ("True",
	// "False", "None") whose states are printed terse, or not at all
	// (they are still counted).
	FilterExclude, FilterTerse []string
	// Tabular is Salt's state_tabular: True: terse lines in aligned
	// columns.
	Tabular bool
	// level is Salt's indent_level: 1 (or 0) for a minion's own run, one
	// more for each orchestration nested in a step's changes.
	level int
	// Color turns on Salt's terminal colours. The caller decides, from
	// isatty and --no-color.
	Color bool
	// Test marks a test=True run: the summary splits the succeeded states
	// into unchanged and (would be) changed.
	Test bool
	// Static is Salt's --static: every minion is gathered and written by
	// Flush, at once. json, yaml and raw then make one document of all the
	// minions (without it each minion's return is a document of its own,
	// written as it arrives), nested one sorted tree, and the others one
	// block per minion in the order they returned.
	Static bool
	// Indent is Salt's --out-indent for json: spaces a level (nil: 4);
	// negative prints each document on one line.
	Indent *int
}

// CompileErrors is a minion's render or compile failure: the states did
// not run. Highstate prints it as Salt's "Data failed to compile".
type CompileErrors []string

// Print writes one minion's return.
func Print(w io.Writer, minion string, ret any, o Options) error {
	o.Static = false
	return NewPrinter(w, o).Print(minion, ret)
}

// Printer writes minion returns one at a time, so that a CLI can print
// each minion as soon as its return arrives.
type Printer struct {
	w        io.Writer
	o        Options
	gathered []gathered // for Static
}

// gathered is one minion held back by Static.
type gathered struct {
	minion string
	ret    any
	out    string // the outputter this return would have been printed with
}

// NewPrinter returns a printer writing to w.
func NewPrinter(w io.Writer, o Options) *Printer { return &Printer{w: w, o: o} }

// Print writes one minion's return: a []engine.StateResult (or a
// Salt-shaped state map, as decoded from JSON), CompileErrors, or any
// other value (printed nested).
func (p *Printer) Print(minion string, ret any) error { return p.PrintDefault(minion, ret, "") }

// PrintDefault is Print with the outputter the function asked for (a
// minion's return names one, as Salt's "out"), used when Options.Out is
// empty.
func (p *Printer) PrintDefault(minion string, ret any, dflt string) error {
	out := p.o.Out
	if out == "" {
		out = dflt
	}
	if p.o.Static {
		p.gathered = append(p.gathered, gathered{minion, ret, out})
		return nil
	}
	return p.write(minion, p.format(minion, ret, out))
}

// MissingMessage is Salt's word for a minion that did not return, with
// why: "Not connected", "No response", "Still running".
func MissingMessage(why string) string { return "Minion did not return. [" + why + "]" }

// Missing writes a minion that did not return, as Salt does: with the
// no_return outputter unless --out asked for another (highstate is
// Salt's default and asks for none).
func (p *Printer) Missing(minion, why string) error {
	out := p.o.Out
	if out == "" || canonical(out) == OutHighstate {
		out = OutNoReturn
	}
	if p.o.Static {
		p.gathered = append(p.gathered, gathered{minion, MissingMessage(why), out})
		return nil
	}
	return p.write(minion, p.format(minion, MissingMessage(why), out))
}

// formatted is one minion's text, or why it has none.
type formatted struct {
	text string
	skip bool // nothing to write (quiet, or an empty txt)
	err  error
}

// format renders one minion with the outputter out.
func (p *Printer) format(minion string, ret any, out string) formatted {
	out = canonical(out)
	rs, isStates := States(ret)
	cerrs, isCompile := ret.(CompileErrors)
	if out == OutHighstate && !isCompile && !isStates {
		// Salt's highstate outputter gives a list of strings as errors.
		if l, ok := stringList(ret); ok {
			cerrs, isCompile = l, true
		}
	}
	if out == "" {
		out = OutNested
		if isStates || isCompile {
			out = OutHighstate
		}
	}
	// The data form of a return, for the data outputters.
	data := func() any {
		if isCompile {
			return []string(cerrs)
		}
		return dataForm(ret)
	}
	var text string
	switch out {
	case OutQuiet:
		return formatted{skip: true}
	case OutHighstate:
		switch {
		case isStates:
			text = highstate(minion, rowsOf(rs), p.o)
		case isCompile:
			text = compileError(minion, cerrs, p.o.Color)
		default:
			text = Nested(OrderedMap{{minion, ret}}, 0, p.o.Color)
		}
	case OutNested:
		text = Nested(OrderedMap{{minion, data()}}, 0, p.o.Color)
	case OutJSON, OutYAML:
		var err error
		if text, err = encode(out, OrderedMap{{minion, data()}}, p.o.Indent); err != nil {
			return formatted{err: fmt.Errorf("output %s for %s: %w", out, minion, err)}
		}
	case OutRaw:
		text = PyRepr(OrderedMap{{minion, data()}})
	case OutPprint:
		text = Pprint(OrderedMap{{minion, data()}}, p.pprintIndent())
	case OutTxt, OutNewlineValuesOnly, OutNoReturn:
		// Salt prints these rstripped, and not at all when empty.
		text = strings.TrimRight(textOutput(out, OrderedMap{{minion, data()}}, p.o.Color), " \t\n")
		if text == "" {
			return formatted{skip: true}
		}
	default:
		return formatted{err: fmt.Errorf("output: %w", &UnknownOutputterError{Out: out})}
	}
	return formatted{text: text}
}

// pprintIndent is --out-indent for pprint: Salt passes it to pformat when
// it is 0 or more; pformat's own 1 otherwise.
func (p *Printer) pprintIndent() int {
	if p.o.Indent != nil && *p.o.Indent >= 0 {
		return *p.o.Indent
	}
	return 1
}

func (p *Printer) write(minion string, f formatted) error {
	if f.err != nil || f.skip {
		return f.err
	}
	if _, err := io.WriteString(p.w, f.text+"\n"); err != nil {
		return fmt.Errorf("output for %s: %w", Safe(minion), err)
	}
	return nil
}

// Flush writes what Static gathered. It is a no-op otherwise.
func (p *Printer) Flush() error {
	if !p.o.Static || len(p.gathered) == 0 {
		return nil
	}
	all := p.gathered
	p.gathered = nil
	out := canonical(p.o.Out)
	switch out {
	case OutJSON, OutYAML, OutRaw, OutPprint, OutNested:
		// One document (one tree for nested) of every minion, each in
		// the data form its own outputter would give.
		doc := make(OrderedMap, 0, len(all))
		for _, g := range all {
			doc = append(doc, KV{g.minion, dataForm(g.ret)})
		}
		var text string
		switch out {
		case OutRaw:
			text = PyRepr(doc)
		case OutPprint:
			text = Pprint(doc, p.pprintIndent())
		case OutNested:
			text = Nested(doc, 0, p.o.Color)
		default:
			var err error
			if text, err = encode(out, doc, p.o.Indent); err != nil {
				return fmt.Errorf("output %s: %w", out, err)
			}
		}
		if _, err := io.WriteString(p.w, text+"\n"); err != nil {
			return fmt.Errorf("output: %w", err)
		}
		return nil
	}
	var errs []error
	for _, g := range all {
		errs = append(errs, p.write(g.minion, p.format(g.minion, g.ret, g.out)))
	}
	return errors.Join(errs...)
}

// PrintData writes a document that is not minion returns (the job list,
// the key registry) with the outputter o.Out, as Salt's runners and
// salt-key print theirs: the document's keys stand where minion ids stand
// in returns. highstate, which has no states to show, prints nested.
func PrintData(w io.Writer, doc OrderedMap, o Options) error {
	var text string
	switch out := canonical(o.Out); out {
	case OutQuiet:
		return nil
	case OutJSON, OutYAML:
		var err error
		if text, err = encode(out, doc, o.Indent); err != nil {
			return fmt.Errorf("output %s: %w", out, err)
		}
	case OutRaw:
		text = PyRepr(doc)
	case OutPprint:
		text = Pprint(doc, (&Printer{o: o}).pprintIndent())
	case OutTxt, OutNewlineValuesOnly, OutNoReturn:
		text = strings.TrimRight(textOutput(out, doc, o.Color), " \t\n")
	case "", OutHighstate, OutNested:
		text = Nested(doc, 0, o.Color)
	default:
		return fmt.Errorf("output: %w", &UnknownOutputterError{Out: o.Out})
	}
	if text == "" {
		return nil
	}
	if _, err := io.WriteString(w, text+"\n"); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// dataForm is a return as the data outputters print it: a state run in
// Salt's shape, compile errors as a list of strings.
func dataForm(ret any) any {
	if rs, ok := States(ret); ok {
		return SaltShape(rs)
	}
	if c, ok := ret.(CompileErrors); ok {
		return []string(c)
	}
	return ret
}

func encode(out string, v OrderedMap, indent *int) (string, error) {
	if out == OutYAML {
		return YAML(v)
	}
	if indent != nil {
		return JSONIndent(v, *indent), nil
	}
	return JSON(v), nil
}

func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case []string:
		return t, true
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out[i] = s
		}
		return out, len(t) > 0
	}
	return nil, false
}

// States reports whether ret is a state run and returns its results:
// a []engine.StateResult, or a Salt-shaped map of results as decoded from
// JSON ({"file_|-ID_|-NAME_|-managed": {"result": …, "__run_num__": …}}),
// or a typed map of structs that marshal to that shape.
func States(ret any) ([]engine.StateResult, bool) {
	switch t := ret.(type) {
	case []engine.StateResult:
		return t, true
	case *[]engine.StateResult:
		if t != nil {
			return *t, true
		}
	case map[string]any:
		return FromSaltShape(t)
	}
	if ret != nil && reflect.TypeOf(ret).Kind() == reflect.Map {
		// A typed map, such as the wire's map[string]proto.StateResult.
		if m, ok := normalize(ret).(map[string]any); ok {
			return FromSaltShape(m)
		}
	}
	return nil, false
}
