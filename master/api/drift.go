package api

import (
	"net/http"

	"github.com/brine-cm/brine/pkg/proto"
)

// driftRow is one minion's drift on the drift page: the master's drift
// report (the same as `brine drift`), from each minion's latest dry run.
type driftRow struct {
	proto.DriftMinion
	// Rows are the states that would change or failed, as the job page
	// shows states.
	Rows []stateRow
}

func (u *ui) drift(r *http.Request, ses *session) (string, *view, error) {
	ms, err := u.s.client(ses).Drift(r.Context(), "*", "glob")
	if err != nil {
		return "", nil, err
	}
	rows := make([]driftRow, 0, len(ms))
	for _, m := range ms {
		row := driftRow{DriftMinion: m}
		for _, st := range m.States {
			sr := stateRow{Func: st.Func, ID: st.ID, Name: st.Name, SLS: st.SLS, Result: st.Result, Comment: st.Comment}
			if d, ok := st.Changes["diff"].(string); ok && d != "New file" {
				sr.Diff, sr.HasDiff = d, true
			}
			row.Rows = append(row.Rows, sr)
		}
		rows = append(rows, row)
	}
	return "drift", &view{Title: "Drift", Nav: "drift", Data: rows}, nil
}
