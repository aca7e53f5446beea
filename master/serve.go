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

// authQueue lets several masters on an external NATS cluster share the
// auth callout, each request answered once.
const authQueue = "brine-auth"

// Pending limits of the master's subscriptions: past them NATS drops
// messages for that subscription alone (and says so), instead of the
// master growing without bound.
const (
	subPendingMsgs  = 64 << 10
	subPendingBytes = 64 << 20
)

// requestTimeout bounds the work on one request.
const requestTimeout = 30 * time.Second

func (m *Master) serve(ctx context.Context) error {
	m.work.start(m.runCtx, m.cfg.Limits.Workers)
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
		// auth callout lets them in).
		{proto.AllPresence, false, m.onPresence},
		{proto.AllHBs, false, m.onHeartbeat},
		{proto.AllMinionEvents, true, m.onMinionEvent},
		{proto.AllAcks, true, m.onAck},
		{proto.AllEvents, true, m.onEvent},
		{proto.AllReturns, true, m.onReturn},
		{proto.AllGrains, true, m.onGrains},
		{proto.AllKeyRequests, true, m.onKeyRequest},
		{proto.AllHello, true, m.onHello},
		{proto.AllFile, true, m.minionRequest(limFile, m.files.onFile)},
		{proto.AllFileChunk, true, m.minionRequest(limFile, m.files.onChunk)},
		{proto.AllPillar, true, m.minionRequest(limPillar, m.onPillar)},
		{proto.AllMine, true, m.minionRequest(limMine, m.onMine)},
		{proto.SubjKeyAction, true, m.request(roleOperator, m.handleKeyAction)},
		{proto.SubjTrust, true, m.request(roleOperator, m.handleTrust)},
	}
	reads := map[string]func(context.Context, role, []byte) (proto.Message, error){
		proto.SubjKeyList: m.handleKeyList, proto.SubjJobsList: m.handleJobsList,
		proto.SubjJobsLookup: m.handleJobsLookup, proto.SubjJobsActive: m.handleJobsActive,
		proto.SubjMinions: m.handleMinions, proto.SubjDrift: m.handleDrift,
	}
	for _, subj := range proto.ReadOnlyRequests {
		hs = append(hs, handler{subj, true, m.request(roleOperator, reads[subj])},
			handler{proto.ReadOnlySubject(subj), true, m.request(roleReadOnly, reads[subj])})
	}
	for _, h := range hs {
		var sub *nats.Subscription
		var err error
		if h.queue {
			sub, err = m.nc.QueueSubscribe(h.subj, queue, h.fn)
		} else {
			sub, err = m.nc.Subscribe(h.subj, h.fn)
		}
		if err == nil {
			err = sub.SetPendingLimits(subPendingMsgs, subPendingBytes)
		}
		if err != nil {
			return fmt.Errorf("master: subscribe %s: %w", h.subj, err)
		}
		m.subs = append(m.subs, sub)
	}
	// Subscribed to presence (flushed: the server has the subscription)
	// before the bucket is read, so that no presence falls between.
	if err := m.nc.Flush(); err != nil {
		return fmt.Errorf("master: subscribe: %w", err)
	}
	m.seedPresence(ctx)
	// A reader of the hub that came before the connection.
	m.watchBus()
	// Publishing and killing jobs only while this master's job key is
	// trusted (trust.go): the operator's requests go to a master whose
	// jobs the minions take.
	if err := m.syncSigning(); err != nil {
		return err
	}
	if err := m.nc.Flush(); err != nil {
		return fmt.Errorf("master: subscribe: %w", err)
	}
	// The auth callout answers on a connection of its own: no flood on
	// the work connection can hold up or cut off authorisation.
	// Each embedded node's master answers its own node (authorize); on
	// an external cluster any master may answer any node, once: a
	// queue group.
	var sub *nats.Subscription
	var err error
	if m.srv != nil {
		sub, err = m.authNC.Subscribe(authSubject, m.authHandler())
	} else {
		sub, err = m.authNC.QueueSubscribe(authSubject, authQueue, m.authHandler())
	}
	if err == nil {
		err = sub.SetPendingLimits(subPendingMsgs, subPendingBytes)
	}
	if err == nil {
		err = m.authNC.Flush()
	}
	if err != nil {
		return fmt.Errorf("master: subscribe %s: %w", authSubject, err)
	}
	m.subs = append(m.subs, sub)
	m.goOwned(m.sweep)
	m.goOwned(m.idleTrim)
	m.goOwned(m.flushAcks)
	return nil
}

// minionRequest wraps a minion's request handler: the minion is the one
// the subject names (the server lets a minion publish only under its own
// id), it is rate-limited per kind, and the work runs on the bounded
// pool; the answer may go only to that minion's inbox.
func (m *Master) minionRequest(kind int, fn func(ctx context.Context, id string, msg *nats.Msg) []byte) nats.MsgHandler {
	return func(msg *nats.Msg) {
		id := proto.MinionOf(msg.Subject)
		if proto.ValidID(id) != nil {
			return
		}
		if !m.rates.allow(id, kind) {
			m.refused.note(limNames[kind], id, "rate limit")
			return
		}
		if !m.work.try(id, func() {
			ctx, cancel := context.WithTimeout(m.runCtx, requestTimeout)
			defer cancel()
			m.answer(msg, proto.InboxPrefix(id), fn(ctx, id, msg))
		}) {
			m.refused.note("busy", id, "the master's queue is full", "subject", msg.Subject)
			m.answer(msg, proto.InboxPrefix(id), proto.BusyReply())
		}
	}
}

// request wraps an operator's request handler for the role that may
// publish on its subject (the server's permissions decide who can): it
// answers with the handler's reply, or with an error reply, in that
// role's inbox only.
func (m *Master) request(r role, fn func(ctx context.Context, r role, data []byte) (proto.Message, error)) nats.MsgHandler {
	inbox := proto.OperatorInbox
	if r == roleReadOnly {
		inbox = proto.ReadOnlyInbox
	}
	return func(msg *nats.Msg) {
		if !proto.InInbox(msg.Reply, inbox) {
			m.refused.note("reply", msg.Subject, "reply subject outside the asker's inbox", "reply", clipLog(msg.Reply))
			return
		}
		// Handlers may be slow (a job cache read); do not hold up the
		// subscription's other messages.
		if !m.work.try(inbox, func() {
			ctx, cancel := context.WithTimeout(m.runCtx, requestTimeout)
			defer cancel()
			res, err := fn(ctx, r, msg.Data)
			if a, ok := res.(answered); ok {
				res = a.Message
				defer a.then()
			}
			var b []byte
			if err != nil {
				m.log.Debug("request failed", "subject", msg.Subject, "err", err)
				b = proto.ErrorReply(err)
			} else if b, err = proto.Marshal(res); err != nil {
				b = proto.ErrorReply(err)
			}
			m.answer(msg, inbox, b)
		}) {
			m.answer(msg, inbox, proto.BusyReply())
		}
	}
}

// answered is a handler's answer with work that follows it: the asker
// hears the answer first (request).
type answered struct {
	proto.Message
	then func()
}

func (m *Master) handlePublish(ctx context.Context, _ role, data []byte) (proto.Message, error) {
	var req proto.PublishRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	rep, send, err := m.publish(ctx, &req)
	if err != nil || send == nil {
		return rep, err
	}
	return answered{rep, send}, nil
}

func (m *Master) handleKeyList(ctx context.Context, _ role, data []byte) (proto.Message, error) {
	keys := m.allKeys()
	m.mu.Lock()
	keys = append(keys, m.denied...)
	m.mu.Unlock()
	return &proto.KeyListReply{Keys: keys}, nil
}

func (m *Master) handleKeyAction(ctx context.Context, _ role, data []byte) (proto.Message, error) {
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

func (m *Master) handleJobsList(ctx context.Context, _ role, data []byte) (proto.Message, error) {
	jobs, err := m.listJobs(ctx)
	if err != nil {
		return nil, err
	}
	return &proto.JobsListReply{Jobs: jobs}, nil
}

func (m *Master) handleJobsLookup(ctx context.Context, r role, data []byte) (proto.Message, error) {
	var req proto.JobsRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	res, err := m.lookup(ctx, req.JID)
	if err != nil {
		return nil, err
	}
	if r == roleReadOnly && !m.cfg.ReadOnlyReturns {
		redact(res)
	}
	return res, nil
}

// redact keeps of each return what the read-only operator may see: how
// it ended, not what it holds (pillar.items, diffs of files templated
// from pillar: secrets).
func redact(r *proto.JobLookupReply) {
	for id, ret := range r.Returns {
		ret.Return = nil
		ret.Args = nil
		r.Returns[id] = ret
	}
	r.Redacted = true
}

func (m *Master) handleJobsActive(ctx context.Context, _ role, data []byte) (proto.Message, error) {
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
	// Jobs that run but that this cache never recorded.
	for jid, ids := range act {
		out = append(out, proto.JobSummary{JID: jid, Running: ids})
	}
	return &proto.JobsListReply{Jobs: out}, nil
}

func (m *Master) handleJobsKill(ctx context.Context, _ role, data []byte) (proto.Message, error) {
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

func (m *Master) handleMinions(ctx context.Context, _ role, data []byte) (proto.Message, error) {
	var req proto.MinionsRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	r := &proto.MinionsReply{}
	for _, k := range m.allKeys() {
		if k.State != proto.KeyAccepted || (req.ID != "" && k.ID != req.ID) {
			continue
		}
		m.mu.Lock()
		last := m.seen[k.ID]
		m.mu.Unlock()
		mi := proto.MinionInfo{ID: k.ID, Connected: m.connected(ctx, k), LastSeen: last}
		if req.Grains {
			mi.Grains = m.grainsOf(k.ID)
		}
		r.Minions = append(r.Minions, mi)
	}
	return r, nil
}

// onHello gives an accepted minion the job-signing key to pin. Only an
// accepted minion can publish here; the answer goes to its inbox only.
func (m *Master) onHello(msg *nats.Msg) {
	id := proto.MinionOf(msg.Subject)
	if proto.ValidID(id) != nil {
		return
	}
	if !m.rates.allow(id, limPresence) {
		m.refused.note("hello", id, "rate limit")
		return
	}
	// Its start event waits for its presence, which it sends once it
	// listens for jobs: a reaction to it (a highstate) then reaches it.
	// This master answered the hello (a queue group), so this master
	// alone fires the event, once.
	// A refresh (the trust chain asked for again) or a check is no start.
	var h proto.Hello
	if err := proto.Unmarshal(msg.Data, &h); err != nil || !h.Refresh {
		m.mu.Lock()
		m.startPending[id] = time.Now()
		m.mu.Unlock()
	}
	chain, _ := m.trust.get()
	b, _ := proto.Marshal(&proto.HelloReply{JobKey: m.JobKey(), Chain: chain})
	m.answer(msg, proto.InboxPrefix(id), b)
}

func (m *Master) onPillar(ctx context.Context, id string, msg *nats.Msg) []byte {
	start := time.Now()
	// The request names the environments of the minion's run; a request
	// that does not decode is the minion's pillar as by default.
	var req proto.PillarRequest
	_ = proto.Unmarshal(msg.Data, &req)
	envs := pillarEnvs{saltenv: req.Env, pillarenv: req.Pillarenv, override: pillarOverride(req.Override)}
	if len(req.Override) > 0 && envs.override == nil {
		// Salt's Pillar.__init__ logs it and goes on without one.
		m.log.Error("Pillar data must be a dictionary", "id", id)
	}
	p, overridden, err := m.pillarJSON(ctx, id, envs)
	m.metrics.pillarRendered(time.Since(start), err)
	if err != nil {
		m.log.Warn("pillar", "id", id, "err", err)
		return proto.ErrorReply(fmt.Errorf("pillar for %s: %w", id, err))
	}
	b, _ := proto.Marshal(&proto.PillarReply{Pillar: p, Overridden: overridden})
	return b
}

// pillarJSON is a minion's pillar for the wire, in its files' key order
// when the renderer knows it, and whether the request's pillar= is
// merged into it (the tree renderer merges it; another leaves it to the
// minion).
func (m *Master) pillarJSON(ctx context.Context, id string, envs pillarEnvs) ([]byte, bool, error) {
	if r, ok := m.pillar.(interface {
		PillarJSON(context.Context, string, map[string]any, pillarEnvs) ([]byte, error)
	}); ok {
		b, err := r.PillarJSON(ctx, id, m.grainsOf(id), envs)
		return b, envs.override != nil, err
	}
	p, err := m.pillar.Pillar(ctx, id, m.grainsOf(id))
	if err != nil {
		return nil, false, err
	}
	b, err := json.Marshal(p)
	return b, false, err
}

// goOwned runs fn on a goroutine the master owns: it gets the run's
// context and Shutdown waits for it.
func (m *Master) goOwned(fn func(ctx context.Context)) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn(m.runCtx)
	}()
}

// sweep forgets, now and then, what the master tracks for connections
// and jobs that are gone.
func (m *Master) sweep(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.pruneCIDs()
			m.pruneStarts(time.Now())
			m.jobs.expire(time.Now())
			m.active()
		}
	}
}
