package security

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// pending connects with a fresh key that nobody accepted.
func pending(t *testing.T, e *harness.Env, id string) *evil {
	t.Helper()
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	ev := &evil{t: t, e: e, id: id, kp: kp, pub: pub}
	ev.nc, ev.errs = ev.connect()
	return ev
}

// Class 4: a key that nobody accepted can do no harm. Before, 900 KB of
// junk on the key request subject made the master unreachable for 20 s
// and wrote a 900 KB log line per message; one pending connection
// registered 4,000 keys in 0.8 s, after which `brine key list` failed;
// a captured key request could be replayed.
func TestUnacceptedKeyCanDoNoHarm(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "limits:\n  max_pending_keys: 5\n")

	// Junk, large: the server refuses it (the pending payload limit).
	junk := pending(t, e, "junk")
	_ = junk.nc.Publish(proto.SubjKeyRequest(junk.pub), []byte(strings.Repeat("A", 900<<10)))
	_ = junk.nc.Flush()
	// Junk, small: the master refuses it, logging a bounded line.
	j2 := pending(t, e, "junk2")
	for i := 0; i < 50; i++ {
		_ = j2.nc.Publish(proto.SubjKeyRequest(j2.pub), []byte(`{"v":1,"id":"`+strings.Repeat("x", 3000)+`"}`))
	}
	_ = j2.nc.Flush()

	// One connection asks for other keys: on their subjects (the server
	// refuses), and on its own (the master refuses).
	thief := pending(t, e, "thief")
	for i := 0; i < 20; i++ {
		kp, _ := nkeys.CreateUser()
		pub, _ := kp.PublicKey()
		now := time.Now().UTC()
		id := fmt.Sprintf("stolen%d", i)
		sig, _ := kp.Sign(proto.KeyRequestPayload(id, pub, now))
		b := thief.marshal(&proto.KeyRequest{ID: id, Nkey: pub, Time: now, Sig: sig})
		_ = thief.nc.Publish(proto.SubjKeyRequest(pub), b)
		_ = thief.nc.Publish(proto.SubjKeyRequest(thief.pub), b)
	}
	_ = thief.nc.Flush()

	// A replayed (old) request.
	old := pending(t, e, "replayed")
	old.requestKey(time.Now().Add(-time.Hour))

	// Eight honest new keys: five are kept pending, the rest refused.
	for i := 0; i < 8; i++ {
		p := pending(t, e, fmt.Sprintf("new%d", i))
		p.requestKey(time.Now())
	}
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		for _, want := range []string{"max_pending_keys", "a replay?", "another key than the connection"} {
			if !strings.Contains(e.Master.LogText(), want) {
				return fmt.Errorf("no refusal %q logged yet", want)
			}
		}
		return nil
	})
	keys := keysOf(t, e)
	n := 0
	for id, state := range keys {
		switch {
		case strings.HasPrefix(id, "stolen"), id == "replayed", id == "junk", id == "junk2":
			t.Errorf("key %s registered (%s)", id, state)
		case strings.HasPrefix(id, "new"):
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d new keys pending, want the cap of 5: %v", n, keys)
	}
	for i, line := range strings.Split(e.Master.LogText(), "\n") {
		if len(line) > 2000 {
			t.Errorf("master log line %d is %d bytes long", i+1, len(line))
		}
	}
	// The master still serves the operator.
	if out, errOut, code := e.Brine("key", "list"); code != 0 {
		t.Errorf("key list: %d %s%s", code, out, errOut)
	}
}

// Class 4: `brine key list` works with 10,000 keys (its answer comes in
// parts).
func TestKeyListOfTenThousandKeys(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "")
	js, err := jetstream.New(e.Operator(false, proto.OperatorInbox))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, "brine_keys")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	kp, _ := nkeys.CreateUser()
	for i := 0; i < n; i++ {
		// Any well-formed user nkey will do; they need not differ
		// for a listing.
		if i%1000 == 0 {
			kp, _ = nkeys.CreateUser()
		}
		pub, _ := kp.PublicKey()
		id := fmt.Sprintf("host%05d", i)
		b := fmt.Sprintf(`{"id":%q,"nkey":%q,"state":"pending","finger":"x","time":"2026-12-06T00:00:00Z"}`, id, pub)
		if _, err := kv.Put(ctx, id, []byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		out, errOut, code := e.Brine("key", "list")
		if code != 0 {
			return fmt.Errorf("key list: %d %s", code, harness.Tail(errOut, 500))
		}
		if got := strings.Count(out, "\nhost"); got != n {
			return fmt.Errorf("key list shows %d of %d keys", got, n)
		}
		return nil
	})
	_ = nats.ErrTimeout
}
