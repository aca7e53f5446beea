package minion

// This is master/lock.go for the minion's state dir; the minion does
// not import the master package.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LockFile is the file under the state dir a running minion holds an
// exclusive flock on, with its pid in it.
const LockFile = "minion.lock"

// LockedError is a state dir another process holds: two minions on one
// state dir would share one key, its pins and its nonce cache, each
// writing over the other's.
type LockedError struct {
	Dir string
	PID int // 0 when the holder did not say
	Err error
}

func (e *LockedError) Error() string {
	who := "another minion"
	if e.PID > 0 {
		who = fmt.Sprintf("another minion (pid %d)", e.PID)
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
		return nil, fmt.Errorf("minion: lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, PID: readPID(p), Err: err}
		}
		return nil, fmt.Errorf("minion: lock %s: %w", p, err)
	}
	// The pid is for the message a second minion prints; the lock is
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
