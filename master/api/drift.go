package api

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

// Drift statuses on the drift page.
const (
	driftClean   = "clean"
	driftDrifted = "drifted"
	driftFailed  = "failed"
	driftUnknown = "unknown"
	driftHidden  = "hidden"
)

// driftRow is one minion's drift: from its latest dry run in the job
// cache.
type driftRow struct {
	ID     string
	Status string
	JID    string
	Fun    string
	Time   time.Time
	// States are those the dry run would change, or that failed.
	States []stateRow
	Total  int
}

// maxDriftLookups bounds the jobs read for one drift page.
const maxDriftLookups = 100

// dryRun reports whether a job is a dry run of states.
func dryRun(j proto.JobSummary) bool {
	switch j.Fun {
	case "state.apply", "state.highstate", "state.sls":
	default:
		return false
	}
	switch t := j.Kwargs["test"].(type) {
	case bool:
		return t
	case string:
		return t == "True" || t == "true"
	}
	return false
}

// driftOf reads each accepted minion's latest dry run from the job
// cache, newest jobs first.
func driftOf(ctx context.Context, c *client.Client) ([]driftRow, error) {
	ms, err := c.Minions(ctx)
	if err != nil {
		return nil, err
	}
	js, err := c.Jobs(ctx)
	if err != nil {
		return nil, err
	}
	newestFirst(js)
	rows := map[string]*driftRow{}
	left := 0
	for _, m := range ms {
		rows[m.ID] = &driftRow{ID: m.ID, Status: driftUnknown}
		left++
	}
	lookups := 0
	for _, j := range js {
		if left == 0 || lookups >= maxDriftLookups {
			break
		}
		if !dryRun(j) || !wanted(rows, j.Minions) {
			continue
		}
		lookups++
		lr, err := c.Lookup(ctx, j.JID)
		if err != nil {
			continue // gone from the cache since the list
		}
		for id, ret := range lr.Returns {
			row := rows[id]
			if row == nil || row.Status != driftUnknown {
				continue
			}
			row.JID, row.Fun, row.Time = j.JID, j.Fun, ret.End
			left--
			if lr.Redacted {
				row.Status = driftHidden
				continue
			}
			var mr minionResult
			fillReturn(&mr, ret)
			row.Total = len(mr.States)
			for _, st := range mr.States {
				if st.Result == nil || !*st.Result || st.Changes != "" || st.HasDiff {
					row.States = append(row.States, st)
				}
			}
			switch {
			case !mr.IsState || mr.Failed > 0 || ret.Retcode != 0 && mr.Pending == 0:
				row.Status = driftFailed
			case len(row.States) > 0:
				row.Status = driftDrifted
			default:
				row.Status = driftClean
			}
		}
	}
	out := make([]driftRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

func wanted(rows map[string]*driftRow, ids []string) bool {
	for _, id := range ids {
		if r := rows[id]; r != nil && r.Status == driftUnknown {
			return true
		}
	}
	return false
}

func (u *ui) drift(r *http.Request, ses *session) (string, *view, error) {
	rows, err := driftOf(r.Context(), u.s.client(ses))
	if err != nil {
		return "", nil, err
	}
	return "drift", &view{Title: "Drift", Nav: "drift", Data: rows}, nil
}
