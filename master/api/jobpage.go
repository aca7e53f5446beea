package api

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/proto"
)

// jobPage is a job as the dashboard shows it.
type jobPage struct {
	JID      string
	Job      proto.JobSummary
	Minions  []minionResult
	Redacted bool
	// Live: some minion has not returned yet; the page follows the
	// job's events.
	Live bool
}

// Minion statuses on a job page.
const (
	statusReturned = "returned"
	statusRunning  = "running"
	statusWaiting  = "waiting"
)

// minionResult is one minion's part of a job page.
type minionResult struct {
	JID      string
	ID       string
	Status   string
	Retcode  int
	Success  bool
	Redacted bool
	Duration string
	// States is a state run's results in run order; Raw is any other
	// return, as JSON.
	States  []stateRow
	IsState bool
	Raw     string
	// Counts of States by result.
	OK, Failed, Pending, Changed int
}

// stateRow is one state's result.
type stateRow struct {
	Key, Func, ID, Name, SLS string
	Result                   *bool
	Comment                  string
	Duration                 float64
	// Diff is the changes' unified diff (files), Changes the rest.
	Diff    string
	Changes string
	HasDiff bool
	Run     int
}

func newJobPage(jid string, lr *proto.JobLookupReply) *jobPage {
	jp := &jobPage{JID: jid, Job: lr.Job, Redacted: lr.Redacted}
	ids := map[string]bool{}
	for _, id := range lr.Job.Minions {
		ids[id] = true
	}
	for id := range lr.Returns {
		ids[id] = true
	}
	acked := map[string]bool{}
	for _, id := range lr.Acked {
		acked[id] = true
	}
	for _, id := range lr.Job.Running {
		acked[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	for _, id := range sorted {
		mr := minionResult{JID: jid, ID: id, Redacted: lr.Redacted}
		ret, ok := lr.Returns[id]
		switch {
		case ok:
			mr.Status = statusReturned
			mr.Retcode, mr.Success = ret.Retcode, ret.Success
			if !ret.End.IsZero() && !ret.Start.IsZero() {
				mr.Duration = ret.End.Sub(ret.Start).Round(1e6).String()
			}
			fillReturn(&mr, ret)
		case acked[id]:
			mr.Status = statusRunning
			jp.Live = true
		default:
			mr.Status = statusWaiting
			jp.Live = true
		}
		jp.Minions = append(jp.Minions, mr)
	}
	return jp
}

// fillReturn reads a return: a state run's results by state, anything
// else as JSON.
func fillReturn(mr *minionResult, ret proto.Return) {
	if ret.Return == nil {
		return
	}
	if m, ok := ret.Return.(map[string]any); ok && strings.HasPrefix(ret.Fun, "state.") && len(m) > 0 && allStates(m) {
		mr.IsState = true
		for key, v := range m {
			row := stateRowOf(key, v.(map[string]any))
			switch resultClass(row.Result) {
			case "ok":
				mr.OK++
			case "fail":
				mr.Failed++
			default:
				mr.Pending++
			}
			if row.Changes != "" || row.HasDiff {
				mr.Changed++
			}
			mr.States = append(mr.States, row)
		}
		sort.Slice(mr.States, func(a, b int) bool {
			if mr.States[a].Run != mr.States[b].Run {
				return mr.States[a].Run < mr.States[b].Run
			}
			return mr.States[a].Key < mr.States[b].Key
		})
		return
	}
	mr.Raw = pretty(ret.Return)
}

// allStates reports whether every value looks like a state's result.
func allStates(m map[string]any) bool {
	for _, v := range m {
		r, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if _, ok := r["result"]; !ok {
			return false
		}
	}
	return true
}

// wireNumber reads a number of a return: the wire decodes numbers as
// json.Number (a float64 when built in process).
func wireNumber(v any) (float64, bool) {
	switch t := v.(type) {
	case float64:
		return t, true
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	}
	return 0, false
}

// stateRowOf reads one state's result; its key is Salt's
// "module_|-id_|-name_|-function".
func stateRowOf(key string, r map[string]any) stateRow {
	row := stateRow{Key: key}
	parts := strings.Split(key, "_|-")
	if len(parts) == 4 {
		row.Func = parts[0] + "." + parts[3]
		row.ID, row.Name = parts[1], parts[2]
	}
	if s, ok := r["__id__"].(string); ok {
		row.ID = s
	}
	if s, ok := r["name"].(string); ok {
		row.Name = s
	}
	if s, ok := r["__sls__"].(string); ok {
		row.SLS = s
	}
	if b, ok := r["result"].(bool); ok {
		row.Result = &b
	}
	row.Comment = textOf(r["comment"])
	// The wire keeps numbers as json.Number.
	if d, ok := wireNumber(r["duration"]); ok {
		row.Duration = d
	}
	if n, ok := wireNumber(r["__run_num__"]); ok {
		row.Run = int(n)
	}
	if ch, ok := r["changes"].(map[string]any); ok && len(ch) > 0 {
		rest := map[string]any{}
		for k, v := range ch {
			if s, isStr := v.(string); k == "diff" && isStr && s != "New file" {
				row.Diff, row.HasDiff = s, true
				continue
			}
			rest[k] = v
		}
		if len(rest) > 0 {
			row.Changes = pretty(rest)
		}
	}
	return row
}

func textOf(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case []any:
		var l []string
		for _, x := range t {
			l = append(l, fmt.Sprint(x))
		}
		return strings.Join(l, "\n")
	}
	return fmt.Sprint(v)
}
