package master

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

func checkFor(t *testing.T, total, sleep time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(sleep)
	}
	t.Fatalf("still failing after %v: %v", total, err)
}

func testLog() *slog.Logger {
	if os.Getenv("BRINE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startMaster(t *testing.T, dir string) *Master {
	t.Helper()
	m := New(masterConfig(dir), Options{Log: testLog()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	return m
}

type testMinion struct {
	id   string
	kp   nkeys.KeyPair
	pub  string
	nc   *nats.Conn
	errs chan error
}

func connectMinion(t *testing.T, url, id string, opts ...nats.Option) *testMinion {
	t.Helper()
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	tm := &testMinion{id: id, kp: kp, pub: pub, errs: make(chan error, 16)}
	opts = append([]nats.Option{nats.Nkey(pub, kp.Sign), nats.Name(id),
		nats.CustomInboxPrefix(proto.InboxPrefix(id)), nats.IgnoreAuthErrorAbort(),
		nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case tm.errs <- err:
			default:
			}
		})}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	tm.nc = nc
	return tm
}

func (tm *testMinion) requestKey(t *testing.T) {
	now := time.Now().UTC()
	sig, _ := tm.kp.Sign(proto.KeyRequestPayload(tm.id, tm.pub, now))
	b, _ := proto.Marshal(&proto.KeyRequest{ID: tm.id, Nkey: tm.pub, Time: now, Sig: sig})
	if err := tm.nc.Publish(proto.SubjKeyRequest(tm.pub), b); err != nil {
		t.Fatal(err)
	}
	_ = tm.nc.Flush()
}

func operator(t *testing.T, m *Master) *nats.Conn {
	kp, err := ReadKey(filepath.Join(m.cfg.StateDir, OperatorFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(m.ClientURL(), nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(proto.OperatorInbox))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func ask(t *testing.T, nc *nats.Conn, subj string, req, reply proto.Message) error {
	t.Helper()
	b, _ := proto.Marshal(req)
	msg, err := nc.Request(subj, b, 5*time.Second)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(msg.Data, reply); err != nil {
		return err
	}
	var r proto.Reply
	_ = proto.Unmarshal(msg.Data, &r)
	return r.Err()
}

func TestKeysAndPermissions(t *testing.T) {
	dir := t.TempDir()
	m := startMaster(t, dir)
	for _, f := range []string{OperatorFile, ReadOnlyFile, JobKeyFile, IssuerFile} {
		fi, err := os.Stat(filepath.Join(m.cfg.StateDir, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v mode %v; want 0600", f, err, fi.Mode().Perm())
		}
	}
	op := operator(t, m)
	m1 := connectMinion(t, m.ClientURL(), "m1")

	// Pending: a hello is denied by the server.
	if _, err := m1.nc.Request(proto.SubjHello("m1"), []byte("{}"), 300*time.Millisecond); err == nil {
		t.Fatal("pending minion got a hello answer")
	}
	m1.requestKey(t)
	var kl proto.KeyListReply
	checkFor(t, 3*time.Second, 20*time.Millisecond, func() error {
		if err := ask(t, op, proto.SubjKeyList, &proto.KeyListRequest{}, &kl); err != nil {
			return err
		}
		if len(kl.Keys) != 1 || kl.Keys[0].State != proto.KeyPending || kl.Keys[0].Nkey != m1.pub {
			return errors.New("no pending key yet")
		}
		return nil
	})
	var ka proto.KeyActionReply
	if err := ask(t, op, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"m1"}}, &ka); err != nil {
		t.Fatal(err)
	}
	// Kicked, reconnected with minion rights: hello answers.
	checkFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		b, _ := proto.Marshal(&proto.Hello{ID: "m1"})
		msg, err := m1.nc.Request(proto.SubjHello("m1"), b, 300*time.Millisecond)
		if err != nil {
			return err
		}
		var hr proto.HelloReply
		if err := proto.Unmarshal(msg.Data, &hr); err != nil {
			return err
		}
		if hr.JobKey != m.JobKey() {
			return errors.New("wrong job key")
		}
		return nil
	})
	// Forbidden publishes.
	for _, subj := range []string{proto.SubjJob("m1"), proto.SubjReturn("m2", "1"), proto.SubjPillar("m2")} {
		_ = m1.nc.Publish(subj, []byte("{}"))
		_ = m1.nc.Flush()
		want := "Permissions Violation for Publish to \"" + subj + "\""
	wait:
		for {
			select {
			case err := <-m1.errs:
				if strings.Contains(err.Error(), want) {
					break wait
				}
			case <-time.After(2 * time.Second):
				t.Errorf("publish to %s was not denied", subj)
				break wait
			}
		}
	}
	// Publish a job through the master.
	jid := proto.NewJID(time.Now())
	sub, _ := m1.nc.SubscribeSync(proto.SubjJob("m1"))
	_ = m1.nc.Flush()
	var pr proto.PublishReply
	checkFor(t, 3*time.Second, 50*time.Millisecond, func() error {
		// Presence makes it count as connected.
		b, _ := proto.Marshal(&proto.Presence{ID: "m1", Status: proto.Online, Time: time.Now()})
		_ = m1.nc.Publish(proto.SubjPresence("m1"), b)
		_ = m1.nc.Flush()
		if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: "*", Fun: "test.ping"}, &pr); err != nil {
			return err
		}
		if len(pr.Minions) != 1 {
			return errors.New("m1 not connected yet")
		}
		return nil
	})
	msg, err := sub.NextMsg(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	j, err := proto.VerifyJob(msg.Data, []string{m.JobKey()}, time.Now(), proto.NewReplayCache())
	if err != nil || j.Fun != "test.ping" {
		t.Fatalf("job %+v: %v", j, err)
	}
}

func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "srv")
	_ = os.MkdirAll(root, 0o755)
	big := make([]byte, 50<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	_ = os.WriteFile(filepath.Join(root, "big.bin"), big, 0o644)
	_ = os.WriteFile(filepath.Join(dir, "secret"), []byte("x"), 0o644)
	_ = os.Symlink(filepath.Join(dir, "secret"), filepath.Join(root, "escape"))
	f := newFileServer(map[string][]string{"base": {root}}, testLog())
	info, err := f.Stat("", "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	if want := (len(big) + ChunkSize - 1) / ChunkSize; info.Chunks != want || info.Size != 50<<20 || info.ChunkSize != ChunkSize {
		t.Errorf("Stat(big.bin) = %+v; want %d chunks of %d", info, want, ChunkSize)
	}
	// Each chunk, as ReadChunk reads it and as the minion gets it: raw,
	// in one message (at most proto.PartSize, so answer sends no parts).
	var got, answered []byte
	for i := 0; i < info.Chunks; i++ {
		c, err := f.ReadChunk(info.SHA256, i)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c...)
		req, _ := proto.Marshal(&proto.ChunkRequest{SHA256: info.SHA256, Index: i, ChunkV: proto.ChunkVersion})
		b := f.onChunk(context.Background(), "m1", &nats.Msg{Data: req})
		if len(b) > proto.PartSize {
			t.Fatalf("chunk %d: an answer of %d bytes, more than one part", i, len(b))
		}
		h, data, err := proto.DecodeChunk(b)
		if err != nil || h.Index != i || h.SHA256 != info.SHA256 || !bytes.Equal(data, c) {
			t.Fatalf("chunk %d: DecodeChunk(answer) = %+v, %d bytes, %v; want the %d bytes ReadChunk read", i, h, len(data), err, len(c))
		}
		answered = append(answered, data...)
	}
	if !bytes.Equal(got, big) || !bytes.Equal(answered, big) {
		t.Error("chunks do not add up to the file")
	}
	// Refused as plain replies, which minions of every framing read: a
	// minion of the old framing (base64 in JSON) is told to upgrade; a
	// chunk the file does not have, or a hash never handed out, is no
	// chunk at all.
	for _, tt := range []struct {
		req  proto.ChunkRequest
		want string
	}{
		{proto.ChunkRequest{SHA256: info.SHA256, Index: 0}, "chunk framing 2, the minion reads framing 0"},
		{proto.ChunkRequest{SHA256: info.SHA256, Index: 0, ChunkV: 3}, "the minion reads framing 3"},
		{proto.ChunkRequest{SHA256: info.SHA256, Index: info.Chunks, ChunkV: proto.ChunkVersion}, "has no chunk"},
		{proto.ChunkRequest{SHA256: info.SHA256, Index: -1}, "has no chunk"},
		{proto.ChunkRequest{SHA256: "00", Index: 0, ChunkV: proto.ChunkVersion}, "no file with sha256"},
	} {
		req, _ := proto.Marshal(&tt.req)
		var r proto.Chunk
		if err := proto.Unmarshal(f.onChunk(context.Background(), "m1", &nats.Msg{Data: req}), &r); err != nil || !strings.Contains(r.Error, tt.want) || len(r.Data) != 0 {
			t.Errorf("chunk request %+v: answer %+v, %v; want an error reply saying %q", tt.req, r, err, tt.want)
		}
	}
	for _, p := range []string{"../secret", "/etc/passwd", "escape"} {
		if _, err := f.Stat("", p); err == nil {
			t.Errorf("Stat(%q) = nil error; want refused", p)
		}
	}
	if _, err := f.ReadChunk("00", 0); err == nil {
		t.Error("ReadChunk of an unknown hash worked")
	}
}

func mkdir(p string) error { return os.MkdirAll(p, 0o700) }
