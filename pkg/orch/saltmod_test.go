package orch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/states"
)

// TestSaltmodResults pins salt.state's and salt.function's result,
// comment and changes against Salt 3006's salt/states/saltmod.py (state,
// function) over saltutil.cmd's returns: a minion that does not return
// is left out unless expect_minions asks for it, and then counts as
// failed with a return of False.
func TestSaltmodResults(t *testing.T) {
	changed := stateRet(true, true)
	same := stateRet(true, false)
	empty := &proto.Return{Return: map[string]any{}}
	for _, tc := range []struct {
		name    string
		sls     string
		minions []string
		rets    map[string]map[string]*proto.Return
		result  states.Outcome
		comment string
		changes map[string]any
	}{
		{
			name:    "state: a silent minion with expect_minions (default) fails, its return False",
			sls:     "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"state.sls": {"m1": same}},
			result:  states.False, comment: "Run failed on minions: m2",
			changes: map[string]any{"out": "highstate", "ret": map[string]any{"m2": false}},
		},
		{
			name:    "state: a silent minion without expect_minions is left out",
			sls:     "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n    - expect_minions: False\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"state.sls": {"m1": same}},
			result:  states.True, comment: "States ran successfully. No changes made to m1.",
			changes: map[string]any{},
		},
		{
			name:    "state: no minion returns, expect_minions False",
			sls:     "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n    - expect_minions: False\n",
			minions: []string{"m1"},
			result:  states.True, comment: "States ran successfully.",
			changes: map[string]any{},
		},
		{
			name:    "state: every matched minion silent is a failed run, not 'No minions returned'",
			sls:     "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n",
			minions: []string{"m1"},
			result:  states.False, comment: "Run failed on minions: m1",
			changes: map[string]any{"out": "highstate", "ret": map[string]any{"m1": false}},
		},
		{
			name:   "state: no minion matched",
			sls:    "s:\n  salt.state:\n    - tgt: 'none*'\n    - sls: a\n",
			result: states.False, comment: "No minions returned",
			changes: map[string]any{},
		},
		{
			name:    "state: an empty state run fails check_result",
			sls:     "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"state.sls": {"m1": empty, "m2": changed}},
			result:  states.False, comment: "Run failed on minions: m1",
			changes: map[string]any{"out": "highstate", "ret": map[string]any{"m1": map[string]any{}, "m2": changed.Return}},
		},
		{
			name:    "function: a silent minion without expect_minions is left out",
			sls:     "f:\n  salt.function:\n    - name: test.ping\n    - tgt: '*'\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"test.ping": {"m1": {Return: true}}},
			result:  states.True, comment: "Function ran successfully. Function test.ping ran on m1.",
			changes: map[string]any{"ret": map[string]any{"m1": true}},
		},
		{
			name:    "function: with expect_minions a silent minion fails and is named among those it ran on",
			sls:     "f:\n  salt.function:\n    - name: test.ping\n    - tgt: '*'\n    - expect_minions: True\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"test.ping": {"m1": {Return: true}}},
			result:  states.False, comment: "Running function test.ping failed on minions: m2 Function test.ping ran on m1, m2.",
			changes: map[string]any{"ret": map[string]any{"m1": true, "m2": false}},
		},
		{
			name:    "function: fail_minions does not excuse a retcode",
			sls:     "f:\n  salt.function:\n    - name: cmd.retcode\n    - tgt: '*'\n    - fail_minions: m2\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"cmd.retcode": {"m1": {Return: 0}, "m2": {Return: 1, Retcode: 1}}},
			result:  states.False, comment: "Running function cmd.retcode failed on minions: m2 Function cmd.retcode ran on m1, m2.",
			changes: map[string]any{"ret": map[string]any{"m1": 0, "m2": 1}},
		},
		{
			name:    "function: fail_minions excuses a return of False",
			sls:     "f:\n  salt.function:\n    - name: file.file_exists\n    - tgt: '*'\n    - fail_minions: [m2]\n",
			minions: []string{"m1", "m2"},
			rets:    map[string]map[string]*proto.Return{"file.file_exists": {"m1": {Return: true}, "m2": {Return: false}}},
			result:  states.True, comment: "Function ran successfully. Function file.file_exists ran on m1, m2.",
			changes: map[string]any{"ret": map[string]any{"m1": true, "m2": false}},
		},
		{
			name:    "function: no minion returns",
			sls:     "f:\n  salt.function:\n    - name: test.ping\n    - tgt: '*'\n",
			minions: []string{"m1"},
			result:  states.False, comment: "No minions responded",
			changes: map[string]any{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeClient{minions: map[string][]string{"*": tc.minions}, rets: tc.rets}
			roots := tree(t, map[string]string{"o.sls": tc.sls})
			res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
			if res.Errors != nil || len(res.States) != 1 {
				t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
			}
			got := res.States[0].Result
			if got.Result != tc.result || got.Comment != tc.comment {
				t.Errorf("result, comment = %v %q; want %v %q", got.Result, got.Comment, tc.result, tc.comment)
			}
			if !reflect.DeepEqual(got.Changes, tc.changes) {
				t.Errorf("changes = %#v; want %#v", got.Changes, tc.changes)
			}
		})
	}
}

// TestSaltStateJob: what salt.state passes on to the minions' state run,
// as Salt 3006's saltmod.state builds cmd_kw: queue and concurrent
// always, pillarenv, saltenv, exclude and pillar when given; not
// failhard, which Salt hands to saltutil.cmd beside the job's kwarg and
// its master publishes to no minion; and the arguments it refuses.
func TestSaltStateJob(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     string
		failhard bool
		kwargs   map[string]any
		comment  string // a refused step's
	}{
		{name: "defaults", args: "", kwargs: map[string]any{"queue": false, "concurrent": false}},
		{name: "given", args: "    - queue: True\n    - concurrent: True\n    - pillarenv: dev\n    - saltenv: prod\n    - exclude: [b]\n    - pillar: {k: v}\n",
			kwargs: map[string]any{"queue": true, "concurrent": true, "pillarenv": "dev", "saltenv": "prod", "exclude": []any{"b"}, "pillar": map[string]any{"k": "v"}}},
		{name: "the step's failhard is not the minions'", args: "    - failhard: True\n", kwargs: map[string]any{"queue": false, "concurrent": false}},
		{name: "the orchestration's failhard is not the minions'", failhard: true, kwargs: map[string]any{"queue": false, "concurrent": false}},
		{name: "the step's test: False is passed on", args: "    - test: False\n", kwargs: map[string]any{"queue": false, "concurrent": false, "test": false}},
		{name: "the step's test: True", args: "    - test: True\n", kwargs: map[string]any{"queue": false, "concurrent": false, "test": true}},
		{name: "an empty pillar is not passed", args: "    - pillar: {}\n", kwargs: map[string]any{"queue": false, "concurrent": false}},
		{name: "concurrent not a boolean", args: "    - concurrent: 'yes'\n", comment: "Must pass in boolean for value of 'concurrent'"},
		{name: "allow_fail not an int", args: "    - allow_fail: many\n", comment: "Passed invalid value for 'allow_fail', must be an int"},
		{name: "allow_fail as a string", args: "    - allow_fail: '1'\n", kwargs: map[string]any{"queue": false, "concurrent": false}},
		{name: "ssh", args: "    - ssh: True\n", comment: "ssh: True: brine's orchestration publishes to minions; run salt-ssh targets with brine ssh"},
		{name: "top is refused, not taken for sls", args: "    - top: other_top.sls\n", comment: "top: state.top is not available on brine's minions; name the SLS (sls) or use highstate: True"},
		{name: "highstate wins over top, as Salt's", args: "    - top: other_top.sls\n    - highstate: True\n", kwargs: map[string]any{"queue": false, "concurrent": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeClient{minions: map[string][]string{"*": {"m1"}},
				rets: map[string]map[string]*proto.Return{"state.sls": {"m1": stateRet(true, false)}}}
			roots := tree(t, map[string]string{"o.sls": "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n" + tc.args})
			res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master", Failhard: tc.failhard})
			if res.Errors != nil || len(res.States) != 1 {
				t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
			}
			got := res.States[0].Result
			if tc.comment != "" {
				if got.Result != states.False || got.Comment != tc.comment || len(f.jobs) != 0 {
					t.Errorf("= %v %q, jobs %v; want False %q and no job", got.Result, got.Comment, f.jobs, tc.comment)
				}
				return
			}
			if len(f.jobs) != 1 || !reflect.DeepEqual(f.jobs[0].Kwargs, tc.kwargs) {
				t.Fatalf("jobs = %+v; want one with kwargs %v (step: %v %q)", f.jobs, tc.kwargs, got.Result, got.Comment)
			}
		})
	}
}

// TestSaltWheelReturn: salt.wheel's changes are {return: ...} of Salt's
// wheel key functions, Key.name_match after the action: every key the
// match names, by directory, not only those moved; a match is globs
// separated by commas, or a list.
func TestSaltWheelReturn(t *testing.T) {
	keys := func() []proto.KeyInfo {
		return []proto.KeyInfo{{ID: "web9", State: proto.KeyPending}, {ID: "Web2", State: proto.KeyAccepted},
			{ID: "web1", State: proto.KeyAccepted}, {ID: "web8", State: proto.KeyRejected}, {ID: "db9", State: proto.KeyPending}}
	}
	for _, tc := range []struct {
		fun, args string
		ret       map[string]any
	}{
		{"key.accept", "    - match: '[wW]eb*'\n", map[string]any{"minions": []any{"web1", "Web2", "web9"}, "minions_rejected": []any{"web8"}}},
		{"key.accept", "    - match: 'web9,db9'\n", map[string]any{"minions": []any{"db9", "web9"}}},
		{"key.accept", "    - match: [web8]\n    - include_rejected: True\n", map[string]any{"minions": []any{"web8"}}},
		{"key.reject", "    - match: 'db*'\n", map[string]any{"minions_rejected": []any{"db9"}}},
		{"key.delete", "    - match: 'web*'\n", map[string]any{}},
		{"key.list_all", "", map[string]any{"minions": []any{"web1", "Web2"}, "minions_pre": []any{"db9", "web9"}, "minions_rejected": []any{"web8"}, "minions_denied": []any{}}},
		{"key.list", "    - match: un\n", map[string]any{"minions_pre": []any{"db9", "web9"}}},
		{"key.list", "    - match: all\n", map[string]any{"minions": []any{"web1", "Web2"}, "minions_pre": []any{"db9", "web9"}, "minions_rejected": []any{"web8"}, "minions_denied": []any{}}},
		{"key.name_match", "    - match: 'web*,db*'\n", map[string]any{"minions": []any{"web1"}, "minions_pre": []any{"db9", "web9"}, "minions_rejected": []any{"web8"}}},
	} {
		t.Run(tc.fun+" "+tc.args, func(t *testing.T) {
			f := &fakeClient{keys: keys()}
			roots := tree(t, map[string]string{"o.sls": "w:\n  salt.wheel:\n    - name: " + tc.fun + "\n" + tc.args})
			res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
			if res.Errors != nil || len(res.States) != 1 {
				t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
			}
			got := res.States[0].Result
			want := map[string]any{"return": tc.ret}
			if got.Result != states.True || got.Comment != "Wheel function '"+tc.fun+"' executed." || !reflect.DeepEqual(got.Changes, want) {
				t.Errorf("= %v %q %#v; want True, changes %#v", got.Result, got.Comment, got.Changes, want)
			}
		})
	}
}

// TestParallelRunners: salt.parallel_runners runs each runner's
// orchestration and, as Salt 3006's, succeeds whatever they did (its
// check reads a retcode the highstate-shaped return does not hold); its
// changes are each runner's states' changes (a salt.state step's, its
// minions' returns), by runner id and the nested orchestration's id.
func TestParallelRunners(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"web1": {"web1"}, "db1": {"db1"}},
		rets: map[string]map[string]*proto.Return{"state.sls": {"web1": stateRet(true, true), "db1": stateRet(false, false)}}}
	roots := tree(t, map[string]string{
		"o.sls": `
p:
  salt.parallel_runners:
    - runners:
        web:
          - name: state.orchestrate
          - kwarg:
              mods: web
        db:
          - name: state.orch
          - kwarg:
              mods: db
`,
		"web.sls": "w:\n  salt.state:\n    - tgt: web1\n    - sls: web\n",
		"db.sls":  "d:\n  salt.state:\n    - tgt: db1\n    - sls: db\n",
		"bad.sls": "b:\n  salt.parallel_runners:\n    - runners: [state.orchestrate]\n",
	})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil || len(res.States) != 1 {
		t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
	}
	got := res.States[0].Result
	if got.Result != states.True || got.Comment != "All runner functions executed successfully." {
		t.Errorf("= %v %q; want True, all executed", got.Result, got.Comment)
	}
	// A failed minion's return is in its step's changes too (Salt's
	// salt.state puts it there), so db's runner has changes.
	for id, key := range map[string]string{"web": "salt_|-w_|-w_|-state", "db": "salt_|-d_|-d_|-state"} {
		run, _ := got.Changes[id].(map[string]any)
		step, _ := run["m_master"].(map[string]any)
		minions, _ := step[key].(map[string]any)
		if len(minions) != 1 {
			t.Errorf("changes[%s] = %#v; want its salt.state step's minion", id, got.Changes[id])
		}
	}
	if len(f.jobs) != 2 {
		t.Errorf("jobs = %v; want one per runner", f.jobs)
	}
	res = Orchestrate(context.Background(), []string{"bad"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
	if c := res.States[0].Comment; res.States[0].Result.Result != states.False || c != "The runners parameter must be a string or dict." {
		t.Errorf("runners as a list: %v %q", res.States[0].Result.Result, c)
	}
}

// TestSaltRunnerReturn: salt.runner's changes are {return: ...} of
// Salt's state.orchestrate runner: {data: {id: the steps}, outputter:
// highstate, retcode}; a failed orchestration fails the step.
func TestSaltRunnerReturn(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"db1": {"db1"}},
		rets: map[string]map[string]*proto.Return{"state.sls": {"db1": stateRet(false, false)}}}
	roots := tree(t, map[string]string{
		"o.sls":   "r:\n  salt.runner:\n    - name: state.orchestrate\n    - mods: sub\n",
		"sub.sls": "d:\n  salt.state:\n    - tgt: db1\n    - sls: db\n",
	})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil || len(res.States) != 1 {
		t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
	}
	got := res.States[0].Result
	if got.Result != states.False || got.Comment != "Runner function 'state.orchestrate' failed." {
		t.Errorf("= %v %q; want False, failed", got.Result, got.Comment)
	}
	ret, _ := got.Changes["return"].(map[string]any)
	data, _ := ret["data"].(map[string]any)
	steps, _ := data["m_master"].(map[string]any)
	step, _ := steps["salt_|-d_|-d_|-state"].(map[string]any)
	if ret["outputter"] != "highstate" || ret["retcode"] != 1 || step["comment"] != "Run failed on minions: db1" || step["__run_num__"] != int64(0) {
		t.Errorf("changes = %#v; want the nested orchestration's steps under data.m_master", got.Changes)
	}
}

// TestEmptyOrchestration: an orchestration with no step fails, as
// Salt's orchestrate runner's retcode is state.check_result of its data,
// which finds an empty run a failure.
func TestEmptyOrchestration(t *testing.T) {
	roots := tree(t, map[string]string{"o.sls": "{% if False %}\ns:\n  test.nop: []\n{% endif %}\n"})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: &fakeClient{}, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil || len(res.States) != 0 || res.Retcode != 1 {
		t.Errorf("empty orchestration: errors %v, %d steps, retcode %d; want no step, retcode 1", res.Errors, len(res.States), res.Retcode)
	}
}

// TestSubsetAndBatchDown: subset and batch leave a minion that is not
// connected out, as Salt's: cmd_subset picks among the minions that
// answer sys.list_functions, batch pings first and sends no job to one
// that does not answer; without them it fails the step (expect_minions).
func TestSubsetAndBatchDown(t *testing.T) {
	for _, tc := range []struct {
		arg     string
		result  states.Outcome
		comment string
	}{
		{"    - subset: 1\n", states.True, "States ran successfully. No changes made to m1."},
		{"    - batch: 1\n", states.True, "States ran successfully. No changes made to m1."},
		{"", states.False, "Run failed on minions: m2"},
	} {
		f := &fakeClient{minions: map[string][]string{"*": {"m1"}}, down: map[string][]string{"*": {"m2"}},
			rets: map[string]map[string]*proto.Return{"state.sls": {"m1": stateRet(true, false)}}}
		roots := tree(t, map[string]string{"o.sls": "s:\n  salt.state:\n    - tgt: '*'\n    - sls: a\n" + tc.arg})
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
		if got := res.States[0].Result; got.Result != tc.result || got.Comment != tc.comment {
			t.Errorf("%s= %v %q; want %v %q", tc.arg, got.Result, got.Comment, tc.result, tc.comment)
		}
	}
}

// TestSaltRunnerManage: salt.runner runs Salt's manage.up, manage.down
// and manage.status: the minions tgt matches are pinged, those that
// answer are up, the others (silent, or not connected) down; the step's
// changes are {return: the runner's value}, as saltmod.runner's.
func TestSaltRunnerManage(t *testing.T) {
	for _, tc := range []struct {
		step string
		want any
	}{
		{"    - name: manage.up\n", []any{"m1", "m3"}},
		{"    - name: manage.down\n", []any{"m2", "m4"}},
		{"    - name: manage.status\n", map[string]any{"up": []any{"m1", "m3"}, "down": []any{"m2", "m4"}}},
		{"    - name: manage.up\n    - tgt: m1\n", []any{"m1"}},
		{"    - name: manage.status\n    - kwarg:\n        tgt: nothing\n", map[string]any{"up": []any{}, "down": []any{}}},
	} {
		f := &fakeClient{minions: map[string][]string{"*": {"m3", "m1", "m2"}, "m1": {"m1"}}, down: map[string][]string{"*": {"m4"}},
			rets: map[string]map[string]*proto.Return{"test.ping": {"m1": {Return: true}, "m3": {Return: true}}}}
		roots := tree(t, map[string]string{"o.sls": "r:\n  salt.runner:\n" + tc.step})
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("%s: %v %+v", tc.step, res.Errors, res.States)
		}
		got := res.States[0].Result
		name := strings.TrimPrefix(strings.SplitN(tc.step, "\n", 2)[0], "    - name: ")
		if got.Result != states.True || got.Comment != "Runner function '"+name+"' executed." || !reflect.DeepEqual(got.Changes, map[string]any{"return": tc.want}) {
			t.Errorf("%s= %v %q %#v; want True, executed, return %#v", tc.step, got.Result, got.Comment, got.Changes, tc.want)
		}
		if res.Retcode != 0 {
			t.Errorf("%s: retcode %d", tc.step, res.Retcode)
		}
	}
}

// TestSaltStatePrereq: a salt.state step a prereq looks at is first run
// as a dry run, and its minions are asked for one (test: True), as
// Salt's state engine sets test in the opts saltmod.state reads for the
// prereq's check; only then, when it would change, does the
// pre-requiring step run, and the step for real.
func TestSaltStatePrereq(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"db1": {"db1"}, "web1": {"web1"}},
		rets: map[string]map[string]*proto.Return{"state.sls": {"db1": stateRet(true, true), "web1": stateRet(true, false)}}}
	roots := tree(t, map[string]string{"o.sls": "db:\n  salt.state:\n    - tgt: db1\n    - sls: db\n" +
		"drain:\n  salt.state:\n    - tgt: web1\n    - sls: drain\n    - prereq:\n      - salt: db\n"})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil || len(res.States) != 2 {
		t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
	}
	var got []string
	for _, j := range f.jobs {
		got = append(got, fmt.Sprintf("%s test=%v", j.Target, j.Kwargs["test"]))
	}
	want := []string{"db1 test=true", "web1 test=<nil>", "db1 test=<nil>"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jobs = %q; want %q", got, want)
	}
}

// TestSaltFunctionFailFunction: fail_function, which Salt calls in the
// master's own minion to judge each return, fails the step saying so
// (brine has no such minion) rather than being ignored; a dry run says
// what it would do, as Salt's returns before reading it.
func TestSaltFunctionFailFunction(t *testing.T) {
	for _, tc := range []struct {
		test    bool
		result  states.Outcome
		comment string
		jobs    int
	}{
		{false, states.False, "fail_function: brine's orchestration runs no execution function on the master to judge the returns; check them in a later step (salt.function with a require)", 0},
		{true, states.None, "Function test.ping would be executed on target *", 0},
	} {
		f := &fakeClient{minions: map[string][]string{"*": {"m1"}},
			rets: map[string]map[string]*proto.Return{"test.ping": {"m1": {Return: true}}}}
		roots := tree(t, map[string]string{"o.sls": "s:\n  salt.function:\n    - name: test.ping\n    - tgt: '*'\n    - fail_function: mymod.check\n"})
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master", Test: tc.test})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
		}
		if got := res.States[0].Result; got.Result != tc.result || got.Comment != tc.comment || len(f.jobs) != tc.jobs {
			t.Errorf("test=%v: %v %q, jobs %v; want %v %q", tc.test, got.Result, got.Comment, f.jobs, tc.result, tc.comment)
		}
	}
}

// TestSaltRunnerArgs: salt.runner hands exclude and pillarenv on to the
// nested orchestration, given on the step as in kwarg, as Salt's hands
// every argument of the step to the runner; pillarenv reads that
// environment's pillar top file alone, as Salt's Pillar does.
func TestSaltRunnerArgs(t *testing.T) {
	for _, step := range []string{
		"    - exclude: [{id: skipped}]\n    - pillarenv: dev\n",
		"    - kwarg:\n        exclude: [{id: skipped}]\n        pillarenv: dev\n",
	} {
		roots := tree(t, map[string]string{
			"o.sls":   "r:\n  salt.runner:\n    - name: state.orchestrate\n    - mods: sub\n" + step,
			"sub.sls": "kept:\n  test.succeed_without_changes:\n    - name: {{ pillar.get('where') }}-{{ pillar.get('only_base', 'none') }}\nskipped:\n  test.nop: []\n",
		})
		proots := fileroot.Roots{"base": {t.TempDir()}, "dev": {t.TempDir()}}
		for env, dir := range proots {
			if err := os.WriteFile(filepath.Join(dir[0], "top.sls"), []byte(env+":\n  '*':\n    - p\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir[0], "p.sls"), []byte("where: "+env+"\nonly_"+env+": 1\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// The orchestration's own pillarenv= (brine run state.orch
		// pillarenv=dev) reads the dev pillar alone too.
		own := Orchestrate(context.Background(), []string{"sub"}, Options{Client: &fakeClient{}, FileRoots: roots, PillarRoots: proots, ID: "m_master", Pillarenv: "dev"})
		if len(own.States) != 2 || own.States[0].Result.Name != "dev-none" {
			t.Errorf("pillarenv=dev: %v %+v; want the first step named dev-none", own.Errors, own.States)
		}
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: &fakeClient{}, FileRoots: roots, PillarRoots: proots, ID: "m_master"})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
		}
		ret, _ := res.States[0].Result.Changes["return"].(map[string]any)
		data, _ := ret["data"].(map[string]any)
		steps, _ := data["m_master"].(map[string]any)
		kept, _ := steps["test_|-kept_|-dev-none_|-succeed_without_changes"].(map[string]any)
		if len(steps) != 1 || kept == nil {
			t.Errorf("%s: nested steps = %v; want kept alone, named from the dev pillar alone", step, steps)
		}
	}
}

// TestParallelRunnersManage: salt.parallel_runners runs manage.* too;
// when a runner's return is not an orchestration's (highstate-shaped),
// the changes are every runner's whole return by id, under ret, as
// Salt 3006's parallel_runners gives them.
func TestParallelRunnersManage(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"*": {"m1"}}, down: map[string][]string{"*": {"m2"}},
		rets: map[string]map[string]*proto.Return{"test.ping": {"m1": {Return: true}}}}
	roots := tree(t, map[string]string{
		"o.sls":   "p:\n  salt.parallel_runners:\n    - runners:\n        up:\n          - name: manage.up\n        orch:\n          - name: state.orchestrate\n          - kwarg:\n              mods: sub\n",
		"sub.sls": "n:\n  test.nop: []\n",
	})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil || len(res.States) != 1 {
		t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
	}
	got := res.States[0].Result
	byID, _ := got.Changes["ret"].(map[string]any)
	orch, _ := byID["orch"].(map[string]any)
	if got.Result != states.True || got.Comment != "All runner functions executed successfully." || len(got.Changes) != 1 ||
		!reflect.DeepEqual(byID["up"], []any{"m1"}) || orch["outputter"] != "highstate" || orch["retcode"] != 0 {
		t.Errorf("= %v %q %#v; want True, all executed, {ret: {up: [m1], orch: its whole return}}", got.Result, got.Comment, got.Changes)
	}
}

// TestBatchFailhard: with failhard (the step's or the orchestration's)
// a batch starts no minion after one returns a retcode above 0, as
// Salt's Batch does (Salt's test_orchestrate_batch_with_failhard_error:
// the step fails with one minion in its changes); without it every
// minion runs.
func TestBatchFailhard(t *testing.T) {
	for _, tc := range []struct {
		name, fun, args string
		orchFailhard    bool
		jobs            int
		comment         string
	}{
		{"salt.state, the step's failhard", "state.sls", "  salt.state:\n    - sls: a\n    - failhard: True\n", false, 1, "Run failed on minions: m1"},
		{"salt.state, the orchestration's failhard", "state.sls", "  salt.state:\n    - sls: a\n", true, 1, "Run failed on minions: m1"},
		{"salt.state, no failhard", "state.sls", "  salt.state:\n    - sls: a\n", false, 2, "Run failed on minions: m1"},
		{"salt.function, the step's failhard", "test.fail", "  salt.function:\n    - name: test.fail\n    - failhard: True\n", false, 1, "Running function test.fail failed on minions: m1 Function test.fail ran on m1."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeClient{minions: map[string][]string{"*": {"m1", "m2"}},
				rets: map[string]map[string]*proto.Return{tc.fun: {"m1": stateRet(false, false), "m2": stateRet(true, false)}}}
			roots := tree(t, map[string]string{"o.sls": "s:\n" + tc.args + "    - tgt: '*'\n    - batch: 1\n"})
			res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master", Failhard: tc.orchFailhard})
			if res.Errors != nil || len(res.States) != 1 {
				t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
			}
			got := res.States[0].Result
			if got.Result != states.False || got.Comment != tc.comment || len(f.jobs) != tc.jobs {
				t.Errorf("= %v %q after %d jobs; want False %q after %d", got.Result, got.Comment, len(f.jobs), tc.comment, tc.jobs)
			}
		})
	}
}

// TestStepJID: a salt.state or salt.function step's return carries the
// job it published as __jid__, as Salt's (its test_jid_in_ret_event);
// not when no minion returned, nor for a batch, whose returns Salt's
// saltutil.cmd gives without their jid.
func TestStepJID(t *testing.T) {
	for _, tc := range []struct {
		name, sls string
		want      any
	}{
		{"salt.state", "s:\n  salt.state:\n    - tgt: m1\n    - sls: a\n", "20261206000000000002"},
		{"salt.function", "s:\n  salt.function:\n    - name: test.ping\n    - tgt: m1\n", "20261206000000000002"},
		{"no minion returned", "s:\n  salt.function:\n    - name: test.ping\n    - tgt: m2\n", nil},
		{"a batch", "s:\n  salt.state:\n    - tgt: m1\n    - sls: a\n    - batch: 1\n", nil},
	} {
		f := &fakeClient{minions: map[string][]string{"m1": {"m1"}, "m2": {"m2"}},
			rets: map[string]map[string]*proto.Return{"state.sls": {"m1": stateRet(true, false)}, "test.ping": {"m1": {Return: true}}}}
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: tree(t, map[string]string{"o.sls": tc.sls}), ID: "m_master"})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("%s: %v %+v", tc.name, res.Errors, res.States)
		}
		var got any
		for _, kv := range output.SaltShape(res.States)[0].Value.(output.OrderedMap) {
			if kv.Key == "__jid__" {
				got = kv.Value
			}
		}
		if got != tc.want {
			t.Errorf("%s: __jid__ = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// eventClient is fakeClient whose Events delivers events.
type eventClient struct {
	*fakeClient
	events []proto.Event
}

func (c *eventClient) Events(ctx context.Context, filter func(string) bool, on func(proto.Event) bool) error {
	for _, e := range c.events {
		if filter(e.Tag) && !on(e) {
			return nil
		}
	}
	// As client.Events, the end of the wait is no error.
	<-ctx.Done()
	return nil
}

// TestWaitForEventComment: salt.wait_for_event's comment and changes
// are Salt's: "All events seen in S seconds." with the seconds written
// as Python's str() of a float (every digit, not three), and
// minions_seen in the order the ids came; an id of a list in the event
// counts too, an event of another tag not.
func TestWaitForEventComment(t *testing.T) {
	c := &eventClient{fakeClient: &fakeClient{}, events: []proto.Event{
		{Tag: "app/ready", Data: []byte(`{"id": "web2"}`)},
		{Tag: "other", Data: []byte(`{"id": "web1"}`)},
		{Tag: "app/ready", Data: []byte(`{"data": {"id": ["web1", "web9"]}}`)},
	}}
	roots := tree(t, map[string]string{"o.sls": "w:\n  salt.wait_for_event:\n    - name: app/*\n    - id_list: [web1, web2]\n    - timeout: 5\n"})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: c, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil || len(res.States) != 1 {
		t.Fatalf("orchestration: %v %+v", res.Errors, res.States)
	}
	got := res.States[0].Result
	if !regexp.MustCompile(`^All events seen in (\d+\.\d{4,}|[\d.]+e-\d+) seconds\.$`).MatchString(got.Comment) || got.Result != states.True ||
		!reflect.DeepEqual(got.Changes, map[string]any{"minions_seen": []any{"web2", "web1"}}) {
		t.Errorf("= %v %q %v; want True, all seen in Python's float, minions_seen [web2 web1]", got.Result, got.Comment, got.Changes)
	}
}

// TestListTarget: tgt may be a list with tgt_type list (Salt's
// LocalClient takes one), or compound (its words); with another
// tgt_type a list fails the step; a dry run names the list as Salt's
// comment does, Python's str() of it.
func TestListTarget(t *testing.T) {
	for _, tc := range []struct {
		args, target, comment string
		test                  bool
	}{
		{"    - tgt: [m1, m2]\n    - tgt_type: list\n", "m1,m2", "Function test.ping ran on m1, m2.", false},
		{"    - tgt: [m1, or, m2]\n    - tgt_type: compound\n", "m1 or m2", "Function test.ping ran on m1, m2.", false},
		{"    - tgt: [m1, m2]\n", "", "tgt: a list is a target of tgt_type list (or compound), not glob", false},
		{"    - tgt: [m1, m2]\n    - tgt_type: list\n", "", "Function test.ping would be executed on target ['m1', 'm2']", true},
	} {
		f := &fakeClient{minions: map[string][]string{"m1,m2": {"m1", "m2"}, "m1 or m2": {"m1", "m2"}},
			rets: map[string]map[string]*proto.Return{"test.ping": {"m1": {Return: true}, "m2": {Return: true}}}}
		roots := tree(t, map[string]string{"o.sls": "s:\n  salt.function:\n    - name: test.ping\n" + tc.args})
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master", Test: tc.test})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("%s: %v %+v", tc.args, res.Errors, res.States)
		}
		got := res.States[0].Result
		if !strings.HasSuffix(got.Comment, tc.comment) {
			t.Errorf("%s: comment %q; want it to end %q", tc.args, got.Comment, tc.comment)
		}
		if tc.target != "" && (len(f.jobs) != 1 || f.jobs[0].Target != tc.target) {
			t.Errorf("%s: jobs %+v; want one to %q", tc.args, f.jobs, tc.target)
		}
	}
}

// TestFailMinionsWarning: a fail_minions that is neither a list nor a
// string is ignored with Salt's warning on the step.
func TestFailMinionsWarning(t *testing.T) {
	for _, step := range []string{
		"  salt.state:\n    - tgt: m1\n    - sls: a\n    - fail_minions: 5\n",
		"  salt.function:\n    - name: test.ping\n    - tgt: m1\n    - fail_minions: {m1: true}\n",
	} {
		f := &fakeClient{minions: map[string][]string{"m1": {"m1"}},
			rets: map[string]map[string]*proto.Return{"state.sls": {"m1": stateRet(false, false)}, "test.ping": {"m1": {Return: false}}}}
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: tree(t, map[string]string{"o.sls": "s:\n" + step}), ID: "m_master"})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("%s: %v %+v", step, res.Errors, res.States)
		}
		got := res.States[0].Result
		if got.Result != states.False || !slices.Contains(got.Warnings, "'fail_minions' needs to be a list or a comma separated string. Ignored.") {
			t.Errorf("%s= %v %q %q; want False (m1 not excused) with Salt's warning", step, got.Result, got.Comment, got.Warnings)
		}
	}
}

// TestWaitForEventIDList: id_list is Salt's list: an id given twice
// needs two events, and an event holding a list takes the ids in
// id_list's order, once per time id_list has them.
func TestWaitForEventIDList(t *testing.T) {
	for _, tc := range []struct {
		ids     string
		events  []string
		result  states.Outcome
		seen    []any
		comment string
	}{
		{"[web1, web1, web2]", []string{`{"id": "web1"}`, `{"id": ["web2", "web1"]}`}, states.True, []any{"web1", "web1", "web2"}, "All events seen"},
		{"[web1, web1]", []string{`{"id": "web1"}`}, states.False, []any{"web1"}, "Timeout value reached."},
	} {
		c := &eventClient{fakeClient: &fakeClient{}}
		for _, d := range tc.events {
			c.events = append(c.events, proto.Event{Tag: "app/ready", Data: []byte(d)})
		}
		roots := tree(t, map[string]string{"o.sls": "w:\n  salt.wait_for_event:\n    - name: app/ready\n    - id_list: " + tc.ids + "\n    - timeout: 1\n"})
		res := Orchestrate(context.Background(), []string{"o"}, Options{Client: c, FileRoots: roots, ID: "m_master"})
		if res.Errors != nil || len(res.States) != 1 {
			t.Fatalf("%s: %v %+v", tc.ids, res.Errors, res.States)
		}
		got := res.States[0].Result
		if got.Result != tc.result || !strings.HasPrefix(got.Comment, tc.comment) || !reflect.DeepEqual(got.Changes["minions_seen"], tc.seen) {
			t.Errorf("%s: %v %q %v; want %v %q, minions_seen %v", tc.ids, got.Result, got.Comment, got.Changes, tc.result, tc.comment, tc.seen)
		}
	}
}
