package master

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Returns go into the job cache without a worker waiting for each
// write's acknowledgement. A worker checks the return and publishes its
// parts (jetstream's asynchronous publish, at most asyncPending writes
// awaiting their ack, past which a publish waits a moment and then
// fails); the stream's acks come back on one subscription, and once
// every part of a return is acknowledged the minion hears Stored. A
// write that is not acknowledged (no answer in cacheTry, the connection
// lost, a refusal) is written again the way other cache writes are
// (publishCache, which tries again while the store does not answer), on
// a worker; the minion hears Stored only after that, and otherwise sends
// the return again. So no return is acknowledged to its minion before
// the store holds every part of it, and a worker holds a return for the
// time it takes to check it, not for the store's round trip.

// asyncPending bounds the job cache writes awaiting their ack.
const asyncPending = 4096

// retWrites tracks the parts of returns whose acks have not come.
type retWrites struct {
	mu sync.Mutex
	m  map[*nats.Msg]*retWrite
}

// retWrite is one return's write: left parts await their ack; done is
// called once, with the first error if any part failed.
type retWrite struct {
	left int
	err  error
	done func(error)
}

// jetstreamOpts are the options of the master's JetStream context: the
// bound on pending writes, an ack timeout so that no write waits
// forever (a lost ack would hold its place in the bound), and the
// handlers that settle returns' writes.
func (m *Master) jetstreamOpts() []jetstream.JetStreamOpt {
	return []jetstream.JetStreamOpt{
		jetstream.WithPublishAsyncMaxPending(asyncPending),
		jetstream.WithPublishAsyncTimeout(cacheTry),
		jetstream.WithPublishAsyncAckHandler(func(_ jetstream.JetStream, msg *nats.Msg, _ *jetstream.PubAck) {
			m.retWrites.settle(msg, nil)
		}),
		jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, msg *nats.Msg, err error) {
			m.retWrites.settle(msg, err)
		}),
	}
}

// settle counts one part's ack (err nil) or failure, and calls the
// return's done when it was the last part. A message that is not a
// return's part (an event, a presence) is none of its business.
func (r *retWrites) settle(msg *nats.Msg, err error) {
	r.mu.Lock()
	w := r.m[msg]
	if w == nil {
		r.mu.Unlock()
		return
	}
	delete(r.m, msg)
	fire := w.count(1, err)
	r.mu.Unlock()
	if fire {
		w.done(w.err)
	}
}

// count settles n parts under r.mu; it reports whether none is left.
func (w *retWrite) count(n int, err error) bool {
	if err != nil && w.err == nil {
		w.err = err
	}
	w.left -= n
	return w.left == 0
}

// writeReturn publishes a return's parts (each with its Nats-Msg-Id
// header set) to the job cache and calls done once every part is in
// it, or with an error when some part could not be written even the
// slow way. It does not wait for the store.
func (m *Master) writeReturn(id string, parts []*nats.Msg, done func(error)) {
	w := &retWrite{left: len(parts)}
	w.done = func(err error) {
		if err == nil {
			done(nil)
			return
		}
		m.log.Debug("job cache: a return's write was not acknowledged; writing it again", "id", id, "err", err)
		if !m.work.try(id, func() {
			ctx, cancel := context.WithTimeout(m.runCtx, requestTimeout)
			defer cancel()
			for _, p := range parts {
				if _, err := m.publishCache(ctx, p); err != nil {
					done(err)
					return
				}
			}
			done(nil)
		}) {
			done(fmt.Errorf("%w; the master is busy", err))
		}
	}
	m.retWrites.mu.Lock()
	if m.retWrites.m == nil {
		m.retWrites.m = map[*nats.Msg]*retWrite{}
	}
	for _, p := range parts {
		m.retWrites.m[p] = w
	}
	m.retWrites.mu.Unlock()
	for i, p := range parts {
		_, err := m.js.PublishMsgAsync(p, jetstream.WithStallWait(200*time.Millisecond))
		if err == nil {
			continue
		}
		// This part and the ones after it are not written: settle
		// them all as failed.
		m.retWrites.mu.Lock()
		for _, q := range parts[i:] {
			delete(m.retWrites.m, q)
		}
		fire := w.count(len(parts)-i, err)
		m.retWrites.mu.Unlock()
		if fire {
			w.done(w.err)
		}
		return
	}
}
