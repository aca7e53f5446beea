package master

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
)

// TestReadOnlyOperator: the read-only credential lists keys and jobs and
// can do nothing else.
func TestReadOnlyOperator(t *testing.T) {
	m := startMaster(t, t.TempDir())
	kp, err := ReadKey(filepath.Join(m.cfg.StateDir, ReadOnlyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	errs := make(chan error, 16)
	nc, err := nats.Connect(m.ClientURL(), nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(proto.ReadOnlyInbox),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var kl proto.KeyListReply
	if err := ask(t, nc, proto.ReadOnlySubject(proto.SubjKeyList), &proto.KeyListRequest{}, &kl); err != nil {
		t.Fatalf("read-only key list: %v", err)
	}
	var jl proto.JobsListReply
	if err := ask(t, nc, proto.ReadOnlySubject(proto.SubjJobsList), &proto.JobsRequest{}, &jl); err != nil {
		t.Fatalf("read-only jobs list: %v", err)
	}
	for _, subj := range []string{proto.SubjPublish, proto.SubjKeyAction, proto.SubjJobsKill, proto.SubjJob("m1"), proto.SubjKeyList} {
		_ = nc.Publish(subj, []byte(`{"v":1}`))
		_ = nc.Flush()
		want := `Permissions Violation for Publish to "` + subj + `"`
		select {
		case err := <-errs:
			if !strings.Contains(err.Error(), want) {
				t.Errorf("publish %s: %v", subj, err)
			}
		case <-time.After(2 * time.Second):
			t.Errorf("read-only publish to %s was not denied", subj)
		}
	}
}

// TestExternalNATS runs the master against a NATS server of its own
// (--nats-url), configured for brine's auth callout, and checks a minion
// gets in, pending first, accepted after.
func TestExternalNATS(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	key := func(name string, mk func() (nkeys.KeyPair, error)) string {
		kp, err := LoadOrCreateKey(filepath.Join(state, name), mk)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		return pub
	}
	if err := mkdir(state); err != nil {
		t.Fatal(err)
	}
	issuer, svc := key(IssuerFile, nkeys.CreateAccount), key(ServiceFile, nkeys.CreateUser)
	op, ro := key(OperatorFile, nkeys.CreateUser), key(ReadOnlyFile, nkeys.CreateUser)
	// What an operator of the cluster writes in its config.
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: filepath.Join(dir, "js"),
		NoLog: true, NoSigs: true,
		Nkeys:       []*server.NkeyUser{{Nkey: svc}, {Nkey: op}, {Nkey: ro, Permissions: readOnlyPermissions()}},
		AuthCallout: &server.AuthCallout{Issuer: issuer, Account: "$G", AuthUsers: []string{svc, op, ro}},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	if !s.ReadyForConnections(60 * time.Second) {
		t.Fatal("nats server not ready")
	}
	cfg := Defaults()
	cfg.StateDir = state
	cfg.NATSURL = s.ClientURL()
	cfg.PresenceTTL = Duration(3 * time.Second)
	cfg.AuthTTL = Duration(2 * time.Second)
	m := New(&cfg, Options{Log: testLog()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	opc := operator(t, m)
	m1 := connectMinion(t, s.ClientURL(), "m1")
	m1.requestKey(t)
	checkFor(t, 3*time.Second, 20*time.Millisecond, func() error {
		var kl proto.KeyListReply
		if err := ask(t, opc, proto.SubjKeyList, &proto.KeyListRequest{}, &kl); err != nil {
			return err
		}
		if len(kl.Keys) != 1 || kl.Keys[0].State != proto.KeyPending {
			return errors.New("no pending key")
		}
		return nil
	})
	var ka proto.KeyActionReply
	if err := ask(t, opc, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"m1"}}, &ka); err != nil {
		t.Fatal(err)
	}
	// The master cannot disconnect clients of a server it does not run;
	// the minion reconnects and is authorised anew.
	_ = m1.nc.ForceReconnect()
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
	// Presence is what says connected on an external server.
	b, _ := proto.Marshal(&proto.Presence{ID: "m1", Status: proto.Online, Time: time.Now()})
	_ = m1.nc.Publish(proto.SubjPresence("m1"), b)
	_ = m1.nc.Flush()
	checkFor(t, 3*time.Second, 50*time.Millisecond, func() error {
		var mr proto.MinionsReply
		if err := ask(t, opc, proto.SubjMinions, &proto.MinionsRequest{}, &mr); err != nil {
			return err
		}
		if len(mr.Minions) != 1 || !mr.Minions[0].Connected {
			return errors.New("m1 not connected")
		}
		return nil
	})
	// Its metrics, with no server of its own to read: JetStream from the
	// account, connections from presence, no nats_server_* figures.
	fams := gatherFamilies(t, m)
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"brine_master_minions_connected", nil, 1},
		{"brine_master_scrape_collector_success", metrics.L("collector", "jetstream"), 1},
		{"brine_master_scrape_collector_success", metrics.L("collector", "nats"), 1},
		{"brine_master_nats_client_connected", metrics.L("conn", "auth"), 1},
	} {
		if got, ok := fams.Value(tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("external: %s%v = %v (found %v); want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if v, _ := fams.Value("brine_master_jetstream_streams", nil); v < 1 {
		t.Errorf("external: brine_master_jetstream_streams = %v; want the account's streams", v)
	}
	if _, ok := fams["brine_master_nats_server_connections"]; ok {
		t.Error("external: server figures served for a server the master does not run")
	}

	// The master cannot kick connections on a server it does not run:
	// a deleted key is out once its authorisation expires (auth_ttl).
	if err := ask(t, opc, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyDelete, IDs: []string{"m1"}}, &ka); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		b, _ := proto.Marshal(&proto.Hello{ID: "m1"})
		if _, err := m1.nc.Request(proto.SubjHello("m1"), b, 300*time.Millisecond); err == nil {
			return errors.New("a deleted key is still answered as accepted")
		}
		return nil
	})
}
