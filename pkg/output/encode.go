package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/py/pyyaml"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// SaltShape returns a state run as Salt returns it: each state under its
// key "file_|-ID_|-NAME_|-managed", in run order, with name, changes,
// result, comment, warnings (only when there are any), __sls__,
// __run_num__, start_time ("HH:MM:SS.ffffff"), duration (float ms) and
// __id__, in the order Salt's dict has them.
func SaltShape(rs []engine.StateResult) OrderedMap {
	rs = append([]engine.StateResult(nil), rs...)
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].RunNum < rs[b].RunNum })
	out := make(OrderedMap, 0, len(rs))
	for _, r := range rs {
		name := r.Result.Name
		if name == "" {
			name = r.Name
		}
		changes := r.Changes
		if changes == nil {
			changes = map[string]any{}
		}
		key := r.Key
		if key == "" {
			key = states.Key(r.Func, r.ID, r.Name)
		}
		st := OrderedMap{
			{"name", name},
			{"changes", changes},
			{"result", r.Result.Result},
			{"comment", r.Comment},
		}
		if r.SkipWatch {
			// Salt's call() keeps _run_check's key in the return.
			st = append(st, KV{"skip_watch", true})
		}
		if len(r.Warnings) > 0 {
			// Salt adds the key to the state's return when it has
			// something to say, and leaves it out otherwise.
			ws := make([]any, len(r.Warnings))
			for i, w := range r.Warnings {
				ws[i] = w
			}
			st = append(st, KV{"warnings", ws})
		}
		if r.NotRun {
			// Salt marks a state its onchanges or onfail skipped.
			st = append(st, KV{"__state_ran__", false})
		}
		if r.JID != "" {
			// An orchestration step's job (saltmod's __jid__).
			st = append(st, KV{"__jid__", r.JID})
		}
		// A state of no SLS (state.single) has Salt's __sls__: None.
		var sls any = r.SLS
		if r.SLS == "" {
			sls = nil
		}
		st = append(st,
			KV{"__sls__", sls},
			KV{"__run_num__", r.RunNum},
			KV{"start_time", StartTime(r.Start)},
			KV{"duration", DurationMS(r.Duration)},
			KV{"__id__", r.ID},
		)
		if r.Parallel {
			// Salt's call_parallel result, merged into the state's.
			st = append(st, KV{"__parallel__", true})
		}
		out = append(out, KV{key, st})
	}
	return out
}

// FromSaltShape reads a Salt-shaped state return (as decoded from JSON)
// back into results. It reports false when m is not one: every value must
// be a mapping with result and __run_num__, under a four-part key.
func FromSaltShape(m map[string]any) ([]engine.StateResult, bool) {
	if len(m) == 0 {
		return nil, false
	}
	out := make([]engine.StateResult, 0, len(m))
	for k, v := range m {
		st, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		comps := strings.Split(k, "_|-")
		res, hasRes := st["result"]
		rn, hasRN := number(st["__run_num__"])
		if len(comps) != 4 || !hasRes || !hasRN {
			return nil, false
		}
		r := engine.StateResult{
			Key:    k,
			ID:     comps[1],
			Name:   comps[2],
			Func:   comps[0] + "." + comps[3],
			RunNum: int(rn),
		}
		if id, ok := st["__id__"].(string); ok {
			r.ID = id
		}
		r.SLS, _ = st["__sls__"].(string)
		r.Result.Name, _ = st["name"].(string)
		switch res {
		case true:
			r.Result.Result = states.True
		case nil:
			r.Result.Result = states.None
		default:
			r.Result.Result = states.False
		}
		switch c := st["comment"].(type) {
		case string:
			r.Comment = c
		case []any:
			parts := make([]string, len(c))
			for i, e := range c {
				parts[i] = fmt.Sprint(e)
			}
			r.Comment = strings.Join(parts, "\n")
		}
		r.Changes, _ = st["changes"].(map[string]any)
		if ran, ok := st["__state_ran__"].(bool); ok && !ran {
			r.NotRun = true
		}
		if sw, ok := st["skip_watch"].(bool); ok && sw {
			r.SkipWatch = true
		}
		if par, ok := st["__parallel__"].(bool); ok && par {
			r.Parallel = true
		}
		switch w := st["warnings"].(type) {
		case []any:
			for _, e := range w {
				r.Warnings = append(r.Warnings, fmt.Sprint(e))
			}
		case []string:
			r.Warnings = append([]string(nil), w...)
		case string:
			// One warning, not in a list.
			r.Warnings = []string{w}
		}
		if s, ok := st["start_time"].(string); ok && s != "" {
			if t, err := time.Parse("15:04:05.999999", s); err == nil {
				r.Start = t
			}
		}
		if ms, ok := number(st["duration"]); ok {
			r.Duration = time.Duration(math.Round(ms*1000)) * time.Microsecond
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].RunNum < out[b].RunNum })
	return out, true
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

// JSON encodes a value as Salt's json outputter does: indented by four
// spaces, keys of an OrderedMap in order and of a map sorted, floats as
// Python writes them (1000.0).
func JSON(v any) string { return JSONIndent(v, 4) }

// JSONIndent is JSON with Salt's --out-indent: indent spaces a level,
// a newline and no indent for 0, and one line for a negative indent, as
// Python's json.dumps with indent=None.
func JSONIndent(v any, indent int) string {
	var b strings.Builder
	if indent < 0 {
		writeJSON(&b, normalize(v), oneLineJSON, 0)
	} else {
		writeJSON(&b, normalize(v), 0, indent)
	}
	return b.String()
}

// JSONLine encodes a value on one line as Python's json.dumps does with
// sort_keys and its default separators (", " and ": "), as Salt prints
// an event without pretty=True.
func JSONLine(v any) string {
	var b strings.Builder
	writeJSON(&b, normalize(v), oneLineJSON, 0)
	return b.String()
}

// oneLineJSON is writeJSON's indent for a value on one line.
const oneLineJSON = -1

// writeJSON writes v at indent spaces, each level step more.
func writeJSON(b *strings.Builder, v any, indent, step int) {
	// Inside a value on one line: no newline, no pad, and Python's ", ".
	open, sep, end, pad, inner := "\n", ",\n", "\n"+strings.Repeat(" ", max(indent, 0)), strings.Repeat(" ", max(indent+step, 0)), indent+step
	if indent == oneLineJSON {
		open, sep, end, pad, inner = "", ", ", "", "", oneLineJSON
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case *big.Int:
		b.WriteString(t.String())
	case float64:
		switch {
		case math.IsNaN(t):
			b.WriteString("NaN")
		case math.IsInf(t, 1):
			b.WriteString("Infinity")
		case math.IsInf(t, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyfmt.Float(t))
		}
	case string:
		b.WriteString(jsonString(t))
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[" + open)
		for i, e := range t {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(pad)
			writeJSON(b, e, inner, step)
		}
		b.WriteString(end + "]")
	case map[string]any:
		writeJSON(b, sortedMap(t), indent, step)
	case OrderedDict:
		writeJSON(b, OrderedMap(t), indent, step)
	case OrderedMap:
		if len(t) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{" + open)
		for i, kv := range t {
			if i > 0 {
				b.WriteString(sep)
			}
			b.WriteString(pad + jsonString(kv.Key) + ": ")
			writeJSON(b, kv.Value, inner, step)
		}
		b.WriteString(end + "}")
	default:
		b.WriteString(jsonString(fmt.Sprint(t)))
	}
}

// sortedMap is a plain map as an OrderedMap with its keys sorted, which is
// how JSON and PyRepr print a map: a Go map keeps no order of its own.
func sortedMap(m map[string]any) OrderedMap {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	om := make(OrderedMap, len(keys))
	for i, k := range keys {
		om[i] = KV{k, m[k]}
	}
	return om
}

func jsonString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// YAML encodes a value as Salt's yaml outputter does, PyYAML's safe_dump
// with default_flow_style=False and allow_unicode (pyyaml.Emit): keys of
// an OrderedMap in order and of a map sorted.
func YAML(v any) (string, error) {
	return strings.TrimSuffix(pyyaml.Emit(pyyaml.Represent(normalize(v))), "\n"), nil
}

// PyRepr writes a value as Python's repr does, for Salt's raw outputter:
// {'m001': True}.
func PyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, normalize(v))
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	switch t := v.(type) {
	case nil, bool, int64, float64:
		b.WriteString(scalarText(t))
	case string:
		b.WriteString(pyfmt.Quote(t))
	case []any:
		b.WriteString("[")
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		b.WriteString("]")
	case map[string]any:
		writeRepr(b, sortedMap(t))
	case OrderedDict:
		writeRepr(b, OrderedMap(t))
	case OrderedMap:
		b.WriteString("{")
		for i, kv := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyfmt.Quote(kv.Key) + ": ")
			writeRepr(b, kv.Value)
		}
		b.WriteString("}")
	default:
		b.WriteString(pyfmt.Quote(fmt.Sprint(t)))
	}
}
