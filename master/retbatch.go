package master

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/brine-cm/brine/pkg/proto"
)

// Returns of one job that come together go into the job cache together,
// as one ReturnBatch: one write and one ack for many returns, where the
// write of each return alone was a quarter to a third of the master's
// CPU in a test.ping to 10,000 (PERFORMANCE.md). A batch takes up to
// batchReturns returns or batchBytes bytes, and is written batchWait
// after its first return at the latest; each of its minions hears Stored
// once the store acknowledges the batch (retwrite.go), as before. A
// return larger than batchOne, in parts, or of a dry run (brine drift
// reads those one by one) is written alone.
const (
	batchReturns = 128
	batchBytes   = 256 << 10
	batchOne     = 16 << 10
	batchWait    = 2 * time.Millisecond
)

// retBatches are the batches being filled, one a job.
type retBatches struct {
	mu sync.Mutex
	m  map[string]*retBatch
	// wait is how long a batch waits for more returns: batchWait, or
	// longer in tests.
	wait time.Duration
}

type retBatch struct {
	jid   string
	rets  []json.RawMessage
	dones []func(error)
	bytes int
	timer *time.Timer
}

// batched says whether a checked return goes into its job's batch.
func (m *Master) batched(jid string, whole []byte, parts int) bool {
	if parts != 1 || len(whole) > batchOne {
		return false
	}
	dry, _ := m.jobs.entry(jid)
	return !dry
}

// batchReturn adds a checked return (whole, as its minion sent it) to
// its job's batch; done is called once the batch is written, or with
// the error that kept it out.
func (m *Master) batchReturn(jid string, whole []byte, done func(error)) {
	bs := &m.batches
	bs.mu.Lock()
	if bs.m == nil {
		bs.m = map[string]*retBatch{}
	}
	b := bs.m[jid]
	if b == nil {
		b = &retBatch{jid: jid}
		bs.m[jid] = b
		wait := bs.wait
		if wait <= 0 {
			wait = batchWait
		}
		b.timer = time.AfterFunc(wait, func() { m.writeBatch(b) })
	}
	b.rets = append(b.rets, whole)
	b.dones = append(b.dones, done)
	b.bytes += len(whole)
	full := len(b.rets) >= batchReturns || b.bytes >= batchBytes
	bs.mu.Unlock()
	if full {
		m.writeBatch(b)
	}
}

// writeBatch writes a batch once, when it is full or its wait is over,
// whichever comes first.
func (m *Master) writeBatch(b *retBatch) {
	bs := &m.batches
	bs.mu.Lock()
	if bs.m[b.jid] != b {
		bs.mu.Unlock()
		return // written already
	}
	delete(bs.m, b.jid)
	bs.mu.Unlock()
	b.timer.Stop()
	settle := func(err error) {
		for _, done := range b.dones {
			done(err)
		}
	}
	data, err := proto.Marshal(&proto.ReturnBatch{Returns: b.rets})
	if err != nil {
		settle(err)
		return
	}
	name := nuid.Next()
	msg := &nats.Msg{Subject: proto.CacheReturnBatch(b.jid, name), Data: data, Header: nats.Header{
		jetstream.MsgIDHeader: []string{"rets-" + name},
		proto.BatchHeader:     []string{strconv.Itoa(len(b.rets))},
	}}
	m.writeReturn(b.jid, []*nats.Msg{msg}, settle)
}

// writeBatches writes every batch still filling (the master stops).
func (m *Master) writeBatches() {
	bs := &m.batches
	bs.mu.Lock()
	var all []*retBatch
	for _, b := range bs.m {
		all = append(all, b)
	}
	bs.mu.Unlock()
	for _, b := range all {
		m.writeBatch(b)
	}
}
