package security

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// Class 1: the master answers only inside the asker's own inbox. Before,
// a minion's hello with its reply set to $KV.brine_keys.<other>
// overwrote the other minion's key entry; the same trick wrote grains,
// returns and kills, and the read-only operator could do it too.
func TestAnswersOnlyInsideTheAskersInbox(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	jid := proto.NewJID(time.Now())
	targets := []string{
		"$KV.brine_keys.m1", "$KV.brine_grains.m1", "$KV.brine_presence.ghost",
		"brine.cache.ret.m1." + jid, "brine.cache.job." + jid, proto.SubjKill("m1"), proto.SubjJob("m1"),
		proto.SubjReturn("m1", jid), proto.InboxPrefix("m1") + ".x", "_INBOX_op.x", "$JS.API.STREAM.PURGE.BRINE_JOBS",
	}
	// A spy with the operator's rights sees everything that lands on
	// the targets while the attack goes on.
	spy := e.Operator(false, proto.OperatorInbox)
	var landed atomic.Int64
	var what atomic.Value
	for _, subj := range targets {
		if _, err := spy.Subscribe(subj, func(m *nats.Msg) { landed.Add(1); what.Store(m.Subject) }); err != nil {
			t.Fatal(err)
		}
	}
	_ = spy.Flush()

	ro := e.Operator(true, proto.ReadOnlyInbox)
	for _, reply := range targets {
		ev.publishWithReply(proto.SubjHello("evil"), reply, ev.marshal(&proto.Hello{ID: "evil"}))
		ev.publishWithReply(proto.SubjPillar("evil"), reply, ev.marshal(&proto.PillarRequest{ID: "evil"}))
		ev.publishWithReply(proto.SubjFile("evil"), reply, ev.marshal(&proto.FileRequest{Path: "files/hello.txt"}))
		ev.publishWithReply(proto.SubjFileChunk("evil"), reply, ev.marshal(&proto.ChunkRequest{SHA256: "00", Index: 0}))
		// Whatever answers a return or an ack (the job cache did,
		// when it took them straight from minions) must not answer
		// there either.
		ev.publishWithReply(proto.SubjReturn("evil", jid), reply, ev.marshal(&proto.Return{JID: jid, ID: "evil", Fun: "test.ping", Return: true}))
		ev.publishWithReply(proto.SubjAck("evil", jid), reply, ev.marshal(&proto.Ack{JID: jid, ID: "evil"}))
		for _, subj := range proto.ReadOnlySubjects() {
			b, _ := proto.Marshal(&proto.KeyListRequest{})
			if err := ro.PublishRequest(subj, reply, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = ro.Flush()
	// The attack is done when the master has logged its refusals.
	e.Master.WaitLog(`reply subject outside`, 1, 10*time.Second)
	// Legitimate requests after it are answered (once its rate limit
	// lets evil ask again): the master has worked through the attack's.
	harness.CheckFor(t, 10*time.Second, 200*time.Millisecond, func() error {
		var hr proto.HelloReply
		return ask(ev.nc, proto.SubjHello("evil"), &proto.Hello{ID: "evil"}, &hr)
	})
	if n := landed.Load(); n != 0 {
		t.Fatalf("%d messages landed on the attack's targets (last on %v)", n, what.Load())
	}
	ping(t, e, "m1", "m2")
	keys := keysOf(t, e)
	if keys["m1"] != proto.KeyAccepted || keys["m2"] != proto.KeyAccepted {
		t.Fatalf("keys after the attack: %v", keys)
	}
	if out, errOut, code := e.Brine("key", "delete", "m2", "-y"); code != 0 {
		t.Fatalf("key delete m2 after the attack: %d %s%s", code, out, errOut)
	}
}

// Class 1: registry values are checked on read, and an entry the master
// cannot trust is listed under its store key and can be deleted.
func TestCorruptRegistryEntryCanBeDeleted(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "")
	op := e.Operator(false, proto.OperatorInbox)
	js, err := jetstream.New(op)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, "brine_keys")
	if err != nil {
		t.Fatal(err)
	}
	// What a JetStream ack written there looked like, and an entry
	// that lies about its id.
	if _, err := kv.Put(ctx, "junk", []byte(`{"stream":"BRINE_JOBS","seq":5}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "liar", []byte(`{"id":"m1","nkey":"UABC","state":"accepted"}`)); err != nil {
		t.Fatal(err)
	}
	harness.CheckFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		keys := keysOf(t, e)
		if keys["junk"] != proto.KeyCorrupt || keys["liar"] != proto.KeyCorrupt || keys["m1"] != "" {
			return fmt.Errorf("keys: %v", keys)
		}
		return nil
	})
	for _, id := range []string{"junk", "liar"} {
		if out, errOut, code := e.Brine("key", "delete", id, "-y"); code != 0 {
			t.Fatalf("key delete %s: %d %s%s", id, code, out, errOut)
		}
	}
	harness.CheckFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		if keys := keysOf(t, e); len(keys) != 0 {
			return fmt.Errorf("keys left: %v", keys)
		}
		return nil
	})
}
