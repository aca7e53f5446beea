package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/harness"
)

// slowPillar takes the master seconds to render (four files of
// 900,000 loop turns each): long enough for the master rendering it to
// die while the minion waits for it.
const slowPillar = `
-- top.sls --
base:
  '*':
    - slow1
    - slow2
    - slow3
    - slow4
-- slow1.sls --
{% for i in range(900) %}{% for j in range(1000) %}{% set x = 'ab' * 200 %}{% endfor %}{% endfor %}
slow1: done
-- slow2.sls --
{% for i in range(900) %}{% for j in range(1000) %}{% set x = 'ab' * 200 %}{% endfor %}{% endfor %}
slow2: done
-- slow3.sls --
{% for i in range(900) %}{% for j in range(1000) %}{% set x = 'ab' * 200 %}{% endfor %}{% endfor %}
slow3: done
-- slow4.sls --
{% for i in range(900) %}{% for j in range(1000) %}{% set x = 'ab' * 200 %}{% endfor %}{% endfor %}
slow4: done
`

// TestRequestRetriedOnAnotherMaster kills a master while a minion's
// pillar request is in flight: the master rendering it, or the node
// the minion is on, or neither (the queue group chooses). The request
// is asked again of the masters left, and the operator's command,
// through another master, ends with the whole pillar.
func TestRequestRetriedOnAnotherMaster(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a cluster and a minion")
	}
	c := harness.NewCluster(t, 3, "-- top.sls --\nbase: {}\n", slowPillar, "")
	c.AddMinion("m1", "", "")
	c.AcceptAll("m1")

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.Bin, "m1", "pillar.items", "-t", "60", "--out", "json",
		"-c", c.Nodes[0].Etc, "--nats-url", c.Nodes[0].URL())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The minion asks for its pillar as soon as it starts the job.
	c.Minions["m1"].WaitLog(`"job started".*pillar.items`, 1, 60*time.Second)
	c.Kill(1)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("pillar.items through master 0 = %v\n%s\n%s", err, out.String(), errOut.String())
		}
	case <-ctx.Done():
		t.Fatal("the command did not end")
	}
	var rets map[string]map[string]any
	if err := json.Unmarshal(out.Bytes(), &rets); err != nil {
		t.Fatalf("output: %v\n%s", err, out.String())
	}
	if p := rets["m1"]; p["slow1"] != "done" || p["slow4"] != "done" {
		t.Fatalf("m1's pillar = %v; want the whole of it", p)
	}
}
