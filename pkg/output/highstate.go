package output

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// row is one state as the highstate printer reads it.
type row struct {
	key, id, name, fun, sls string
	result                  states.Outcome
	comment                 string
	changes                 map[string]any
	warnings                []string
	start                   string // "05:31:39.976036", empty when unknown
	durUS                   int64  // duration in microseconds, as Salt measures it
	runNum                  int
	parallel                bool // Salt's __parallel__: ran alongside the others
}

func rowsOf(rs []engine.StateResult) []row {
	out := make([]row, len(rs))
	for i, r := range rs {
		out[i] = row{
			key: r.Key, id: r.ID, name: r.Name, fun: r.Func, sls: r.SLS,
			result: r.Result.Result, comment: r.Comment, changes: r.Changes, warnings: r.Warnings,
			start: StartTime(r.Start), durUS: r.Duration.Microseconds(), runNum: r.RunNum,
			parallel: r.Parallel,
		}
		if out[i].key == "" {
			out[i].key = states.Key(r.Func, r.ID, r.Name)
		}
	}
	return out
}

// StartTime formats a start time as Salt does (datetime.time.isoformat()
// in local time): "05:31:39.976036", or "05:31:39" on a whole second.
func StartTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Nanosecond()/1000 == 0 {
		return t.Format("15:04:05")
	}
	return t.Format("15:04:05.000000")
}

// DurationMS is a duration in Salt's unit: float milliseconds, to the
// microsecond.
func DurationMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func durText(us int64) string { return pyfmt.Float(float64(us) / 1000) }

// stateMode splits state_output into its form and whether the ID replaces
// the name (the _id variants).
func stateMode(s string) (mode string, useID bool) {
	s = strings.ToLower(s)
	if s == "" {
		s = "full"
	}
	if b, ok := strings.CutSuffix(s, "_id"); ok {
		return b, true
	}
	return s, false
}

// highstate is Salt's highstate outputter (salt/output/highstate.py,
// _format_host) for one minion. Every string of the minion's goes through
// Safe or SafeText (see safe.go) on its way to a line.
func highstate(minion string, rows []row, o Options) string {
	minion = Safe(minion)
	c := colors(o.Color)
	hcolor := c.Green
	mode, useID := stateMode(o.StateOutput)
	rows = append([]row(nil), rows...)
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].runNum < rows[b].runNum })

	var lines []string
	var nTrue, nNone, nFail, nChanged int
	// nWarn counts the states whose warnings were shown in full, as
	// Salt's rcounts["warnings"] does: neither a hidden state nor a terse
	// line counts, though a terse line shows its warnings too.
	var nWarn int
	// Salt's _format_host (3005 and later, PR #62000) sums the durations
	// of the states that ran in turn and adds the longest of those that
	// ran in parallel: they overlapped, so their sum is no run time.
	var totalUS, parallelUS int64
	for _, r := range rows {
		schanged := len(r.changes) > 0 || orchName(r.name)
		if r.parallel {
			parallelUS = max(parallelUS, r.durUS)
		} else {
			totalUS += r.durUS
		}
		switch r.result {
		case states.True:
			nTrue++
			if schanged {
				nChanged++
			}
		case states.None:
			nNone++
			nChanged++ // would change
		default:
			nFail++
		}
		if o.HideClean && r.result == states.True && !schanged {
			continue
		}
		tcolor := c.Green
		if schanged {
			tcolor = c.Cyan
		}
		switch r.result {
		case states.False:
			hcolor, tcolor = c.Red, c.Red
		case states.None:
			hcolor, tcolor = c.LightYellow, c.LightYellow
		}
		name := r.name
		if useID {
			name = r.id
		}
		if mode == "filter" {
			// Salt's _format_host: terse first, then exclude, else full.
			word := r.result.String()
			if slices.Contains(o.FilterTerse, word) {
				lines = append(lines, terseWarnings(c, r, o)+terseLine(c, tcolor, r, name, o))
				continue
			}
			if slices.Contains(o.FilterExclude, word) {
				continue
			}
		}
		terse := mode == "terse" ||
			mode == "mixed" && r.result != states.False ||
			mode == "changes" && r.result == states.True && !schanged
		if terse {
			lines = append(lines, terseWarnings(c, r, o)+terseLine(c, tcolor, r, name, o))
			continue
		}
		lines = append(lines, fullLines(c, tcolor, r, name, o)...)
		if len(r.warnings) > 0 {
			nWarn++
			lines = append(lines, warningsLine(c, r.warnings))
		}
	}

	succeeded := nTrue + nNone
	countLen := 0
	if len(rows) > 0 {
		countLen = max(len(strconv.Itoa(succeeded)), len(strconv.Itoa(nFail)), len(strconv.Itoa(nWarn)))
	}
	lineMax := len("Succeeded") + countLen + 2
	dashes := strings.Repeat("-", lineMax)
	counts := func(label string, n int) string {
		return fmt.Sprintf("%s: %*d", label, lineMax-(len(label)+2), n)
	}
	lines = append(lines, c.Cyan+"\nSummary for "+minion+"\n"+dashes+c.EndC)
	stats := ""
	switch {
	case (o.Test || nNone > 0) && succeeded > 0:
		// Salt prints unchanged=<None count>, which is the changed count
		// under test; here unchanged+changed is the succeeded count.
		stats = fmt.Sprintf(" (%sunchanged=%d%s, %schanged=%d%s)", c.LightYellow, succeeded-nChanged, c.EndC, c.Green, nChanged, c.EndC)
	case nChanged > 0:
		stats = fmt.Sprintf(" (%schanged=%d%s)", c.Green, nChanged, c.EndC)
	}
	lines = append(lines, c.Green+counts("Succeeded", succeeded)+c.EndC+stats)
	fcolor := c.Cyan
	if nFail > 0 {
		fcolor = c.Red
	}
	lines = append(lines, fcolor+counts("Failed", nFail)+c.EndC)
	if o.Pct && len(rows) > 0 {
		// Salt's state_output_pct: each share of the states run, as
		// Python's round(x, 2) gives it; none run, no lines (Salt's
		// ZeroDivisionError is passed over).
		pct := func(n int) string {
			v, _ := strconv.ParseFloat(strconv.FormatFloat(float64(n)/float64(len(rows))*100, 'f', 2, 64), 64)
			return pyfmt.Float(v)
		}
		lines = append(lines, c.Green+pctCounts("Success %", pct(succeeded), lineMax)+c.EndC)
		lines = append(lines, fcolor+pctCounts("Failure %", pct(nFail), lineMax)+c.EndC)
	}
	if nWarn > 0 {
		// Not a state of its own: Total states run leaves it out.
		lines = append(lines, c.LightRed+counts("Warnings", nWarn)+c.EndC)
	}
	lines = append(lines, c.Cyan+dashes+"\n"+fmt.Sprintf("Total states run: %*d", lineMax-7, len(rows))+c.EndC)
	if !o.NoProfile {
		total, unit := float64(totalUS+parallelUS)/1000, "ms"
		if total > 999 {
			total, unit = total/1000, "s"
		}
		lines = append(lines, c.Cyan+fmt.Sprintf("Total run time: %*s %s", lineMax-5, fmt.Sprintf("%.3f", total), unit)+c.EndC)
	}

	return hcolor + minion + ":" + c.EndC + "\n" + strings.Join(lines, "\n")
}

// pctCounts is Salt's _counts for a percentage: the value right-aligned
// to the summary's width, or as wide as it is.
func pctCounts(label, v string, lineMax int) string {
	return fmt.Sprintf("%s: %*s", label, lineMax-(len(label)+2), v)
}

func fullLines(c palette, tcolor string, r row, name string, o Options) []string {
	l := func(label, v string) string { return "    " + tcolor + label + Safe(v) + c.EndC }
	// A comment is often several lines (a command's output, a list of
	// failed requisites): its newlines stay, its escapes do not.
	comment := strings.ReplaceAll(SafeText(strings.TrimSpace(r.comment)), "\n", "\n"+strings.Repeat(" ", 14))
	out := []string{
		tcolor + "----------" + c.EndC,
		l("      ID: ", r.id),
		l("Function: ", r.fun),
	}
	if r.id != name {
		out = append(out, l("    Name: ", name))
	}
	out = append(out,
		l("  Result: ", r.result.String()),
		"    "+tcolor+" Comment: "+comment+c.EndC,
	)
	if r.start != "" && !o.NoProfile {
		out = append(out,
			l(" Started: ", r.start),
			l("Duration: ", durText(r.durUS)+" ms"),
		)
	}
	// Salt's _format_host writes "     Changes:   " + the changes' text:
	// three blanks end the label's line, whether changes follow on the
	// next lines or not (only the end of the whole output is stripped).
	ctext := ""
	if orchName(r.name) {
		// Salt's _format_host: the changes of a step that ran an
		// orchestration (or state.sls) are output() again, one level
		// in, every line (the first, empty one too) after 14 blanks a
		// level.
		level := max(o.level, 1)
		inner := o
		inner.level = level + 1
		pad := strings.Repeat(" ", 14*level)
		ls := strings.Split("\n"+saltOutput(r.changes, inner), "\n")
		for i, l := range ls {
			ls[i] = pad + l
		}
		ctext = strings.Join(ls, "\n")
	} else if nested, ok := nestedHighstate(r.changes, o); ok {
		ctext = "\n" + nested
	} else if len(r.changes) > 0 {
		ctext = "\n" + Nested(r.changes, 14, c.EndC != "")
	}
	return append(out, tcolor+"     Changes:   "+ctext+c.EndC)
}

// warningsLine is Salt's line under a state's Changes: its warnings
// joined by newlines and filled by textwrap to 80 columns, 14 blanks
// before each line but the first (the fill makes the newlines spaces).
// As Salt's, the colour starts after the third blank, and a line is
// escaped (Safe) before it is measured.
func warningsLine(c palette, warnings []string) string {
	pad := strings.Repeat(" ", 14)
	text := Safe(pyMungeWhitespace(strings.Join(warnings, "\n")))
	text = strings.TrimLeftFunc(pyFill(text, 80, pad, pad), unicode.IsSpace)
	return "   " + c.LightRed + " Warnings: " + text + c.EndC
}

// terseWarnings is what Salt's _format_terse puts before a terse line
// whose state has warnings: "Warnings:" and each warning on a line of
// its own. There is no newline after the last warning, so the terse line
// goes on after it, as in Salt; state_tabular's form has one.
func terseWarnings(c palette, r row, o Options) string {
	if len(r.warnings) == 0 {
		return ""
	}
	ws := make([]string, len(r.warnings))
	for i, w := range r.warnings {
		ws[i] = SafeText(w)
	}
	s := c.LightRed + "Warnings:\n" + strings.Join(ws, "\n") + c.EndC
	if o.Tabular {
		s += "\n"
	}
	return s
}

func terseLine(c palette, tcolor string, r row, name string, o Options) string {
	word := "Clean"
	if len(r.changes) > 0 {
		word = "Changed"
	}
	switch r.result {
	case states.False:
		word = "Failed"
	case states.None:
		word = "Differs"
	}
	if o.Tabular {
		// Salt's _format_terse with state_tabular: True: the start and
		// duration (its float as str() gives it) in a bracket, then the
		// module right-aligned to 10, the function left-aligned to 10
		// and the result word to 7, as str.format pads them.
		s := tcolor
		if r.start != "" && !o.NoProfile {
			s += r.start + fmt.Sprintf(" [%7s ms] ", durText(r.durUS))
		}
		mod, fun, _ := strings.Cut(Safe(r.fun), ".")
		return s + fmt.Sprintf("%10s.%-10s %-7s   Name: %s", mod, fun, word, Safe(name)) + c.EndC
	}
	s := " " + tcolor + " Name: " + Safe(name) + " - Function: " + Safe(r.fun) + " - Result: " + word
	if r.start != "" && !o.NoProfile {
		// Salt's _format_terse, its odd dashes included: log readers parse it.
		s += " Started: - " + r.start + " Duration: " + durText(r.durUS) + " ms"
	}
	return s + c.EndC
}

// orchName reports a state's name that makes Salt's _format_host print
// its changes as a nested highstate (state.orch, state.orchestrate or
// state.sls: the runner a salt.runner step ran).
func orchName(name string) bool {
	switch name {
	case "state.orch", "state.orchestrate", "state.sls":
		return true
	}
	return false
}

// saltOutput is Salt's highstate output() on a value nested in a step's
// changes: the "return" and then "data" envelopes taken off, then each
// host's block as _format_host writes it, joined by newlines (hosts in
// sorted order; Salt keeps the return's).
func saltOutput(v any, o Options) string {
	m := asMap(v)
	if r, ok := m["return"]; ok {
		v, m = r, asMap(r)
	}
	if d, ok := m["data"]; ok {
		v, m = d, asMap(d)
	}
	switch t := v.(type) {
	case nil:
		return "None"
	case string:
		return SafeText(t)
	case bool, int, int64, float64:
		return pyfmt.Str(t)
	}
	if m == nil {
		return Nested(v, 0, o.Color)
	}
	// An orchestration's own return carries its retcode beside its one
	// master's states: Salt drops it.
	masters := 0
	for k := range m {
		if strings.HasSuffix(k, "_master") {
			masters++
		}
	}
	hosts := make([]string, 0, len(m))
	for k := range m {
		if k == "retcode" && masters == 1 {
			continue
		}
		hosts = append(hosts, k)
	}
	sort.Strings(hosts)
	blocks := make([]string, 0, len(hosts))
	for _, h := range hosts {
		blocks = append(blocks, formatHost(h, m[h], o))
	}
	return strings.Join(blocks, "\n")
}

// formatHost is Salt's _format_host for one host of a nested return: its
// states, its compile errors, or a value (an int or a string: each line
// after four blanks, the host in cyan).
func formatHost(host string, v any, o Options) string {
	if rs, ok := States(v); ok {
		return highstate(host, rowsOf(rs), o)
	}
	c := colors(o.Color)
	switch t := v.(type) {
	case []any:
		errs := make([]string, 0, len(t))
		for _, e := range t {
			errs = append(errs, fmt.Sprint(e))
		}
		return compileError(host, errs, o.Color)
	case []string:
		return compileError(host, t, o.Color)
	case string, bool, int, int64, float64:
		text := strings.TrimSuffix(pyfmt.Str(t), "\n") // as splitlines
		var ls []string
		for _, l := range strings.Split(text, "\n") {
			ls = append(ls, c.Green+"    "+SafeText(l)+c.EndC)
		}
		return c.Cyan + Safe(host) + ":" + c.EndC + "\n" + strings.Join(ls, "\n")
	}
	return Safe(host) + ":\n" + Nested(v, 4, o.Color)
}

// asMap is v as a map with string keys, or nil.
func asMap(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case OrderedMap:
		m := make(map[string]any, len(t))
		for _, kv := range t {
			m[kv.Key] = kv.Value
		}
		return m
	}
	return nil
}

// compileError is Salt's output for a minion whose states did not render
// or compile.
func compileError(minion string, errs []string, color bool) string {
	c := colors(color)
	lines := []string{
		c.LightRed + Safe(minion) + ":" + c.EndC,
		"    " + c.LightRed + "Data failed to compile:" + c.EndC,
	}
	for _, e := range errs {
		lines = append(lines, c.LightRed+"----------\n    "+SafeText(e)+c.EndC)
	}
	return strings.Join(lines, "\n")
}

// nestedHighstate prints the changes of an orchestration step that ran
// states on minions ({"out": "highstate", "ret": {minion: states}}, as
// Salt's salt.state returns them) as Salt's highstate outputter does:
// each minion's run as a highstate block of its own, one level (14
// columns) in. ok is false for any other changes.
func nestedHighstate(changes map[string]any, o Options) (string, bool) {
	if len(changes) != 2 || changes["out"] != "highstate" {
		return "", false
	}
	rets, ok := changes["ret"].(map[string]any)
	if !ok || len(rets) == 0 {
		return "", false
	}
	// Salt's _format_changes calls _format_host at its first indent
	// level whatever the level of the step.
	o.level = 0
	ids := make([]string, 0, len(rets))
	for id := range rets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var blocks []string
	for _, id := range ids {
		var block string
		switch v := rets[id].(type) {
		case map[string]any:
			rs, ok := FromSaltShape(v)
			if !ok {
				block = Safe(id) + ":\n" + Nested(v, 4, o.Color)
				break
			}
			block = highstate(id, rowsOf(rs), o)
		case []engine.StateResult:
			block = highstate(id, rowsOf(v), o)
		case []any:
			errs := make([]string, 0, len(v))
			for _, e := range v {
				errs = append(errs, fmt.Sprint(e))
			}
			block = compileError(id, errs, o.Color)
		default:
			block = Safe(id) + ":\n" + Nested(v, 4, o.Color)
		}
		blocks = append(blocks, block)
	}
	// Salt's _format_changes puts 14 blanks before every line of a
	// minion's block, the empty one before its summary too.
	pad := strings.Repeat(" ", 14)
	text := strings.Join(blocks, "\n")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = pad + l
	}
	return strings.Join(lines, "\n"), true
}
