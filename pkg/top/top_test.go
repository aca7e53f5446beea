package top

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestParseForms(t *testing.T) {
	src := `
base:
  '*':
    - core
    - users
  'os:Debian':
    - match: grain
    - apt
  'single':
    - just-one
  'G@a:b':
    - x
    - match: compound
    - y
dev:
  'dev*':
    - dev.tools
    - base: shared.from.dev
empty:
`
	tp, err := Parse("top.sls", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tp.Envs(), []string{"base", "dev", "empty"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Envs() = %v; want %v", got, want)
	}
	type row struct {
		env, expr, match string
		line             int
		items            string
	}
	var got []row
	for _, e := range tp.Environments {
		for _, tg := range e.Targets {
			var items []string
			for _, it := range tg.Items {
				items = append(items, fmt.Sprintf("%s:%s@%d", it.Env, it.SLS, it.Line))
			}
			got = append(got, row{e.Name, tg.Expr, tg.Match, tg.Line, strings.Join(items, " ")})
		}
	}
	want := []row{
		{"base", "*", "compound", 3, "base:core@4 base:users@5"},
		{"base", "os:Debian", "grain", 6, "base:apt@8"},
		{"base", "single", "compound", 9, "base:just-one@10"},
		{"base", "G@a:b", "compound", 11, "base:x@12 base:y@14"},
		{"dev", "dev*", "compound", 16, "dev:dev.tools@17 base:shared.from.dev@18"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targets:\n got %v\nwant %v", got, want)
	}
	if len(tp.Warnings) != 0 {
		t.Errorf("Warnings = %v; want none", tp.Warnings)
	}
}

func TestParseWarnings(t *testing.T) {
	src := `base:
  '*':
    - core
    - 42
    - ~
    - [nested]
    - saltenv: nosuch
    - ignore_missing: [true]
    - match: glob
    - match: compound
`
	tp, err := Parse("top.sls", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range tp.Warnings {
		got = append(got, w.String())
	}
	wantParts := []string{
		"top.sls:4: ", `"42" is not a string`,
		"top.sls:5: ", `"~" is not a string`,
		"top.sls:6: ", "item of kind a list ignored",
		"top.sls:10: ", "a second `match:` (the first is at line 9)",
	}
	all := strings.Join(got, "\n")
	for _, p := range wantParts {
		if !strings.Contains(all, p) {
			t.Errorf("warnings lack %q:\n%s", p, all)
		}
	}
	if len(got) != 4 {
		t.Errorf("got %d warnings; want 4:\n%s", len(got), all)
	}
	if !tp.Environments[0].Targets[0].IgnoreMissing {
		t.Errorf("ignore_missing (Salt looks only at the key) not read")
	}
	if tp.Environments[0].Targets[0].Match != "compound" {
		t.Errorf("the last match: should win")
	}
	// {saltenv: nosuch} is an item of another environment, kept as Salt
	// keeps it for any environment its file server has.
	if items := tp.Environments[0].Targets[0].Items; len(items) != 2 || items[1].Env != "saltenv" || items[1].SLS != "nosuch" {
		t.Errorf("items = %+v; want core and {saltenv: nosuch}", items)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"yaml syntax", "base:\n  '*':\n    - a\n   - b\n", 1, "did not find expected key"}, // yaml.v3 names the mapping's line
		{"yaml tab", "base:\n\t'*': [a]\n", 2, "found character that cannot start any token"},
		{"root is a list", "- base\n", 1, "a top file is a mapping of environments"},
		{"env is a list", "base:\n  - core\n", 2, "environment base: want a mapping"},
		{"target is a mapping", "base:\n  '*':\n    a: b\n", 3, `target "*": Malformed topfile (state declarations not formed as a list): want a list of SLS names`},
		{"target is null", "base:\n  '*':\n", 2, `target "*": Malformed topfile (state declarations not formed as a list): want a list of SLS names, found nothing`},
		{"target is a string", "base:\n  '*': core\n", 2, `target "*": Malformed topfile (state declarations not formed as a list)`},
		{"empty sls", "base:\n  '*':\n    - a\n    - ''\n", 4, `target "*": Environment base contains an empty sls index`},
		{"unknown matcher", "base:\n  'x':\n    - match: regex\n    - a\n", 3, `unknown matcher "regex"`},
		{"duplicate target", "base:\n  'x':\n    - a\n  'x':\n    - b\n", 4, `target "x" appears twice (first at line 2)`},
		{"duplicate env", "base:\n  'x': [a]\nbase:\n  'y': [b]\n", 3, `environment "base" appears twice`},
		{"bad compound", "base:\n  'web* and':\n    - a\n", 2, "ends where a target is expected"},
		{"bad grain", "base:\n  'os':\n    - match: grain\n    - a\n", 2, `has no ":"`},
		{"bad pcre", "base:\n  'web(':\n    - match: pcre\n    - a\n", 2, "regular expression"},
		{"bad cidr", "base:\n  '10.0.0.1/8':\n    - match: ipcidr\n    - a\n", 2, "host bits"},
		{"empty target", "base:\n  '': [a]\n", 2, "a target must be a non-empty string"},
	}
	for _, tt := range tests {
		_, err := Parse("srv/top.sls", []byte(tt.src))
		var te *Error
		if !errors.As(err, &te) {
			t.Errorf("%s: Parse error = %v; want a *top.Error", tt.name, err)
			continue
		}
		prefix := fmt.Sprintf("srv/top.sls:%d: ", tt.line)
		if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: Parse error = %q; want %q…%q", tt.name, err, prefix, tt.msg)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "~\n"} {
		tp, err := Parse("top.sls", []byte(src))
		if err != nil || len(tp.Environments) != 0 {
			t.Errorf("Parse(%q) = %v, %v; want an empty top", src, tp, err)
			continue
		}
		got, err := tp.SLSFor(web01, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("SLSFor on empty top = %v, %v", got, err)
		}
	}
}

func TestParseAliases(t *testing.T) {
	src := `base:
  'web*': &common
    - core
    - ssh
  'db*': *common
`
	tp, err := Parse("top.sls", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tp.SLSFor(db1, nil)
	if want := map[string][]string{"base": {"core", "ssh"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("SLSFor(db1) = %v; want %v", got, want)
	}
}

func TestSLSForNodegroupErrors(t *testing.T) {
	src := "base:\n  '*': [core]\n  'edge':\n    - match: nodegroup\n    - haproxy\n  'N@missing or web*':\n    - x\n"
	tp, err := Parse("top.sls", []byte(src))
	if err != nil {
		t.Fatalf("nodegroups are unknown at Parse time and must not fail it: %v", err)
	}
	_, err = tp.SLSFor(web01, map[string]string{"edge": "web*"})
	if err == nil || !strings.HasPrefix(err.Error(), "top.sls:6: ") || !strings.Contains(err.Error(), `unknown nodegroup "missing"`) {
		t.Errorf("SLSFor error = %v; want top.sls:6: … unknown nodegroup", err)
	}
	_, err = tp.SLSFor(web01, map[string]string{"missing": "x"})
	if err == nil || !strings.HasPrefix(err.Error(), "top.sls:3: ") {
		t.Errorf("SLSFor error = %v; want top.sls:3: … unknown nodegroup edge", err)
	}
	got, err := tp.SLSFor(web01, map[string]string{"edge": "web*", "missing": "nobody"})
	if want := map[string][]string{"base": {"core", "haproxy", "x"}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("SLSFor = %v, %v; want %v", got, err, want)
	}
}

// TestSLSForEnvWithNothing: an environment whose matching target lists no
// SLS is still present, as in Salt.
func TestSLSForEnvWithNothing(t *testing.T) {
	tp, err := Parse("top.sls", []byte("base:\n  '*': []\ndev:\n  'nomatch': [a]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tp.SLSFor(web01, nil)
	if want := map[string][]string{"base": {}}; !reflect.DeepEqual(got, want) {
		t.Errorf("SLSFor = %#v; want %#v", got, want)
	}
}

// golden minions for the realistic top file.
func goldenMinions() []Minion {
	return []Minion{
		{ID: "web01.prod.example.com", Grains: map[string]any{"os": "Debian", "os_family": "Debian", "virtual": "kvm", "roles": []any{"web"}, "ipv4": []any{"10.20.1.5", "127.0.0.1"}}, Pillar: map[string]any{"env": "prod"}},
		{ID: "db12.prod.example.com", Grains: map[string]any{"os": "Rocky", "os_family": "RedHat", "virtual": "kvm", "roles": []any{"db", "cache"}, "ipv4": []any{"10.30.4.2"}}, Pillar: map[string]any{"env": "prod"}},
		{ID: "mail2.prod.example.com", Grains: map[string]any{"os": "Ubuntu", "os_family": "Debian", "virtual": "physical"}, Pillar: map[string]any{"env": "prod", "role": "monitoring"}},
		{ID: "lb1.prod.example.com", Grains: map[string]any{"os": "Alpine", "os_family": "Alpine", "virtual": "container", "roles": []any{"queue"}}},
		{ID: "bastion.example.com", Grains: map[string]any{"os": "Debian", "os_family": "Debian", "virtual": "kvm"}},
		{ID: "dev-laptop", Grains: map[string]any{"os": "Arch", "os_family": "Arch"}, Pillar: map[string]any{"env": "dev"}},
	}
}

func TestGoldenRealisticTop(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "realistic_top.sls"))
	if err != nil {
		t.Fatal(err)
	}
	tp, err := Parse("realistic_top.sls", data)
	if err != nil {
		t.Fatal(err)
	}
	ng := map[string]string{"edge": "lb1.prod.example.com lb2.prod.example.com"}
	var b strings.Builder
	fmt.Fprintf(&b, "envs: %s\n", strings.Join(tp.Envs(), " "))
	for _, w := range tp.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	for _, m := range goldenMinions() {
		got, err := tp.SLSFor(m, ng)
		if err != nil {
			t.Fatalf("SLSFor(%s): %v", m.ID, err)
		}
		fmt.Fprintf(&b, "%s:\n", m.ID)
		envs := make([]string, 0, len(got))
		for e := range got {
			envs = append(envs, e)
		}
		sort.Strings(envs)
		for _, e := range envs {
			fmt.Fprintf(&b, "  %s: %s\n", e, strings.Join(got[e], " "))
		}
	}
	for _, q := range []struct{ expr, kind string }{
		{"G@os_family:Debian", "compound"}, {"edge", "nodegroup"}, {"*.prod.*", ""},
		{"10.20.0.0/16", "ipcidr"}, {"env:prod", "pillar"},
	} {
		ids, err := Targets(q.expr, q.kind, goldenMinions(), ng)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "targets %s %q: %s\n", q.kind, q.expr, strings.Join(ids, " "))
	}
	golden := filepath.Join("testdata", "realistic.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if b.String() != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, b.String())
	}
}

// TestSLSForMinionUnknownNodegroup: a minion matching its own state top
// gives a nodegroup it does not know no match, as Salt's matcher does,
// and one it knows (its minion.yaml's) matches.
func TestSLSForMinionUnknownNodegroup(t *testing.T) {
	tp, err := Parse("top.sls", []byte("base:\n  '*':\n    - all\n  grp:\n    - match: nodegroup\n    - g\n  'N@other or web*':\n    - c\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tp.SLSForMinion(Minion{ID: "web1"}, nil)
	if err != nil || !reflect.DeepEqual(got["base"], []string{"all", "c"}) {
		t.Errorf("no nodegroups = %v, %v", got, err)
	}
	got, err = tp.SLSForMinion(Minion{ID: "web1"}, map[string]string{"grp": "L@web1,web2"})
	if err != nil || !reflect.DeepEqual(got["base"], []string{"all", "g", "c"}) {
		t.Errorf("with grp = %v, %v", got, err)
	}
	if _, err := tp.SLSFor(Minion{ID: "web1"}, nil); err == nil {
		t.Errorf("SLSFor with an unknown nodegroup: no error")
	}
}

// Matches is Salt's top_matches, as state.show_top shows it: repeats
// kept, an environment whose matching target lists nothing there.
func TestMatchesKeepsRepeats(t *testing.T) {
	tp, err := Parse("top.sls", []byte("base:\n  '*':\n    - a\n    - a\n  'x*':\n    - b\n  'm*':\n    - a\ndev:\n  'm*': []\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tp.Matches(Minion{ID: "m1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string][]string{"base": {"a", "a", "a"}, "dev": {}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Matches = %v; want %v", got, want)
	}
	dedup, _ := tp.SLSFor(Minion{ID: "m1"}, nil)
	if !reflect.DeepEqual(dedup["base"], []string{"a"}) {
		t.Errorf("SLSFor = %v; want a once", dedup)
	}
}
