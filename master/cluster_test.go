package master

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// testCluster is three masters in this process, each embedding one node
// of a NATS cluster on loopback, sharing one key set.
type testCluster struct {
	t     *testing.T
	dir   string
	tls   bool
	cfgs  []*Config
	nodes []*Master // nil: stopped
}

func freeLoopbackPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// shareKeys makes the key set in the first state dir and copies it to
// the others, as docs/scaling.md tells an operator to.
func shareKeys(t *testing.T, tls bool, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := mkdir(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []struct {
		name string
		mk   func() (nkeys.KeyPair, error)
	}{{IssuerFile, nkeys.CreateAccount}, {ServiceFile, nkeys.CreateUser}, {OperatorFile, nkeys.CreateUser},
		{ReadOnlyFile, nkeys.CreateUser}, {JobKeyFile, nkeys.CreateAccount}} {
		if _, err := LoadOrCreateKey(filepath.Join(dirs[0], f.name), f.mk); err != nil {
			t.Fatal(err)
		}
	}
	if tls {
		if err := makeCerts(dirs[0], nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range dirs[1:] {
		if err := CopyKeySet(dirs[0], d); err != nil {
			t.Fatal(err)
		}
	}
}

func newTestCluster(t *testing.T, tls bool) *testCluster {
	t.Helper()
	return newTestClusterWith(t, tls, nil, nil)
}

// newTestClusterWith runs before on the nodes' state dirs before the key
// set is made (and copied from the first), and tweak on each node's
// config; either may be nil.
func newTestClusterWith(t *testing.T, tls bool, before func(dirs []string), tweak func(*Config)) *testCluster {
	t.Helper()
	c := &testCluster{t: t, dir: t.TempDir(), tls: tls}
	var dirs, routes []string
	var listens []string
	for i := range 3 {
		dirs = append(dirs, filepath.Join(c.dir, fmt.Sprintf("n%d", i), "state"))
		p := freeLoopbackPort(t)
		listens = append(listens, fmt.Sprintf("127.0.0.1:%d", p))
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p))
	}
	if before != nil {
		before(dirs)
	}
	shareKeys(t, tls, dirs...)
	for i := range 3 {
		cfg := Defaults()
		cfg.Port = freeLoopbackPort(t)
		cfg.StateDir = dirs[i]
		cfg.TLS = tls
		cfg.FileRoots = map[string][]string{"base": {filepath.Join(c.dir, "srv")}}
		cfg.PillarRoots = map[string][]string{"base": {filepath.Join(c.dir, "pillar")}}
		cfg.ServerName = fmt.Sprintf("n%d", i)
		cfg.Cluster = ClusterConfig{Name: "test", Listen: listens[i], Routes: routes}
		cfg.PresenceTTL = Duration(3 * time.Second)
		if tweak != nil {
			tweak(&cfg)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		c.cfgs = append(c.cfgs, &cfg)
	}
	c.nodes = make([]*Master, 3)
	c.start(0, 1, 2)
	t.Cleanup(c.stopAll)
	return c
}

// start starts the given nodes together: each waits for the others to
// form the cluster's JetStream.
func (c *testCluster) start(idx ...int) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(c.nodes))
	for _, i := range idx {
		m := New(c.cfgs[i], Options{Log: testLog().With("node", i)})
		c.nodes[i] = m
		wg.Go(func() { errs[i] = m.Start(ctx) })
	}
	wg.Wait()
	for _, i := range idx {
		if errs[i] != nil {
			c.nodes[i] = nil
			c.t.Fatalf("node %d: %v", i, errs[i])
		}
	}
}

// stopAll stops the running nodes together: one by one, the last ones
// would wait on a store that has lost its majority.
func (c *testCluster) stopAll() {
	var wg sync.WaitGroup
	for i := range c.nodes {
		wg.Go(func() { c.stop(i) })
	}
	wg.Wait()
}

func (c *testCluster) stop(i int) {
	if c.nodes[i] != nil {
		c.nodes[i].Shutdown()
		c.nodes[i] = nil
	}
}

// urls lists the running nodes' client URLs, as a minion's master: list.
func (c *testCluster) urls() string {
	var u []string
	for i, m := range c.nodes {
		if m != nil {
			u = append(u, m.ClientURL())
		} else {
			u = append(u, c.cfgs[i].ClientURL())
		}
	}
	return strings.Join(u, ",")
}

func (c *testCluster) operator(i int) *nats.Conn {
	c.t.Helper()
	m := c.nodes[i]
	return c.operatorAt(m.ClientURL(), m.cfg.StateDir)
}

// minionTLS is what a minion of the cluster connects with: the CA it
// pinned, when the cluster speaks TLS.
func (c *testCluster) minionTLS() []nats.Option {
	if !c.tls {
		return nil
	}
	return []nats.Option{nats.RootCAs(filepath.Join(c.cfgs[0].StateDir, CAFile))}
}

// operatorAt connects to url as the operator of the key set in dir.
func (c *testCluster) operatorAt(url, dir string) *nats.Conn {
	c.t.Helper()
	kp, err := ReadKey(filepath.Join(dir, OperatorFile))
	if err != nil {
		c.t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	opts := []nats.Option{nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(proto.OperatorInbox)}
	if c.tls {
		opts = append(opts, nats.RootCAs(filepath.Join(dir, CAFile)))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(nc.Close)
	return nc
}

// acceptedOn connects a minion to node on and has the operator of node
// by accept its key; it returns once the minion is answered.
func (c *testCluster) acceptedOn(on, by int, id string) *testMinion {
	t := c.t
	t.Helper()
	tm := connectMinion(t, c.nodes[on].ClientURL(), id, c.minionTLS()...)
	op := c.operator(by)
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		tm.requestKey(t)
		if s := keyState(t, op, id); s != proto.KeyPending {
			return fmt.Errorf("%s is %s on node %d; want pending", id, s, by)
		}
		return nil
	})
	var ka proto.KeyActionReply
	if err := ask(t, op, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{id}}, &ka); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		// Node on's master authorised the connection; node by's
		// cannot kick it, so the minion reconnects, as a real one does.
		if err := helloOK(tm, c.nodes[by].JobKey()); err != nil {
			_ = tm.nc.ForceReconnect()
			return err
		}
		return nil
	})
	return tm
}

func keyState(t *testing.T, op *nats.Conn, id string) string {
	var kl proto.KeyListReply
	if err := ask(t, op, proto.SubjKeyList, &proto.KeyListRequest{}, &kl); err != nil {
		return "error: " + err.Error()
	}
	for _, k := range kl.Keys {
		if k.ID == id {
			return k.State
		}
	}
	return "absent"
}

// helloOK asks the masters for their job key as minion tm.
func helloOK(tm *testMinion, want string) error {
	b, _ := proto.Marshal(&proto.Hello{ID: tm.id})
	msg, err := tm.nc.Request(proto.SubjHello(tm.id), b, 500*time.Millisecond)
	if err != nil {
		return err
	}
	var hr proto.HelloReply
	if err := proto.Unmarshal(msg.Data, &hr); err != nil {
		return err
	}
	if hr.JobKey != want {
		return fmt.Errorf("job key %s; want %s", hr.JobKey, want)
	}
	return nil
}

// TestCluster: three masters, each embedding one node. The store is
// replicated three times; a minion on one node is authorised by that
// node's master and accepted from another's; one node going away loses
// nothing and leaves the store writable; the whole cluster stopped and
// started again still has every key, grain and job.
func TestCluster(t *testing.T) {
	c := newTestCluster(t, false)
	m0 := c.nodes[0]
	for _, m := range c.nodes {
		if m.JobKey() != m0.JobKey() {
			t.Fatalf("the masters sign with different keys: %s, %s", m.JobKey(), m0.JobKey())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, name := range []string{JobsStream, "KV_" + KeysBucket, "KV_" + GrainsBucket, "KV_" + PresenceBucket} {
		st, err := m0.js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			t.Errorf("%s: replicas %d, cluster %+v; want 3 copies", name, info.Config.Replicas, info.Cluster)
		}
	}

	// A minion on node 2, accepted by the operator on node 0.
	tm := c.acceptedOn(2, 0, "m1")
	op0 := c.operator(0)
	var ka proto.KeyActionReply
	// Its grains, sent on node 2, reach every master.
	b, _ := proto.Marshal(&proto.Grains{ID: "m1", Grains: map[string]any{"os": "Debian"}})
	if err := tm.nc.Publish(proto.SubjGrains("m1"), b); err != nil {
		t.Fatal(err)
	}
	for i, m := range c.nodes {
		checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
			if m.grainsOf("m1")["os"] != "Debian" {
				return fmt.Errorf("node %d has no grains of m1", i)
			}
			return nil
		})
	}
	// Every master counts it connected: presence, since the connection
	// is on one node only.
	pb, _ := proto.Marshal(&proto.Presence{ID: "m1", Status: proto.Online, Time: time.Now().UTC()})
	_ = tm.nc.Publish(proto.SubjPresence("m1"), pb)
	_ = tm.nc.Flush()
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		var mr proto.MinionsReply
		if err := ask(t, op0, proto.SubjMinions, &proto.MinionsRequest{}, &mr); err != nil {
			return err
		}
		if len(mr.Minions) != 1 || !mr.Minions[0].Connected {
			return fmt.Errorf("node 0 lists %+v; want m1 connected", mr.Minions)
		}
		return nil
	})
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(time.Now()), Fun: "test.ping",
		Target: "*", TargetType: proto.TargetGlob, Minions: []string{"m1"}, IssuedAt: time.Now().UTC()}}
	if err := m0.storeRecord(ctx, rec); err != nil {
		t.Fatal(err)
	}

	// Node 2 goes away: the minion moves to another node by itself,
	// and the store still takes writes with two copies of three.
	c.stop(2)
	reconnect := connectMinionTo(t, c.urls(), tm)
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error { return helloOK(reconnect, m0.JobKey()) })
	rec2 := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(time.Now()), Fun: "test.ping",
		Target: "*", TargetType: proto.TargetGlob, Minions: []string{"m1"}, IssuedAt: time.Now().UTC()}}
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error { return c.nodes[1].storeRecord(ctx, rec2) })
	reconnect.nc.Close()

	// The whole cluster stops and starts again: keys, grains and both
	// jobs are there.
	c.stopAll()
	c.start(0, 1, 2)
	op1 := c.operator(1)
	if s := keyState(t, op1, "m1"); s != proto.KeyAccepted {
		t.Errorf("after a restart of the cluster m1 is %s; want accepted", s)
	}
	for i, m := range c.nodes {
		if m.grainsOf("m1")["os"] != "Debian" {
			t.Errorf("after a restart node %d has no grains of m1", i)
		}
		for _, r := range []*proto.JobRecord{rec, rec2} {
			if _, err := m.jobRecord(ctx, r.JID); err != nil {
				t.Errorf("after a restart node %d has no job %s: %v", i, r.JID, err)
			}
		}
	}

	// A key rejected on one master is out at once on every node: the
	// master of the node the minion is on cuts it off (its
	// authorisation would last auth_ttl, 10 minutes, else).
	on2 := connectMinionTo(t, c.nodes[2].ClientURL(), tm)
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error { return helloOK(on2, m0.JobKey()) })
	if err := ask(t, op1, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyReject, IDs: []string{"m1"}, Include: true}, &ka); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		if err := helloOK(on2, m0.JobKey()); err == nil {
			return errors.New("a key rejected on node 1 is still answered on node 2")
		}
		return nil
	})
}

// TestPresenceKnownAtRestart restarts one master of a cluster while a
// minion stays connected to another node and says nothing more: the
// master knows the minion is up from its first moment (the presence
// bucket, read from the stream's leader when it starts), not only from
// the minion's next presence, up to presence_interval later. Without it
// a job asked of that master named every minion of the other nodes
// "not connected".
func TestPresenceKnownAtRestart(t *testing.T) {
	c := newTestClusterWith(t, false, nil, func(cfg *Config) {
		// Long enough to outlast the restart: only the bucket can
		// tell node 1 of the one presence below.
		cfg.PresenceTTL = Duration(time.Minute)
	})
	tm := c.acceptedOn(2, 0, "m1")
	pb, _ := proto.Marshal(&proto.Presence{ID: "m1", Status: proto.Online, Time: time.Now().UTC()})
	if err := tm.nc.Publish(proto.SubjPresence("m1"), pb); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		_, err := c.nodes[0].presence.Get(ctx, proto.Token("m1"))
		return err
	})
	if !c.nodes[1].present("m1", time.Now()) {
		t.Fatal("node 1 did not hear m1's presence")
	}

	c.stop(1)
	c.start(1)
	if !c.nodes[1].present("m1", time.Now()) {
		t.Error("node 1, started again, does not know m1 is up")
	}
	conn, notConn, _, err := c.nodes[1].resolve(ctx, "*", proto.TargetGlob)
	if err != nil || !slices.Equal(conn, []string{"m1"}) || len(notConn) != 0 {
		t.Errorf("node 1 resolves * to %v, not connected %v (%v); want m1 connected", conn, notConn, err)
	}
}

// connectMinionTo connects again as tm's key, to several URLs.
func connectMinionTo(t *testing.T, urls string, tm *testMinion, opts ...nats.Option) *testMinion {
	t.Helper()
	nc, err := nats.Connect(urls, append([]nats.Option{nats.Nkey(tm.pub, tm.kp.Sign), nats.Name(tm.id),
		nats.CustomInboxPrefix(proto.InboxPrefix(tm.id)), nats.IgnoreAuthErrorAbort(),
		nats.MaxReconnects(-1), nats.ReconnectWait(50 * time.Millisecond), nats.RetryOnFailedConnect(true)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return &testMinion{id: tm.id, kp: tm.kp, pub: tm.pub, nc: nc, errs: make(chan error, 16)}
}

// routeLog hears a server's errors.
type routeLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *routeLog) Noticef(f string, a ...any) { l.Errorf(f, a...) }
func (l *routeLog) Warnf(f string, a ...any)   { l.Errorf(f, a...) }
func (l *routeLog) Debugf(f string, a ...any)  { l.Errorf(f, a...) }
func (l *routeLog) Tracef(string, ...any)      {}
func (l *routeLog) Fatalf(f string, a ...any) {
	l.Errorf(f, a...)
}
func (l *routeLog) Errorf(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, fmt.Sprintf(f, a...))
}

func (l *routeLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.errs, "\n")
}

// TestClusterRoutesAreClosed: the routes speak TLS with the shared CA
// when asked (beyond loopback always), and a NATS server that is not
// one of the cluster's masters cannot join it: without the route
// secret it is refused, and with it but without a certificate of the
// cluster's CA too.
func TestClusterRoutesAreClosed(t *testing.T) {
	c := newTestCluster(t, true)
	for i, m := range c.nodes {
		if n := m.srv.NumRoutes(); n < 2 {
			t.Errorf("node %d has %d routes; want 2", i, n)
		}
		if !fileExists(filepath.Join(c.cfgs[i].StateDir, RouteCertFile)) {
			t.Errorf("node %d made no route certificate", i)
		}
	}
	if c.nodes[0].CAFinger() != c.nodes[1].CAFinger() {
		t.Errorf("the nodes have different CAs: %s, %s", c.nodes[0].CAFinger(), c.nodes[1].CAFinger())
	}
	route := c.cfgs[0].Cluster.Routes[0]
	secret, err := routeSecret(c.nodes[0].issuer)
	if err != nil {
		t.Fatal(err)
	}
	// A certificate of the cluster's CA (as if one leaked), and one of
	// another CA.
	ours, theirs := t.TempDir(), t.TempDir()
	for _, name := range []string{CAFile, CAKeyFile} {
		b, err := os.ReadFile(filepath.Join(c.cfgs[0].StateDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ours, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ourTLS, err := routeTLS(ours, nil, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	theirTLS, err := routeTLS(theirs, nil, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	op := c.operator(0)
	for _, tt := range []struct {
		name    string
		pass    string
		tls     *tls.Config
		wantErr string
	}{
		// It reads the node's greeting, which asks for TLS, and hangs up.
		{"no TLS", secret, nil, "router connection closed"},
		{"the secret, a certificate of another CA", secret, theirTLS, "certificate"},
		{"a certificate of the CA, no secret", "guess", ourTLS, "authorization"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := parseRoute(route)
			u.User = url.UserPassword(routeUser, tt.pass)
			rl := &routeLog{}
			opts := &server.Options{ServerName: "rogue", Host: "127.0.0.1", Port: -1, NoSigs: true,
				Cluster: server.ClusterOpts{Name: "test", Host: "127.0.0.1", Port: -1, TLSConfig: tt.tls, TLSTimeout: 2},
				Routes:  []*url.URL{u}}
			rogue, err := server.NewServer(opts)
			if err != nil {
				t.Fatal(err)
			}
			rogue.SetLoggerV2(rl, true, false, false)
			rogue.Start()
			defer rogue.Shutdown()
			checkFor(t, 15*time.Second, 50*time.Millisecond, func() error {
				if !strings.Contains(strings.ToLower(rl.text()), tt.wantErr) {
					return fmt.Errorf("the rogue's log has no %q yet:\n%s", tt.wantErr, rl.text())
				}
				return nil
			})
			// Nothing it is given reaches the cluster.
			rc, err := nats.Connect(rogue.ClientURL())
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			sub, err := op.SubscribeSync("brine.rogue")
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()
			_ = op.Flush()
			for range 5 {
				_ = rc.Publish("brine.rogue", []byte("in"))
			}
			_ = rc.Flush()
			if msg, err := sub.NextMsg(time.Second); err == nil {
				t.Errorf("a rogue server (%s) got %q into the cluster", tt.name, msg.Data)
			}
		})
	}
}

func TestClusterConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(*Config) bool
	}{
		{"alone by default", "", "", func(c *Config) bool {
			return !c.Clustered() && c.replicas(false) == 1 && c.serverName() == "brine-master"
		}},
		{"a node", "server_name: m1\ncluster: {listen: 0.0.0.0:6222, routes: [nats-route://m1:6222, nats-route://m2:6222]}\n", "", func(c *Config) bool {
			return c.Clustered() && c.Cluster.Name == DefaultClusterName && c.replicas(true) == 3 && c.serverName() == "m1"
		}},
		{"replicas set", "jetstream_replicas: 2\n", "", func(c *Config) bool { return c.replicas(true) == 2 && c.replicas(false) == 2 }},
		{"host name by default in a cluster", "cluster: {listen: ':6222', routes: [nats-route://m1:6222]}\n", "", func(c *Config) bool {
			return c.serverName() != "brine-master" && !strings.ContainsAny(c.serverName(), ". ")
		}},
		{"routes without listen", "cluster: {routes: [nats-route://m1:6222]}\n", "routes without cluster.listen", nil},
		{"listen without routes", "cluster: {listen: ':6222'}\n", "cluster.routes: empty", nil},
		{"listen without port", "cluster: {listen: m1, routes: [nats-route://m1:6222]}\n", "cluster.listen", nil},
		{"credentials in a route", "cluster: {listen: ':6222', routes: ['nats-route://u:p@m1:6222']}\n", "no credentials in a route", nil},
		{"a route of another kind", "cluster: {listen: ':6222', routes: ['tls://m1:6222']}\n", "want nats-route://host:port", nil},
		{"a route without port", "cluster: {listen: ':6222', routes: ['nats-route://m1']}\n", "want nats-route://host:port", nil},
		{"bad advertise", "cluster: {listen: ':6222', advertise: m1, routes: [nats-route://m1:6222]}\n", "cluster.advertise", nil},
		{"bad cluster name", "cluster: {name: 'a b', listen: ':6222', routes: [nats-route://m1:6222]}\n", "cluster.name", nil},
		{"bad server name", "server_name: 'm1.example'\n", "server_name", nil},
		{"cluster and nats_url", "nats_url: nats://n1:4222\ncluster: {listen: ':6222', routes: [nats-route://m1:6222]}\n", "with nats_url", nil},
		{"too many replicas", "jetstream_replicas: 7\n", "jetstream_replicas", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "master.yaml"), []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(dir)
			if tt.wantErr != "" {
				var ce *ClusterError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &ce) {
					t.Fatalf("LoadConfig(%q) = %v; want a ClusterError containing %q", tt.yaml, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%q) = %v", tt.yaml, err)
			}
			if !tt.check(c) {
				t.Errorf("LoadConfig(%q) = %+v", tt.yaml, c)
			}
		})
	}
}

// TestCopyKeySet: the key set goes over once, the same again is no
// change, and a master with keys of its own is refused.
func TestCopyKeySet(t *testing.T) {
	a, b, other := t.TempDir(), filepath.Join(t.TempDir(), "state"), t.TempDir()
	shareKeys(t, true, a)
	if err := CopyKeySet(a, b); err != nil {
		t.Fatal(err)
	}
	if err := CopyKeySet(a, b); err != nil {
		t.Errorf("copying the same key set again: %v", err)
	}
	for _, name := range ClusterKeyFiles {
		fi, err := os.Stat(filepath.Join(b, name))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", name, err, fi.Mode().Perm())
		}
	}
	if _, err := LoadOrCreateKey(filepath.Join(other, JobKeyFile), nkeys.CreateAccount); err != nil {
		t.Fatal(err)
	}
	if err := CopyKeySet(a, other); err == nil || !strings.Contains(err.Error(), "keys of its own") {
		t.Errorf("copying over another master's keys = %v; want refused", err)
	}
}

// TestRouteSecret: every master of a cluster derives the same route
// password from the shared issuer key, and another key set another.
func TestRouteSecret(t *testing.T) {
	a, _ := nkeys.CreateAccount()
	b, _ := nkeys.CreateAccount()
	seed, _ := a.Seed()
	a2, _ := nkeys.FromSeed(seed)
	sa, _ := routeSecret(a)
	sa2, _ := routeSecret(a2)
	sb, _ := routeSecret(b)
	if sa == "" || sa != sa2 || sa == sb {
		t.Errorf("route secrets: %q, %q (same key), %q (another); want equal for the same key only", sa, sa2, sb)
	}
	if strings.Contains(sa, string(seed)) {
		t.Error("the route secret shows the issuer's seed")
	}
}

// TestChunkFromAnotherMaster: a minion may ask one master for a file's
// hash and another for its chunks (a queue group); the second finds the
// file by its hash in its own tree, and one whose tree lacks it says so.
func TestChunkFromAnotherMaster(t *testing.T) {
	tree, other := t.TempDir(), t.TempDir()
	content := []byte(strings.Repeat("brine ", 1000))
	if err := os.MkdirAll(filepath.Join(tree, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "sub", "f.txt"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "g.txt"), []byte("another tree"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := newFileServer(map[string][]string{"base": {tree}}, testLog())
	b := newFileServer(map[string][]string{"base": {tree}, "dev": {other}}, testLog())
	c := newFileServer(map[string][]string{"base": {other}}, testLog())
	fi, err := a.Stat("base", "sub/f.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadChunk(fi.SHA256, 0)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("chunk 0 of %s from another master = %q, %v; want the file", fi.SHA256, clipBytes(got), err)
	}
	if _, err := c.ReadChunk(fi.SHA256, 0); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("chunk from a master whose tree lacks the file = %v; want not found", err)
	}
	made := strings.Repeat("ab", 32)
	for range 2 {
		if _, err := b.ReadChunk(made, 0); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("chunk of a made-up hash = %v; want not found", err)
		}
	}
}

func clipBytes(b []byte) []byte { return b[:min(len(b), 40)] }

// TestTreeHash: two masters serving the same tree give one hash; a tree
// with another file, or another environment, gives another.
func TestTreeHash(t *testing.T) {
	tree, other := t.TempDir(), t.TempDir()
	for p, s := range map[string]string{filepath.Join(tree, "top.sls"): "base: {}\n", filepath.Join(tree, "sub", "a.sls"): "a: {}\n", filepath.Join(other, "a.sls"): "b: {}\n"} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := newFileServer(map[string][]string{"base": {tree}}, testLog()).treeHash()
	same := newFileServer(map[string][]string{"base": {tree}}, testLog()).treeHash()
	if a == "" || a != same {
		t.Errorf("one tree, two hashes: %q %q", a, same)
	}
	for name, roots := range map[string]map[string][]string{
		"another tree":       {"base": {other}},
		"another env":        {"base": {tree}, "dev": {other}},
		"the tree elsewhere": {"prod": {tree}},
	} {
		if h := newFileServer(roots, testLog()).treeHash(); h == a {
			t.Errorf("%s: the same hash %q", name, h)
		}
	}
}

// TestGrowFromOneMaster: a master that ran alone becomes the first node
// of a cluster: its minions stay accepted (none is keyed again), their
// grains and the job cache are there, and the old store is kept aside.
func TestGrowFromOneMaster(t *testing.T) {
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(time.Now()), Fun: "test.ping",
		Target: "*", TargetType: proto.TargetGlob, Minions: []string{"m1"}, IssuedAt: time.Now().UTC()}}
	var alone string
	c := newTestClusterWith(t, false, func(dirs []string) {
		alone = dirs[0]
		cfg := Defaults()
		cfg.Port = -1
		cfg.StateDir = dirs[0]
		m := New(&cfg, Options{Log: testLog()})
		if err := m.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		defer m.Shutdown()
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
			if _, err := m.grainsKV.Get(context.Background(), proto.Token("m1")); err != nil {
				return err
			}
			return nil
		})
		if err := m.storeRecord(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		tm.nc.Close()
	}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, m := range c.nodes {
		if s := keyState(t, c.operator(i), "m1"); s != proto.KeyAccepted {
			t.Errorf("node %d: m1 is %s; want accepted, as it was on the master alone", i, s)
		}
		if m.grainsOf("m1")["os"] != "Debian" {
			t.Errorf("node %d has no grains of m1", i)
		}
		if _, err := m.jobRecord(ctx, rec.JID); err != nil {
			t.Errorf("node %d has no job %s: %v", i, rec.JID, err)
		}
	}
	if !fileExists(filepath.Join(alone, standaloneDirName+importedSuffix)) {
		t.Error("the store kept alone is not kept aside")
	}
	// Started again, nothing is imported twice.
	c.stopAll()
	c.start(0, 1, 2)
	st, err := c.nodes[0].js.Stream(ctx, JobsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("the job cache holds %d messages after a second start; want the 1 imported", info.State.Msgs)
	}
}

// TestExampleConfigs: the cluster examples read as they are.
func TestExampleConfigs(t *testing.T) {
	for _, dir := range []string{"embedded", "external"} {
		c, err := LoadConfig(filepath.Join("..", "examples", "cluster", dir))
		if err != nil {
			t.Errorf("examples/cluster/%s/master.yaml: %v", dir, err)
			continue
		}
		if dir == "embedded" && (!c.Clustered() || c.serverName() != "m1" || c.replicas(true) != 3) {
			t.Errorf("examples/cluster/embedded/master.yaml: %+v", c)
		}
		if dir == "external" && (c.Clustered() || len(strings.Split(c.NATSURL, ",")) != 3) {
			t.Errorf("examples/cluster/external/master.yaml: %+v", c)
		}
	}
}

// TestExternalCluster: three nats-server nodes configured as
// examples/cluster/external/nats-server.conf says (on loopback, with
// certificates of a CA made here), and a master that uses them through
// nats_url with all three: the store is replicated, a minion gets in by
// any node, and the node the master is on can go.
func TestExternalCluster(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	shareKeys(t, false, state)
	certs := filepath.Join(dir, "certs")
	if err := mkdir(certs); err != nil {
		t.Fatal(err)
	}
	if err := makeCerts(certs, nil); err != nil {
		t.Fatal(err)
	}
	ca, err := loadCA(certs)
	if err != nil {
		t.Fatal(err)
	}
	if err := ca.issue(filepath.Join(certs, "route.pem"), filepath.Join(certs, "route-key.pem"), "route", nil,
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}); err != nil {
		t.Fatal(err)
	}
	// The cluster's CA, for the master and the operator.
	b, err := os.ReadFile(filepath.Join(certs, CAFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, CAFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, f := range []string{IssuerFile, ServiceFile, OperatorFile, ReadOnlyFile} {
		kp, err := ReadKey(filepath.Join(state, f))
		if err != nil {
			t.Fatal(err)
		}
		keys[f], _ = kp.PublicKey()
	}
	auth := natsAuth(keys[IssuerFile], keys[ServiceFile], keys[OperatorFile], keys[ReadOnlyFile])
	issKP, _ := ReadKey(filepath.Join(state, IssuerFile))
	secret, err := leafSecret(issKP)
	if err != nil {
		t.Fatal(err)
	}
	leafAuth := natsLeafAuth(secret)
	example, err := os.ReadFile(filepath.Join("..", "examples", "cluster", "external", "nats-server.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var clientPorts, routePorts, leafPorts []int
	for range 3 {
		clientPorts = append(clientPorts, freeLoopbackPort(t))
		routePorts = append(routePorts, freeLoopbackPort(t))
		leafPorts = append(leafPorts, freeLoopbackPort(t))
	}
	servers := make([]*server.Server, 3)
	var urls []string
	for i := range 3 {
		conf := string(example)
		for _, r := range []struct{ from, to string }{
			{"server_name: nats1", fmt.Sprintf("server_name: nats%d", i+1)},
			{"listen: 0.0.0.0:4222", fmt.Sprintf("listen: 127.0.0.1:%d", clientPorts[i])},
			{"listen: 0.0.0.0:6222", fmt.Sprintf("listen: 127.0.0.1:%d", routePorts[i])},
			{"listen: 0.0.0.0:7422", fmt.Sprintf("listen: 127.0.0.1:%d", leafPorts[i])},
			{"nats-route://nats1.example:6222", fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[0])},
			{"nats-route://nats2.example:6222", fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[1])},
			{"nats-route://nats3.example:6222", fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[2])},
			{"/var/lib/nats", filepath.Join(dir, fmt.Sprintf("nats%d", i+1), "js")},
			{"/etc/nats/", certs + "/"},
		} {
			if !strings.Contains(conf, r.from) {
				t.Fatalf("examples/cluster/external/nats-server.conf has no %q", r.from)
			}
			conf = strings.ReplaceAll(conf, r.from, r.to)
		}
		nd := filepath.Join(dir, fmt.Sprintf("nats%d", i+1))
		if err := mkdir(nd); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(nd, "nats-server.conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(nd, NATSAuthFile), []byte(auth), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(nd, NATSLeafAuthFile), []byte(leafAuth), 0o600); err != nil {
			t.Fatal(err)
		}
		opts, err := server.ProcessConfigFile(filepath.Join(nd, "nats-server.conf"))
		if err != nil {
			t.Fatalf("nats-server.conf as the example writes it: %v", err)
		}
		opts.NoSigs, opts.NoLog = true, true
		s, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		servers[i] = s
		t.Cleanup(s.Shutdown)
		urls = append(urls, fmt.Sprintf("tls://127.0.0.1:%d", clientPorts[i]))
	}
	for _, s := range servers {
		if !s.ReadyForConnections(60 * time.Second) {
			t.Fatal("nats server not ready")
		}
	}

	cfg := Defaults()
	cfg.StateDir = state
	cfg.NATSURL = strings.Join(urls, ",")
	cfg.PresenceTTL = Duration(3 * time.Second)
	cfg.AuthTTL = Duration(2 * time.Second)
	m := New(&cfg, Options{Log: testLog()})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	info, err := m.cache.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 {
		t.Errorf("the job cache has %d replicas on a cluster; want 3", info.Config.Replicas)
	}
	if fileExists(filepath.Join(state, NATSAuthFile)) {
		if got, _ := os.ReadFile(filepath.Join(state, NATSAuthFile)); string(got) != auth {
			t.Errorf("%s written by the master differs from the one the servers use", NATSAuthFile)
		}
	} else {
		t.Errorf("the master wrote no %s", NATSAuthFile)
	}
	if got, err := os.ReadFile(filepath.Join(state, NATSLeafAuthFile)); err != nil || string(got) != leafAuth {
		t.Errorf("%s written by the master differs from the one the servers use: %v", NATSLeafAuthFile, err)
	}

	// A remote site's leaf joins the cluster's leafnodes listeners, TLS
	// checked against the cluster's CA, with the master's leaf-secret.yaml;
	// it shows its minions a certificate of that CA, the one they pin.
	if err := ca.issue(filepath.Join(certs, LeafCertFile), filepath.Join(certs, LeafKeyFile), "brine leaf", []string{"127.0.0.1"},
		[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}); err != nil {
		t.Fatal(err)
	}
	var hubs URLList
	for _, p := range leafPorts {
		hubs = append(hubs, fmt.Sprintf("tls://127.0.0.1:%d", p))
	}
	leaf, err := StartLeaf(&LeafConfig{Name: "site-a", Listen: "127.0.0.1:-1", Hub: hubs, Secret: filepath.Join(state, LeafSecretFile),
		CA: filepath.Join(certs, CAFile), TLSCert: filepath.Join(certs, LeafCertFile), TLSKey: filepath.Join(certs, LeafKeyFile),
		MaxPayload: 1 << 20}, testLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(leaf.Shutdown)
	checkFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		for _, s := range servers {
			if lz, err := s.Leafz(nil); err == nil && len(lz.Leafs) == 1 && lz.Leafs[0].Name == "site-a" {
				return nil
			}
		}
		return errors.New("the leaf has joined no node")
	})

	tlsOpt := nats.RootCAs(filepath.Join(state, CAFile))
	opKP, _ := ReadKey(filepath.Join(state, OperatorFile))
	opc, err := nats.Connect(cfg.NATSURL, nats.Nkey(keys[OperatorFile], opKP.Sign), nats.CustomInboxPrefix(proto.OperatorInbox), tlsOpt,
		nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer opc.Close()
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	mc, err := nats.Connect(urls[2], nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(proto.InboxPrefix("m1")), tlsOpt,
		nats.IgnoreAuthErrorAbort(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	tm := &testMinion{id: "m1", kp: kp, pub: pub, nc: mc}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		tm.requestKey(t)
		if s := keyState(t, opc, "m1"); s != proto.KeyPending {
			return fmt.Errorf("m1 is %s; want pending", s)
		}
		return nil
	})
	var ka proto.KeyActionReply
	if err := ask(t, opc, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"m1"}}, &ka); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		if err := helloOK(tm, m.JobKey()); err != nil {
			_ = tm.nc.ForceReconnect()
			return err
		}
		return nil
	})

	// A minion of the site, on the leaf over TLS: its login goes to the
	// masters through the leaf; accepted, it is served as m1 is.
	skp, _ := nkeys.CreateUser()
	spub, _ := skp.PublicKey()
	sc, err := nats.Connect(strings.Replace(leaf.ClientURL(), "nats://", "tls://", 1), nats.Nkey(spub, skp.Sign),
		nats.CustomInboxPrefix(proto.InboxPrefix("s1")), tlsOpt, nats.IgnoreAuthErrorAbort(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatalf("a minion on the leaf, over TLS: %v", err)
	}
	defer sc.Close()
	sm := &testMinion{id: "s1", kp: skp, pub: spub, nc: sc}
	checkFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		sm.requestKey(t)
		if s := keyState(t, opc, "s1"); s != proto.KeyPending {
			return fmt.Errorf("s1 is %s; want pending", s)
		}
		return nil
	})
	if err := ask(t, opc, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"s1"}}, &ka); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		if err := helloOK(sm, m.JobKey()); err != nil {
			_ = sm.nc.ForceReconnect()
			return err
		}
		return nil
	})

	// The node the master is on goes: it carries on by another.
	on := -1
	for i, u := range urls {
		if strings.HasSuffix(u, strings.TrimPrefix(m.nc.ConnectedUrl(), "tls://")) {
			on = i
		}
	}
	if on < 0 {
		t.Fatalf("the master is on %s, none of %v", m.nc.ConnectedUrl(), urls)
	}
	servers[on].Shutdown()
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: proto.NewJID(time.Now()), Fun: "test.ping",
		Target: "*", TargetType: proto.TargetGlob, Minions: []string{"m1"}, IssuedAt: time.Now().UTC()}}
	checkFor(t, 30*time.Second, 100*time.Millisecond, func() error { return m.storeRecord(ctx, rec) })
	checkFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if s := keyState(t, opc, "m1"); s != proto.KeyAccepted {
			return fmt.Errorf("after node %d went, m1 is %s", on, s)
		}
		return nil
	})
}
