package master

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// Scheduled runs. A minion's schedule (minion.yaml's schedule:, or
// schedule.add) runs functions by itself, at its own times, with job ids
// it makes, as Salt's scheduler does; no operator published them. The
// master records such a job from the minion's word only after checking
// it: the job is the minion's alone (its own id the only target), its
// description is small (a function name of Salt's shape, a few short
// arguments), its id is of now, and the minion makes at most
// limits.scheduled_jobs_per_sec of them. Then the run's ack, events and
// return are kept like any job's.

// Bounds of what a scheduled run's record may hold.
const (
	maxScheduleName = 128
	maxScheduleArgs = 4 << 10 // bytes of args and kwargs, as JSON
	// scheduleAge is how old a scheduled run's job id may be when the
	// master first hears of it (a long run whose ack was lost).
	scheduleAge = 24 * time.Hour
)

var funRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$`)

// checkScheduled checks what a minion says of a run its schedule
// started.
func checkScheduled(jid, name, fun string, args []any, kwargs map[string]any, now time.Time) error {
	if err := proto.ValidJID(jid); err != nil {
		return err
	}
	if name == "" || len(name) > maxScheduleName || hasControl(name) {
		return fmt.Errorf("schedule name %q: want 1 to %d printable characters", proto.Clip(name, 64), maxScheduleName)
	}
	if !funRE.MatchString(fun) {
		return fmt.Errorf("function %q is not a module.function name", proto.Clip(fun, 64))
	}
	b, err := json.Marshal([]any{args, kwargs})
	if err != nil {
		return fmt.Errorf("arguments: %w", err)
	}
	if len(b) > maxScheduleArgs {
		return fmt.Errorf("arguments of %d bytes, more than %d", len(b), maxScheduleArgs)
	}
	if hasControl(string(b)) {
		return fmt.Errorf("arguments hold control characters")
	}
	t, err := time.Parse("20060102150405", jid[:14])
	if err != nil {
		return fmt.Errorf("job id %s: %w", jid, err)
	}
	if t.Before(now.Add(-scheduleAge)) || t.After(now.Add(proto.MaxClockSkew)) {
		return fmt.Errorf("job id %s is not of now", jid)
	}
	return nil
}

// recordScheduled records a run a minion's schedule started, once
// checked and within the minion's rate.
func (m *Master) recordScheduled(ctx context.Context, id, jid, name, fun string, args []any, kwargs map[string]any) (*minionJob, error) {
	if err := checkScheduled(jid, name, fun, args, kwargs, time.Now().UTC()); err != nil {
		return nil, err
	}
	if !m.rates.allow(id, limSchedule) {
		m.refused.note("schedule", id, "rate limit", "jid", jid)
		return nil, fmt.Errorf("more than limits.scheduled_jobs_per_sec")
	}
	t, _ := time.Parse("20060102150405", jid[:14])
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: jid, Fun: fun, Args: args, Kwargs: kwargs, Target: id,
		TargetType: proto.TargetList, Minions: []string{id}, IssuedAt: t.UTC(), User: "schedule", Schedule: name}}
	if err := m.storeRecord(ctx, rec); err != nil {
		return nil, err
	}
	mj, _ := m.jobs.get(jid, id)
	return mj, nil
}

// dryRunFuns are the functions whose test=True runs are dry runs of a
// minion's states.
var dryRunFuns = map[string]bool{"state.apply": true, "state.highstate": true, "state.sls": true}

// isDryRun reports whether a job is a dry run of states: state.test, or
// state.apply, state.highstate or state.sls with test=True.
func isDryRun(fun string, args []any, kwargs map[string]any) bool {
	if fun == "state.test" {
		return true
	}
	if !dryRunFuns[fun] {
		return false
	}
	if truthy(kwargs["test"]) {
		return true
	}
	for _, a := range args {
		if s, ok := a.(string); ok {
			if k, v, ok := strings.Cut(s, "="); ok && k == "test" && truthy(v) {
				return true
			}
		}
	}
	return false
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "true", "yes", "1", "on":
			return true
		}
	case json.Number:
		return x.String() != "0"
	}
	return false
}
