package master

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/events"
	"github.com/brine-cm/brine/pkg/proto"
)

// The event bus. A master publishes each event it makes (jobs, keys,
// minion starts, and the events minions send, checked) on proto.SubjBus
// for the operator and, redacted, on proto.SubjBusRO for the read-only
// operator; minions may read neither. A master whose Hub has readers
// subscribes to SubjBus and feeds it, so each hub sees the events of
// every master of a cluster, once; a master whose hub has none does
// not, so that the masters of a cluster do not read each other's
// events (a return a minion, in a fleet-wide job) for nobody.

// Events is the master's event hub: every event of the bus, of this
// master and of the others of its cluster, from Start to Shutdown.
//
// A reader calls Events().Subscribe(ctx, filter), where filter picks
// tags (nil: all), and ranges over the channel it gets; the channel
// closes when ctx is done or the master shuts down. Each subscriber has
// a buffer of events.Buffer; one that falls behind loses events (counted
// by Events().Dropped()) and never holds up the master. The events are
// the operator's (full returns): a reader serving a read-only user
// passes each through RedactEvent first, unless readonly_returns.
func (m *Master) Events() *events.Hub { return m.hub }

// emit publishes one event of the master's on the bus.
func (m *Master) emit(tag string, data any) {
	if full, ro := m.busReaders(); !full && !ro {
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		m.log.Warn("event", "tag", tag, "err", err)
		return
	}
	e := proto.Event{Tag: tag, Data: b, Stamp: time.Now().UTC()}
	m.publishEvent(e)
}

// publishEvent publishes an event on the full bus and, redacted, on the
// read-only one, each only when someone reads it (busReaders): a return
// of a fleet-wide job is an event a minion, and when nobody listens the
// master would encode, redact and publish them for nobody, and read its
// own back.
func (m *Master) publishEvent(e proto.Event) {
	full, ro := m.busReaders()
	if !full && !ro {
		return
	}
	b, err := json.Marshal(e)
	if err != nil {
		return
	}
	if full {
		if err := m.nc.Publish(proto.SubjBus, b); err != nil {
			m.refused.note("bus", e.Tag, err.Error())
			return
		}
	}
	if !ro {
		return
	}
	if !m.cfg.ReadOnlyReturns {
		if r, changed := RedactEvent(e); changed {
			b, _ = json.Marshal(r)
		}
	}
	_ = m.nc.Publish(proto.SubjBusRO, b)
}

// busReaders tells who reads the bus now. full: any subscriber of
// proto.SubjBus (the operator's `brine event listen`, a reactor, a
// master of the cluster whose hub has readers, this one's among them,
// a leaf's client); ro: any subscriber of proto.SubjBusRO. The embedded
// server knows its subscriptions, and those of its routes and leaves;
// on an external server the master cannot tell, and publishes both.
func (m *Master) busReaders() (full, ro bool) {
	if m.srv == nil {
		return true, true
	}
	acc := m.srv.GlobalAccount()
	return acc.Interest(proto.SubjBus) > 0, acc.Interest(proto.SubjBusRO) > 0
}

// watchBus subscribes to the bus while the hub has readers, and drops
// the subscription once it has none (the hub calls it as its readers
// come and go). A reader's Subscribe returns once the subscription is
// in the server's hands, so that it gets every event from then on.
func (m *Master) watchBus() {
	m.busMu.Lock()
	defer m.busMu.Unlock()
	want := m.hub.Subscribers() > 0
	switch {
	case want && m.busSub == nil && m.nc != nil:
		sub, err := m.nc.Subscribe(proto.SubjBus, m.onBus)
		if err == nil {
			err = sub.SetPendingLimits(subPendingMsgs, subPendingBytes)
		}
		if err == nil {
			err = m.nc.Flush()
		}
		if err != nil {
			m.log.Warn("event bus: subscribe for the hub's readers", "err", err)
			if sub != nil {
				_ = sub.Unsubscribe()
			}
			return
		}
		m.busSub = sub
	case !want && m.busSub != nil:
		_ = m.busSub.Unsubscribe()
		m.busSub = nil
	}
}

// RedactEvent keeps of an event what the read-only operator may see (as
// its job lookups): of a job's return how it ended, not what it holds;
// of a state's progress its id, name and result, not its changes and
// comment. changed says whether anything was left out.
func RedactEvent(e proto.Event) (proto.Event, bool) {
	var keep []string
	switch {
	case proto.IsRetTag(e.Tag):
		keep = []string{"cmd", "id", "jid", "fun", "retcode", "success"}
	case proto.IsProgTag(e.Tag) || proto.IsStateResultTag(e.Tag):
		var d proto.JobProgData
		if json.Unmarshal(e.Data, &d) != nil {
			e.Data = json.RawMessage(`{}`)
			return e, true
		}
		if r, ok := d.Data["ret"].(map[string]any); ok {
			short := map[string]any{}
			for _, k := range []string{"__id__", "__run_num__", "__sls__", "name", "result", "start_time", "duration"} {
				if v, ok := r[k]; ok {
					short[k] = v
				}
			}
			d.Data = map[string]any{"ret": short}
		} else {
			d.Data = nil
		}
		e.Data, _ = json.Marshal(d)
		return e, true
	default:
		return e, false
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(e.Data, &all) != nil {
		e.Data = json.RawMessage(`{}`)
		return e, true
	}
	out := map[string]json.RawMessage{}
	for _, k := range keep {
		if v, ok := all[k]; ok {
			out[k] = v
		}
	}
	e.Data, _ = json.Marshal(out)
	return e, true
}

// onBus feeds the hub from the bus.
func (m *Master) onBus(msg *nats.Msg) {
	var e proto.Event
	if err := json.Unmarshal(msg.Data, &e); err != nil || e.Tag == "" {
		m.refused.note("bus", "bus", "not an event")
		return
	}
	m.hub.Publish(e)
}

// onMinionEvent checks an event a minion sends (its own: the server
// lets it publish only on its own subject) and publishes it on the bus
// under its namespace, with its authenticated id.
func (m *Master) onMinionEvent(msg *nats.Msg) {
	id := proto.MinionOf(msg.Subject)
	if proto.ValidID(id) != nil {
		return
	}
	if !m.rates.allow(id, limSend) {
		m.refused.note("event_send", id, "rate limit (limits.minion_events_per_sec)")
		m.answerSent(msg, id, fmt.Errorf("rate limit: the master takes %g events a second from one minion", m.cfg.Limits.MinionEvents))
		return
	}
	if len(msg.Data) > proto.MaxMinionEventBytes {
		m.refused.note("event_send", id, fmt.Sprintf("%d bytes, more than %d", len(msg.Data), proto.MaxMinionEventBytes))
		m.answerSent(msg, id, fmt.Errorf("event of %d bytes: the master takes %d at most", len(msg.Data), proto.MaxMinionEventBytes))
		return
	}
	var me proto.MinionEvent
	err := proto.Unmarshal(msg.Data, &me)
	if err == nil {
		err = proto.ValidEventTag(me.Tag)
	}
	if err == nil && len(me.Data) > 0 && !json.Valid(me.Data) {
		err = fmt.Errorf("event data is not JSON")
	}
	if err != nil {
		m.refused.note("event_send", id, err.Error())
		m.answerSent(msg, id, err)
		return
	}
	data := me.Data
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	tag := proto.MinionTag(id, me.Tag)
	m.emit(tag, proto.MinionEventData{Cmd: "_minion_event", ID: id, Tag: tag, Data: data})
	m.answerSent(msg, id, nil)
}

func (m *Master) answerSent(msg *nats.Msg, id string, err error) {
	if msg.Reply == "" {
		return
	}
	var r proto.Reply
	if err != nil {
		r.Error = err.Error()
	}
	b, _ := proto.Marshal(&r)
	m.answer(msg, proto.InboxPrefix(id), b)
}

// Events of jobs, keys and minions, in Salt's shapes.

func (m *Master) emitJobNew(job *proto.Job, notConn []string) {
	m.emit(proto.TagJobNew(job.JID), proto.JobNewData{JID: job.JID, Target: job.Target, TgtType: job.TargetType,
		Fun: job.Fun, Args: saltArgs(job.Args, job.Kwargs), Minions: job.Minions, Missing: nonNil(notConn), User: job.User})
}

func (m *Master) emitJobRet(whole []byte) {
	if full, ro := m.busReaders(); !full && !ro {
		return // nobody reads the bus: the event is not built
	}
	var r proto.Return
	if err := proto.Unmarshal(whole, &r); err != nil {
		return // checked as a head before it was kept: not reached
	}
	m.emit(proto.TagJobRet(r.JID, r.ID), proto.JobRetData{Cmd: "_return", ID: r.ID, JID: r.JID, Fun: r.Fun,
		FunArgs: nonNilArgs(r.Args), Return: r.Return, Retcode: r.Retcode, Success: r.Success, Out: r.Out})
}

func (m *Master) emitProg(jid, id string, st *proto.StateResult) {
	m.emit(proto.TagJobProg(jid, id, st.RunNum), proto.JobProgData{Cmd: "_minion_event", ID: id, JID: jid,
		Data: map[string]any{"ret": st}})
}

// emitStateResult is a state with Salt's fire_event: published under
// salt/state_result/<jid>/<id>/<what> instead of its prog event, as
// Salt's State.event. what is the minion's (the state's name, or its
// fire_event text): a tag too long or not printable, or one that would
// climb out of the minion's part of the namespace, is published as the
// prog event it stands for, and noted.
func (m *Master) emitStateResult(jid, id, what string, st *proto.StateResult) {
	tag := proto.TagStateResult(jid, id, what)
	if len(tag) > maxStateResultTag || !printableTag(what) {
		m.refused.note("event", id, "a fire_event tag too long or not printable; sent as its prog event")
		m.emitProg(jid, id, st)
		return
	}
	m.emit(tag, proto.JobProgData{Cmd: "_minion_event", ID: id, JID: jid, Data: map[string]any{"ret": st}})
}

// maxStateResultTag bounds a fire_event tag, as a minion's own events'.
const maxStateResultTag = 512

// printableTag: no control characters, and no "..": a name may hold
// spaces and slashes, as Salt's tag does, but is only ever a suffix.
func printableTag(s string) bool {
	if s == "" || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

func (m *Master) emitKey(id, act, pub string) {
	m.emit(proto.TagKey, proto.KeyEventData{ID: id, Act: act, Result: true, Pub: pub})
}

func (m *Master) emitAuth(id, act, pub string, result bool) {
	m.emit(proto.TagAuth, proto.KeyEventData{ID: id, Act: act, Result: result, Pub: pub})
}

func (m *Master) emitStart(id string) {
	msg := "Minion " + id + " started at " + time.Now().Format("Mon Jan _2 15:04:05 2006")
	m.emit(proto.TagMinionStart(id), proto.MinionStartData{Cmd: "_minion_event", ID: id, Data: msg})
	m.emit(proto.TagMinionStartOld, proto.MinionStartData{Cmd: "_minion_event", ID: id, Data: msg})
}

// saltArgs is a job's arguments as Salt's events list them: the
// keyword arguments last, as one dict marked __kwarg__.
func saltArgs(args []any, kw map[string]any) []any {
	out := append([]any{}, args...)
	if len(kw) > 0 {
		d := map[string]any{"__kwarg__": true}
		for k, v := range kw {
			d[k] = v
		}
		out = append(out, d)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilArgs(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}

// startWait is how long a hello waits for the minion's presence to fire
// its start event.
const startWait = 5 * time.Minute

// pruneStarts forgets hellos whose presence never came.
func (m *Master) pruneStarts(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, t := range m.startPending {
		if now.Sub(t) > startWait {
			delete(m.startPending, id)
		}
	}
}
