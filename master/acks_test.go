package master

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

func TestHeldAcksDue(t *testing.T) {
	tb := newJobTable()
	t0 := time.Unix(1_800_000_000, 0)
	quick, slow, late := &minionJob{}, &minionJob{}, &minionJob{}
	for _, a := range []heldAck{
		{id: "quick", mj: quick, at: t0},
		{id: "slow", mj: slow, at: t0.Add(time.Second / 2)},
		{id: "late", mj: late, at: t0.Add(ackDelay)},
	} {
		if !tb.hold(a) {
			t.Fatal("hold refused an ack")
		}
	}
	quick.returned = true // its return came: its ack is never written
	ids := func(as []heldAck) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.id)
		}
		return out
	}
	if got := ids(tb.due(t0.Add(ackDelay/2), false)); len(got) != 0 {
		t.Errorf("due before ackDelay: %v; want none", got)
	}
	if got := ids(tb.due(t0.Add(ackDelay+time.Second/2), false)); !slices.Equal(got, []string{"slow"}) {
		t.Errorf("due after ackDelay: %v; want [slow] (quick returned, late not due)", got)
	}
	if got := ids(tb.due(t0.Add(ackDelay+time.Second/2), false)); len(got) != 0 {
		t.Errorf("due again: %v; want none (taken)", got)
	}
	if got := ids(tb.due(t0, true)); !slices.Equal(got, []string{"late"}) {
		t.Errorf("due, all: %v; want [late]", got)
	}
	if len(tb.held) != 0 {
		t.Errorf("%d acks still held", len(tb.held))
	}
}

// The job cache gets the ack of a minion that does not return soon, and
// not the ack of one whose return came first.
func TestAckWrittenOnlyWithoutReturn(t *testing.T) {
	m := startMaster(t, t.TempDir())
	op := operator(t, m)
	quick, slow := acceptedMinion(t, m, op, "quick"), acceptedMinion(t, m, op, "slow")
	jid := proto.NewJID(time.Now())
	var pr proto.PublishReply
	checkFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		for _, tm := range []*testMinion{quick, slow} {
			b, _ := proto.Marshal(&proto.Presence{ID: tm.id, Status: proto.Online, Time: time.Now()})
			_ = tm.nc.Publish(proto.SubjPresence(tm.id), b)
			_ = tm.nc.Flush()
		}
		if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: proto.NewJID(time.Now()), Target: "*", Fun: "test.ping", Resolve: true}, &pr); err != nil {
			return err
		}
		if len(pr.Minions) != 2 {
			return fmt.Errorf("%d minions connected", len(pr.Minions))
		}
		return nil
	})
	if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: "*", Fun: "test.ping"}, &pr); err != nil {
		t.Fatal(err)
	}
	for _, tm := range []*testMinion{quick, slow} {
		b, _ := proto.Marshal(&proto.Ack{JID: jid, ID: tm.id, Time: time.Now().UTC()})
		if err := tm.nc.Publish(proto.SubjAck(tm.id, jid), b); err != nil {
			t.Fatal(err)
		}
		_ = tm.nc.Flush()
	}
	b, _ := proto.Marshal(&proto.Return{JID: jid, ID: "quick", Fun: "test.ping", Return: true})
	msg, err := quick.nc.Request(proto.SubjReturn("quick", jid), b, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var st proto.Stored
	if err := proto.Unmarshal(msg.Data, &st); err != nil || st.Err() != nil {
		t.Fatalf("return not stored: %v %v", err, st.Err())
	}
	var lr proto.JobLookupReply
	checkFor(t, 10*ackDelay, 100*time.Millisecond, func() error {
		if err := ask(t, op, proto.SubjJobsLookup, &proto.JobsRequest{JID: jid}, &lr); err != nil {
			return err
		}
		if !slices.Contains(lr.Acked, "slow") {
			return errors.New("the ack of the minion that did not return is not in the cache yet")
		}
		return nil
	})
	if slices.Contains(lr.Acked, "quick") {
		t.Errorf("acked %v; the returned minion's ack was written too", lr.Acked)
	}
	if _, ok := lr.Returns["quick"]; !ok {
		t.Errorf("returns %v; want quick's", lr.Returns)
	}
}

// acceptedMinion connects a test minion and has its key accepted; it
// returns once the minion has its rights (a hello is answered).
func acceptedMinion(t *testing.T, m *Master, op *nats.Conn, id string) *testMinion {
	t.Helper()
	tm := connectMinion(t, m.ClientURL(), id)
	tm.requestKey(t)
	checkFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		var ka proto.KeyActionReply
		if err := ask(t, op, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{id}}, &ka); err != nil {
			return err
		}
		b, _ := proto.Marshal(&proto.Hello{ID: id})
		_, err := tm.nc.Request(proto.SubjHello(id), b, 300*time.Millisecond)
		return err
	})
	return tm
}

// A minion's presence is fresh within presence_ttl, or within three of
// the intervals it states when those are longer (a master.yaml that kept
// an older, shorter presence_ttl); what a minion states is bounded.
func TestPresenceFreshByItsInterval(t *testing.T) {
	m := New(&Config{PresenceTTL: Duration(30 * time.Second)}, Options{})
	t0 := time.Unix(1_800_000_000, 0)
	m.seen["often"], m.every["often"] = t0, 10*time.Second
	m.seen["rare"], m.every["rare"] = t0, 30*time.Second
	m.seen["liar"], m.every["liar"] = t0, statedInterval(proto.Duration(24*time.Hour))
	m.seen["odd"], m.every["odd"] = t0, statedInterval(proto.Duration(-time.Hour))
	for _, tc := range []struct {
		id    string
		after time.Duration
		want  bool
	}{
		{"often", 29 * time.Second, true},
		{"often", 31 * time.Second, false},
		{"rare", 31 * time.Second, true},
		{"rare", 89 * time.Second, true},
		{"rare", 91 * time.Second, false},
		{"liar", 29 * time.Minute, true},
		{"liar", 31 * time.Minute, false},
		{"odd", 29 * time.Second, true},
		{"odd", 31 * time.Second, false},
		{"unheard", 0, false},
	} {
		if got := m.present(tc.id, t0.Add(tc.after)); got != tc.want {
			t.Errorf("%s, %v after its presence: present %v; want %v", tc.id, tc.after, got, tc.want)
		}
	}
}
