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
type Trimmer struct {
	after time.Duration
	trim  func()
	mu    sync.Mutex
	timer *time.Timer
}

// NewTrimmer returns a Trimmer that trims after a quiet spell of d.
func NewTrimmer(d time.Duration) *Trimmer { return &Trimmer{after: d, trim: Idle} }

// Quiet starts (or restarts) the wait: nothing is running now.
func (t *Trimmer) Quiet() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
	}
	t.timer = time.AfterFunc(t.after, t.trim)
}

// Busy cancels the wait: work has started.
func (t *Trimmer) Busy() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}
