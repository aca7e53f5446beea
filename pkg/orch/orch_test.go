package orch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/states"
)

// fakeClient answers jobs from a table: minion -> return of each
// function, and records what it was asked.
type fakeClient struct {
	mu      sync.Mutex
	minions map[string][]string // target -> minions it matches
	down    map[string][]string // target -> matched minions not connected
	rets    map[string]map[string]*proto.Return
	jobs    []client.Job
	keys    []proto.KeyInfo
	actions [][]string
	// release, when set, holds Events until a key action (or the
	// caller's timeout); seq records both, in order.
	release chan struct{}
	once    sync.Once
	seq     []string
}

func (f *fakeClient) Resolve(_ context.Context, j client.Job) (*proto.PublishReply, error) {
	return &proto.PublishReply{Minions: f.minions[j.Target], NotConnected: f.down[j.Target]}, nil
}

func (f *fakeClient) Run(_ context.Context, j client.Job, _ func(client.Event)) (*client.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, j)
	ids := f.minions[j.Target]
	if len(j.Minions) > 0 {
		ids = j.Minions
	}
	res := &client.Result{JID: "20261206000000000002", Minions: ids, Status: map[string]client.Status{}, Returns: map[string]*proto.Return{}}
	if len(j.Minions) == 0 {
		for _, id := range f.down[j.Target] {
			res.Status[id] = client.NotConnected
		}
	}
	for _, id := range ids {
		if r := f.rets[j.Fun][id]; r != nil {
			res.Status[id], res.Returns[id] = client.Returned, r
		} else {
			res.Status[id] = client.NoResponse
		}
	}
	return res, nil
}

func (f *fakeClient) Publish(_ context.Context, j client.Job) (*proto.PublishReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, j)
	return &proto.PublishReply{JID: "20261206000000000001", Minions: f.minions[j.Target]}, nil
}

func (f *fakeClient) Events(ctx context.Context, _ func(string) bool, _ func(proto.Event) bool) error {
	f.mu.Lock()
	release := f.release
	f.mu.Unlock()
	select {
	case <-ctx.Done():
	case <-release:
	}
	f.mu.Lock()
	f.seq = append(f.seq, "events done")
	f.mu.Unlock()
	return nil
}

func (f *fakeClient) Keys(context.Context) ([]proto.KeyInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]proto.KeyInfo(nil), f.keys...), nil
}

func (f *fakeClient) KeyAction(_ context.Context, action string, ids []string, _, _ bool) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq = append(f.seq, "key "+action)
	if f.release != nil {
		f.once.Do(func() { close(f.release) })
	}
	f.actions = append(f.actions, append([]string{action}, ids...))
	// The keys change as the master's would.
	var kept []proto.KeyInfo
	for _, k := range f.keys {
		if slices.Contains(ids, k.ID) {
			switch action {
			case proto.KeyAccept:
				k.State = proto.KeyAccepted
			case proto.KeyReject:
				k.State = proto.KeyRejected
			case proto.KeyDelete:
				continue
			}
		}
		kept = append(kept, k)
	}
	f.keys = kept
	return ids, nil
}

func stateRet(ok, changed bool) *proto.Return {
	res := any(true)
	rc := 0
	if !ok {
		res, rc = false, 2
	}
	ch := map[string]any{}
	if changed {
		ch["diff"] = "New file"
	}
	return &proto.Return{Retcode: rc, Success: ok, Return: map[string]any{
		"file_|-a_|-/a_|-managed": map[string]any{"result": res, "changes": ch, "__run_num__": float64(0), "comment": "", "name": "/a"},
	}}
}

func tree(t *testing.T, files map[string]string) fileroot.Roots {
	dir := t.TempDir()
	for p, s := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return fileroot.Roots{"base": {dir}}
}

func byID(rs []engine.StateResult) map[string]engine.StateResult {
	m := map[string]engine.StateResult{}
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

func TestStepsAndRequisites(t *testing.T) {
	f := &fakeClient{
		minions: map[string][]string{"db*": {"db1", "db2"}, "web*": {"web1"}, "*": {"db1", "db2", "web1"}},
		rets: map[string]map[string]*proto.Return{
			"state.highstate": {"db1": stateRet(true, true), "db2": stateRet(false, false), "web1": stateRet(true, false)},
			"cmd.run":         {"db1": {Return: "ok"}, "db2": {Return: "bad", Retcode: 1}, "web1": {Return: "ok"}},
		},
	}
	roots := tree(t, map[string]string{"o.sls": `
db:
  salt.state:
    - tgt: 'db*'
    - highstate: True
    - fail_minions: db2
web:
  salt.state:
    - tgt: 'web*'
    - highstate: True
    - require:
      - salt: db
strict:
  salt.state:
    - tgt: 'db*'
    - highstate: True
    - allow_fail: 0
after_strict:
  salt.function:
    - name: cmd.run
    - tgt: '*'
    - arg: echo hi
    - require:
      - salt: strict
cmd:
  salt.function:
    - name: cmd.run
    - tgt: '*'
    - arg: [echo, hi]
    - kwarg: {cwd: /}
bad:
  salt.nothing: []
host:
  file.managed:
    - name: /etc/x
`})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, ID: "m_master"})
	if res.Errors != nil {
		t.Fatalf("compile: %v", res.Errors)
	}
	got := byID(res.States)
	want := map[string]struct {
		result  states.Outcome
		comment string
	}{
		"db":           {states.True, "States ran successfully. Updating db1, db2."},
		"web":          {states.True, "States ran successfully. No changes made to web1."},
		"strict":       {states.False, "Run failed on minions: db2"},
		"after_strict": {states.False, "One or more requisite failed: o.strict"},
		"cmd":          {states.False, "Running function cmd.run failed on minions: db2 Function cmd.run ran on db1, db2, web1."},
		"bad":          {states.False, "state function \"salt.nothing\" is not available in an orchestration"},
		"host":         {states.False, "state function \"file.managed\" is not available in an orchestration"},
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("step %s did not run", id)
			continue
		}
		if g.Result.Result != w.result || !strings.HasPrefix(g.Comment, w.comment) {
			t.Errorf("step %s = %v %q; want %v %q", id, g.Result.Result, g.Comment, w.result, w.comment)
		}
	}
	if res.Retcode != 1 {
		t.Errorf("Retcode = %d; want 1", res.Retcode)
	}
	if ch := got["db"].Changes; ch["out"] != "highstate" || len(ch["ret"].(map[string]any)) != 2 {
		t.Errorf("db changes = %v; want both minions under ret, out highstate", ch)
	}
	for _, j := range f.jobs {
		if j.Fun == "cmd.run" && len(j.Args) == 2 && j.Kwargs["cwd"] != "/" {
			t.Errorf("cmd job kwargs = %v", j.Kwargs)
		}
	}
}

func TestTestModeAndWheel(t *testing.T) {
	f := &fakeClient{
		minions: map[string][]string{"db*": {"db1"}},
		rets:    map[string]map[string]*proto.Return{"state.sls": {"db1": stateRet(true, true)}},
		keys: []proto.KeyInfo{{ID: "web9", State: proto.KeyPending}, {ID: "db9", State: proto.KeyPending},
			{ID: "web8", State: proto.KeyRejected}, {ID: "web7", State: proto.KeyAccepted}},
	}
	roots := tree(t, map[string]string{"o.sls": `
db:
  salt.state:
    - tgt: 'db*'
    - sls: [db, common]
accept:
  salt.wheel:
    - name: key.accept
    - match: 'web*'
`})
	res := Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots, Test: true})
	got := byID(res.States)
	if got["db"].Result.Result != states.None || got["accept"].Result.Result != states.None {
		t.Fatalf("test=True: db %v, accept %v; want None, None", got["db"].Result.Result, got["accept"].Result.Result)
	}
	if len(f.jobs) != 1 || f.jobs[0].Kwargs["test"] != true || f.jobs[0].Args[0] != "db,common" {
		t.Fatalf("test=True jobs = %+v; want one state.sls db,common with test=True", f.jobs)
	}
	if len(f.actions) != 0 {
		t.Fatalf("test=True changed keys: %v", f.actions)
	}
	res = Orchestrate(context.Background(), []string{"o"}, Options{Client: f, FileRoots: roots})
	if res.Retcode != 0 || len(f.actions) != 1 || strings.Join(f.actions[0], " ") != "accept web9" {
		t.Fatalf("wheel key.accept web*: retcode %d, actions %v; want accept web9 (the pending one)", res.Retcode, f.actions)
	}
}

func TestReactionForms(t *testing.T) {
	f := &fakeClient{
		minions: map[string][]string{"web5": {"web5"}, "G@role:web": {"web5"}},
		keys:    []proto.KeyInfo{{ID: "web5", State: proto.KeyPending}},
	}
	roots := tree(t, map[string]string{"r.sls": `
new_form:
  local.state.single:
    - tgt: web5
    - args:
      - fun: pkg.installed
      - name: zsh
old_form:
  local.state.apply:
    - tgt: 'G@role:web'
    - tgt_type: compound
    - arg: [web]
    - kwarg: {test: true}
accept:
  wheel.key.accept:
    - match: {{ data['id'] }}
nowhere:
  caller.test.ping: []
`})
	res := Orchestrate(context.Background(), []string{"r"}, Options{Client: f, FileRoots: roots, Reactions: true,
		Extra: map[string]any{"tag": "salt/auth", "data": map[string]any{"id": "web5"}}})
	if res.Errors != nil {
		t.Fatal(res.Errors)
	}
	got := byID(res.States)
	if got["new_form"].Result.Result != states.True || got["old_form"].Result.Result != states.True || got["accept"].Result.Result != states.True {
		t.Fatalf("reactions: %+v", res.States)
	}
	if got["nowhere"].Result.Result != states.False {
		t.Errorf("caller reaction: %v; want refused", got["nowhere"].Result.Result)
	}
	if len(f.jobs) != 2 {
		t.Fatalf("jobs = %+v", f.jobs)
	}
	if j := f.jobs[0]; j.Fun != "state.single" || j.Kwargs["fun"] != "pkg.installed" || j.Kwargs["name"] != "zsh" || j.Target != "web5" {
		t.Errorf("new form job = %+v", j)
	}
	if j := f.jobs[1]; j.Fun != "state.apply" || j.TargetType != "compound" || len(j.Args) != 1 || j.Args[0] != "web" || j.Kwargs["test"] != true {
		t.Errorf("old form job = %+v", j)
	}
	if len(f.actions) != 1 || strings.Join(f.actions[0], " ") != "accept web5" {
		t.Errorf("key actions = %v", f.actions)
	}
	// Without Reactions, the same SLS is refused: an orchestration has
	// no local.* states.
	res = Orchestrate(context.Background(), []string{"r"}, Options{Client: f, FileRoots: roots,
		Extra: map[string]any{"data": map[string]any{"id": "web5"}}})
	if byID(res.States)["new_form"].Result.Result != states.False {
		t.Errorf("local.* ran in an orchestration")
	}
}
