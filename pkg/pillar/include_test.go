package pillar

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/top"
)

// Salt's pillar include forms (salt/pillar/__init__.py render_pstate): a
// name, a glob over the environment's pillar SLS names, and
// `- name: {defaults: {...}, key: a:b}`, whose file is rendered with the
// defaults as variables and whose data goes under the key. The including
// file's own data is merged last.
func TestIncludeForms(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls":            "base:\n  '*':\n    - site\n",
		"site.sls":           "include:\n  - users.*\n  - app:\n      defaults: {port: 8080, name: shop}\n      key: services:web\n  - .common\nowner: site\n",
		"users/alice.sls":    "users:\n  alice: {uid: 1000}\n",
		"users/bob/init.sls": "users:\n  bob: {uid: 1001}\n",
		"app.sls":            "listen: {{ port }}\nname: {{ name }}\nowner: app\n",
		"common.sls":         "owner: common\nshared: true\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}}
	got, err := c.Compile(context.Background(), top.Minion{ID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"users":{"alice":{"uid":1000},"bob":{"uid":1001}},"services":{"web":{"listen":8080,"name":"shop","owner":"app"}},"owner":"site","shared":true}`
	if string(b) != want {
		t.Errorf("pillar =\n%s\nwant\n%s", b, want)
	}

	for body, msg := range map[string]string{
		"include: common\n":                  "Include Declaration in SLS 'bad' is not formed as a list",
		"include:\n  - common: [1]\n":        "want {defaults: …, key: …}",
		"include:\n  - common: {key: [1]}\n": "key: want a string",
	} {
		dir := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - bad\n", "bad.sls": body, "common.sls": "x: 1\n"})
		c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}}
		if _, err := c.Compile(context.Background(), top.Minion{ID: "m1"}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v; want one saying %q", body, err, msg)
		}
	}
}

// TestIncludeLikeRenderPstate pins the quirks of Salt 3006's
// Pillar.render_pstate and render_pillar (salt/pillar/__init__.py), each
// read from its source: an SLS already rendered is reused from mods (its
// own data, not its includes) and merged again wherever it is included;
// every SLS the top names is rendered and merged in turn; an empty
// include adds nothing even under a key; an include's defaults stay for
// the plain includes after it; a relative include is looked up both
// without its dots and under the file's package (one dot's worth); the
// pillar top's `- order:` sorts its targets.
func TestIncludeLikeRenderPstate(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"an include merged again where it is included twice", map[string]string{
			"top.sls":    "base:\n  '*':\n    - x\n    - y\n",
			"common.sls": "k: common\nlst: [c]\n",
			"x.sls":      "include:\n  - common\nk: x\n",
			"y.sls":      "include:\n  - common\nother: 1\n",
		}, `{"k":"common","lst":["c"],"other":1}`},
		{"a top SLS rendered and merged again after its includer", map[string]string{
			"top.sls": "base:\n  '*':\n    - b\n    - a\n",
			"a.sls":   "x: from_a\nadict: {k1: a}\nalist: [1, 2]\n",
			"b.sls":   "include:\n  - a\nx: from_b\nadict: {k2: b}\nalist: [3]\n",
		}, `{"x":"from_a","adict":{"k1":"a","k2":"b"},"alist":[1,2]}`},
		{"one file under two keys, an empty one under none", map[string]string{
			"top.sls":   "base:\n  '*':\n    - main\n",
			"e2.sls":    "v: 1\n",
			"empty.sls": "",
			"main.sls":  "include:\n  - empty:\n      key: a:b\n  - e2:\n      key: c\n  - e2:\n      key: d\nmain: 1\n",
		}, `{"c":{"v":1},"d":{"v":1},"main":1}`},
		{"defaults carried on, relative includes both ways", map[string]string{
			"top.sls":          "base:\n  \"*\":\n    - users\n    - a.b.c\n    - d\n",
			"a/b/c.sls":        "include:\n  - ..x\nabc: 1\n",
			"a/x.sls":          "ax: 1\n",
			"common.sls":       "common_top: 1\n",
			"d.sls":            "include:\n  - e:\n      defaults: {v: from_defaults}\n      key: nest:ed\n  - f\nd: 1\n",
			"e.sls":            "e_v: {{ v }}\n",
			"f.sls":            "f_v: {{ v | default(\"no v\") }}\n",
			"users/common.sls": "users_common: 1\n",
			"users/init.sls":   "include:\n  - .common\nusers_init: 1\n",
			"x.sls":            "x_top: 1\n",
		}, `{"common_top":1,"users_common":1,"users_init":1,"x_top":1,"abc":1,"nest":{"ed":{"e_v":"from_defaults"}},"f_v":"from_defaults","d":1}`},
		{"a glob in the top", map[string]string{
			"top.sls":          "base:\n  '*':\n    - users.*\n    - nothing.*\n    - ignore_missing: True\n",
			"users/b.sls":      "b: 2\n",
			"users/a.sls":      "a: 1\n",
			"users/c/init.sls": "c: 3\n",
		}, `{"a":1,"b":2,"c":3}`},
		{"order sorts the targets", map[string]string{
			"top.sls": "base:\n  '*':\n    - order: 2\n    - a\n  'm*':\n    - b\n",
			"a.sls":   "a: 1\nk: from_a\n",
			"b.sls":   "k: from_b\n",
		}, `{"k":"from_a","a":1}`},
	} {
		dir := writeTree(t, c.files)
		comp := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}}
		got, errs, err := comp.CompileAll(context.Background(), top.Minion{ID: "m1"})
		if err != nil || len(errs) > 0 {
			t.Fatalf("%s: %v %v", c.name, err, errs)
		}
		b, _ := json.Marshal(got)
		if string(b) != c.want {
			t.Errorf("%s: pillar =\n%s\nSalt's\n%s", c.name, b, c.want)
		}
	}
}
