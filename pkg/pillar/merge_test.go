package pillar

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/top"
)

// Each pillar_source_merging_strategy over two SLS files the top gives,
// the second including a third, as Salt's render_pillar and
// render_pstate merge them with dictupdate.merge; the wants are what
// Salt 3006's dictupdate.merge and aggregation.aggregate give (run in
// Python on the same data).
func TestMergingStrategies(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n    - b\n",
		"a.sls":   "users: {alice: {uid: 1}, bob: {uid: 2}}\npkgs: [vim, git]\nsite: a\n",
		"b.sls":   "include: [c]\nusers: {bob: {shell: zsh}}\npkgs: [git, curl]\n",
		"c.sls":   "users: {carol: {uid: 3}}\npkgs: [htop]\nextra: c\n",
	})
	const (
		deep    = `{"users":{"alice":{"uid":1},"bob":{"uid":2,"shell":"zsh"},"carol":{"uid":3}},"pkgs":["git","curl"],"site":"a","extra":"c"}`
		joined  = `{"users":{"alice":{"uid":1},"bob":{"uid":2,"shell":"zsh"},"carol":{"uid":3}},"pkgs":["vim","git","htop","curl"],"site":"a","extra":"c"}`
		shallow = `{"users":{"bob":{"shell":"zsh"}},"pkgs":["git","curl"],"site":"a","extra":"c"}`
	)
	for _, tc := range []struct {
		strategy string
		lists    bool
		want     string
	}{
		{"", false, deep},
		{"smart", false, deep},
		{"smart", true, joined},
		{"recurse", false, deep},
		{"recurse", true, joined},
		{"aggregate", false, shallow},
		{"aggregate", true, shallow},
		{"overwrite", false, shallow},
		{"overwrite", true, shallow},
		{"none", false, deep},
		{"none", true, deep},
	} {
		c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"},
			Merging: Merging{Strategy: tc.strategy, Lists: tc.lists}}
		got, err := c.Compile(context.Background(), top.Minion{ID: "m1"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("strategy %q, merge_lists %v: pillar = %s; want %s", tc.strategy, tc.lists, b, tc.want)
		}
	}
}

// Salt's get_tops: with pillarenv set, that environment's top file alone
// is read, and only its section for that environment (top_matches);
// with the "none" strategy, the saltenv's top file alone (base when the
// minion has none).
func TestTopEnvironments(t *testing.T) {
	base := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - common\ndev:\n  '*':\n    - fromdev\n",
		"common.sls": "common: base\n",
	})
	dev := writeTree(t, map[string]string{
		"top.sls":     "dev:\n  '*':\n    - devdata\nbase:\n  'm*':\n    - other\n",
		"devdata.sls": "dev: true\n",
		"fromdev.sls": "fromdev: true\n",
	})
	base2 := writeTree(t, map[string]string{"other.sls": "other: true\n"})
	roots := fileroot.Roots{"base": {base, base2}, "dev": {dev}}
	for _, tc := range []struct {
		name      string
		pillarenv string
		saltenv   string
		strategy  string
		want      string
	}{
		{"all environments", "", "", "", `{"common":"base","other":true,"dev":true}`},
		{"pillarenv dev", "dev", "", "", `{"dev":true}`},
		{"pillarenv base", "base", "", "", `{"common":"base"}`},
		{"pillarenv missing", "qa", "", "", `{}`},
		{"none: base", "", "", "none", `{"common":"base","fromdev":true}`},
		{"none: saltenv dev", "", "dev", "none", `{"dev":true,"other":true}`},
		{"none: pillarenv wins", "base", "dev", "none", `{"common":"base"}`},
	} {
		c := &Compiler{Files: &fileroot.Source{Roots: roots, Env: "base"},
			Merging: Merging{Strategy: tc.strategy}, Saltenv: tc.saltenv, Pillarenv: tc.pillarenv}
		got, errs, err := c.CompileAll(context.Background(), top.Minion{ID: "m1"})
		if err != nil || len(errs) > 0 {
			t.Fatalf("%s: %v %v", tc.name, err, errs)
		}
		b, _ := json.Marshal(got)
		if string(b) != tc.want {
			t.Errorf("%s: pillar = %s; want %s", tc.name, b, tc.want)
		}
	}
}

// A run's pillar= as Salt's compile_pillar merges it: the render starts
// from it and it is merged again at the end (the wants are Salt 3006's
// dictupdate.merge run in Python the same way).
func TestWithOverride(t *testing.T) {
	dec := func(s string) *odict.Map {
		m := odict.New(0)
		if err := json.Unmarshal([]byte(s), m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	const p = `{"users":{"alice":{"uid":1}},"pkgs":["vim","git"],"site":"a"}`
	const o = `{"pkgs":["curl","vim"],"users":{"bob":{"uid":2}},"new":1}`
	for _, tc := range []struct {
		g    Merging
		want string
	}{
		{Merging{}, `{"pkgs":["curl","vim"],"users":{"bob":{"uid":2},"alice":{"uid":1}},"new":1,"site":"a"}`},
		{Merging{Lists: true}, `{"pkgs":["curl","vim","git"],"users":{"bob":{"uid":2},"alice":{"uid":1}},"new":1,"site":"a"}`},
		{Merging{Strategy: "overwrite"}, `{"pkgs":["curl","vim"],"users":{"bob":{"uid":2}},"new":1,"site":"a"}`},
	} {
		pm := dec(p)
		b, _ := json.Marshal(WithOverride(pm, dec(o), tc.g))
		if string(b) != tc.want {
			t.Errorf("%+v: %s; want %s", tc.g, b, tc.want)
		}
		if after, _ := json.Marshal(pm); string(after) != p {
			t.Errorf("%+v: the pillar itself became %s", tc.g, after)
		}
	}
	if got := WithOverride(dec(p), odict.New(0), Merging{}); got.Len() != 3 {
		t.Errorf("an empty override changed the pillar: %v", got)
	}
}

// Salt's render_pstate: a top file's section for an environment the
// pillar roots do not have names SLS that are not found, which Salt
// logs at debug level alone; a missing SLS of an environment that has
// roots is an error.
func TestMissingSLSOfEnvironmentWithoutRoots(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - common\n    - gone\nqa:\n  '*':\n    - qa_only\n",
		"common.sls": "common: 1\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}}
	got, errs, err := c.CompileAll(context.Background(), top.Minion{ID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Message(false))
	}
	if want := []string{"Specified SLS 'gone' in environment 'base' is not available on the salt master"}; !reflect.DeepEqual(msgs, want) {
		t.Errorf("_errors = %q; want %q", msgs, want)
	}
	if b, _ := json.Marshal(got); string(b) != `{"common":1}` {
		t.Errorf("pillar = %s", b)
	}
}

// Salt's pillar_includes_override_sls: an include's data is merged over
// the including SLS's own (render_pstate), rather than under it.
func TestIncludesOverrideSLS(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n",
		"a.sls":   "include: [b, c]\nx: a\nown: {k: a, j: a}\n",
		"b.sls":   "x: b\nown: {k: b}\n",
		"c.sls":   "x: c\nfrom_c: 1\n",
	})
	for _, tc := range []struct {
		override bool
		want     string
	}{
		{false, `{"x":"a","own":{"k":"a","j":"a"},"from_c":1}`},
		{true, `{"x":"c","own":{"k":"b","j":"a"},"from_c":1}`},
	} {
		c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}, IncludesOverride: tc.override}
		got, err := c.Compile(context.Background(), top.Minion{ID: "m1"})
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(got); string(b) != tc.want {
			t.Errorf("pillar_includes_override_sls %v: %s; want %s", tc.override, b, tc.want)
		}
	}
}

// Salt's __gen_opts: pillar_roots' __env__ serves the render's
// environment (pillarenv, else saltenv, else base), __env__ in its
// paths replaced, unless the roots have that environment.
func TestEnvRoots(t *testing.T) {
	roots := fileroot.Roots{"base": {"/srv/pillar/base"}, EnvAny: {"/srv/pillar/__env__", "/srv/shared"}}
	for _, tc := range []struct {
		pillarenv, saltenv string
		want               fileroot.Roots
	}{
		{"dev", "qa", fileroot.Roots{"base": {"/srv/pillar/base"}, "dev": {"/srv/pillar/dev", "/srv/shared"}}},
		{"", "qa", fileroot.Roots{"base": {"/srv/pillar/base"}, "qa": {"/srv/pillar/qa", "/srv/shared"}}},
		{"", "", fileroot.Roots{"base": {"/srv/pillar/base"}}},
		{"base", "", fileroot.Roots{"base": {"/srv/pillar/base"}}},
	} {
		if got := EnvRoots(roots, tc.pillarenv, tc.saltenv); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("EnvRoots(%q, %q) = %v; want %v", tc.pillarenv, tc.saltenv, got, tc.want)
		}
	}
	if got := EnvRoots(fileroot.Roots{"base": {"/a"}}, "dev", ""); !reflect.DeepEqual(got, fileroot.Roots{"base": {"/a"}}) {
		t.Errorf("without __env__: %v", got)
	}
}

// A key the YAML wrote as a number (`80: web`) stays one through every
// strategy's merge, new keys and nested ones alike, for the templates
// that loop over the pillar (`port + 1`).
func TestMergeKeepsKeyKinds(t *testing.T) {
	for _, g := range []Merging{{Strategy: StrategySmart}, {Strategy: StrategyAggregate}, {Strategy: StrategyNone}} {
		src := odict.New(0)
		ports := odict.New(0)
		ports.SetTyped("80", 80, "web")
		src.Set("ports", ports)
		src.SetTyped("22", 22, "ssh")
		dst := odict.New(0)
		g.Merge(dst, src)
		if v, ok := dst.Typed("22"); !ok || v != 22 {
			t.Errorf("%s: Typed(22) = %v, %v; want 22, true", g.Strategy, v, ok)
		}
		pv, _ := dst.Get("ports")
		if v, ok := pv.(*odict.Map).Typed("80"); !ok || v != 80 {
			t.Errorf("%s: ports Typed(80) = %v, %v; want 80, true", g.Strategy, v, ok)
		}
	}
}
