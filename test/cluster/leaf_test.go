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

const leafTree = `
-- top.sls --
base:
  '*':
    - site
-- site.sls --
hello:
  file.managed:
    - name: /site/hello
    - contents: from the centre
    - makedirs: True
`

// TestRemoteSiteLeaf: a master that takes leaf nodes, a brine leaf
// joined to it, and a minion that connects to the leaf alone, TLS on
// every link (the leaf's certificate from brine leaf cert). Its key
// is accepted at the centre; test.ping and a state.apply from the
// centre reach it through the leaf and return. Rejected at the centre,
// it is out once its authorisation expires (auth_ttl).
func TestRemoteSiteLeaf(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a master, a leaf node and a minion")
	}
	hub := harness.FreePort(t)
	e := harness.NewEnv(t, leafTree, "", fmt.Sprintf("tls: true\nauth_ttl: 3s\nleafnodes: {listen: 127.0.0.1:%d}\n", hub))
	finger := regexp.MustCompile(`master ready.*ca_finger=(\S+)`).FindStringSubmatch(e.Master.LogText())
	if finger == nil {
		t.Fatalf("no ca_finger in the master's log")
	}

	// The leaf's certificate, issued at the centre from the master's CA;
	// the master's secret and CA copied to the leaf.
	site := harness.FreePort(t)
	dir := filepath.Join(e.Dir, "leaf")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := e.Brine("leaf", "cert", "-c", e.Etc, "-o", dir, "127.0.0.1"); code != 0 {
		t.Fatalf("brine leaf cert: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{master.LeafSecretFile, master.CAFile} {
		b, err := os.ReadFile(filepath.Join(e.Dir, "master", f))
		if err != nil {
			t.Fatal(err)
		}
		harness.WriteFile(t, filepath.Join(dir, f), string(b))
	}
	harness.WriteFile(t, filepath.Join(dir, "leaf.yaml"), fmt.Sprintf(`name: site-a
listen: 127.0.0.1:%d
hub: tls://127.0.0.1:%d
tls_cert: leaf.pem
tls_key: leaf-key.pem
log_level: debug
`, site, hub))
	leaf := harness.StartProc(t, "leaf", filepath.Join(dir, "leaf.log"), "leaf", "-c", dir)
	t.Cleanup(func() {
		leaf.Stop()
		if strings.Contains(leaf.LogText(), "WARNING: DATA RACE") {
			t.Errorf("leaf: data race (BRINE_E2E_RACE)")
		}
		if t.Failed() {
			t.Logf("--- leaf log (end):\n%s", harness.Tail(leaf.LogText(), 3000))
		}
	})
	leaf.WaitLog("leaf ready", 1, 20*time.Second)
	leaf.WaitLog(`Leafnode connection created`, 1, 20*time.Second)

	// The minion knows the leaf alone.
	mdir := filepath.Join(e.Dir, "m1")
	if err := os.MkdirAll(filepath.Join(mdir, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(mdir, "minion.yaml"),
		// Grains over a pending key's 4 KB: once the key is revoked,
		// the reconnect must not send them (the leaf closed such a
		// connection for good, and the minion went silent).
		harness.MinionYAML("m1", fmt.Sprintf("tls://127.0.0.1:%d", site), mdir, "big: "+strings.Repeat("x", 5000), ""))
	e.Minions["m1"] = harness.StartProc(t, "m1", filepath.Join(mdir, "minion.log"), "minion", "-c", mdir)
	e.AcceptAll("m1")
	// The minion pinned the master's CA, through the leaf.
	e.Minions["m1"].WaitLog(`msg="pinned the master".*ca_finger=`+regexp.QuoteMeta(finger[1]), 1, 10*time.Second)

	out, errOut, code := e.Brine("*", "test.ping", "--out", "json")
	if code != 0 || !strings.Contains(out, `"m1": true`) {
		t.Fatalf("test.ping through the leaf: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = e.Brine("m1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply through the leaf: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(mdir, "root", "site", "hello"))
	if err != nil || string(b) != "from the centre\n" {
		t.Fatalf("the state's file on the site's minion: %q, %v", b, err)
	}

	// Revoked at the centre: the master cannot disconnect a client of
	// the leaf; the authorisation expires (auth_ttl) and the next one
	// gives the key pending rights alone.
	if out, errOut, code := e.Brine("key", "reject", "m1", "--include-accepted", "-y"); code != 0 {
		t.Fatalf("key reject: exit %d\n%s\n%s", code, out, errOut)
	}
	e.Minions["m1"].WaitLog(`msg="key pending \(or rejected\) on the master"`, 2, 30*time.Second)
	if strings.Contains(leaf.LogText(), "maximum payload exceeded") {
		t.Errorf("the revoked minion sent the leaf a message over a pending key's limit (its grains, before its hello):\n%s", harness.Tail(leaf.LogText(), 2000))
	}
	if out, _, code := e.Brine("m1", "test.ping", "-t", "2"); code == 0 || strings.Contains(out, "True") {
		t.Errorf("a rejected minion on the leaf answered: exit %d\n%s", code, out)
	}
}

// startLeaf starts brine leaf for a site named name, joined to hubs,
// with the master's leaf-secret.yaml copied from state; the site's
// minions connect to the URL it returns. The test's cleanup stops it.
func startLeaf(t *testing.T, dir, name, state string, hubs []string) (*harness.Proc, string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(state, master.LeafSecretFile))
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(dir, master.LeafSecretFile), string(b))
	site := harness.FreePort(t)
	harness.WriteFile(t, filepath.Join(dir, "leaf.yaml"), fmt.Sprintf("name: %s\nlisten: 127.0.0.1:%d\nhub: [%s]\n",
		name, site, strings.Join(hubs, ", ")))
	leaf := harness.StartProc(t, name, filepath.Join(dir, "leaf.log"), "leaf", "-c", dir)
	t.Cleanup(func() {
		if strings.Contains(leaf.LogText(), "WARNING: DATA RACE") {
			t.Errorf("%s: data race (BRINE_E2E_RACE)", name)
		}
		if t.Failed() {
			t.Logf("--- %s log (end):\n%s", name, harness.Tail(leaf.LogText(), 3000))
		}
	})
	leaf.WaitLog("leaf ready", 1, 30*time.Second)
	leaf.WaitLog("Leafnode connection created", 1, 30*time.Second)
	return leaf, fmt.Sprintf("nats://127.0.0.1:%d", site)
}

var leafJoinedRE = regexp.MustCompile(`127\.0\.0\.1:(\d+) - lid:\d+ - Leafnode connection created`)

// leafJoins is how many leaf connections the leaf has made so far.
func leafJoins(leaf *harness.Proc) int {
	return strings.Count(leaf.LogText(), "Leafnode connection created")
}

// leafHubPort is the hub port of the leaf's latest leaf connection.
func leafHubPort(t *testing.T, leaf *harness.Proc) int {
	t.Helper()
	all := leafJoinedRE.FindAllStringSubmatch(leaf.LogText(), -1)
	if len(all) == 0 {
		t.Fatalf("%s: no leaf connection in its log", leaf.Name)
	}
	var p int
	fmt.Sscan(all[len(all)-1][1], &p)
	return p
}

// TestRemoteSiteLeafOnCluster: a remote site's leaf node joined to a
// cluster of three masters, each embedding a node with a leafnodes
// listener, the leaf given all three. The site's minions are accepted
// and targeted from the centre; the master the leaf is on is killed
// while a job runs on them: the leaf joins another node, every return
// of that job arrives, the site's minions keep answering, and a site
// minion that logs in again is authorised by the master of the node the
// leaf is on now.
func TestRemoteSiteLeafOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: three masters, a leaf node, minions")
	}
	c := harness.NewClusterWith(t, harness.ClusterSpec{N: 3, States: leafTree, LeafNodes: true})
	var hubs []string
	for _, n := range c.Nodes {
		hubs = append(hubs, n.LeafURL())
	}
	leaf, siteURL := startLeaf(t, filepath.Join(c.Dir, "leaf"), "site-a", c.Nodes[0].State, hubs)
	site := []string{"s1", "s2", "s3"}
	for _, id := range site {
		c.AddMinionAt(id, siteURL, "site: a", "")
	}
	c.AddMinion("c1", "site: centre", "")
	all := append([]string{"c1"}, site...)
	c.AcceptAll(all...)

	on := -1
	port := leafHubPort(t, leaf)
	for i, n := range c.Nodes {
		if n.LeafPort == port {
			on = i
		}
	}
	if on < 0 {
		t.Fatalf("the leaf joined port %d, no node's", port)
	}
	var others []int
	for i := range c.Nodes {
		if i != on {
			others = append(others, i)
		}
	}
	t.Logf("the leaf is on node %d", on)

	// A job on the site's minions, and the node the leaf is on killed
	// while they run it: every return arrives. The job ends half a
	// second after it starts, before the leaf is back on another node
	// (it tries every second): the site's returns are sent in the gap,
	// and sent again until a master has stored them.
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := c.BrineAt(others, "-L", strings.Join(all, ","), "cmd.run", "sleep 0.5; echo done", "--out", "json", "-t", "60")
		done <- result{out, errOut, code}
	}()
	for _, id := range site {
		c.Minions[id].WaitLog(`fun=cmd.run`, 1, 30*time.Second)
	}
	joins := leafJoins(leaf)
	c.Kill(on)
	killed := time.Now()
	leaf.WaitLog("Leafnode connection created", joins+1, 30*time.Second)
	t.Logf("the leaf joined another node %v after the kill", time.Since(killed).Round(10*time.Millisecond))
	if p := leafHubPort(t, leaf); p == port {
		t.Fatalf("the leaf joined the killed node's port %d again", p)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the job across the failover never ended")
	}
	resent := 0
	for _, id := range site {
		resent += strings.Count(c.Minions[id].LogText(), "return not stored yet, retrying")
	}
	t.Logf("the job ended %v after the kill; the site's minions sent a return again %d times", time.Since(killed).Round(10*time.Millisecond), resent)
	for _, id := range all {
		if !strings.Contains(r.out, fmt.Sprintf("%q: \"done\"", id)) {
			t.Errorf("no return of %s across the leaf's failover: exit %d\n%s\n%s", id, r.code, r.out, r.errOut)
		}
	}

	// The site stays reachable through the node the leaf is on now.
	out, errOut, code := c.BrineAt(others, "-L", strings.Join(site, ","), "test.ping", "--out", "json")
	if code != 0 || strings.Count(out, ": true") != len(site) {
		t.Fatalf("test.ping of the site after the failover: exit %d\n%s\n%s", code, out, errOut)
	}
	// A site minion that logs in again is authorised through the leaf's
	// new node.
	c.Minions["s1"].Stop()
	c.Minions["s1"].Start()
	c.WaitPing("s1")
	out, errOut, code = c.BrineAt(others, "s1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply on a site minion after the failover: exit %d\n%s\n%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(c.Dir, "s1", "root", "site", "hello")); err != nil || string(b) != "from the centre\n" {
		t.Fatalf("the state's file on the site's minion: %q, %v", b, err)
	}
}

// TestRemoteSiteLeafOnExternalCluster: two masters on a cluster of
// three nats-server processes run apart (nats_url with the three; the
// servers built from go.mod's module), configured as docs/scaling.md
// says, with leafnodes listeners whose login the master writes
// (nats-leaf-auth.conf), and a brine leaf given the three. The
// callouts of the leaf's minions reach the masters through the leaf and
// the cluster (one of the two answers): a minion of the site and one at
// the centre are accepted and targeted alike. The node the leaf is on
// is killed during a job on them: the leaf joins another node, every
// return arrives, and a site minion started again is authorised.
func TestRemoteSiteLeafOnExternalCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: three nats-servers, two masters, a leaf node, minions")
	}
	const nodes = 3
	dir := t.TempDir()
	harness.WriteTree(t, filepath.Join(dir, "srv"), leafTree)
	harness.WriteTree(t, filepath.Join(dir, "pillar"), "")
	nn := newNATSNodes(t, nodes, "nats")
	natsURL := strings.Join(nn.urls, ",")
	etc := func(i int) string { return filepath.Join(dir, fmt.Sprintf("m%d", i), "etc") }
	state := func(i int) string { return filepath.Join(dir, fmt.Sprintf("m%d", i), "state") }
	for i := range 2 {
		harness.WriteFile(t, filepath.Join(etc(i), "master.yaml"), fmt.Sprintf(`nats_url: %s
state_dir: %s
file_roots: {base: [%s/srv]}
pillar_roots: {base: [%s/pillar]}
presence_ttl: 3s
log_level: debug
`, natsURL, state(i), dir, dir))
	}
	// The first master's first start makes the key set and what the
	// servers need, and ends: no server knows it yet.
	first := harness.StartProc(t, "master-first", filepath.Join(dir, "master-first.log"), "master", "-c", etc(0))
	if code := first.Exit(60 * time.Second); code == 0 {
		t.Fatalf("a master whose servers are not up exited 0:\n%s", first.LogText())
	}
	if err := master.CopyKeySet(state(0), state(1)); err != nil {
		t.Fatal(err)
	}
	servers := nn.start(t, dir, state(0))
	var masters []*harness.Proc
	for i := range 2 {
		masters = append(masters, harness.StartProc(t, fmt.Sprintf("master%d", i), filepath.Join(dir, fmt.Sprintf("master%d.log", i)), "master", "-c", etc(i)))
	}
	e := &harness.Env{T: t, Dir: dir, Etc: etc(0), Master: masters[0], Minions: map[string]*harness.Proc{}}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range append(append(append([]*harness.Proc{}, servers...), masters...), e.Minions["c1"], e.Minions["s1"]) {
				if p != nil {
					t.Logf("--- %s log (end):\n%s", p.Name, harness.Tail(p.LogText(), 3000))
				}
			}
		}
	})
	for _, m := range masters {
		m.WaitLog("master ready", 1, 90*time.Second)
	}

	var hubs []string
	for _, p := range nn.leafPorts {
		hubs = append(hubs, fmt.Sprintf("nats-leaf://127.0.0.1:%d", p))
	}
	leaf, siteURL := startLeaf(t, filepath.Join(dir, "leaf"), "site-b", state(0), hubs)
	site := []string{"s1", "s2"}
	for _, id := range site {
		sdir := filepath.Join(dir, id)
		if err := os.MkdirAll(filepath.Join(sdir, "root"), 0o755); err != nil {
			t.Fatal(err)
		}
		harness.WriteFile(t, filepath.Join(sdir, "minion.yaml"), harness.MinionYAML(id, siteURL, sdir, "site: b", ""))
		e.Minions[id] = harness.StartProc(t, id, filepath.Join(sdir, "minion.log"), "minion", "-c", sdir)
	}
	cdir := filepath.Join(dir, "c1")
	if err := os.MkdirAll(filepath.Join(cdir, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(cdir, "minion.yaml"), harness.MinionYAML("c1", "["+strings.Join(nn.urls, ", ")+"]", cdir, "site: centre", ""))
	e.Minions["c1"] = harness.StartProc(t, "c1", filepath.Join(cdir, "minion.log"), "minion", "-c", cdir)
	all := append([]string{"c1"}, site...)
	e.AcceptAll(all...)

	out, errOut, code := e.Brine("s1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply through the leaf: exit %d\n%s\n%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "s1", "root", "site", "hello")); err != nil || string(b) != "from the centre\n" {
		t.Fatalf("the state's file on the site's minion: %q, %v", b, err)
	}

	// The node the leaf is on killed during a job on the site.
	brine := killLeafsNode(t, leaf, nn, servers, etc(0), all, site, e.Minions)
	// A site minion that logs in again is authorised through the node
	// the leaf is on now.
	e.Minions["s1"].Stop()
	e.Minions["s1"].Start()
	harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		out, errOut, code := brine("s1", "test.ping", "--out", "json", "-t", "5")
		if code != 0 || !strings.Contains(out, `"s1": true`) {
			return fmt.Errorf("s1 after its restart: exit %d\n%s\n%s", code, out, errOut)
		}
		return nil
	})
}

// killLeafsNode kills the nats-server (one of servers, the nodes nn)
// that the leaf is joined to,
// while a test.sleep of 3 s runs on the minions all, asked through the
// other nodes (with the operator of etc): once the minions on the site
// are in it. The job must end with every return after the leaf has
// joined another node. It returns how to run brine through the nodes
// left.
func killLeafsNode(t *testing.T, leaf *harness.Proc, nn *natsNodes, servers []*harness.Proc,
	etc string, all, site []string, minions map[string]*harness.Proc) func(args ...string) (string, string, int) {
	t.Helper()
	on := -1
	port := leafHubPort(t, leaf)
	for i, p := range nn.leafPorts {
		if p == port {
			on = i
		}
	}
	if on < 0 {
		t.Fatalf("the leaf joined port %d, no node's", port)
	}
	var others []string
	for i, u := range nn.urls {
		if i != on {
			others = append(others, u)
		}
	}
	brine := func(args ...string) (string, string, int) {
		return harness.RunBrine(t, append(args, "-c", etc, "--nats-url", strings.Join(others, ","))...)
	}
	type result struct {
		out, errOut string
		code        int
	}
	done := make(chan result, 1)
	go func() {
		out, errOut, code := brine("-L", strings.Join(all, ","), "test.sleep", "3", "--out", "json", "-t", "60")
		done <- result{out, errOut, code}
	}()
	for _, id := range site {
		minions[id].WaitLog(`fun=test.sleep`, 1, 30*time.Second)
	}
	joins := leafJoins(leaf)
	servers[on].Kill()
	killed := time.Now()
	leaf.WaitLog("Leafnode connection created", joins+1, 30*time.Second)
	t.Logf("the leaf joined another node %v after node %d was killed", time.Since(killed).Round(10*time.Millisecond), on)
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the job across the failover never ended")
	}
	t.Logf("the job ended %v after the kill", time.Since(killed).Round(10*time.Millisecond))
	for _, id := range all {
		if !strings.Contains(r.out, fmt.Sprintf("%q: true", id)) {
			t.Errorf("no return of %s across the leaf's failover: exit %d\n%s\n%s", id, r.code, r.out, r.errOut)
		}
	}
	return brine
}

// natsNodes are the ports of nats-server nodes on loopback: clients
// (urls: nats://, or tls:// for nodes that speak TLS), routes and
// leafnodes.
type natsNodes struct {
	ports, routePorts, leafPorts []int
	urls, routes                 []string
}

func newNATSNodes(t *testing.T, n int, scheme string) *natsNodes {
	t.Helper()
	nn := &natsNodes{}
	for range n {
		nn.ports = append(nn.ports, harness.StablePort(t))
		nn.routePorts = append(nn.routePorts, harness.StablePort(t))
		nn.leafPorts = append(nn.leafPorts, harness.StablePort(t))
		nn.urls = append(nn.urls, fmt.Sprintf("%s://127.0.0.1:%d", scheme, nn.ports[len(nn.ports)-1]))
		nn.routes = append(nn.routes, fmt.Sprintf("nats-route://127.0.0.1:%d", nn.routePorts[len(nn.routePorts)-1]))
	}
	return nn
}

// start starts the nodes, clustered, each in dir/natsN with the
// nats-auth.conf and nats-leaf-auth.conf of the master whose state dir
// is state, as docs/scaling.md configures them (2b, with a leafnodes
// listener). Nodes of tls:// URLs have client and leafnodes listeners
// with TLS, each with a certificate issued from the CA in state.
func (nn *natsNodes) start(t *testing.T, dir, state string) []*harness.Proc {
	t.Helper()
	var servers []*harness.Proc
	for i := range nn.ports {
		nd := filepath.Join(dir, fmt.Sprintf("nats%d", i))
		if err := os.MkdirAll(nd, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{master.NATSAuthFile, master.NATSLeafAuthFile} {
			b, err := os.ReadFile(filepath.Join(state, f))
			if err != nil {
				t.Fatalf("the master's first start: %v", err)
			}
			harness.WriteFile(t, filepath.Join(nd, f), string(b))
		}
		tlsConf := func(string) string { return "" }
		if strings.HasPrefix(nn.urls[i], "tls://") {
			// The node's certificate, of the cluster's CA, naming
			// its address.
			if err := master.IssueLeafCert(state, nd, []string{"127.0.0.1"}); err != nil {
				t.Fatal(err)
			}
			cert, key := filepath.Join(nd, master.LeafCertFile), filepath.Join(nd, master.LeafKeyFile)
			tlsConf = func(in string) string {
				return fmt.Sprintf("%stls {\n%s  cert_file: %s\n%s  key_file: %s\n%s}\n", in, in, cert, in, key, in)
			}
		}
		harness.WriteFile(t, filepath.Join(nd, "nats-server.conf"), fmt.Sprintf(`server_name: nats%d
listen: 127.0.0.1:%d
%sjetstream {
  store_dir: %s/js
}
cluster {
  name: brine
  listen: 127.0.0.1:%d
  routes: [%s]
}
leafnodes {
  listen: 127.0.0.1:%d
%s  include %s
}
include %s
`, i, nn.ports[i], tlsConf(""), nd, nn.routePorts[i], strings.Join(nn.routes, ", "), nn.leafPorts[i], tlsConf("  "),
			master.NATSLeafAuthFile, master.NATSAuthFile))
		servers = append(servers, harness.StartNATSServer(t, fmt.Sprintf("nats%d", i), filepath.Join(nd, "nats-server.conf"), filepath.Join(nd, "nats.log")))
	}
	for _, s := range servers {
		s.WaitLog("Server is ready", 1, 30*time.Second)
	}
	return servers
}
