package client

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

func msg(t *testing.T, subj string, m proto.Message) *nats.Msg {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return &nats.Msg{Subject: subj, Data: b}
}

// TestStatuses feeds a job's messages in and checks what each expected
// minion is reported as at the end of the wait.
func TestStatuses(t *testing.T) {
	const jid = "20261122080000000000"
	res := &Result{JID: jid, Status: map[string]Status{"m1": NoResponse, "m2": NoResponse, "m3": NoResponse, "m4": NotConnected},
		Returns: map[string]*proto.Return{}, LastHeard: map[string]time.Time{}}
	waiting := map[string]bool{"m1": true, "m2": true, "m3": true}
	start := time.Now()
	w := &waiter{res: res, timeout: 5 * time.Second, started: start, hb: map[string]time.Duration{}, waiting: waiting}
	c := &Client{}
	feed := []*nats.Msg{
		msg(t, proto.SubjAck("m1", jid), &proto.Ack{JID: jid, ID: "m1"}),
		msg(t, proto.SubjAck("m2", jid), &proto.Ack{JID: jid, ID: "m2", Heartbeat: proto.Duration(time.Second)}),
		msg(t, proto.SubjEvent("m1", jid), &proto.StateEvents{JID: jid, ID: "m1", States: []proto.KeyedState{{Key: "k"}}}),
		msg(t, proto.SubjReturn("m1", jid), &proto.Return{JID: jid, ID: "m1", Return: true}),
		msg(t, proto.SubjReturn("m1", jid), &proto.Return{JID: jid, ID: "m1", Return: "duplicate", Retcode: 1}),
		msg(t, proto.SubjHB("m2", jid), &proto.Heartbeat{JID: jid, ID: "m2"}),
		msg(t, proto.SubjReturn("x9", jid), &proto.Return{JID: jid, ID: "x9"}), // not expected
	}
	var events []Event
	for _, m := range feed {
		if ev := c.handle(w, m); ev != nil {
			events = append(events, *ev)
		}
	}
	want := map[string]Status{"m1": Returned, "m2": Running, "m3": NoResponse, "m4": NotConnected}
	for id, s := range want {
		if res.Status[id] != s {
			t.Errorf("%s: %q; want %q", id, res.Status[id], s)
		}
	}
	if len(waiting) != 2 || waiting["m1"] {
		t.Errorf("still waiting for %v; want m2 and m3", waiting)
	}
	if r := res.Returns["m1"]; r == nil || r.Return != true {
		t.Errorf("m1's return = %+v; want the first one", r)
	}
	if _, ok := res.Returns["x9"]; ok {
		t.Error("a return from an unexpected minion was counted")
	}
	if len(events) != 4 { // 2 acks, 1 state, 1 return
		t.Errorf("%d events; want 4", len(events))
	}
	// Who is overdue, and when: m3 never acked (timeout), m2 acked
	// with 1 s heartbeats (lost after max(timeout, 3 heartbeats)).
	if got := w.overdue(start.Add(4 * time.Second)); len(got) != 0 {
		t.Errorf("overdue at 4s: %v; want none", got)
	}
	if got := w.overdue(start.Add(5 * time.Second)); len(got) != 1 || got[0] != "m3" {
		t.Errorf("overdue at 5s: %v; want m3", got)
	}
	if got := w.overdue(res.LastHeard["m2"].Add(5 * time.Second)); len(got) != 2 {
		t.Errorf("overdue 5s after m2's heartbeat: %v; want m2 and m3", got)
	}
	if LostAfter(time.Second, 5*time.Second) != 15*time.Second {
		t.Errorf("LostAfter(1s, 5s) = %v; want 3 heartbeats", LostAfter(time.Second, 5*time.Second))
	}
	if !res.Failed() {
		t.Error("Failed() = false with minions missing")
	}
	done := &Result{Status: map[string]Status{"m1": Returned}, Returns: map[string]*proto.Return{"m1": {Retcode: 0}}}
	if done.Failed() {
		t.Error("Failed() = true with every minion returned ok")
	}
	done.Returns["m1"].Retcode = 2
	if !done.Failed() {
		t.Error("Failed() = false with a failed state run")
	}
}

// TestStateBatches: a batch of state events is one event of the wait,
// its states counted; a batch that names another minion or job than its
// subject, or holds no state, is not.
func TestStateBatches(t *testing.T) {
	const jid = "20261122080000000000"
	res := &Result{JID: jid, Status: map[string]Status{"m1": NoResponse}, Returns: map[string]*proto.Return{}, LastHeard: map[string]time.Time{}}
	w := &waiter{res: res, timeout: 5 * time.Second, started: time.Now(), hb: map[string]time.Duration{}, waiting: map[string]bool{"m1": true}}
	c := &Client{}
	three := []proto.KeyedState{{Key: "a"}, {Key: "b", State: proto.StateResult{RunNum: 1}}, {Key: "c", State: proto.StateResult{RunNum: 2}}}
	feed := []*nats.Msg{
		msg(t, proto.SubjEvent("m1", jid), &proto.StateEvents{JID: jid, ID: "m1", States: three}),
		msg(t, proto.SubjEvent("m1", jid), &proto.StateEvents{JID: jid, ID: "m2", States: three}),
		msg(t, proto.SubjEvent("m1", jid), &proto.StateEvents{JID: "20261122080000000001", ID: "m1", States: three}),
		msg(t, proto.SubjEvent("m1", jid), &proto.StateEvents{JID: jid, ID: "m1"}),
		msg(t, proto.SubjEvent("m1", jid), &proto.StateEvents{JID: jid, ID: "m1", States: three[:1]}),
	}
	var events []Event
	for _, m := range feed {
		if ev := c.handle(w, m); ev != nil {
			events = append(events, *ev)
		}
	}
	if len(events) != 2 || events[0].States == nil || len(events[0].States.States) != 3 || len(events[1].States.States) != 1 {
		t.Fatalf("events = %+v; want the batch of 3, then the batch of 1", events)
	}
	if res.StatesOK != 4 {
		t.Errorf("StatesOK = %d; want 4", res.StatesOK)
	}
	if res.Status["m1"] != Running {
		t.Errorf("m1 is %q after its states; want running", res.Status["m1"])
	}
}
