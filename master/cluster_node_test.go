package master

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/brine-cm/brine/pkg/proto"
)

// nodeView is what a node is as its monitoring reports it, without
// what moves while it runs.
type nodeView struct {
	Name, Host       string
	Port, MaxPayload int
	TLSRequired      bool
	TLSTimeout       float64
	Cluster          server.ClusterOptsVarz
	LeafHost         string
	LeafPort         int
	LeafTLS          bool
	StoreDir         string
}

func viewOf(t *testing.T, s *server.Server) nodeView {
	t.Helper()
	v, err := s.Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	return nodeView{Name: v.Name, Host: v.Host, Port: v.Port, MaxPayload: v.MaxPayload,
		TLSRequired: v.TLSRequired, TLSTimeout: v.TLSTimeout, Cluster: v.Cluster,
		LeafHost: v.LeafNode.Host, LeafPort: v.LeafNode.Port, LeafTLS: v.LeafNode.TLSRequired,
		StoreDir: v.JetStream.Config.StoreDir}
}

// TestNodeRunApart: a node of a TLS cluster (2a) stopped and run apart
// as nats-server on the nats-node.conf its master wrote is the same
// node: the same name, listeners, TLS and store; it joins the other two
// over their TLS routes with the cluster's password; and its master,
// started again on nats_url, finds the cluster's store (keys accepted
// before) and answers the minions' logins through it (2a → 2b,
// docs/scaling.md).
func TestNodeRunApart(t *testing.T) {
	if testing.Short() {
		t.Skip("a cluster of three")
	}
	c := newTestClusterWith(t, true, nil, func(cfg *Config) {
		cfg.LeafNodes.Listen = fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t))
	})
	tm := c.acceptedOn(1, 0, "m1")
	path := filepath.Join(c.cfgs[0].StateDir, NATSNodeFile)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v; want 0600: it holds the routes' password", NATSNodeFile, fi.Mode().Perm())
	}
	want := viewOf(t, c.nodes[0].srv)
	c.stop(0)

	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("nats-server cannot read %s: %v", NATSNodeFile, err)
	}
	opts.NoSigs = true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	if !s.ReadyForConnections(30 * time.Second) {
		t.Fatal("the node run apart did not start")
	}
	got := viewOf(t, s)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the node run apart is not the embedded one:\n got %+v\nwant %+v", got, want)
	}
	checkFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if n := s.NumRoutes(); n < 2 {
			return fmt.Errorf("%d routes to the other nodes; want 2", n)
		}
		return nil
	})

	// Its route listener takes the cluster's nodes, and them only:
	// a fourth node with the password and a certificate of the CA
	// joins through it alone; one with another password does not.
	secret, err := routeSecret(c.nodes[1].issuer)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := routeTLS(c.cfgs[1].StateDir, nil, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if log := routeTo(t, opts.Cluster.Host, opts.Cluster.Port, secret, tc, "joined"); log != "" {
		t.Errorf("a node of the cluster could not join through the node run apart:\n%s", log)
	}
	if log := routeTo(t, opts.Cluster.Host, opts.Cluster.Port, "guess", tc, "authorization"); log != "" {
		t.Errorf("a node without the cluster's password was not refused:\n%s", log)
	}

	cfg := *c.cfgs[0]
	cfg.NATSURL = s.ClientURL()
	cfg.Cluster = ClusterConfig{}
	cfg.LeafNodes.Listen = ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m := New(&cfg, Options{Log: testLog().With("node", "0 on nats_url")})
	if err := m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	if m.importFrom != "" {
		t.Errorf("the master took the cluster's store for one kept alone: %s", m.importFrom)
	}
	if _, err := os.Stat(filepath.Join(cfg.StateDir, standaloneDirName)); err == nil {
		t.Errorf("the cluster's store was moved aside")
	}
	op := c.operatorAt(s.ClientURL(), cfg.StateDir)
	if st := keyState(t, op, "m1"); st != proto.KeyAccepted {
		t.Errorf("m1 is %s through the node run apart; want accepted", st)
	}
	on0 := connectMinionTo(t, s.ClientURL(), tm, c.minionTLS()...)
	checkFor(t, 15*time.Second, 100*time.Millisecond, func() error { return helloOK(on0, m.JobKey()) })
}

// routeTo starts a server whose one route goes to host:port with the
// given password and TLS, and waits until it has a route ("joined") or
// its log says want; it returns "" then, or its log when neither came.
func routeTo(t *testing.T, host string, port int, pass string, tc *tls.Config, want string) string {
	t.Helper()
	u := &url.URL{Scheme: "nats-route", Host: net.JoinHostPort(host, strconv.Itoa(port)), User: url.UserPassword(routeUser, pass)}
	rl := &routeLog{}
	s, err := server.NewServer(&server.Options{ServerName: "n3", Host: "127.0.0.1", Port: -1, NoSigs: true,
		Cluster: server.ClusterOpts{Name: "test", Host: "127.0.0.1", Port: -1, TLSConfig: tc, TLSTimeout: 2},
		Routes:  []*url.URL{u}})
	if err != nil {
		t.Fatal(err)
	}
	s.SetLoggerV2(rl, true, false, false)
	s.Start()
	defer s.Shutdown()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if want == "joined" && s.NumRoutes() > 0 || want != "joined" && strings.Contains(strings.ToLower(rl.text()), want) {
			return ""
		}
		time.Sleep(50 * time.Millisecond)
	}
	return rl.text()
}
