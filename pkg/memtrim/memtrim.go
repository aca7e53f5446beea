// Package memtrim gives back memory that an idle daemon no longer needs:
// the heap its last job freed, and the pages of its own binary that
// start-up touched once (package initialisation, config parsing) and will
// not touch again. brine is one binary that also holds the master and the
// NATS server, so those pages are most of an idle minion's resident set.
//
// Paging out clean pages of the executable loses nothing: they stay in the
// page cache, and a page the minion needs again comes back on a minor fault.
package memtrim

import (
	"runtime/debug"
	"sync"
	"time"
)

// Idle returns freed heap to the system and pages out the executable's
// read-only mappings. Call it when the daemon has nothing running.
func Idle() {
	debug.FreeOSMemory()
	pageOutExecutable()
}

// Trimmer calls Idle once a daemon has had nothing to do for a while, so
// that back-to-back jobs do not pay for pages given back in between.
// Idle acts on the whole process: a process that runs several daemons
// (the swarm of test/bench runs 2,000 minions in one) shares one
// Trimmer, each daemon a User of it, and it trims once all are quiet.
type Trimmer struct {
	after time.Duration
	trim  func()
	mu    sync.Mutex
	timer *time.Timer
	busy  int // users busy
}

// NewTrimmer returns a Trimmer that trims after a quiet spell of d.
func NewTrimmer(d time.Duration) *Trimmer { return &Trimmer{after: d, trim: Idle} }

// Quiet starts (or restarts) the wait: nothing is running now.
func (t *Trimmer) Quiet() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armLocked()
}

// Busy cancels the wait: work has started.
func (t *Trimmer) Busy() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopLocked()
}

func (t *Trimmer) armLocked() {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.timer = time.AfterFunc(t.after, t.trim)
}

func (t *Trimmer) stopLocked() {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// User returns a new user of t: one daemon of those that share it.
func (t *Trimmer) User() *User { return &User{t: t} }

// User is one daemon's hold on a shared Trimmer: the trimmer waits for
// a quiet spell only while no user is busy. A user's Busy and Quiet need
// not pair: a second Busy, or a Quiet of a user not busy, counts once.
type User struct {
	t    *Trimmer
	mu   sync.Mutex
	busy bool
}

// Busy says this user has work: the trimmer does not trim.
func (u *User) Busy() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.busy {
		return
	}
	u.busy = true
	u.t.mu.Lock()
	defer u.t.mu.Unlock()
	u.t.busy++
	u.t.stopLocked()
}

// Quiet says this user has nothing running; once no user is busy, the
// wait starts again.
func (u *User) Quiet() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.t.mu.Lock()
	defer u.t.mu.Unlock()
	if u.busy {
		u.busy = false
		u.t.busy--
	}
	if u.t.busy == 0 {
		u.t.armLocked()
	}
}
