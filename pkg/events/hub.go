// Package events holds the master's event hub: the in-process fan-out of
// the event bus (proto.Event) to its readers, the HTTP API's server-sent
// events among them.
package events

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/brine-cm/brine/pkg/proto"
)

// Buffer is how many events a subscriber may fall behind by before it
// loses events.
const Buffer = 1024

// Hub fans events out to subscribers. Publish never blocks: a subscriber
// whose buffer is full loses the event, and Dropped counts it. The zero
// value is not usable; use NewHub.
type Hub struct {
	mu      sync.Mutex
	subs    map[*sub]struct{}
	closed  bool
	dropped atomic.Uint64
	// watch is NewHub's: called as the hub gains its first subscriber
	// or loses its last.
	watch func()
}

type sub struct {
	ch      chan proto.Event
	filter  func(tag string) bool
	stop    func() bool
	dropped atomic.Uint64
}

// NewHub returns an empty hub. watch, unless nil, is called each time
// the hub gains its first subscriber (before Subscribe returns) or loses
// its last, never under the hub's lock: what feeds the hub need run only
// while someone reads it. Calls may overlap; watch reads Subscribers to
// know where things stand.
func NewHub(watch func()) *Hub { return &Hub{subs: map[*sub]struct{}{}, watch: watch} }

// changed calls watch when the hub went from n subscribers to none or
// from none to some.
func (h *Hub) changed(before, after int) {
	if h.watch != nil && (before == 0) != (after == 0) {
		h.watch()
	}
}

// Subscribe returns a channel of the events, from now on, whose tag the
// filter accepts (nil: every event). The channel has a buffer of Buffer
// events; when the reader falls further behind, events are dropped for
// it alone (counted by Dropped), the master never waits for it. The
// channel is closed when ctx is done or the hub closes (the master shuts
// down); a reader ranges over it until then. Safe for concurrent use.
func (h *Hub) Subscribe(ctx context.Context, filter func(tag string) bool) <-chan proto.Event {
	s := &sub{ch: make(chan proto.Event, Buffer), filter: filter}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(s.ch)
		return s.ch
	}
	h.subs[s] = struct{}{}
	s.stop = context.AfterFunc(ctx, func() { h.remove(s) })
	n := len(h.subs)
	h.mu.Unlock()
	h.changed(n-1, n)
	return s.ch
}

func (h *Hub) remove(s *sub) {
	h.mu.Lock()
	n := len(h.subs)
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
	after := len(h.subs)
	h.mu.Unlock()
	h.changed(n, after)
}

// Publish hands an event to every subscriber that wants it, without
// waiting for any.
func (h *Hub) Publish(e proto.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		if s.filter != nil && !s.filter(e.Tag) {
			continue
		}
		select {
		case s.ch <- e:
		default:
			s.dropped.Add(1)
			h.dropped.Add(1)
		}
	}
}

// Dropped counts the events lost by slow subscribers, all together.
func (h *Hub) Dropped() uint64 { return h.dropped.Load() }

// Subscribers counts the subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Close closes every subscriber's channel; later subscriptions get a
// closed channel.
func (h *Hub) Close() {
	h.mu.Lock()
	n := len(h.subs)
	h.closed = true
	for s := range h.subs {
		delete(h.subs, s)
		s.stop()
		close(s.ch)
	}
	h.mu.Unlock()
	h.changed(n, 0)
}
