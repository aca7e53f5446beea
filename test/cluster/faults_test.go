// Package cluster runs brine on a NATS cluster with real processes and
// breaks it: three masters, each embedding one node of the cluster, and
// twenty minions given all three. A node killed during a highstate, a
// node cut off from the others and let back, the whole cluster stopped
// and started again: nothing may be lost, and no minion may run one job
// twice. docs/scaling.md describes the topology.
package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m, "../..") }

// tree is a highstate of a few seconds: long enough for a node to die
// while every minion is in it.
const tree = `
-- top.sls --
base:
  '*':
    - slow
-- slow.sls --
started:
  file.managed:
    - name: /tmp/started
    - contents: started
    - makedirs: True
first:
  cmd.run:
    - name: sleep 1
second:
  cmd.run:
    - name: sleep 1
done:
  file.managed:
    - name: /tmp/done
    - contents: done
`

const minions = 20

// TestClusterFaults breaks one cluster in turn, each part starting from
// the cluster whole again.
func TestClusterFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a cluster and twenty minions")
	}
	c := harness.NewCluster(t, 3, tree, "", "")
	ids := make([]string, minions)
	for i := range ids {
		ids[i] = fmt.Sprintf("m%02d", i)
		c.AddMinion(ids[i], fmt.Sprintf("role: web, n: %d", i), "")
	}
	c.AcceptAll(ids...)
	runs := watchRuns(t, c)

	var highstate string
	if !t.Run("kill a node during a highstate", func(t *testing.T) { highstate = killDuringHighstate(t, c, ids) }) {
		return
	}
	if !t.Run("a partitioned node rejoins", func(t *testing.T) { partitionRejoins(t, c, ids, runs) }) {
		return
	}
	t.Run("restart the whole cluster", func(t *testing.T) { restartAll(t, c, ids, highstate) })
	runs.noneTwice(t)
}

// killDuringHighstate runs a highstate on every minion, kills node 1
// (its master and its NATS node, SIGKILL) while they are in it, and
// checks that the command completes with every return, that the job
// cache holds them all, and that the registries kept every key and
// grain. It starts node 1 again before it returns.
func killDuringHighstate(t *testing.T, c *harness.ClusterEnv, ids []string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.Bin, "*", "state.highstate", "-t", "15", "-v", "--out", "json",
		"-c", c.Nodes[0].Etc, "--nats-url", c.URLs())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	// Kill once every minion is in its states: past the requests for
	// pillar and files (a request in flight to the master that dies
	// fails, and its state with it: docs/scaling.md), in the middle of
	// the sleeps, with acks, heartbeats, events and returns to come.
	harness.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		n := 0
		for _, id := range ids {
			if _, err := os.Stat(filepath.Join(c.Dir, id, "root", "tmp", "started")); err == nil {
				n++
			}
		}
		if n < len(ids) {
			return fmt.Errorf("%d of %d minions in the highstate", n, len(ids))
		}
		return nil
	})
	c.Kill(1)
	killed := time.Now()

	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		t.Fatalf("the highstate did not end:\n%s%s", out.String(), errOut.String())
	}
	t.Logf("the command ended %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	if err != nil {
		t.Errorf("the highstate: %v\n%s", err, errOut.String())
	}
	m := regexp.MustCompile(`jid ([0-9]{20})`).FindStringSubmatch(errOut.String())
	if m == nil {
		t.Fatalf("no job id in:\n%s", errOut.String())
	}
	jid := m[1]
	got := jsonBlocks(t, out.String())
	checkHighstate(t, "the command", got, ids)

	// The minions of node 1 went to another node by themselves.
	moved, longest := 0, time.Duration(0)
	for _, id := range ids {
		if gap, ok := reconnectAfter(c.Minions[id].LogText(), killed); ok {
			moved++
			longest = max(longest, gap)
		}
	}
	t.Logf("%d minions were on node 1; each was on another node within %v", moved, longest.Round(time.Millisecond))
	if moved == 0 {
		t.Error("no minion was on the node killed: nothing failed over")
	}

	// The job cache has every return, asked of the nodes left: the
	// minions send each again until a master has stored it, which it
	// can once the cache's stream has a leader again.
	var lookup string
	harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		var errOut string
		var code int
		asked := time.Now()
		lookup, errOut, code = c.BrineAt([]int{0, 2}, "jobs", "lookup", jid, "--out", "json")
		if n := len(jsonBlocks(t, lookup)); code != 0 || n < len(ids) {
			t.Logf("jobs lookup %v after the kill: exit %d, %d returns, in %v: %s", asked.Sub(killed).Round(100*time.Millisecond),
				code, n, time.Since(asked).Round(100*time.Millisecond), strings.TrimSpace(errOut))
			return fmt.Errorf("jobs lookup %s: exit %d, %d returns\n%s", jid, code, n, errOut)
		}
		return nil
	})
	t.Logf("the job cache had every return %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	checkHighstate(t, "the job cache", jsonBlocks(t, lookup), ids)
	checkRegistries(t, c, []int{0, 2}, ids)

	// Node 1 comes back and catches up.
	c.Start(1)
	c.WaitReady(1)
	c.WaitPing(ids...)
	return jid
}

// reconnectAfter finds, in a minion's log, a disconnection after since
// and the reconnection that ended it, and says how long it lasted.
func reconnectAfter(log string, since time.Time) (time.Duration, bool) {
	var down time.Time
	for _, line := range strings.Split(log, "\n") {
		ts, _, ok := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		if !ok {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil || at.Before(since.Add(-time.Second)) {
			continue
		}
		switch {
		case strings.Contains(line, `msg="disconnected from master"`) && down.IsZero():
			down = at
		case strings.Contains(line, `msg="reconnected to master"`) && !down.IsZero():
			return at.Sub(down), true
		}
	}
	return 0, false
}

// checkHighstate checks a highstate's returns: one per minion, every
// state of it a success.
func checkHighstate(t *testing.T, where string, got map[string]any, ids []string) {
	t.Helper()
	for _, id := range ids {
		states, ok := got[id].(map[string]any)
		if !ok {
			t.Errorf("%s: no highstate of %s: %v", where, id, got[id])
			continue
		}
		if len(states) != 4 {
			t.Errorf("%s: %s ran %d states; want 4", where, id, len(states))
		}
		for name, s := range states {
			if r, _ := s.(map[string]any)["result"].(bool); !r {
				t.Errorf("%s: %s: %s failed: %v", where, id, name, s)
			}
		}
	}
	if len(got) != len(ids) {
		t.Errorf("%s: %d returns; want %d", where, len(got), len(ids))
	}
}

// checkRegistries checks that every key is accepted and that targeting
// by grains matches every minion, asking the given nodes.
func checkRegistries(t *testing.T, c *harness.ClusterEnv, nodes []int, ids []string) {
	t.Helper()
	out, _, code := c.BrineAt(nodes, "key", "list", "--out", "json")
	var kl map[string][]string
	if err := json.Unmarshal([]byte(out), &kl); code != 0 || err != nil {
		t.Fatalf("key list: exit %d, %v\n%s", code, err, out)
	}
	if acc := kl["minions"]; !equalSets(acc, ids) {
		t.Errorf("accepted keys %v; want %v (all of %v)", acc, ids, kl)
	}
	// -G role:web matches every minion by the grains registry alone.
	res, _, _ := c.BrineAt(nodes, "-G", "role:web", "test.ping", "--out", "json", "-t", "3")
	got := jsonBlocks(t, res)
	for _, id := range ids {
		if _, ok := got[id]; !ok {
			t.Errorf("-G role:web does not name %s:\n%s", id, harness.Tail(res, 2000))
		}
	}
}

// partitionRejoins cuts node 2 off from the others, runs a job on the
// majority's side, lets node 2 back, and sends the job's messages again
// to the minions that ran it, and again after one of them restarts: none
// runs it a second time (each minion keeps the nonces of the jobs it
// ran, in its state dir).
func partitionRejoins(t *testing.T, c *harness.ClusterEnv, ids []string, runs *runLog) {
	jobs := watchJobs(t, c)
	published := strings.Count(c.Nodes[2].Master.LogText(), `msg="job published"`)
	c.Partition(2)
	// On the cut-off side: its master cannot record the job (no
	// majority for the job cache), so it publishes none.
	minority := make(chan minorityRun, 1)
	go func() { minority <- runAt(c, []int{2}, "*", "test.ping", "-v", "-t", "3") }()
	out, errOut, _ := c.BrineAt([]int{0, 1}, "*", "test.ping", "-v", "--out", "json", "-t", "3")
	m := regexp.MustCompile(`jid ([0-9]{20})`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("no job id in:\n%s%s", errOut, out)
	}
	jid := m[1]
	got := jsonBlocks(t, out)
	var ran []string
	for _, id := range ids {
		if got[id] == true {
			ran = append(ran, id)
		}
	}
	t.Logf("%d minions on the majority's side ran %s, %d were cut off with node 2", len(ran), jid, len(ids)-len(ran))
	if len(ran) == 0 {
		t.Fatalf("no minion answered on the majority's side:\n%s%s", out, errOut)
	}
	select {
	case r := <-minority:
		if r.err != nil || r.code == 0 {
			t.Errorf("a job asked of the cut-off side: exit %d, %v; want refused\n%s", r.code, r.err, r.out)
		}
		t.Logf("a job asked of the cut-off side failed after %v: %s", r.took.Round(100*time.Millisecond), lastLine(r.out))
	case <-time.After(2 * time.Minute):
		t.Fatal("a job asked of the cut-off side did not end")
	}
	if n := strings.Count(c.Nodes[2].Master.LogText(), `msg="job published"`); n != published {
		t.Errorf("the cut-off master published %d jobs; want none", n-published)
	}
	c.Heal()
	c.WaitPing(ids...)

	// The job's own messages, sent again to the minions that ran it.
	sent := jobs.of(t, jid)
	replay := func() {
		for _, id := range ran {
			for _, b := range sent {
				if err := jobs.nc.Publish(proto.SubjJob(id), b); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := jobs.nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	replay()
	for _, id := range ran {
		c.Minions[id].WaitLog(`job refused.*replayed`, 1, 30*time.Second)
	}
	// A minion started again remembers.
	again := c.Minions[ran[0]]
	again.Stop()
	again.Start()
	again.WaitLog("minion ready", 2, 60*time.Second)
	c.WaitPing(ran[0])
	replay()
	again.WaitLog(`job refused.*replayed`, 2, 30*time.Second)
	// Each ran the job once; those cut off never got it, late or not.
	for _, id := range ids {
		want := 0
		if slices.Contains(ran, id) {
			want = 1
		}
		if n := runs.count(id, jid); n != want {
			t.Errorf("%s ran %s %d times; want %d", id, jid, n, want)
		}
	}
}

// minorityRun is how a command ended.
type minorityRun struct {
	out  string
	code int
	took time.Duration
	err  error
}

// runAt runs the command against the given nodes, off the test's
// goroutine: it reports, never fails the test itself.
func runAt(c *harness.ClusterEnv, nodes []int, args ...string) minorityRun {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, harness.Bin, append(args, "-c", c.Nodes[0].Etc, "--nats-url", c.URLs(nodes...))...)
	out, err := cmd.CombinedOutput()
	r := minorityRun{out: string(out), took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else {
		r.err = err
	}
	return r
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// restartAll stops every master, with the minions paused so that none
// sends its grains again, and starts them again: the keys, the grains
// and the highstate's returns are all there.
func restartAll(t *testing.T, c *harness.ClusterEnv, ids []string, highstate string) {
	c.PauseMinions()
	c.StopAll()
	for i := range c.Nodes {
		c.Start(i)
	}
	c.WaitReady()
	ready := time.Now()
	var out string
	harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		var errOut string
		var code int
		out, errOut, code = c.Brine("jobs", "lookup", highstate, "--out", "json")
		if n := len(jsonBlocks(t, out)); code != 0 || n < len(ids) {
			return fmt.Errorf("jobs lookup %s after the restart: exit %d, %d returns\n%s", highstate, code, n, errOut)
		}
		return nil
	})
	t.Logf("the job cache answered %v after the masters were ready", time.Since(ready).Round(10*time.Millisecond))
	checkHighstate(t, "the job cache after the restart", jsonBlocks(t, out), ids)
	checkRegistries(t, c, nil, ids)
	c.ResumeMinions()
	c.WaitPing(ids...)
}

// runLog counts the runs of every job by every minion, as three
// operators see them, one on each node (and on it alone): on either side
// of a partition one sees every return there. A run is told by its
// return's start time: a minion that ran a job twice sends two returns
// with two starts, while one return sent again (the master did not
// answer in time) keeps its start. A quick job sends no ack.
type runLog struct {
	mu sync.Mutex
	n  []map[string]map[time.Time]bool // per observer: minion/jid -> starts
}

func watchRuns(t *testing.T, c *harness.ClusterEnv) *runLog {
	a := &runLog{}
	for i := range c.Nodes {
		nodes := []int{i}
		a.n = append(a.n, map[string]map[time.Time]bool{})
		nc := operator(t, c, nodes)
		if _, err := nc.Subscribe(proto.AllReturns, func(msg *nats.Msg) {
			var ret proto.Return
			if msg.Header.Get(proto.PartHeader) != "" || proto.Unmarshal(msg.Data, &ret) != nil {
				return // a part of a large return; these jobs' are small
			}
			k := proto.MinionOf(msg.Subject) + "/" + proto.JIDOf(msg.Subject)
			a.mu.Lock()
			if a.n[i][k] == nil {
				a.n[i][k] = map[time.Time]bool{}
			}
			a.n[i][k][ret.Start] = true
			a.mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func (a *runLog) count(id, jid string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, m := range a.n {
		n = max(n, len(m[id+"/"+jid]))
	}
	return n
}

func (a *runLog) noneTwice(t *testing.T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, m := range a.n {
		for k, starts := range m {
			if len(starts) > 1 {
				t.Errorf("observer %d saw %s run %d times", i, k, len(starts))
			}
		}
	}
}

// jobLog keeps the signed jobs as they go to minions.
type jobLog struct {
	nc   *nats.Conn
	mu   sync.Mutex
	msgs [][]byte
}

func watchJobs(t *testing.T, c *harness.ClusterEnv) *jobLog {
	j := &jobLog{nc: operator(t, c, []int{0, 1})}
	if _, err := j.nc.Subscribe("brine.to.*.job", func(msg *nats.Msg) {
		j.mu.Lock()
		j.msgs = append(j.msgs, msg.Data)
		j.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if err := j.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return j
}

// of is the messages of one job (it is one message to all, or one per
// minion).
func (j *jobLog) of(t *testing.T, jid string) [][]byte {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	var out [][]byte
	for _, b := range j.msgs {
		var s proto.Signed
		var job proto.Job
		if proto.Unmarshal(b, &s) == nil && proto.Unmarshal(s.Body, &job) == nil && job.JID == jid {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no message of job %s seen", jid)
	}
	return out
}

// operator connects as the operator to the given nodes, and follows
// them through failures.
func operator(t *testing.T, c *harness.ClusterEnv, nodes []int) *nats.Conn {
	t.Helper()
	kp := harness.Seed(t, filepath.Join(c.Nodes[0].State, master.OperatorFile))
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(c.URLs(nodes...), nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(proto.OperatorInbox),
		nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// jsonBlocks decodes the per-minion JSON documents `--out json` prints.
func jsonBlocks(t *testing.T, out string) map[string]any {
	t.Helper()
	all := map[string]any{}
	d := json.NewDecoder(strings.NewReader(out))
	for d.More() {
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				t.Fatalf("output is not JSON blocks: %v\n%s", err, harness.Tail(out, 3000))
			}
			t.Fatal(err)
		}
		for k, v := range m {
			all[k] = v
		}
	}
	return all
}

func equalSets(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, ",") == strings.Join(b, ",")
}
