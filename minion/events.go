package minion

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// stateBatch gathers a run's state events and publishes them as
// proto.StateEvents batches: once a batch holds proto.MaxStateEvents
// states or proto.StateEventsBytes bytes of them, or
// proto.StateEventsEvery after its first state, whichever comes first.
// close sends what is left; after it nothing is sent, so that no event
// of a run follows its return. The timer is its only goroutine, stopped
// by close; a publish happens under mu, so close waits for one in
// flight.
type stateBatch struct {
	jid, id string
	subj    string
	every   time.Duration
	send    func(subj string, b []byte)
	onError func(err error)

	mu     sync.Mutex
	states []proto.KeyedState
	bytes  int
	timer  *time.Timer
	closed bool
}

func newStateBatch(id, jid string, send func(subj string, b []byte), onError func(error)) *stateBatch {
	return &stateBatch{jid: jid, id: id, subj: proto.SubjEvent(id, jid), every: proto.StateEventsEvery, send: send, onError: onError}
}

// add queues one finished state; fire is its fire_event tag end, if any
// (proto.KeyedState).
func (s *stateBatch) add(key string, st proto.StateResult, fire string) {
	// The size is the state's encoding, as the batch will carry it;
	// a state that does not encode is sent for the batch to report.
	n := stateSize(key, st)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if len(s.states) > 0 && s.bytes+n > proto.StateEventsBytes {
		s.flushLocked()
	}
	s.states = append(s.states, proto.KeyedState{Key: key, State: st, FireEvent: fire})
	s.bytes += n
	if len(s.states) >= proto.MaxStateEvents || s.bytes >= proto.StateEventsBytes {
		s.flushLocked()
		return
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(s.every, s.tick)
	}
}

func (s *stateBatch) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.flushLocked()
	}
}

// flushLocked publishes the batch, if any, and stops its timer.
func (s *stateBatch) flushLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if len(s.states) == 0 {
		return
	}
	msg := &proto.StateEvents{JID: s.jid, ID: s.id, States: s.states}
	s.states, s.bytes = nil, 0
	b, err := proto.Marshal(msg)
	if err != nil {
		s.onError(err)
		return
	}
	s.send(s.subj, b)
}

// close sends what is left and refuses what comes after.
func (s *stateBatch) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushLocked()
	s.closed = true
}

// stateSize is the size of one state in a batch's encoding, roughly:
// its JSON and the key's, or StateEventsBytes when it does not encode
// (it goes alone).
func stateSize(key string, st proto.StateResult) int {
	b, err := json.Marshal(st)
	if err != nil {
		return proto.StateEventsBytes
	}
	return len(b) + len(key) + 24
}
