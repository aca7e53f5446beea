package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/version"
)

func runOut(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &streams{in: strings.NewReader(""), out: &out, err: &errb})
	return out.String(), code
}

// completions runs `brine __complete ARGS…` in-process and returns the
// words offered (the directive line left out).
func completions(t *testing.T, args ...string) []string {
	t.Helper()
	out, code := runOut(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("brine __complete %q: exit %d\n%s", args, code, out)
	}
	var words []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") && !strings.HasPrefix(l, "Completion ended") {
			words = append(words, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return words
}

func TestVersionFlag(t *testing.T) {
	out, code := runOut(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "brine "+version.Version+" (go") {
		t.Errorf("brine --version = %d, %q; want brine %s (go…)", code, out, version.Version)
	}
}

// TestCompleteFunctions: the second word of `brine TARGET FUNCTION` is a
// function of the registry.
func TestCompleteFunctions(t *testing.T) {
	got := completions(t, "-c", t.TempDir(), "web1", "test.")
	for _, want := range []string{"test.ping", "test.versions_report"} {
		if !contains(got, want) {
			t.Errorf("completions of test. = %q; want %s among them", got, want)
		}
	}
	for _, w := range got {
		if !strings.HasPrefix(w, "test.") {
			t.Errorf("completion %q does not start with test.", w)
		}
	}
}

// TestCompleteNoMaster: with no master to ask, ids, keys and jids complete
// to nothing, quickly and without an error.
func TestCompleteNoMaster(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "master.yaml"), []byte("port: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-c", dir, ""},
		{"key", "accept", "-c", dir, ""},
		{"jobs", "lookup", "-c", dir, ""},
	} {
		if got := completions(t, args...); len(got) != 0 {
			t.Errorf("completions of %q = %q; want none", args, got)
		}
	}
}

func TestCompleteSLS(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"top.sls", "web.sls", "db/init.sls", "db/replica.sls", "notes.txt"} {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	cfg := "file_roots:\n  base:\n    - " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "master.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	got := completions(t, "-c", dir, "web1", "state.apply", "")
	if want := []string{"db", "db.replica", "web"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SLS completions = %q; want %q", got, want)
	}
}

// fakeMaster answers completion's questions.
type fakeMaster struct{ *fakeKeys }

func (fakeMaster) Jobs(context.Context) ([]proto.JobSummary, error) {
	return []proto.JobSummary{{JID: "20261206033600000001", Fun: "test.ping"}, {JID: "20261206033600000002", Fun: "state.apply"}}, nil
}

func TestCompleteFromMaster(t *testing.T) {
	old := dialComplete
	t.Cleanup(func() { dialComplete = old })
	dialComplete = func(*connFlags) (completer, error) { return fakeMaster{registry()}, nil }
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{""}, []string{"call", "completion", "cp", "drift", "event", "events", "help", "jobs", "key", "leaf", "master", "minion", "run", "ssh", "trust", "db2", "web3"}}, // commands, then accepted minions
		{[]string{"w"}, []string{"web3"}},                                // by prefix
		{[]string{"key", "accept", ""}, []string{"db1", "web1", "web2"}}, // pending and rejected
		{[]string{"key", "accept", "web1", ""}, []string{"db1", "web2"}}, // not twice
		{[]string{"key", "reject", ""}, []string{"db1", "db2", "web1", "web3"}},
		{[]string{"key", "delete", "d"}, []string{"db1", "db2"}},
		{[]string{"jobs", "lookup", ""}, []string{"20261206033600000001", "20261206033600000002"}},
		{[]string{"jobs", "kill", "20261206033600000002", ""}, nil},
	} {
		if got := completions(t, tc.args...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("completions of %q = %q; want %q", tc.args, got, tc.want)
		}
	}
}
