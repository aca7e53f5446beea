package minion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// The journal of running jobs: a minion writes down each job before it
// starts it and crosses it out once the master holds its return. A job
// still written down when the minion starts again was cut short (the
// minion was killed, the host rebooted): the minion tells the master so,
// with a return that says "interrupted", and `brine jobs lookup` ends
// there rather than with a job that runs forever.

// journalDir is the journal's folder under the state dir.
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

func (m *Minion) journalPath(jid string) string {
	return filepath.Join(m.cfg.StateDir, journalDir, jid+".json")
}

// journalStart writes a job down, durably, before it runs.
func (m *Minion) journalStart(job *proto.Job, o origin) {
	if proto.ValidJID(job.JID) != nil {
		return
	}
	b, _ := json.Marshal(journalEntry{JID: job.JID, Fun: job.Fun, Args: job.Args, Start: time.Now().UTC(), Startup: o.startup})
	if o.schedule != "" {
		b, _ = json.Marshal(journalEntry{JID: job.JID, Fun: job.Fun, Args: job.Args, Start: time.Now().UTC(), Schedule: o.schedule, Kwargs: job.Kwargs})
	}
	err := os.MkdirAll(filepath.Join(m.cfg.StateDir, journalDir), 0o700)
	if err == nil {
		err = writeFile0600(m.journalPath(job.JID), b)
	}
	if err != nil {
		m.log.Warn("job journal", "jid", job.JID, "err", err)
	}
}

// journalDone crosses a job out.
func (m *Minion) journalDone(jid string) {
	if err := os.Remove(m.journalPath(jid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.log.Warn("job journal", "jid", jid, "err", err)
	}
}

// reportInterrupted sends an "interrupted" return for every job the
// journal holds from before this start, and crosses each out once the
// master has it. life is the jobs' lifetime (see Run).
func (m *Minion) reportInterrupted(life context.Context) {
	dir := filepath.Join(m.cfg.StateDir, journalDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		jid, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || proto.ValidJID(jid) != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		var je journalEntry
		if err == nil {
			err = json.Unmarshal(b, &je)
		}
		if err != nil || je.JID != jid {
			m.log.Warn("job journal: unreadable entry, dropped", "file", e.Name(), "err", err)
			m.journalDone(jid)
			continue
		}
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
}
