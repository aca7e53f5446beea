package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `package states

func init() {
	Register("demo.present", demoPresent, Param{Name: "name"}, Param{Name: "size"})
	Register("demo.absent", demoAbsent)
	states.Register("other.thing", otherThing)
	RegisterWatch("demo", demoWatch)
	Register(name, notALiteral)
}

// Present makes sure a demo is present.
//
// Salt: has no demo state.
func demoPresent() {}

func demoAbsent() {}

// demoWatch restarts the demo when a watched state changed.
func demoWatch() {}

// Thing does a thing.
func otherThing() {}
`

func TestCollectAndRender(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "demo.go"), []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	// test files and the generated file are not read
	os.WriteFile(filepath.Join(dir, "demo_test.go"), []byte("package states\nfunc init() { Register(\"test.only\", x) }\n"), 0o644)
	states, watchers, err := Collect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range states {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "demo.absent demo.present other.thing" {
		t.Fatalf("states = %q", got)
	}
	if states[1].Func != "demoPresent" || states[1].Doc != "Present makes sure a demo is present.\n\nSalt: has no demo state.\n" {
		t.Errorf("demo.present = %+v", states[1])
	}
	if states[0].Doc != "" {
		t.Errorf("demo.absent doc = %q; want none", states[0].Doc)
	}
	if len(watchers) != 1 || watchers[0].Name != "demo" || watchers[0].Func != "demoWatch" {
		t.Fatalf("watchers = %+v", watchers)
	}
	full := append([]Entry(nil), states...)
	full[1].Doc = "Present makes sure a demo is present.\n\nArguments:\n  - name (string): the demo.\n\nSalt: has no demo state.\n"
	md := string(Markdown(full, watchers, "  - require (list): run after these.\n"))
	for _, want := range []string{
		"## demo\n",
		"calls its watch action: it restarts the demo when a watched state changed.\n",
		"### demo.present\n\nPresent makes sure a demo is present.\n\nArguments:\n\n  - name (string): the demo.\n",
		"## Arguments every state takes\n",
		"  - require (list): run after these.\n",
		"_Not documented yet (demoAbsent in demo.go)._",
		"## other\n",
		"[demo](#demo), [other](#other)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	src, err := GoSource(states)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), `"demo.present": "Present makes sure a demo is present.\n\nSalt: has no demo state.\n"`) ||
		!strings.HasPrefix(string(src), "// Code generated") {
		t.Errorf("go source:\n%s", src)
	}
}

func TestCollectParseError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.go"), []byte("package states\nfunc {"), 0o644)
	if _, _, err := Collect(dir); err == nil {
		t.Fatal("Collect on a broken file succeeded")
	}
}

// TestCollectRefusesArgumentsInComments: the arguments are declared in
// Register, and a second list in the comment would drift from it.
func TestCollectRefusesArgumentsInComments(t *testing.T) {
	dir := t.TempDir()
	src := "package states\nfunc init() { Register(\"a.b\", ab) }\n\n// B does b.\n//\n// Arguments:\n//   - name: x.\nfunc ab() {}\n"
	os.WriteFile(filepath.Join(dir, "a.go"), []byte(src), 0o644)
	if _, _, err := Collect(dir); err == nil || !strings.Contains(err.Error(), "declare them as Params") {
		t.Fatalf("Collect = %v; want an error about the Arguments list", err)
	}
}
