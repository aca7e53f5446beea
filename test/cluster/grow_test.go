package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/test/harness"
)

// TestGrowToExternalServerTLS: one master with its embedded server and
// TLS, a minion accepted that pinned its CA; the master stopped, a
// nats-server started on the master's address with the master's
// certificate and the nats-auth.conf it wrote, and the master started
// again with nats_url. The minion, whose config is left as it was,
// comes back by itself through the server, its pin holding and its key
// still accepted (the master brought its store along): nothing is keyed
// or accepted again.
func TestGrowToExternalServerTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a master, a minion, a nats-server")
	}
	e := harness.NewEnv(t, leafTree, "", "tls: true\n")
	mdir := filepath.Join(e.Dir, "m1")
	if err := os.MkdirAll(filepath.Join(mdir, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("tls://127.0.0.1:%d", e.Port)
	harness.WriteFile(t, filepath.Join(mdir, "minion.yaml"), harness.MinionYAML("m1", url, mdir, "", ""))
	e.Minions["m1"] = harness.StartProc(t, "m1", filepath.Join(mdir, "minion.log"), "minion", "-c", mdir)
	e.AcceptAll("m1")
	e.Minions["m1"].WaitLog(`msg="pinned the master"`, 1, 10*time.Second)

	// The master's address goes to a nats-server.
	e.Master.Stop()
	state := filepath.Join(e.Dir, "master")
	nd := filepath.Join(e.Dir, "nats")
	b, err := os.ReadFile(filepath.Join(state, master.NATSAuthFile))
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(nd, master.NATSAuthFile), string(b))
	harness.WriteFile(t, filepath.Join(nd, "nats-server.conf"), fmt.Sprintf(`listen: 127.0.0.1:%d
tls {
  cert_file: %s
  key_file: %s
}
jetstream {
  store_dir: %s/js
}
include %s
`, e.Port, filepath.Join(state, master.CertFile), filepath.Join(state, master.KeyFile), nd, master.NATSAuthFile))
	ns := harness.StartNATSServer(t, "nats-server", filepath.Join(nd, "nats-server.conf"), filepath.Join(nd, "nats.log"))
	ns.WaitLog("Server is ready", 1, 30*time.Second)

	conf := filepath.Join(e.Etc, "master.yaml")
	old, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, conf, string(old)+"nats_url: "+url+"\n")
	e.Master = harness.StartProc(t, "master2", filepath.Join(e.Dir, "master2.log"), "master", "-c", e.Etc)
	e.Master.WaitLog("master ready", 1, 60*time.Second)
	e.Master.WaitLog(`imported the store kept alone`, 1, 10*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- nats-server log (end):\n%s", harness.Tail(ns.LogText(), 3000))
		}
	})

	harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		out, errOut, code := e.Brine("m1", "test.ping", "--out", "json", "-t", "5")
		if code != 0 || !strings.Contains(out, `"m1": true`) {
			return fmt.Errorf("m1 through the nats-server: exit %d\n%s\n%s", code, out, errOut)
		}
		return nil
	})
	if n := strings.Count(e.Minions["m1"].LogText(), `msg="pinned the master"`); n != 1 {
		t.Errorf("the minion pinned a CA %d times; want once, before the move", n)
	}
	out, errOut, code := e.Brine("m1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply after the move: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestGrowClusterToNATSServers moves a cluster of three masters that
// each run a node (2a) to masters on nats-server processes (2b), one
// node at a time, as docs/scaling.md says: the master stopped, nats-server
// started on the nats-node.conf the master wrote (the same node: its
// name, ports, routes and store), the master started again with nats_url
// in place of cluster:. The minions keep their config and key, and
// none is accepted again: after each step every one answers, and at the
// end the keys, the grains and a job run before the move are all there.
func TestGrowClusterToNATSServers(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: three masters, three nats-servers, minions")
	}
	c := harness.NewCluster(t, 3, leafTree, "", "")
	ids := []string{"g1", "g2", "g3"}
	for i, id := range ids {
		c.AddMinion(id, fmt.Sprintf("role: web, n: %d", i), "")
	}
	c.AcceptAll(ids...)
	out, errOut, code := c.Brine("*", "state.apply", "-v", "-t", "60")
	if code != 0 {
		t.Fatalf("state.apply before the move: exit %d\n%s", code, errOut)
	}
	// -v names the job on stdout, as Salt's, in the human output.
	m := regexp.MustCompile(`jid ([0-9]{20})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in:\n%s%s", out, errOut)
	}
	before := m[1]

	cluster := regexp.MustCompile(`(?m)^cluster:\n(  .*\n)+`)
	for i, n := range c.Nodes {
		c.Stop(i)
		ns := harness.StartNATSServer(t, fmt.Sprintf("nats%d", i), filepath.Join(n.State, master.NATSNodeFile),
			filepath.Join(c.Dir, fmt.Sprintf("nats%d.log", i)))
		ns.WaitLog("Server is ready", 1, 30*time.Second)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("--- nats%d log (end):\n%s", i, harness.Tail(ns.LogText(), 3000))
			}
		})
		conf := filepath.Join(n.Etc, "master.yaml")
		b, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		if !cluster.Match(b) {
			t.Fatalf("no cluster: block in %s:\n%s", conf, b)
		}
		harness.WriteFile(t, conf, cluster.ReplaceAllString(string(b), "")+"nats_url: "+c.URLs()+"\n")
		c.Start(i)
		c.WaitReady(i)
		if strings.Contains(n.Master.LogText(), "imported the store kept alone") {
			t.Fatalf("master %d took the cluster's store for one kept alone", i)
		}
		c.WaitPing(ids...)
	}

	out, errOut, code = c.Brine("jobs", "lookup", before, "--out", "json")
	if code != 0 {
		t.Fatalf("jobs lookup %s after the move: exit %d\n%s", before, code, errOut)
	}
	for _, id := range ids {
		if !strings.Contains(out, fmt.Sprintf("%q:", id)) {
			t.Errorf("the job cache lost %s's return of %s:\n%s", id, before, out)
		}
	}
	checkRegistries(t, c, nil, ids)
	if _, errOut, code := c.Brine("*", "state.apply", "-t", "60"); code != 0 {
		t.Fatalf("state.apply after the move: exit %d\n%s", code, errOut)
	}
}

// TestGrowClusterToFiveNodes adds two masters, each running a node, to
// a running cluster of three whose configs never named them (2a, from
// three nodes to five, docs/scaling.md): with the key set copied and
// every node in their routes, they join; a minion that knows only a new
// node is accepted and served; a job reaches every minion through a new
// node alone; and with one of the first three stopped, the keys, the
// grains and the jobs go on.
func TestGrowClusterToFiveNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: five masters, minions")
	}
	c := harness.NewClusterWith(t, harness.ClusterSpec{N: 5, Later: 2, States: leafTree})
	first := []string{"f1", "f2"}
	for i, id := range first {
		c.AddMinionAt(id, c.URLs(0, 1, 2), fmt.Sprintf("role: web, n: %d", i), "")
	}
	c.AcceptAll(first...)

	c.Start(3)
	c.Start(4)
	c.WaitReady(3, 4)
	c.AddMinionAt("f3", c.URLs(4), "role: web, n: 3", "")
	ids := append(first, "f3")
	harness.CheckFor(t, 60*time.Second, 500*time.Millisecond, func() error {
		out, errOut, code := c.BrineAt([]int{3}, "key", "accept", "f3", "-y")
		if code != 0 {
			return fmt.Errorf("key accept f3 through node 3: exit %d\n%s%s", code, out, errOut)
		}
		return nil
	})
	harness.CheckFor(t, 60*time.Second, 500*time.Millisecond, func() error {
		out, errOut, code := c.BrineAt([]int{3}, "*", "test.ping", "--out", "json", "-t", "5")
		for _, id := range ids {
			if !strings.Contains(out, fmt.Sprintf("%q: true", id)) {
				return fmt.Errorf("test.ping through node 3: no %s: exit %d\n%s%s", id, code, out, errOut)
			}
		}
		return nil
	})

	c.Stop(0)
	if _, errOut, code := c.BrineAt([]int{4}, "*", "state.apply", "-t", "60"); code != 0 {
		t.Fatalf("state.apply through node 4 with node 0 stopped: exit %d\n%s", code, errOut)
	}
	checkRegistries(t, c, []int{1, 4}, ids)
}
