package jinja

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// The conformance set: templates that brine must render exactly as Jinja2
// does in Salt's environment. Each is compared with the real Jinja2 on
// every run (testdata/jinja2_ref.py), not with output someone once copied:
//
//   - testdata/conformance*.sls: whole templates, compared byte for byte
//     (their .golden files pin brine's output too, for TestGolden);
//   - testdata/conformance_errors.txt: one template a line that both must
//     refuse (the messages differ: brine names the file and line);
//   - testdata/jinja2_differs.txt: one template a line where brine knowingly
//     differs, each after a `#` comment saying why. docs/jinja.md lists
//     them. The test fails when one stops differing, so the list stays true.

// refCase is one template as jinja2_ref.py reads it.
type refCase struct {
	Name string         `json:"name"`
	Src  string         `json:"src"`
	Vars map[string]any `json:"vars"`
}

// refResult is Jinja2's output, or the error it raised.
type refResult struct {
	Out   *string `json:"out"`
	Error string  `json:"error"`
}

// lineCase is one line of a .txt case file and the comment above it.
type lineCase struct {
	name, src, why string
}

func readLineCases(t *testing.T, file string) []lineCase {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	base := strings.TrimSuffix(filepath.Base(file), ".txt")
	var cases []lineCase
	var why []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			why = append(why, strings.TrimSpace(strings.TrimPrefix(line, "#")))
		case strings.TrimSpace(line) == "":
			why = nil
		default:
			cases = append(cases, lineCase{name: base + ":" + strconv.Itoa(n), src: line, why: strings.Join(why, " ")})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// refVars is the context the reference renders with: the same grains,
// pillar, opts and id as renderCase gives brine, as plain data.
func refVars(t *testing.T, name string) map[string]any {
	cv := loadCaseVars(t, name)
	vars := map[string]any{"grains": cv.Grains, "pillar": cv.Pillar, "opts": cv.Opts, "id": cv.ID}
	for k, v := range cv.Extra {
		vars[k] = v
	}
	return vars
}

func TestJinja2Conformance(t *testing.T) {
	files, err := filepath.Glob("testdata/conformance*.sls")
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance cases: %v", err)
	}
	var cases []refCase
	brine := map[string]string{}
	add := func(name, caseVars, src string) {
		cases = append(cases, refCase{Name: name, Src: src, Vars: refVars(t, caseVars)})
		brine[name] = renderCase(t, caseVars, []byte(src))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".sls")
		add(name, name, string(src))
	}
	failing := readLineCases(t, "testdata/conformance_errors.txt")
	for _, c := range failing {
		add(c.name, "conformance_errors", c.src)
	}
	differs := readLineCases(t, "testdata/jinja2_differs.txt")
	for _, c := range differs {
		if c.why == "" {
			t.Errorf("%s: a known difference needs a # comment above it saying why", c.name)
		}
		add(c.name, "jinja2_differs", c.src)
	}

	var ref struct {
		Jinja2  string               `json:"jinja2"`
		Results map[string]refResult `json:"results"`
	}
	pyref.Run(t, "testdata/jinja2_ref.py", []string{"--json", "testdata/tree"}, cases, &ref)
	t.Logf("reference: Jinja2 %s on %s; %d templates (%d files, %d that must fail, %d known differences)",
		ref.Jinja2, pyref.Describe(), len(cases), len(files), len(failing), len(differs))

	result := func(name string) (string, bool) {
		r, ok := ref.Results[name]
		if !ok {
			t.Fatalf("%s: no result from jinja2_ref.py", name)
		}
		if r.Out == nil {
			return "ERROR: " + r.Error, false
		}
		return *r.Out, true
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sls")
		want, _ := result(name)
		if got := brine[name]; got != want {
			t.Errorf("%s: brine and Jinja2 differ\n%s", f, lineDiff(got, want))
		}
	}
	for _, c := range failing {
		if want, ok := result(c.name); ok {
			t.Errorf("%s: Jinja2 renders %q without an error, so it does not belong in conformance_errors.txt:\n\t%s", c.name, want, c.src)
		}
		if got := brine[c.name]; !strings.HasPrefix(got, "ERROR: ") {
			t.Errorf("%s: brine renders %q where Jinja2 fails:\n\t%s", c.name, got, c.src)
		}
	}
	for _, c := range differs {
		want, _ := result(c.name)
		if got := brine[c.name]; got == want {
			t.Errorf("%s: brine now renders this as Jinja2 does (%q): move it to a conformance file and drop it from docs/jinja.md:\n\t%s", c.name, got, c.src)
		} else {
			t.Logf("%s (known difference: %s)\n\t%s\n\tbrine:  %q\n\tJinja2: %q", c.name, c.why, c.src, got, want)
		}
	}
}

// lineDiff shows the lines of got and want that differ, numbered, so that
// a failure in a 40-line case points at the construct.
func lineDiff(got, want string) string {
	g, w := strings.SplitAfter(got, "\n"), strings.SplitAfter(want, "\n")
	var b strings.Builder
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n\tbrine:  " + quoteLine(gl) + "\n\tJinja2: " + quoteLine(wl) + "\n")
		}
	}
	return b.String()
}

func quoteLine(s string) string { return strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s) }
