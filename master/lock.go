package master

// What a master must have to itself: its state dir (a lock) and its
// port (checked before the embedded server starts).

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/brine-cm/brine/pkg/statelock"
)

// LockFile is the file under the state dir a running master holds an
// exclusive flock on, with its pid in it.
const LockFile = "master.lock"

// LockedError is a state dir another master holds.
type LockedError = statelock.LockedError

// lockStateDir takes the lock on dir/LockFile at once, or fails.
func lockStateDir(dir string) (*statelock.Lock, error) {
	return statelock.Take(dir, LockFile, "master")
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
