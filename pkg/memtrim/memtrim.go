// Package memtrim gives back memory that an idle daemon no longer needs:
// the heap its last job freed, and the pages of its own binary that
// start-up touched once (package initialisation, config parsing) and will
// not touch again. brine is one binary that also holds the master and the
// NATS server, so those pages are most of an idle minion's resident set.
//
// Paging out clean pages of the executable loses nothing: they stay in the
// page cache, and a page the minion needs again comes back on a minor fault.
package memtrim

import "runtime/debug"

// Idle returns freed heap to the system and pages out the executable's
// read-only mappings. Call it when the daemon has nothing running.
func Idle() {
	debug.FreeOSMemory()
	pageOutExecutable()
}
