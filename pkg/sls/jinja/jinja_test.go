package jinja

import (
	"flag"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the .golden files from the current output")

// dirLoader serves templates from a directory, like a state tree.
type dirLoader string

func (d dirLoader) Load(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(d), filepath.FromSlash(name)))
}

// caseVars is a case's NAME.vars.yaml: the Salt context and the template
// path to render the case as (for tpldir and relative imports).
type caseVars struct {
	Grains  map[string]any `yaml:"grains"`
	Pillar  map[string]any `yaml:"pillar"`
	Opts    map[string]any `yaml:"opts"`
	ID      string         `yaml:"id"`
	TplPath string         `yaml:"tplpath"`
	SLS     string         `yaml:"sls"`
	Extra   map[string]any `yaml:"vars"`
}

func loadCaseVars(t *testing.T, name string) caseVars {
	t.Helper()
	cv := caseVars{}
	for _, f := range []string{"testdata/default.vars.yaml", "testdata/" + name + ".vars.yaml"} {
		b, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &cv); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return cv
}

func fakeRunCmd(cmd string, _, _ bool) (CmdResult, error) {
	if strings.HasPrefix(cmd, "false") {
		return CmdResult{Retcode: 1}, nil
	}
	return CmdResult{Stdout: "ran: " + cmd + "\n"}, nil
}

func renderCase(t *testing.T, name string, src []byte) string {
	cv := loadCaseVars(t, name)
	tpl := cv.TplPath
	if tpl == "" {
		tpl = name + ".sls"
	}
	sls := cv.SLS
	if sls == "" {
		sls = strings.TrimSuffix(strings.TrimSuffix(tpl, ".sls"), "/init")
		sls = strings.ReplaceAll(sls, "/", ".")
	}
	ctx := SaltContext{Grains: cv.Grains, Pillar: odict.From(cv.Pillar), Opts: cv.Opts, ID: cv.ID, RunCmd: fakeRunCmd}
	vars := SaltVars(ctx, sls, tpl, "base")
	for k, v := range cv.Extra {
		vars[k] = v
	}
	out, err := Render(tpl, src, vars, Options{Loader: dirLoader("testdata/tree")})
	if err != nil {
		return "ERROR: " + err.Error() + "\n"
	}
	return out
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sls")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden cases")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sls")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got := renderCase(t, name, src)
			golden := strings.TrimSuffix(f, ".sls") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s: output differs from %s\n--- got ---\n%s\n--- want ---\n%s", f, golden, got, want)
			}
			// A second render hits the compile cache and must agree.
			if again := renderCase(t, name, src); again != got {
				t.Errorf("%s: second render differs:\n%s", f, again)
			}
		})
	}
}

// TestConcurrentRender renders the golden cases from several goroutines
// at once, so that -race sees the shared compile cache and registries.
func TestConcurrentRender(t *testing.T) {
	files, err := filepath.Glob("testdata/*.sls")
	if err != nil {
		t.Fatal(err)
	}
	type result struct{ name, out string }
	want := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".sls")
		want[name] = renderCase(t, name, src)
	}
	done := make(chan result)
	for i := 0; i < 4; i++ {
		go func() {
			for _, f := range files {
				src, _ := os.ReadFile(f)
				name := strings.TrimSuffix(filepath.Base(f), ".sls")
				done <- result{name, renderCase(t, name, src)}
			}
		}()
	}
	for i := 0; i < 4*len(files); i++ {
		r := <-done
		if r.out != want[r.name] {
			t.Errorf("%s: concurrent render differs", r.name)
		}
	}
}

// TestGoTypesFromCallers renders with the Go types other packages hand
// in (map[any]any, []string, int64) rather than the YAML decoder's.
func TestGoTypesFromCallers(t *testing.T) {
	vars := map[string]any{
		"m":  map[any]any{"b": int64(2), "a": uint8(1)},
		"l":  []string{"x", "y"},
		"n":  int64(5),
		"f":  float32(1.5),
		"mm": map[string]string{"k": "v"},
	}
	src := "{{ m.items()|list }} {{ m.a + n }} {{ l|join(',') }} {{ l.index('y') }} {{ f }} {{ mm.get('k') }} {{ m }} {{ l }}"
	out, err := Render("g.sls", []byte(src), vars, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "[('a', 1), ('b', 2)] 6 x,y 1 1.5 v {'a': 1, 'b': 2} ['x', 'y']"
	if out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
}
