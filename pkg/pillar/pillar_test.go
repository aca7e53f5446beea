package pillar

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/top"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCompile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls":       "base:\n  '*':\n    - common\n  'role:web':\n    - match: grain\n    - web\n  'db*':\n    - db\n",
		"common.sls":    "users:\n  alice: {uid: 1000}\nmode: 0644\n",
		"web/init.sls":  "include:\n  - .extra\nusers:\n  bob: {uid: 1001}\nport: {{ grains['port'] }}\n",
		"web/extra.sls": "extra: true\n",
		"db.sls":        "db: true\n",
	})
	c := &Compiler{
		Files:   &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"},
		Globals: func(m top.Minion) map[string]any { return map[string]any{"grains": m.Grains} },
	}
	got, err := c.Compile(context.Background(), top.Minion{ID: "web1", Grains: map[string]any{"role": "web", "port": 8080}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"users": map[string]any{"alice": map[string]any{"uid": 1000}, "bob": map[string]any{"uid": 1001}},
		"mode":  644,
		"port":  8080,
		"extra": true,
	}
	if !reflect.DeepEqual(got.PlainMap(), want) {
		t.Fatalf("Compile(web1) = %#v; want %#v", got.PlainMap(), want)
	}
}

// Salt's Pillar.get_tops reads the top.sls of every pillar environment
// and merge_tops merges them: dev's own top gives dev's data, and a
// target it gives again in base's section replaces base's own.
func TestCompileEnvironmentTops(t *testing.T) {
	base := writeTree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - common\n",
		"common.sls": "common: base\n",
		"other.sls":  "other: true\n",
	})
	dev := writeTree(t, map[string]string{
		"top.sls":     "dev:\n  '*':\n    - devdata\n",
		"devdata.sls": "dev: true\nlist: [1]\n",
	})
	qa := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - other\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {base}, "dev": {dev}}, Env: "base"}}
	got, err := c.Compile(context.Background(), top.Minion{ID: "web1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"common": "base", "dev": true, "list": []any{1}}; !reflect.DeepEqual(got.PlainMap(), want) {
		t.Errorf("Compile = %#v; want %#v", got.PlainMap(), want)
	}
	c = &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {base}, "qa": {qa}}, Env: "base"}}
	if got, err = c.Compile(context.Background(), top.Minion{ID: "web1"}); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"other": true}; !reflect.DeepEqual(got.PlainMap(), want) {
		t.Errorf("Compile with qa's top replacing base's '*' = %#v; want %#v", got.PlainMap(), want)
	}
}

// A pillar top file's include: names more top files of its environment,
// plain SLS names (no globs), merged after it as Salt's Pillar.get_tops
// and merge_tops read them; a name that is not there adds nothing.
func TestCompileTopInclude(t *testing.T) {
	base := writeTree(t, map[string]string{
		"top.sls":       "include:\n  - tops.more\n  - 'tops.*'\n  - nowhere\nbase:\n  '*':\n    - a\n",
		"tops/more.sls": "base:\n  'web*':\n    - b\n  '*':\n    - c\n",
		"tops/glob.sls": "base:\n  '*':\n    - ignored\n",
		"a.sls":         "a: 1\n",
		"b.sls":         "b: 2\n",
		"c.sls":         "c: 3\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {base}}, Env: "base"}}
	got, err := c.Compile(context.Background(), top.Minion{ID: "web1"})
	if err != nil {
		t.Fatal(err)
	}
	// more.sls's '*' replaces top.sls's in its place: c, then b.
	if want := map[string]any{"b": 2, "c": 3}; !reflect.DeepEqual(got.PlainMap(), want) {
		t.Errorf("Compile = %#v; want %#v", got.PlainMap(), want)
	}
}

func TestCompileNoTopIsEmpty(t *testing.T) {
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {t.TempDir()}}}}
	got, err := c.Compile(context.Background(), top.Minion{ID: "x"})
	if err != nil || got.Len() != 0 {
		t.Fatalf("Compile with no top.sls = %v, %v; want empty, nil", got, err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"top.sls": "base:\n  '*':\n    - missing\n"}, `pillar SLS "missing" not found`},
		{map[string]string{"top.sls": "base:\n  '*':\n    - bad\n", "bad.sls": "a: 1\na: 2\n"}, "bad.sls:2"},
		{map[string]string{"top.sls": "base:\n  '*':\n    - list\n", "list.sls": "- a\n"}, "does not render to a dictionary"},
		// A missing SLS another target names without ignore_missing.
		{map[string]string{"top.sls": "base:\n  '*':\n    - gone\n  'zzz':\n    - gone\n    - ignore_missing: True\n  'y':\n    - ok\n", "ok.sls": "a: 1\n"}, `pillar SLS "gone" not found`},
		// A missing include is not skipped by its file's ignore_missing.
		{map[string]string{"top.sls": "base:\n  '*':\n    - inc\n    - ignore_missing: True\n", "inc.sls": "include:\n  - gone\n"}, `pillar SLS "gone" not found`},
		// Renderers brine lacks are refused, not read as data.
		{map[string]string{"top.sls": "base:\n  '*':\n    - secret\n", "secret.sls": "#!yaml|gpg\npw: |\n  -----BEGIN PGP MESSAGE-----\n"}, `secret.sls:1: renderer "gpg"`},
		{map[string]string{"top.sls": "base:\n  '*':\n    - py\n", "py.sls": "#!py\ndef run():\n    return {}\n"}, `renderer "py"`},
	}
	for _, tt := range tests {
		dir := writeTree(t, tt.files)
		c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}}
		_, err := c.Compile(context.Background(), top.Minion{ID: "x"})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%v) error = %v; want it to contain %q", tt.files, err, tt.want)
		}
	}
}

func TestRelative(t *testing.T) {
	tests := []struct {
		from   string
		isInit bool
		inc    string
		want   string
	}{
		{"web", true, ".extra", "web.extra"},
		{"web.nginx", false, ".extra", "web.extra"},
		// Salt's pillar takes one dot as the package and leaves the
		// rest: these name nothing, and only the dotless glob finds c.
		{"web.nginx", false, "..top", "web..top"},
		{"a.b", true, "..c", "a.b..c"},
		{"common", false, ".x", "x"},
	}
	for _, tt := range tests {
		if got := relative(tt.from, tt.isInit, tt.inc); got != tt.want {
			t.Errorf("relative(%q, %v, %q) = %q; want %q", tt.from, tt.isInit, tt.inc, got, tt.want)
		}
	}
}

// Pillar keeps its files' key order for the templates that loop over it.
func TestCompileKeepsDictOrder(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n    - b\n",
		"a.sls":   "users:\n  zed: 1\n  amy: 2\n",
		"b.sls":   "users:\n  mike: 3\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}}
	got, err := c.Compile(context.Background(), top.Minion{ID: "x"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"users":{"zed":1,"amy":2,"mike":3}}`; string(b) != want {
		t.Fatalf("pillar = %s; want file order %s", b, want)
	}
}

// TestIgnoreMissingAndSLSNames: Salt's ignore_missing skips a pillar SLS
// that is not there (hosts.{{ grains.id }}); a #!yaml pillar is not
// rendered; a pillar template sees its sls and slspath.
func TestIgnoreMissingAndSLSNames(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls":       "base:\n  '*':\n    - hosts.{{ grains['id'] }}\n    - raw\n    - sub.names\n    - ignore_missing: True\n",
		"raw.sls":       "#!yaml\nmotd: 'Welcome to {{ grains.fqdn }}'\n",
		"sub/names.sls": "names: {sls: {{ sls }}, slspath: {{ slspath }}, slsdotpath: {{ slsdotpath }}, tpldir: {{ tpldir }}}\n",
	})
	c := &Compiler{
		Files:   &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"},
		Globals: func(m top.Minion) map[string]any { return map[string]any{"grains": m.Grains} },
	}
	got, err := c.Compile(context.Background(), top.Minion{ID: "web1", Grains: map[string]any{"id": "web1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"motd":  "Welcome to {{ grains.fqdn }}",
		"names": map[string]any{"sls": "sub.names", "slspath": "sub", "slsdotpath": "sub", "tpldir": "sub"},
	}
	if !reflect.DeepEqual(got.PlainMap(), want) {
		t.Fatalf("Compile = %#v; want %#v", got.PlainMap(), want)
	}
}

// TestCompileAllKeepsGoing: as Salt's compile_pillar, an SLS that fails
// to render leaves the others' pillar, and _errors names it in Salt's
// words: the safe ones a master sends, or with the render error.
func TestCompileAllKeepsGoing(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n    - bad\n    - missing\n",
		"a.sls":   "a: 1\n",
		"bad.sls": "x: {{ nosuch.var }}\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}}
	got, errs, err := c.CompileAll(context.Background(), top.Minion{ID: "x"})
	if err != nil || len(errs) != 2 {
		t.Fatalf("CompileAll = %v, %v, %v", got, errs, err)
	}
	safe := WithErrors(got, errs, false).PlainMap()
	want := map[string]any{"a": 1, "_errors": []any{
		"Rendering SLS 'bad' failed. Please see master log for details.",
		"Specified SLS 'missing' in environment 'base' is not available on the salt master",
	}}
	if !reflect.DeepEqual(safe, want) {
		t.Errorf("safe = %#v; want %#v", safe, want)
	}
	if msg := errs[0].Message(true); !strings.HasPrefix(msg, "Rendering SLS 'bad' failed, render error:\n") || !strings.Contains(msg, "nosuch") {
		t.Errorf("detailed = %q", msg)
	}
	if _, err := c.Compile(context.Background(), top.Minion{ID: "x"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("Compile = %v; want the first error", err)
	}
	// A top file that fails: an empty pillar with its error.
	dir = writeTree(t, map[string]string{"top.sls": "base:\n  '*': {{ x.y }}\n"})
	c = &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}}
	got, errs, err = c.CompileAll(context.Background(), top.Minion{ID: "x"})
	if err != nil || got.Len() != 0 || len(errs) != 1 || !strings.HasPrefix(errs[0].Message(false), "Rendering Primary Top file failed") {
		t.Errorf("bad top = %v %v %v", got, errs, err)
	}
}
