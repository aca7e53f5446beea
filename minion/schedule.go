package minion

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/brine-cm/brine/pkg/proto"
)

// The minion's schedule, as Salt's: jobs from minion.yaml's schedule:
// and from schedule.add (kept in the state dir, ScheduleFile), each run
// by the minion itself at an interval (seconds, minutes, hours, days
// added up) or at cron times, with a random splay, at most maxrunning
// at once. A run is a job like any other, with a job id the minion
// makes: its ack and return are marked with the schedule's name, and
// the master records it in the job cache once it has checked it
// (master/schedule.go). There is no returner: the job cache is where
// results go.
//
// The scheduler's goroutine belongs to the minion's background owner
// and ends with the run's context (the stop); each run it starts is a
// job of the job owner, so the stop's drain waits for it like any job.

// ScheduleFile holds the jobs schedule.add made and the enable/disable
// switches, under the state dir.
const ScheduleFile = "schedule.json"

// ScheduleItem is one job of the schedule, in Salt's shape.
type ScheduleItem struct {
	Function string         `yaml:"function" json:"function"`
	Args     []any          `yaml:"args" json:"args,omitempty"`
	Kwargs   map[string]any `yaml:"kwargs" json:"kwargs,omitempty"`
	Seconds  int            `yaml:"seconds" json:"seconds,omitempty"`
	Minutes  int            `yaml:"minutes" json:"minutes,omitempty"`
	Hours    int            `yaml:"hours" json:"hours,omitempty"`
	Days     int            `yaml:"days" json:"days,omitempty"`
	// Cron is a cron expression of five fields (minute hour
	// day-of-month month day-of-week) or a descriptor (@daily,
	// @every 90s), in the minion's local time.
	Cron string `yaml:"cron" json:"cron,omitempty"`
	// Splay delays each run by a random 0 to Splay seconds.
	Splay int `yaml:"splay" json:"splay,omitempty"`
	// RunOnStart runs an interval job once when the minion starts.
	RunOnStart bool `yaml:"run_on_start" json:"run_on_start,omitempty"`
	// MaxRunning is how many runs of the job may go on at once (1 when
	// not set).
	MaxRunning int `yaml:"maxrunning" json:"maxrunning,omitempty"`
	// Enabled: false keeps the job but does not run it.
	Enabled *bool `yaml:"enabled" json:"enabled,omitempty"`
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (it *ScheduleItem) interval() time.Duration {
	return time.Duration(it.Seconds)*time.Second + time.Duration(it.Minutes)*time.Minute +
		time.Duration(it.Hours)*time.Hour + time.Duration(it.Days)*24*time.Hour
}

// check validates a job; name is for the message.
func (it *ScheduleItem) check(name string) error {
	if name == "" {
		return errors.New("a job needs a name")
	}
	if it.Function == "" {
		return fmt.Errorf("job %s: no function", name)
	}
	if it.Seconds < 0 || it.Minutes < 0 || it.Hours < 0 || it.Days < 0 || it.Splay < 0 || it.MaxRunning < 0 {
		return fmt.Errorf("job %s: seconds, minutes, hours, days, splay and maxrunning must not be negative", name)
	}
	switch iv := it.interval(); {
	case it.Cron != "" && iv > 0:
		return fmt.Errorf("job %s: give cron or an interval (seconds, minutes, hours, days), not both", name)
	case it.Cron != "":
		if _, err := cronParser.Parse(it.Cron); err != nil {
			return fmt.Errorf("job %s: cron %q: %w", name, it.Cron, err)
		}
	case iv <= 0:
		return fmt.Errorf("job %s: no time: give seconds, minutes, hours, days or cron", name)
	}
	return nil
}

// next is the job's first time after t, before splay.
func (it *ScheduleItem) next(t time.Time) time.Time {
	if it.Cron != "" {
		s, err := cronParser.Parse(it.Cron)
		if err != nil {
			return time.Time{}
		}
		return s.Next(t)
	}
	return t.Add(it.interval())
}

func (it *ScheduleItem) enabled() bool { return it.Enabled == nil || *it.Enabled }

// listed is the job as schedule.list shows it (Salt's keys).
func (it *ScheduleItem) listed(on bool) map[string]any {
	b, _ := json.Marshal(it)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	out["enabled"] = on
	if it.MaxRunning == 0 {
		out["maxrunning"] = 1
	}
	return out
}

// savedSchedule is ScheduleFile's content.
type savedSchedule struct {
	// Disabled is the whole schedule switched off (schedule.disable).
	Disabled bool                    `json:"disabled,omitempty"`
	Jobs     map[string]ScheduleItem `json:"jobs,omitempty"`
	// JobEnabled overrides a job's enabled (enable_job, disable_job).
	JobEnabled map[string]bool `json:"job_enabled,omitempty"`
}

// scheduler runs the schedule.
type scheduler struct {
	m    *Minion
	path string
	conf map[string]ScheduleItem // minion.yaml's

	mu      sync.Mutex
	saved   savedSchedule
	plan    map[string]*planned
	running map[string]int
	run     func(name string, it ScheduleItem) // starts a run (the minion's)
	wake    chan struct{}
}

type planned struct {
	base time.Time // the job's time, before splay
	at   time.Time // when it runs: base plus splay
}

func newScheduler(m *Minion) (*scheduler, error) {
	s := &scheduler{m: m, path: filepath.Join(m.cfg.StateDir, ScheduleFile), conf: m.cfg.Schedule,
		plan: map[string]*planned{}, running: map[string]int{}, wake: make(chan struct{}, 1)}
	b, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("schedule: %w", err)
	default:
		if err := json.Unmarshal(b, &s.saved); err != nil {
			return nil, fmt.Errorf("schedule: %s: %w", s.path, err)
		}
	}
	return s, nil
}

// jobs is the whole schedule: minion.yaml's jobs, then schedule.add's.
func (s *scheduler) jobs() map[string]ScheduleItem {
	out := make(map[string]ScheduleItem, len(s.conf)+len(s.saved.Jobs))
	for k, v := range s.conf {
		out[k] = v
	}
	for k, v := range s.saved.Jobs {
		out[k] = v
	}
	return out
}

func (s *scheduler) jobOn(name string, it ScheduleItem) bool {
	if on, ok := s.saved.JobEnabled[name]; ok {
		return on
	}
	return it.enabled()
}

func (s *scheduler) save() error {
	b, err := json.MarshalIndent(s.saved, "", "  ")
	if err != nil {
		return err
	}
	return writeFile0600(s.path, b)
}

func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Add adds (or replaces) a job made by schedule.add.
func (s *scheduler) Add(name string, raw map[string]any) error {
	it, err := itemFromArgs(raw)
	if err != nil {
		return err
	}
	if err := it.check(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conf[name]; ok {
		return fmt.Errorf("job %s is in minion.yaml's schedule; change it there", name)
	}
	if s.saved.Jobs == nil {
		s.saved.Jobs = map[string]ScheduleItem{}
	}
	s.saved.Jobs[name] = it
	delete(s.saved.JobEnabled, name)
	delete(s.plan, name)
	s.poke()
	return s.save()
}

// itemFromArgs reads schedule.add's keyword arguments (Salt's names:
// job_args and job_kwargs for the function's arguments).
func itemFromArgs(raw map[string]any) (ScheduleItem, error) {
	m := map[string]any{}
	for k, v := range raw {
		switch k {
		case "job_args":
			k = "args"
		case "job_kwargs":
			k = "kwargs"
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ScheduleItem{}, err
	}
	var it ScheduleItem
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&it); err != nil {
		return ScheduleItem{}, fmt.Errorf("schedule.add: %w", err)
	}
	return it, nil
}

// Delete deletes a job schedule.add made.
func (s *scheduler) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.saved.Jobs[name]; !ok {
		if _, ok := s.conf[name]; ok {
			return fmt.Errorf("job %s is in minion.yaml's schedule; remove it there (or schedule.disable_job it)", name)
		}
		return fmt.Errorf("job %s does not exist", name)
	}
	delete(s.saved.Jobs, name)
	delete(s.saved.JobEnabled, name)
	delete(s.plan, name)
	return s.save()
}

// List returns the schedule, each job with its enabled state, and the
// whole schedule's under "enabled".
func (s *scheduler) List() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"enabled": !s.saved.Disabled}
	for name, it := range s.jobs() {
		out[name] = it.listed(s.jobOn(name, it))
	}
	return out
}

func (s *scheduler) switchJob(name string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "" {
		s.saved.Disabled = !on
	} else {
		if _, ok := s.jobs()[name]; !ok {
			return fmt.Errorf("job %s does not exist", name)
		}
		if s.saved.JobEnabled == nil {
			s.saved.JobEnabled = map[string]bool{}
		}
		s.saved.JobEnabled[name] = on
	}
	s.poke()
	return s.save()
}

func (s *scheduler) Enable(name string) error  { return s.switchJob(name, true) }
func (s *scheduler) Disable(name string) error { return s.switchJob(name, false) }

// RunJob runs a job now, once, whatever its time and switches.
func (s *scheduler) RunJob(name string) error {
	s.mu.Lock()
	it, ok := s.jobs()[name]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("job %s does not exist", name)
	}
	if !s.fire(name, it) {
		return fmt.Errorf("job %s: %d runs going on already (maxrunning)", name, max(1, it.MaxRunning))
	}
	return nil
}

// due returns the jobs whose time has come, plans their next time, and
// says how long to wait for the next one.
func (s *scheduler) due(now time.Time, start bool) (due []string, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	jobs := s.jobs()
	wait = time.Minute
	names := make([]string, 0, len(jobs))
	for n := range jobs {
		names = append(names, n)
	}
	sort.Strings(names)
	for name := range s.plan {
		if _, ok := jobs[name]; !ok {
			delete(s.plan, name)
		}
	}
	for _, name := range names {
		it := jobs[name]
		p := s.plan[name]
		if p == nil {
			base := it.next(now)
			if start && it.RunOnStart {
				base = now
			}
			p = &planned{base: base, at: splayed(base, it.Splay)}
			s.plan[name] = p
		}
		if !now.Before(p.at) {
			if !s.saved.Disabled && s.jobOn(name, it) {
				due = append(due, name)
			}
			base := it.next(p.base)
			if !base.After(now) {
				// Late (a suspended host, a clock jump): from now on.
				base = it.next(now)
			}
			p.base, p.at = base, splayed(base, it.Splay)
		}
		if p.at.IsZero() {
			continue
		}
		wait = min(wait, p.at.Sub(now))
	}
	return due, max(wait, 0)
}

func splayed(t time.Time, splay int) time.Time {
	if splay <= 0 || t.IsZero() {
		return t
	}
	return t.Add(time.Duration(rand.Int64N(int64(splay)*int64(time.Second) + 1)))
}

// loop runs the schedule until ctx ends (the minion's stop).
func (s *scheduler) loop(ctx context.Context) {
	start := true
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		due, wait := s.due(time.Now(), start)
		start = false
		s.mu.Lock()
		jobs := s.jobs()
		s.mu.Unlock()
		for _, name := range due {
			if !s.fire(name, jobs[name]) {
				s.m.log.Info("scheduled job skipped: maxrunning runs going on", "schedule", name)
			}
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
		}
	}
}

// fire starts one run of a job, unless maxrunning runs go on already.
func (s *scheduler) fire(name string, it ScheduleItem) bool {
	s.mu.Lock()
	if s.running[name] >= max(1, it.MaxRunning) {
		s.mu.Unlock()
		return false
	}
	run := s.run
	if run == nil {
		s.mu.Unlock()
		return false
	}
	s.running[name]++
	s.mu.Unlock()
	run(name, it)
	return true
}

// setRun sets how a run starts (the minion's runScheduled, in its run's
// lifetime).
func (s *scheduler) setRun(run func(name string, it ScheduleItem)) {
	s.mu.Lock()
	s.run = run
	s.mu.Unlock()
}

// ended notes a run of a job ended.
func (s *scheduler) ended(name string) {
	s.mu.Lock()
	if s.running[name]--; s.running[name] <= 0 {
		delete(s.running, name)
	}
	s.mu.Unlock()
}

// runScheduled runs one scheduled job as a job of the minion's own,
// owned by the job owner (a stop drains it). A state run while another
// goes on is skipped, as Salt's scheduler skips a job already running.
func (m *Minion) runScheduled(life context.Context, name string, it ScheduleItem) {
	now := time.Now().UTC()
	job := &proto.Job{JID: m.jids.Next(now), Fun: it.Function, Args: it.Args, Kwargs: it.Kwargs, Minions: []string{m.id}, IssuedAt: now}
	o := origin{schedule: name}
	ok := m.jobsG.Go(func() {
		defer m.sched.ended(name)
		ctx, cancel, busy := m.admit(life, job)
		if busy != "" {
			m.log.Info("scheduled job skipped: a state run is going on", "schedule", name, "running", busy)
			return
		}
		defer cancel()
		m.log.Info("scheduled job", "schedule", name, "fun", it.Function, "jid", job.JID)
		m.journalStart(job, o)
		m.ack(job, false, o)
		ret, err := m.run(life, ctx, job, -1)
		if err != nil {
			m.log.Warn("scheduled job failed", "schedule", name, "jid", job.JID, "err", err)
		}
		ret.Schedule, ret.Kwargs = name, job.Kwargs
		idle := m.release(job.JID)
		m.finish(life, ret)
		if idle {
			m.trim.Quiet()
		}
	})
	if !ok {
		m.sched.ended(name)
	}
}
