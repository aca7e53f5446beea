package master

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// The job cache is written by the master alone. Minions publish acks,
// events and returns on their own live subjects (the operator follows
// those); the master keeps what it checked: a minion's word about a job
// is kept only for a job that was sent to it, or for a run it started
// itself (startup states), and only up to the limits.

// jobTable remembers which minions recent jobs went to, and what each
// has stored for it. A job it has forgotten is looked up in the cache.
type jobTable struct {
	mu sync.Mutex
	m  map[string]*jobEntry
	// held are acks waiting for their minion's return (acks.go).
	held []heldAck
	// reading are the reads of job records in flight (jobFor), each
	// closed when its read ends; reads counts the reads started.
	reading map[string]chan struct{}
	reads   int
}

type jobEntry struct {
	at      time.Time
	minions map[string]*minionJob // nil: the cache has no such job
	// dry marks a dry run of states (test=True), whose returns the
	// drift index follows; schedule names the minion schedule that ran
	// it.
	dry      bool
	schedule string
}

type minionJob struct {
	bytes    int64
	returned bool
	// job is what the record says of the job, for metrics.
	job *jobFacts
}

// jobFacts are what the job's record says, shared by its minions'
// entries: the function (the master's word, not a minion's) and when
// the job was published (zero for a startup run).
type jobFacts struct {
	fun    string
	issued time.Time
}

// jobMemory is how long the table keeps a job; after that the cache
// answers (one read), so a job that runs for hours is still known.
const jobMemory = 15 * time.Minute

func newJobTable() *jobTable {
	return &jobTable{m: map[string]*jobEntry{}, reading: map[string]chan struct{}{}}
}

// startRead says whether the caller is to read jid's record: false when
// a read is in flight already, with the channel that closes once it
// ends.
func (t *jobTable) startRead(jid string) (read bool, wait <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ch, ok := t.reading[jid]; ok {
		return false, ch
	}
	t.reading[jid] = make(chan struct{})
	t.reads++
	return true, nil
}

// endRead ends the caller's read of jid's record.
func (t *jobTable) endRead(jid string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	close(t.reading[jid])
	delete(t.reading, jid)
}

func (t *jobTable) add(rec *proto.JobRecord, now time.Time) {
	jid, minions := rec.JID, rec.Minions
	facts := &jobFacts{fun: rec.Fun}
	if rec.User != startupUser {
		facts.issued = rec.IssuedAt
	}
	e := &jobEntry{at: now, minions: make(map[string]*minionJob, len(minions)), dry: isDryRun(rec.Fun, rec.Args, rec.Kwargs), schedule: rec.Schedule}
	for _, id := range minions {
		e.minions[id] = &minionJob{job: facts}
	}
	t.mu.Lock()
	t.m[jid] = e
	t.mu.Unlock()
}

// entry returns what the table knows of a job, nil when nothing.
func (t *jobTable) entry(jid string) (dry bool, schedule string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.m[jid]; e != nil {
		return e.dry, e.schedule
	}
	return false, ""
}

// get returns a minion's entry for a job; known says whether the table
// knows the job at all (a job it knows with no entry for the minion was
// not sent to it).
func (t *jobTable) get(jid, id string) (mj *minionJob, known bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.m[jid]
	if e == nil {
		return nil, false
	}
	return e.minions[id], true
}

// charge counts n bytes a minion stores for a job, and reports whether
// they fit in limit.
func (t *jobTable) charge(mj *minionJob, n, limit int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if mj.bytes+n > limit {
		return false
	}
	mj.bytes += n
	return true
}

func (t *jobTable) expire(now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for jid, e := range t.m {
		if now.Sub(e.at) > jobMemory {
			delete(t.m, jid)
		}
	}
}

// maxUnknownJobs bounds the negative entries a flood of made-up job ids
// can add to the table.
const maxUnknownJobs = 10000

// jobFor finds a minion's entry for a job, reading the job's record from
// the cache when the table does not know the job (published by another
// master, or before a restart). nil: the job was not sent to this
// minion. An error: the cache could not say (no answer while its stream
// elects a leader, the master stopping); nothing is concluded from it.
//
// The returns of a job another master published come together, each
// missing the table: one reads the record, the others wait for it. Each
// reading on its own was, at 10,000 minions on a cluster of three, a
// decode of the record's 10,000 ids a return (with the bus's events for
// nobody, events.go, their garbage had a third of a master's CPU in the
// collector); and each replaced the table's entry, what the others had
// counted in it with it.
func (m *Master) jobFor(ctx context.Context, jid, id string) (*minionJob, error) {
	if proto.ValidJID(jid) != nil {
		return nil, nil
	}
	for {
		if mj, known := m.jobs.get(jid, id); known {
			return mj, nil
		}
		read, wait := m.jobs.startRead(jid)
		if read {
			// A read may have ended between the miss and the start.
			if mj, known := m.jobs.get(jid, id); known {
				m.jobs.endRead(jid)
				return mj, nil
			}
			break
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("job cache: record of %s: %w", jid, ctx.Err())
		}
	}
	defer m.jobs.endRead(jid)
	rec, err := m.jobRecord(ctx, jid)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		m.jobs.mu.Lock()
		if len(m.jobs.m) < maxUnknownJobs {
			m.jobs.m[jid] = &jobEntry{at: time.Now()}
		}
		m.jobs.mu.Unlock()
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("job cache: record of %s: %w", jid, err)
	}
	m.jobs.add(rec, time.Now())
	mj, _ := m.jobs.get(jid, id)
	return mj, nil
}

// jobRecord reads one job's record from the cache.
func (m *Master) jobRecord(ctx context.Context, jid string) (*proto.JobRecord, error) {
	var raw *jetstream.RawStreamMsg
	if err := m.storeRequest(ctx, "job record", func(ctx context.Context) (err error) {
		raw, err = m.cache.GetLastMsgForSubject(ctx, proto.CacheJob(jid))
		return err
	}); err != nil {
		return nil, err
	}
	var rec proto.JobRecord
	if err := proto.Unmarshal(raw.Data, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// storeRecord writes a job's record, once: a job id that is in the cache
// already is refused, so no record can be replaced.
func (m *Master) storeRecord(ctx context.Context, rec *proto.JobRecord) error {
	b, err := proto.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := m.publishCache(ctx, &nats.Msg{Subject: proto.CacheJob(rec.JID), Data: b}, jetstream.WithMsgID("job-"+rec.JID),
		jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		if jobIDTaken(err) {
			// A try whose answer was lost may have written it: the
			// stream checks the sequence before the message id, so the
			// retry is refused rather than found a duplicate.
			if raw, rerr := m.cache.GetLastMsgForSubject(ctx, proto.CacheJob(rec.JID)); rerr == nil && bytes.Equal(raw.Data, b) {
				m.jobs.add(rec, time.Now())
				return nil
			}
			return fmt.Errorf("job id %s is taken: the job cache holds another job of that id (start the job again): %w", rec.JID, err)
		}
		return fmt.Errorf("job cache: record %s: %w", rec.JID, err)
	}
	m.jobs.add(rec, time.Now())
	return nil
}

// jobIDTaken says a record was refused because one of its job id is in
// the cache already (a replicated stream says so with its own code).
func jobIDTaken(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && (api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// maxStartupArgs bounds what a startup run's record may hold.
const (
	maxStartupArgs   = 64
	maxStartupArgLen = 256
	// startupAge is how old a startup run's job id may be when the
	// master first hears of it (a long run whose ack was lost).
	startupAge = 24 * time.Hour
)

// checkStartup checks what a minion says of a run it started itself: a
// startup function, a few short SLS names, a fresh job id of its time.
func checkStartup(jid, fun string, args []any, now time.Time) error {
	if err := proto.ValidJID(jid); err != nil {
		return err
	}
	if !slices.Contains(proto.StartupFuns, fun) {
		return fmt.Errorf("function %q is not one a minion starts by itself", proto.Clip(fun, 64))
	}
	if len(args) > maxStartupArgs {
		return fmt.Errorf("%d arguments, more than %d", len(args), maxStartupArgs)
	}
	for _, a := range args {
		s, ok := a.(string)
		if !ok || len(s) > maxStartupArgLen {
			return fmt.Errorf("argument %v is not a short SLS name", proto.Clip(fmt.Sprint(a), 64))
		}
	}
	t, err := time.Parse("20060102150405", jid[:14])
	if err != nil {
		return fmt.Errorf("job id %s: %w", jid, err)
	}
	if t.Before(now.Add(-startupAge)) || t.After(now.Add(proto.MaxClockSkew)) {
		return fmt.Errorf("job id %s is not of now", jid)
	}
	return nil
}

// startupUser is the user of a startup run's record: nobody published
// it.
const startupUser = "startup_states"

// recordStartup records a run a minion started itself, once checked.
func (m *Master) recordStartup(ctx context.Context, id, jid, fun string, args []any) (*minionJob, error) {
	if err := checkStartup(jid, fun, args, time.Now().UTC()); err != nil {
		return nil, err
	}
	t, _ := time.Parse("20060102150405", jid[:14])
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: jid, Fun: fun, Args: args, Target: id,
		TargetType: proto.TargetList, Minions: []string{id}, IssuedAt: t.UTC(), User: startupUser}}
	if err := m.storeRecord(ctx, rec); err != nil {
		return nil, err
	}
	mj, _ := m.jobs.get(jid, id)
	return mj, nil
}

// onAck keeps a minion's ack of a job it was sent, or records the run it
// started itself.
func (m *Master) onAck(msg *nats.Msg) {
	id, jid := proto.MinionOf(msg.Subject), proto.JIDOf(msg.Subject)
	if proto.ValidID(id) != nil || proto.ValidJID(jid) != nil {
		return
	}
	if !m.rates.allow(id, limReturn) {
		m.refused.note("ack", id, "rate limit")
		return
	}
	var a proto.Ack
	if err := proto.Unmarshal(msg.Data, &a); err != nil || a.JID != jid {
		m.refused.note("ack", id, "not an ack of this job")
		return
	}
	m.heard(id, jid)
	work := func(ctx context.Context) {
		mj, err := m.jobFor(ctx, jid, id)
		if err != nil {
			m.refused.note("ack", id, "not kept: "+err.Error(), "jid", jid)
			return
		}
		if mj == nil && a.Startup {
			if mj, err = m.recordStartup(ctx, id, jid, a.Fun, a.Args); err != nil {
				m.refused.note("ack", id, "startup run not recorded: "+err.Error(), "jid", jid)
				return
			}
		}
		if mj == nil && a.Schedule != "" {
			if mj, err = m.recordScheduled(ctx, id, jid, a.Schedule, a.Fun, a.Args, a.Kwargs); err != nil {
				m.refused.note("ack", id, "scheduled run not recorded: "+err.Error(), "jid", jid)
				return
			}
		}
		if mj == nil {
			m.refused.note("ack", id, "a job that was not sent to it", "jid", jid)
			return
		}
		m.keepAck(id, jid, msg.Data, mj, a.Startup || a.Schedule != "")
	}
	if _, known := m.jobs.get(jid, id); known {
		work(m.runCtx)
		return
	}
	if !m.work.try(id, func() {
		ctx, cancel := context.WithTimeout(m.runCtx, requestTimeout)
		defer cancel()
		work(ctx)
	}) {
		m.refused.note("busy", id, "every worker busy", "subject", msg.Subject)
	}
}

// onEvent keeps a batch of state events of a job the minion was sent,
// within the job's limit.
func (m *Master) onEvent(msg *nats.Msg) {
	id, jid := proto.MinionOf(msg.Subject), proto.JIDOf(msg.Subject)
	if proto.ValidID(id) != nil || proto.ValidJID(jid) != nil {
		return
	}
	if !m.rates.allow(id, limEvent) {
		m.refused.note("event", id, "rate limit")
		return
	}
	mj, known := m.jobs.get(jid, id)
	if !known {
		// Look it up off the subscription; the event waits for it.
		if !m.work.try(id, func() {
			ctx, cancel := context.WithTimeout(m.runCtx, requestTimeout)
			defer cancel()
			switch mj, err := m.jobFor(ctx, jid, id); {
			case err != nil:
				m.refused.note("event", id, "not kept: "+err.Error(), "jid", jid)
			case mj != nil:
				m.keepEvent(id, jid, msg, mj)
			default:
				m.refused.note("event", id, "a job that was not sent to it", "jid", jid)
			}
		}) {
			m.refused.note("busy", id, "every worker busy", "subject", msg.Subject)
		}
		return
	}
	if mj == nil {
		m.refused.note("event", id, "a job that was not sent to it", "jid", jid)
		return
	}
	m.keepEvent(id, jid, msg, mj)
}

// keepEvent keeps a batch of state events in one decode: the job cache
// keeps the message as it came, the bus gets one prog event per state,
// as Salt's.
func (m *Master) keepEvent(id, jid string, msg *nats.Msg, mj *minionJob) {
	var b proto.StateEvents
	if err := proto.Unmarshal(msg.Data, &b); err != nil || b.JID != jid || b.ID != id ||
		len(b.States) == 0 || len(b.States) > proto.MaxStateEvents {
		m.refused.note("event", id, "not a batch of state events of this job by this minion")
		return
	}
	m.heard(id, jid)
	m.store(id, proto.CacheEvent(id, jid), msg.Data, mj, "")
	for i := range b.States {
		if f := b.States[i].FireEvent; f != "" {
			m.emitStateResult(jid, id, f, &b.States[i].State)
			continue
		}
		m.emitProg(jid, id, &b.States[i].State)
	}
}

// store writes one checked message to the cache, charged to the
// minion's job, without waiting for the cache's ack.
func (m *Master) store(id, subj string, data []byte, mj *minionJob, msgID string) {
	if !m.jobs.charge(mj, int64(len(data)), m.cfg.Limits.JobBytes) {
		m.refused.note("job_bytes", id, "the job's limit of what one minion stores is reached", "subject", subj)
		return
	}
	out := &nats.Msg{Subject: subj, Data: data}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := m.js.PublishMsgAsync(out, opts...); err != nil {
		m.refused.note("cache", id, "job cache busy: "+err.Error(), "subject", subj)
	}
}

// onReturn keeps a minion's return, sent as a request (in parts when
// large): the minion hears back once the cache holds it, and sends it
// again until it does.
func (m *Master) onReturn(msg *nats.Msg) {
	id, jid := proto.MinionOf(msg.Subject), proto.JIDOf(msg.Subject)
	if proto.ValidID(id) != nil || proto.ValidJID(jid) != nil {
		return
	}
	inbox := proto.InboxPrefix(id)
	if !m.rates.allow(id, limReturn) {
		m.refused.note("return", id, "rate limit")
		return
	}
	i, n, err := proto.ParsePart(msg.Header.Get(proto.PartHeader))
	if err != nil {
		m.answerStored(msg, inbox, err, true)
		return
	}
	if int64(n)*proto.PartSize > m.cfg.Limits.ReturnBytes+proto.PartSize {
		m.answerStored(msg, inbox, fmt.Errorf("return of %d parts is larger than the master keeps (%d bytes)", n, m.cfg.Limits.ReturnBytes), true)
		return
	}
	if !m.work.try(id, func() {
		// A job this master knows needs no read of the cache, nor a
		// deadline for one (and its timer, a return's largest
		// allocation here after the message itself).
		ctx := m.runCtx
		if _, known := m.jobs.get(jid, id); !known {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(m.runCtx, requestTimeout)
			defer cancel()
		}
		m.keepReturn(ctx, msg, id, jid, i, n, inbox)
	}) {
		m.answerStored(msg, inbox, errors.New("the master is busy; send it again"), false)
	}
}

func (m *Master) keepReturn(ctx context.Context, msg *nats.Msg, id, jid string, i, n int, inbox string) {
	key := id + "." + jid
	whole, done, err := m.parts.Add(key, i, n, msg.Data)
	if err != nil {
		m.answerStored(msg, inbox, err, true)
		return
	}
	if !done {
		m.answerStored(msg, inbox, nil, false)
		return
	}
	// The head alone: the master keeps the bytes as sent, and builds
	// the values only for a run it records from them (or for the bus).
	var ret proto.ReturnHead
	var args []any
	var kwargs map[string]any
	err = proto.Unmarshal(whole, &ret)
	if err == nil && (ret.Startup || ret.Schedule != "") {
		var full proto.Return
		err = proto.Unmarshal(whole, &full)
		args, kwargs = full.Args, full.Kwargs
	}
	if err != nil || ret.JID != jid || ret.ID != id {
		m.refused.note("return", id, "not a return of this job by this minion", "jid", jid)
		m.answerStored(msg, inbox, errors.New("not a return of this job by this minion"), true)
		return
	}
	mj, err := m.jobFor(ctx, jid, id)
	if mj == nil && err == nil && ret.Startup {
		mj, err = m.recordStartup(ctx, id, jid, ret.Fun, args)
		if err != nil {
			// Recorded already: the ack made the record, which does
			// not list this minion only if it is not its run.
			mj, err = m.jobFor(ctx, jid, id)
		}
	}
	if mj == nil && err == nil && ret.Schedule != "" {
		if mj, err = m.recordScheduled(ctx, id, jid, ret.Schedule, ret.Fun, args, kwargs); err != nil {
			// Recorded already, by the ack (this minion's run), or
			// refused: jobFor tells.
			if mj, err = m.jobFor(ctx, jid, id); mj == nil && err == nil {
				m.refused.note("return", id, "scheduled run not recorded", "jid", jid)
				m.answerStored(msg, inbox, errors.New("scheduled run not recorded (see the master's log)"), true)
				return
			}
		}
	}
	if err != nil {
		// Not a refusal: the minion sends it again, to this master or
		// another, until the cache can tell.
		m.answerStored(msg, inbox, err, false)
		return
	}
	if mj == nil {
		m.refused.note("return", id, "a job that was not sent to it", "jid", jid)
		m.answerStored(msg, inbox, fmt.Errorf("job %s was not sent to %s", jid, id), true)
		return
	}
	m.jobs.mu.Lock()
	again := mj.returned
	m.jobs.mu.Unlock()
	if !again && !m.jobs.charge(mj, int64(len(whole)), m.cfg.Limits.JobBytes+m.cfg.Limits.ReturnBytes) {
		m.answerStored(msg, inbox, errors.New("the job's limit of what one minion stores is reached"), true)
		return
	}
	// The minion hears Stored once the store holds the return (a batch
	// of returns, or every part of it alone: retbatch.go, retwrite.go);
	// this worker does not wait for it.
	kept := func(err error) {
		if err != nil {
			m.answerStored(msg, inbox, fmt.Errorf("job cache: %w", err), false)
			return
		}
		m.keptReturn(id, jid, &ret, whole, mj, again)
		m.answerStored(msg, inbox, nil, false)
	}
	parts := proto.SplitParts(whole, proto.PartSize)
	if m.batched(jid, whole, len(parts)) {
		m.batchReturn(jid, whole, kept)
		return
	}
	outs := make([]*nats.Msg, len(parts))
	for pi, p := range parts {
		out := &nats.Msg{Subject: proto.CacheReturn(id, jid), Data: p,
			Header: nats.Header{jetstream.MsgIDHeader: []string{"ret-" + id + "-" + jid + "-" + strconv.Itoa(pi)}}}
		if len(parts) > 1 {
			out.Header.Set(proto.PartHeader, proto.PartLabel(pi, len(parts)))
		}
		outs[pi] = out
	}
	m.writeReturn(id, outs, kept)
}

// keptReturn notes a return the job cache now holds: the job's tracking,
// metrics, the event bus and, for a dry run, the drift index (on a
// worker, or here when every worker is busy: it reads and writes a
// bucket).
func (m *Master) keptReturn(id, jid string, ret *proto.ReturnHead, whole []byte, mj *minionJob, again bool) {
	m.jobs.mu.Lock()
	first := !mj.returned
	mj.returned = true
	m.jobs.mu.Unlock()
	if first && mj.job != nil {
		m.metrics.returnKept(mj.job.fun, ret, mj.job.issued, time.Now())
	}
	m.returned(id, jid)
	if again {
		return
	}
	m.emitJobRet(whole)
	if dry, sched := m.jobs.entry(jid); dry {
		note := func() {
			ctx, cancel := context.WithTimeout(m.runCtx, requestTimeout)
			defer cancel()
			m.noteDryRun(ctx, id, &proto.DryRun{JID: jid, Fun: ret.Fun, Time: ret.End, Schedule: sched})
		}
		if !m.work.try(id, note) {
			note()
		}
	}
}

func (m *Master) answerStored(msg *nats.Msg, inbox string, err error, refused bool) {
	if err == nil && !refused {
		m.answer(msg, inbox, storedOK)
		return
	}
	r := &proto.Stored{Refused: refused}
	if err != nil {
		r.Error = err.Error()
	}
	b, _ := proto.Marshal(r)
	m.answer(msg, inbox, b)
}

// storedOK is the answer to nearly every return, encoded once. The
// server copies what it is given to publish.
var storedOK, _ = proto.Marshal(&proto.Stored{})
