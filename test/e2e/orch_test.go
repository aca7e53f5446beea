package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/harness"
)

// exampleTree reads a tree of examples/ as the harness takes it
// ("-- path --" then the file), so that the tests run the examples the
// docs show.
func exampleTree(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join("..", "..", "examples", dir)
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "-- %s --\n%s", filepath.ToSlash(rel), data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestOrchestrate: brine run state.orchestrate highstates the databases,
// then the web servers only when the databases succeeded; test=True
// changes nothing; salt.wait_for_event waits for a minion's event.
func TestOrchestrate(t *testing.T) {
	e := harness.NewEnv(t, exampleTree(t, "orchestrate/states"), "", "")
	e.AddMinion("db1", "role: db", "")
	e.AddMinion("web1", "role: web", "")
	e.AcceptAll("db1", "web1")
	dbConf := filepath.Join(e.Dir, "db1", "root", "etc", "db.conf")
	webConf := filepath.Join(e.Dir, "web1", "root", "etc", "web.conf")

	// A dry run: every step says what it would do, nothing changes.
	out, errOut, code := e.Brine("run", "state.orchestrate", "orch.deploy", "test=True")
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(dbConf); err == nil {
		t.Fatalf("the dry run wrote %s", dbConf)
	}
	for _, want := range []string{"_master:\n", "ID: databases", "Function: salt.state", "Result: None", "Function test.echo would be executed on target *"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}

	// The databases fail: the web servers are not touched.
	out, errOut, code = e.Brine("run", "state.orchestrate", "orch.deploy", `pillar={"break_db": true}`)
	if code != 1 {
		t.Fatalf("orchestration with a failing database: exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Run failed on minions: db1", "One or more requisite failed", "the migration failed", "Summary for db1"} {
		if !strings.Contains(out, want) {
			t.Errorf("failed run's output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(webConf); err == nil {
		t.Fatalf("the web servers were highstated though the databases failed")
	}

	// The databases succeed: then the web servers, then the function.
	out, errOut, code = e.Brine("run", "state.orch", "orch.deploy", `pillar={"version": "two"}`)
	if code != 0 {
		t.Fatalf("orchestration: exit %d\n%s%s", code, out, errOut)
	}
	if b, err := os.ReadFile(dbConf); err != nil || strings.TrimSpace(string(b)) != "two" {
		t.Fatalf("%s = %q, %v; want two (pillar= of the orchestration, passed on by the step)", dbConf, b, err)
	}
	if _, err := os.Stat(webConf); err != nil {
		t.Fatalf("web servers not highstated: %v\n%s", err, out)
	}
	for _, want := range []string{
		"States ran successfully. Updating db1.", "States ran successfully. Updating web1.",
		"Function ran successfully. Function test.echo ran on db1, web1.",
		// each step's minions nested, as Salt's highstate outputter
		"              db1:\n              ----------\n                        ID: db_conf",
		"Succeeded: 3 (changed=3)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The JSON is Salt's shape: the runner's whole return, the steps
	// under data and the orchestration's id, with outputter and retcode
	// (Salt's own tests read ret.data["data"][id]).
	out, _, code = e.Brine("run", "state.orch", "orch.deploy", "--out", "json")
	var whole struct {
		Data      map[string]map[string]any `json:"data"`
		Outputter string                    `json:"outputter"`
		Retcode   *int                      `json:"retcode"`
	}
	if err := json.Unmarshal([]byte(out), &whole); err != nil || code != 0 || whole.Outputter != "highstate" || whole.Retcode == nil || *whole.Retcode != 0 ||
		len(whole.Data) != 1 || !strings.Contains(out, `"salt_|-webservers_|-webservers_|-state"`) || !strings.Contains(out, `"out": "highstate"`) {
		t.Fatalf("--out json: exit %d, %v\n%s", code, err, out)
	}
	for id, steps := range whole.Data {
		step, _ := steps["salt_|-webservers_|-webservers_|-state"].(map[string]any)
		if !strings.HasSuffix(id, "_master") || step == nil {
			t.Errorf("--out json: data = %v; want the steps under <host>_master", whole.Data)
		}
		// Each step that published a job says which (Salt's __jid__).
		if jid, _ := step["__jid__"].(string); len(jid) != 20 {
			t.Errorf("--out json: webservers' __jid__ = %v; want the job's id", step["__jid__"])
		}
	}

	// An SLS that does not render: exit 1, Salt's message.
	if out, _, code := e.Brine("run", "state.orchestrate", "orch.nothere"); code != 1 || !strings.Contains(out, "Data failed to compile") {
		t.Fatalf("missing SLS: exit %d\n%s", code, out)
	}

	// wait_for_event: the orchestration waits for web1's event.
	done := make(chan string, 1)
	go func() {
		o, eo, c := e.Brine("run", "state.orchestrate", "orch.wait")
		done <- fmt.Sprintf("exit %d\n%s%s", c, o, eo)
	}()
	var res string
	harness.CheckFor(t, 60*time.Second, 300*time.Millisecond, func() error {
		select {
		case res = <-done:
			return nil
		default:
		}
		sendEvent(t, e, "web1", "app/ready")
		return fmt.Errorf("orchestration still waiting")
	})
	if !strings.HasPrefix(res, "exit 0") || !strings.Contains(res, "All events seen in") || !strings.Contains(res, "minions_seen") {
		t.Fatalf("wait_for_event orchestration: %s", res)
	}
}

// TestOrchestrateSaltmodFidelity: the runner functions and step results
// of Salt 3006 against real minions: state.orchestrate_single and
// state.orchestrate_high (exit 0 whatever the step did, as salt-run's:
// their return has no retcode), exclude= of state.orchestrate, and a
// matched minion that does not return: failed with expect_minions (its
// return False), left out without.
func TestOrchestrateSaltmodFidelity(t *testing.T) {
	e := harness.NewEnv(t, exampleTree(t, "orchestrate/states"), "", "")
	e.AddMinion("db1", "role: db", "")
	web := e.AddMinion("web1", "role: web", "")
	e.AcceptAll("db1", "web1")
	e.WaitPing("db1", "web1")

	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
		not  []string
	}{
		{"single", []string{"state.orchestrate_single", "fun=salt.function", "name=test.echo", "tgt=*", `arg=["hi"]`}, 0,
			[]string{"_master:\n", "ID: test.echo", "Function: salt.function", "Function ran successfully. Function test.echo ran on db1, web1."}, nil},
		{"single, positional, failing: exit 0 as salt-run's", []string{"state.orchestrate_single", "salt.state", "apply_none", "tgt=db1", "sls=nothere"}, 0,
			[]string{"ID: apply_none", "Run failed on minions: db1", "Failed:    1"}, nil},
		{"high", []string{"state.orchestrate_high", `{"stage_one": {"salt.function": [{"name": "test.ping"}, {"tgt": "db1"}]}, "stage_two": {"salt.function": [{"name": "test.ping"}, {"tgt": "web1"}, {"require": [{"salt": "stage_one"}]}]}}`}, 0,
			[]string{"ID: stage_one", "ID: stage_two", "Function test.ping ran on web1.", "Succeeded: 2"}, nil},
		{"a list target", []string{"state.orchestrate_single", "fun=salt.function", "name=test.ping", `tgt=["db1", "web1"]`, "tgt_type=list"}, 0,
			[]string{"Function ran successfully. Function test.ping ran on db1, web1."}, nil},
		{"Salt's own example: key.list_all", []string{"state.orchestrate_single", "fun=salt.wheel", "name=key.list_all"}, 0,
			[]string{"Wheel function 'key.list_all' executed.", "minions:\n", "- db1\n", "- web1\n", "minions_pre:\n"}, nil},
		{"show_sls", []string{"state.orch_show_sls", "orch.deploy"}, 0,
			[]string{"_master:\n", "    databases:\n", "        __sls__:\n            orch.deploy\n", "        salt:\n"}, []string{"Succeeded"}},
		{"exclude", []string{"state.orchestrate", "orch.deploy", "test=True", `exclude=[{"id": "ping_all"}]`}, 0,
			[]string{"ID: databases", "ID: webservers"}, []string{"ping_all"}},
	} {
		out, errOut, code := e.Brine(append([]string{"run"}, tc.args...)...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.name, code, tc.code, out, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, out)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(out, w) {
				t.Errorf("%s: output has %q:\n%s", tc.name, w, out)
			}
		}
	}

	// A prereq's check of a salt.state step is a dry run on the
	// minions (Salt's engine sets test for it): the step then runs for
	// real and reports the change, after the step that pre-requires it.
	out, errOut, code := e.Brine("run", "state.orchestrate_high", `{"drain": {"salt.function": [{"name": "test.ping"}, {"tgt": "web1"}, {"prereq": [{"salt": "dbs"}]}]}, "dbs": {"salt.state": [{"tgt": "db1"}, {"sls": "db"}]}}`)
	if code != 0 || !strings.Contains(out, "States ran successfully. Updating db1.") || !strings.Contains(out, "Function test.ping ran on web1.") {
		t.Errorf("prereq on a salt.state step: exit %d\n%s%s", code, out, errOut)
	}

	// web1 stops: a salt.state step fails on it (expect_minions), a
	// salt.function step leaves it out.
	web.Stop()
	out, errOut, code = e.Brine("run", "state.orchestrate_single", "fun=salt.state", "name=hs", "tgt=*", "sls=db", "timeout=2")
	if code != 0 || !strings.Contains(out, "Run failed on minions: web1") || !strings.Contains(out, "              web1:\n                  False") {
		t.Errorf("salt.state with web1 down: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = e.Brine("run", "state.orchestrate_single", "fun=salt.function", "name=test.ping", "tgt=*", "timeout=2")
	if code != 0 || !strings.Contains(out, "Function ran successfully. Function test.ping ran on db1.") {
		t.Errorf("salt.function with web1 down: exit %d\n%s%s", code, out, errOut)
	}
	// salt.runner runs Salt's manage runner: db1 answers the ping, web1
	// does not.
	out, errOut, code = e.Brine("run", "state.orchestrate_single", "fun=salt.runner", "name=manage.status", "timeout=2", "--out", "json")
	if code != 0 || !strings.Contains(out, `"comment": "Runner function 'manage.status' executed."`) ||
		!strings.Contains(out, `"up": [`+"\n"+`                        "db1"`) || !strings.Contains(out, `"down": [`+"\n"+`                        "web1"`) {
		t.Errorf("salt.runner manage.status with web1 down: exit %d\n%s%s", code, out, errOut)
	}
}
