package master

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestJobForReadsARecordOnce: the returns of a job another master
// published come together; the first reads the job's record from the
// cache, the others wait for that read rather than each reading (and
// decoding the job's list of minions) again, and none replaces the
// table's entry another has counted in.
func TestJobForReadsARecordOnce(t *testing.T) {
	m := startMaster(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 200
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("m%03d", i)
	}
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(time.Now()), Fun: "test.ping",
		Target: "*", TargetType: proto.TargetGlob, Minions: ids, IssuedAt: time.Now().UTC()}}
	b, err := proto.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	// Written as another master would: in the cache, not in this
	// master's table.
	if _, err := m.publishCache(ctx, &nats.Msg{Subject: proto.CacheJob(rec.JID), Data: b}); err != nil {
		t.Fatal(err)
	}
	got := make([]*minionJob, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			mj, err := m.jobFor(ctx, rec.JID, ids[i])
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = mj
		})
	}
	wg.Wait()
	m.jobs.mu.Lock()
	reads := m.jobs.reads
	m.jobs.mu.Unlock()
	if reads != 1 {
		t.Errorf("%d returns together read the record %d times; want once", n, reads)
	}
	for i, id := range ids {
		mj, _ := m.jobs.get(rec.JID, id)
		if got[i] == nil || got[i] != mj {
			t.Fatalf("%s's entry: jobFor gave %p, the table holds %p: one replaced by a later read", id, got[i], mj)
		}
	}
}

// TestStoreRecordOnce: a record of a job id the cache holds already is
// refused, with an error that says so, unless it is the very record (a
// try whose answer was lost, written again).
func TestStoreRecordOnce(t *testing.T) {
	m := startMaster(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Now().UTC()
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(now), Fun: "test.ping",
		Target: "m1", TargetType: proto.TargetList, Minions: []string{"m1"}, IssuedAt: now}}
	if err := m.storeRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if err := m.storeRecord(ctx, rec); err != nil {
		t.Errorf("the same record again: %v; want it taken as written", err)
	}
	other := *rec
	other.Target, other.Minions = "m2", []string{"m2"}
	err := m.storeRecord(ctx, &other)
	if !jobIDTaken(err) {
		t.Fatalf("another job of the same id: %v; want the id refused as taken", err)
	}
	got, err := m.jobRecord(ctx, rec.JID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Target != "m1" {
		t.Errorf("record of %s targets %q; want the first job's m1", rec.JID, got.Target)
	}
}
