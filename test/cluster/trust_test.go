package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// TestMastersWithKeysOfTheirOwn: three masters, each with a job key of
// its own. The minions trust the key set of the store's trust chain:
// the first key alone at first. A master not added publishes nothing;
// once added from a trusted master its jobs run; once retired the
// minion drops its key, its master publishes nothing more, and a job
// signed with its key anyway is refused by the minion.
func TestMastersWithKeysOfTheirOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a cluster and a minion")
	}
	// Node 2 serves a state tree of its own (for the last part).
	c := harness.NewClusterWith(t, harness.ClusterSpec{N: 3, States: treeA, OwnJobKeys: true, NodeStates: map[int]string{2: treeB}})
	keys := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		kp, err := master.ReadKey(filepath.Join(n.State, master.JobKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		keys[i], _ = kp.PublicKey()
	}
	if len(slices.Compact(slices.Sorted(slices.Values(keys)))) != 3 {
		t.Fatalf("job keys %v: want three of their own", keys)
	}
	// Whichever master reached the new store first made its genesis.
	trusted := trustedKeys(t, c, 0)
	if len(trusted) != 1 || !slices.Contains(keys, trusted[0]) {
		t.Fatalf("trusted at first %v; want one of %v", trusted, keys)
	}
	tr := slices.Index(keys, trusted[0])
	un := (tr + 1) % 3
	at := func(node int, args ...string) (string, string, int) {
		t.Helper()
		return c.BrineAs(tr, []int{node}, args...)
	}

	c.AddMinion("m1", "", "")
	harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if o, e, code := at(tr, "key", "accept", "-A", "-y"); code != 0 {
			return fmt.Errorf("key accept: %d %s %s", code, o, e)
		}
		if o, e, code := at(tr, "m1", "test.ping", "-t", "5"); code != 0 {
			return fmt.Errorf("ping: %d %s %s", code, o, e)
		}
		return nil
	})

	// A job signed with a key is run by the minion, or not: its return
	// would come before that of the trusted job sent after it, on the
	// same subject and connection.
	nc := serviceConn(t, c, un)
	rets := make(chan string, 64)
	sub, err := nc.Subscribe(proto.AllReturns, func(m *nats.Msg) { rets <- m.Subject })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	unKey, err := master.ReadKey(filepath.Join(c.Nodes[un].State, master.JobKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	runs := func(what string) bool {
		t.Helper()
		for len(rets) > 0 { // returns of the jobs before
			<-rets
		}
		now := time.Now().UTC()
		jid := proto.NewJID(now.Add(-time.Hour))
		signed, err := proto.SignJob(unKey, &proto.Job{JID: jid, Target: "m1", TargetType: proto.TargetGlob, Fun: "test.ping",
			Minions: []string{"m1"}, IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: proto.NewNonce()})
		if err != nil {
			t.Fatal(err)
		}
		if err := nc.Publish(proto.SubjJob("m1"), signed); err != nil {
			t.Fatal(err)
		}
		// The trusted master's job after it: its return closes the look.
		o, e, code := at(tr, "m1", "test.ping", "-t", "10")
		if code != 0 {
			t.Fatalf("%s: ping through the trusted master = %d %s %s", what, code, o, e)
		}
		// Every job of the look is over: the returns in the channel are
		// the two jobs', the injected one's first if it ran.
		select {
		case r := <-rets:
			return strings.HasSuffix(r, "."+jid)
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: no return of the trusted job", what)
		}
		return false
	}

	// Not added: the minion refuses its jobs, and the operator's
	// commands go to the trusted master (the other takes none).
	if runs("not added") {
		t.Fatal("the minion ran a job signed by a key not added")
	}
	if o, e, code := at(un, "m1", "test.ping", "-t", "5"); code != 0 || !strings.Contains(o, "True") {
		t.Fatalf("ping through the node of the master not added = %d %q %q; want the trusted master to take it", code, o, e)
	}
	if o, e, code := at(tr, "trust", "add", keys[un], "--name", fmt.Sprintf("n%d", un)); code != 0 {
		t.Fatalf("trust add = %d %s %s", code, o, e)
	}
	harness.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if pins := minionPins(t, c, "m1"); !slices.Contains(pins.JobKeys, keys[un]) || pins.KeySerial != 2 {
			return fmt.Errorf("the minion's pins after the add: %+v", pins)
		}
		return nil
	})
	if !runs("added") {
		t.Fatal("the minion refused a job signed by the key added")
	}

	// Retired: the minion drops the key (the push), and refuses its jobs.
	if o, e, code := at(tr, "trust", "retire", keys[un]); code != 0 {
		t.Fatalf("trust retire = %d %s %s", code, o, e)
	}
	harness.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if pins := minionPins(t, c, "m1"); slices.Contains(pins.JobKeys, keys[un]) || pins.KeySerial != 3 {
			return fmt.Errorf("the minion still trusts the retired key: %+v", pins)
		}
		return nil
	})
	if runs("retired") {
		t.Fatal("the minion ran a job signed by the retired key")
	}
	if !strings.Contains(c.Minions["m1"].LogText(), "job refused") {
		t.Error("the minion did not log the jobs it refused")
	}

	t.Run("masters with different state trees", func(t *testing.T) { differentTrees(t, c, tr) })
}

// Two state trees: the same SLS names, other content.
const (
	treeA = `
-- top.sls --
base:
  '*':
    - motd
-- motd.sls --
motd:
  file.managed:
    - name: /tmp/motd
    - source: salt://motd.txt
-- motd.txt --
tree A
`
	treeB = `
-- top.sls --
base:
  '*':
    - motd
-- motd.sls --
motd:
  file.managed:
    - name: /tmp/motd
    - source: salt://motd.txt
-- motd.txt --
tree B
`
)

var treeRefusal = regexp.MustCompile(`published from state tree ([0-9a-f]{64}), and the master that answered serves state tree ([0-9a-f]{64})`)

// differentTrees: node 2's master serves another tree than the others.
// The trusted master publishes a highstate with its tree's hash; each
// of the minion's file requests goes to any master, and the answers of
// a master with the other tree are refused: the run fails, its return
// naming both hashes, and the minion applies nothing from a mix.
// Which master answers a request is the queue group's choice, so the
// highstate runs until one reached the other tree (each request does
// with a chance of one in three at least). A minion asks for a tree's
// manifest once, and then for none of the files its cache holds: it is
// restarted before each try, to ask again.
func differentTrees(t *testing.T, c *harness.ClusterEnv, tr int) {
	for try := 1; ; try++ {
		if try > 1 {
			m1 := c.Minions["m1"]
			m1.Stop()
			m1.Start()
			harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
				if o, e, code := c.BrineAs(tr, []int{tr}, "m1", "test.ping", "-t", "5"); code != 0 {
					return fmt.Errorf("test.ping after a restart = %d %s %s", code, o, e)
				}
				return nil
			})
		}
		o, e, code := c.BrineAs(tr, []int{tr}, "m1", "state.highstate", "-t", "30", "--out", "json")
		var rets map[string]any
		if err := json.Unmarshal([]byte(o), &rets); err != nil {
			t.Fatalf("highstate = %d, output not JSON: %v\n%s\n%s", code, err, o, e)
		}
		// A run whose every request reached the masters of its tree
		// succeeds; one whose file was named by one master and asked
		// in chunks of another fails too (that one has no such file).
		msg, _ := rets["m1"].(string)
		if sm := treeRefusal.FindStringSubmatch(msg); sm != nil {
			if code == 0 || sm[1] == sm[2] {
				t.Fatalf("highstate = %d, return %q; want a failure naming two trees", code, msg)
			}
			return
		}
		if try == 30 {
			t.Fatalf("30 highstates and none refused the other tree: %d %s %s", code, o, e)
		}
	}
}

// trustedKeys lists the keys of the trust chain's last set.
func trustedKeys(t *testing.T, c *harness.ClusterEnv, as int) []string {
	t.Helper()
	o, e, code := c.BrineAs(as, []int{as}, "trust", "list", "--out", "json")
	if code != 0 {
		t.Fatalf("trust list = %d %s %s", code, o, e)
	}
	var doc struct {
		Keys map[string]string `json:"keys"`
	}
	if err := json.Unmarshal([]byte(o), &doc); err != nil {
		t.Fatalf("trust list: %v\n%s", err, o)
	}
	var out []string
	for k := range doc.Keys {
		out = append(out, k)
	}
	return out
}

type pins struct {
	JobKeys   []string `json:"job_keys"`
	KeySerial uint64   `json:"key_serial"`
}

func minionPins(t *testing.T, c *harness.ClusterEnv, id string) pins {
	t.Helper()
	var p pins
	b, err := os.ReadFile(filepath.Join(c.Dir, id, "state", "master.pin"))
	if err == nil {
		_ = json.Unmarshal(b, &p)
	}
	return p
}

// serviceConn connects to node i as the masters' own NATS user.
func serviceConn(t *testing.T, c *harness.ClusterEnv, i int) *nats.Conn {
	t.Helper()
	kp, err := master.ReadKey(filepath.Join(c.Nodes[i].State, master.ServiceFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(c.Nodes[i].URL(), nats.Nkey(pub, kp.Sign))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}
