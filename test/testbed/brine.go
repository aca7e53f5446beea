package testbed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// BinPath is where InstallBrine puts the binary inside a root.
const BinPath = "/usr/local/bin/brine"

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// ModuleRoot returns the folder of brine's go.mod, found upwards from the
// working directory (a test runs in its package folder).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/brine-cm/brine")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("testbed: no brine go.mod above the working directory")
		}
		dir = parent
	}
}

// BinEnv names an environment variable that, when set, is the path of a
// prebuilt static brine to test instead of building one (a release
// binary, or one built with other flags).
const BinEnv = "BRINE_SYSTEST_BIN"

// BuildBrine builds a static brine binary once per test binary and
// returns its host path (in a temp folder; it is small).
func BuildBrine(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv(BinEnv); p != "" {
			if _, err := os.Stat(p); err != nil {
				buildErr = fmt.Errorf("testbed: %s: %w", BinEnv, err)
			}
			buildBin = p
			return
		}
		mod, err := ModuleRoot()
		if err != nil {
			buildErr = err
			return
		}
		reapBinDirs()
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("brine-systest-bin-%d", os.Getpid()))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			buildErr = err
			return
		}
		bin := filepath.Join(dir, "brine")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/brine")
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("testbed: go build ./cmd/brine: %v\n%s", err, out)
			return
		}
		buildBin = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// reapBinDirs removes the binaries of earlier test processes that have
// ended: a test binary has no hook at exit to remove its own.
func reapBinDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "brine-systest-bin-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "brine-systest-bin-"))
		if err != nil {
			continue // not ours to judge
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			os.RemoveAll(d)
		}
	}
}

// InstallBrine builds brine (once) and copies it into root at BinPath.
func InstallBrine(t testing.TB, root string) {
	t.Helper()
	if err := CopyFile(BuildBrine(t), root, BinPath, 0o755); err != nil {
		t.Fatalf("testbed: install brine in %s: %v", root, err)
	}
}

// StateResult is one state's result in Salt's JSON output.
type StateResult struct {
	Key     string         `json:"-"`
	ID      string         `json:"__id__"`
	Name    string         `json:"name"`
	Result  *bool          `json:"result"` // nil is Salt's None
	Comment string         `json:"comment"`
	Changes map[string]any `json:"changes"`
	RunNum  int            `json:"__run_num__"`
}

// ParseStateJSON reads `--out json` of a state run: either
// {minion: {key: result}} or {key: result}. Results come back in run
// order.
func ParseStateJSON(b []byte) ([]StateResult, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("state json: %w\n%s", err, b)
	}
	// Unwrap the minion level when the values are not results themselves.
	if len(top) == 1 {
		for _, v := range top {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil {
				if _, isResult := inner["result"]; !isResult {
					top = inner
				}
			}
		}
	}
	var out []StateResult
	for k, v := range top {
		var r StateResult
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("state json: result %s: %w\n%s", k, err, v)
		}
		r.Key = k
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RunNum < out[j].RunNum })
	return out, nil
}
