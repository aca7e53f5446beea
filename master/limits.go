package master

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limits bound what any one minion (or any one unaccepted key) can make
// the master do. Everything a minion sends is untrusted: a flood from one
// must cost the master a bounded amount of memory, disk and time, and
// never hold up the others. master.yaml's `limits:` sets them; docs/
// config.md lists the defaults.
type Limits struct {
	// Per-minion rates, in messages per second (burst: Burst times the
	// rate, at least 1).
	Heartbeats float64 `yaml:"heartbeats_per_sec"`
	Events     float64 `yaml:"events_per_sec"`
	Presence   float64 `yaml:"presence_per_sec"`
	Pillar     float64 `yaml:"pillar_per_sec"`
	Files      float64 `yaml:"files_per_sec"`
	Grains     float64 `yaml:"grains_per_sec"`
	Returns    float64 `yaml:"returns_per_sec"`
	// MinionEvents are the events a minion sends (event.send).
	MinionEvents float64 `yaml:"minion_events_per_sec"`
	// ScheduledJobs is how many job records a minion's own schedule may
	// make the master write, per second (scheduled runs, see
	// schedule.go); Mine how many mine requests it may make.
	ScheduledJobs float64 `yaml:"scheduled_jobs_per_sec"`
	Mine          float64 `yaml:"mine_per_sec"`
	Burst         float64 `yaml:"burst"`
	// KeyRequests is the rate of key requests from all unaccepted keys
	// together, per second.
	KeyRequests float64 `yaml:"key_requests_per_sec"`
	// MaxPendingKeys caps the keys waiting for `brine key accept`; a
	// request past it is refused (and logged, rate-limited).
	MaxPendingKeys int `yaml:"max_pending_keys"`
	// JobCacheBytes bounds the job cache on disk; the oldest jobs go
	// first when it is full.
	JobCacheBytes int64 `yaml:"job_cache_bytes"`
	// JobBytes bounds what one minion stores for one job: its events and
	// its return together.
	JobBytes int64 `yaml:"job_bytes_per_minion"`
	// ReturnBytes bounds one return, whole (it travels in parts).
	ReturnBytes int64 `yaml:"return_bytes"`
	// GrainsBytes bounds one minion's grains, as JSON.
	GrainsBytes int `yaml:"grains_bytes"`
	// MineBytes bounds one minion's mine entry, as JSON.
	MineBytes int `yaml:"mine_bytes"`
	// Workers is how many requests (pillar renders, file reads, cache
	// writes) the master works on at once; Queue how many more wait. A
	// request that finds the queue full is answered "busy", and the
	// minion asks again a little later.
	Workers int `yaml:"workers"`
	Queue   int `yaml:"queue"`
}

// DefaultLimits are generous for a real fleet and small next to what a
// flood would need.
func DefaultLimits() Limits {
	return Limits{
		Heartbeats:     5,
		Events:         2000,
		Presence:       2,
		Pillar:         5,
		Files:          2000,
		Grains:         1,
		Returns:        200,
		MinionEvents:   10,
		ScheduledJobs:  1,
		Mine:           20,
		Burst:          4,
		KeyRequests:    50,
		MaxPendingKeys: 1000,
		JobCacheBytes:  1 << 30,
		JobBytes:       64 << 20,
		ReturnBytes:    64 << 20,
		GrainsBytes:    256 << 10,
		MineBytes:      1 << 20,
		Workers:        32,
		Queue:          8192,
	}
}

// Validate checks the limits make sense.
func (l *Limits) Validate() error {
	for name, v := range map[string]float64{"heartbeats_per_sec": l.Heartbeats, "events_per_sec": l.Events,
		"presence_per_sec": l.Presence, "pillar_per_sec": l.Pillar, "files_per_sec": l.Files,
		"grains_per_sec": l.Grains, "returns_per_sec": l.Returns, "minion_events_per_sec": l.MinionEvents, "scheduled_jobs_per_sec": l.ScheduledJobs, "mine_per_sec": l.Mine, "key_requests_per_sec": l.KeyRequests, "burst": l.Burst} {
		if v <= 0 {
			return fmt.Errorf("master config: limits: %s must be positive", name)
		}
	}
	if l.MaxPendingKeys < 1 || l.JobCacheBytes < 1<<20 || l.JobBytes < 1<<16 || l.ReturnBytes < 1<<16 || l.GrainsBytes < 1<<10 || l.MineBytes < 1<<10 || l.Workers < 1 || l.Queue < 1 {
		return fmt.Errorf("master config: limits: max_pending_keys, workers (>= 1), job_cache_bytes (>= 1 MiB), job_bytes_per_minion, return_bytes (>= 64 KiB), grains_bytes and mine_bytes (>= 1 KiB) are too small")
	}
	return nil
}

// Kinds of work that are rate-limited per minion.
const (
	limHeartbeat = iota
	limEvent
	limPresence
	limPillar
	limFile
	limGrains
	limReturn
	limSend
	limSchedule
	limMine
	limKinds
)

var limNames = [limKinds]string{"heartbeat", "event", "presence", "pillar", "file", "grains", "return", "event_send", "schedule", "mine"}

// rates holds one token bucket per minion and kind. Only accepted
// minions can publish on the subjects it guards (the server enforces
// it), so it holds at most one entry per accepted minion.
type rates struct {
	lim Limits
	mu  sync.Mutex
	m   map[string]*[limKinds]*rate.Limiter
}

func newRates(l Limits) *rates { return &rates{lim: l, m: map[string]*[limKinds]*rate.Limiter{}} }

func (r *rates) per(kind int) float64 {
	switch kind {
	case limHeartbeat:
		return r.lim.Heartbeats
	case limEvent:
		return r.lim.Events
	case limPresence:
		return r.lim.Presence
	case limPillar:
		return r.lim.Pillar
	case limFile:
		return r.lim.Files
	case limGrains:
		return r.lim.Grains
	case limSend:
		return r.lim.MinionEvents
	case limSchedule:
		return r.lim.ScheduledJobs
	case limMine:
		return r.lim.Mine
	default:
		return r.lim.Returns
	}
}

// allow takes one token of a kind for a minion.
func (r *rates) allow(id string, kind int) bool {
	r.mu.Lock()
	b := r.m[id]
	if b == nil {
		b = &[limKinds]*rate.Limiter{}
		r.m[id] = b
	}
	l := b[kind]
	if l == nil {
		per := r.per(kind)
		l = rate.NewLimiter(rate.Limit(per), max(1, int(per*r.lim.Burst)))
		b[kind] = l
	}
	r.mu.Unlock()
	return l.Allow()
}

// forget drops a minion's buckets (its key was deleted).
func (r *rates) forget(id string) {
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}

// refusals logs what the master refuses, at most once per kind and
// minion every interval, with a count of what it did not log: a flood
// must not become a flood of log lines.
type refusals struct {
	log   *slog.Logger
	every time.Duration
	// count counts every refusal by kind, logged or not (metrics).
	count func(kind string)

	mu   sync.Mutex
	last map[string]*refusal
}

type refusal struct {
	at      time.Time
	dropped int
}

func newRefusals(log *slog.Logger) *refusals {
	return &refusals{log: log, every: 10 * time.Second, last: map[string]*refusal{}}
}

// maxRefusalKeys bounds the refusal log's memory, against refusals for
// made-up keys.
const maxRefusalKeys = 4096

// note logs a refusal of kind for who, unless one was logged lately.
// Every string given is clipped: refusals carry untrusted input.
func (r *refusals) note(kind, who, why string, attrs ...any) {
	if r.count != nil {
		r.count(kind)
	}
	now := time.Now()
	key := kind + "\x00" + who
	r.mu.Lock()
	e := r.last[key]
	if e != nil && now.Sub(e.at) < r.every {
		e.dropped++
		r.mu.Unlock()
		return
	}
	if len(r.last) >= maxRefusalKeys {
		for k, v := range r.last {
			if now.Sub(v.at) >= r.every {
				delete(r.last, k)
			}
		}
		if len(r.last) >= maxRefusalKeys {
			r.last = map[string]*refusal{}
		}
	}
	dropped := 0
	if e != nil {
		dropped = e.dropped
	}
	r.last[key] = &refusal{at: now}
	r.mu.Unlock()
	args := append([]any{"kind", kind, "from", clipLog(who), "why", clipLog(why)}, attrs...)
	if dropped > 0 {
		args = append(args, "also_refused_since_last_log", dropped)
	}
	r.log.Warn("refused", args...)
}

// clipLog bounds untrusted text in a log line.
func clipLog(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes more)", s[:n], len(s)-n)
}

// workPool runs request handlers on a fixed number of workers, from a
// bounded queue. A handler given when the queue is full, or when its
// sender already has perMinion handlers queued, is refused at once, so
// the subscription that delivers requests never blocks and one minion
// cannot fill the queue; the caller tells the sender to ask again. The
// master owns the workers: they stop with the run's context, and
// Shutdown waits for them.
type workPool struct {
	queue chan workItem
	wg    sync.WaitGroup
	// tries counts the work minions have asked for: how idleTrim tells
	// a quiet master.
	tries atomic.Int64

	mu     sync.Mutex
	queued map[string]int
}

type workItem struct {
	who string
	fn  func()
}

// perMinion bounds the handlers one sender may have queued.
const perMinion = 32

func newWorkPool(queue int) *workPool {
	return &workPool{queue: make(chan workItem, queue), queued: map[string]int{}}
}

// start runs n workers until ctx is done; handlers still queued then are
// dropped (their senders ask again, of the next master).
func (w *workPool) start(ctx context.Context, n int) {
	for i := 0; i < n; i++ {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case it := <-w.queue:
					w.mu.Lock()
					if w.queued[it.who]--; w.queued[it.who] <= 0 {
						delete(w.queued, it.who)
					}
					w.mu.Unlock()
					it.fn()
				}
			}
		}()
	}
}

// try queues fn for who and reports whether it did.
func (w *workPool) try(who string, fn func()) bool {
	w.tries.Add(1)
	w.mu.Lock()
	if w.queued[who] >= perMinion {
		w.mu.Unlock()
		return false
	}
	w.queued[who]++
	w.mu.Unlock()
	select {
	case w.queue <- workItem{who: who, fn: fn}:
		return true
	default:
		w.mu.Lock()
		if w.queued[who]--; w.queued[who] <= 0 {
			delete(w.queued, who)
		}
		w.mu.Unlock()
		return false
	}
}

// wait waits for the workers to stop.
func (w *workPool) wait() { w.wg.Wait() }
