package minion

import (
	"context"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// Stopping cleanly. On SIGTERM (Run's ctx done) the minion:
//
//  1. unsubscribes from jobs and kills, and closes the gate that job
//     goroutines go through, so that no job starts after the signal, not
//     even one already delivered to the subscription;
//  2. tells the master it is going offline, so that new jobs report it
//     not connected at once rather than waiting for an answer;
//  3. waits up to drain_timeout for the running jobs, whose heartbeats
//     and returns go on as usual;
//  4. leaves the jobs still running at the timeout to finish on their
//     own: their commands are not killed (a dpkg cut short breaks the
//     host), their journal entries stay, and the next start reports them
//     interrupted.
//
// A second SIGTERM or SIGINT during the wait cuts it short, as in 4.

// owner runs goroutines and knows when the last has ended. Go refuses
// once Close has been called, so that nothing starts after the owner has
// begun to wait: nats-server's startGoRoutine, with its grRunning flag,
// does the same for the same reason (a WaitGroup may not grow while
// someone waits on it).
type owner struct {
	mu     sync.Mutex
	closed bool
	n      int
	empty  chan struct{} // closed once closed is set and n is 0
}

func newOwner() *owner { return &owner{empty: make(chan struct{})} }

// Go runs f in a goroutine it counts, unless the owner is closed; it
// reports whether f runs.
func (o *owner) Go(f func()) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return false
	}
	o.n++
	go func() {
		defer o.exit()
		f()
	}()
	return true
}

func (o *owner) exit() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.n--
	if o.closed && o.n == 0 {
		close(o.empty)
	}
}

// Close refuses new goroutines from now on and returns a channel that
// is closed once none of those started runs.
func (o *owner) Close() <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.closed {
		o.closed = true
		if o.n == 0 {
			close(o.empty)
		}
	}
	return o.empty
}

// shutdown stops taking work, drains the running jobs and says goodbye.
// abandon ends what the jobs still do on the network (return retries,
// heartbeats) once the wait is over.
func (m *Minion) shutdown(abandon context.CancelFunc) {
	// First: no job may start once the stop has begun.
	m.unsubscribe()
	drained := m.jobsG.Close()
	bgDone := m.bg.Close()
	m.publishPresence(proto.Offline)
	_ = m.nc.FlushTimeout(2 * time.Second)

	left := m.running()
	if len(left) > 0 {
		m.log.Info("stopping: waiting for running jobs to finish", "jobs", left, "drain_timeout", m.cfg.DrainTimeout.D())
	}
	// A second signal ends the wait. The daemon's own handler has
	// already taken the first one, and keeps the others from killing
	// the process outright.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sig)
	timer := time.NewTimer(m.cfg.DrainTimeout.D())
	defer timer.Stop()
	var why string
	select {
	case <-drained:
	case <-timer.C:
		why = "drain_timeout reached"
	case s := <-sig:
		why = "second signal: " + s.String()
	}
	if why != "" {
		if left := m.running(); len(left) > 0 {
			// Their processes go on: the unit's KillMode=process leaves
			// them, and the journal makes the next start report them.
			m.abandoned.Store(true)
			m.log.Warn("stopping with jobs still running: they are left to finish, and the next start reports them interrupted",
				"why", why, "jobs", left)
		}
	}
	abandon()
	// Hellos on reconnect and the like: each is bounded by its own
	// request timeout.
	<-bgDone
	if why == "" && len(left) > 0 {
		m.log.Info("stopping: running jobs finished and returned")
	}
}

// running lists the jobs running now, as jid=function, sorted.
func (m *Minion) running() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.jobs))
	for jid, r := range m.jobs {
		out = append(out, jid+"="+r.fun)
	}
	sort.Strings(out)
	return out
}

// unsubscribe ends the job and kill subscriptions. Messages already
// delivered but not yet handled are dropped by nats.go or refused by the
// closed job gate.
func (m *Minion) unsubscribe() {
	m.mu.Lock()
	subs := m.subs
	m.subs = nil
	m.mu.Unlock()
	for _, s := range subs {
		if err := s.Unsubscribe(); err != nil {
			m.log.Debug("unsubscribe", "subject", s.Subject, "err", err)
		}
	}
}
