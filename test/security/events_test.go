package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// busReader collects what one connection reads on a bus subject.
type busReader struct {
	mu  sync.Mutex
	evs []proto.Event
}

func readBus(t *testing.T, nc *nats.Conn, subj string) *busReader {
	t.Helper()
	r := &busReader{}
	if _, err := nc.Subscribe(subj, func(m *nats.Msg) {
		var e proto.Event
		if json.Unmarshal(m.Data, &e) == nil {
			r.mu.Lock()
			r.evs = append(r.evs, e)
			r.mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *busReader) find(pred func(proto.Event) bool) *proto.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.evs {
		if pred(r.evs[i]) {
			return &r.evs[i]
		}
	}
	return nil
}

// sendAs sends a minion event on subj from nc and returns the master's
// answer (an error when it refused or did not answer).
func sendAs(nc *nats.Conn, subj, tag string, data string) error {
	b, _ := proto.Marshal(&proto.MinionEvent{Tag: tag, Data: json.RawMessage(data)})
	msg, err := nc.Request(subj, b, 3*time.Second)
	if err != nil {
		return err
	}
	var r proto.Reply
	if err := proto.Unmarshal(msg.Data, &r); err != nil {
		return err
	}
	if r.Error != "" {
		return errors.New(r.Error)
	}
	return nil
}

// TestEventBusIsNotTheMinions: an accepted minion may neither read the
// bus (full or read-only), nor publish on it, nor send an event as
// another minion; what it sends shows under its own namespace with its
// own id whatever its data claims, and it is bounded in size and rate.
// The read-only operator reads the redacted bus only.
func TestEventBusIsNotTheMinions(t *testing.T) {
	e := newEnv(t, "limits: {minion_events_per_sec: 2, burst: 1}\n")
	ev := newEvil(t, e, "evil")
	op := readBus(t, e.Operator(false, proto.OperatorInbox), proto.SubjBus)

	// Reading the bus, or publishing on it, or as another minion: denied
	// by the server.
	for _, subj := range []string{proto.SubjBus, proto.SubjBusRO, "brine.bus.>", ">"} {
		if _, err := ev.nc.SubscribeSync(subj); err != nil {
			t.Fatal(err)
		}
	}
	_ = ev.nc.Publish(proto.SubjBus, []byte(`{"tag":"salt/auth","data":{"id":"x","act":"pend"}}`))
	_ = ev.nc.Publish(proto.SubjMinionEvent("m1"), []byte(`{"v":1,"tag":"as-m1"}`))
	_ = ev.nc.Flush()
	denied := map[string]bool{}
	timeout := time.After(10 * time.Second)
	for len(denied) < 6 {
		select {
		case err := <-ev.errs:
			if errors.Is(err, nats.ErrPermissionViolation) {
				denied[err.Error()] = true
			}
		case <-timeout:
			t.Fatalf("denials: %d of 6: %v", len(denied), denied)
		}
	}
	for d := range denied {
		if !strings.Contains(d, "brine.bus") && !strings.Contains(d, `">"`) && !strings.Contains(d, proto.SubjMinionEvent("m1")) {
			t.Errorf("unexpected denial %s", d)
		}
	}

	// Its own event: under minion/evil/, with id evil, whatever it says.
	if err := sendAs(ev.nc, proto.SubjMinionEvent("evil"), "salt/key", `{"id":"m1","act":"accept"}`); err != nil {
		t.Fatalf("evil's own event: %v", err)
	}
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if op.find(func(e proto.Event) bool { return e.Tag == "minion/evil/salt/key" }) == nil {
			return fmt.Errorf("evil's event not on the bus")
		}
		return nil
	})
	got := op.find(func(e proto.Event) bool { return e.Tag == "minion/evil/salt/key" })
	var d proto.MinionEventData
	if err := json.Unmarshal(got.Data, &d); err != nil || d.ID != "evil" {
		t.Fatalf("evil's event data = %s; want id evil", got.Data)
	}
	if f := op.find(func(e proto.Event) bool {
		return e.Tag == proto.TagKey || e.Tag == proto.TagAuth || e.Tag == "as-m1" || strings.HasPrefix(e.Tag, "minion/m1/")
	}); f != nil {
		t.Fatalf("a forged event reached the bus: %s %s", f.Tag, f.Data)
	}

	// Bad tags, bad data, too large, too fast: refused, with the reason.
	time.Sleep(time.Second) // the bucket refills: the refusals below are for what they send
	for _, c := range []struct{ tag, data, why string }{
		{"a b", `{}`, "space"},
		{"/abs", `{}`, "starts with /"},
		{strings.Repeat("t", proto.MaxEventTagLen+1), `{}`, "longer"},
	} {
		if err := sendAs(ev.nc, proto.SubjMinionEvent("evil"), c.tag, c.data); err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("tag %.20q: %v; want a refusal for %s", c.tag, err, c.why)
		}
		time.Sleep(600 * time.Millisecond)
	}
	big := `{"x":"` + strings.Repeat("a", proto.MaxMinionEventBytes) + `"}`
	if err := sendAs(ev.nc, proto.SubjMinionEvent("evil"), "big", big); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("a large event: %v; want refused", err)
	}
	refusedRate := 0
	for i := 0; i < 20; i++ {
		if err := sendAs(ev.nc, proto.SubjMinionEvent("evil"), "flood", `{}`); err != nil && strings.Contains(err.Error(), "rate limit") {
			refusedRate++
		}
	}
	if refusedRate < 10 {
		t.Errorf("20 events at once at 2 a second: %d refused for the rate; want most", refusedRate)
	}
	if op.find(func(e proto.Event) bool { return e.Tag == "minion/evil/big" }) != nil {
		t.Error("the large event reached the bus")
	}

	// The read-only operator reads the redacted bus, and not the full one.
	ro := e.Operator(true, proto.ReadOnlyInbox)
	roErrs := make(chan error, 8)
	ro.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { roErrs <- err })
	_, _ = ro.SubscribeSync(proto.SubjBus)
	_ = ro.Flush()
	select {
	case err := <-roErrs:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("read-only subscribing to the full bus: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read-only operator may read the full bus")
	}
	roBus := readBus(t, ro, proto.SubjBusRO)
	out, errOut, code := e.Brine("m1", "pillar.items", "--out", "json")
	if code != 0 || !strings.Contains(out, "m1-only") {
		t.Fatalf("pillar.items: %d %s%s", code, out, errOut)
	}
	isRet := func(e proto.Event) bool { return proto.IsRetTag(e.Tag) && strings.HasSuffix(e.Tag, "/ret/m1") }
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if roBus.find(isRet) == nil || op.find(isRet) == nil {
			return fmt.Errorf("the return not on both buses yet")
		}
		return nil
	})
	if r := roBus.find(isRet); strings.Contains(string(r.Data), "m1-only") || !strings.Contains(string(r.Data), `"success":true`) {
		t.Errorf("read-only bus return = %s; want how it ended, no pillar", r.Data)
	}
	if r := op.find(isRet); !strings.Contains(string(r.Data), "m1-only") {
		t.Errorf("operator bus return = %s; want the return", r.Data)
	}
}
