package master

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// Drift. The master keeps an index of each minion's latest dry run (a
// state run with test=True, published by an operator or started by the
// minion's schedule): a replicated KV bucket, minion id token to the
// run's job id, written when the run's return is kept. A drift report
// reads the index for the targeted minions and then only those returns
// from the job cache, never the whole stream.

// DriftBucket is the index of each minion's latest dry run.
const DriftBucket = "brine_drift"

// noteDryRun records a minion's dry run as its latest, unless the index
// holds a later one.
func (m *Master) noteDryRun(ctx context.Context, id string, run *proto.DryRun) {
	key := proto.Token(id)
	if e, err := m.drift.Get(ctx, key); err == nil {
		var old proto.DryRun
		if proto.Unmarshal(e.Value(), &old) == nil && old.JID > run.JID {
			return
		}
	}
	b, err := proto.Marshal(run)
	if err == nil {
		_, err = m.drift.Put(ctx, key, b)
	}
	if err != nil {
		m.log.Warn("drift index", "id", id, "jid", run.JID, "err", err)
	}
}

// Drift reports, for each accepted minion the target matches (tgtType
// as proto.TargetGlob…, "" for glob), whether its latest dry run found
// it differing from its states: proto.DriftClean, DriftDrifted (with
// the states that would change, their comments and changes, diffs of
// files included), DriftFailed (the run did not compile, or a state
// failed: its error and failed states), or DriftUnknown (no dry run of
// it in the job cache). The minions come in id order. It reads the
// drift index and then only the returns it names, so it may be called
// as often as a dashboard likes; `brine drift` is its command (through
// the proto.SubjDrift request), and other callers in the master (the
// web dashboard's drift view) call it directly and get the same plain
// values.
func (m *Master) Drift(ctx context.Context, tgt, tgtType string) ([]proto.DriftMinion, error) {
	if tgt == "" {
		tgt = "*"
	}
	if tgtType == "" {
		tgtType = proto.TargetGlob
	}
	conn, notConn, _, err := m.resolve(ctx, tgt, tgtType)
	if err != nil {
		return nil, err
	}
	ids := append(append([]string{}, conn...), notConn...)
	sort.Strings(ids)
	out := make([]proto.DriftMinion, len(ids))
	var subjects []string
	at := map[string]int{}
	for i, id := range ids {
		out[i] = proto.DriftMinion{ID: id, Status: proto.DriftUnknown}
		e, err := m.drift.Get(ctx, proto.Token(id))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("drift index: %s: %w", id, err)
		}
		var run proto.DryRun
		if proto.Unmarshal(e.Value(), &run) != nil || proto.ValidJID(run.JID) != nil {
			continue
		}
		out[i].JID, out[i].Fun, out[i].Time, out[i].Schedule = run.JID, run.Fun, run.Time, run.Schedule
		subjects = append(subjects, proto.CacheReturn(id, run.JID))
		at[id] = i
	}
	if len(subjects) == 0 {
		return out, nil
	}
	parts := &proto.Assembler{MaxBytes: m.cfg.Limits.ReturnBytes}
	err = m.readCache(ctx, subjects, func(msg jetstream.Msg) {
		i, n, err := proto.ParsePart(msg.Headers().Get(proto.PartHeader))
		if err != nil {
			return
		}
		whole, done, err := parts.Add(msg.Subject(), i, n, msg.Data())
		if err != nil || !done {
			return
		}
		var ret proto.Return
		if proto.Unmarshal(whole, &ret) != nil {
			return
		}
		if k, ok := at[proto.MinionOf(msg.Subject())]; ok {
			driftOf(&out[k], &ret)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// driftOf fills a minion's drift from its dry run's return. A return the
// job cache no longer holds (keep_jobs) leaves the minion unknown.
func driftOf(d *proto.DriftMinion, ret *proto.Return) {
	b, err := json.Marshal(ret.Return)
	var states map[string]proto.StateResult
	if err != nil || json.Unmarshal(b, &states) != nil {
		// Not state results: the tree did not render or compile.
		d.Status = proto.DriftFailed
		d.Error = fmt.Sprint(ret.Return)
		return
	}
	if d.Time.IsZero() {
		d.Time = ret.End
	}
	d.Status = proto.DriftClean
	d.Total = len(states)
	keys := make([]string, 0, len(states))
	for k := range states {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := states[keys[i]], states[keys[j]]
		if a.RunNum != b.RunNum {
			return a.RunNum < b.RunNum
		}
		return keys[i] < keys[j]
	})
	failed := false
	for _, k := range keys {
		s := states[k]
		changed := s.Result == nil || len(s.Changes) > 0
		bad := s.Result != nil && !*s.Result
		if !changed && !bad {
			continue
		}
		failed = failed || bad
		d.States = append(d.States, proto.DriftState{Key: k, ID: s.ID, Name: s.Name, Func: s.Func, SLS: s.SLS,
			Result: s.Result, Comment: s.Comment, Changes: s.Changes})
	}
	switch {
	case failed:
		d.Status = proto.DriftFailed
	case len(d.States) > 0:
		d.Status = proto.DriftDrifted
	}
}

func (m *Master) handleDrift(ctx context.Context, r role, data []byte) (proto.Message, error) {
	var req proto.DriftRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	ms, err := m.Drift(ctx, req.Target, req.TargetType)
	if err != nil {
		return nil, err
	}
	if r == roleReadOnly && !m.cfg.ReadOnlyReturns {
		// Which states drifted, not what they would write: diffs of
		// files templated from pillar hold secrets.
		for i := range ms {
			for j := range ms[i].States {
				ms[i].States[j].Changes = nil
			}
		}
	}
	return &proto.DriftReply{Minions: ms}, nil
}
