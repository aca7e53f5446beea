package master

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// A return's write is done once every part is settled, once, with the
// first error any part had; a message that is no return's part (an
// event, a presence) settles nothing.
func TestReturnWriteSettlesOnceEveryPartIs(t *testing.T) {
	var r retWrites
	r.m = map[*nats.Msg]*retWrite{}
	parts := []*nats.Msg{{Subject: "a"}, {Subject: "b"}, {Subject: "c"}}
	var calls []error
	w := &retWrite{left: len(parts), done: func(err error) { calls = append(calls, err) }}
	for _, p := range parts {
		r.m[p] = w
	}
	boom := errors.New("no ack")
	r.settle(&nats.Msg{Subject: "event"}, nil)
	r.settle(parts[0], nil)
	r.settle(parts[1], boom)
	if len(calls) != 0 {
		t.Fatalf("done called with a part left: %v", calls)
	}
	r.settle(parts[1], nil) // settled already: nothing
	r.settle(parts[2], nil)
	if len(calls) != 1 || !errors.Is(calls[0], boom) {
		t.Fatalf("done called %v; want once with the part's error", calls)
	}
	if len(r.m) != 0 {
		t.Fatalf("%d parts still tracked", len(r.m))
	}

	// Every part acknowledged: done(nil).
	calls = nil
	w = &retWrite{left: 1, done: func(err error) { calls = append(calls, err) }}
	r.m[parts[0]] = w
	r.settle(parts[0], nil)
	if len(calls) != 1 || calls[0] != nil {
		t.Fatalf("done called %v; want once with nil", calls)
	}
}

// On a real master, a return's parts written without waiting are in the
// job cache when done says so.
func TestReturnWrittenBeforeDone(t *testing.T) {
	m := startMaster(t, t.TempDir())
	jid := proto.NewJID(time.Now())
	var parts []*nats.Msg
	for i := range 2 {
		parts = append(parts, &nats.Msg{Subject: proto.CacheReturn("m1", jid), Data: []byte(fmt.Sprintf(`{"part":%d}`, i)),
			Header: nats.Header{jetstream.MsgIDHeader: []string{fmt.Sprintf("ret-m1-%s-%d", jid, i)},
				proto.PartHeader: []string{proto.PartLabel(i, 2)}}})
	}
	done := make(chan error, 1)
	m.writeReturn("m1", parts, func(err error) { done <- err })
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the write never ended")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	last, err := m.cache.GetLastMsgForSubject(ctx, proto.CacheReturn("m1", jid))
	if err != nil {
		t.Fatal(err)
	}
	if string(last.Data) != `{"part":1}` || last.Header.Get(proto.PartHeader) != proto.PartLabel(1, 2) {
		t.Fatalf("the cache holds %s %v", last.Data, last.Header)
	}
	if first, err := m.cache.GetMsg(ctx, last.Sequence-1); err != nil || string(first.Data) != `{"part":0}` {
		t.Fatalf("the part before: %v, %v", first, err)
	}
}
