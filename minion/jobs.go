package minion

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sls/jinja"
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

func (m *Minion) pinnedJobKey() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pins.JobKey
}

func (m *Minion) onJob(msg *nats.Msg) {
	job, err := proto.VerifyJob(msg.Data, m.pinnedJobKey(), time.Now(), m.seen)
	if err != nil {
		m.log.Warn("job refused", "err", err)
		return
	}
	if !job.For(m.id) {
		return
	}
	m.saveNonces()
	m.start(job, false)
}

func (m *Minion) onKill(msg *nats.Msg) {
	k, err := proto.VerifyKill(msg.Data, m.pinnedJobKey(), time.Now(), m.seen)
	if err != nil {
		m.log.Warn("kill refused", "err", err)
		return
	}
	if k.Minion != m.id {
		return
	}
	m.mu.Lock()
	r, ok := m.jobs[k.JID]
	m.mu.Unlock()
	if !ok {
		m.log.Info("kill for a job not running here", "jid", k.JID)
		return
	}
	m.log.Info("killing job", "jid", k.JID, "fun", r.fun)
	r.cancel()
}

// start acknowledges a job at once and runs it, unless it is a state run
// while another one goes on: then it returns "busy" at once.
func (m *Minion) start(job *proto.Job, startup bool) {
	m.mu.Lock()
	busy := ""
	if isStateRun(job.Fun) {
		if m.state != "" {
			busy = m.state
		} else {
			m.state = job.JID
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	if busy == "" {
		m.jobs[job.JID] = &running{fun: job.Fun, cancel: cancel}
		m.trim.Busy()
	}
	m.mu.Unlock()

	if busy == "" {
		m.journalStart(job, startup)
	}
	m.publishJSON(proto.SubjAck(m.id, job.JID), &proto.Ack{JID: job.JID, ID: m.id, Time: time.Now().UTC(), Busy: busy != "",
		Heartbeat: proto.Duration(m.cfg.HeartbeatInterval.D())})
	if busy != "" {
		cancel()
		now := time.Now().UTC()
		ret := &proto.Return{JID: job.JID, ID: m.id, Fun: job.Fun, Args: job.Args,
			Return: fmt.Sprintf("busy, job %s running", busy), Retcode: 1, Start: now, End: now, Startup: startup}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.sendReturn(ret)
		}()
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer cancel()
		ret := m.run(ctx, job)
		ret.Startup = startup
		m.mu.Lock()
		delete(m.jobs, job.JID)
		if m.state == job.JID {
			m.state = ""
		}
		idle := len(m.jobs) == 0
		m.mu.Unlock()
		m.sendReturn(ret)
		m.journalDone(job.JID)
		if idle {
			m.trim.Quiet()
		}
	}()
}

func (m *Minion) run(ctx context.Context, job *proto.Job) *proto.Return {
	start := time.Now().UTC()
	var done atomic.Int64
	hbCtx, stopHB := context.WithCancel(ctx)
	defer stopHB()
	go m.heartbeats(hbCtx, job.JID, &done)

	log := m.log.With("jid", job.JID, "fun", job.Fun)
	log.Info("job started")
	host := &exec.Host{
		ID:     m.id,
		Grains: m.currentGrains(),
		Files:  &remoteFiles{m: m, env: m.cfg.Saltenv},
		Env:    m.cfg.Saltenv,
		Root:   m.cfg.Root,
		Log:    log,
		OnState: func(r engine.StateResult) {
			done.Add(1)
			m.publishJSON(proto.SubjEvent(m.id, job.JID), &proto.StateEvent{JID: job.JID, ID: m.id, Key: r.Key, State: wireState(r)})
		},
	}
	ret := &proto.Return{JID: job.JID, ID: m.id, Fun: job.Fun, Args: job.Args, Start: start}
	if needsPillar(job.Fun) {
		host.Order = jinja.NewKeyOrder()
		p, err := m.fetchPillar(ctx, host.Order)
		if err != nil {
			ret.Return, ret.Retcode, ret.End = err.Error(), 1, time.Now().UTC()
			return ret
		}
		host.Pillar = p
	}
	r := exec.Call(ctx, host, job.Fun, job.Args, job.Kwargs)
	ret.End = time.Now().UTC()
	if ctx.Err() != nil {
		ret.Return, ret.Retcode = fmt.Sprintf("job %s killed", job.JID), 1
		log.Info("job killed")
		return ret
	}
	ret.Return, ret.Retcode, ret.Out = wireValue(r.Value), r.Retcode, r.Out
	ret.Success = r.Retcode == 0
	log.Info("job done", "retcode", r.Retcode, "took", ret.End.Sub(start))
	return ret
}

func needsPillar(fun string) bool {
	return strings.HasPrefix(fun, "state.") || strings.HasPrefix(fun, "pillar.")
}

func (m *Minion) heartbeats(ctx context.Context, jid string, done *atomic.Int64) {
	t := time.NewTicker(m.cfg.HeartbeatInterval.D())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.publishJSON(proto.SubjHB(m.id, jid), &proto.Heartbeat{JID: jid, ID: m.id, Time: time.Now().UTC(), Done: int(done.Load())})
		}
	}
}

func (m *Minion) publishJSON(subj string, msg proto.Message) {
	b, err := proto.Marshal(msg)
	if err != nil {
		m.log.Error("encode", "subject", subj, "err", err)
		return
	}
	if err := m.nc.Publish(subj, b); err != nil {
		m.log.Warn("publish", "subject", subj, "err", err)
	}
}

// sendReturn sends the return to the master until the master says the
// job cache holds it: a master that restarts mid-job loses no return. A
// return larger than one message goes in parts, each acknowledged; the
// message ids make repeats land once. A return the master refuses for
// good (too large, a job it did not send here) is logged and dropped.
func (m *Minion) sendReturn(ret *proto.Return) {
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
		err := m.storeReturn(msg)
		var refused *returnRefused
		switch {
		case err == nil:
			i++
			wait = 250 * time.Millisecond
			continue
		case errors.As(err, &refused):
			m.log.Error("return refused by the master", "jid", ret.JID, "bytes", len(b), "err", err)
			return
		}
		if time.Now().After(deadline) || m.nc.IsClosed() {
			m.log.Error("return lost", "jid", ret.JID, "err", err)
			return
		}
		m.log.Info("return not stored yet, retrying", "jid", ret.JID, "part", i, "of", len(parts), "err", err)
		select {
		case <-time.After(wait):
		case <-m.quit:
			// Shutting down: one last short try, not an hour.
			if deadline.After(time.Now().Add(5 * time.Second)) {
				deadline = time.Now().Add(5 * time.Second)
			}
			time.Sleep(min(wait, 500*time.Millisecond))
		}
		wait = min(wait*2, m.cfg.RetryMax.D())
	}
}

// returnRefused is the master saying it will never keep a return.
type returnRefused struct{ why string }

func (e *returnRefused) Error() string { return e.why }

// storeReturn sends one return message and reads the master's answer.
func (m *Minion) storeReturn(msg *nats.Msg) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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

// wireState turns an engine result into Salt's shape.
func wireState(r engine.StateResult) proto.StateResult {
	var res *bool
	switch r.Result.Result.String() {
	case "True":
		t := true
		res = &t
	case "False":
		f := false
		res = &f
	}
	ch := r.Changes
	if ch == nil {
		ch = map[string]any{}
	}
	return proto.StateResult{Key: r.Key, ID: r.ID, Name: r.Name, Func: r.Func, SLS: r.SLS, RunNum: r.RunNum,
		Result: res, Comment: r.Comment, Warnings: r.Warnings, Changes: ch, Start: r.Start.Format("15:04:05.000000"),
		Duration: float64(r.Duration.Microseconds()) / 1000}
}

// wireValue turns a function's value into what travels: state results
// become Salt's map keyed by state key.
func wireValue(v any) any {
	switch x := v.(type) {
	case []engine.StateResult:
		out := make(map[string]proto.StateResult, len(x))
		for _, r := range x {
			out[r.Key] = wireState(r)
		}
		return out
	case error:
		return x.Error()
	}
	return v
}

// startupStates applies the configured states once after connecting.
// The master may still be unreachable for files; exec fails then, and we
// try again with backoff, so a boot that races the master still ends in
// one good run.
func (m *Minion) startupStates(ctx context.Context) {
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
		job := &proto.Job{JID: proto.NewJID(now), Fun: fun, Args: args, Minions: []string{m.id}, IssuedAt: now}
		m.log.Info("startup states", "fun", fun, "jid", job.JID)
		ret := m.runStartup(ctx, job)
		if ret == nil || ctx.Err() != nil {
			return
		}
		if !unreachable(ret) {
			return
		}
		m.log.Warn("startup states: master unreachable, retrying", "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, m.cfg.RetryMax.D())
	}
}

func (m *Minion) runStartup(ctx context.Context, job *proto.Job) *proto.Return {
	m.mu.Lock()
	if m.state != "" {
		m.mu.Unlock()
		return nil
	}
	m.state = job.JID
	jctx, cancel := context.WithCancel(ctx)
	m.jobs[job.JID] = &running{fun: job.Fun, cancel: cancel}
	m.mu.Unlock()
	m.journalStart(job, true)
	m.publishJSON(proto.SubjAck(m.id, job.JID), &proto.Ack{JID: job.JID, ID: m.id, Time: time.Now().UTC(),
		Startup: true, Fun: job.Fun, Args: job.Args, Heartbeat: proto.Duration(m.cfg.HeartbeatInterval.D())})
	ret := m.run(jctx, job)
	cancel()
	ret.Startup = true
	m.mu.Lock()
	delete(m.jobs, job.JID)
	m.state = ""
	m.mu.Unlock()
	if !unreachable(ret) {
		m.sendReturn(ret)
	}
	m.journalDone(job.JID)
	return ret
}

// unreachable reports whether a run failed because the master could not
// be reached (files or pillar timed out).
func unreachable(ret *proto.Return) bool {
	s, ok := ret.Return.(string)
	return ok && ret.Retcode != 0 && (strings.Contains(s, nats.ErrTimeout.Error()) || strings.Contains(s, nats.ErrNoResponders.Error()) || strings.Contains(s, "connection closed"))
}
