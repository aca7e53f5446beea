// Package pyref runs the real Python from tests, so that brine's copies of
// Python semantics (Jinja2, fnmatch, re, repr) are checked against Python
// itself on every `go test` rather than against values someone once
// copied by hand.
//
// A reference that cannot run is a test failure, with the command that
// installs it, never a silent skip: CI installs python3 and
// python3-jinja2 (.ci/run), and a skipped comparison would let brine and
// Python drift apart unseen. A developer without Python may set
// BRINE_NO_PYTHON=1 to skip these tests knowingly; CI never sets it.
package pyref

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// SkipEnv names the variable that lets a developer skip the comparisons.
const SkipEnv = "BRINE_NO_PYTHON"

// Install is the command that provides what the references need.
const Install = "apt-get install python3 python3-jinja2"

// PythonEnv names the variable that chooses the interpreter, for a
// machine whose first python3 on PATH is not the one with Jinja2.
const PythonEnv = "BRINE_PYTHON"

// python finds the interpreter: $BRINE_PYTHON, else python3 on PATH.
func python() (string, error) {
	if p := os.Getenv(PythonEnv); p != "" {
		return exec.LookPath(p)
	}
	return exec.LookPath("python3")
}

// Run runs python3 with script and args, writes in to its stdin as JSON
// and decodes its stdout, JSON too, into out. Everything a reference
// checks is sent in one call, so that Python starts once per test.
//
// It fails the test when Python or a module the script imports is
// missing, unless SkipEnv is set, in which case it skips it.
func Run(t testing.TB, script string, args []string, in, out any) {
	t.Helper()
	py, err := python()
	if err != nil {
		missing(t, fmt.Sprintf("no Python interpreter (%v)", err))
		return
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("pyref: encoding the cases: %v", err)
	}
	cmd := exec.Command(py, append([]string{script}, args...)...)
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(msg, "ModuleNotFoundError") {
			missing(t, py+": "+lastLine(msg))
			return
		}
		t.Fatalf("pyref: %s %s: %v\n%s", py, script, err, msg)
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("pyref: %s printed something that is not the expected JSON: %v\n%.2000s", script, err, stdout.String())
	}
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(SkipEnv) != "" {
		t.Skipf("%s; %s is set, so the comparison with Python is skipped", why, SkipEnv)
	}
	t.Fatalf("%s: this test compares brine with the real Python and cannot run without it.\n"+
		"Install it with `%s` (.ci/run does), point %s at an interpreter that has it,\n"+
		"or set %s=1 to skip the comparison on a developer machine.",
		why, Install, PythonEnv, SkipEnv)
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Describe is what the test logs about the reference, so that a failure
// says which Python it was compared with.
func Describe() string {
	py, err := python()
	if err != nil {
		return "no python3"
	}
	v, err := exec.Command(py, "--version").Output()
	if err != nil {
		return py
	}
	return fmt.Sprintf("%s (%s)", py, strings.TrimSpace(string(v)))
}
