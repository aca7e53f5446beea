package client

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// fakeKeyMaster answers key actions as the master does, changing every
// named key, and refusing a request that names failOn.
type fakeKeyMaster struct {
	mu       sync.Mutex
	requests [][]string
	failOn   string
	failAll  bool
}

func (f *fakeKeyMaster) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeKeyMaster) answer(msg *nats.Msg) {
	var req proto.KeyActionRequest
	var b []byte
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		b = proto.ErrorReply(err)
	} else {
		f.mu.Lock()
		f.requests = append(f.requests, req.IDs)
		f.mu.Unlock()
		b, _ = proto.Marshal(&proto.KeyActionReply{Changed: req.IDs})
		for _, id := range req.IDs {
			if id == f.failOn || f.failAll {
				b = proto.ErrorReply(fmt.Errorf("no such key: [%s]", id))
			}
		}
	}
	_ = msg.Respond(b)
}

func connectFake(t *testing.T, f *fakeKeyMaster) *Client {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		Nkeys: []*server.NkeyUser{{Nkey: pub}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(60 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect(s.ClientURL(), nats.Nkey(pub, kp.Sign))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if _, err := nc.Subscribe(proto.SubjKeyAction, f.answer); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(t.TempDir(), "operator.nk")
	if err := os.WriteFile(creds, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Connect(Config{URL: s.ClientURL(), Creds: creds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("m%05d", i)
	}
	return out
}

func TestKeyActionBatches(t *testing.T) {
	f := &fakeKeyMaster{}
	c := connectFake(t, f)
	want := ids(2*KeyBatch + 7)
	changed, err := c.KeyAction(context.Background(), proto.KeyAccept, want, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != len(want) || changed[0] != want[0] || changed[len(changed)-1] != want[len(want)-1] {
		t.Errorf("changed %d keys (%v … %v); want %d", len(changed), changed[:1], changed[len(changed)-1:], len(want))
	}
	if n := f.count(); n != 3 {
		t.Fatalf("%d requests; want 3", n)
	}
	for i, r := range f.requests {
		if len(r) > KeyBatch {
			t.Errorf("request %d names %d keys; want at most %d", i, len(r), KeyBatch)
		}
	}
}

// The keys changed are returned with the error, the failed batch's
// left out.
func TestKeyActionBatchError(t *testing.T) {
	all := ids((KeysInFlight + 2) * KeyBatch)
	f := &fakeKeyMaster{failOn: all[KeyBatch+1]}
	c := connectFake(t, f)
	changed, err := c.KeyAction(context.Background(), proto.KeyAccept, all, false, false)
	if err == nil || !strings.Contains(err.Error(), "no such key") {
		t.Fatalf("err = %v; want the master's refusal", err)
	}
	if len(changed) < KeyBatch || changed[0] != all[0] || changed[KeyBatch-1] != all[KeyBatch-1] {
		t.Errorf("%d keys reported changed; want the first batch first", len(changed))
	}
	for _, id := range changed {
		if id == f.failOn {
			t.Errorf("%s reported changed; its batch failed", id)
		}
	}
}

// No batch is sent once one has failed: with every request refused,
// only the first KeysInFlight go.
func TestKeyActionStopsAfterError(t *testing.T) {
	f := &fakeKeyMaster{failAll: true}
	c := connectFake(t, f)
	changed, err := c.KeyAction(context.Background(), proto.KeyAccept, ids(3*KeysInFlight*KeyBatch), false, false)
	if err == nil {
		t.Fatal("no error")
	}
	if len(changed) != 0 {
		t.Errorf("%d keys reported changed; want none", len(changed))
	}
	if n := f.count(); n > KeysInFlight {
		t.Errorf("%d requests; want at most %d (none after the first error)", n, KeysInFlight)
	}
}
