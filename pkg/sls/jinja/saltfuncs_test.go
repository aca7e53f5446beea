package jinja

import (
	"context"
	"errors"
	"github.com/brine-cm/brine/pkg/odict"
	"reflect"
	"testing"
)

func testSaltContext() SaltContext {
	return SaltContext{
		Grains: map[string]any{"os": "Ubuntu", "os_family": "Debian", "osfinger": "Ubuntu-22.04",
			"ipv4": []any{"10.0.0.1"}, "roles": []any{"db", "web"}},
		Pillar: odict.From(map[string]any{"a": map[string]any{"b": map[string]any{"c": 1}}, "list": []any{"x", "y"}, "nest": map[string]any{"l": []any{"p"}},
			"over": map[string]any{"k": "pillar"}}),
		Opts: map[string]any{"over": map[string]any{"k": "opts"}, "file_client": "local"},
		ID:   "m1",
		RunCmd: func(cmd string, merge, shell bool) (CmdResult, error) {
			switch cmd {
			case "exit 3":
				return CmdResult{Retcode: 3}, nil
			case "warn":
				// out, then err, then out, as the shell wrote them.
				if merge {
					return CmdResult{Stdout: "a\nwarning\nb\n", Retcode: 2}, nil
				}
				return CmdResult{Stdout: "a\nb\n", Stderr: "warning\n", Retcode: 2}, nil
			case "cancelled":
				return CmdResult{}, context.Canceled
			}
			return CmdResult{Stdout: "out of " + cmd + "\n"}, nil
		},
	}
}

func TestSaltFuncs(t *testing.T) {
	fns := SaltFuncs(testSaltContext())
	kw := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	orderedPair := odict.New(2)
	orderedPair.Set("z", 1)
	orderedPair.Set("a", []any{1})
	orderedPair.SetOrderedDict(true)
	// filter_by merges into the lookup dict it is given, as Salt's does,
	// so every case gets a fresh one.
	lookup := func() map[string]any {
		return map[string]any{
			"Debian":  map[string]any{"pkg": "apache2", "conf": map[string]any{"a": 1}},
			"RedHat":  map[string]any{"pkg": "httpd"},
			"default": map[string]any{"pkg": "www"},
			"base":    map[string]any{"conf": map[string]any{"a": 0, "b": 2}, "svc": "web"},
			"Ubuntu*": map[string]any{"pkg": "apache2-ubuntu"},
		}
	}
	tests := []struct {
		fn   string
		args []any
		kw   map[string]any
		want any
	}{
		{"pillar.get", []any{"a:b:c"}, nil, 1},
		{"pillar.get", []any{"a:b:zz"}, nil, ""},
		{"pillar.get", []any{"a:b:zz", "d"}, nil, "d"},
		{"pillar.get", []any{"a:b:zz"}, kw("default", 5), 5},
		{"pillar.get", []any{"list:1"}, nil, "y"},
		{"pillar.get", []any{"a/b/c"}, kw("delimiter", "/"), 1},
		{"pillar.get", []any{"a:b"}, kw("default", map[string]any{"c": 0, "d": 2}, "merge", true), map[string]any{"c": 1, "d": 2}},
		// Salt's pillar.get: a list default is extended with what it
		// lacks; nested lists are merged only with merge_nested_lists.
		{"pillar.get", []any{"list"}, kw("default", []any{"y", "d"}, "merge", true), []any{"y", "d", "x"}},
		{"pillar.get", []any{"nothing"}, kw("default", []any{"d"}, "merge", true), []any{"d"}},
		{"pillar.get", []any{"nest"}, kw("default", map[string]any{"l": []any{"d"}}, "merge", true), map[string]any{"l": []any{"p"}}},
		{"pillar.get", []any{"nest"}, kw("default", map[string]any{"l": []any{"d"}}, "merge", true, "merge_nested_lists", true),
			map[string]any{"l": []any{"d", "p"}}},
		{"pillar.get", []any{"list"}, kw("default", map[string]any{"l": 1}, "merge", true), []any{"x", "y"}}, // types differ: no merge
		{"grains.get", []any{"ipv4:0"}, nil, "10.0.0.1"},
		{"grains.equals", []any{"ipv4:0", "10.0.0.1"}, nil, true},
		{"grains.equals", []any{"ipv4", "10.0.0.1"}, nil, false},
		{"grains.equals", []any{"nothere", ""}, nil, true}, // get's default is ""
		{"grains.get", []any{"nope", "x"}, nil, "x"},
		{"grains.item", []any{"os", "nope"}, nil, map[string]any{"os": "Ubuntu", "nope": ""}},
		{"config.get", []any{"over:k"}, nil, "opts"},
		{"config.get", []any{"os"}, nil, "Ubuntu"},
		{"config.get", []any{"a:b:c"}, nil, 1},
		{"config.get", []any{"nope"}, kw("default", "d"), "d"},
		{"grains.filter_by", []any{lookup()}, nil, map[string]any{"pkg": "apache2", "conf": map[string]any{"a": 1}}},
		{"grains.filter_by", []any{lookup()}, kw("grain", "osfinger"), map[string]any{"pkg": "apache2-ubuntu"}},
		{"grains.filter_by", []any{lookup()}, kw("grain", "kernel"), map[string]any{"pkg": "www"}},
		{"grains.filter_by", []any{lookup()}, kw("grain", "kernel", "default", "RedHat"), map[string]any{"pkg": "httpd"}},
		{"grains.filter_by", []any{lookup()}, kw("base", "base"),
			map[string]any{"pkg": "apache2", "svc": "web", "conf": map[string]any{"a": 1, "b": 2}}},
		{"grains.filter_by", []any{lookup()}, kw("merge", map[string]any{"pkg": "custom"}),
			map[string]any{"pkg": "custom", "conf": map[string]any{"a": 1}}},
		{"grains.filter_by", []any{lookup()}, kw("merge", ""), map[string]any{"pkg": "apache2", "conf": map[string]any{"a": 1}}},
		{"grains.filter_by", []any{lookup(), "roles"}, nil, map[string]any{"pkg": "www"}},
		{"cmd.run", []any{"hostname"}, nil, "out of hostname"},
		{"cmd.run_stdout", []any{"id"}, nil, "out of id"},
		{"cmd.retcode", []any{"true"}, nil, 0},
		{"cmd.retcode", []any{"exit 3"}, nil, 3},
		// Salt's cmd.run merges stderr and does not raise on a non-zero
		// exit; run_stdout and run_stderr keep them apart.
		{"cmd.run", []any{"exit 3"}, nil, ""},
		{"cmd.run", []any{"warn"}, nil, "a\nwarning\nb"},
		{"cmd.shell", []any{"warn"}, nil, "a\nwarning\nb"},
		{"cmd.run_stdout", []any{"warn"}, nil, "a\nb"},
		{"cmd.run_stderr", []any{"warn"}, nil, "warning"},
		{"cmd.run", []any{"warn"}, kw("rstrip", false), "a\nwarning\nb\n"},
		{"cmd.run_all", []any{"warn"}, nil, map[string]any{"pid": 0, "retcode": 2, "stdout": "a\nb", "stderr": "warning"}},
		{"slsutil.merge", []any{map[string]any{"a": map[string]any{"x": 1}}, map[string]any{"a": map[string]any{"y": 2}}}, nil,
			map[string]any{"a": map[string]any{"x": 1, "y": 2}}},
		{"slsutil.merge", []any{map[string]any{"a": map[string]any{"x": 1}}, map[string]any{"a": map[string]any{"y": 2}}},
			kw("strategy", "overwrite"), map[string]any{"a": map[string]any{"y": 2}}},
		{"slsutil.merge", []any{map[string]any{"l": []any{1}}, map[string]any{"l": []any{1, 2}}}, kw("merge_lists", true),
			map[string]any{"l": []any{1, 2}}},
		// Salt's dictupdate.merge: none and unknown strategies recurse,
		// aggregate (nothing marked) and smart under yamlex take b's value
		// for each key, list pairs a's keys with b's values.
		{"slsutil.merge", []any{map[string]any{"a": map[string]any{"x": 1}}, map[string]any{"a": map[string]any{"y": 2}}},
			kw("strategy", "none"), map[string]any{"a": map[string]any{"x": 1, "y": 2}}},
		{"slsutil.merge", []any{map[string]any{"a": map[string]any{"x": 1}}, map[string]any{"a": map[string]any{"y": 2}}},
			kw("strategy", "bogus"), map[string]any{"a": map[string]any{"x": 1, "y": 2}}},
		{"slsutil.merge", []any{map[string]any{"a": map[string]any{"x": 1}, "k": 1}, map[string]any{"a": map[string]any{"y": 2}}},
			kw("strategy", "aggregate"), map[string]any{"a": map[string]any{"y": 2}, "k": 1}},
		{"slsutil.merge", []any{map[string]any{"a": map[string]any{"x": 1}}, map[string]any{"a": map[string]any{"y": 2}}},
			kw("renderer", "jinja|yamlex"), map[string]any{"a": map[string]any{"y": 2}}},
		{"slsutil.merge", []any{map[string]any{"a": 1, "b": 2}, map[string]any{"a": 3, "c": 4}},
			kw("strategy", "list"), map[string]any{"a": []any{1, 3}, "b": 2}},
		{"defaults.merge", []any{map[string]any{"a": 1}, map[string]any{"b": 2}}, nil, map[string]any{"a": 1, "b": 2}},
		{"slsutil.serialize", []any{"json", map[string]any{"b": 1, "a": []any{true}}}, nil, `{"a": [true], "b": 1}`},
		{"slsutil.serialize", []any{"yaml", map[string]any{"a": []any{1, 2}, "b": map[string]any{"c": "x"}}}, nil, "a: [1, 2]\nb: {c: x}"},
		// default_flow_style reaches PyYAML's dump (template-formula's
		// _mapdata.jinja asks for block style with False).
		{"slsutil.serialize", []any{"yaml", map[string]any{"a": []any{1, 2}, "b": map[string]any{"c": "x"}}}, kw("default_flow_style", false),
			"a:\n- 1\n- 2\nb:\n  c: x"},
		{"slsutil.serialize", []any{"yaml", map[string]any{"a": []any{1, 2}, "b": map[string]any{"c": "x"}}}, kw("default_flow_style", true),
			"{a: [1, 2], b: {c: x}}"},
		{"slsutil.serialize", []any{"yaml", map[string]any{"a": []any{1}}}, kw("default_flow_style", nil), "a: [1]"},
		// An OrderedDict (pillar, SLS data) is sorted too: Salt's yaml
		// serializer writes it as a plain dict.
		{"slsutil.serialize", []any{"yaml", orderedPair}, nil, "a: [1]\nz: 1"},
		{"file.dirname", []any{"/a/b/c.txt"}, nil, "/a/b"},
		{"file.basename", []any{"/a/b/c.txt"}, nil, "c.txt"},
		{"file.join", []any{"/a", "b", "c"}, nil, "/a/b/c"},
		// os.path's arithmetic, not Go's: join and dirname do not clean,
		// basename of a path ending in "/" is empty (pkg/py/pypath).
		{"file.join", []any{"/srv/app/", "../map.jinja"}, nil, "/srv/app/../map.jinja"},
		{"file.dirname", []any{"map.jinja"}, nil, ""},
		{"file.basename", []any{"/srv/app/"}, nil, ""},
		{"file.normpath", []any{"formula/sub/../map.jinja"}, nil, "formula/map.jinja"},
		{"file.normpath", []any{"//srv//./salt/"}, nil, "//srv/salt"},
		{"test.true", nil, nil, true},
		{"log.warning", []any{"hello"}, nil, ""},
	}
	for _, tt := range tests {
		f, ok := fns[tt.fn]
		if !ok {
			t.Errorf("%s missing", tt.fn)
			continue
		}
		if tt.kw == nil {
			tt.kw = map[string]any{}
		}
		got, err := f(tt.args, tt.kw)
		if err != nil {
			t.Errorf("%s(%v, %v): %v", tt.fn, tt.args, tt.kw, err)
			continue
		}
		if got := odict.Plain(got); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s(%v, %v) = %#v; want %#v", tt.fn, tt.args, tt.kw, got, tt.want)
		}
	}
}

func TestDefaultsMergeInPlace(t *testing.T) {
	fns := SaltFuncs(SaltContext{})
	dest := odict.From(map[string]any{"a": map[string]any{"x": 1}})
	if _, err := fns["defaults.merge"]([]any{dest, map[string]any{"a": map[string]any{"y": 2}}}, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"a": map[string]any{"x": 1, "y": 2}}; !reflect.DeepEqual(dest.PlainMap(), want) {
		t.Errorf("dest after merge = %v; want %v", dest, want)
	}
}

// A command that could not run, or a cancelled job, is an error still.
func TestCmdRunCancelled(t *testing.T) {
	fns := SaltFuncs(testSaltContext())
	if _, err := fns["cmd.run"]([]any{"cancelled"}, map[string]any{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cmd.run cancelled: err = %v; want %v", err, context.Canceled)
	}
}

func TestCmdRunRefusedWithoutRunner(t *testing.T) {
	fns := SaltFuncs(SaltContext{})
	_, err := fns["cmd.run"]([]any{"id"}, map[string]any{})
	if !errors.Is(err, errNoRunCmd) {
		t.Errorf("cmd.run without RunCmd: err = %v; want %v", err, errNoRunCmd)
	}
}

func TestSaltVars(t *testing.T) {
	tests := []struct {
		sls, tpl                    string
		slspath, tpldir, slsdotpath string
	}{
		{"nginx", "nginx/init.sls", "nginx", "nginx", "nginx"},
		{"nginx.config", "nginx/config.sls", "nginx", "nginx", "nginx"},
		{"a.b.c", "a/b/c/init.sls", "a/b/c", "a/b/c", "a.b.c"},
		{"top", "top.sls", "", ".", ""},
	}
	for _, tt := range tests {
		v := SaltVars(SaltContext{}, tt.sls, tt.tpl, "base")
		if v["slspath"] != tt.slspath || v["tpldir"] != tt.tpldir || v["slsdotpath"] != tt.slsdotpath || v["sls"] != tt.sls {
			t.Errorf("SaltVars(%q, %q): slspath=%v tpldir=%v slsdotpath=%v sls=%v; want %q %q %q %q",
				tt.sls, tt.tpl, v["slspath"], v["tpldir"], v["slsdotpath"], v["sls"], tt.slspath, tt.tpldir, tt.slsdotpath, tt.sls)
		}
		for _, k := range []string{"grains", "pillar", "opts", "salt", "tplpath", "tplfile", "saltenv"} {
			if _, ok := v[k]; !ok {
				t.Errorf("SaltVars: %s missing", k)
			}
		}
	}
}

// slsutil.update merges into dest itself (recursively unless told not
// to), slsutil.boolstr picks by Python truth, slsutil.merge_all merges a
// list of dicts in turn.
func TestSlsutilMore(t *testing.T) {
	tests := []struct{ src, want string }{
		{"{% set d = {'a': {'x': 1}} %}{% do salt['slsutil.update'](d, {'a': {'y': 2}, 'b': 3}) %}{{ d }}", "{'a': {'x': 1, 'y': 2}, 'b': 3}"},
		{"{% set d = {'a': {'x': 1}} %}{{ salt['slsutil.update'](d, {'a': {'y': 2}}, recursive_update=False) }}", "{'a': {'y': 2}}"},
		{"{{ salt['slsutil.boolstr'](True) }} {{ salt['slsutil.boolstr']('', 'yes', 'no') }} {{ salt['slsutil.boolstr'](1, true='on') }}", "true no on"},
		{"{{ salt['slsutil.merge_all']([{'a': 1, 'l': [1]}, {'b': 2, 'l': [2]}, {'a': 3}]) }}", "{'a': 3, 'l': [2], 'b': 2}"},
		{"{{ salt['slsutil.merge_all']([{'l': [1]}, {'l': [2]}], merge_lists=True) }}", "{'l': [1, 2]}"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte(tt.src), SaltVars(SaltContext{}, "t", "t.sls", "base"), Options{})
		if err != nil || out != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, out, err, tt.want)
		}
	}
	if _, err := Render("t.sls", []byte("{{ salt['slsutil.update']([], {}) }}"), SaltVars(SaltContext{}, "t", "t.sls", "base"), Options{}); err == nil {
		t.Error("slsutil.update of a list: no error")
	}
}
