package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/harness"
)

// reactorConfig is examples/reactor/master.yaml with the example's own
// directory for /srv/brine-reactor.
func reactorConfig(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples", "reactor"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "master.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "/srv/brine-reactor", dir)
}

// TestReactor: the classic reactor of examples/reactor. A new web
// minion's key request is accepted by a reaction to salt/auth, and its
// first connection (salt/minion/<id>/start) gets it a highstate; a key
// whose id the reaction does not name stays pending; a minion's own
// event starts an orchestration (a runner reaction).
func TestReactor(t *testing.T) {
	e := harness.NewEnv(t, exampleTree(t, "reactor/states"), "", reactorConfig(t))
	e.Master.WaitLog("reactor listening", 1, 20*time.Second)

	// Not one of ours: pending it stays.
	e.AddMinion("db7", "role: db", "")
	harness.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		out, _, _ := e.Brine("key", "list")
		if !strings.Contains(out, "Unaccepted Keys:\ndb7\n") {
			return fmt.Errorf("db7 not pending:\n%s", out)
		}
		return nil
	})

	// A web server: accepted, then highstated, by the reactor alone.
	web := e.AddMinion("web5", "role: web", "")
	web.WaitLog("minion ready", 1, 30*time.Second)
	conf := filepath.Join(e.Dir, "web5", "root", "etc", "web.conf")
	harness.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if _, err := os.Stat(conf); err != nil {
			return fmt.Errorf("web5 not highstated yet: %v", err)
		}
		return nil
	})
	out, _, _ := e.Brine("key", "list")
	if !strings.Contains(out, "Accepted Keys:\nweb5\n") || !strings.Contains(out, "Unaccepted Keys:\ndb7\n") {
		t.Fatalf("keys after the reactions:\n%s", out)
	}
	if log := e.Master.LogText(); !strings.Contains(log, "Wheel function 'key.accept' executed.") || !strings.Contains(log, "(state.apply) to web5") {
		t.Fatalf("master log lacks the reactions:\n%s", harness.Tail(log, 3000))
	}

	// A minion's event starts an orchestration that writes on web5.
	e.WaitPing("web5")
	record := filepath.Join(e.Dir, "web5", "root", "etc", "last-deploy")
	harness.CheckFor(t, 30*time.Second, 300*time.Millisecond, func() error {
		if b, err := os.ReadFile(record); err == nil && strings.TrimSpace(string(b)) == "web5 1.2.3" {
			return nil
		}
		if out, code := sendEvent(t, e, "web5", "app/deployed", `{version: 1.2.3}`); code != 0 {
			return fmt.Errorf("event send: %s", out)
		}
		return fmt.Errorf("%s not written yet", record)
	})
}

// TestReactorOnceOnACluster: two masters of one cluster both run the
// reactor; each event is reacted to by one of them only (the reactors
// read the bus in one queue group).
func TestReactorOnceOnACluster(t *testing.T) {
	dir := t.TempDir()
	harness.WriteFile(t, filepath.Join(dir, "ping.sls"), `
ping_back:
  local.test.ping:
    - tgt: {{ data['id'] }}
`)
	c := harness.NewCluster(t, 2, "-- top.sls --\nbase: {}\n", "", fmt.Sprintf("jetstream_replicas: 2\nreactor:\n  - 'minion/*/ping':\n    - %s/ping.sls\n", dir))
	for _, n := range c.Nodes {
		n.Master.WaitLog("reactor listening", 1, 30*time.Second)
	}
	c.AddMinion("m1", "", "")
	c.AcceptAll("m1")
	send := func() {
		out, err := exec.Command(harness.Bin, "event", "send", "-c", filepath.Join(c.Dir, "m1"), "ping").CombinedOutput()
		if err != nil {
			t.Fatalf("event send: %v %s", err, out)
		}
	}
	reactions := func() (int, []int) {
		total, per := 0, make([]int, len(c.Nodes))
		for i, n := range c.Nodes {
			per[i] = strings.Count(n.Master.LogText(), "(test.ping) to m1")
			total += per[i]
		}
		return total, per
	}
	waitFor := func(n int) {
		harness.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
			if total, per := reactions(); total < n {
				return fmt.Errorf("%d reactions of %d events so far (%v)", total, n, per)
			}
			return nil
		})
	}
	const events = 6
	for i := 0; i < events; i++ {
		send()
	}
	waitFor(events)
	// One more, after the others were reacted to: a second reaction to
	// any of them would have come by the time this one's has.
	send()
	waitFor(events + 1)
	if total, per := reactions(); total != events+1 {
		t.Fatalf("%d reactions to %d events (per master %v): want each event reacted to once", total, events+1, per)
	}
}

// TestReactorFilesMerged: the reaction files of one event, from every
// item of reactor: whose tag matches (one file as a string, a glob of
// files), run as Salt's Reactor.reactions runs them: merged (a later
// file's ID replaces an earlier one's; a file that does not render left
// out) and ordered by client, name and function.
func TestReactorFilesMerged(t *testing.T) {
	dir := t.TempDir()
	harness.WriteFile(t, filepath.Join(dir, "a.sls"), `
zz_echo:
  local.test.echo:
    - tgt: {{ data['id'] }}
    - arg: [zz]
dup:
  local.test.echo:
    - tgt: {{ data['id'] }}
    - arg: [dup from a]
`)
	harness.WriteFile(t, filepath.Join(dir, "more", "b.sls"), `
aa_echo:
  cmd.test.echo:
    - tgt: {{ data['id'] }}
    - args:
      - text: aa
dup:
  local.test.ping:
    - tgt: {{ data['id'] }}
`)
	harness.WriteFile(t, filepath.Join(dir, "more", "c.sls"), "{% if %}\n")
	cfg := fmt.Sprintf("reactor:\n  - 'minion/*/deploy': %s/a.sls\n  - 'minion/m1/*':\n    - %s/more/*.sls\n", dir, dir)
	e := harness.NewEnv(t, "-- top.sls --\nbase: {}\n", "", cfg)
	e.Master.WaitLog("reactor listening", 1, 20*time.Second)
	e.AddMinion("m1", "", "")
	e.AcceptAll("m1")
	e.WaitPing("m1")
	if out, code := sendEvent(t, e, "m1", "deploy"); code != 0 {
		t.Fatalf("event send: %s", out)
	}
	e.Master.WaitLog(`id=zz_echo`, 1, 30*time.Second)
	log := e.Master.LogText()
	var ids []string
	for _, l := range strings.Split(log, "\n") {
		if !strings.Contains(l, "msg=reaction ") || !strings.Contains(l, "tag=minion/m1/deploy") {
			continue
		}
		for _, f := range strings.Fields(l) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				ids = append(ids, id)
			}
		}
	}
	if strings.Join(ids, " ") != "aa_echo dup zz_echo" {
		t.Errorf("reactions ran %v; want aa_echo dup zz_echo (Salt's order, dup once)\n%s", ids, harness.Tail(log, 3000))
	}
	if !strings.Contains(log, "id=dup function=local.test.ping") {
		t.Errorf("dup is not b.sls's (the later file's)\n%s", harness.Tail(log, 3000))
	}
	if !strings.Contains(log, "reaction failed to render") || !strings.Contains(log, "c.sls") {
		t.Errorf("c.sls's render error not logged\n%s", harness.Tail(log, 3000))
	}
}
