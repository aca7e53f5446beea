// Package output prints minion returns the way Salt's outputters do:
// highstate for state runs, nested for everything else, and json, yaml,
// raw or nothing (quiet) on request.
//
// A CLI prints each minion as its return arrives:
//
//	p := output.NewPrinter(os.Stdout, output.Options{Color: isatty && !noColor, Test: test})
//	for ret := range returns { p.Print(ret.Minion, ret.Value) }
//	p.Flush()
package output

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/brine-cm/brine/pkg/engine"
)

// Outputters, as `--out` names them.
const (
	OutHighstate = "highstate"
	OutNested    = "nested"
	OutJSON      = "json"
	OutYAML      = "yaml"
	OutRaw       = "raw"
	OutQuiet     = "quiet"
)

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
	// without changes are not printed (they are still counted).
	HideClean bool
	// Color turns on Salt's terminal colours. The caller decides, from
	// isatty and --no-color.
	Color bool
	// Test marks a test=True run: the summary splits the succeeded states
	// into unchanged and (would be) changed.
	Test bool
	// Static gathers every minion into one document for json and yaml
	// (Salt's --static), written by Flush. Without it each minion's
	// return is one document of its own, written as it arrives.
	Static bool
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
	gathered OrderedMap // for Static
}

// NewPrinter returns a printer writing to w.
func NewPrinter(w io.Writer, o Options) *Printer { return &Printer{w: w, o: o} }

// Print writes one minion's return: a []engine.StateResult (or a
// Salt-shaped state map, as decoded from JSON), CompileErrors, or any
// other value (printed nested).
func (p *Printer) Print(minion string, ret any) error {
	out := strings.ToLower(p.o.Out)
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
		switch {
		case isStates:
			return SaltShape(rs)
		case isCompile:
			return []string(cerrs)
		}
		return ret
	}
	var text string
	switch out {
	case OutQuiet:
		return nil
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
		if p.o.Static {
			p.gathered = append(p.gathered, KV{minion, data()})
			return nil
		}
		var err error
		if text, err = encode(out, OrderedMap{{minion, data()}}); err != nil {
			return fmt.Errorf("output %s for %s: %w", out, minion, err)
		}
	case OutRaw:
		text = PyRepr(OrderedMap{{minion, data()}})
	default:
		return fmt.Errorf("output: unknown outputter %q (want highstate, nested, json, yaml, raw or quiet)", p.o.Out)
	}
	if _, err := io.WriteString(p.w, text+"\n"); err != nil {
		return fmt.Errorf("output for %s: %w", minion, err)
	}
	return nil
}

// Flush writes what Static gathered. It is a no-op otherwise.
func (p *Printer) Flush() error {
	if !p.o.Static || p.gathered == nil {
		return nil
	}
	text, err := encode(strings.ToLower(p.o.Out), p.gathered)
	p.gathered = nil
	if err != nil {
		return fmt.Errorf("output %s: %w", p.o.Out, err)
	}
	if _, err := io.WriteString(p.w, text+"\n"); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

func encode(out string, v OrderedMap) (string, error) {
	if out == OutYAML {
		return YAML(v)
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
