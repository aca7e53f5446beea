// Package examples tests the state trees under examples/ end to end: each
// one is applied with the brine binary, first with test=True, then for
// real, then once more, and the files it wrote are read back.
//
// Trees that only touch files run here with --root on a temporary folder.
// Trees that install packages or run services need a booted Debian root;
// those tests carry the systest build tag (see debian_test.go), and the
// master-to-minions run of first-taste the e2e tag.
package examples

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// binEnv names a prebuilt brine to test instead of building one.
const binEnv = "BRINE_EXAMPLES_BIN"

// brineBin is the binary every test runs, built once in TestMain.
var brineBin string

// moduleRoot is the folder of go.mod, where examples/ and docs/ live.
var moduleRoot string

func TestMain(m *testing.M) {
	code, err := setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "test/examples:", err)
		os.Exit(1)
	}
	if code >= 0 {
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// setup builds brine into a temporary folder. It returns -1 to go on.
func setup() (int, error) {
	mod, err := testbed.ModuleRoot()
	if err != nil {
		return 1, err
	}
	moduleRoot = mod
	if p := os.Getenv(binEnv); p != "" {
		brineBin = p
		return -1, nil
	}
	dir, err := os.MkdirTemp("", "brine-examples-bin-")
	if err != nil {
		return 1, err
	}
	brineBin = filepath.Join(dir, "brine")
	cmd := exec.Command("go", "build", "-o", brineBin, "./cmd/brine")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("go build ./cmd/brine: %v\n%s", err, out)
	}
	return -1, nil
}

// result is one run of the binary.
type result struct {
	argv           []string
	stdout, stderr []byte
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("brine %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.argv, " "), r.code, r.stdout, r.stderr)
}

// brine runs the binary with args in dir (the module root when empty).
func brine(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(brineBin, args...)
	if dir == "" {
		dir = moduleRoot
	}
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{argv: args, stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("brine %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// example is one tree under examples/, applied with brine call --local.
type example struct {
	name       string   // the folder under examples/
	root       string   // --root, or "" for the host itself
	id         string   // --id
	grainsFile string   // --grains-file, or ""
	pillarRoot string   // --pillar-root instead of the example's own
	extra      []string // more flags, before the function
}

func (e example) dir() string { return filepath.Join(moduleRoot, "examples", e.name) }

func (e example) args(fun string, fargs ...string) []string {
	pillar := e.pillarRoot
	if pillar == "" {
		pillar = filepath.Join(e.dir(), "pillar")
	}
	a := []string{"call", "--local",
		"--file-root", filepath.Join(e.dir(), "states"),
		"--pillar-root", pillar,
		"--out", "json"}
	if e.id != "" {
		a = append(a, "--id", e.id)
	}
	if e.root != "" {
		a = append(a, "--root", e.root)
	}
	if e.grainsFile != "" {
		a = append(a, "--grains-file", e.grainsFile)
	}
	a = append(a, e.extra...)
	return append(append(a, fun), fargs...)
}

// call runs a function of the tree and returns the raw run.
func (e example) call(t *testing.T, fun string, fargs ...string) result {
	t.Helper()
	return brine(t, "", e.args(fun, fargs...)...)
}

// apply runs a state function (state.apply SLS, state.highstate …) and
// parses its results; the exit status must be 0.
func (e example) apply(t *testing.T, fun string, fargs []string, test bool) []testbed.StateResult {
	t.Helper()
	if test {
		fargs = append(append([]string{}, fargs...), "test=True")
	}
	r := e.call(t, fun, fargs...)
	if r.code != 0 {
		t.Fatalf("%v", r)
	}
	res, err := testbed.ParseStateJSON(r.stdout)
	if err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	if len(res) == 0 {
		t.Fatalf("no state results\n%v", r)
	}
	return res
}

// runner applies the tree once, in test mode or for real.
type runner func(t *testing.T, test bool) []testbed.StateResult

// checked runs a tree three times: test=True, for real, and for real
// again. The dry run must predict exactly the changes the real run then
// makes (result None where something changes, True where nothing does),
// every real result must be True, the real run must change something, and
// the rerun must change nothing. It returns the real run's results.
//
// unknowable names state keys whose dry run cannot know what the real run
// will do, because an earlier state of the same run changes what they look
// at (a service whose package this run installs). Those must still say
// None in the dry run and succeed for real; their changes are not
// compared.
func checked(t *testing.T, run runner, unknowable ...string) []testbed.StateResult {
	t.Helper()
	dry := run(t, true)
	real := run(t, false)
	if len(dry) != len(real) {
		t.Fatalf("test run has %d results, the real run %d", len(dry), len(real))
	}
	changed := 0
	for i := range real {
		d, r := dry[i], real[i]
		if d.Key != r.Key {
			t.Errorf("result %d: test run %s, real run %s", i, d.Key, r.Key)
			continue
		}
		if r.Result == nil || !*r.Result {
			t.Errorf("%s: real run %s: %s", r.Key, show(r.Result), r.Comment)
		}
		if len(r.Changes) > 0 {
			changed++
			if d.Result != nil {
				t.Errorf("%s: test run %s, want None (the real run changed %v): %s", d.Key, show(d.Result), r.Changes, d.Comment)
			}
		} else if d.Result == nil || !*d.Result {
			t.Errorf("%s: test run %s, want True (the real run changed nothing): %s", d.Key, show(d.Result), d.Comment)
		}
		if slices.Contains(unknowable, r.Key) {
			if d.Result != nil {
				t.Errorf("%s: test run %s, want None: %s", d.Key, show(d.Result), d.Comment)
			}
			continue
		}
		if !reflect.DeepEqual(norm(d.Changes), norm(r.Changes)) {
			t.Errorf("%s: test run predicted changes\n%v\nthe real run made\n%v", r.Key, d.Changes, r.Changes)
		}
	}
	if changed == 0 {
		t.Errorf("the first real run changed nothing: the test does not test")
	}
	again := run(t, false)
	for _, r := range again {
		if r.Result == nil || !*r.Result || len(r.Changes) > 0 {
			t.Errorf("rerun %s = %s %v %q; want True with no changes", r.Key, show(r.Result), r.Changes, r.Comment)
		}
	}
	return real
}

func show(b *bool) string {
	switch {
	case b == nil:
		return "None"
	case *b:
		return "True"
	}
	return "False"
}

// norm makes empty and missing change maps compare equal.
func norm(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// ids returns the state IDs of a run, in run order.
func ids(res []testbed.StateResult) []string {
	var out []string
	for _, r := range res {
		out = append(out, r.ID)
	}
	return out
}

// byID finds the result of one state ID.
func byID(t *testing.T, res []testbed.StateResult, id string) testbed.StateResult {
	t.Helper()
	for _, r := range res {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no result for ID %q in %v", id, ids(res))
	return testbed.StateResult{}
}

// writeFiles writes files under root; keys are absolute paths in root.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	if err := testbed.WriteFiles(root, files); err != nil {
		t.Fatal(err)
	}
}

// readFile reads a file under root.
func readFile(t *testing.T, root, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantFile compares a file under root with its expected content.
func wantFile(t *testing.T, root, path, want string) {
	t.Helper()
	if got := readFile(t, root, path); got != want {
		t.Errorf("%s:\n%s\nwant:\n%s", path, got, want)
	}
}

// wantMode checks a file's permission bits.
func wantMode(t *testing.T, root, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

// grainsFile writes a grains YAML file and returns its path.
func grainsFile(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "grains.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFor polls fn until it succeeds or the time is up.
func waitFor(t *testing.T, total time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
