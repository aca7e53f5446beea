package minion

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

// master: in minion.yaml is one URL or, as in Salt, a list.
func TestMasterList(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    string
		wantErr string
	}{
		{"one", "master: tls://m1:4222\n", "tls://m1:4222", ""},
		{"a list", "master:\n  - tls://m1:4222\n  - tls://m2:4222\n", "tls://m1:4222,tls://m2:4222", ""},
		{"a flow list", "master: [tls://m1, tls://m2]\n", "tls://m1,tls://m2", ""},
		{"a list of one", "master: [nats://127.0.0.1:4222]\n", "nats://127.0.0.1:4222", ""},
		{"commas, as nats.go writes them", "master: tls://m1,tls://m2\n", "tls://m1,tls://m2", ""},
		{"empty list", "master: []\n", "", "line 2: master is an empty list"},
		{"null", "master:\n", "", "line 2: master is empty"},
		{"a mapping", "master: {url: tls://m1}\n", "", "master is a URL or a list of URLs, not a mapping"},
		{"two in one entry", "master: ['tls://m1,tls://m2']\n", "", "one URL per list entry"},
		{"a list in the list", "master: [[tls://m1]]\n", "", "each master in the list is one URL"},
		{"mixed schemes", "master: [tls://m1, nats://127.0.0.1]\n", "", "same scheme"},
		{"one twice", "master: [tls://m1:4222, tls://m1]\n", "", "listed twice"},
		{"plain text beyond loopback in the list", "master: [nats://127.0.0.1, nats://10.0.0.2]\n", "", "plain text to a master beyond loopback"},
		{"unknown key still named, with its line", "master: [tls://m1]\nmaster_type: failover\n", "", "line 3: field master_type not found"},
		{"a key twice", "master: tls://m1\nmaster: tls://m2\n", "", "line 3: key master given again (first on line 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "minion.yaml"), []byte("id: m1\n"+tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadConfig(%q) = %v; want error containing %q", tt.yaml, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%q) = %v", tt.yaml, err)
			}
			if c.Master != tt.want {
				t.Errorf("LoadConfig(%q).Master = %q; want %q", tt.yaml, c.Master, tt.want)
			}
			if c.ID != "m1" || c.Saltenv != "base" {
				t.Errorf("LoadConfig(%q) lost the other keys: %+v", tt.yaml, c)
			}
		})
	}
}

// A failure to reach one master of several is told of that one.
func TestDiagnoseNamesTheMasterThatFailed(t *testing.T) {
	addr, refused := refusedDial(t)
	u, err := ParseMasterURL("nats://127.0.0.1:1," + "nats://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	d := &masterDialer{url: u, ca: &caPin{}}
	_, err = d.Dial("tcp", addr)
	if err == nil {
		t.Fatal("dial to nothing worked")
	}
	if Classify(err) != Classify(refused) {
		t.Errorf("Classify(%v) = %s; want %s", err, Classify(err), Classify(refused))
	}
	if got := Diagnose(err, u, "m1").What; !strings.Contains(got, addr) || strings.Contains(got, "127.0.0.1:1 ") {
		t.Errorf("diagnosis %q; want it to name %s, the master that failed", got, addr)
	}
}

// A minion given a master that is down and one that is up gets in by
// the one that is up.
func TestMinionTriesTheNextMaster(t *testing.T) {
	dir := t.TempDir()
	m := startPlainMaster(t, dir, "m*")
	down, _ := refusedDial(t)
	mn, logs, ready := runLogged(t, dir, "m1", "nats://"+down+","+m.ClientURL(), nil)
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("the minion did not get in by the master that is up:\n%s", logs)
	}
	if got := mn.nc.ConnectedUrl(); !strings.Contains(m.ClientURL(), strings.TrimPrefix(got, "nats://")) {
		t.Errorf("connected to %s; want %s", got, m.ClientURL())
	}
}

// startTLSCluster starts three masters on loopback with TLS, each one
// node of a NATS cluster, as docs/scaling.md does it: the first makes
// the key set and its CA at its first start, the others get a copy
// before theirs.
func startTLSCluster(t *testing.T, dir string) []*master.Master {
	t.Helper()
	var cfgs []*master.Config
	var routes []string
	for i := range 3 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, "nats-route://"+l.Addr().String())
		l.Close()
		cfg := master.Defaults()
		cfg.Port = freePort(t)
		cfg.TLS = true
		cfg.StateDir = filepath.Join(dir, fmt.Sprintf("master%d", i))
		cfg.FileRoots = map[string][]string{"base": {filepath.Join(dir, "srv")}}
		cfg.AutoAcceptIDs = []string{"m*"}
		cfg.ServerName = fmt.Sprintf("n%d", i)
		cfg.PresenceTTL = master.Duration(3 * time.Second)
		cfgs = append(cfgs, &cfg)
	}
	for i, cfg := range cfgs {
		cfg.Cluster = master.ClusterConfig{Name: "t", Listen: strings.TrimPrefix(routes[i], "nats-route://"), Routes: routes}
	}
	// The bound only ends a cluster that cannot form: three nodes
	// electing JetStream leaders on a loaded 2-core machine took more
	// than 90 s once.
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	ms := make([]*master.Master, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	done0 := make(chan struct{})
	start := func(i int) {
		ms[i] = master.New(cfgs[i], master.Options{Log: quietLog().With("node", i)})
		wg.Go(func() {
			errs[i] = ms[i].Start(ctx)
			if i == 0 {
				close(done0)
			}
		})
	}
	start(0)
	waitFor(t, "the first master's key set", func() bool {
		select {
		case <-done0:
			t.Fatalf("the first master ended alone: %v", errs[0])
		default:
		}
		_, err := os.Stat(filepath.Join(cfgs[0].StateDir, master.CAKeyFile))
		return err == nil
	})
	for i := 1; i < 3; i++ {
		if err := master.CopyKeySet(cfgs[0].StateDir, cfgs[i].StateDir); err != nil {
			t.Fatal(err)
		}
		start(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("master %d: %v", i, err)
		}
	}
	t.Cleanup(func() {
		var wg sync.WaitGroup
		for _, m := range ms {
			wg.Go(m.Shutdown)
		}
		wg.Wait()
	})
	return ms
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// A minion given every node of a cluster of masters pins the cluster's
// CA and job key once; when its node goes away it moves to another by
// itself, and jobs reach it there, signed by the same key.
func TestMinionFailsOverInACluster(t *testing.T) {
	dir := t.TempDir()
	ms := startTLSCluster(t, dir)
	var urls []string
	for _, m := range ms {
		urls = append(urls, m.ClientURL())
	}
	mn, logs, ready := runLogged(t, dir, "m1", strings.Join(urls, ","), nil)
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("minion not ready:\n%s", logs)
	}
	pins, err := loadPins(mn.cfg.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	if pins.CAFinger != ms[0].CAFinger() || pins.JobKey != ms[0].JobKey() {
		t.Fatalf("pins %+v; want the cluster's CA %s and job key %s", pins, ms[0].CAFinger(), ms[0].JobKey())
	}
	first := -1
	for i, u := range urls {
		if strings.HasSuffix(u, strings.TrimPrefix(mn.nc.ConnectedUrl(), "tls://")) {
			first = i
		}
	}
	if first < 0 {
		t.Fatalf("connected to %s, none of %v", mn.nc.ConnectedUrl(), urls)
	}
	ms[first].Shutdown()
	other := (first + 1) % 3
	waitFor(t, "the minion on another node", func() bool {
		return mn.nc.IsConnected() && !strings.HasSuffix(urls[first], strings.TrimPrefix(mn.nc.ConnectedUrl(), "tls://"))
	})

	// The operator, given the nodes that are left, runs a job on it.
	c, err := client.Connect(client.Config{URL: urls[other] + "," + urls[(first+2)%3],
		Creds:  filepath.Join(dir, fmt.Sprintf("master%d", other), master.OperatorFile),
		CAFile: filepath.Join(dir, fmt.Sprintf("master%d", other), master.CAFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var res *client.Result
	waitFor(t, "test.ping answered after the failover", func() bool {
		res, err = c.Run(ctx, client.Job{Target: "m1", TargetType: proto.TargetGlob, Fun: "test.ping", Timeout: 5 * time.Second}, nil)
		return err == nil && res.Status["m1"] == client.Returned
	})
	if r := res.Returns["m1"]; r == nil || r.Retcode != 0 {
		t.Errorf("test.ping after the failover = %+v", r)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("the failover logged errors:\n%s", logs)
	}
}

// brine minion --check walks the way to each master of the list, and
// one that is down does not hide the others.
func TestCheckEveryMaster(t *testing.T) {
	dir := t.TempDir()
	m := startPlainMaster(t, dir, "m*")
	down, _ := refusedDial(t)
	cfg := Defaults()
	cfg.ID, cfg.Master = "x1", "nats://"+down+","+m.ClientURL()
	cfg.StateDir = filepath.Join(dir, "x1", "state")
	cfg.CacheDir = filepath.Join(dir, "x1", "cache")
	steps := Check(context.Background(), &cfg)
	var failed, reached []string
	for _, s := range steps {
		switch {
		case !s.OK && !s.Skip:
			failed = append(failed, s.Name+" "+s.Detail)
		case s.Name == "greeting":
			reached = append(reached, s.Detail)
		}
	}
	if len(failed) != 1 || !strings.HasPrefix(failed[0], "connect nats://"+down+": connection refused") {
		t.Errorf("failed steps %q; want the connect to %s alone", failed, down)
	}
	if len(reached) != 1 || !strings.HasPrefix(reached[0], m.ClientURL()+": NATS server") {
		t.Errorf("greetings %q; want the one of %s", reached, m.ClientURL())
	}
}

// examples/cluster/embedded/minion.yaml reads as it is: three masters.
func TestClusterExampleMinion(t *testing.T) {
	c, err := LoadConfig(filepath.Join("..", "examples", "cluster", "embedded"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseMasterURL(c.Master)
	if err != nil || len(u.All()) != 3 || u.Scheme != "tls" {
		t.Errorf("examples/cluster/embedded/minion.yaml: master %q (%v); want three tls:// URLs", c.Master, err)
	}
}
