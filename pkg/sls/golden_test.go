package sls

import (
	"context"
	"flag"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden")

// archive is a txtar-like test case: a header of `key: value` lines, then
// files introduced by "-- path --" lines.
type archive struct {
	header map[string]string
	files  map[string]string
	order  []string
}

func parseArchive(text string) *archive {
	a := &archive{header: map[string]string{}, files: map[string]string{}}
	cur := ""
	var body strings.Builder
	flush := func() {
		if cur != "" {
			a.files[cur] = body.String()
			a.order = append(a.order, cur)
		}
		body.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		trim := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") && len(trim) > 6 {
			flush()
			cur = strings.TrimSpace(trim[3 : len(trim)-3])
			continue
		}
		if cur == "" {
			if k, v, ok := strings.Cut(trim, ":"); ok && !strings.HasPrefix(trim, "#") {
				a.header[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
			continue
		}
		body.WriteString(line)
	}
	flush()
	return a
}

// writeTree puts files into a fresh directory and returns a compiler
// over it, as `brine call --local` would build one.
func writeTree(t testing.TB, files map[string]string) *Compiler {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}, "dev": {filepath.Join(dir, "_dev")}}}}
}

// runArchive renders and compiles an archive's SLS list and prints every
// stage, or the error that stopped it.
func runArchive(t testing.TB, a *archive) string {
	c := writeTree(t, a.files)
	withSaltVars(t, c, a)
	var b strings.Builder
	high, err := c.HighState(context.Background(), strings.Fields(a.header["sls"]))
	if err != nil {
		fmt.Fprintf(&b, "== error ==\n%v\n", err)
		return b.String()
	}
	out, err := yaml.Marshal(high)
	if err != nil {
		t.Fatalf("marshal high: %v", err)
	}
	fmt.Fprintf(&b, "== highstate ==\n%s", out)
	chunks, err := high.Compile()
	if err != nil {
		fmt.Fprintf(&b, "== compile error ==\n%v\n", err)
		return b.String()
	}
	out, err = yaml.Marshal(Lowstate(chunks))
	if err != nil {
		t.Fatalf("marshal low: %v", err)
	}
	fmt.Fprintf(&b, "== lowstate ==\n%s== resolved ==\n", out)
	for _, c := range chunks {
		fmt.Fprintf(&b, "%d %s [%s]\n", c.Order, c.Key(), c.Source)
		for _, r := range c.Requisites {
			fmt.Fprintf(&b, "    %s %s: %s -> %s\n", r.Kind, r.Module, r.Ref, strings.Join(r.Targets, ", "))
		}
	}
	return b.String()
}

// withSaltVars gives the compiler Salt's template variables when the
// archive has a `_pillar.yaml` or `_grains.yaml`: pillar read as Salt reads
// it (DecodeYAMLOrdered: dicts in file order), as brine call sets them
// up.
func withSaltVars(t testing.TB, c *Compiler, a *archive) {
	p, hasP := a.files["_pillar.yaml"]
	g, hasG := a.files["_grains.yaml"]
	if !hasP && !hasG {
		return
	}
	pillar, err := DecodeYAMLOrdered("_pillar.yaml", []byte(p), false)
	if err != nil {
		t.Fatal(err)
	}
	grains, err := DecodeYAML("_grains.yaml", []byte(g), false)
	if err != nil {
		t.Fatal(err)
	}
	pm, _ := pillar.(*odict.Map)
	gm, _ := grains.(map[string]any)
	ctx := jinja.SaltContext{Pillar: pm, Grains: gm, ID: "minion1"}
	c.Vars = func(sls, tpl string) map[string]any { return jinja.SaltVars(ctx, sls, tpl, "base") }
}

func TestGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/golden/*.txtar")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := runArchive(t, parseArchive(string(text)))
			// The same input must print the same output every time.
			if again := runArchive(t, parseArchive(string(text))); again != got {
				t.Fatalf("output differs between two runs:\n%s\n---\n%s", got, again)
			}
			gold := strings.TrimSuffix(path, ".txtar") + ".golden"
			if *update {
				if err := os.WriteFile(gold, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gold)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update after checking):\n%s", gold, lineDiff(string(want), got))
			}
		})
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}
