package sshrun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"golang.org/x/crypto/ssh"
)

// maxRawOutput bounds what a raw command's stdout keeps: a host that
// writes without end does not exhaust the operator's memory.
const maxRawOutput = 64 << 20

// RawResult is one host's raw shell command (salt-ssh's -r): its exit
// status and output, or Err when the command did not run.
type RawResult struct {
	ID             string
	Retcode        int
	Stdout, Stderr string
	Err            error
}

// RunRaw runs a command line through the login's shell on each host, as
// salt-ssh -r (--raw-shell) does (Single.run with raw_shell: ssh HOST
// CMD, nothing copied, no sudo). At most maxProcs hosts at once, batch
// at a time; onResult is never called at once.
func RunRaw(ctx context.Context, hosts []*Host, cmd string, d *Dialer, maxProcs, batch int, onResult func(RawResult)) {
	var mu sync.Mutex
	report := func(r RawResult) {
		mu.Lock()
		onResult(r)
		mu.Unlock()
	}
	forHosts(ctx, hosts, maxProcs, batch, func(h *Host) {
		report(RawResult{ID: h.ID, Err: ctx.Err()})
	}, func(h *Host) {
		r := runRaw(ctx, h, cmd, d)
		r.ID = h.ID
		report(r)
	})
}

func runRaw(ctx context.Context, h *Host, cmd string, d *Dialer) RawResult {
	c, err := d.Dial(ctx, h)
	if err != nil {
		return RawResult{Err: err}
	}
	defer c.Close()
	s, err := c.NewSession()
	if err != nil {
		return RawResult{Err: &RemoteError{What: "raw shell", Status: -1, Err: err}}
	}
	defer s.Close()
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 1 << 20}
	s.Stdout = &limitWriter{w: &stdout, n: maxRawOutput}
	s.Stderr = stderr
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	err = s.Run(cmd)
	res := RawResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Signal() != "":
		// A command killed by a signal: 128 and the signal's number, as
		// a shell reports it (and Salt's Shell.exec_cmd, since #64576).
		res.Retcode = 128 + signalNumber(ee.Signal())
	case errors.As(err, &ee):
		res.Retcode = ee.ExitStatus()
	case errors.As(err, &missing):
		res.Retcode = 255
	default:
		return RawResult{Err: &RemoteError{What: "raw shell", Status: -1, Err: err}}
	}
	if ctx.Err() != nil {
		return RawResult{Err: ctx.Err()}
	}
	return res
}

// signalNumber is a signal's number on Linux, by its SSH name.
func signalNumber(name string) int {
	switch ssh.Signal(name) {
	case ssh.SIGHUP:
		return 1
	case ssh.SIGINT:
		return 2
	case ssh.SIGQUIT:
		return 3
	case ssh.SIGILL:
		return 4
	case ssh.SIGABRT:
		return 6
	case ssh.SIGFPE:
		return 8
	case ssh.SIGKILL:
		return 9
	case ssh.SIGSEGV:
		return 11
	case ssh.SIGPIPE:
		return 13
	case ssh.SIGALRM:
		return 14
	case ssh.SIGTERM:
		return 15
	case ssh.SIGUSR1:
		return 10
	case ssh.SIGUSR2:
		return 12
	}
	return 0
}

// limitWriter keeps the first n bytes written to it and drops the rest,
// so that the command is never blocked on a full pipe.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}
