package exec

import (
	"context"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/states"
)

func testHost(t *testing.T) *Host {
	t.Helper()
	return &Host{
		ID:     "m1",
		Grains: map[string]any{"os": "Debian", "ip4_interfaces": map[string]any{"eth0": []any{"10.0.0.5"}}},
		Pillar: odict.From(map[string]any{"users": map[string]any{"alice": map[string]any{"uid": 1000}}}),
		Files:  &fileroot.Source{Roots: fileroot.Roots{"base": {t.TempDir()}}},
		Root:   t.TempDir(),
	}
}

func TestCallFunctions(t *testing.T) {
	tests := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"test.ping", nil, true, 0},
		{"test.echo", []string{"hello"}, "hello", 0},
		{"grains.get", []string{"os"}, "Debian", 0},
		{"grains.get", []string{"ip4_interfaces:eth0:0"}, "10.0.0.5", 0},
		{"grains.get", []string{"nope", "default=x"}, "x", 0},
		{"grains.get", []string{"ip4_interfaces|eth0|0", "delimiter=|"}, "10.0.0.5", 0},
		{"pillar.get", []string{"users:alice:uid"}, 1000, 0},
		{"pillar.get", []string{"users:bob"}, "", 0},
		{"pillar.get", []string{"users/alice/uid", "delimiter=/"}, 1000, 0},
		{"pillar.get", []string{"users", "default={bob: {uid: 1001}}", "merge=True"}, map[string]any{"alice": map[string]any{"uid": 1000}, "bob": map[string]any{"uid": 1001}}, 0},
		{"pillar.fetch", []string{"users:alice:uid"}, 1000, 0},
		{"pillar.item", []string{"users:alice", "nope"}, map[string]any{"users:alice": map[string]any{"uid": 1000}, "nope": ""}, 0},
		{"pillar.items", []string{"users:alice", "nope"}, map[string]any{"users:alice": map[string]any{"uid": 1000}, "nope": ""}, 0},
		{"pillar.items", nil, map[string]any{"users": map[string]any{"alice": map[string]any{"uid": 1000}}}, 0},
		// Salt's pillar.items compiles the pillar with pillar= merged in.
		{"pillar.items", []string{`pillar={users: {bob: {uid: 1001}}, x: 1}`}, map[string]any{"users": map[string]any{"alice": map[string]any{"uid": 1000}, "bob": map[string]any{"uid": 1001}}, "x": 1}, 0},
		{"pillar.raw", []string{"users"}, map[string]any{"alice": map[string]any{"uid": 1000}}, 0},
		{"pillar.raw", []string{"nope"}, map[string]any{}, 0},
		{"pillar.keys", []string{"users"}, []any{"alice"}, 0},
		{"pillar.keys", []string{"users/alice", "delimiter=/"}, []any{"uid"}, 0},
		{"pillar.keys", []string{"nope"}, "pillar.keys: Pillar key not found: nope", 1},
		{"pillar.keys", []string{"users:alice:uid"}, "pillar.keys: Pillar value in key users:alice:uid is not a dict", 1},
		{"pillar.ls", nil, []any{"users"}, 0},
		{"grains.item", []string{"os"}, map[string]any{"os": "Debian"}, 0},
		{"grains.item", []string{"os", "nosuch"}, map[string]any{"os": "Debian", "nosuch": ""}, 0}, // Salt's default ""
		{"cmd.run", []string{"echo out; echo err >&2"}, "out\nerr", 0},
		{"cmd.run", []string{"exit 3"}, "", 1},
	}
	for _, tt := range tests {
		args, kwargs := ParseArgs(tt.words)
		ret := Call(context.Background(), testHost(t), tt.fun, args, kwargs)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != tt.code {
			t.Errorf("Call(%s %q) = %#v (retcode %d); want %#v (retcode %d)", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want, tt.code)
		}
	}
}

func TestCallUnknownFunction(t *testing.T) {
	ret := Call(context.Background(), testHost(t), "grains.nope", nil, nil)
	msg, _ := ret.Value.(string)
	if ret.Retcode != RetError || !strings.Contains(msg, "grains.get") {
		t.Fatalf("unknown function = %q (%d); want the module's functions listed and retcode 1", msg, ret.Retcode)
	}
}

func TestStateSingleAndEvents(t *testing.T) {
	h := testHost(t)
	var events []engine.StateResult
	h.OnState = func(r engine.StateResult) { events = append(events, r) }
	args, kwargs := ParseArgs([]string{"file.managed", "name=/motd", "contents=hi", "test=True"})
	ret := Call(context.Background(), h, "state.single", args, kwargs)
	res, ok := ret.Value.([]engine.StateResult)
	if !ok || len(res) != 1 || res[0].Result.Result != states.None || ret.Retcode != 0 {
		t.Fatalf("state.single test=True = %#v (%d); want one None result", ret.Value, ret.Retcode)
	}
	if len(events) != 1 {
		t.Fatalf("OnState called %d times; want 1", len(events))
	}
	args, kwargs = ParseArgs([]string{"file.managed", "name=/motd", "contents=hi"})
	ret = Call(context.Background(), h, "state.single", args, kwargs)
	if ret.Retcode != 0 {
		t.Fatalf("state.single = %#v (%d)", ret.Value, ret.Retcode)
	}
	if b, _ := os.ReadFile(filepath.Join(h.Root, "motd")); string(b) != "hi\n" {
		t.Fatalf("/motd = %q; want %q", b, "hi\n")
	}
}

func TestSysDoc(t *testing.T) {
	args, kwargs := ParseArgs([]string{"file.managed"})
	ret := Call(context.Background(), testHost(t), "sys.doc", args, kwargs)
	docs, ok := ret.Value.(map[string]any)
	if !ok || !strings.Contains(docs["file.managed"].(string), "Arguments:") {
		t.Fatalf("sys.doc file.managed = %#v", ret.Value)
	}
}

func TestStateApplyExclude(t *testing.T) {
	h := testHost(t)
	dir := t.TempDir()
	for name, body := range map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n    - b\n",
		"a.sls":   "fa:\n  file.managed:\n    - name: /fa\n    - contents: a\nfa2:\n  file.managed:\n    - name: /fa2\n    - contents: a\n",
		"b.sls":   "fb:\n  file.managed:\n    - name: /fb\n    - contents: b\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.Files = &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}
	tests := []struct {
		words []string
		want  []string
	}{
		{[]string{"exclude=b"}, []string{"fa", "fa2"}},
		{[]string{`exclude=[{"id": "fa2"}]`}, []string{"fa", "fb"}},
		{[]string{`exclude=["a", {"id": "fb"}]`}, nil},
	}
	for _, tt := range tests {
		args, kwargs := ParseArgs(append([]string{"test=True"}, tt.words...))
		ret := Call(context.Background(), h, "state.apply", args, kwargs)
		res, _ := ret.Value.([]engine.StateResult)
		var ids []string
		for _, r := range res {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, tt.want) {
			t.Errorf("state.apply %v ran %v; want %v (%v)", tt.words, ids, tt.want, ret.Value)
		}
	}
	_, kwargs := ParseArgs([]string{`exclude=[{"name": "x"}]`})
	if ret := Call(context.Background(), h, "state.apply", nil, kwargs); ret.Retcode != RetError {
		t.Errorf("a bad exclude= = %v; want an error", ret.Value)
	}
}

// TestTopSaltenv: with a saltenv, the highstate reads that environment's
// top.sls and its section alone, as Salt's get_tops and top_matches do;
// without one, base's top with every section, and an item naming another
// environment is kept.
func TestTopSaltenv(t *testing.T) {
	h := testHost(t)
	base, dev := t.TempDir(), t.TempDir()
	for dir, files := range map[string]map[string]string{
		base: {"top.sls": "base:\n  '*':\n    - b1\n    - dev: d2\ndev:\n  '*':\n    - d1\n", "b1.sls": "b1:\n  test.nop: []\n"},
		dev:  {"top.sls": "dev:\n  '*':\n    - d1\nbase:\n  '*':\n    - b1\n", "d1.sls": "d1:\n  test.nop: []\n", "d2.sls": "d2:\n  test.nop: []\n"},
	} {
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	h.Files = &fileroot.Source{Roots: fileroot.Roots{"base": {base}, "dev": {dev}}}
	for _, tt := range []struct {
		words []string
		want  map[string]any
	}{
		{nil, map[string]any{"base": []any{"b1"}, "dev": []any{"d2", "d1"}}},
		{[]string{"saltenv=dev"}, map[string]any{"dev": []any{"d1"}}},
	} {
		args, kwargs := ParseArgs(tt.words)
		ret := Call(context.Background(), h, "state.show_top", args, kwargs)
		if !reflect.DeepEqual(ret.Value, tt.want) {
			t.Errorf("show_top %v = %#v; want %#v", tt.words, ret.Value, tt.want)
		}
	}
}

// TestTopMerging: without a saltenv, a highstate reads the top.sls of
// every environment, base first and the others sorted, merged as Salt's
// merge_tops: base's whole, another environment's own section unless an
// earlier file gave it; the minion's top_file_merging_strategy,
// env_order and state_top_saltenv options change that as Salt's do.
// writeRoots writes each environment's files into a directory of its
// own and returns the roots.
func writeRoots(t *testing.T, envs map[string]map[string]string) fileroot.Roots {
	t.Helper()
	roots := fileroot.Roots{}
	for env, files := range envs {
		dir := t.TempDir()
		for name, body := range files {
			if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		roots[env] = []string{dir}
	}
	return roots
}

// checkTop checks state.show_top's answer and, unless ran is nil, the IDs
// a highstate dry run runs.
func checkTop(t *testing.T, h *Host, want map[string]any, ran []string) {
	t.Helper()
	ret := Call(context.Background(), h, "state.show_top", nil, nil)
	if !reflect.DeepEqual(ret.Value, want) {
		t.Errorf("show_top = %#v; want %#v", ret.Value, want)
	}
	if ran == nil {
		return
	}
	args, kwargs := ParseArgs([]string{"test=True"})
	res, _ := Call(context.Background(), h, "state.highstate", args, kwargs).Value.([]engine.StateResult)
	var ids []string
	for _, r := range res {
		ids = append(ids, r.ID)
	}
	if !reflect.DeepEqual(ids, ran) {
		t.Errorf("highstate ran %v; want %v", ids, ran)
	}
}

func TestTopMerging(t *testing.T) {
	roots := writeRoots(t, map[string]map[string]string{
		"base": {"top.sls": "base:\n  '*':\n    - b1\n", "b1.sls": "b1:\n  test.nop: []\n"},
		"prod": {"top.sls": "prod:\n  '*':\n    - p1\nbase:\n  '*':\n    - bx\n", "p1.sls": "p1:\n  test.nop: []\n"},
		"dev":  {"top.sls": "dev:\n  '*':\n    - d1\n", "d1.sls": "d1:\n  test.nop: []\n"},
		"qa":   {"q1.sls": "q1:\n  test.nop: []\n"},
	})
	for _, tt := range []struct {
		name string
		opts map[string]any
		want map[string]any
		ran  []string
	}{
		{"merge", nil, map[string]any{"base": []any{"b1"}, "dev": []any{"d1"}, "prod": []any{"p1"}}, []string{"b1", "d1", "p1"}},
		{"env_order", map[string]any{"env_order": []any{"prod", "base", "nowhere"}}, map[string]any{"base": []any{"b1"}, "prod": []any{"p1"}}, []string{"b1", "p1"}},
		{"state_top_saltenv", map[string]any{"state_top_saltenv": "prod"}, map[string]any{"prod": []any{"p1"}}, []string{"p1"}},
		{"merge_all", map[string]any{"top_file_merging_strategy": "merge_all"}, map[string]any{"base": []any{"b1", "bx"}, "dev": []any{"d1"}, "prod": []any{"p1"}}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := testHost(t)
			h.Files = &fileroot.Source{Roots: roots}
			h.Opts = tt.opts
			checkTop(t, h, tt.want, tt.ran)
		})
	}
}

// A top file's include: names more top files of its environment (SLS
// names or globs), merged after it as Salt's get_tops and merge_tops
// read them: under merge, base's files give every section and a target
// given again takes the later list in place; another environment's
// included files add nothing once its section is there.
func TestTopInclude(t *testing.T) {
	roots := writeRoots(t, map[string]map[string]string{
		"base": {
			"top.sls":    "include:\n  - 'tops.*'\n  - nowhere\nbase:\n  '*':\n    - b1\n",
			"tops/x.sls": "base:\n  '*':\n    - b2\n  'web*':\n    - b3\n",
			"tops/y.sls": "base:\n  'm*':\n    - b4\n",
			"b2.sls":     "b2:\n  test.nop: []\n",
			"b4.sls":     "b4:\n  test.nop: []\n",
		},
		"dev": {
			"top.sls":  "include: more\ndev:\n  '*':\n    - d1\n",
			"more.sls": "dev:\n  '*':\n    - d2\n  'm1':\n    - d3\n",
			"d1.sls":   "d1:\n  test.nop: []\n",
		},
	})
	for _, tt := range []struct {
		strategy string
		want     map[string]any
		ran      []string
	}{
		{"merge", map[string]any{"base": []any{"b2", "b4"}, "dev": []any{"d1"}}, []string{"b2", "b4", "d1"}},
		{"merge_all", map[string]any{"base": []any{"b1", "b2", "b4"}, "dev": []any{"d1", "d2", "d3"}}, nil},
		{"same", map[string]any{"base": []any{"b2", "b4"}, "dev": []any{"d2", "d3"}}, nil},
	} {
		t.Run(tt.strategy, func(t *testing.T) {
			h := testHost(t)
			h.Files = &fileroot.Source{Roots: roots}
			h.Opts = map[string]any{"top_file_merging_strategy": tt.strategy}
			checkTop(t, h, tt.want, tt.ran)
		})
	}
}

// state.sls_exists and state.id_exists, as Salt's: show_sls giving high
// data, and every ID named (split at commas) among show_low_sls's.
func TestSLSAndIDExists(t *testing.T) {
	h := testHost(t)
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a.sls":   "include:\n  - b\na1:\n  test.nop: []\n",
		"b.sls":   "b1:\n  test.nop: []\n",
		"bad.sls": "x:\n  - bad\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h.Files = &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}
	for _, tt := range []struct {
		fun  string
		args []string
		want bool
	}{
		{"state.sls_exists", []string{"a"}, true},
		{"state.sls_exists", []string{"a,b"}, true},
		{"state.sls_exists", []string{"nope"}, false},
		{"state.sls_exists", []string{"bad"}, false},
		{"state.id_exists", []string{"a1, b1", "a"}, true},
		{"state.id_exists", []string{"a1,c1", "a"}, false},
		{"state.id_exists", []string{"b1", "mods=b"}, true},
	} {
		args, kwargs := ParseArgs(tt.args)
		ret := Call(context.Background(), h, tt.fun, args, kwargs)
		if ret.Value != tt.want || ret.Retcode != RetOK {
			t.Errorf("%s %v = %v (retcode %d); want %v", tt.fun, tt.args, ret.Value, ret.Retcode, tt.want)
		}
	}
}

// Salt's traverse_dict_and_list, as pillar.get, pillar.item and
// grains.get read a nested key: a number indexes a list (negative from
// its end), anything else is looked up in the list's dicts; pillar.item
// takes default and delimiter.
func TestTraverseListsOfDicts(t *testing.T) {
	h := testHost(t)
	data := map[string]any{"users": []any{map[string]any{"alice": map[string]any{"uid": 1}}, map[string]any{"bob": map[string]any{"uid": 2}}}, "l": []any{"a", "b", "c"}}
	h.Pillar = odict.From(data)
	h.Grains = data
	for _, tt := range []struct {
		fun   string
		words []string
		want  any
	}{
		{"pillar.get", []string{"users:bob:uid"}, 2},
		{"pillar.get", []string{"l:-1"}, "c"},
		{"pillar.get", []string{"l:3", "default=none"}, "none"},
		{"pillar.get", []string{"users:carol", "default=none"}, "none"},
		{"grains.get", []string{"users:bob:uid"}, 2},
		{"grains.get", []string{"l:-3"}, "a"},
		{"pillar.item", []string{"users:alice:uid", "nope", "default=zz"}, map[string]any{"users:alice:uid": 1, "nope": "zz"}},
		{"pillar.item", []string{"users|bob", "delimiter=|"}, map[string]any{"users|bob": map[string]any{"uid": 2}}},
	} {
		args, kwargs := ParseArgs(tt.words)
		ret := Call(context.Background(), h, tt.fun, args, kwargs)
		if got := odict.Plain(ret.Value); !reflect.DeepEqual(got, tt.want) || ret.Retcode != 0 {
			t.Errorf("%s %q = %#v (retcode %d); want %#v", tt.fun, tt.words, got, ret.Retcode, tt.want)
		}
	}
}
