package security

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// Class 4 (the job cache is the master's): a minion's schedule makes job
// records on the minion's word, so that word is checked. A minion may
// record scheduled runs only of its own, small, at a bounded rate; it
// cannot claim one for another minion, nor flood the cache with them.
func TestScheduledRunsCannotPoisonOrFloodTheCache(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	store := func(ret *proto.Return) error {
		var st proto.Stored
		return ask(ev.nc, proto.SubjReturn("evil", ret.JID), ret, &st)
	}
	// A scheduled return in m1's name, on evil's own subject: refused.
	jid := proto.NewJID(time.Now())
	if err := store(&proto.Return{JID: jid, ID: "m1", Fun: "state.apply", Schedule: "drift", Return: "pwned"}); err == nil {
		t.Errorf("evil stored a scheduled return in m1's name")
	}
	// On m1's subject: the server does not let it publish there.
	b := ev.marshal(&proto.Return{JID: jid, ID: "m1", Fun: "state.apply", Schedule: "drift", Return: "pwned"})
	if _, err := ev.nc.Request(proto.SubjReturn("m1", jid), b, 2*time.Second); err == nil {
		t.Errorf("evil published a return on m1's subject and got an answer")
	}
	_ = ev.nc.Publish(proto.SubjAck("m1", jid), ev.marshal(&proto.Ack{JID: jid, ID: "m1", Schedule: "drift", Fun: "state.apply"}))
	// Records too large, or of no function, or of another time.
	time.Sleep(time.Millisecond)
	for _, bad := range []*proto.Return{
		{Fun: "state.apply", Schedule: "drift", Args: []any{strings.Repeat("a", 8<<10)}},
		{Fun: "rm -rf /", Schedule: "drift"},
		{Fun: "state.apply", Schedule: strings.Repeat("s", 300)},
		{Fun: "state.apply", Schedule: "drift", JID: proto.NewJID(time.Now().Add(-72 * time.Hour))},
	} {
		if bad.JID == "" {
			bad.JID = proto.NewJID(time.Now())
			time.Sleep(time.Millisecond)
		}
		bad.ID = "evil"
		var st proto.Stored
		err := ask(ev.nc, proto.SubjReturn("evil", bad.JID), bad, &st)
		if err == nil || !st.Refused {
			t.Errorf("a bad scheduled return (fun %q, %d args) was not refused for good: %v %+v", proto.Clip(bad.Fun, 20), len(bad.Args), err, st)
		}
	}
	// A flood of scheduled runs: only the rate's worth is recorded.
	start := time.Now()
	stored := 0
	for i := 0; i < 40; i++ {
		j := proto.NewJID(time.Now())
		if store(&proto.Return{JID: j, ID: "evil", Fun: "test.ping", Schedule: "flood", Return: true, Success: true}) == nil {
			stored++
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	// limits.scheduled_jobs_per_sec is 1 with bursts of 4.
	if most := 4 + int(elapsed.Seconds()) + 1; stored == 0 || stored > most {
		t.Errorf("a flood of 40 scheduled runs in %v: %d recorded; want 1 to %d", elapsed, stored, most)
	}
	out, errOut, code := e.Brine("jobs", "list", "--out", "json")
	if code != 0 {
		t.Fatalf("jobs list: %d %s%s", code, out, errOut)
	}
	if strings.Contains(out, "pwned") || strings.Contains(out, "aaaaaaaa") || strings.Contains(out, "rm -rf") {
		t.Errorf("jobs list shows what evil wrote:\n%s", out)
	}
	if n := strings.Count(out, `"Schedule": "flood"`); n != stored {
		t.Errorf("jobs list holds %d runs of flood; %d were stored", n, stored)
	}
	if strings.Contains(out, `"Schedule": "drift"`) {
		t.Errorf("a refused scheduled run is in the job cache:\n%s", out)
	}
}

// The mine is written by the master alone: a minion writes only its own
// entry, within limits.mine_bytes, and reads others' only through
// mine.get.
func TestMineIsOwnEntryOnly(t *testing.T) {
	e := newEnv(t, "limits: {mine_bytes: 4096}\n")
	ev := newEvil(t, e, "evil")
	mine := func(subj string, req *proto.MineRequest) (*proto.MineReply, error) {
		var r proto.MineReply
		return &r, ask(ev.nc, subj, req, &r)
	}
	// Its own entry, small: kept.
	if _, err := mine(proto.SubjMine("evil"), &proto.MineRequest{Op: proto.MineUpdate,
		Data: map[string]proto.MineItem{"network.ip_addrs": {Data: []any{"10.6.6.6"}}}}); err != nil {
		t.Fatalf("evil's own mine entry: %v", err)
	}
	// Too large: refused.
	if _, err := mine(proto.SubjMine("evil"), &proto.MineRequest{Op: proto.MineUpdate,
		Data: map[string]proto.MineItem{"big": {Data: strings.Repeat("x", 8<<10)}}}); err == nil {
		t.Errorf("a mine entry over limits.mine_bytes was kept")
	}
	// m1's entry: the server does not let evil publish on m1's subject.
	_, err := mine(proto.SubjMine("m1"), &proto.MineRequest{Op: proto.MineUpdate,
		Data: map[string]proto.MineItem{"network.ip_addrs": {Data: []any{"10.6.6.6"}}}})
	if !errors.Is(err, nats.ErrTimeout) && !errors.Is(err, nats.ErrNoResponders) && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("evil writing m1's mine entry: %v; want no answer", err)
	}
	// What m1 reads: evil's entry as evil's, and nothing in m1's name.
	out, _, code := e.Brine("m1", "mine.get", "*", "network.ip_addrs", "--out", "json", "-t", "10")
	if code != 0 || !strings.Contains(out, `"evil": [`) || strings.Contains(out, `"m1": [`) {
		t.Errorf("m1's mine.get: exit %d\n%s", code, out)
	}
	// Flushing is its own entry only: m1's stays.
	if _, err := mine(proto.SubjMine("evil"), &proto.MineRequest{Op: proto.MineFlush}); err != nil {
		t.Fatal(err)
	}
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		out, _, _ := e.Brine("m2", "mine.get", "*", "network.ip_addrs", "--out", "json", "-t", "10")
		if strings.Contains(out, "evil") {
			return fmt.Errorf("evil's flushed entry still read:\n%s", out)
		}
		return nil
	})
}
