package harness

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
)

// ClusterEnv is brine masters that each embed one node of a NATS
// cluster, on loopback, with their minions: the key set made by the
// first and copied to the others as docs/scaling.md says. Every route
// from one node to another goes through a Proxy of its own, so that a
// test can cut a node off from the others (Partition) and let it back
// (Heal); the nodes advertise an address where nothing listens, so that
// they never reach each other but through the routes configured.
type ClusterEnv struct {
	T       testing.TB
	Dir     string
	Nodes   []*Node
	Minions map[string]*Proc
	// proxies[i][j] carries node i's route to node j.
	proxies [][]*Proxy
}

// Node is one master of the cluster.
type Node struct {
	Etc   string // -c DIR: its master.yaml
	State string // its state dir
	Port  int    // its NATS client port
	// LeafPort is its leafnodes listener (ClusterSpec.LeafNodes).
	LeafPort int
	Master   *Proc
	starts   int // how many times it was started: "master ready" lines to wait for
}

// URL is the node's client URL.
func (n *Node) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Port) }

// NewCluster writes the state and pillar trees (as WriteTree), starts n
// masters, each one node of a cluster, and waits until every one is
// ready. extra is added to every master.yaml.
func NewCluster(t testing.TB, n int, states, pillar, extra string) *ClusterEnv {
	t.Helper()
	return NewClusterWith(t, ClusterSpec{N: n, States: states, Pillar: pillar, Extra: extra})
}

// ClusterSpec says what NewClusterWith starts.
type ClusterSpec struct {
	N                     int
	States, Pillar, Extra string
	// OwnJobKeys gives each master a job key of its own (the key set
	// copied without it): the first master's alone is trusted at first.
	OwnJobKeys bool
	// NodeStates replaces the state tree of the nodes it names: a
	// master that serves a tree of its own.
	NodeStates map[int]string
	// LeafNodes gives each master a leafnodes listener (Node.LeafPort)
	// for brine leaf nodes.
	LeafNodes bool
	// Later is how many of the N nodes, the last ones, are not started
	// (Start starts them, with the key set copied already): nodes added
	// to a running cluster. The routes of the nodes started at first
	// name those nodes only, as the config of a cluster that never
	// heard of the later ones; a later node's name every node.
	Later int
}

// NewClusterWith is NewCluster as spec says.
func NewClusterWith(t testing.TB, spec ClusterSpec) *ClusterEnv {
	t.Helper()
	n, states, pillar, extra := spec.N, spec.States, spec.Pillar, spec.Extra
	c := &ClusterEnv{T: t, Dir: t.TempDir(), Minions: map[string]*Proc{}}
	WriteTree(t, filepath.Join(c.Dir, "srv"), states)
	for i, tree := range spec.NodeStates {
		WriteTree(t, filepath.Join(c.Dir, fmt.Sprintf("srv%d", i)), tree)
	}
	WriteTree(t, filepath.Join(c.Dir, "pillar"), pillar)
	listen := make([]string, n)
	for i := range n {
		listen[i] = fmt.Sprintf("127.0.0.1:%d", StablePort(t))
	}
	c.proxies = make([][]*Proxy, n)
	for i := range n {
		c.proxies[i] = make([]*Proxy, n)
		for j := range n {
			if i != j {
				c.proxies[i][j] = NewProxy(t, listen[j])
			}
		}
	}
	for i := range n {
		node := &Node{Etc: filepath.Join(c.Dir, fmt.Sprintf("n%d", i), "etc"),
			State: filepath.Join(c.Dir, fmt.Sprintf("n%d", i), "state"), Port: StablePort(t)}
		srv := c.Dir + "/srv"
		if _, ok := spec.NodeStates[i]; ok {
			srv = fmt.Sprintf("%s/srv%d", c.Dir, i)
		}
		nodeExtra := extra
		if spec.LeafNodes {
			node.LeafPort = StablePort(t)
			nodeExtra = fmt.Sprintf("leafnodes: {listen: 127.0.0.1:%d}\n%s", node.LeafPort, extra)
		}
		var routes []string
		known := n
		if i < n-spec.Later {
			known = n - spec.Later
		}
		for j := range known {
			if i != j {
				routes = append(routes, "nats-route://"+c.proxies[i][j].Addr())
			}
		}
		WriteFile(t, filepath.Join(node.Etc, "master.yaml"), fmt.Sprintf(`port: %d
state_dir: %s
file_roots: {base: [%s]}
pillar_roots: {base: [%s/pillar]}
presence_ttl: 3s
log_level: info
server_name: n%d
cluster:
  name: test
  listen: %s
  advertise: 127.0.0.1:1
  routes: [%s]
%s`, node.Port, node.State, srv, c.Dir, i, listen[i], strings.Join(routes, ", "), nodeExtra))
		c.Nodes = append(c.Nodes, node)
	}
	t.Cleanup(c.cleanup)
	// The first master makes the key set as it starts (before it waits
	// for the others); each other gets a copy before its first start.
	c.start(0)
	CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		_, err := os.Stat(filepath.Join(c.Nodes[0].State, master.JobKeyFile))
		return err
	})
	for i := 1; i < n; i++ {
		cp := master.CopyKeySet
		if spec.OwnJobKeys {
			cp = master.CopySharedKeys
		}
		if err := cp(c.Nodes[0].State, c.Nodes[i].State); err != nil {
			t.Fatal(err)
		}
		if i < n-spec.Later {
			c.start(i)
		}
	}
	var first []int
	for i := range n - spec.Later {
		first = append(first, i)
	}
	c.WaitReady(first...)
	return c
}

func (c *ClusterEnv) start(i int) {
	n := c.Nodes[i]
	if n.Master == nil {
		n.Master = c.newProc(fmt.Sprintf("master%d", i), filepath.Join(c.Dir, fmt.Sprintf("master%d.log", i)), "master", "-c", n.Etc)
	}
	n.Master.Start()
	n.starts++
}

// StablePort is a free loopback port below the kernel's range of
// ephemeral ports: a node started again must find its ports free, and
// one in that range can be taken meanwhile by any connection out of
// this machine's processes (FreePort's ports are of that range).
func StablePort(t testing.TB) int {
	t.Helper()
	lo := 20000
	hi := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var first, last int
		if _, err := fmt.Sscan(string(b), &first, &last); err == nil && first > lo+1000 {
			hi = first
		}
	}
	for range 1000 {
		p := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			l.Close()
			return p
		}
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

// newProc is a process whose stop is the cluster's cleanup's, which
// stops every process together.
func (c *ClusterEnv) newProc(name, logFile string, args ...string) *Proc {
	return &Proc{t: c.T, Name: name, args: args, Log: logFile}
}

func (c *ClusterEnv) cleanup() {
	procs := c.procs()
	var wg sync.WaitGroup
	for _, p := range procs {
		// A paused minion must go on to hear its SIGTERM.
		p.signal(syscall.SIGCONT)
		wg.Go(p.Stop)
	}
	wg.Wait()
	for _, p := range procs {
		if strings.Contains(p.LogText(), "WARNING: DATA RACE") {
			c.T.Errorf("%s: data race (BRINE_E2E_RACE)", p.Name)
		}
	}
	if c.T.Failed() {
		for _, p := range procs {
			c.T.Logf("--- %s log (end):\n%s", p.Name, Tail(p.LogText(), 3000))
		}
	}
	// Whole logs, for a look after the test: BRINE_TEST_LOGDIR=DIR.
	if dir := os.Getenv("BRINE_TEST_LOGDIR"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		for _, p := range procs {
			_ = os.WriteFile(filepath.Join(dir, p.Name+".log"), []byte(p.LogText()), 0o644)
		}
	}
}

func (c *ClusterEnv) procs() []*Proc {
	var out []*Proc
	for _, n := range c.Nodes {
		if n.Master != nil {
			out = append(out, n.Master)
		}
	}
	for _, p := range c.Minions {
		out = append(out, p)
	}
	return out
}

// WaitReady waits until the given nodes (every one by default) say
// "master ready" once more for their last start: a node waits for a
// majority of the cluster before it is ready.
func (c *ClusterEnv) WaitReady(nodes ...int) {
	c.T.Helper()
	if len(nodes) == 0 {
		nodes = c.all()
	}
	for _, i := range nodes {
		n := c.Nodes[i]
		n.Master.WaitLog("master ready", n.starts, 90*time.Second)
	}
}

func (c *ClusterEnv) all() []int {
	out := make([]int, len(c.Nodes))
	for i := range out {
		out[i] = i
	}
	return out
}

// URLs lists the given nodes' client URLs (every node's by default),
// with commas between them, as --nats-url and nats.go take them.
func (c *ClusterEnv) URLs(nodes ...int) string {
	if len(nodes) == 0 {
		nodes = c.all()
	}
	var u []string
	for _, i := range nodes {
		u = append(u, c.Nodes[i].URL())
	}
	return strings.Join(u, ",")
}

// Kill kills node i's master (and so its NATS node) with SIGKILL.
func (c *ClusterEnv) Kill(i int) { c.Nodes[i].Master.Kill() }

// Stop stops node i's master with SIGTERM.
func (c *ClusterEnv) Stop(i int) { c.Nodes[i].Master.Stop() }

// Start starts node i's master again; WaitReady waits for it.
func (c *ClusterEnv) Start(i int) { c.start(i) }

// StopAll stops every master together: one by one, the last would wait
// on a store that has lost its majority.
func (c *ClusterEnv) StopAll() {
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Go(n.Master.Stop)
	}
	wg.Wait()
}

// Partition cuts node i off from the others: every route between them
// is closed and no new one gets through. Its minions and clients stay
// connected to it.
func (c *ClusterEnv) Partition(i int) {
	for j := range c.Nodes {
		if i != j {
			c.proxies[i][j].Cut()
			c.proxies[j][i].Cut()
		}
	}
}

// Heal lets every route through again.
func (c *ClusterEnv) Heal() {
	for i := range c.proxies {
		for _, p := range c.proxies[i] {
			if p != nil {
				p.Restore()
			}
		}
	}
}

// AddMinion starts a minion given every node's URL (minion.yaml's
// master: as a list), with grains (YAML flow mapping contents) and extra
// config (see MinionYAML).
func (c *ClusterEnv) AddMinion(id, grains, extra string) *Proc {
	c.T.Helper()
	dir := filepath.Join(c.Dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		c.T.Fatal(err)
	}
	urls := "[" + strings.ReplaceAll(c.URLs(), ",", ", ") + "]"
	WriteFile(c.T, filepath.Join(dir, "minion.yaml"), MinionYAML(id, urls, dir, grains, "log_level: info\n"+extra))
	p := c.newProc(id, filepath.Join(dir, "minion.log"), "minion", "-c", dir)
	p.Start()
	c.Minions[id] = p
	return p
}

// LeafURL is the node's leafnodes listener (ClusterSpec.LeafNodes).
func (n *Node) LeafURL() string { return fmt.Sprintf("nats-leaf://127.0.0.1:%d", n.LeafPort) }

// AddMinionAt starts a minion given urls alone (minion.yaml's master:,
// one URL or a YAML flow list): a minion of a remote site's leaf node.
func (c *ClusterEnv) AddMinionAt(id, urls, grains, extra string) *Proc {
	c.T.Helper()
	dir := filepath.Join(c.Dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		c.T.Fatal(err)
	}
	WriteFile(c.T, filepath.Join(dir, "minion.yaml"), MinionYAML(id, urls, dir, grains, "log_level: info\n"+extra))
	p := c.newProc(id, filepath.Join(dir, "minion.log"), "minion", "-c", dir)
	p.Start()
	c.Minions[id] = p
	return p
}

// AcceptAll waits until every id's key is listed, accepts them all, and
// waits until each answers test.ping.
func (c *ClusterEnv) AcceptAll(ids ...string) {
	c.T.Helper()
	acceptAll(c.T, c.Brine, c.Minions, 60*time.Second, ids)
}

// WaitPing waits until every id answers test.ping.
func (c *ClusterEnv) WaitPing(ids ...string) {
	c.T.Helper()
	waitPing(c.T, c.Brine, 60*time.Second, ids)
}

// Brine runs the command with the first node's operator credential,
// against every node (--nats-url with all their URLs: it reaches the
// cluster through any that is up).
func (c *ClusterEnv) Brine(args ...string) (stdout, stderr string, code int) {
	c.T.Helper()
	return c.BrineAt(c.all(), args...)
}

// BrineAt runs the command against the given nodes only.
func (c *ClusterEnv) BrineAt(nodes []int, args ...string) (stdout, stderr string, code int) {
	c.T.Helper()
	return c.BrineAs(0, nodes, args...)
}

// BrineAs runs the command as the operator on node as (-c its config
// dir: its state dir, its job key) against the given nodes.
func (c *ClusterEnv) BrineAs(as int, nodes []int, args ...string) (stdout, stderr string, code int) {
	c.T.Helper()
	return RunBrine(c.T, append(args, "-c", c.Nodes[as].Etc, "--nats-url", c.URLs(nodes...))...)
}

// Proxy carries TCP connections to a target, and can cut them: Cut
// closes every connection it carries and refuses new ones until
// Restore. The test's cleanup closes it.
type Proxy struct {
	l      net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]struct{}
}

// NewProxy listens on a loopback port for connections to target.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{l: l, target: target, conns: map[net.Conn]struct{}{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.serve()
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		p.Cut()
	})
	return p
}

// Addr is where the proxy listens.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

func (p *Proxy) serve() {
	for {
		in, err := p.l.Accept()
		if err != nil {
			return
		}
		go p.carry(in)
	}
}

func (p *Proxy) carry(in net.Conn) {
	p.mu.Lock()
	cut := p.cut
	p.mu.Unlock()
	if cut {
		in.Close()
		return
	}
	out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		in.Close()
		return
	}
	p.mu.Lock()
	if p.cut {
		p.mu.Unlock()
		in.Close()
		out.Close()
		return
	}
	p.conns[in], p.conns[out] = struct{}{}, struct{}{}
	p.mu.Unlock()
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		dst.Close()
		src.Close()
	}
	wg.Add(2)
	go pipe(out, in)
	go pipe(in, out)
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, in)
	delete(p.conns, out)
	p.mu.Unlock()
}

// Cut closes every connection and refuses new ones.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

// Restore lets new connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

// signal sends sig to the process if it runs.
func (p *Proc) signal(sig os.Signal) {
	if p.cmd != nil && p.cmd.Process != nil && p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

// PauseMinions stops every minion (SIGSTOP) where it is: it says
// nothing, sends nothing, until ResumeMinions.
func (c *ClusterEnv) PauseMinions() {
	for _, p := range c.Minions {
		p.signal(syscall.SIGSTOP)
	}
}

// ResumeMinions lets the paused minions go on (SIGCONT).
func (c *ClusterEnv) ResumeMinions() {
	for _, p := range c.Minions {
		p.signal(syscall.SIGCONT)
	}
}
