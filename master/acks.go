package master

import (
	"context"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// An ack waits a little before the job cache gets it: a return within
// ackDelay says all the ack would (the minion got the job, ran it), and
// the ack is never written. A quick job (test.ping, grains.items) then
// costs the cache one write a minion instead of two, and one subject a
// minion in the cache's index instead of two; at 10,000 minions the
// acks' writes, their acknowledgements from the store and their
// deliveries were a sixth of the master's CPU for a test.ping. An ack
// whose return does not come in time is written then, so `brine jobs
// lookup` still tells a minion that got the job from one that did not
// (meanwhile it lists the minion as running: the master heard of it).
// What a stop of the master finds held is written before it stops; a
// master killed loses at most ackDelay of acks, never a return.
const ackDelay = 2 * time.Second

// maxHeldAcks bounds the acks held; past it an ack is written at once.
const maxHeldAcks = 1 << 17

// heldAck is an ack that waits for its minion's return.
type heldAck struct {
	id, jid string
	data    []byte
	mj      *minionJob
	at      time.Time
}

// hold keeps an ack until it is due, and reports whether it did (the
// hold is full: the caller writes it at once).
func (t *jobTable) hold(a heldAck) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.held) >= maxHeldAcks {
		return false
	}
	t.held = append(t.held, a)
	return true
}

// due takes the acks held since ackDelay before now (every one, with
// all) and returns those whose minion has not returned: the ones the
// cache still needs. Acks are held in the order they came.
func (t *jobTable) due(now time.Time, all bool) []heldAck {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for n < len(t.held) && (all || now.Sub(t.held[n].at) >= ackDelay) {
		n++
	}
	if n == 0 {
		return nil
	}
	var out []heldAck
	for _, a := range t.held[:n] {
		if !a.mj.returned {
			out = append(out, a)
		}
	}
	t.held = append([]heldAck(nil), t.held[n:]...)
	return out
}

// keepAck writes a minion's ack of a job to the cache once it is due,
// unless its return comes first. A startup run's ack is written at once:
// it is what tells the cache of the run.
func (m *Master) keepAck(id, jid string, data []byte, mj *minionJob, startup bool) {
	if startup || !m.jobs.hold(heldAck{id: id, jid: jid, data: data, mj: mj, at: time.Now()}) {
		m.storeAck(heldAck{id: id, jid: jid, data: data, mj: mj})
	}
}

func (m *Master) storeAck(a heldAck) {
	m.store(a.id, proto.CacheAck(a.id, a.jid), a.data, a.mj, "ack-"+a.id+"-"+a.jid)
}

// flushAcks writes the acks that are due, until the run ends; then it
// writes every ack still held whose return has not come.
func (m *Master) flushAcks(ctx context.Context) {
	t := time.NewTicker(ackDelay / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, a := range m.jobs.due(time.Now(), true) {
				m.storeAck(a)
			}
			return
		case now := <-t.C:
			for _, a := range m.jobs.due(now, false) {
				m.storeAck(a)
			}
		}
	}
}
