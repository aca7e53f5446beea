package master

import (
	"context"
	"time"
)

// idleTrim gives memory back to the system once the minions have asked
// nothing of the master for idle_trim. A burst of 10,000 returns leaves
// the heap it freed held by the process and the goroutine stacks of the
// embedded server's connections grown (the runtime shrinks a stack by
// half at most at each collection, and an idle master collects seldom):
// measured at 10,000 minions, 1.2 GB resident after a ping and 0.6-0.7
// GB after a few collections (docs/PERFORMANCE.md). Two collections, one
// after the other, each giving the freed heap back; once for each quiet
// spell, so that a master at rest does not collect over and over.
func (m *Master) idleTrim(ctx context.Context) {
	after := m.cfg.IdleTrim.D()
	if after <= 0 {
		return
	}
	// Quiet is told at each tick, by the count of work not moving
	// since the tick it last moved at: nothing on the work pool's path
	// but the count.
	tick := time.NewTicker(min(max(after/4, 10*time.Millisecond), 15*time.Second))
	defer tick.Stop()
	var seen, trimmed int64 // m.work.tries at the last tick, at the last trim
	moved := time.Now()
	for {
		var now time.Time
		select {
		case <-ctx.Done():
			return
		case now = <-tick.C:
		}
		tries := m.work.tries.Load()
		if tries != seen {
			seen, moved = tries, now
		}
		if tries == trimmed || now.Sub(moved) < after {
			continue
		}
		trimmed = tries
		start := time.Now()
		for range 2 {
			m.trimMemory()
		}
		m.log.Debug("memory given back after a quiet spell", "took", time.Since(start))
	}
}
