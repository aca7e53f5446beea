package minion

import (
	"context"
	"fmt"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// The journal of running jobs: a minion writes down each job before it
// starts it and crosses it out once the master holds its return. A job
// still written down when the minion starts again was cut short (the
// minion was killed, the host rebooted): the minion tells the master so,
// with a return that says "interrupted", and `brine jobs lookup` ends
// there rather than with a job that runs forever.

// journalDir is where an older minion kept the journal, a file a job,
// under the state dir; the book (book.go) holds it now.
const journalDir = "running"

type journalEntry struct {
	JID     string    `json:"jid"`
	Fun     string    `json:"fun"`
	Args    []any     `json:"fun_args,omitempty"`
	Start   time.Time `json:"start"`
	Startup bool      `json:"startup,omitempty"`
	// Schedule and Kwargs: a scheduled run's (see origin).
	Schedule string         `json:"schedule,omitempty"`
	Kwargs   map[string]any `json:"fun_kwargs,omitempty"`
}

// journalStart writes a job down, durably, before it runs; a job the
// master signed has its nonce in the same line (see book.go).
func (m *Minion) journalStart(job *proto.Job, o origin) {
	var l bookLine
	// A jid that is not one (readBook checks) is read back as no job.
	if job.JID != "" {
		e := journalEntry{JID: job.JID, Fun: job.Fun, Args: job.Args, Start: time.Now().UTC(), Startup: o.startup}
		if o.schedule != "" {
			e.Schedule, e.Kwargs = o.schedule, job.Kwargs
		}
		l.Run = &e
	}
	if job.Nonce != "" {
		l.Nonce, l.Expiry = job.Nonce, job.Expiry.UnixNano()
	}
	if l.Run == nil && l.Nonce == "" {
		return
	}
	if err := m.book.write(l); err != nil {
		m.log.Warn("job journal", "jid", job.JID, "err", err)
	}
}

// keepNonce writes down, durably, the nonce of a signed job or kill the
// minion took without running it: a replay after a restart is refused
// all the same.
func (m *Minion) keepNonce(nonce string, expiry time.Time) {
	if nonce == "" {
		return
	}
	if err := m.book.write(bookLine{Nonce: nonce, Expiry: expiry.UnixNano()}); err != nil {
		m.log.Warn("nonce cache", "err", err)
	}
}

// journalDone crosses a job out.
func (m *Minion) journalDone(jid string) {
	if !m.book.isRunning(jid) {
		return
	}
	if err := m.book.write(bookLine{Done: jid}); err != nil {
		m.log.Warn("job journal", "jid", jid, "err", err)
	}
}

// reportInterrupted sends an "interrupted" return for every job the
// journal held at this start, and crosses each out once the master has
// it. life is the jobs' lifetime (see Run).
func (m *Minion) reportInterrupted(life context.Context) {
	for _, je := range m.interrupted {
		jid := je.JID
		now := time.Now().UTC()
		m.log.Warn("job interrupted by the minion's stop", "jid", jid, "fun", je.Fun, "started", je.Start)
		ret := &proto.Return{JID: jid, ID: m.id, Fun: je.Fun, Args: je.Args, Retcode: 1, Start: je.Start, End: now,
			Startup: je.Startup, Schedule: je.Schedule, Kwargs: je.Kwargs, Interrupted: true,
			Return: fmt.Sprintf("interrupted: the minion stopped while running this job (started %s, reported %s)",
				je.Start.Format(time.RFC3339), now.Format(time.RFC3339))}
		// Owned like a job: a stop waits for it, and if the stop cuts
		// it short the entry stays for the next start.
		m.jobsG.Go(func() {
			if err := m.sendReturn(life, ret); err != nil {
				m.log.Warn("interrupted job not reported yet", "jid", jid, "err", err)
				return
			}
			m.journalDone(jid)
		})
	}
	m.interrupted = nil
}
