package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `package states

func init() {
	Register("demo.present", demoPresent)
	Register("demo.absent", demoAbsent)
	states.Register("other.thing", otherThing)
	RegisterWatch("demo", demoWatch)
	Register(name, notALiteral)
}

// Present makes sure a demo is present.
//
// Arguments:
//   - name: the demo.
//   - size: how big, such as 10.
//
// Salt: has no demo state.
func demoPresent() {}

func demoAbsent() {}

// demoWatch restarts the demo when a watched state changed.
func demoWatch() {}

// Thing does a thing.
//
// Arguments:
//   - name: the thing.
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
	if states[1].Func != "demoPresent" || !strings.Contains(states[1].Doc, "Arguments:\n  - name: the demo.\n") {
		t.Errorf("demo.present = %+v", states[1])
	}
	if states[0].Doc != "" {
		t.Errorf("demo.absent doc = %q; want none", states[0].Doc)
	}
	if len(watchers) != 1 || watchers[0].Name != "demo" || watchers[0].Func != "demoWatch" {
		t.Fatalf("watchers = %+v", watchers)
	}
	md := string(Markdown(states, watchers))
	for _, want := range []string{
		"## demo\n",
		"calls its watch action: it restarts the demo when a watched state changed.\n",
		"### demo.present\n\nPresent makes sure a demo is present.\n\nArguments:\n\n  - name: the demo.\n",
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
	if !strings.Contains(string(src), `"demo.present": "Present makes sure a demo is present.\n\nArguments:\n`) ||
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
