package testbed

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Container is a booted systemd-nspawn container on a root folder.
type Container struct {
	Root  string // the root folder on the host (an overlay)
	PID1  int    // the container's init, as the host sees it
	Init  string // "systemd" or "init" (sysvinit)
	nspwn *exec.Cmd
	done  chan error
	log   string
}

// Boot starts root under systemd-nspawn with the flags shared/TESTBED.md
// found necessary here, waits until it has booted, and powers it off in
// t.Cleanup. The root must be disposable (an overlay from NewOverlay).
func Boot(t testing.TB, root string) *Container {
	t.Helper()
	if err := RequireRoot(); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		t.Fatalf("testbed: systemd-nspawn not found (run test/systest/run.sh): %v", err)
	}
	logPath := filepath.Join(t.TempDir(), "nspawn.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("systemd-nspawn", "-q", "-D", root, "-b",
		"--register=no", "--keep-unit", "--private-network", "--console=passive")
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = logf, logf
	// setsid: the container must not share the test's session and
	// controlling terminal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("testbed: start systemd-nspawn: %v", err)
	}
	logf.Close()
	c := &Container{Root: root, nspwn: cmd, done: make(chan error, 1), log: logPath}
	go func() { c.done <- cmd.Wait() }()
	t.Cleanup(func() { c.poweroff(t) })

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := c.waitInit(ctx); err != nil {
		t.Fatalf("testbed: boot %s: %v\n%s", root, err, c.logTail())
	}
	if err := c.waitBooted(ctx); err != nil {
		t.Fatalf("testbed: boot %s: %v\n%s", root, err, c.logTail())
	}
	return c
}

func (c *Container) logTail() string {
	b, _ := os.ReadFile(c.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "nspawn log:\n" + string(b)
}

// waitInit finds the container's PID 1: the child of systemd-nspawn once
// it has exec'd systemd or init.
func (c *Container) waitInit(ctx context.Context) error {
	for {
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("systemd-nspawn exited: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("no init under systemd-nspawn pid %d: %w", c.nspwn.Process.Pid, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		for _, pid := range children(c.nspwn.Process.Pid) {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			switch name := strings.TrimSpace(string(comm)); name {
			case "systemd", "init":
				c.PID1, c.Init = pid, name
				return nil
			}
		}
	}
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	var out []int
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err == nil {
		for _, f := range strings.Fields(string(b)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so cut at ')'.
		s := string(st)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:])
			if len(f) > 1 && f[1] == strconv.Itoa(pid) {
				out = append(out, n)
			}
		}
	}
	return out
}

// waitBooted waits for systemd to report running or degraded, or for
// sysvinit to reach its default runlevel.
func (c *Container) waitBooted(ctx context.Context) error {
	if c.Init == "systemd" {
		for {
			// Right after exec, systemd has no bus socket yet and
			// systemctl fails at once; --wait works only after that.
			out, err := c.Exec(ctx, "systemctl", "is-system-running", "--wait")
			state := strings.TrimSpace(string(out))
			if state == "running" || state == "degraded" {
				return nil
			}
			// "offline" (no /run/systemd/system yet) and an empty answer
			// (no bus yet) come before systemd is up; wait on.
			if state != "" && state != "offline" && state != "initializing" && state != "starting" {
				return fmt.Errorf("systemctl is-system-running: %q: %v", state, err)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("systemctl is-system-running: %q: %v: %w", state, err, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	for {
		out, _ := c.Exec(ctx, "runlevel")
		f := strings.Fields(string(out))
		if len(f) == 2 && f[1] >= "1" && f[1] <= "5" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("sysvinit runlevel %q: %w", strings.TrimSpace(string(out)), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ExecError is a command in the container that failed.
type ExecError struct {
	Argv   []string
	Err    error
	Stderr string
}

func (e *ExecError) Error() string {
	return fmt.Sprintf("in container: %s: %v\nstderr:\n%s", strings.Join(e.Argv, " "), e.Err, e.Stderr)
}
func (e *ExecError) Unwrap() error { return e.Err }

// Exec runs argv inside the container (all its namespaces, via nsenter)
// and returns its stdout. A non-zero exit is an *ExecError carrying
// stderr; stdout is returned either way.
func (c *Container) Exec(ctx context.Context, argv ...string) ([]byte, error) {
	args := append([]string{"-t", strconv.Itoa(c.PID1), "-a", "--"}, argv...)
	cmd := exec.CommandContext(ctx, "nsenter", args...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/root", "TERM=dumb"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &ExecError{Argv: argv, Err: err, Stderr: stderr.String()}
	}
	return stdout.Bytes(), nil
}

// FS returns the container's root as its own mount namespace sees it
// (/proc/PID1/root), so that files land beneath the container's mounts,
// such as the tmpfs systemd puts on /tmp.
func (c *Container) FS() string { return fmt.Sprintf("/proc/%d/root", c.PID1) }

// CopyIn copies a host file into the container at an absolute path,
// keeping its mode.
func (c *Container) CopyIn(hostPath, containerPath string) error {
	fi, err := os.Stat(hostPath)
	if err != nil {
		return err
	}
	return CopyFile(hostPath, c.FS(), containerPath, fi.Mode().Perm())
}

// WriteFiles writes files in the container; keys are absolute paths.
func (c *Container) WriteFiles(files map[string]string) error {
	return WriteFiles(c.FS(), files)
}

// ReadFile reads a file in the container.
func (c *Container) ReadFile(path string) ([]byte, error) {
	return os.ReadFile(filepath.Join(c.FS(), path))
}

// sigRTMin is glibc's SIGRTMIN, which systemd's signal numbers count from.
const sigRTMin = 34

// poweroff shuts the container down cleanly, and kills it when that takes
// too long. Killing PID 1 of a pid namespace kills everything in it.
func (c *Container) poweroff(t testing.TB) {
	select {
	case err := <-c.done:
		c.done <- err
		return
	default:
	}
	ask := func() {
		switch {
		case c.PID1 > 0 && c.Init == "systemd":
			// SIGRTMIN+4 asks systemd to power off; unlike systemctl it
			// works before the bus is up.
			syscall.Kill(c.PID1, syscall.Signal(sigRTMin+4))
		case c.PID1 > 0:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c.Exec(ctx, "telinit", "0")
			cancel()
		default:
			c.nspwn.Process.Signal(syscall.SIGTERM)
		}
	}
	// An init that is still starting may not have its signal handlers
	// yet: ask again every few seconds.
	deadline := time.After(30 * time.Second)
	for {
		ask()
		select {
		case <-c.done:
			return
		case <-time.After(3 * time.Second):
			continue
		case <-deadline:
		}
		break
	}
	t.Logf("testbed: container %s did not power off in 30 s; killing it", c.Root)
	if c.PID1 > 0 {
		syscall.Kill(c.PID1, syscall.SIGKILL)
	}
	c.nspwn.Process.Kill()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		t.Errorf("testbed: systemd-nspawn pid %d would not die", c.nspwn.Process.Pid)
	}
}
