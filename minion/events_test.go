package minion

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// sent records the batches a stateBatch publishes, decoded as the master
// decodes them.
type sent struct {
	t    *testing.T
	mu   sync.Mutex
	subj []string
	msgs []proto.StateEvents
	size []int
}

func (s *sent) send(subj string, b []byte) {
	var e proto.StateEvents
	if err := proto.Unmarshal(b, &e); err != nil {
		s.t.Errorf("batch does not decode: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subj, s.msgs, s.size = append(s.subj, subj), append(s.msgs, e), append(s.size, len(b))
}

func (s *sent) batches() []proto.StateEvents {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]proto.StateEvents(nil), s.msgs...)
}

func newTestBatch(t *testing.T, every time.Duration) (*stateBatch, *sent) {
	s := &sent{t: t}
	b := newStateBatch("m1", "20261206090000000001", s.send, func(err error) { t.Errorf("encode: %v", err) })
	b.every = every
	return b, s
}

func state(n int, comment string) proto.StateResult {
	return proto.StateResult{ID: "s" + string(rune('a'+n%26)), RunNum: n, Comment: comment, Changes: map[string]any{}}
}

// The states of a run still in a batch go out at close, in order, and
// nothing after it: no event follows the return.
func TestStateBatchFlushedAtClose(t *testing.T) {
	b, s := newTestBatch(t, time.Hour)
	for i := range 3 {
		b.add("k", state(i, "ok"), "")
	}
	if n := len(s.batches()); n != 0 {
		t.Fatalf("%d batches sent before the interval or the bound", n)
	}
	b.close()
	got := s.batches()
	if len(got) != 1 || len(got[0].States) != 3 {
		t.Fatalf("after close: %+v; want one batch of 3 states", got)
	}
	for i, st := range got[0].States {
		if st.State.RunNum != i || st.Key != "k" {
			t.Errorf("state %d = %+v; want run %d, in order", i, st, i)
		}
	}
	if got[0].JID != "20261206090000000001" || got[0].ID != "m1" || s.subj[0] != proto.SubjEvent("m1", "20261206090000000001") {
		t.Errorf("batch of %s/%s on %s", got[0].ID, got[0].JID, s.subj[0])
	}
	b.add("k", state(3, "late"), "")
	b.close()
	if n := len(s.batches()); n != 1 {
		t.Errorf("%d batches after close; want the one", n)
	}
}

// A batch holds at most MaxStateEvents states and about StateEventsBytes
// bytes; only a state larger than that goes alone, beyond it.
func TestStateBatchBounded(t *testing.T) {
	b, s := newTestBatch(t, time.Hour)
	n := 2*proto.MaxStateEvents + 5
	for i := range n {
		b.add("k", state(i, "ok"), "")
	}
	b.close()
	got := s.batches()
	total := 0
	for i, m := range got {
		if len(m.States) == 0 || len(m.States) > proto.MaxStateEvents {
			t.Errorf("batch %d holds %d states", i, len(m.States))
		}
		for _, st := range m.States {
			if st.State.RunNum != total {
				t.Fatalf("state %d came as %d: out of order", total, st.State.RunNum)
			}
			total++
		}
	}
	if total != n || len(got) != 3 {
		t.Errorf("%d states in %d batches; want %d in 3", total, len(got), n)
	}

	b, s = newTestBatch(t, time.Hour)
	big := strings.Repeat("x", proto.StateEventsBytes/3)
	for i := range 7 {
		b.add("k", state(i, big), "")
	}
	huge := strings.Repeat("y", 2*proto.StateEventsBytes)
	b.add("k", state(7, huge), "")
	b.add("k", state(8, "ok"), "")
	b.close()
	total = 0
	for i, m := range s.batches() {
		total += len(m.States)
		if s.size[i] > proto.StateEventsBytes+4<<10 && len(m.States) != 1 {
			t.Errorf("batch %d: %d bytes in %d states; only a state too large alone may pass the bound", i, s.size[i], len(m.States))
		}
	}
	if total != 9 {
		t.Errorf("%d states sent; want 9", total)
	}
}

// A batch that fills slowly goes out after the interval, without waiting
// for the run's end.
func TestStateBatchSentAfterInterval(t *testing.T) {
	b, s := newTestBatch(t, 10*time.Millisecond)
	defer b.close()
	b.add("k", state(0, "ok"), "")
	deadline := time.Now().Add(30 * time.Second) // stops a hung test only
	for len(s.batches()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the batch was never sent before close")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.batches(); len(got) != 1 || len(got[0].States) != 1 {
		t.Errorf("after the interval: %+v", got)
	}
}

// A run's states are all published by the time run returns (so before
// its return is sent), not left for the batch's timer.
func TestRunSendsStatesBeforeReturning(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(60 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	watch, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(watch.Close)

	dir := t.TempDir()
	cfg := Defaults()
	cfg.ID = "m1"
	cfg.StateDir, cfg.CacheDir = filepath.Join(dir, "state"), filepath.Join(dir, "cache")
	mn := New(&cfg, quietLog())
	mn.nc = nc
	pillar, err := nc.Subscribe(proto.SubjPillar("m1"), func(msg *nats.Msg) {
		b, _ := proto.Marshal(&proto.PillarReply{Pillar: json.RawMessage(`{}`)})
		_ = msg.Respond(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pillar.Unsubscribe()

	job := &proto.Job{JID: proto.NewJID(time.Now()), Fun: "state.single", Args: []any{"test.succeed_without_changes"},
		Kwargs: map[string]any{"name": "x"}, Minions: []string{"m1"}}
	// A synchronous subscription: once the watcher's connection is
	// flushed, what reached it is queued here (a handler might not have
	// run yet).
	sub, err := watch.SubscribeSync(proto.SubjEvent("m1", job.JID))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := watch.Flush(); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	ret, err := mn.run(ctx, ctx, job, -1)
	if err != nil || ret.Retcode != 0 {
		t.Fatalf("run = %v (retcode %d, %v)", err, ret.Retcode, ret.Return)
	}
	// What run published is at the server once the minion's connection
	// is flushed, and with the watcher once its own is.
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := watch.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []proto.StateEvents
	for {
		if n, _, _ := sub.Pending(); n == 0 {
			break
		}
		msg, err := sub.NextMsg(0)
		if err != nil {
			t.Fatal(err)
		}
		var e proto.StateEvents
		if err := proto.Unmarshal(msg.Data, &e); err != nil {
			t.Fatalf("state events: %v", err)
		}
		got = append(got, e)
	}
	if len(got) != 1 || len(got[0].States) != 1 || got[0].States[0].State.Result == nil || !*got[0].States[0].State.Result {
		t.Fatalf("state events when run returned: %+v; want one batch of the one state", got)
	}
}
