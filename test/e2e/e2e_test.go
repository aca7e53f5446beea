package e2e

import (
	"github.com/brine-cm/brine/test/harness"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// jsonBlocks decodes the concatenated per-minion JSON documents that
// `--out json` prints.
func jsonBlocks(t *testing.T, out string) map[string]any {
	t.Helper()
	all := map[string]any{}
	d := json.NewDecoder(strings.NewReader(out))
	for d.More() {
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("output is not JSON blocks: %v\n%s", err, out)
		}
		for k, v := range m {
			all[k] = v
		}
	}
	return all
}

func TestHighstateGrainTargeting(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AddMinion("m2", "role: web", "")
	e.AddMinion("m3", "role: db", "")
	e.AcceptAll("m1", "m2", "m3")

	out, errOut, code := e.Brine("-G", "role:web", "state.highstate", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("brine -G role:web state.highstate: exit %d\n%s%s", code, out, errOut)
	}
	got := jsonBlocks(t, out)
	if len(got) != 2 || got["m1"] == nil || got["m2"] == nil {
		t.Fatalf("grain target role:web returned %v; want m1 and m2 only", keys(got))
	}
	for _, id := range []string{"m1", "m2"} {
		states, ok := got[id].(map[string]any)
		if !ok || len(states) < 2 {
			t.Errorf("%s: want the common and web states, got %v", id, got[id])
		}
	}
	out, _, code = e.Brine("*", "state.highstate", "--out", "json", "-t", "30")
	if got := jsonBlocks(t, out); code != 0 || len(got) != 3 {
		t.Errorf("'*' state.highstate: exit %d, minions %v; want 0 and 3", code, keys(got))
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestStoppedMinionNotConnected(t *testing.T) {
	e := newEnv(t, "")
	for _, id := range []string{"m1", "m2", "m3"} {
		e.AddMinion(id, "role: web", "")
	}
	e.AcceptAll("m1", "m2", "m3")
	e.Minions["m2"].Stop() // says goodbye
	e.Minions["m3"].Kill() // does not
	// Named at once as not connected: after waiting out -t they would
	// be [No response].
	out, _, code := e.Brine("*", "test.ping", "-t", "5")
	if code == 0 {
		t.Errorf("exit 0 with minions down; want non-zero\n%s", out)
	}
	for _, id := range []string{"m2", "m3"} {
		if !strings.Contains(out, id+":\n    Minion did not return. [Not connected]") {
			t.Errorf("%s not reported as not connected:\n%s", id, out)
		}
	}
	if !strings.Contains(out, "m1:\n    True") {
		t.Errorf("m1 did not return:\n%s", out)
	}
	// --hide-timeout leaves the minions that did not return out (the
	// exit status still says so); --summary counts them, --show-jid
	// names the job first.
	out, _, code = e.Brine("*", "test.ping", "-t", "5", "--hide-timeout", "--summary", "--show-jid")
	if code != 3 || strings.Contains(out, "Minion did not return") || !strings.HasPrefix(out, "jid: ") ||
		!strings.Contains(out, "# of minions targeted: 3\n# of minions returned: 1\n# of minions that did not return: 2\n# of minions with errors: 0\n") {
		t.Errorf("--hide-timeout --summary --show-jid: exit %d\n%s", code, out)
	}
	// Batch mode names each minion it will not run on, as Salt's
	// Batch.run, and runs the others.
	out, _, code = e.Brine("*", "test.ping", "-t", "5", "-b", "1")
	if code != 3 || !strings.Contains(out, "Minion m2 did not respond. No job will be sent.\n") ||
		!strings.Contains(out, "Minion m3 did not respond. No job will be sent.\n") || !strings.Contains(out, "m1:\n    True") {
		t.Errorf("-b 1 with two minions down: exit %d\n%s", code, out)
	}
	// salt-run's manage.status, manage.up and manage.down.
	out, _, code = e.Brine("run", "manage.status", "--out", "json")
	var st map[string][]string
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || fmt.Sprint(st["up"]) != "[m1]" || fmt.Sprint(st["down"]) != "[m2 m3]" {
		t.Errorf("run manage.status: exit %d %v\n%s", code, err, out)
	}
	if out, _, code = e.Brine("run", "manage.down"); code != 0 || out != "- m2\n- m3\n" {
		t.Errorf("run manage.down: exit %d %q", code, out)
	}
	// A list target's id that no minion has is accounted for too, as
	// Salt's list matcher reports it missing.
	out, _, code = e.Brine("m1,ghost", "test.ping", "-L", "-t", "5")
	if code != 3 || !strings.Contains(out, "ghost:\n    Minion did not return. [Not connected]") || !strings.Contains(out, "m1:\n    True") {
		t.Errorf("-L m1,ghost: exit %d\n%s", code, out)
	}
}

// -t is how long to wait without news: a minion that acknowledged the job
// and sends heartbeats is waited for until it returns, as Salt's
// gather_job_timeout does.
func TestTimeoutIsTimeWithoutNews(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, errOut, code := e.Brine("m1", "state.sls", "slow", "-t", "1", "--out", "json")
	states, ok := jsonBlocks(t, out)["m1"].(map[string]any)
	if code != 0 || !ok || len(states) != 2 {
		t.Fatalf("a 3 s state under -t 1: exit %d; want it waited for\n%s%s", code, out, errOut)
	}
}

// --max-wait bounds the whole wait: the minion is still running then,
// and its return lands in the job cache.
func TestMaxWaitThenLookup(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, _, code := e.Brine("m1", "state.sls", "slow", "-t", "5", "--max-wait", "1")
	if code != 3 || !strings.Contains(out, "m1:\n    Minion did not return. [Still running]") {
		t.Fatalf("exit %d; want 3 and m1 reported still running:\n%s", code, out)
	}
	jid := harness.JIDFrom(t, out)
	harness.CheckFor(t, 15*time.Second, 200*time.Millisecond, func() error {
		out, _, code := e.Brine("jobs", "lookup", jid, "--out", "json")
		if code != 0 || !strings.Contains(out, `"m1"`) {
			return fmt.Errorf("lookup %s: exit %d\n%s", jid, code, out)
		}
		return nil
	})
}

// A minion killed mid-job is reported lost once its heartbeats stop, and
// once started again it reports the job interrupted.
func TestKilledMinionIsLostThenInterrupted(t *testing.T) {
	e := newEnv(t, "")
	m := e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	type result struct {
		out  string
		code int
	}
	nc := operatorConn(t, e)
	acks, _ := nc.SubscribeSync(proto.SubjAck("m1", "*"))
	_ = nc.Flush()
	done := make(chan result, 1)
	go func() {
		cmd := exec.Command(harness.Bin, "m1", "state.sls", "slow", "-t", "1", "-c", e.Etc)
		var o bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &o
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		done <- result{o.String(), code}
	}()
	// Killed once it acknowledged the job (after a quarter of -t): the
	// command heard of it, so it is lost, not "no response".
	if _, err := acks.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("no ack of the slow job: %v", err)
	}
	m.Kill()
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the command still waits for a killed minion")
	}
	if r.code != 3 || !strings.Contains(r.out, "Minion did not return. [Lost: last heard from at") {
		t.Fatalf("exit %d; want 3 and m1 reported lost:\n%s", r.code, r.out)
	}
	jid := harness.JIDFrom(t, r.out)
	if out, _, _ := e.Brine("jobs", "lookup", jid); !strings.Contains(out, "Lost: last heard from at") {
		harness.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
			out, _, _ := e.Brine("jobs", "lookup", jid)
			if !strings.Contains(out, "Lost: last heard from at") {
				return fmt.Errorf("lookup before the restart:\n%s", out)
			}
			return nil
		})
	}
	m.Start()
	harness.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		out, _, _ := e.Brine("jobs", "lookup", jid)
		if !strings.Contains(out, "interrupted: the minion stopped while running this job") {
			return fmt.Errorf("lookup after the restart:\n%s", out)
		}
		return nil
	})
}

func TestBusyAndKill(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, _, code := e.Brine("m1", "state.sls", "slow", "--async")
	if code != 0 {
		t.Fatalf("--async: exit %d\n%s", code, out)
	}
	first := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID: "))
	started(e, "m1")
	out, _, code = e.Brine("m1", "state.sls", "slow", "-t", "5")
	if code == 0 || !strings.Contains(out, "busy, job "+first+" running") {
		t.Errorf("second state run: exit %d; want busy with %s\n%s", code, first, out)
	}
	out, errOut, code := e.Brine("jobs", "kill", first)
	if code != 0 || !strings.Contains(out, "m1") {
		t.Fatalf("jobs kill: exit %d\n%s%s", code, out, errOut)
	}
	e.Minions["m1"].WaitLog("job killed.*"+first, 1, 5*time.Second)
	harness.CheckFor(t, 5*time.Second, 100*time.Millisecond, func() error {
		out, _, _ := e.Brine("jobs", "lookup", first, "--out", "json")
		if !strings.Contains(out, "killed") {
			return fmt.Errorf("lookup: no killed return\n%s", out)
		}
		return nil
	})
}

// minionConn connects as a minion, with the minion's own key, and
// collects the server's async errors.
func minionConn(t *testing.T, e *env, id string, kp nkeys.KeyPair) (*nats.Conn, chan error) {
	t.Helper()
	pub, _ := kp.PublicKey()
	errs := make(chan error, 64)
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", e.Port), nats.Nkey(pub, kp.Sign),
		nats.CustomInboxPrefix(proto.InboxPrefix(id)), nats.Name(id),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

// operatorConn connects to the master's server as the operator, who may
// watch every minion's subjects; the connection closes with the test.
func operatorConn(t *testing.T, e *env) *nats.Conn {
	t.Helper()
	op := readSeed(t, filepath.Join(e.Dir, "master", "operator.nk"))
	pub, _ := op.PublicKey()
	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", e.Port), nats.Nkey(pub, op.Sign))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func readSeed(t *testing.T, p string) nkeys.KeyPair {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// expectViolation waits for the server's permissions violation naming
// what.
func expectViolation(t *testing.T, errs chan error, what string) {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case err := <-errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), "Permissions Violation for "+what) {
				return
			}
		case <-deadline:
			t.Errorf("no Permissions Violation for %s", what)
			return
		}
	}
}

func TestPermissionsEnforcedByServer(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AddMinion("m2", "role: web", "")
	e.AcceptAll("m1", "m2")
	kp := readSeed(t, filepath.Join(e.Dir, "m1", "state", "minion.nk"))
	nc, errs := minionConn(t, e, "m1", kp)

	// Publish a job.
	_ = nc.Publish(proto.SubjJob("m2"), []byte(`{"v":1}`))
	_ = nc.Publish(proto.SubjJobAll, []byte(`{"v":1}`))
	_ = nc.Flush()
	expectViolation(t, errs, `Publish to "brine.to.m2.job"`)
	expectViolation(t, errs, `Publish to "brine.to._all.job"`)

	// Read another minion's pillar: ask as m2, or listen to m2's inbox.
	b, _ := proto.Marshal(&proto.PillarRequest{ID: "m2"})
	_ = nc.Publish(proto.SubjPillar("m2"), b)
	_, _ = nc.Subscribe(proto.InboxPrefix("m2")+".>", func(*nats.Msg) {})
	_ = nc.Flush()
	expectViolation(t, errs, `Publish to "brine.m.m2.pillar"`)
	expectViolation(t, errs, `Subscription to "brine.to.m2.in.>"`)

	// Publish as another minion, or read its returns.
	_ = nc.Publish(proto.SubjReturn("m2", proto.NewJID(time.Now())), []byte(`{"v":1}`))
	_, _ = nc.Subscribe(proto.AllReturns, func(*nats.Msg) {})
	_ = nc.Flush()
	expectViolation(t, errs, `Publish to "brine.m.m2.ret.`)
	expectViolation(t, errs, `Subscription to "brine.m.*.ret.*"`)

	// Its own pillar it gets, and only its own.
	b, _ = proto.Marshal(&proto.PillarRequest{ID: "m1"})
	msg, err := nc.Request(proto.SubjPillar("m1"), b, 5*time.Second)
	if err != nil {
		t.Fatalf("own pillar: %v", err)
	}
	var pr proto.PillarReply
	if err := proto.Unmarshal(msg.Data, &pr); err != nil || !strings.Contains(string(pr.Pillar), `"secret":"m1-only"`) {
		t.Errorf("m1's pillar = %s, %v", pr.Pillar, err)
	}
}

func TestUnacceptedKeyGetsNothing(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	pend := e.AddMinion("m9", "role: web", "")
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		out, _, _ := e.Brine("key", "list")
		if !strings.Contains(out, "Unaccepted Keys:\nm9\n") {
			return fmt.Errorf("m9 not pending:\n%s", out)
		}
		return nil
	})
	out, _, code := e.Brine("*", "test.ping", "--out", "json")
	if got := jsonBlocks(t, out); code != 0 || len(got) != 1 || got["m1"] != true {
		t.Errorf("'*' test.ping with m9 pending: exit %d, %v; want m1 alone", code, got)
	}
	if strings.Contains(pend.LogText(), "job started") {
		t.Error("the pending minion ran a job")
	}
	kp := readSeed(t, filepath.Join(e.Dir, "m9", "state", "minion.nk"))
	nc, errs := minionConn(t, e, "m9", kp)
	_, _ = nc.Subscribe(proto.SubjJob("m9"), func(*nats.Msg) {})
	_ = nc.Publish(proto.SubjPillar("m9"), []byte(`{"v":1}`))
	_ = nc.Publish(proto.SubjFile("m9"), []byte(`{"v":1}`))
	_ = nc.Flush()
	expectViolation(t, errs, `Subscription to "brine.to.m9.job"`)
	expectViolation(t, errs, `Publish to "brine.m.m9.pillar"`)
	expectViolation(t, errs, `Publish to "brine.m.m9.file"`)
	// An unknown key with a forged signature is not let in at all.
	other, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	if _, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", e.Port), nats.Nkey(pub, other.Sign), nats.MaxReconnects(0)); err == nil {
		t.Error("a connection with a forged nkey signature was let in")
	}
}

func TestReplayedJobRefused(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	nc := operatorConn(t, e)
	jobs, _ := nc.SubscribeSync(proto.SubjJob("m1"))
	// A job's news: its ack (none for a job this quick) and its return.
	news, _ := nc.SubscribeSync(proto.FromMinion("m1") + ".*.*")
	_ = nc.Flush()
	if out, _, code := e.Brine("m1", "test.ping"); code != 0 {
		t.Fatalf("test.ping: exit %d\n%s", code, out)
	}
	job, err := jobs.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := news.NextMsg(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish(proto.SubjJob("m1"), job.Data); err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()
	e.Minions["m1"].WaitLog(`job refused.*replayed`, 1, 5*time.Second)
	if m, err := news.NextMsg(300 * time.Millisecond); err == nil {
		t.Errorf("replayed job run: %s %s", m.Subject, m.Data)
	}
	// A job signed by another key is refused too.
	forger, _ := nkeys.CreateAccount()
	now := time.Now()
	b, _ := proto.SignJob(forger, &proto.Job{JID: proto.NewJID(now), Fun: "test.ping", Minions: []string{"m1"},
		IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: proto.NewNonce()})
	_ = nc.Publish(proto.SubjJob("m1"), b)
	_ = nc.Flush()
	e.Minions["m1"].WaitLog(`job refused.*signed by a key the minion does not trust`, 1, 5*time.Second)
}

func TestMasterRestartMidJob(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, _, code := e.Brine("m1", "state.sls", "slow", "--async")
	if code != 0 {
		t.Fatalf("--async: exit %d\n%s", code, out)
	}
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID: "))
	started(e, "m1")
	e.Master.Stop()
	// The job ends while the master is down: its return must wait in
	// the minion until the job cache takes it.
	e.Minions["m1"].WaitLog("job done.*"+jid, 1, 10*time.Second)
	e.Master.Start()
	harness.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		out, _, code := e.Brine("jobs", "lookup", jid, "--out", "json")
		states, ok := jsonBlocks(t, out)["m1"].(map[string]any)
		if code != 0 || !ok || len(states) != 2 {
			return fmt.Errorf("lookup %s after master restart: exit %d\n%s", jid, code, out)
		}
		return nil
	})
}

func TestMinionRestartRunsStartupStates(t *testing.T) {
	e := newEnv(t, "")
	m := e.AddMinion("m1", "role: web", "startup_states: sls\nsls_list: [boot]\n")
	e.AcceptAll("m1")
	m.WaitLog(`job done.*fun=state.sls`, 1, 15*time.Second)
	m.Stop()
	m.Start()
	m.WaitLog(`job done.*fun=state.sls`, 2, 15*time.Second)
	// Both runs are in the job cache.
	jids := regexpAll(`startup states.*jid=([0-9]{20})`, m.LogText())
	if len(jids) != 2 {
		t.Fatalf("startup runs: %v; want 2", jids)
	}
	for _, jid := range jids {
		harness.CheckFor(t, 5*time.Second, 100*time.Millisecond, func() error {
			out, _, _ := e.Brine("jobs", "lookup", jid, "--out", "json")
			if jsonBlocks(t, out)["m1"] == nil {
				return fmt.Errorf("startup run %s not in the job cache:\n%s", jid, out)
			}
			if out, _, _ := e.Brine("jobs", "list"); !strings.Contains(out, jid+":\n    Function: state.sls") {
				return fmt.Errorf("startup run %s not in the job list:\n%s", jid, out)
			}
			return nil
		})
	}
}

// A master with two environments, each with its own top.sls: a
// highstate reads both, as Salt's default top_file_merging_strategy
// (merge) does, in a job (with the tree's manifest) and in a startup
// run (with none).
func TestEnvironmentsTopsMerged(t *testing.T) {
	e := newEnv(t, "file_roots: {base: [$DIR/srv], dev: [$DIR/dev]}\n")
	harness.WriteTree(t, filepath.Join(e.Dir, "dev"), `
-- top.sls --
dev:
  'm*':
    - devapp
base:
  '*':
    - never
-- devapp.sls --
dev_file:
  file.managed:
    - name: /etc/brine-dev
    - contents: dev
    - makedirs: True
dev_source:
  file.managed:
    - name: /etc/brine-dev-source
    - source: salt://devonly.conf
-- devonly.conf --
from dev
`)
	m2 := e.AddMinion("m2", "role: db", "startup_states: highstate\n")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1", "m2")
	out, errOut, code := e.Brine("m1", "state.show_top", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("show_top: exit %d\n%s%s", code, out, errOut)
	}
	want := map[string]any{"base": []any{"common", "web"}, "dev": []any{"devapp"}}
	if got := jsonBlocks(t, out)["m1"]; !reflect.DeepEqual(got, want) {
		t.Errorf("show_top = %v; want %v", got, want)
	}
	out, errOut, code = e.Brine("m1", "state.highstate", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("highstate: exit %d\n%s%s", code, out, errOut)
	}
	m2.WaitLog(`job done.*fun=state.highstate`, 1, 30*time.Second)
	for _, id := range []string{"m1", "m2"} {
		if b, err := os.ReadFile(filepath.Join(e.Dir, id, "root", "etc", "brine-dev")); err != nil || string(b) != "dev\n" {
			t.Errorf("%s: /etc/brine-dev = %q, %v; want dev's top applied", id, b, err)
		}
		// A dev SLS reads its salt:// sources from dev (Salt's __env__).
		if b, err := os.ReadFile(filepath.Join(e.Dir, id, "root", "etc", "brine-dev-source")); err != nil || strings.TrimSpace(string(b)) != "from dev" {
			t.Errorf("%s: /etc/brine-dev-source = %q, %v; want dev's devonly.conf", id, b, err)
		}
	}
}

func TestDeletedKeyAsksAgain(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	if out, _, code := e.Brine("key", "delete", "m1", "-y"); code != 0 {
		t.Fatalf("key delete: %d\n%s", code, out)
	}
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		out, _, _ := e.Brine("key", "list")
		if !strings.Contains(out, "Unaccepted Keys:\nm1\n") {
			return fmt.Errorf("m1 not pending again:\n%s", out)
		}
		return nil
	})
	if out, _, code := e.Brine("m1", "test.ping", "-t", "2"); code == 0 || strings.Contains(out, "True") {
		t.Errorf("deleted minion answered: exit %d\n%s", code, out)
	}
	if out, _, code := e.Brine("key", "accept", "m1", "-y"); code != 0 {
		t.Fatalf("key accept: %d\n%s", code, out)
	}
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		out, _, code := e.Brine("m1", "test.ping", "-t", "2")
		if code != 0 || !strings.Contains(out, "True") {
			return fmt.Errorf("m1 after re-accept: exit %d\n%s", code, out)
		}
		return nil
	})
}

// --batch is a rolling window, as Salt's: when one minion of the window
// returns, the next starts, so a slow minion does not hold back the rest.
func TestBatchRolling(t *testing.T) {
	e := newEnv(t, "")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "delay.sls"), "delay:\n  cmd.run:\n    - name: sleep {{ grains.get('delay', 0) }}\n")
	e.AddMinion("m1", "delay: 3", "")
	e.AddMinion("m2", "delay: 0", "")
	e.AddMinion("m3", "delay: 0", "")
	e.AcceptAll("m1", "m2", "m3")

	out, errOut, code := e.Brine("*", "state.sls", "delay", "--batch", "2", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("--batch 2: exit %d\n%s%s", code, out, errOut)
	}
	if got := jsonBlocks(t, out); len(got) != 3 {
		t.Fatalf("--batch 2 returned %v; want m1, m2 and m3", keys(got))
	}
	i1, i3 := strings.Index(out, `"m1"`), strings.Index(out, `"m3"`)
	if i3 < 0 || i1 < 0 || i3 > i1 {
		t.Fatalf("m3 returned after the slow m1: the window did not roll\n%s", out)
	}
	if strings.Contains(out, "Executing run on") {
		t.Errorf("--out json holds Salt's batch progress lines:\n%s", out)
	}
	// The human output says which minions each step starts, as Salt's
	// Batch.run: the first window whole, then m3 in the place m2 left.
	out, errOut, code = e.Brine("*", "test.ping", "--batch", "2", "-t", "30")
	if code != 0 || !strings.Contains(out, "\nExecuting run on ['m1', 'm2']\n") || !strings.Contains(out, "\nExecuting run on ['m3']\n") {
		t.Errorf("--batch 2 progress: exit %d\n%s%s", code, out, errOut)
	}
}

// Salt's --subset, -d, -s and --batch-wait: a random N of the matched
// minions; sys.doc of the function; every return in one document; a
// pause after each return before the window moves on.
func TestTargetSubsetDocStatic(t *testing.T) {
	e := newEnv(t, "")
	for _, id := range []string{"m1", "m2", "m3"} {
		e.AddMinion(id, "role: web", "")
	}
	e.AcceptAll("m1", "m2", "m3")
	out, errOut, code := e.Brine("*", "test.ping", "--subset", "2", "--out", "json", "-t", "30")
	if got := jsonBlocks(t, out); code != 0 || len(got) != 2 {
		t.Errorf("--subset 2: exit %d, returns %v; want 2\n%s%s", code, keys(got), out, errOut)
	}
	out, errOut, code = e.Brine("-d", "m1", "test.ping", "-t", "30")
	if code != 0 || !strings.Contains(out, "test.ping:") || !strings.Contains(out, "the minion is up") {
		t.Errorf("-d m1 test.ping: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = e.Brine("-s", "*", "test.ping", "--out", "json", "-t", "30")
	docs := 0
	for d := json.NewDecoder(strings.NewReader(out)); d.More(); docs++ {
		var m map[string]any
		if err := d.Decode(&m); err != nil || len(m) != 3 {
			t.Errorf("-s: document %v (%v); want the three minions", m, err)
			break
		}
	}
	if code != 0 || docs != 1 {
		t.Errorf("-s: exit %d, %d documents; want one\n%s%s", code, docs, out, errOut)
	}
	out, errOut, code = e.Brine("*", "test.ping", "--batch", "1", "--batch-wait", "0.2", "--out", "json", "-t", "30")
	if got := jsonBlocks(t, out); code != 0 || len(got) != 3 {
		t.Errorf("--batch-wait: exit %d, returns %v\n%s%s", code, keys(got), out, errOut)
	}
}

// A minion's templates loop over pillar dicts in the pillar file's order,
// as Salt's do: the master sends the pillar with its keys in that order.
func TestPillarOrderReachesMinion(t *testing.T) {
	e := newEnv(t, "")
	harness.WriteFile(t, filepath.Join(e.Dir, "pillar", "common.sls"), "shared: all\nusers:\n  zed: 1\n  amy: 2\n  mike: 3\n")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "order.sls"), "{% for u in pillar['users'] %}\nhome-{{ u }}:\n  file.directory:\n    - name: /home/{{ u }}\n    - makedirs: True\n{% endfor %}\n")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, errOut, code := e.Brine("m1", "state.sls", "order", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("state.sls order: exit %d\n%s%s", code, out, errOut)
	}
	iz, ia, im := strings.Index(out, "home-zed"), strings.Index(out, "home-amy"), strings.Index(out, "home-mike")
	if iz < 0 || ia < 0 || im < 0 || !(iz < ia && ia < im) {
		t.Fatalf("states ran out of pillar order (want zed, amy, mike):\n%s", out)
	}
}

// file.recurse lists and copies a salt:// directory from the master; the
// listing is confined to the file roots as single files are. A template
// lists the tree's symlinks through the master (cp.list_master_symlinks),
// those that lead out left out.
func TestFileRecurseFromMaster(t *testing.T) {
	e := newEnv(t, "")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "files", "app", "a.conf"), "a\n")
	for link, dest := range map[string]string{"current": "app", "out": "/etc"} {
		if err := os.Symlink(dest, filepath.Join(e.Dir, "srv", "files", link)); err != nil {
			t.Fatal(err)
		}
	}
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "links.sls"), "{% for l, d in salt['cp.list_master_symlinks']() | dictsort %}\nlink {{ l }} to {{ d }}:\n  test.succeed_without_changes\n{% endfor %}\n")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "files", "app", "sub", "b.txt"), "b\n")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "recurse.sls"), "conf:\n  file.recurse:\n    - name: /etc/app\n    - source: salt://files/app\n    - makedirs: True\nescape:\n  file.recurse:\n    - name: /etc/escape\n    - source: salt://../pillar\n    - makedirs: True\n")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	out, errOut, code := e.Brine("m1", "state.sls", "recurse", "--out", "json", "-t", "30")
	if code == 0 {
		t.Fatalf("state.sls recurse: exit 0; want the escaping source to fail\n%s%s", out, errOut)
	}
	for name, want := range map[string]string{"a.conf": "a\n", "sub/b.txt": "b\n"} {
		b, err := os.ReadFile(filepath.Join(e.Dir, "m1", "root", "etc", "app", name))
		if err != nil || string(b) != want {
			t.Errorf("/etc/app/%s = %q, %v; want %q", name, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(e.Dir, "m1", "root", "etc", "escape")); err == nil {
		entries, _ := os.ReadDir(filepath.Join(e.Dir, "m1", "root", "etc", "escape"))
		if len(entries) > 0 {
			t.Errorf("salt://../pillar was copied: %v", entries)
		}
	}
	out, errOut, code = e.Brine("m1", "state.sls", "links", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("state.sls links: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "link files/current to app") || strings.Contains(out, "link files/out") {
		t.Errorf("cp.list_master_symlinks: want files/current only\n%s", out)
	}
}

// A hundred minions each stream 200 state events at once: every return
// arrives, none is dropped on the way to the command.
func TestHundredMinionsAllReturn(t *testing.T) {
	if testing.Short() {
		t.Skip("100 minion processes")
	}
	e := newEnv(t, "")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "many.sls"), `{% for i in range(200) %}
s{{ i }}:
  test.succeed_without_changes
{% endfor %}
`)
	var ids []string
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("h%03d", i)
		ids = append(ids, id)
		e.AddMinion(id, "role: many", "")
	}
	e.AcceptAll(ids...)
	out, errOut, code := e.Brine("-G", "role:many", "state.sls", "many", "-t", "30", "--out", "json", "--static")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, harness.Tail(out, 1500), harness.Tail(errOut, 1500))
	}
	var all map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatalf("output is not one JSON document: %v\n%s", err, harness.Tail(out, 500))
	}
	for _, id := range ids {
		if n := len(all[id]); n != 200 {
			t.Errorf("%s: %d states in its return; want 200", id, n)
		}
	}
}

// brine jobs active lists a job from the minion's first ack, not from
// its first heartbeat (here 30 s away).
func TestJobsActiveFromTheAck(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "heartbeat_interval: 30s\n")
	e.AcceptAll("m1")
	out, _, code := e.Brine("m1", "state.sls", "slow", "--async")
	if code != 0 {
		t.Fatalf("--async: exit %d\n%s", code, out)
	}
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID: "))
	started(e, "m1")
	// The ack comes once the job has run a little (minion.maxAckDelay,
	// a second), long before the first heartbeat.
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		out, errOut, code := e.Brine("jobs", "active")
		if code != 0 || !strings.Contains(out, jid) {
			return fmt.Errorf("jobs active after the ack, before any heartbeat: exit %d; want %s listed\n%s%s", code, jid, out, errOut)
		}
		return nil
	})
}

// A job that returns quickly is never acknowledged: its return says all
// the ack would. A long one is, before its return, once it has run a
// quarter of the operator's timeout (a second at most), so the command
// hears of it well before the timeout.
func TestAckOnlyForLongJobs(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	nc := operatorConn(t, e)
	news, _ := nc.SubscribeSync(proto.FromMinion("m1") + ".*.*")
	_ = nc.Flush()
	kinds := func() []string {
		var out []string
		for {
			m, err := news.NextMsg(200 * time.Millisecond)
			if err != nil {
				return out
			}
			out = append(out, strings.Split(m.Subject, ".")[3])
		}
	}
	if out, _, code := e.Brine("m1", "test.ping", "-t", "8"); code != 0 {
		t.Fatalf("test.ping: exit %d\n%s", code, out)
	}
	if got := kinds(); !slices.Equal(got, []string{"ret"}) {
		t.Errorf("test.ping sent %v; want its return alone", got)
	}
	if out, _, code := e.Brine("m1", "state.sls", "slow", "-t", "8"); code != 0 {
		t.Fatalf("state.sls slow: exit %d\n%s", code, out)
	}
	// Its heartbeats (the harness's minions send one every 300 ms)
	// follow the ack.
	got := slices.DeleteFunc(kinds(), func(k string) bool { return k == "evt" })
	if len(got) < 2 || got[0] != "ack" || got[len(got)-1] != "ret" || slices.Contains(got[1:], "ack") {
		t.Errorf("a 3 s job sent %v (state events aside); want its ack first, its return last", got)
	}
}

// Minion ids are Salt's, FQDNs included: they work unchanged in
// targeting (globs with dots, lists, regexps, compound), top.sls, output,
// the job cache and keys.
func TestFQDNMinionIDs(t *testing.T) {
	e := newEnv(t, "")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "top.sls"), `base:
  'web*.example.org':
    - web
  'db1.example.org':
    - common
`)
	ids := []string{"web1.example.org", "web2.example.org", "db1.example.org"}
	for _, id := range ids {
		e.AddMinion(id, "role: any", "")
	}
	e.AcceptAll(ids...)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"web*.example.org"}, ids[:2]},
		{[]string{"-L", "web1.example.org,db1.example.org"}, []string{ids[0], ids[2]}},
		{[]string{"-E", `^(web2|db1)\.example\.org$`}, ids[1:]},
		{[]string{"-C", "L@db1.example.org or web1.*"}, []string{ids[0], ids[2]}},
		{[]string{"*.example.org"}, ids},
	}
	for _, tt := range tests {
		out, errOut, code := e.Brine(append(tt.args, "test.ping", "--out", "json", "-t", "5")...)
		got := jsonBlocks(t, out)
		if code != 0 || len(got) != len(tt.want) {
			t.Errorf("brine %v test.ping: exit %d, %v; want %v\n%s", tt.args, code, keys(got), tt.want, errOut)
			continue
		}
		for _, id := range tt.want {
			if got[id] != true {
				t.Errorf("brine %v: %s = %v", tt.args, id, got[id])
			}
		}
	}
	out, _, code := e.Brine("*", "state.apply", "--out", "json", "-t", "10")
	all := jsonBlocks(t, out)
	if code != 0 || len(all) != 3 {
		t.Fatalf("highstate: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(e.Dir, "web1.example.org", "root", "etc", "brine-web")); err != nil {
		t.Errorf("top.sls's 'web*.example.org' did not give web1.example.org its state: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.Dir, "db1.example.org", "root", "etc", "brine-common")); err != nil {
		t.Errorf("top.sls's 'db1.example.org' did not give db1 its state: %v", err)
	}
	jid := ""
	if jl, _, _ := e.Brine("jobs", "list", "--out", "json"); jl != "" {
		for _, j := range regexpAll(`"([0-9]{20})"`, jl) {
			jid = j
		}
	}
	if out, _, _ := e.Brine("jobs", "lookup", jid); !strings.Contains(out, "web1.example.org") {
		t.Errorf("jobs lookup %s lacks the FQDN id:\n%s", jid, out)
	}
	if out, _, _ := e.Brine("key", "list"); !strings.Contains(out, "\ndb1.example.org\n") {
		t.Errorf("key list:\n%s", out)
	}
}

// A second host that asks with an id another key holds is refused and
// listed as a denied key, as salt-key lists them; the first keeps
// working.
func TestSecondHostWithATakenIDIsDenied(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	twin := filepath.Join(e.Dir, "twin")
	harness.WriteFile(t, filepath.Join(twin, "minion.yaml"), harness.MinionYAML("m1", e.URL(), twin, "role: web", ""))
	harness.StartProc(t, "twin", filepath.Join(twin, "minion.log"), "minion", "-c", twin)
	harness.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		out, _, _ := e.Brine("key", "list")
		if !strings.Contains(out, "Denied Keys:\nm1\n") {
			return fmt.Errorf("no denied m1:\n%s", out)
		}
		return nil
	})
	out, _, code := e.Brine("m1", "test.ping", "-t", "5")
	if code != 0 || !strings.Contains(out, "True") {
		t.Errorf("the first m1 after a twin asked: exit %d\n%s", code, out)
	}
}

// A master that restarts counts its minions as connected from their
// presence: each says it is up as soon as it is back (its reconnect
// handler), not a presence_interval later (here an hour; the master's
// presence_ttl is 3 s, so a ping must follow the reconnection closely).
func TestPresentAfterMasterRestart(t *testing.T) {
	e := newEnv(t, "")
	m := e.AddMinion("m1", "role: web", "presence_interval: 1h\n")
	e.AcceptAll("m1")
	m.WaitLog("minion ready", 1, 30*time.Second)
	before := strings.Count(m.LogText(), "reconnected to master")
	e.Master.Stop()
	e.Master.Start()
	m.WaitLog("reconnected to master", before+1, 30*time.Second)
	harness.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
		out, errOut, code := e.Brine("m1", "test.ping", "-t", "5")
		if code != 0 {
			return fmt.Errorf("test.ping after the master's restart: exit %d\n%s%s", code, out, errOut)
		}
		return nil
	})
}
