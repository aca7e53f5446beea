package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/brine-cm/brine/pkg/top"
	"github.com/brine-cm/brine/states"
)

// Mine is the mine as a minion sees it through its master (the minion
// package implements it). A Host without one is `brine call --local`:
// no master, so no mine (see mineGetLocal).
type Mine interface {
	// Get reads the values of funs on the minions tgt matches (of
	// tgtType), as the master's ACLs allow: {minion: value}, or, when
	// byFun, {function: {minion: value}}.
	Get(ctx context.Context, tgt string, funs []string, byFun bool, tgtType string) (map[string]any, error)
	// Update runs the minion's mine_functions and sends their values
	// (clear: replacing its whole entry); it returns what it sent.
	Update(ctx context.Context, clear bool) (map[string]any, error)
	// Delete drops one function from the minion's entry; Flush drops the
	// whole entry.
	Delete(ctx context.Context, fun string) error
	Flush(ctx context.Context) error
	// Valid lists the mine_functions as the minion would run them.
	Valid(ctx context.Context) (map[string]any, error)
	// Send stores one value under name in the minion's entry, keeping
	// its other functions' values (mine.send); allowTgt, when not "",
	// is the minion-side ACL on who may read it.
	Send(ctx context.Context, name string, value any, allowTgt, allowTgtType string) error
}

// localMine is the mine of a host with no master (brine call --local):
// what mine.send stored, which mine.get answers from, as Salt's
// masterless minion keeps its mine_cache. It lives as long as the host.
type localMine struct {
	mu   sync.Mutex
	data map[string]any
}

// localMineInit guards the lazy making of a Host's localMine: hosts are
// built as literals in many places, so none has one at first.
var localMineInit sync.Mutex

// local is h's mine under brine call --local.
func (h *Host) local() *localMine {
	localMineInit.Lock()
	defer localMineInit.Unlock()
	if h.localMine == nil {
		h.localMine = &localMine{}
	}
	return h.localMine
}

func (l *localMine) get(name string) (any, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.data[name]
	return v, ok
}

func (l *localMine) set(name string, v any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.data == nil {
		l.data = map[string]any{}
	}
	l.data[name] = v
}

// Scheduler is the minion's schedule (the minion package implements
// it). A Host without one (brine call --local) has no schedule.
type Scheduler interface {
	// Add adds a job, in Salt's shape (function, job_args, job_kwargs,
	// seconds, minutes, hours, days, cron, splay, run_on_start,
	// maxrunning, enabled), kept in the minion's state dir.
	Add(name string, item map[string]any) error
	Delete(name string) error
	// List returns the schedule, each job as Salt lists it.
	List() map[string]any
	// Enable and Disable change one job, or the whole schedule with "".
	Enable(name string) error
	Disable(name string) error
	// RunJob runs a job now, once.
	RunJob(name string) error
}

// ErrNoMaster is a function that needs the master (the mine, the
// schedule) called with none: brine call --local.
var ErrNoMaster = errors.New("brine call --local has no master, so no mine and no schedule")

func init() {
	register("mine.get", mineGet, "Return the mine values of a function on the minions a target matches: mine.get '*' network.ip_addrs. Under `brine call --local` there is no mine: the answer is this host's own value, when the target matches it, as Salt's masterless minion answers from its own cache.",
		states.Param{Name: "tgt", Type: states.String, Required: true, Doc: "the target, such as '*', 'web*' or G@role:web with tgt_type=compound."},
		states.Param{Name: "fun", Type: states.Any, Required: true, Doc: "the mine function (network.ip_addrs), or several, as a list or joined by commas: the answer is then keyed by function."},
		states.Param{Name: "tgt_type", Type: states.String, Default: "glob", Doc: "glob, pcre, list, grain, grain_pcre or compound."},
		states.Param{Name: "exclude_minion", Type: states.Bool, Default: false, Doc: "leave this minion's own value out of the answer {minion: value} (through a master; ignored under `brine call --local`, as by Salt's masterless mine.get)."})
	register("mine.update", mineUpdate, "Run this minion's mine_functions (minion.yaml and pillar) now, and send their values to the master's mine.",
		states.Param{Name: "clear", Type: states.Bool, Default: false, Doc: "replace this minion's whole mine entry, rather than merge into it."})
	register("mine.delete", mineDelete, "Delete one function's value from this minion's mine entry.",
		states.Param{Name: "fun", Type: states.String, Required: true, Doc: "the mine function."})
	register("mine.flush", mineFlush, "Delete this minion's whole mine entry.")
	register("mine.send", mineSend, "Run one function and send its value to the master's mine under name, keeping this minion's other mine values: mine.send network.ip_addrs eth0, or mine.send eth0_ip mine_function=network.ip_addrs eth0. It returns True, or False when the function failed (and nothing is sent). Under `brine call --local` the value is kept for the run's later mine.get calls. Salt: a masterless minion keeps it in its cache across runs; brine keeps it for the run only.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the name others read the value by: the function, unless mine_function names another."},
		states.Param{Name: "args", Type: states.Any, Many: true, Doc: "positional arguments of the function."},
		states.Param{Name: "(any other argument)", Rest: true, Doc: "mine_function (the function to run, by default name), allow_tgt and allow_tgt_type (who may read the value), and the function's keyword arguments."})
	register("mine.valid", mineValid, "List this minion's mine_functions as it runs them: {name: {function: [arguments]}}.")

	register("schedule.add", scheduleAdd, "Add a job to this minion's schedule (kept in its state dir): schedule.add nightly function=state.apply cron='0 3 * * *'.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the job's name."},
		states.Param{Name: "(any other argument)", Rest: true, Doc: "the job, in Salt's shape: function, job_args, job_kwargs, seconds, minutes, hours, days, cron, splay, run_on_start, maxrunning, enabled."})
	register("schedule.delete", scheduleDelete, "Delete a job added with schedule.add.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the job's name."})
	register("schedule.list", scheduleList, "List this minion's schedule: minion.yaml's jobs and those added.")
	register("schedule.enable", scheduleEnable, "Enable the whole schedule.")
	register("schedule.disable", scheduleDisable, "Disable the whole schedule: no job runs until schedule.enable.")
	register("schedule.enable_job", scheduleEnableJob, "Enable one job of the schedule.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the job's name."})
	register("schedule.disable_job", scheduleDisableJob, "Disable one job of the schedule.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the job's name."})
	register("schedule.run_job", scheduleRunJob, "Run one job of the schedule now; its return lands in the job cache, marked as scheduled.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the job's name."})

}

// splitFuns reads mine.get's fun: a name, names joined by commas, or a
// list; byFun says whether the answer is keyed by function (more than
// one asked, or a list), as Salt's.
func splitFuns(v any) (funs []string, byFun bool, err error) {
	switch x := v.(type) {
	case string:
		seen := map[string]bool{}
		for _, f := range strings.Split(x, ",") {
			if f = strings.TrimSpace(f); f != "" && !seen[f] {
				seen[f] = true
				funs = append(funs, f)
			}
		}
		byFun = len(funs) > 1
	case []any:
		for _, f := range x {
			s, ok := f.(string)
			if !ok {
				return nil, false, fmt.Errorf("mine.get: fun: %v is not a function name", f)
			}
			funs = append(funs, s)
		}
		byFun = true
	case []string:
		funs, byFun = x, true
	default:
		return nil, false, fmt.Errorf("mine.get: fun: want a function name or a list of them")
	}
	if len(funs) == 0 {
		return nil, false, fmt.Errorf("mine.get: no function named")
	}
	return funs, byFun, nil
}

func mineGet(ctx context.Context, c *call) Return {
	v, err := MineGet(ctx, c.host, c.str("tgt"), c.kw["fun"], c.str("tgt_type"), c.boolean("exclude_minion"))
	if err != nil {
		return failed(err.Error())
	}
	return nested(v)
}

// MineGet is mine.get on a host, for the function and for templates
// (salt['mine.get']).
//
// excludeMinion is Salt 3006's exclude_minion: through a master, the
// answer without this minion's own key (`del ret[id]`, so an answer
// keyed by function keeps it); a masterless mine.get ignores it.
func MineGet(ctx context.Context, h *Host, tgt string, fun any, tgtType string, excludeMinion bool) (map[string]any, error) {
	funs, byFun, err := splitFuns(fun)
	if err != nil {
		return nil, err
	}
	if tgtType == "" {
		tgtType = "glob"
	}
	if h.Mine != nil {
		v, err := h.Mine.Get(ctx, tgt, funs, byFun, tgtType)
		if err != nil || !excludeMinion {
			return v, err
		}
		if _, own := v[h.ID]; !own {
			return v, nil
		}
		// A copy: the minion keeps its answers for the job.
		out := make(map[string]any, len(v))
		for k, x := range v {
			if k != h.ID {
				out[k] = x
			}
		}
		return out, nil
	}
	return mineGetLocal(ctx, h, tgt, funs, byFun, tgtType)
}

// mineGetLocal is mine.get with no master (brine call --local). Salt's
// masterless mine.get answers from the minion's own mine cache, for the
// minion alone, when the target matches it; brine keeps no such cache,
// so it runs the functions asked for on this host. It says so in the
// log, once per call.
func mineGetLocal(ctx context.Context, h *Host, tgt string, funs []string, byFun bool, tgtType string) (map[string]any, error) {
	h.Log.Warn("no master, so no mine: mine.get answers with this host's own values only (brine call --local)", "tgt", tgt)
	out := map[string]any{}
	c, err := top.Compile(tgt, tgtType, nil)
	if err != nil {
		return nil, fmt.Errorf("mine.get: target: %w", err)
	}
	if !c.Match(top.Minion{ID: h.ID, Grains: h.Grains, Pillar: h.Pillar.PlainMap()}) {
		return out, nil
	}
	for _, f := range funs {
		if v, ok := h.local().get(f); ok {
			// What mine.send kept, as Salt's masterless mine.get reads
			// its mine_cache.
			if byFun {
				out[f] = map[string]any{h.ID: v}
			} else {
				out[h.ID] = v
			}
			continue
		}
		if strings.HasPrefix(f, "mine.") || strings.HasPrefix(f, "state.") || strings.HasPrefix(f, "schedule.") {
			continue
		}
		if _, ok := functions[f]; !ok {
			continue
		}
		r := Call(ctx, h, f, nil, nil)
		if r.Retcode != 0 {
			continue
		}
		if byFun {
			out[f] = map[string]any{h.ID: r.Value}
		} else {
			out[h.ID] = r.Value
		}
	}
	return out, nil
}

// mineSend is Salt's mine.send (salt/modules/mine.py send): the function
// runs with the other arguments, and its value goes to the mine under
// name, merged into the minion's entry. A function that fails is
// logged, and the answer is False, as Salt's catches the exception.
func mineSend(ctx context.Context, c *call) Return {
	name := c.str("name")
	kw := map[string]any{}
	var allowTgt, allowTgtType, fun string
	for k, v := range c.rest {
		switch {
		case k == "mine_function":
			fun, _ = v.(string)
		case k == "allow_tgt":
			allowTgt = fmt.Sprint(v)
		case k == "allow_tgt_type":
			allowTgtType = fmt.Sprint(v)
		case strings.HasPrefix(k, "__"):
			// Salt's clean_kwargs drops the __pub_* and other dunder
			// arguments before the function sees them.
		default:
			kw[k] = v
		}
	}
	if fun == "" {
		fun = name
	}
	var args []any
	if len(c.args) > 1 {
		args = c.args[1:]
	}
	if strings.HasPrefix(fun, "mine.") || strings.HasPrefix(fun, "schedule.") {
		c.host.Log.Error("function in mine.send cannot be a mine function", "fun", fun)
		return nested(false)
	}
	r := Call(ctx, c.host, fun, args, kw)
	if r.Retcode != 0 && (r.Code == 0 || r.Raised != nil || r.NotRun) {
		c.host.Log.Error("function in mine.send failed to execute", "fun", fun, "err", fmt.Sprint(r.Value))
		return nested(false)
	}
	v := WireValue(r.Value)
	if c.host.Mine == nil {
		c.host.local().set(name, v)
		return nested(true)
	}
	if err := c.host.Mine.Send(ctx, name, v, allowTgt, allowTgtType); err != nil {
		return failed(fmt.Sprintf("mine.send: %v", err))
	}
	return nested(true)
}

func mineUpdate(ctx context.Context, c *call) Return {
	if c.host.Mine == nil {
		return failed(ErrNoMaster.Error())
	}
	v, err := c.host.Mine.Update(ctx, c.boolean("clear"))
	if err != nil {
		return failed(err.Error())
	}
	return nested(v)
}

func mineDelete(ctx context.Context, c *call) Return {
	if c.host.Mine == nil {
		return failed(ErrNoMaster.Error())
	}
	if err := c.host.Mine.Delete(ctx, c.str("fun")); err != nil {
		return failed(err.Error())
	}
	return nested(true)
}

func mineFlush(ctx context.Context, c *call) Return {
	if c.host.Mine == nil {
		return failed(ErrNoMaster.Error())
	}
	if err := c.host.Mine.Flush(ctx); err != nil {
		return failed(err.Error())
	}
	return nested(true)
}

func mineValid(ctx context.Context, c *call) Return {
	if c.host.Mine == nil {
		return failed(ErrNoMaster.Error())
	}
	v, err := c.host.Mine.Valid(ctx)
	if err != nil {
		return failed(err.Error())
	}
	return nested(v)
}

// scheduleResult is Salt's answer shape for the schedule functions.
func scheduleResult(err error, ok string) Return {
	if err != nil {
		return Return{Value: map[string]any{"result": false, "comment": err.Error()}, Retcode: RetError, Out: "nested"}
	}
	return nested(map[string]any{"result": true, "comment": ok})
}

func withSchedule(c *call, f func(Scheduler) (error, string)) Return {
	if c.host.Schedule == nil {
		return failed(ErrNoMaster.Error())
	}
	err, ok := f(c.host.Schedule)
	return scheduleResult(err, ok)
}

func scheduleAdd(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) {
		name := c.str("name")
		return s.Add(name, c.rest), "Added job: " + name + " to schedule."
	})
}

func scheduleDelete(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) {
		name := c.str("name")
		return s.Delete(name), "Deleted Job " + name + " from schedule."
	})
}

func scheduleList(_ context.Context, c *call) Return {
	if c.host.Schedule == nil {
		return failed(ErrNoMaster.Error())
	}
	return nested(map[string]any{"schedule": c.host.Schedule.List()})
}

func scheduleEnable(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) { return s.Enable(""), "Enabled schedule on minion." })
}

func scheduleDisable(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) { return s.Disable(""), "Disabled schedule on minion." })
}

func scheduleEnableJob(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) {
		name := c.str("name")
		return s.Enable(name), "Enabled Job " + name + " in schedule."
	})
}

func scheduleDisableJob(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) {
		name := c.str("name")
		return s.Disable(name), "Disabled Job " + name + " in schedule."
	})
}

func scheduleRunJob(_ context.Context, c *call) Return {
	return withSchedule(c, func(s Scheduler) (error, string) {
		name := c.str("name")
		return s.RunJob(name), "Scheduling Job " + name + " on minion."
	})
}
