package master

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestGrowToExternalServer: a master that ran with its embedded server
// moves to a nats-server run apart (nats_url), configured with the
// nats-auth.conf the master wrote: its minion, with the key it had,
// is served at once (accepted, no key accept again), its grains and the
// job cache are there, and the old store is kept aside.
func TestGrowToExternalServer(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(time.Now()), Fun: "test.ping",
		Target: "*", TargetType: proto.TargetGlob, Minions: []string{"m1"}, IssuedAt: time.Now().UTC()}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	alone := Defaults()
	alone.Port = -1
	alone.StateDir = state
	m := New(&alone, Options{Log: testLog()})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tm := connectMinion(t, m.ClientURL(), "m1")
	op := operator(t, m)
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		tm.requestKey(t)
		if s := keyState(t, op, "m1"); s != proto.KeyPending {
			return fmt.Errorf("m1 is %s", s)
		}
		return nil
	})
	var ka proto.KeyActionReply
	if err := ask(t, op, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"m1"}}, &ka); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error { return helloOK(tm, m.JobKey()) })
	b, _ := proto.Marshal(&proto.Grains{ID: "m1", Grains: map[string]any{"os": "Debian"}})
	_ = tm.nc.Publish(proto.SubjGrains("m1"), b)
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		_, err := m.grainsKV.Get(ctx, proto.Token("m1"))
		return err
	})
	if err := m.storeRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}
	tm.nc.Close()
	op.Close()
	m.Shutdown()

	// The server, configured with what the master wrote.
	nd := filepath.Join(dir, "nats")
	if err := mkdir(nd); err != nil {
		t.Fatal(err)
	}
	auth, err := os.ReadFile(filepath.Join(state, NATSAuthFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nd, NATSAuthFile), auth, 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(nd, "nats-server.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("listen: 127.0.0.1:%d\njetstream {\n  store_dir: %s/js\n}\ninclude %s\n",
		freeLoopbackPort(t), nd, NATSAuthFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	opts.NoSigs, opts.NoLog = true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(60 * time.Second) {
		t.Fatal("nats server not ready")
	}

	ext := Defaults()
	ext.StateDir = state
	ext.NATSURL = s.ClientURL()
	m2 := New(&ext, Options{Log: testLog()})
	if err := m2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m2.Shutdown)
	op2 := operator(t, m2)
	defer op2.Close()
	if st := keyState(t, op2, "m1"); st != proto.KeyAccepted {
		t.Errorf("m1 is %s on the external server; want accepted, as it was", st)
	}
	// The minion, with the key it had, is served at once.
	tm2 := connectMinionTo(t, s.ClientURL(), tm)
	defer tm2.nc.Close()
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error { return helloOK(tm2, m2.JobKey()) })
	if m2.grainsOf("m1")["os"] != "Debian" {
		t.Error("no grains of m1 after the move")
	}
	if _, err := m2.jobRecord(ctx, rec.JID); err != nil {
		t.Errorf("no job %s after the move: %v", rec.JID, err)
	}
	if !fileExists(filepath.Join(state, standaloneDirName+importedSuffix)) {
		t.Error("the store kept alone is not kept aside")
	}
}
