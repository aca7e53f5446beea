package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/proto"
)

// netOutput chooses how returns print in the networked commands. pkg/output takes over the
// highstate printer once it lands (see the integration notes); until
// then a small one here prints Salt's shape.
type netOutput struct {
	out          string
	stateOutput  string
	stateVerbose bool
	color        string
}

func (o *netOutput) add(fs *pflag.FlagSet) {
	fs.StringVar(&o.out, "out", "", "output format: highstate, json, yaml, nested (default: what the function asks for)")
	fs.StringVar(&o.stateOutput, "state-output", "full", "highstate detail: full, terse, mixed, changes")
	fs.BoolVar(&o.stateVerbose, "state-verbose", true, "show states that changed nothing")
	fs.StringVar(&o.color, "color", "auto", "colour: auto, always, never")
}

func (o *netOutput) validate() error {
	switch o.out {
	case "", "highstate", "json", "yaml", "nested", "txt":
	default:
		return fmt.Errorf("--out %q: want highstate, json, yaml or nested", o.out)
	}
	switch o.stateOutput {
	case "full", "terse", "mixed", "changes":
	default:
		return fmt.Errorf("--state-output %q: want full, terse, mixed or changes", o.stateOutput)
	}
	return nil
}

type printer struct {
	w    io.Writer
	opts *netOutput
	// json output collects into one document, as salt --out json does
	// per minion.
}

func (o *netOutput) printer(s *streams) *printer { return &printer{w: s.out, opts: o} }

func (p *printer) format(ret *proto.Return) string {
	if p.opts.out != "" {
		return p.opts.out
	}
	if ret != nil && ret.Out == "highstate" {
		if _, ok := ret.Return.(map[string]any); ok {
			return "highstate"
		}
	}
	return "nested"
}

// minion prints one minion's return, as soon as it arrives.
func (p *printer) minion(id string, ret *proto.Return) {
	switch p.format(ret) {
	case "json":
		b, _ := json.MarshalIndent(map[string]any{id: ret.Return}, "", "    ")
		fmt.Fprintf(p.w, "%s\n", b)
	case "yaml":
		b, _ := yaml.Marshal(map[string]any{id: ret.Return})
		fmt.Fprintf(p.w, "%s", b)
	case "highstate":
		p.highstate(id, ret)
	default:
		fmt.Fprintf(p.w, "%s:\n", id)
		nested(p.w, ret.Return, 4)
	}
}

// missing prints a minion that did not return, and why.
func (p *printer) missing(id, why string) {
	switch p.opts.out {
	case "json":
		b, _ := json.MarshalIndent(map[string]any{id: "Minion did not return. [" + why + "]"}, "", "    ")
		fmt.Fprintf(p.w, "%s\n", b)
	default:
		fmt.Fprintf(p.w, "%s:\n    Minion did not return. [%s]\n", id, why)
	}
}

func (p *printer) hint(jid string) {
	if p.opts.out == "json" || p.opts.out == "yaml" {
		return
	}
	fmt.Fprintf(p.w, "\nThe job goes on where it still runs; late returns land in the job cache:\n\n    brine jobs lookup %s\n", jid)
}

func (p *printer) flush() {}

func nested(w io.Writer, v any, indent int) {
	pad := strings.Repeat(" ", indent)
	switch x := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			switch x[k].(type) {
			case map[string]any, []any:
				fmt.Fprintf(w, "%s%s:\n", pad, k)
				nested(w, x[k], indent+4)
			default:
				fmt.Fprintf(w, "%s%s:\n", pad, k)
				nested(w, x[k], indent+4)
			}
		}
	case []any:
		for _, e := range x {
			fmt.Fprintf(w, "%s- ", pad)
			switch e.(type) {
			case map[string]any, []any:
				fmt.Fprintln(w)
				nested(w, e, indent+4)
			default:
				fmt.Fprintln(w, scalar(e))
			}
		}
	default:
		for _, line := range strings.Split(scalar(v), "\n") {
			fmt.Fprintf(w, "%s%s\n", pad, line)
		}
	}
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// highstate prints state results in Salt's highstate layout.
func (p *printer) highstate(id string, ret *proto.Return) {
	states, _ := ret.Return.(map[string]any)
	type row struct {
		key string
		m   map[string]any
		n   float64
	}
	var rows []row
	for k, v := range states {
		m, _ := v.(map[string]any)
		n, _ := toFloat(m["__run_num__"])
		rows = append(rows, row{k, m, n})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n < rows[j].n })
	fmt.Fprintf(p.w, "%s:\n", id)
	ok, changed, failed := 0, 0, 0
	var total float64
	for _, r := range rows {
		parts := strings.Split(r.key, "_|-")
		fun := ""
		if len(parts) == 4 {
			fun = parts[0] + "." + parts[3]
		}
		res := r.m["result"]
		ch, _ := r.m["changes"].(map[string]any)
		d, _ := toFloat(r.m["duration"])
		total += d
		switch res {
		case false:
			failed++
		default:
			ok++
			if len(ch) > 0 {
				changed++
			}
		}
		if !p.opts.stateVerbose && res == true && len(ch) == 0 {
			continue
		}
		if p.opts.stateOutput == "terse" || (p.opts.stateOutput == "mixed" && res != false) {
			fmt.Fprintf(p.w, "  Name: %v - Function: %s - Result: %s - Started: %v - Duration: %.3f ms\n", r.m["name"], fun, scalar(res), r.m["start_time"], d)
			continue
		}
		if p.opts.stateOutput == "changes" && len(ch) == 0 && res != false {
			continue
		}
		fmt.Fprintf(p.w, "----------\n          ID: %v\n    Function: %s\n        Name: %v\n      Result: %s\n     Comment: %v\n     Started: %v\n    Duration: %.3f ms\n     Changes:\n",
			r.m["__id__"], fun, r.m["name"], scalar(res), r.m["comment"], r.m["start_time"], d)
		if len(ch) > 0 {
			fmt.Fprintln(p.w, "              ----------")
			nested(p.w, ch, 14)
		}
	}
	fmt.Fprintf(p.w, "\nSummary for %s\n------------\nSucceeded: %d (changed=%d)\nFailed:    %d\n------------\nTotal states run:     %d\nTotal run time: %8.3f ms\n",
		id, ok, changed, failed, len(rows), total)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case int:
		return float64(x), true
	}
	return 0, false
}

// yamlScalar reads a command-line value as Salt does: YAML, so True, 5
// and [a, b] are a bool, a number and a list; anything else a string.
func yamlScalar(s string) any {
	var v any
	if err := yaml.Unmarshal([]byte(s), &v); err != nil || v == nil {
		return s
	}
	switch x := v.(type) {
	case bool, int, float64, []any, map[string]any:
		return x
	}
	if strings.EqualFold(s, "true") {
		return true
	}
	if strings.EqualFold(s, "false") {
		return false
	}
	return s
}

// progress is the live line on stderr.
type progress struct {
	w      io.Writer
	on     bool
	nret   int
	nstate int
	shown  bool
}

func newProgress(w io.Writer, on bool) *progress { return &progress{w: w, on: on} }

func (p *progress) draw() {
	if !p.on {
		return
	}
	fmt.Fprintf(p.w, "\r\033[K%d minions returned, %d states done", p.nret, p.nstate)
	p.shown = true
}

func (p *progress) returned() { p.nret++; p.draw() }
func (p *progress) state()    { p.nstate++; p.draw() }
func (p *progress) clear() {
	if p.on && p.shown {
		fmt.Fprint(p.w, "\r\033[K")
		p.shown = false
	}
}
