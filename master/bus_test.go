package master

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// The master publishes an event on a bus only while someone reads it:
// a subscriber of the full bus other than its own, a reader of its hub,
// a subscriber of the read-only bus. Whoever reads gets every event
// from then on.
func TestBusPublishedWhileRead(t *testing.T) {
	m := startMaster(t, t.TempDir())
	if full, ro := m.busReaders(); full || ro {
		t.Fatalf("nobody reads: busReaders = %v, %v", full, ro)
	}

	op := operator(t, m)
	sub, err := op.SubscribeSync(proto.SubjBus)
	if err != nil {
		t.Fatal(err)
	}
	roSub, err := op.SubscribeSync(proto.SubjBusRO)
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Flush(); err != nil {
		t.Fatal(err)
	}
	if full, ro := m.busReaders(); !full || !ro {
		t.Fatalf("the operator reads both buses: busReaders = %v, %v", full, ro)
	}
	m.emit("test/one", map[string]any{"n": 1})
	for _, s := range []string{proto.SubjBus, proto.SubjBusRO} {
		nsub := sub
		if s == proto.SubjBusRO {
			nsub = roSub
		}
		msg, err := nsub.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		var e proto.Event
		if err := json.Unmarshal(msg.Data, &e); err != nil || e.Tag != "test/one" {
			t.Fatalf("%s: %s, %v", s, msg.Data, err)
		}
	}
	_ = sub.Unsubscribe()
	_ = roSub.Unsubscribe()
	_ = op.Flush()
	if full, ro := m.busReaders(); full || ro {
		t.Fatalf("the operator left: busReaders = %v, %v", full, ro)
	}

	// A reader of the hub alone (the HTTP API's event stream).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := m.Events().Subscribe(ctx, nil)
	if full, _ := m.busReaders(); !full {
		t.Fatal("a hub reader: busReaders says nobody reads the full bus")
	}
	m.emit("test/two", map[string]any{"n": 2})
	// test/one may come first: the master's own hub subscription
	// reads the bus, and may not have had it yet.
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-ch:
			if e.Tag == "test/two" {
				return
			}
		case <-deadline:
			t.Fatal("the hub's reader had no test/two")
		}
	}
}

// TestBusAcrossCluster: the masters of a cluster publish no event while
// nobody reads (a master's hub is a reader only while it has readers of
// its own: before, each master read the others' events, a return a
// minion in a fleet-wide job, for nobody); a reader of one master's hub
// gets the events of another.
func TestBusAcrossCluster(t *testing.T) {
	c := newTestCluster(t, false)
	nobody := func() error {
		for i, m := range c.nodes {
			if full, ro := m.busReaders(); full || ro {
				return fmt.Errorf("nobody reads, but node %d's busReaders = %v, %v", i, full, ro)
			}
		}
		return nil
	}
	if err := nobody(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := c.nodes[1].Events().Subscribe(ctx, nil)
	checkFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if full, _ := c.nodes[0].busReaders(); !full {
			return errors.New("node 0 does not see the reader of node 1's hub")
		}
		return nil
	})
	c.nodes[0].emit("test/across", map[string]any{"n": 1})
	select {
	case e := <-ch:
		if e.Tag != "test/across" {
			t.Fatalf("node 1's hub got %q; want test/across", e.Tag)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("node 1's hub never got node 0's event")
	}
	cancel()
	checkFor(t, 10*time.Second, 20*time.Millisecond, nobody)
}
