package master

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// queue lets several masters share the work of one brine.
const queue = "brine-master"

func (m *Master) serve(ctx context.Context) error {
	if err := m.setupStore(ctx); err != nil {
		return err
	}
	type handler struct {
		subj  string
		queue bool
		fn    nats.MsgHandler
	}
	hs := []handler{
		// Presence and heartbeats first: every master tracks them, and
		// they must be in place before minions can connect again (the
		// auth callout below lets them in).
		{proto.AllPresence, false, m.onPresence},
		{proto.AllHBs, false, m.onHeartbeat},
		{proto.AllReturns, false, m.onReturnSeen},
		{proto.AllGrains, true, m.onGrains},
		{proto.SubjKeyRequest, true, m.onKeyRequest},
		{proto.AllHello, true, m.onHello},
		{proto.AllFile, true, m.files.concurrently(m.files.onFile)},
		{proto.AllFileChunk, true, m.files.concurrently(m.files.onChunk)},
		{proto.AllPillar, true, m.onPillar},
		{proto.SubjPublish, true, m.request(m.handlePublish)},
		{proto.SubjKeyList, true, m.request(m.handleKeyList)},
		{proto.SubjKeyAction, true, m.request(m.handleKeyAction)},
		{proto.SubjJobsList, true, m.request(m.handleJobsList)},
		{proto.SubjJobsLookup, true, m.request(m.handleJobsLookup)},
		{proto.SubjJobsActive, true, m.request(m.handleJobsActive)},
		{proto.SubjJobsKill, true, m.request(m.handleJobsKill)},
		{proto.SubjMinions, true, m.request(m.handleMinions)},
		{authSubject, false, m.authorize},
	}
	for _, h := range hs {
		var sub *nats.Subscription
		var err error
		if h.queue {
			sub, err = m.nc.QueueSubscribe(h.subj, queue, h.fn)
		} else {
			sub, err = m.nc.Subscribe(h.subj, h.fn)
		}
		if err != nil {
			return fmt.Errorf("master: subscribe %s: %w", h.subj, err)
		}
		m.subs = append(m.subs, sub)
	}
	return m.nc.Flush()
}

// request wraps a request handler: it answers with the handler's reply,
// or with an error reply.
func (m *Master) request(fn func(ctx context.Context, data []byte) (proto.Message, error)) nats.MsgHandler {
	return func(msg *nats.Msg) {
		// Handlers may be slow (a job cache read); do not hold up the
		// subscription's other messages.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := fn(ctx, msg.Data)
			var b []byte
			if err != nil {
				m.log.Debug("request failed", "subject", msg.Subject, "err", err)
				b = proto.ErrorReply(err)
			} else if b, err = proto.Marshal(r); err != nil {
				b = proto.ErrorReply(err)
			}
			if err := msg.Respond(b); err != nil {
				m.log.Warn("reply", "subject", msg.Subject, "err", err)
			}
		}()
	}
}

func (m *Master) handlePublish(ctx context.Context, data []byte) (proto.Message, error) {
	var req proto.PublishRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	return m.publish(ctx, &req)
}

func (m *Master) handleKeyList(ctx context.Context, data []byte) (proto.Message, error) {
	keys, err := m.allKeys(ctx)
	if err != nil {
		return nil, err
	}
	return &proto.KeyListReply{Keys: keys}, nil
}

func (m *Master) handleKeyAction(ctx context.Context, data []byte) (proto.Message, error) {
	var req proto.KeyActionRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	changed, err := m.keyAction(ctx, &req)
	if err != nil {
		return nil, err
	}
	return &proto.KeyActionReply{Changed: changed}, nil
}

func (m *Master) handleJobsList(ctx context.Context, data []byte) (proto.Message, error) {
	jobs, err := m.listJobs(ctx)
	if err != nil {
		return nil, err
	}
	return &proto.JobsListReply{Jobs: jobs}, nil
}

func (m *Master) handleJobsLookup(ctx context.Context, data []byte) (proto.Message, error) {
	var req proto.JobsRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	return m.lookup(ctx, req.JID)
}

func (m *Master) handleJobsActive(ctx context.Context, data []byte) (proto.Message, error) {
	jobs, err := m.listJobs(ctx)
	if err != nil {
		return nil, err
	}
	act := m.active()
	var out []proto.JobSummary
	for _, j := range jobs {
		if len(act[j.JID]) > 0 {
			out = append(out, j)
			delete(act, j.JID)
		}
	}
	// Jobs that run but that this cache never recorded (startup states).
	for jid, ids := range act {
		out = append(out, proto.JobSummary{JID: jid, Running: ids})
	}
	return &proto.JobsListReply{Jobs: out}, nil
}

func (m *Master) handleJobsKill(ctx context.Context, data []byte) (proto.Message, error) {
	var req proto.JobsRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	sent, err := m.kill(ctx, req.JID)
	if err != nil {
		return nil, err
	}
	return &proto.JobsKillReply{Minions: sent}, nil
}

func (m *Master) handleMinions(ctx context.Context, data []byte) (proto.Message, error) {
	keys, err := m.allKeys(ctx)
	if err != nil {
		return nil, err
	}
	r := &proto.MinionsReply{}
	for _, k := range keys {
		if k.State != proto.KeyAccepted {
			continue
		}
		m.mu.Lock()
		last := m.seen[k.ID]
		m.mu.Unlock()
		r.Minions = append(r.Minions, proto.MinionInfo{ID: k.ID, Connected: m.connected(ctx, k), LastSeen: last})
	}
	return r, nil
}

// onHello gives an accepted minion the job-signing key to pin. Only an
// accepted minion can publish here, so the answer goes to the right one.
func (m *Master) onHello(msg *nats.Msg) {
	b, _ := proto.Marshal(&proto.HelloReply{JobKey: m.JobKey()})
	_ = msg.Respond(b)
}

func (m *Master) onPillar(msg *nats.Msg) {
	go func() {
		id := proto.MinionOf(msg.Subject)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p, err := m.pillarJSON(ctx, id)
		var b []byte
		if err != nil {
			m.log.Warn("pillar", "id", id, "err", err)
			b = proto.ErrorReply(fmt.Errorf("pillar for %s: %w", id, err))
		} else {
			b, _ = proto.Marshal(&proto.PillarReply{Pillar: p})
		}
		_ = msg.Respond(b)
	}()
}

// pillarJSON is a minion's pillar for the wire, in its files' key order
// when the renderer knows it.
func (m *Master) pillarJSON(ctx context.Context, id string) ([]byte, error) {
	if r, ok := m.pillar.(interface {
		PillarJSON(context.Context, string, map[string]any) ([]byte, error)
	}); ok {
		return r.PillarJSON(ctx, id, m.grainsOf(id))
	}
	p, err := m.pillar.Pillar(ctx, id, m.grainsOf(id))
	if err != nil {
		return nil, err
	}
	return json.Marshal(p)
}
