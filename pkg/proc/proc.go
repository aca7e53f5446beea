// Package proc runs the commands a job starts so that ending the job
// ends them: each command leads a process group of its own, and the
// cancellation of its context kills the whole group (a shell's children
// and their children too), not the shell alone. A killed job leaves no
// process behind.
package proc

import (
	"os/exec"
	"syscall"
	"time"
)

// WaitDelay is how long Wait waits for the output of a killed group's
// last processes before it returns.
const WaitDelay = 2 * time.Second

// Group makes c, made with exec.CommandContext, lead a process group that
// its context's end kills whole. Credentials already set on c are kept.
func Group(c *exec.Cmd) *exec.Cmd {
	if c.SysProcAttr == nil {
		c.SysProcAttr = &syscall.SysProcAttr{}
	}
	c.SysProcAttr.Setpgid = true
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = WaitDelay
	return c
}
