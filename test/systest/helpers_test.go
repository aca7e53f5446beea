//go:build systest

package systest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// applier runs `brine call --local … state.apply SLS [test=True]`
// somewhere and returns its parsed JSON.
type applier func(t *testing.T, sls string, test bool) []testbed.StateResult

// inContainer runs brine inside a booted container, on a state tree
// written to /srv/salt there.
func inContainer(c *testbed.Container, tree map[string]string) applier {
	return func(t *testing.T, sls string, test bool) []testbed.StateResult {
		t.Helper()
		files := map[string]string{}
		for p, s := range tree {
			files[filepath.Join("/srv/salt", p)] = s
		}
		if err := c.WriteFiles(files); err != nil {
			t.Fatal(err)
		}
		argv := []string{testbed.BinPath, "call", "--local", "--file-root", "/srv/salt", "--id", "testbed", "--out", "json", "state.apply", sls}
		if test {
			argv = append(argv, "test=True")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		out, err := c.Exec(ctx, argv...)
		return parseRun(t, argv, out, err, time.Since(start))
	}
}

// onFolder runs the host's brine with --root on a folder that is not
// booted: what an admin does to an image under construction. With root
// "" it runs on the host itself, for what a container cannot do (swap is
// the kernel's, and nspawn forbids swapon).
func onFolder(root string, tree map[string]string) applier {
	return func(t *testing.T, sls string, test bool) []testbed.StateResult {
		t.Helper()
		fileRoot := filepath.Join(t.TempDir(), "salt")
		for p, s := range tree {
			if err := testbed.WriteFiles(fileRoot, map[string]string{"/" + p: s}); err != nil {
				t.Fatal(err)
			}
		}
		bin := testbed.BuildBrine(t)
		argv := []string{bin, "call", "--local", "--file-root", fileRoot, "--id", "image", "--out", "json", "state.apply", sls}
		if root != "" {
			argv = append(argv[:len(argv)-2], "--root", root, "state.apply", sls)
		}
		if test {
			argv = append(argv, "test=True")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		err := cmd.Run()
		if err != nil {
			err = &testbed.ExecError{Argv: argv, Err: err, Stderr: stderr.String()}
		}
		return parseRun(t, argv, stdout.Bytes(), err, time.Since(start))
	}
}

func parseRun(t *testing.T, argv []string, out []byte, err error, took time.Duration) []testbed.StateResult {
	t.Helper()
	res, perr := testbed.ParseStateJSON(out)
	if perr != nil {
		t.Fatalf("%s: %v\n(exit: %v)", strings.Join(argv, " "), perr, err)
	}
	if len(res) == 0 {
		t.Fatalf("%s: no state results\nstdout: %s\n(exit: %v)", strings.Join(argv, " "), out, err)
	}
	t.Logf("%s: %d states in %v", strings.Join(argv[1:], " "), len(res), took.Round(time.Millisecond))
	return res
}

// applyChecked runs sls three times: test=True, for real, and for real
// again. The dry run must report None (or True when nothing is to do)
// with exactly the changes the real run then reports, the real run must
// succeed, and the rerun must change nothing. It returns the real run.
func applyChecked(t *testing.T, apply applier, sls string) []testbed.StateResult {
	t.Helper()
	dry := apply(t, sls, true)
	real := apply(t, sls, false)
	if len(dry) != len(real) {
		t.Fatalf("test run has %d results, real run %d", len(dry), len(real))
	}
	for i := range real {
		d, r := dry[i], real[i]
		if r.Result == nil || !*r.Result {
			t.Errorf("%s: real run result %v: %s", r.Key, show(r.Result), r.Comment)
		}
		wantDry := len(r.Changes) > 0
		if wantDry && d.Result != nil {
			t.Errorf("%s: test run result %v, want None: %s", d.Key, show(d.Result), d.Comment)
		}
		if !reflect.DeepEqual(norm(d.Changes), norm(r.Changes)) {
			t.Errorf("%s: test run predicted changes %v; the real run made %v", r.Key, d.Changes, r.Changes)
		}
		if len(r.Changes) == 0 {
			t.Errorf("%s: the first real run changed nothing (%s); the test is not testing", r.Key, r.Comment)
		}
	}
	again := apply(t, sls, false)
	for _, r := range again {
		if r.Result == nil || !*r.Result || len(r.Changes) > 0 {
			t.Errorf("%s: rerun = %v %v %s; want True with no changes", r.Key, show(r.Result), r.Changes, r.Comment)
		}
	}
	return real
}

func show(b *bool) string {
	if b == nil {
		return "None"
	}
	if *b {
		return "True"
	}
	return "False"
}

// norm makes empty and nil change maps compare equal.
func norm(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

// exec runs a command in the container and fails the test on error.
func run(t *testing.T, c *testbed.Container, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.Exec(ctx, argv...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return strings.TrimSpace(string(out))
}

// hostFingerprint records a host file's bytes (or its absence), to show
// that a test left the host alone.
func hostFingerprint(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "error: " + err.Error()
	}
	sum := sha256.Sum256(b)
	return string(sum[:])
}

// bootWithBrine boots a fresh overlay of a variant with brine in it.
func bootWithBrine(t *testing.T, v testbed.Variant) *testbed.Container {
	t.Helper()
	dir := testbed.NewOverlay(t, root(t, v))
	testbed.InstallBrine(t, dir)
	return testbed.Boot(t, dir)
}

// jsonString is what a value looks like after a JSON round trip.
func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
