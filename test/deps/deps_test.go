// Package deps enforces the import rules of the design (shared
// DESIGN.md, "Rules of the house"), direct and transitive, in the manner
// of the Go tree's go/build/deps_test.go: a rule broken by a new import
// fails here, naming the path of imports that breaks it.
package deps

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const mod = "github.com/brine-cm/brine/"

// rules: packages matching a pattern may not depend, directly or through
// any other package, on packages matching any of the forbidden patterns.
// A pattern ending in "/..." matches the package and those under it.
var rules = []struct {
	pkgs   string
	forbid []string
	why    string
}{
	{"states/...", []string{"master/...", "minion/...", "github.com/nats-io/...", "pkg/client/...", "pkg/proto/..."},
		"a state module sees a request and returns a result: no network"},
	{"pkg/sls/...", []string{"master/...", "minion/...", "github.com/nats-io/...", "pkg/proto/...", "pkg/client/...", "states/..."},
		"render and compile know nothing of the network, nor of the state modules"},
	{"pkg/top/...", []string{"master/...", "minion/...", "github.com/nats-io/...", "pkg/proto/...", "states/..."},
		"targeting knows nothing of the network"},
	{"pkg/engine/...", []string{"master/...", "minion/...", "github.com/nats-io/...", "pkg/proto/...", "pkg/client/..."},
		"the engine runs low chunks, the same with or without a master"},
	{"pkg/pillar/...", []string{"states/...", "pkg/engine/...", "github.com/nats-io/..."},
		"pillar is rendered, never applied"},
	{"master/...", []string{"minion/...", "states/...", "pkg/engine/...", "pkg/exec/..."},
		"the master never applies states"},
	{"minion/...", []string{"master/..."}, "a minion knows its master only by the wire"},
	{"pkg/proto/...", []string{mod + "..."}, "the wire is a leaf: every side may import it"},
	{"pkg/tree/...", []string{mod + "..."}, "shared vocabulary, a leaf"},
	{"pkg/odict/...", []string{mod + "..."}, "ordered data, a leaf: master, minion and renderer all carry it"},
	{"pkg/rootfs/...", []string{mod + "..."}, "the --root helper is a leaf"},
	{"pkg/statelock/...", []string{mod + "..."}, "a leaf"},
	{"pkg/metrics/...", []string{mod + "...", "github.com/nats-io/..."}, "metrics declarations and their HTTP and textfile output: a leaf"},
	{"pkg/orch/...", []string{"master/...", "minion/...", "pkg/exec/..."},
		"orchestration publishes jobs through the operator's client and applies nothing where it runs"},
	{"pkg/reactor/...", []string{"master/...", "minion/...", "pkg/exec/..."},
		"the reactor runs in the master's process but reaches the master through the operator's client, as orchestration does"},
	{"pkg/events/...", []string{"github.com/nats-io/nats.go/...", "github.com/nats-io/nats-server/...", "master/...", "minion/...", "pkg/client/...", "states/...", "pkg/engine/..."},
		"the event hub fans events out in process: the master and the HTTP API use it"},
	{"pkg/output/...", []string{"github.com/nats-io/...", "master/...", "minion/..."}, "printers print values"},
	{"pkg/sshrun/...", []string{"master/...", "minion/...", "pkg/client/...", "github.com/nats-io/nats.go/...", "github.com/nats-io/nats-server/..."},
		"brine ssh speaks SSH alone; --bootstrap reaches the master through an interface the command wires"},
	{"master/api/...", []string{"github.com/nats-io/nats-server/...", "github.com/nats-io/nats.go/jetstream", "minion/...", "states/...", "pkg/engine/..."},
		"the HTTP API reaches the master as the command does, through pkg/client: no rights of its own"},
	{"pkg/py/...", []string{mod + "..."}, "Python's semantics, one leaf each"},
	{"pkg/pyfmt/...", []string{mod + "..."}, "Python's repr and str of plain values, a leaf"},
	{"pkg/cliargs/...", []string{mod + "..."}, "argument words, a leaf that reads values as Salt's YAML loader does"},
	{"cmd/brine", []string{"github.com/spf13/cobra/doc", "github.com/russross/blackfriday/..."},
		"the shipped binary builds no man pages (-tags genman does): their Markdown engine's tables, built at init, were 200 kB of every minion's idle memory"},
}

// allowed names, for a rule's packages, forbidden packages that it still
// lets through: the leaves of Python semantics for another leaf.
var allowed = map[string][]string{
	"pkg/cliargs/...": {mod + "pkg/py/...", mod + "pkg/pyfmt"},
	// PyYAML's representer spells floats as Python's repr does.
	"pkg/py/...": {mod + "pkg/pyfmt"},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Standard   bool
}

func list(t *testing.T) map[string]*pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	all := map[string]*pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		all[p.ImportPath] = &p
	}
	return all
}

func match(pattern, path string) bool {
	if !strings.HasPrefix(pattern, "github.com/") && pattern != mod+"..." {
		pattern = mod + pattern
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// chain finds a path of imports from p to dep, for the message.
func chain(all map[string]*pkg, from, to string) string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if cur == to {
			var path []string
			for c := cur; c != ""; c = prev[c] {
				path = append([]string{strings.TrimPrefix(c, mod)}, path...)
			}
			return strings.Join(path, " → ")
		}
		p := all[cur]
		if p == nil {
			continue
		}
		for _, imp := range p.Imports {
			if _, seen := prev[imp]; !seen {
				prev[imp] = cur
				queue = append(queue, imp)
			}
		}
	}
	return to
}

func TestImportRules(t *testing.T) {
	all := list(t)
	checked := 0
	for _, r := range rules {
		for path, p := range all {
			if !match(r.pkgs, path) || strings.HasSuffix(path, ".test") {
				continue
			}
			checked++
			for _, d := range p.Deps {
				for _, f := range r.forbid {
					if match(f, d) && !match(r.pkgs, d) && !matchAny(allowed[r.pkgs], d) {
						t.Errorf("%s may not depend on %s (%s): %s", strings.TrimPrefix(path, mod), strings.TrimPrefix(d, mod), r.why, chain(all, path, d))
					}
				}
			}
		}
	}
	if checked < len(rules) {
		t.Fatalf("checked %d packages for %d rules: a rule matches no package", checked, len(rules))
	}
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if match(p, path) {
			return true
		}
	}
	return false
}
