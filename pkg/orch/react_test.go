package orch

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/states"
)

// TestReactMergeAndOrder: the files of one event are merged as Salt's
// Reactor.reactions merges them (a later file's ID replaces an earlier
// one's, a file that does not render is left out) and the reactions run
// in the order of Salt's Compiler.order_chunks: `order:` first, then by
// module, name and function, not as written.
func TestReactMergeAndOrder(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"web1": {"web1"}},
		keys: []proto.KeyInfo{{ID: "web9", State: proto.KeyPending}}}
	roots := tree(t, map[string]string{
		"a.sls": `
zz_first_written:
  local.test.ping:
    - tgt: web1
dup:
  local.test.echo:
    - tgt: web1
    - arg: [from a]
`,
		"b.sls": `
aa_second:
  local.test.ping:
    - tgt: web1
dup:
  local.test.echo:
    - tgt: web1
    - arg: [from b]
early:
  wheel.key.accept:
    - match: web9
    - order: 1
`,
		"bad.sls": "{% if %}\n",
	})
	files := []ReactionFile{{Roots: roots, Name: "a", Path: "/r/a.sls"}, {Roots: roots, Name: "bad", Path: "/r/bad.sls"}, {Roots: roots, Name: "b", Path: "/r/b.sls"}}
	res, skipped := React(context.Background(), files, Options{Client: f, ID: "m_master"})
	if res.Errors != nil {
		t.Fatalf("errors: %v", res.Errors)
	}
	var fe *FileError
	if len(skipped) != 1 || !errors.As(skipped[0], &fe) || fe.Path != "/r/bad.sls" {
		t.Errorf("skipped = %v; want bad.sls alone", skipped)
	}
	var ids []string
	for _, s := range res.States {
		ids = append(ids, s.ID)
	}
	if want := []string{"early", "aa_second", "dup", "zz_first_written"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("reactions ran %v; want %v", ids, want)
	}
	var jobs []string
	for _, j := range f.jobs {
		jobs = append(jobs, fmt.Sprintf("%s %v", j.Fun, j.Args))
	}
	if want := []string{"test.ping []", "test.echo [from b]", "test.ping []"}; !reflect.DeepEqual(jobs, want) {
		t.Errorf("jobs = %v; want %v", jobs, want)
	}
	if len(f.actions) != 1 {
		t.Errorf("key actions = %v; want one", f.actions)
	}
}

// TestReactionArgs: Salt's ReactWrap.run: with `args`, `arg` and `kwarg`
// are ignored and a runner's other arguments too; cmd is local; a
// runner's test is the orchestration's.
func TestReactionArgs(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"web1": {"web1"}},
		rets: map[string]map[string]*proto.Return{"state.sls": {"web1": stateRet(true, true)}}}
	roots := tree(t, map[string]string{
		"r.sls": `
a_new:
  local.state.apply:
    - tgt: web1
    - arg: [ignored]
    - kwarg: {ignored: true}
    - args:
      - mods: web
b_alias:
  cmd.test.ping:
    - tgt: web1
c_runner:
  runner.state.orchestrate:
    - mods: ignored
    - args:
      - mods: sub
      - test: True
`,
		"sub.sls": "s:\n  salt.state:\n    - tgt: web1\n    - sls: web\n",
	})
	res, skipped := React(context.Background(), []ReactionFile{{Roots: roots, Name: "r", Path: "/r/r.sls"}},
		Options{Client: f, ID: "m_master", OrchRoots: roots})
	if res.Errors != nil || skipped != nil {
		t.Fatalf("errors: %v %v", res.Errors, skipped)
	}
	if len(f.jobs) != 3 {
		t.Fatalf("jobs = %+v; want 3", f.jobs)
	}
	// Salt orders before it resolves the cmd alias: cmd.test.ping first.
	if j := f.jobs[1]; j.Fun != "state.apply" || len(j.Args) != 0 || !reflect.DeepEqual(j.Kwargs, map[string]any{"mods": "web"}) {
		t.Errorf("new form job = %+v; want state.apply mods=web alone", j)
	}
	if j := f.jobs[0]; j.Fun != "test.ping" || j.Target != "web1" {
		t.Errorf("cmd alias job = %+v", j)
	}
	if j := f.jobs[2]; j.Fun != "state.sls" || j.Kwargs["test"] != true {
		t.Errorf("runner's orchestration job = %+v; want state.sls with test=True", j)
	}
	for _, s := range res.States {
		if s.ID == "c_runner" && s.Comment != "Runner function 'state.orchestrate' executed." {
			t.Errorf("runner reaction: %q", s.Comment)
		}
	}
}

// TestReactionPillarEmpty: a reaction file renders with an empty pillar,
// as Salt's reactor renders in its MasterMinion (pillar {}); the
// orchestration a runner reaction starts has the master's pillar.
func TestReactionPillarEmpty(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"web1": {"web1"}, "none": {"web1"}}}
	roots := tree(t, map[string]string{
		"r.sls": "e:\n  local.test.echo:\n    - tgt: {{ pillar.get('where', 'none') }}\n    - arg: [x]\n" +
			"o:\n  runner.state.orchestrate:\n    - mods: sub\n",
		"sub.sls": "s:\n  salt.function:\n    - name: test.arg\n    - tgt: {{ pillar.get('where', 'none') }}\n",
	})
	pillarRoots := tree(t, map[string]string{"top.sls": "base:\n  '*':\n    - p\n", "p.sls": "where: web1\n"})
	res, _ := React(context.Background(), []ReactionFile{{Roots: roots, Name: "r", Path: "/r/r.sls"}},
		Options{Client: f, ID: "m_master", PillarRoots: pillarRoots, OrchRoots: roots, OrchPillarRoots: pillarRoots})
	if res.Errors != nil || len(f.jobs) != 2 {
		t.Fatalf("errors %v, jobs %+v", res.Errors, f.jobs)
	}
	if f.jobs[0].Target != "none" || f.jobs[1].Target != "web1" {
		t.Errorf("targets = %s, %s; want none (the reaction's empty pillar), web1 (the orchestration's)", f.jobs[0].Target, f.jobs[1].Target)
	}
}

// TestReactionsAsync: runner and wheel reactions do not hold up the
// reactions after them, as Salt's ReactWrap hands them to its pool: a
// runner reaction whose orchestration waits (for an event the key action
// after it brings about) lets the wheel reaction run; React returns
// once both are done, with their own results.
func TestReactionsAsync(t *testing.T) {
	f := &fakeClient{release: make(chan struct{}), keys: []proto.KeyInfo{{ID: "web9", State: proto.KeyPending}}}
	roots := tree(t, map[string]string{
		"r.sls": `
a_runner:
  runner.state.orchestrate:
    - mods: slow
b_wheel:
  wheel.key.accept:
    - match: web9
`,
		"slow.sls": "w:\n  salt.wait_for_event:\n    - name: x/*\n    - id_list: [web9]\n    - timeout: 5\n",
	})
	res, _ := React(context.Background(), []ReactionFile{{Roots: roots, Name: "r", Path: "/r/r.sls"}},
		Options{Client: f, ID: "m_master", OrchRoots: roots})
	if strings.Join(f.seq, ", ") != "key accept, events done" {
		t.Errorf("sequence = %v; want the key action while the orchestration waits", f.seq)
	}
	got := map[string]string{}
	for _, s := range res.States {
		got[s.ID] = s.Comment
	}
	// The orchestration's wait ends without its event: it failed.
	if got["a_runner"] != "Runner function 'state.orchestrate' failed." || got["b_wheel"] != "Wheel function 'key.accept' executed." {
		t.Errorf("results = %v", got)
	}
}

// TestReactionsInvalidID: an ID declared wrong in any file of the event
// stops all its reactions, as Salt's verify_high of the merged data
// does; a file that does not render (or not to a mapping) is left out
// alone, as render_reaction leaves it.
func TestReactionsInvalidID(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"web1": {"web1"}}}
	roots := tree(t, map[string]string{
		"ok.sls":   "p:\n  local.test.ping:\n    - tgt: web1\n",
		"list.sls": "- a\n",
		"bad.sls":  "x: just a string\n",
	})
	files := func(names ...string) []ReactionFile {
		var out []ReactionFile
		for _, n := range names {
			out = append(out, ReactionFile{Roots: roots, Name: n, Path: "/r/" + n + ".sls"})
		}
		return out
	}
	res, skipped := React(context.Background(), files("ok", "list"), Options{Client: f, ID: "m_master"})
	if res.Errors != nil || len(skipped) != 1 || len(f.jobs) != 1 {
		t.Errorf("ok and list: errors %v, skipped %v, jobs %v; want list.sls left out, ok's reaction run", res.Errors, skipped, f.jobs)
	}
	res, _ = React(context.Background(), files("ok", "bad"), Options{Client: f, ID: "m_master"})
	if res.Errors == nil || len(res.States) != 0 || len(f.jobs) != 1 {
		t.Errorf("ok and bad: errors %v, states %v, jobs %v; want none run", res.Errors, res.States, f.jobs)
	}
}

// TestReactionListTarget: a local reaction's tgt may be a list with
// tgt_type list, as Salt's LocalClient takes one.
func TestReactionListTarget(t *testing.T) {
	f := &fakeClient{minions: map[string][]string{"web1,web2": {"web1", "web2"}}}
	roots := tree(t, map[string]string{"r.sls": "ping:\n  local.test.ping:\n    - tgt: [web1, web2]\n    - tgt_type: list\n"})
	res, skipped := React(context.Background(), []ReactionFile{{Roots: roots, Name: "r", Path: "/r/r.sls"}}, Options{Client: f, ID: "m_master", OrchRoots: roots})
	if res.Errors != nil || skipped != nil || len(res.States) != 1 {
		t.Fatalf("errors: %v %v %+v", res.Errors, skipped, res.States)
	}
	if len(f.jobs) != 1 || f.jobs[0].Target != "web1,web2" || f.jobs[0].TargetType != "list" || res.States[0].Result.Result != states.True {
		t.Errorf("jobs = %+v, result %+v; want one to web1,web2 (list)", f.jobs, res.States[0].Result)
	}
}
