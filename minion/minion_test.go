package minion

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/proto"
)

func quietLog() *slog.Logger {
	if os.Getenv("BRINE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startTLSMaster runs an in-process master with TLS on loopback that
// accepts minions named m*.
func startTLSMaster(t *testing.T, dir string) *master.Master {
	t.Helper()
	cfg := master.Defaults()
	cfg.Port = -1
	cfg.TLS = true
	cfg.StateDir = filepath.Join(dir, "master")
	cfg.FileRoots = map[string][]string{"base": {filepath.Join(dir, "srv")}}
	cfg.AutoAcceptIDs = []string{"m*"}
	m := master.New(&cfg, master.Options{Log: quietLog()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	return m
}

func runMinion(t *testing.T, dir, url, finger string) (*Minion, chan struct{}, context.CancelFunc) {
	t.Helper()
	cfg := Defaults()
	cfg.ID = "m1"
	cfg.Master = url
	cfg.MasterFinger = finger
	cfg.StateDir = filepath.Join(dir, "m1", "state")
	cfg.CacheDir = filepath.Join(dir, "m1", "cache")
	mn := New(&cfg, quietLog())
	ready := make(chan struct{})
	mn.Ready = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = mn.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return mn, ready, cancel
}

func TestTLSPinAndBigFile(t *testing.T) {
	dir := t.TempDir()
	big := make([]byte, 50<<20)
	for i := range big {
		big[i] = byte(i*31 + i>>16)
	}
	srv := filepath.Join(dir, "srv")
	_ = os.MkdirAll(srv, 0o755)
	if err := os.WriteFile(filepath.Join(srv, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	m := startTLSMaster(t, dir)
	if m.CAFinger() == "" {
		t.Fatal("TLS master has no CA fingerprint")
	}
	mn, ready, _ := runMinion(t, dir, m.ClientURL(), "")
	select {
	case <-ready:
	case <-time.After(15 * time.Second):
		t.Fatal("minion not ready")
	}
	pins, err := loadPins(mn.cfg.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if pins.CAFinger != m.CAFinger() || pins.JobKey != m.JobKey() {
		t.Errorf("pins = %+v; want CA %s and job key %s", pins, m.CAFinger(), m.JobKey())
	}
	if fi, err := os.Stat(filepath.Join(mn.cfg.StateDir, KeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("minion key: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}

	// Count the chunks the master sends, as the operator sees them.
	op, err := master.ReadKey(filepath.Join(dir, "master", master.OperatorFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := op.PublicKey()
	onc, err := nats.Connect(m.ClientURL(), nats.Nkey(pub, op.Sign), nats.RootCAs(filepath.Join(dir, "master", master.CAFile)))
	if err != nil {
		t.Fatal(err)
	}
	defer onc.Close()
	var chunks, asks atomic.Int64
	_, _ = onc.Subscribe(proto.SubjFileChunk("m1"), func(*nats.Msg) { chunks.Add(1) })
	_, _ = onc.Subscribe(proto.SubjFile("m1"), func(*nats.Msg) { asks.Add(1) })
	_ = onc.Flush()

	f := &remoteFiles{m: mn, env: "base"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got, err := f.ReadFile(ctx, "salt://big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, big) {
		t.Fatalf("50 MB file came back different (%d bytes)", len(got))
	}
	// The master chooses the chunk size; the minion is told it.
	wantChunks := int64((len(big) + master.ChunkSize - 1) / master.ChunkSize)
	if n := seen(&chunks, wantChunks); n != wantChunks {
		t.Errorf("first fetch took %d chunks; want %d", n, wantChunks)
	}
	// The same job reads it again: no round trip at all.
	if _, err := f.ReadFile(ctx, "salt://big.bin"); err != nil {
		t.Fatal(err)
	}
	if n := seen(&asks, 1); n != 1 {
		t.Errorf("a job asked the master %d times for one file; want once", n)
	}
	// A later job asks for the hash only: the disk cache has the content.
	if _, err := (&remoteFiles{m: mn, env: "base"}).ReadFile(ctx, "salt://big.bin"); err != nil {
		t.Fatal(err)
	}
	if n := seen(&chunks, wantChunks); n != wantChunks {
		t.Errorf("unchanged file was sent again: %d chunks in all", n)
	}
	for _, bad := range []string{"salt://../master/operator.nk", "salt://nope.txt"} {
		if _, err := f.ReadFile(ctx, bad); err == nil {
			t.Errorf("ReadFile(%s) worked; want refused", bad)
		}
	}
}

func TestWrongCAFingerRefused(t *testing.T) {
	dir := t.TempDir()
	m := startTLSMaster(t, dir)
	_, ready, _ := runMinion(t, dir, m.ClientURL(), "00:11:22")
	select {
	case <-ready:
		t.Fatal("minion trusted a master whose CA does not match master_finger")
	case <-time.After(2 * time.Second):
	}
}
