package e2e

import (
	"github.com/brine-cm/brine/test/harness"

	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gatedTree is a state that runs until the test creates DIR/gate, and
// says where it is: DIR/pid holds its shell's pid, DIR/started appears
// when it starts and DIR/finished when it ends on its own.
const gatedTree = `
-- gated.sls --
gated:
  cmd.run:
    - name: 'echo $$ > %[1]s/pid; touch %[1]s/started; while [ ! -e %[1]s/gate ]; do sleep 0.05; done; touch %[1]s/finished; echo drained'
`

// stopEnv is an env with m1 accepted and the gated state in its tree.
func stopEnv(t *testing.T, minionExtra string) (*env, *proc, string) {
	t.Helper()
	e := newEnv(t, "")
	work := filepath.Join(e.Dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	harness.WriteTree(t, filepath.Join(e.Dir, "srv"), fmt.Sprintf(gatedTree, work))
	m := e.AddMinion("m1", "role: web", minionExtra)
	e.AcceptAll("m1")
	// Whatever a test leaves waiting ends with it.
	t.Cleanup(func() { _ = os.WriteFile(filepath.Join(work, "gate"), nil, 0o644) })
	return e, m, work
}

// async publishes a job and returns its jid.
func async(e *env, args ...string) string {
	e.T.Helper()
	out, errOut, code := e.Brine(append(args, "--async")...)
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID: "))
	if code != 0 || len(jid) != 20 {
		e.T.Fatalf("brine %v --async: exit %d\n%s%s", args, code, out, errOut)
	}
	return jid
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// waitFile waits for a file the job writes.
func waitFile(t *testing.T, p string) {
	t.Helper()
	harness.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !exists(p) {
			return fmt.Errorf("no %s yet", p)
		}
		return nil
	})
}

func readPid(t *testing.T, p string) int {
	t.Helper()
	b, _ := os.ReadFile(p)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %q: %v", p, b, err)
	}
	return pid
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && !strings.Contains(string(st), ") Z ")
}

// SIGTERM mid-job: the minion takes no new job, lets the running one
// finish, its return lands in the job cache, and it exits 0.
func TestSIGTERMDrainsRunningJob(t *testing.T) {
	e, m, work := stopEnv(t, "")
	jid := async(e, "m1", "state.sls", "gated")
	waitFile(t, filepath.Join(work, "started"))

	m.Signal(syscall.SIGTERM)
	m.WaitLog("stopping: waiting for running jobs", 1, 10*time.Second)
	// A job sent now is not started: the master knows the minion is
	// going away, and the minion would refuse it anyway.
	late := filepath.Join(work, "late")
	out, _, code := e.Brine("m1", "cmd.run", "touch "+late, "-t", "2")
	if code == 0 || !strings.Contains(out, "Minion did not return. [Not connected]") {
		t.Errorf("a job for a stopping minion: exit %d; want it reported not connected\n%s", code, out)
	}
	if !alive(m.Pid()) {
		t.Fatalf("the minion exited with a job running:\n%s", harness.Tail(m.LogText(), 3000))
	}

	if err := os.WriteFile(filepath.Join(work, "gate"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := m.Exit(60 * time.Second); code != 0 {
		t.Errorf("the minion exited %d after draining; want 0", code)
	}
	out, errOut, code := e.Brine("jobs", "lookup", jid, "--out", "json")
	if code != 0 || !strings.Contains(out, "drained") {
		t.Errorf("lookup of the drained job: exit %d; want its return with its output\n%s%s", code, out, errOut)
	}
	if exists(late) {
		t.Error("a job sent after SIGTERM ran")
	}
	if log := m.LogText(); !strings.Contains(log, "running jobs finished and returned") {
		t.Errorf("the minion's log does not say the drain ended well:\n%s", harness.Tail(log, 3000))
	}
}

// At drain_timeout the minion exits and leaves the job's processes to
// finish; the next start reports the job interrupted.
func TestDrainTimeoutLeavesJobThenInterrupted(t *testing.T) {
	e, m, work := stopEnv(t, "drain_timeout: 1s\n")
	jid := async(e, "m1", "state.sls", "gated")
	waitFile(t, filepath.Join(work, "started"))
	pid := readPid(t, filepath.Join(work, "pid"))

	m.Signal(syscall.SIGTERM)
	if code := m.Exit(60 * time.Second); code != 0 {
		t.Errorf("the minion exited %d at drain_timeout; want 0", code)
	}
	if !alive(pid) {
		t.Fatalf("the job's shell (pid %d) died with the minion; want it left running", pid)
	}
	if log := m.LogText(); !strings.Contains(log, "stopping with jobs still running") || !strings.Contains(log, jid) {
		t.Errorf("the minion's log does not name the job it left running:\n%s", harness.Tail(log, 3000))
	}

	// The job's command goes on to its end.
	if err := os.WriteFile(filepath.Join(work, "gate"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(work, "finished"))

	m.Start()
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		out, _, _ := e.Brine("jobs", "lookup", jid)
		if !strings.Contains(out, "interrupted: the minion stopped while running this job") {
			return fmt.Errorf("lookup after the restart:\n%s", out)
		}
		return nil
	})
}

// sleeps lists the processes whose command line is exactly `sleep N`.
func sleeps(n string) []int {
	want := []byte("sleep\x00" + n + "\x00")
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && bytes.Equal(b, want) {
			out = append(out, pid)
		}
	}
	return out
}

// parent is pid's parent pid, or 0.
func parent(pid int) int {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(st)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

func descends(pid, ancestor int) bool {
	for p := parent(pid); p > 1; p = parent(p) {
		if p == ancestor {
			return true
		}
	}
	return false
}

// brine jobs kill ends the job's whole process tree: a shell and the
// commands it started in the background and in the foreground, from a
// state's cmd.run and from the cmd.run function alike.
func TestJobsKillEndsProcessTree(t *testing.T) {
	e, m, _ := stopEnv(t, "")
	// Durations no other process on this machine sleeps: they mark
	// this test's processes.
	base := 300000 + rand.IntN(600000)
	marks := make([]string, 4)
	for i := range marks {
		marks[i] = strconv.Itoa(base + i)
	}
	harness.WriteTree(t, filepath.Join(e.Dir, "srv"), fmt.Sprintf(`
-- tree.sls --
tree:
  cmd.run:
    - name: 'sleep %s & sleep %s; wait'
`, marks[0], marks[1]))
	stateJID := async(e, "m1", "state.sls", "tree")
	funJID := async(e, "m1", "cmd.run", fmt.Sprintf("sleep %s & sleep %s; wait", marks[2], marks[3]))

	minion := m.Pid()
	harness.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		for _, n := range marks {
			ps := sleeps(n)
			if len(ps) != 1 {
				return fmt.Errorf("sleep %s: processes %v; want one", n, ps)
			}
			if !descends(ps[0], minion) {
				return fmt.Errorf("sleep %s (pid %d) does not descend from the minion (pid %d)", n, ps[0], minion)
			}
		}
		return nil
	})
	for _, jid := range []string{stateJID, funJID} {
		out, errOut, code := e.Brine("jobs", "kill", jid)
		if code != 0 || !strings.Contains(out, "m1") {
			t.Fatalf("jobs kill %s: exit %d\n%s%s", jid, code, out, errOut)
		}
	}
	harness.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		for _, n := range marks {
			if ps := sleeps(n); len(ps) != 0 {
				return fmt.Errorf("sleep %s still runs after the kill: %v", n, ps)
			}
		}
		return nil
	})
	for _, jid := range []string{stateJID, funJID} {
		harness.CheckFor(t, 15*time.Second, 100*time.Millisecond, func() error {
			out, _, _ := e.Brine("jobs", "lookup", jid, "--out", "json")
			if !strings.Contains(out, "killed") {
				return fmt.Errorf("lookup %s: no killed return\n%s", jid, out)
			}
			return nil
		})
	}
}
