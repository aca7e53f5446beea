package master

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// Returns of a job gathered in a batch are one message of the job
// cache, each minion's done called once it is written, and a lookup of
// the job reads every return out of it; a return written twice (a
// minion that sent it again) is one return.
func TestReturnsBatched(t *testing.T) {
	m := startMaster(t, t.TempDir())
	m.batches.wait = time.Hour // written by writeBatches below, not by the timer
	jid := proto.NewJID(time.Now())
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: jid, Fun: "test.ping", Minions: []string{"a", "b", "c"}, IssuedAt: time.Now().UTC()}}
	if err := m.storeRecord(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 8)
	add := func(id string) {
		b, _ := proto.Marshal(&proto.Return{JID: jid, ID: id, Fun: "test.ping", Return: true, Success: true})
		if !m.batched(jid, b, 1) {
			t.Fatalf("a test.ping return is not batched")
		}
		m.batchReturn(jid, b, func(err error) { done <- err })
	}
	for _, id := range []string{"a", "b", "c"} {
		add(id)
	}
	m.writeBatches()
	add("a") // again, in a batch of its own
	m.writeBatches()
	for range 4 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a batch was not written")
		}
	}
	n := 0
	if err := m.readCache(t.Context(), []string{"brine.cache.ret.*." + jid}, func(msg jetstream.Msg) { n++ }); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d messages of returns in the job cache; want 2 batches", n)
	}
	lr, err := m.lookup(t.Context(), jid)
	if err != nil {
		t.Fatal(err)
	}
	if len(lr.Returns) != 3 {
		t.Errorf("lookup returns %v; want a, b and c", lr.Returns)
	}
	for id, r := range lr.Returns {
		if r.ID != id || r.Return != true {
			t.Errorf("return of %s: %+v", id, r)
		}
	}
	// Not batched: a dry run (drift reads it on its minion's subject) or
	// a return larger than batchOne.
	big := make([]byte, batchOne+1)
	if m.batched(jid, big, 1) || m.batched(jid, []byte("{}"), 2) {
		t.Error("a large or parted return is batched")
	}
}
