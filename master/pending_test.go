package master

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// A key another master accepts (this one sees it through its watcher of
// the key bucket) gets its pending connections here kicked: they come
// back with the key's rights at once, and a pending minion need not
// reconnect by itself to find out.
func TestAcceptanceByAnotherMasterKicksPending(t *testing.T) {
	m := startMaster(t, t.TempDir())
	m1 := connectMinion(t, m.ClientURL(), "m1")
	m1.requestKey(t)
	var info proto.KeyInfo
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		m.mu.Lock()
		defer m.mu.Unlock()
		k, ok := m.keyByNkeyLocked(m1.pub)
		if !ok || k.State != proto.KeyPending {
			return errors.New("no pending key yet")
		}
		info = k
		return nil
	})
	before := m1.nc.Stats().Reconnects
	// Written to the bucket alone, as another master writes it.
	info.State, info.Time = proto.KeyAccepted, time.Now().UTC()
	if _, err := m.keys.Put(context.Background(), proto.Token(info.ID), mustJSON(info)); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if m1.nc.Stats().Reconnects == before {
			return errors.New("the pending connection was not kicked")
		}
		b, _ := proto.Marshal(&proto.Hello{ID: "m1"})
		if _, err := m1.nc.Request(proto.SubjHello("m1"), b, 300*time.Millisecond); err != nil {
			return err
		}
		return nil
	})
}

func TestPendingExpiry(t *testing.T) {
	for _, ttl := range []time.Duration{time.Second, 10 * time.Second, 10 * time.Minute} {
		want := min(ttl, pendingAuthTTL)
		for range 100 {
			if d := pendingExpiry(ttl); d > want || d < want*3/4 {
				t.Fatalf("pendingExpiry(%v) = %v; want within [%v, %v]", ttl, d, want*3/4, want)
			}
		}
	}
}
