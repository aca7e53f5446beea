package master

// What a master must have to itself: its state dir (a lock) and its
// port (checked before the embedded server starts).

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/nats-io/nats-server/v2/server"
	"golang.org/x/sys/unix"
)

// LockFile is the file under the state dir a running master holds an
// exclusive flock on, with its pid in it.
const LockFile = "master.lock"

// LockedError is a state dir another process holds: two masters on one
// state dir would share keys and open one JetStream store twice.
type LockedError struct {
	Dir string
	PID int // 0 when the holder did not say
	Err error
}

func (e *LockedError) Error() string {
	who := "another master"
	if e.PID > 0 {
		who = fmt.Sprintf("another master (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s uses state dir %s", who, e.Dir)
}

func (e *LockedError) Unwrap() error { return e.Err }

// stateLock is an exclusive flock held for the daemon's life. The kernel
// lets go of it when the process ends, however it ends, so a crash
// leaves no stale lock; the file itself stays, on purpose (removing it
// would let a third process lock a new file while the second still
// holds the old one).
type stateLock struct{ f *os.File }

// lockStateDir takes the lock on dir/LockFile at once, or fails.
func lockStateDir(dir string) (*stateLock, error) {
	p := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master: lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, PID: readPID(p), Err: err}
		}
		return nil, fmt.Errorf("master: lock %s: %w", p, err)
	}
	// The pid is for the message a second master prints; the lock is
	// the flock alone.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &stateLock{f: f}, nil
}

func readPID(p string) int {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}

// release lets the lock go; safe on nil and twice.
func (l *stateLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Close()
	l.f = nil
}

// ListenError is an address the embedded NATS server cannot listen on,
// found before it is started: the server itself would only log it and
// never become ready.
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string {
	var dns *net.DNSError
	hint := ""
	switch {
	case errors.Is(e.Err, syscall.EADDRINUSE):
		hint = ": another process (another master?) listens there; stop it, or set another port in master.yaml (and master: in each minion.yaml)"
	case errors.Is(e.Err, syscall.EADDRNOTAVAIL):
		hint = ": interface is not an address of this host; fix interface in master.yaml"
	case errors.As(e.Err, &dns):
		hint = ": interface is neither an address nor a name of this host; fix interface in master.yaml"
	case errors.Is(e.Err, syscall.EACCES):
		hint = ": a port below 1024 needs root (or CAP_NET_BIND_SERVICE)"
	}
	return fmt.Sprintf("master: cannot listen on %s (interface and port in master.yaml): %v%s", e.Addr, e.Err, hint)
}

func (e *ListenError) Unwrap() error { return e.Err }

// checkListen listens on the embedded server's address and lets go at
// once, so that a busy port or a wrong interface is an error that says
// so now. Port -1 (a free port, for tests) cannot be busy.
func checkListen(host string, port int) error {
	if port < 0 {
		return nil
	}
	if port == 0 {
		port = server.DEFAULT_PORT // as nats-server reads 0
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return &ListenError{Addr: addr, Err: err}
	}
	return l.Close()
}
