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
			if id == f.failOn {
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
	if !s.ReadyForConnections(10 * time.Second) {
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
	if len(f.requests) != 3 {
		t.Fatalf("%d requests; want 3", len(f.requests))
	}
	for i, r := range f.requests {
		if len(r) > KeyBatch {
			t.Errorf("request %d names %d keys; want at most %d", i, len(r), KeyBatch)
		}
	}
}

// An error stops the batches, and the keys changed before it are
// returned with it.
func TestKeyActionBatchError(t *testing.T) {
	all := ids(3 * KeyBatch)
	f := &fakeKeyMaster{failOn: all[KeyBatch+1]}
	c := connectFake(t, f)
	changed, err := c.KeyAction(context.Background(), proto.KeyAccept, all, false, false)
	if err == nil || !strings.Contains(err.Error(), "no such key") {
		t.Fatalf("err = %v; want the master's refusal", err)
	}
	if len(changed) != KeyBatch {
		t.Errorf("%d keys reported changed; want the first batch, %d", len(changed), KeyBatch)
	}
	if len(f.requests) != 2 {
		t.Errorf("%d requests; want 2 (none after the error)", len(f.requests))
	}
}
