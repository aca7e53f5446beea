// Package statelock keeps one daemon per state dir: an exclusive flock on
// a file in it, held for the daemon's life. Two masters on one state dir
// would share keys and open one JetStream store twice; two minions would
// share one key, its pins and its nonce cache, each writing over the
// other's.
//
// The kernel lets go of the lock when the process ends, however it ends,
// so a crash leaves no stale lock; the file itself stays, on purpose
// (removing it would let a third process lock a new file while the second
// still holds the old one).
package statelock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LockedError is a state dir another process holds.
type LockedError struct {
	Dir string
	Who string // "master", "minion": who would hold it
	PID int    // 0 when the holder did not say
	Err error
}

func (e *LockedError) Error() string {
	who := "another " + e.Who
	if e.PID > 0 {
		who = fmt.Sprintf("another %s (pid %d)", e.Who, e.PID)
	}
	return fmt.Sprintf("%s uses state dir %s", who, e.Dir)
}

func (e *LockedError) Unwrap() error { return e.Err }

// Lock is a held lock.
type Lock struct{ f *os.File }

// Take locks dir/file at once, or fails with a *LockedError naming the
// holder's pid. who names the daemon in messages.
func Take(dir, file, who string) (*Lock, error) {
	p := filepath.Join(dir, file)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: lock: %w", who, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &LockedError{Dir: dir, Who: who, PID: readPID(p), Err: err}
		}
		return nil, fmt.Errorf("%s: lock %s: %w", who, p, err)
	}
	// The pid is for the message a second daemon prints; the lock is
	// the flock alone.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
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

// Release lets the lock go; safe on nil and twice.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Close()
	l.f = nil
}
