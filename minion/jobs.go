package minion

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/states"
)

// isStateRun reports whether a function applies states, so that only one
// may run at a time.
func isStateRun(fun string) bool {
	switch fun {
	case "state.apply", "state.highstate", "state.sls", "state.single", "state.top":
		return true
	}
	return false
}

func (m *Minion) onJob(life context.Context, msg *nats.Msg) { m.verifyJob(life, msg, true) }

// verifyJob runs a job signed by a trusted key. A job signed by a key
// it does not know may come from a master added since the minion last
// heard of the trust chain: once in a while it asks, and tries again.
func (m *Minion) verifyJob(life context.Context, msg *nats.Msg, refresh bool) {
	job, err := proto.VerifyJob(msg.Data, m.trustedKeys(), time.Now(), m.seen)
	if err != nil {
		if refresh && m.unknownSigner(err, func() { m.verifyJob(life, msg, false) }) {
			return
		}
		m.log.Warn("job refused", "err", err)
		return
	}
	if !job.For(m.id) {
		return
	}
	m.start(life, job, false)
}

func (m *Minion) onKill(msg *nats.Msg) {
	k, err := proto.VerifyKill(msg.Data, m.trustedKeys(), time.Now(), m.seen)
	if err != nil {
		m.log.Warn("kill refused", "err", err)
		return
	}
	if k.Minion != m.id {
		return
	}
	m.keepNonce(k.Nonce, k.Expiry)
	m.mu.Lock()
	r, ok := m.jobs[k.JID]
	m.mu.Unlock()
	if !ok {
		m.log.Info("kill for a job not running here", "jid", k.JID)
		return
	}
	// The job's context ends: every command it runs goes through
	// states.RunCmd, which kills the command's whole process group.
	m.log.Info("killing job", "jid", k.JID, "fun", r.fun)
	r.cancel()
}

// admit notes a job as running, unless it is a state run while another
// one goes on: then it returns the jid of that one. The job's context
// (returned with its cancel, which a kill calls) does not end with the
// minion's stop: a stop lets running jobs finish.
//
// Salt's queue=True admits a state run that finds another going on, to
// wait for its turn once started (run calls awaitStateTurn);
// concurrent=True runs it alongside, as Salt's does.
func (m *Minion) admit(life context.Context, job *proto.Job) (ctx context.Context, cancel context.CancelFunc, busy string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	queued := false
	if isStateRun(job.Fun) && !kwargTrue(job.Kwargs, "concurrent") {
		switch {
		case m.state == "":
			m.state, m.stateDone = job.JID, make(chan struct{})
		case kwargTrue(job.Kwargs, "queue"):
			queued = true
		default:
			return nil, nil, m.state
		}
	}
	ctx, cancel = context.WithCancel(context.WithoutCancel(life))
	m.jobs[job.JID] = &running{fun: job.Fun, args: job.Args, start: time.Now(), cancel: cancel, queued: queued}
	m.trim.Busy()
	return ctx, cancel, ""
}

// release forgets a job admitted, and reports whether none is left.
func (m *Minion) release(jid string) (idle bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.jobs, jid)
	if m.state == jid {
		m.state = ""
		close(m.stateDone)
	}
	return len(m.jobs) == 0
}

// kwargTrue reports a job keyword argument that reads as true.
func kwargTrue(kw map[string]any, key string) bool {
	v, ok := kw[key]
	if !ok {
		return false
	}
	b, err := states.ParseBool(v)
	return err == nil && b
}

// awaitStateTurn holds a queued state run (queue=True) until the state
// run going on ends and it takes the turn; other jobs return at once. A
// kill ends the wait.
func (m *Minion) awaitStateTurn(ctx context.Context, jid string) error {
	for {
		m.mu.Lock()
		r := m.jobs[jid]
		if r == nil || !r.queued {
			m.mu.Unlock()
			return nil
		}
		if m.state == "" {
			m.state, m.stateDone = jid, make(chan struct{})
			r.queued = false
			m.mu.Unlock()
			return nil
		}
		done := m.stateDone
		m.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// start acknowledges a job and runs it, unless it is a state run while
// another one goes on: then it returns "busy" at once. Once the minion
// is stopping, the job gate (jobsG) is closed and a job that comes
// anyway is dropped, unacknowledged: the master has been told the
// minion is going offline. Its nonce is on disk before it runs (in its
// journal line), or before start returns when it does not run.
func (m *Minion) start(life context.Context, job *proto.Job, startup bool) {
	ctx, cancel, busy := m.admit(life, job)
	if busy != "" {
		m.keepNonce(job.Nonce, job.Expiry)
		now := time.Now().UTC()
		ret := &proto.Return{JID: job.JID, ID: m.id, Fun: job.Fun, Args: job.Args,
			Return: fmt.Sprintf("busy, job %s running", busy), Retcode: 1, Start: now, End: now, Startup: startup}
		if !m.jobsG.Go(func() {
			m.ack(job, true, origin{})
			_ = m.sendReturn(life, ret)
		}) {
			m.log.Info("job not started: the minion is stopping", "jid", job.JID, "fun", job.Fun)
		}
		return
	}
	ok := m.jobsG.Go(func() {
		defer cancel()
		m.journalStart(job, origin{startup: startup})
		ret, err := m.run(life, ctx, job, ackDelay(job))
		if err != nil {
			m.log.Warn("job failed", "jid", job.JID, "fun", job.Fun, "err", err)
		}
		ret.Startup = startup
		idle := m.release(job.JID)
		m.finish(life, ret)
		if idle {
			m.trim.Quiet()
		}
	})
	if !ok {
		cancel()
		m.release(job.JID)
		m.keepNonce(job.Nonce, job.Expiry)
		m.log.Info("job not started: the minion is stopping", "jid", job.JID, "fun", job.Fun)
	}
}

// origin says who started a job no operator published: the startup
// states, or a schedule (by name).
type origin struct {
	startup  bool
	schedule string
}

// ack tells the master a job has started here (or is refused as busy).
func (m *Minion) ack(job *proto.Job, busy bool, o origin) {
	a := &proto.Ack{JID: job.JID, ID: m.id, Time: time.Now().UTC(), Busy: busy, Heartbeat: proto.Duration(m.cfg.HeartbeatInterval.D())}
	switch {
	case o.startup:
		// The master did not send this job: tell it what it is.
		a.Startup, a.Fun, a.Args = true, job.Fun, job.Args
	case o.schedule != "":
		a.Schedule, a.Fun, a.Args, a.Kwargs = o.schedule, job.Fun, job.Args, job.Kwargs
	}
	m.publishJSON(proto.SubjAck(m.id, job.JID), a)
}

// maxAckDelay bounds how long a job runs before its minion acknowledges
// it. A job that returns sooner is never acknowledged: its return says
// all the ack would (the minion got the job and ran it). A test.ping
// then costs the minion, the NATS server, the master and the command
// one message less a minion: at 1,000 minions the acks were about a
// tenth of the CPU a ping burns.
const maxAckDelay = time.Second

// ackDelay is how long a job runs before it is acknowledged: a quarter
// of the operator's timeout, at most maxAckDelay, so that the command
// hears of a long job well before it would name the minion as not
// responding. A job without a timeout (a master that sets none) is
// acknowledged at once.
func ackDelay(job *proto.Job) time.Duration {
	return min(maxAckDelay, time.Duration(job.Timeout)/4)
}

// finish sends a job's return and crosses the job out of the journal
// once the master holds it. A return the stop cut short stays in the
// journal, and the next start reports the job interrupted.
func (m *Minion) finish(life context.Context, ret *proto.Return) {
	if m.abandoned.Load() {
		m.log.Warn("job finished after the minion stopped waiting for it; the next start reports it interrupted", "jid", ret.JID)
		return
	}
	if err := m.sendReturn(life, ret); err != nil {
		m.log.Warn("return not sent; the next start reports the job interrupted", "jid", ret.JID, "err", err)
		return
	}
	m.journalDone(ret.JID)
}

// ErrMasterUnreachable is a run that failed because the master did not
// answer for its files or its pillar: startup states try again later.
var ErrMasterUnreachable = errors.New("the master did not answer for files or pillar")

// noAnswer reports whether a request failed for want of an answer from
// the master (and not because the job was killed, or the master refused).
func noAnswer(err error) bool {
	return errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, context.DeadlineExceeded)
}

// reach remembers the first request of a run that got no answer from the
// master, and the first answer from another state tree. States turn a
// failed file read into a result with a comment, so the run's return
// alone cannot tell why it failed.
type reach struct {
	mu   sync.Mutex
	err  error
	tree *TreeMismatchError
}

// note keeps err when it is a request the master did not answer, or an
// answer from another tree, and returns it unchanged.
func (r *reach) note(err error) error {
	var tm *TreeMismatchError
	switch {
	case err == nil:
	case errors.As(err, &tm):
		r.mu.Lock()
		if r.tree == nil {
			r.tree = tm
		}
		r.mu.Unlock()
	case noAnswer(err):
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
	}
	return err
}

// mixed returns the first answer from a tree other than the job's.
func (r *reach) mixed() *TreeMismatchError {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tree
}

func (r *reach) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// watchedFiles is a job's remoteFiles, with each failure noted in reach.
// Embedding keeps every other ability remoteFiles has.
type watchedFiles struct {
	*remoteFiles
	reach *reach
}

func (f watchedFiles) ReadFile(ctx context.Context, url string) ([]byte, error) {
	b, err := f.remoteFiles.ReadFile(ctx, url)
	return b, f.reach.note(err)
}

func (f watchedFiles) ListDir(ctx context.Context, url string) ([]string, error) {
	l, err := f.remoteFiles.ListDir(ctx, url)
	return l, f.reach.note(err)
}

func (f watchedFiles) Envs(ctx context.Context) ([]string, error) {
	l, err := f.remoteFiles.Envs(ctx)
	return l, f.reach.note(err)
}

func (f watchedFiles) ListSymlinks(ctx context.Context, env string) (map[string]string, error) {
	l, err := f.remoteFiles.ListSymlinks(ctx, env)
	return l, f.reach.note(err)
}

// opener is states.FileOpener: file.managed streams a large source from
// the cache file rather than reading it whole.
type opener interface {
	Open(ctx context.Context, url string) (io.ReadCloser, int64, error)
}

func (f watchedFiles) Open(ctx context.Context, url string) (io.ReadCloser, int64, error) {
	o, ok := any(f.remoteFiles).(opener)
	if !ok {
		return nil, 0, fmt.Errorf("open %s: %w", url, errors.ErrUnsupported)
	}
	rc, n, err := o.Open(ctx, url)
	return rc, n, f.reach.note(err)
}

// run runs a job and returns its return. The error, when there is one,
// says why the job failed where the return cannot: ErrMasterUnreachable
// when a request for its files or pillar got no answer. life bounds the
// heartbeats; ctx, the job's own, ends with a kill.
//
// The run's news goes out from one goroutine, so it never passes the
// return: the ack once the job has run ackAfter (none when it returns
// sooner; ackAfter < 0: acknowledged already), then a heartbeat each
// interval.
func (m *Minion) run(life, ctx context.Context, job *proto.Job, ackAfter time.Duration) (*proto.Return, error) {
	start := time.Now().UTC()
	var done atomic.Int64
	// The heartbeats are the run's own goroutine: it ends before run
	// returns.
	hbCtx, stopHB := context.WithCancel(ctx)
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		m.heartbeats(life, hbCtx, job, &done, ackAfter)
	}()
	defer func() {
		stopHB()
		<-hbDone
	}()

	log := m.log.With("jid", job.JID, "fun", job.Fun)
	if err := m.awaitStateTurn(ctx, job.JID); err != nil {
		log.Info("queued state run killed before its turn")
		return &proto.Return{JID: job.JID, ID: m.id, Fun: job.Fun, Args: job.Args, Start: start, End: time.Now().UTC(),
			Return: "killed while queued behind another state run", Retcode: 1}, nil
	}
	log.Info("job started")
	var rch reach
	host := m.newHost(&rch, log, job.Tree)
	// The run's states go out in batches; the last before run returns,
	// so that none follows the return.
	events := newStateBatch(m.id, job.JID, m.publish, func(err error) {
		log.Error("encode state events", "err", err)
	})
	defer events.close()
	host.OnState = func(r engine.StateResult) {
		done.Add(1)
		events.add(r.Key, wireState(r), r.FireEvent)
	}
	if mode, ok := stateRunMode(job); ok {
		host.OnCompiled = func(d time.Duration) { m.metrics.rendered(mode, d) }
	}
	ret := &proto.Return{JID: job.JID, ID: m.id, Fun: job.Fun, Args: job.Args, Start: start}
	unreachable := func() error {
		if err := rch.failed(); err != nil {
			return fmt.Errorf("job %s: %w: %w", job.JID, ErrMasterUnreachable, err)
		}
		return nil
	}
	if needsPillar(job.Fun) {
		asked := time.Now()
		p, overridden, err := m.fetchPillar(ctx, job.Kwargs)
		m.metrics.pillarFetched(time.Since(asked), err)
		if err != nil {
			_ = rch.note(err)
			ret.Return, ret.Retcode, ret.End = err.Error(), 1, time.Now().UTC()
			log.Info("job done", "retcode", 1, "err", err)
			m.jobMetrics(job, ret, nil, false)
			return ret, unreachable()
		}
		host.Pillar = p
		// The master merged the job's pillar= in, or left it to the run.
		host.PillarOverridden = overridden
		m.noteMinePillar(p)
	}
	r := exec.Call(ctx, host, job.Fun, job.Args, job.Kwargs)
	ret.End = time.Now().UTC()
	if ctx.Err() != nil {
		ret.Return, ret.Retcode = fmt.Sprintf("job %s killed", job.JID), 1
		log.Info("job killed")
		m.jobMetrics(job, ret, nil, true)
		return ret, nil
	}
	ret.Return, ret.Retcode, ret.Out = wireValue(r.Value), r.Retcode, r.Out
	ret.Success = r.Retcode == 0
	if tm := rch.mixed(); tm != nil {
		// Whatever the run made of it, the return says why: the run
		// was refused files from another tree.
		ret.Return, ret.Retcode, ret.Out, ret.Success = tm.Error(), 1, "", false
		log.Warn("job refused files from another state tree", "job_tree", tm.Job, "master_tree", tm.Master)
	}
	log.Info("job done", "retcode", r.Retcode, "took", ret.End.Sub(start))
	m.jobMetrics(job, ret, r.Value, false)
	if r.Retcode != 0 {
		return ret, unreachable()
	}
	return ret, nil
}

// jobMetrics records a job's end in the metrics, and writes them for
// node_exporter when minion.yaml asks.
func (m *Minion) jobMetrics(job *proto.Job, ret *proto.Return, value any, killed bool) {
	m.metrics.ran(job, ret, value, killed)
	m.writeTextfile()
}

// newHost is the host a function runs on here: the minion's grains, its
// master's files of the state tree tree ("": any; failures noted in rch,
// when given), its mine and its schedule.
func (m *Minion) newHost(rch *reach, log *slog.Logger, tree string) *exec.Host {
	if rch == nil {
		rch = &reach{}
	}
	host := &exec.Host{
		ID:         m.id,
		Grains:     m.currentGrains(),
		GrainsFile: m.grainsFile(),
		Agent:      agent{m},
		Files:      watchedFiles{remoteFiles: &remoteFiles{m: m, env: m.cfg.Saltenv, tree: tree}, reach: rch},
		Env:        m.cfg.Saltenv,
		Root:       m.cfg.Root,
		Log:        log,
		SendEvent: func(ctx context.Context, tag string, data []byte) error {
			b, err := proto.Marshal(&proto.MinionEvent{Tag: tag, Data: data})
			if err != nil {
				return err
			}
			return sendEventOn(ctx, m.nc, m.id, b)
		},
	}
	host.Opts = m.cfg.RunOpts()
	host.Mine = &minionMine{m: m, host: host}
	if m.sched != nil {
		host.Schedule = m.sched
	}
	return host
}

func needsPillar(fun string) bool {
	// cp.get_file and cp.get_dir render with template=jinja, whose
	// templates read pillar.
	return strings.HasPrefix(fun, "state.") || strings.HasPrefix(fun, "pillar.") ||
		fun == "cp.get_file" || fun == "cp.get_dir" || fun == "mine.update" || fun == "mine.valid"
}

// heartbeats acknowledges the job once it has run ackAfter (unless
// ackAfter < 0), then tells the master the job goes on each heartbeat
// interval, until the job ends (ctx) or the minion's life does.
func (m *Minion) heartbeats(life, ctx context.Context, job *proto.Job, done *atomic.Int64, ackAfter time.Duration) {
	wait := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-life.Done():
			return false
		case <-t.C:
			return true
		}
	}
	if ackAfter >= 0 {
		if ackAfter > 0 && !wait(ackAfter) {
			return
		}
		m.ack(job, false, origin{})
	}
	for wait(m.cfg.HeartbeatInterval.D()) {
		m.publishJSON(proto.SubjHB(m.id, job.JID), &proto.Heartbeat{JID: job.JID, ID: m.id, Time: time.Now().UTC(), Done: int(done.Load())})
	}
}

func (m *Minion) publishJSON(subj string, msg proto.Message) {
	b, err := proto.Marshal(msg)
	if err != nil {
		m.log.Error("encode", "subject", subj, "err", err)
		return
	}
	m.publish(subj, b)
}

func (m *Minion) publish(subj string, b []byte) {
	if err := m.nc.Publish(subj, b); err != nil {
		m.log.Warn("publish", "subject", subj, "err", err)
	}
}

// sendReturn sends the return to the master until the master says the
// job cache holds it: a master that restarts mid-job loses no return. A
// return larger than one message goes in parts, each acknowledged; the
// message ids make repeats land once. A return the master refuses for
// good (too large, a job it did not send here), or that finds no master
// for an hour, is logged and dropped. It gives up early, with an error,
// only when the minion stops waiting for its jobs (life ends).
func (m *Minion) sendReturn(life context.Context, ret *proto.Return) error {
	b, err := proto.Marshal(ret)
	if err != nil {
		b, _ = proto.Marshal(&proto.Return{JID: ret.JID, ID: m.id, Fun: ret.Fun, Return: "return not encodable: " + err.Error(), Retcode: 1})
	}
	parts := proto.SplitParts(b, proto.PartSize)
	wait := 250 * time.Millisecond
	deadline := time.Now().Add(time.Hour)
	for i := 0; i < len(parts); {
		msg := nats.NewMsg(proto.SubjReturn(m.id, ret.JID))
		msg.Data = parts[i]
		if len(parts) > 1 {
			msg.Header.Set(proto.PartHeader, proto.PartLabel(i, len(parts)))
		}
		err := m.storeReturn(life, msg)
		var refused *returnRefused
		switch {
		case err == nil:
			i++
			wait = 250 * time.Millisecond
			continue
		case errors.As(err, &refused):
			m.log.Error("return refused by the master", "jid", ret.JID, "bytes", len(b), "err", err)
			return nil
		case life.Err() != nil || m.nc.IsClosed():
			return fmt.Errorf("return of job %s: the minion stopped before the master stored it: %w", ret.JID, err)
		case time.Now().After(deadline):
			m.log.Error("return lost", "jid", ret.JID, "err", err)
			return nil
		}
		m.log.Info("return not stored yet, retrying", "jid", ret.JID, "part", i, "of", len(parts), "err", err)
		select {
		case <-time.After(wait):
		case <-life.Done():
		}
		wait = min(wait*2, m.cfg.RetryMax.D())
	}
	return nil
}

// returnRefused is the master saying it will never keep a return.
type returnRefused struct{ why string }

func (e *returnRefused) Error() string { return e.why }

// storeReturn sends one return message and reads the master's answer.
func (m *Minion) storeReturn(life context.Context, msg *nats.Msg) error {
	ctx, cancel := context.WithTimeout(life, 5*time.Second)
	defer cancel()
	data, err := m.request(ctx, msg)
	if err != nil {
		return err
	}
	var st proto.Stored
	if err := proto.Unmarshal(data, &st); err != nil {
		return err
	}
	if st.Refused {
		return &returnRefused{why: st.Error}
	}
	return st.Err()
}

// wireState turns an engine result into Salt's shape (exec.WireState:
// brine ssh sends the same).
func wireState(r engine.StateResult) proto.StateResult { return exec.WireState(r) }

// wireValue turns a function's value into what travels (exec.WireValue).
func wireValue(v any) any { return exec.WireValue(v) }

// startupStates applies the configured states once after connecting.
// The master may still be unreachable for files; exec fails then, and we
// try again with backoff, so a boot that races the master still ends in
// one good run. ctx ends the retries (the minion is stopping); a run
// going on lives in life, as every job does.
func (m *Minion) startupStates(ctx, life context.Context) {
	fun, args := "state.highstate", []any{}
	if m.cfg.StartupStates == "sls" {
		fun = "state.sls"
		for _, s := range m.cfg.SLSList {
			args = append(args, s)
		}
	}
	wait := time.Second
	for {
		now := time.Now().UTC()
		job := &proto.Job{JID: m.jids.Next(now), Fun: fun, Args: args, Minions: []string{m.id}, IssuedAt: now}
		m.log.Info("startup states", "fun", fun, "jid", job.JID)
		err := m.runStartup(life, job)
		if !errors.Is(err, ErrMasterUnreachable) || ctx.Err() != nil {
			return
		}
		m.log.Warn("startup states: master unreachable, retrying", "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, m.cfg.RetryMax.D())
	}
}

// runStartup runs one try of the startup states, in the goroutine of
// startupStates (which jobsG owns). A try that found no master sends no
// return: the next try will. It returns the run's error.
func (m *Minion) runStartup(life context.Context, job *proto.Job) error {
	ctx, cancel, busy := m.admit(life, job)
	if busy != "" {
		m.log.Info("startup states skipped: a state run is going on", "running", busy)
		return nil
	}
	defer cancel()
	m.journalStart(job, origin{startup: true})
	m.ack(job, false, origin{startup: true})
	ret, err := m.run(life, ctx, job, -1)
	ret.Startup = true
	if m.release(job.JID) {
		defer m.trim.Quiet()
	}
	if errors.Is(err, ErrMasterUnreachable) {
		m.journalDone(job.JID)
		return err
	}
	m.finish(life, ret)
	return err
}
