package master

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// activeWindow is how long after its last heartbeat a minion still
// counts as running a job.
const activeWindow = 15 * time.Second

// resolve lists the accepted minions a target matches, split into those
// connected now and those known but not connected; all counts every
// connected minion, matched or not.
func (m *Master) resolve(ctx context.Context, tgt, tgtType string) (conn, notConn []string, all int, err error) {
	keys := m.allKeys()
	match, err := m.match(tgt, tgtType)
	if err != nil {
		return nil, nil, 0, err
	}
	needPillar := tgtType == proto.TargetPillar || (tgtType == proto.TargetCompound && (strings.Contains(tgt, "I@") || strings.Contains(tgt, "J@")))
	for _, k := range keys {
		if k.State != proto.KeyAccepted {
			continue
		}
		up := m.connected(ctx, k)
		if up {
			all++
		}
		var pillar map[string]any
		if needPillar {
			pillar, _ = m.pillar.Pillar(ctx, k.ID, m.grainsOf(k.ID))
		}
		if !match(k.ID, m.grainsOf(k.ID), pillar) {
			continue
		}
		if up {
			conn = append(conn, k.ID)
		} else {
			notConn = append(notConn, k.ID)
		}
	}
	if tgtType == proto.TargetList {
		// Salt's list matcher reports the ids it names that no minion
		// has (its "missing"): the command accounts for them too, as
		// not connected, rather than leaving them out.
		notConn = append(notConn, unknownIDs(tgt, keys)...)
	}
	return conn, notConn, all, nil
}

// unknownIDs are the ids of a list target with no accepted key, sorted.
func unknownIDs(list string, keys []proto.KeyInfo) []string {
	known := make(map[string]bool, len(keys))
	for _, k := range keys {
		if k.State == proto.KeyAccepted {
			known[k.ID] = true
		}
	}
	var out []string
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if id != "" && !known[id] && proto.ValidID(id) == nil {
			known[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// publish records a job in the job cache and signs its messages to the
// connected minions the request matches; send, when not nil, sends
// them. The record comes first, so that a return can never arrive for a
// job the cache does not know. The operator's request is answered
// between the two (answered): the command then reads the minions'
// returns while the jobs still go out, not after the last of them left,
// which at 10,000 minions was most of a second in which the command's
// queue of returns only grew. Whatever can refuse a job (the target,
// the trust chain, the record, a message too large) has refused it
// before the answer; what is left is the connection, which queues
// while it reconnects.
func (m *Master) publish(ctx context.Context, req *proto.PublishRequest) (_ *proto.PublishReply, send func(), err error) {
	start := time.Now()
	if err := proto.ValidJID(req.JID); err != nil {
		return nil, nil, err
	}
	if req.Fun == "" {
		return nil, nil, fmt.Errorf("no function")
	}
	if !req.Resolve {
		defer func() {
			if err != nil {
				m.metrics.publishFailed(req.Fun)
			}
		}()
	}
	conn, notConn, all, err := m.resolve(ctx, req.Target, req.TargetType)
	if err != nil {
		return nil, nil, err
	}
	if len(req.Minions) > 0 {
		conn, notConn = narrow(conn, req.Minions), narrow(notConn, req.Minions)
	}
	reply := &proto.PublishReply{JID: req.JID, Minions: conn, NotConnected: notConn}
	if req.Resolve {
		return reply, nil, nil
	}
	if len(conn) == 0 {
		m.metrics.published(req.Fun, 0, len(notConn), time.Since(start))
		return reply, nil, nil
	}
	// Before the record: a job no minion would take is not published.
	if err := m.trusted(); err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC()
	job := &proto.Job{JID: req.JID, Target: req.Target, TargetType: req.TargetType, Fun: req.Fun,
		Args: req.Args, Kwargs: req.Kwargs, Timeout: req.Timeout, Minions: conn,
		IssuedAt: now, Expiry: now.Add(m.cfg.JobExpiry.D()), Nonce: proto.NewNonce(), User: req.User}
	if treeFun(job.Fun) {
		job.Tree = m.files.treeHash()
	}
	msgs, err := m.signJob(job, all)
	if err != nil {
		return nil, nil, fmt.Errorf("publish job %s: %w", job.JID, err)
	}
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: job.JID, Fun: job.Fun, Args: recordArgs(job.Fun, job.Args), Kwargs: job.Kwargs,
		Target: job.Target, TargetType: job.TargetType, Minions: conn, IssuedAt: now, User: req.User}}
	if err := m.storeRecord(ctx, rec); err != nil {
		return nil, nil, err
	}
	send = func() {
		if err := m.sendSigned(msgs); err != nil {
			// Recorded, and the operator told so: its command names
			// the minions that do not answer.
			m.metrics.publishFailed(job.Fun)
			m.log.Error("job recorded but not sent", "jid", job.JID, "fun", job.Fun, "minions", len(conn), "err", err)
			return
		}
		m.metrics.published(job.Fun, len(conn), len(notConn), time.Since(start))
		m.emitJobNew(job, notConn)
		m.log.Info("job published", "jid", job.JID, "fun", job.Fun, "minions", len(conn), "not_connected", len(notConn))
	}
	return reply, send, nil
}

// jobGroup is how many minions one signed job names, at most. A minion
// decodes the whole job it is sent, its list of minions too, before it
// can tell whether it is named: one job naming every minion of a fleet
// of N costs each minion O(N), the fleet O(N²). At 1,000 minions that
// was half a millisecond of each minion's CPU (proto.VerifyJob, JSON
// above all) and test.ping took 1.5 s; at 10,000 each minion's share
// would be ten times larger, and there are ten times as many. One
// signature per minion instead would cost the master N signatures. So
// a job to many minions is signed once per group of jobGroup, and each
// minion gets its group's on its own subject.
const jobGroup = 32

// signedJob is one signed job message and the subject it goes to.
type signedJob struct {
	subj string
	data []byte
}

// sendJob signs the job and sends it to the minions it names (signJob,
// sendSigned).
func (m *Master) sendJob(job *proto.Job, all int) error {
	msgs, err := m.signJob(job, all)
	if err != nil {
		return err
	}
	return m.sendSigned(msgs)
}

// signJob signs the job for the minions it names (its Minions, all
// connected; all counts the connected minions) and says where each
// signed message goes. A job to every connected minion of a small fleet
// goes in one broadcast; any other goes to each minion's own subject,
// so that no minion sees a job that is not for it. A message larger
// than the server takes is refused here, before anything is sent.
func (m *Master) signJob(job *proto.Job, all int) ([]signedJob, error) {
	var out []signedJob
	limit := m.nc.MaxPayload()
	conn := job.Minions
	for len(conn) > 0 {
		g := conn[:min(jobGroup, len(conn))]
		conn = conn[len(g):]
		gj := *job
		gj.Minions = g
		if len(g) < len(job.Minions) {
			gj.Nonce = proto.NewNonce()
		}
		signed, err := proto.SignJob(signerFor(m.jobKey), &gj)
		if err != nil {
			return nil, err
		}
		if limit > 0 && int64(len(signed)) > limit {
			return nil, fmt.Errorf("the signed job is %d bytes, more than the NATS server's max_payload of %d: %w", len(signed), limit, nats.ErrMaxPayload)
		}
		if len(g) > 1 && len(g) == all {
			out = append(out, signedJob{proto.SubjJobAll, signed})
			continue
		}
		for _, id := range g {
			out = append(out, signedJob{proto.SubjJob(id), signed})
		}
	}
	return out, nil
}

// sendSigned publishes signed job messages.
func (m *Master) sendSigned(msgs []signedJob) error {
	for _, j := range msgs {
		if err := m.nc.Publish(j.subj, j.data); err != nil {
			return err
		}
	}
	return nil
}

func narrow(ids, keep []string) []string {
	want := map[string]bool{}
	for _, k := range keep {
		want[k] = true
	}
	var out []string
	for _, id := range ids {
		if want[id] {
			out = append(out, id)
		}
	}
	return out
}

// maxRunning bounds the jobs the master tracks as running on one minion:
// heartbeats name job ids, and a flood of made-up ones must not grow it.
const maxRunning = 32

// onHeartbeat notes that a minion still works on a job. Every master
// tracks it, for `brine jobs active`.
func (m *Master) onHeartbeat(msg *nats.Msg) {
	id, jid := proto.MinionOf(msg.Subject), proto.JIDOf(msg.Subject)
	if proto.ValidID(id) != nil || proto.ValidJID(jid) != nil {
		return
	}
	if !m.rates.allow(id, limHeartbeat) {
		m.refused.note("heartbeat", id, "rate limit")
		return
	}
	m.heard(id, jid)
}

// heard notes news of a job from a minion (an ack, a heartbeat, an
// event).
func (m *Master) heard(id, jid string) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	jobs := m.running[id]
	if jobs == nil {
		jobs = map[string]time.Time{}
		m.running[id] = jobs
	}
	if _, ok := jobs[jid]; !ok && len(jobs) >= maxRunning {
		// Make room by dropping the job heard of least lately.
		var old string
		for j, t := range jobs {
			if old == "" || t.Before(jobs[old]) {
				old = j
			}
		}
		delete(jobs, old)
	}
	jobs[jid] = now
}

// returned forgets a minion's job once its return is kept.
func (m *Master) returned(id, jid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.running[id], jid)
	if len(m.running[id]) == 0 {
		delete(m.running, id)
	}
}

// active lists the jobs some minion has sent news of lately, by job.
func (m *Master) active() map[string][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]string{}
	for id, jobs := range m.running {
		for jid, t := range jobs {
			if time.Since(t) < activeWindow {
				out[jid] = append(out[jid], id)
			} else {
				delete(jobs, jid)
			}
		}
		if len(jobs) == 0 {
			delete(m.running, id)
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

// readCache reads every message of the job cache on the given subjects,
// oldest first.
func (m *Master) readCache(ctx context.Context, subjects []string, each func(jetstream.Msg)) error {
	// Read whole, then handed on: a read that gets no answer (the
	// stream electing a leader) is read again from the start
	// (storeRequest), and each message is handed on once. The try's
	// deadline bounds the opening; each batch after has its own.
	var msgs []jetstream.Msg
	if err := m.storeRequest(ctx, "read the job cache", func(try context.Context) (err error) {
		msgs, err = m.readCacheOnce(try, ctx, subjects)
		return err
	}); err != nil {
		return fmt.Errorf("job cache: %w", err)
	}
	for _, msg := range msgs {
		each(msg)
	}
	return nil
}

// readCacheOnce reads through an ephemeral consumer of its own, made
// within the try's deadline. Not an ordered consumer: that one makes its
// consumer again before every fetch, and waits as long as it takes,
// which a stream electing a leader makes unbounded.
func (m *Master) readCacheOnce(try, ctx context.Context, subjects []string) ([]jetstream.Msg, error) {
	cons, err := m.cache.CreateConsumer(try, jetstream.ConsumerConfig{FilterSubjects: subjects,
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckNonePolicy,
		MemoryStorage: true, Replicas: 1, InactiveThreshold: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	var out []jetstream.Msg
	left := cons.CachedInfo().NumPending
	for left > 0 && ctx.Err() == nil {
		batch, err := cons.Fetch(int(min(left, 256)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			out = append(out, msg)
			md, err := msg.Metadata()
			if err == nil {
				left = md.NumPending
			}
		}
		if n == 0 {
			if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
				return nil, err
			}
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (m *Master) listJobs(ctx context.Context) ([]proto.JobSummary, error) {
	act := m.active()
	var out []proto.JobSummary
	err := m.readCache(ctx, []string{proto.AllCacheJobs}, func(msg jetstream.Msg) {
		var rec proto.JobRecord
		if proto.Unmarshal(msg.Data(), &rec) == nil {
			rec.Running = act[rec.JID]
			out = append(out, rec.JobSummary)
		}
	})
	return out, err
}

func (m *Master) lookup(ctx context.Context, jid string) (*proto.JobLookupReply, error) {
	if err := proto.ValidJID(jid); err != nil {
		return nil, err
	}
	r := &proto.JobLookupReply{Returns: map[string]proto.Return{}, LastHeard: map[string]time.Time{}}
	found := false
	acked := map[string]bool{}
	parts := &proto.Assembler{MaxBytes: m.cfg.Limits.ReturnBytes}
	err := m.readCache(ctx, proto.CacheSubjects(jid), func(msg jetstream.Msg) {
		switch proto.Kind(msg.Subject()) {
		case "job":
			var rec proto.JobRecord
			if proto.Unmarshal(msg.Data(), &rec) == nil {
				r.Job, found = rec.JobSummary, true
			}
		case "ret":
			if msg.Headers().Get(proto.BatchHeader) != "" {
				// Several minions' returns, each checked against the
				// subject it came on before the master wrote it.
				var b proto.ReturnBatch
				if proto.Unmarshal(msg.Data(), &b) != nil {
					return
				}
				for _, raw := range b.Returns {
					var ret proto.Return
					if proto.Unmarshal(raw, &ret) == nil && ret.JID == jid && proto.ValidID(ret.ID) == nil {
						r.Returns[ret.ID] = ret
						found = true
					}
				}
				return
			}
			i, n, err := proto.ParsePart(msg.Headers().Get(proto.PartHeader))
			if err != nil {
				return
			}
			whole, done, err := parts.Add(msg.Subject(), i, n, msg.Data())
			if err != nil || !done {
				return
			}
			var ret proto.Return
			if proto.Unmarshal(whole, &ret) == nil {
				r.Returns[proto.MinionOf(msg.Subject())] = ret
				found = true
			}
		case "ack":
			id := proto.MinionOf(msg.Subject())
			acked[id] = true
			var a proto.Ack
			if proto.Unmarshal(msg.Data(), &a) == nil && a.Time.After(r.LastHeard[id]) {
				r.LastHeard[id] = a.Time
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, proto.NotFound(fmt.Sprintf("job %s is not in the job cache", jid))
	}
	for id := range acked {
		r.Acked = append(r.Acked, id)
	}
	sort.Strings(r.Acked)
	for _, id := range m.active()[jid] {
		// A minion whose return is kept is done, whatever heartbeats
		// another master heard last (each master hears them all; the
		// one that keeps the return forgets them).
		if _, done := r.Returns[id]; !done {
			r.Job.Running = append(r.Job.Running, id)
		}
	}
	m.mu.Lock()
	for id := range acked {
		if t, ok := m.running[id][jid]; ok && t.After(r.LastHeard[id]) {
			r.LastHeard[id] = t
		}
	}
	m.mu.Unlock()
	if r.Job.JID == "" {
		r.Job.JID = jid
	}
	return r, nil
}

// kill sends a signed kill to each minion that runs the job (or was
// expected to).
func (m *Master) kill(ctx context.Context, jid string) ([]string, error) {
	if err := proto.ValidJID(jid); err != nil {
		return nil, err
	}
	targets := map[string]bool{}
	for _, id := range m.active()[jid] {
		targets[id] = true
	}
	if r, err := m.lookup(ctx, jid); err == nil {
		for _, id := range r.Job.Minions {
			if _, done := r.Returns[id]; !done {
				targets[id] = true
			}
		}
	}
	if len(targets) == 0 {
		return nil, fmt.Errorf("job %s: no minion is running it", jid)
	}
	var sent []string
	now := time.Now().UTC()
	for id := range targets {
		b, err := proto.Sign(signerFor(m.jobKey), proto.KindKill, &proto.Kill{JID: jid, Minion: id, IssuedAt: now,
			Expiry: now.Add(time.Minute), Nonce: proto.NewNonce()})
		if err != nil {
			return sent, err
		}
		if err := m.nc.Publish(proto.SubjKill(id), b); err != nil {
			return sent, fmt.Errorf("kill %s on %s: %w", jid, id, err)
		}
		sent = append(sent, id)
	}
	sort.Strings(sent)
	return sent, m.nc.Flush()
}

// recordArgs are a job's arguments as the job cache keeps them: the
// chunks `brine cp` pushes are data, not arguments anyone looks up, and a
// cache of them would be a second copy of every file pushed.
func recordArgs(fun string, args []any) []any {
	if fun != proto.FunRecvChunked || len(args) < 2 {
		return args
	}
	out := append([]any(nil), args...)
	if s, ok := out[1].(string); ok {
		out[1] = fmt.Sprintf("<%d bytes of base64>", len(s))
	}
	return out
}
