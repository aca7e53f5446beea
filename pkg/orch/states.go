package orch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/pkg/sls"
	statetree "github.com/brine-cm/brine/pkg/tree"
	"github.com/brine-cm/brine/states"
)

// run is one orchestration's run, reached by its state functions
// through the context the engine hands them.
type run struct {
	o Options
	// failhard holds the steps (by key) whose failhard is true: the
	// engine takes the argument, and salt.state passes it on too.
	failhard map[string]bool
	// testArg holds the steps' own test arguments, by key: salt.state
	// passes a test: False on too (to override a minion's test mode).
	testArg map[string]bool
	// async, set for reactions, runs runner and wheel reactions in the
	// background as Salt's ReactWrap hands them to its pool: the next
	// reaction does not wait. Their results land in late, by key.
	async *asyncReactions
}

type asyncReactions struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	late map[string]states.Result
}

// background runs fn for the reaction req in the background and returns
// at once; wait gathers its result.
func (r *run) background(req *states.Request, started string, fn func() states.Result) states.Result {
	a := r.async
	key := statetree.Key(req.Func, req.ID, req.Name)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		res := fn()
		a.mu.Lock()
		a.late[key] = res
		a.mu.Unlock()
	}()
	return states.Result{Name: req.Name, Result: states.True, Changes: map[string]any{}, Comment: started}
}

// wait waits for the background reactions and puts their results in rs.
func (a *asyncReactions) wait(rs []engine.StateResult) {
	a.wg.Wait()
	for i := range rs {
		if res, ok := a.late[rs[i].Key]; ok {
			rs[i].Result = res
		}
	}
}

func newRun(o Options, chunks []sls.Chunk) *run {
	r := &run{o: o, failhard: map[string]bool{}, testArg: map[string]bool{}}
	for _, c := range chunks {
		if b, err := states.ParseBool(c.Args["failhard"]); err == nil && b {
			r.failhard[c.Key()] = true
		}
		if v, ok := c.Args["test"]; ok && v != nil {
			if b, err := states.ParseBool(v); err == nil {
				r.testArg[c.Key()] = b
			}
		}
	}
	return r
}

type runKey struct{}

// depthKey counts nested orchestrations (salt.runner state.orchestrate).
type depthKey struct{}

// maxDepth bounds orchestrations that start orchestrations.
const maxDepth = 8

func (r *run) lookup(name string) (states.Func, error) {
	if fn, ok := funcs[name]; ok {
		return func(ctx context.Context, req *states.Request) states.Result {
			return fn(context.WithValue(ctx, runKey{}, r), req)
		}, nil
	}
	if strings.HasPrefix(name, "test.") {
		return states.Lookup(name)
	}
	if r.o.Reactions {
		if fn, ok := reaction(name); ok {
			return func(ctx context.Context, req *states.Request) states.Result {
				return fn(context.WithValue(ctx, runKey{}, r), req)
			}, nil
		}
	}
	return nil, fmt.Errorf("state function %q is not available in an orchestration: it runs %s and test.*; a state that changes a host goes in an SLS that salt.state applies there",
		name, strings.Join(Names(), ", "))
}

func runOf(ctx context.Context) *run { return ctx.Value(runKey{}).(*run) }

// Names lists orchestration's own state functions, sorted.
func Names() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Params returns the declared arguments of one of orchestration's state
// functions, for the docs.
func Params(name string) ([]states.Param, bool) {
	p, ok := params[name]
	return append([]states.Param(nil), p...), ok
}

// Doc is the one-line description of one of orchestration's states.
func Doc(name string) string { return docs[name] }

var (
	funcs  = map[string]states.Func{}
	params = map[string][]states.Param{}
	docs   = map[string]string{}
)

func register(name, doc string, fn states.Func, ps ...states.Param) {
	funcs[name] = states.Checked(name, fn, ps...)
	params[name] = ps
	docs[name] = doc
}

// Arguments every step that publishes jobs takes.
var targetParams = []states.Param{
	{Name: "tgt", Type: states.Any, Required: true, Doc: "the target, as `brine TARGET`; with tgt_type list, a list of ids too."},
	{Name: "tgt_type", Type: states.String, Default: "glob", Doc: "glob, pcre, list, grain, grain_pcre, pillar, compound or nodegroup."},
	{Name: "fail_minions", Type: states.Any, Doc: "minions whose failure does not fail the step: a list, or names separated by commas."},
	{Name: "timeout", Type: states.Int, Doc: "seconds to wait for news from a minion (its ack, then its heartbeats); default 10."},
	{Name: "batch", Type: states.String, Doc: "run on N minions (or N%) at a time, as --batch-size."},
	{Name: "subset", Type: states.Int, Doc: "run on this many of the matched minions, picked at random."},
}

func init() {
	register("salt.state", "Apply states on minions (state.sls, or state.highstate with highstate=True) and wait for their returns; fails when a minion fails or does not return.",
		saltState, append([]states.Param{
			{Name: "name", Type: states.String, Required: true, Doc: "a name for the step."},
			{Name: "sls", Type: states.StringList, Doc: "the SLS to apply: a list, or names separated by commas."},
			{Name: "highstate", Type: states.Bool, Default: false, Doc: "apply each minion's highstate instead."},
			{Name: "pillar", Type: states.Map, Doc: "pillar merged over each minion's for this run."},
			{Name: "saltenv", Type: states.String, Doc: "the environment of the states."},
			{Name: "exclude", Type: states.Any, Doc: "SLS or state ids to leave out, as state.apply's exclude."},
			{Name: "allow_fail", Type: states.Any, Default: 0, Doc: "how many minions may fail before the step fails."},
			{Name: "expect_minions", Type: states.Bool, Default: true, Doc: "count a matched minion that does not return as failed (False: leave it out)."},
			{Name: "queue", Type: states.Bool, Default: false, Doc: "passed to the minions' state run: wait for a run already going on."},
			{Name: "concurrent", Type: states.Any, Default: false, Doc: "passed to the minions' state run: run alongside one already going on (a boolean)."},
			{Name: "pillarenv", Type: states.String, Doc: "passed to the minions' state run."},
			{Name: "ssh", Type: states.Bool, Default: false, Doc: "True (salt-ssh) is refused: an orchestration reaches minions only."},
			{Name: "top", Type: states.Any, Doc: "refused: Salt's state.top with this top file is not on brine's minions."},
		}, targetParams...)...)
	register("salt.function", "Run an execution function on minions and wait for their returns; fails when a minion's function fails (or returns False).",
		saltFunction, append([]states.Param{
			{Name: "name", Type: states.String, Required: true, Doc: "the function, such as cmd.run."},
			{Name: "arg", Type: states.Any, Doc: "its positional arguments: a list (a string is split on blanks, as Salt does, with a warning)."},
			{Name: "kwarg", Type: states.Map, Doc: "its keyword arguments."},
			{Name: "expect_minions", Type: states.Bool, Default: false, Doc: "count a matched minion that does not return as failed."},
			{Name: "ssh", Type: states.Bool, Default: false, Doc: "True (salt-ssh) is refused: an orchestration reaches minions only."},
			{Name: "fail_function", Type: states.Any, Doc: "refused: Salt calls this execution function in the master's own minion, which brine's orchestration does not have."},
		}, targetParams...)...)
	register("salt.wait_for_event", "Wait until events whose tag matches name have come from every id of id_list (watching from when the step starts).",
		waitForEvent,
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the tag to wait for, a glob (salt/minion/*/start)."},
		states.Param{Name: "id_list", Type: states.StringList, Required: true, Doc: "the ids to wait for, usually minion ids."},
		states.Param{Name: "event_id", Type: states.String, Default: "id", Doc: "the key of the event's data that holds the id (looked up in data, then in data['data'])."},
		states.Param{Name: "timeout", Type: states.Int, Default: 300, Doc: "seconds to wait in all."})
	register("salt.runner", "Run a runner function: state.orchestrate (state.orch) of another orchestration, with mods, pillar, saltenv; or manage.up, manage.down, manage.status (which minions answer a ping).",
		saltRunner,
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the runner function: state.orchestrate or state.orch."},
		states.Param{Name: "mods", Type: states.StringList, Doc: "the orchestration SLS."},
		states.Param{Name: "pillar", Type: states.Map, Doc: "pillar for it."},
		states.Param{Name: "saltenv", Type: states.String, Doc: "its environment."},
		states.Param{Name: "pillarenv", Type: states.String, Doc: "the environment of its pillar."},
		states.Param{Name: "exclude", Type: states.Any, Doc: "SLS or IDs it leaves out, as state.orchestrate's exclude."},
		states.Param{Name: "tgt", Type: states.String, Doc: "manage.*: the minions to ping (default every one, *)."},
		states.Param{Name: "tgt_type", Type: states.String, Doc: "manage.*: how tgt matches (default glob)."},
		states.Param{Name: "timeout", Type: states.Int, Doc: "manage.*: seconds to wait for news from a minion pinged; default 10."},
		states.Param{Name: "kwarg", Type: states.Map, Doc: "its arguments as a mapping (mods, pillar, saltenv, tgt, tgt_type), as Salt's salt.runner takes them too."})
	register("salt.parallel_runners", "Run runner functions (state.orchestrate of other orchestrations, manage.up, manage.down, manage.status) at once, each under its own id, as Salt's.",
		parallelRunners,
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "a name for the step."},
		states.Param{Name: "runners", Type: states.Any, Required: true, Doc: "id: [- name: state.orchestrate, - kwarg: {mods: ..., pillar: ...}] for each runner; or one runner function's name."})
	register("salt.wheel", "Run a wheel function: key.accept, key.reject or key.delete of the keys whose id matches match.",
		saltWheel,
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "key.accept, key.reject, key.delete, key.list_all, key.list or key.name_match."},
		states.Param{Name: "match", Type: states.Any, Doc: "the ids: a glob, globs separated by commas, or a list (key.list: the status, acc, pre, rej, den or all)."},
		states.Param{Name: "include_rejected", Type: states.Bool, Default: false, Doc: "key.accept takes rejected keys too."},
		states.Param{Name: "include_accepted", Type: states.Bool, Default: false, Doc: "key.reject takes accepted keys too."})
}

// outcome is one minion's end of a job.
type outcome struct {
	ret    *proto.Return
	status client.Status
}

// jobSpec is what a step publishes.
type jobSpec struct {
	job         client.Job
	batch       string
	subset      int
	failMinions []string
	// warnings go on the step's result once the job ran, as Salt's
	// (fail_minions of another type).
	warnings     []string
	expectAbsent bool // a matched minion that does not return fails
	// failhard, the step's or the orchestration's, stops a batch: no
	// minion is started after one returns a retcode above 0, as Salt's
	// Batch does with failhard in its options.
	failhard bool
}

func stepTimeout(r *run, a *states.Args) time.Duration {
	if t := a.Int("timeout", 0); t > 0 {
		return time.Duration(t) * time.Second
	}
	if r.o.Timeout > 0 {
		return r.o.Timeout
	}
	return DefaultTimeout
}

// targetOf reads tgt: a string, or a list (of ids for tgt_type list, of
// words for compound), as Salt's LocalClient takes either.
func targetOf(a *states.Args, tgtType string) (string, error) {
	v, _ := a.Get("tgt")
	return targetText(v, tgtType)
}

// targetText is targetOf of the value tgt holds.
func targetText(v any, tgtType string) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case []any:
		sep := ","
		switch tgtType {
		case "list":
		case "compound":
			sep = " "
		default:
			return "", fmt.Errorf("tgt: a list is a target of tgt_type list (or compound), not %s", tgtType)
		}
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, sep), nil
	}
	return fmt.Sprint(v), nil
}

// pyTarget is tgt as Salt's comments format it: a list as Python's str()
// of it.
func pyTarget(a *states.Args) string {
	v, _ := a.Get("tgt")
	if l, ok := v.([]any); ok {
		return output.PyRepr(l)
	}
	return fmt.Sprint(v)
}

func targetSpec(r *run, req *states.Request) (jobSpec, error) {
	a := &req.Args
	tgtType := a.String("tgt_type", "glob")
	tgt, err := targetOf(a, tgtType)
	return jobSpec{
		job: client.Job{Target: tgt, TargetType: tgtType,
			Timeout: stepTimeout(r, a)},
		batch:       a.String("batch", ""),
		subset:      a.Int("subset", 0),
		failMinions: failMinions(a),
		warnings:    failMinionsWarning(a),
	}, err
}

// failMinionsWarning is Salt's warning for a fail_minions neither a
// list nor a string, which it then ignores.
func failMinionsWarning(a *states.Args) []string {
	switch v, _ := a.Get("fail_minions"); v.(type) {
	case nil, string, []any:
		return nil
	}
	return []string{"'fail_minions' needs to be a list or a comma separated string. Ignored."}
}

func failMinions(a *states.Args) []string {
	v, ok := a.Get("fail_minions")
	if !ok || v == nil {
		return nil
	}
	var out []string
	switch t := v.(type) {
	case string:
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case []any:
		for _, s := range t {
			out = append(out, fmt.Sprint(s))
		}
	}
	return out
}

// publish runs the step's job (in batches, on a subset, when asked)
// and returns each matched minion's outcome.
//
// jid is the job's id when it went out as one job (no batch, no
// subset) and a minion returned: Salt's step reads its __jid__ from the
// first minion's return of saltutil.cmd, which a batch's returns and a
// minion that did not return lack.
func (r *run) publish(ctx context.Context, s jobSpec) (outs map[string]outcome, jid string, err error) {
	out := map[string]outcome{}
	var mu sync.Mutex
	collect := func(res *client.Result) {
		mu.Lock()
		defer mu.Unlock()
		for id, st := range res.Status {
			out[id] = outcome{ret: res.Returns[id], status: st}
		}
	}
	if s.batch == "" && s.subset <= 0 {
		res, err := r.o.Client.Run(ctx, s.job, nil)
		if err != nil {
			return nil, "", err
		}
		collect(res)
		for _, st := range res.Status {
			if st == client.Returned {
				jid = res.JID
			}
		}
		return out, jid, nil
	}
	rep, err := r.o.Client.Resolve(ctx, s.job)
	if err != nil {
		return nil, "", err
	}
	ids := append([]string(nil), rep.Minions...)
	// A matched minion not connected gets no job and no outcome: Salt's
	// batch pings first and sends nothing to one that does not answer
	// ("No job will be sent"), its cmd_subset picks among those that
	// answer sys.list_functions.
	if s.subset > 0 && s.subset < len(ids) {
		rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		ids = ids[:s.subset]
		sort.Strings(ids)
	}
	if len(ids) == 0 {
		return out, "", nil
	}
	size := len(ids)
	if s.batch != "" {
		if size, err = client.BatchSize(len(ids), s.batch); err != nil {
			return nil, "", err
		}
	}
	// Cancelling bctx starts no more minions; those running go on
	// under ctx and their returns are kept.
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	var stopped bool
	err = client.Batch(bctx, ids, size, func(_ context.Context, id string) error {
		j := s.job
		j.Minions = []string{id}
		res, err := r.o.Client.Run(ctx, j, nil)
		if err != nil {
			return err
		}
		collect(res)
		if s.failhard {
			for _, ret := range res.Returns {
				if ret != nil && ret.Retcode > 0 {
					mu.Lock()
					stopped = true
					mu.Unlock()
					stop()
				}
			}
		}
		return nil
	})
	if stopped && ctx.Err() == nil && errors.Is(err, context.Canceled) {
		// The batch stopped for failhard, not for the caller: the
		// returns so far are the step's.
		err = nil
	}
	return out, "", err
}

// stateRunOK is Salt's state.check_result (recurse=True), as
// salt.state asks it of each minion's return: a mapping of states, not
// empty, none of whose results is False (a state without a result is a
// mapping of states in turn); the result code is not read.
func stateRunOK(ret *proto.Return) bool {
	if ret == nil {
		return false
	}
	return checkResult(ret.Return)
}

func checkResult(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	for _, x := range m {
		st, ok := x.(map[string]any)
		if !ok {
			continue
		}
		r, has := st["result"]
		if r == false {
			return false
		}
		if !has && !checkResult(st) {
			return false
		}
	}
	return true
}

func stateRunChanged(ret *proto.Return) bool {
	m, _ := ret.Return.(map[string]any)
	for _, v := range m {
		if st, ok := v.(map[string]any); ok {
			if c, ok := st["changes"].(map[string]any); ok && len(c) > 0 {
				return true
			}
		}
	}
	return false
}

func failed(name, format string, args ...any) states.Result {
	return states.Result{Name: name, Result: states.False, Comment: fmt.Sprintf(format, args...), Changes: map[string]any{}}
}

func saltState(ctx context.Context, req *states.Request) states.Result {
	r := runOf(ctx)
	a := &req.Args
	s, tgtErr := targetSpec(r, req)
	if tgtErr != nil {
		return failed(req.Name, "%v", tgtErr)
	}
	top, hasTop := a.Get("top")
	switch mods := a.StringList("sls"); {
	case a.Bool("highstate", false):
		s.job.Fun = "state.highstate"
	case hasTop && top != nil && top != "" && top != false:
		// Salt's saltmod.state runs state.top (not state.sls) when top
		// is given; running the sls instead would apply other states.
		return failed(req.Name, "top: state.top is not available on brine's minions; name the SLS (sls) or use highstate: True")
	case len(mods) > 0:
		s.job.Fun, s.job.Args = "state.sls", []any{strings.Join(mods, ",")}
	default:
		return failed(req.Name, "No highstate or sls specified, no execution made")
	}
	allowArg, ok := a.Get("allow_fail")
	if !ok || allowArg == nil {
		allowArg = 0
	}
	allow, err := pyInt(allowArg)
	if err != nil {
		return failed(req.Name, "Passed invalid value for 'allow_fail', must be an int")
	}
	kw := map[string]any{}
	// test (the orchestration's, or the step's own test: True, which
	// the engine reads) goes on to the minions.
	// Salt's: the step's test when it has one (test: False overrides a
	// minion's test mode), else the orchestration's test=True.
	test := req.Test
	key := statetree.Key(req.Func, req.ID, req.Name)
	// req.Test is the orchestration's test=True, and the dry run of a
	// step a prereq looks at: Salt's engine sets test in the opts
	// saltmod.state reads for that check, so the minions only say what
	// they would change.
	if b, ok := r.testArg[key]; ok {
		kw["test"] = b
	} else if req.Test {
		kw["test"] = true
	}
	if p := a.Dict("pillar"); len(p) > 0 {
		// Salt's "if pillar": an empty one is not passed.
		kw["pillar"] = p
	}
	if e := a.String("pillarenv", ""); e != "" {
		kw["pillarenv"] = e
	}
	if e := a.String("saltenv", ""); e != "" {
		kw["saltenv"] = e
	}
	if v, ok := a.Get("exclude"); ok && v != nil {
		kw["exclude"] = v
	}
	// Salt passes queue and concurrent on always, concurrent only when
	// it is a boolean.
	kw["queue"] = a.Bool("queue", false)
	concArg, ok := a.Get("concurrent")
	if !ok {
		concArg = false
	}
	conc, ok := concArg.(bool)
	if !ok {
		return failed(req.Name, "Must pass in boolean for value of 'concurrent'")
	}
	kw["concurrent"] = conc
	if r.failhard[key] || r.o.Failhard {
		// Salt's saltmod.state hands failhard (the step's or the
		// orchestration's) to saltutil.cmd beside the job's kwarg, not in
		// it: it stops a batch, and the master publishes it to no minion
		// (its _prep_pub keeps only ret_config, metadata and the like of
		// those), so the minions' state runs go on past a failure.
		s.failhard = true
	}
	s.job.Kwargs = kw
	expect := a.Bool("expect_minions", true)
	if a.Bool("ssh", false) {
		return failed(req.Name, "ssh: True: brine's orchestration publishes to minions; run salt-ssh targets with brine ssh")
	}
	if err := a.Err(); err != nil {
		return failed(req.Name, "%v", err)
	}
	outs, jid, err := r.publish(ctx, s)
	if err != nil {
		return failed(req.Name, "%v", err)
	}
	changes := map[string]any{}
	var fail, same []string
	answered := 0
	for _, id := range sortedIDs(outs) {
		o := outs[id]
		if o.ret == nil && !expect {
			// Salt's saltutil.cmd leaves a minion that does not return
			// out unless expect_minions asks for it ({"failed": True}).
			continue
		}
		answered++
		if o.ret == nil || !stateRunOK(o.ret) {
			if !slices.Contains(s.failMinions, id) {
				fail = append(fail, id)
			}
			if o.ret != nil {
				changes[id] = o.ret.Return
			} else {
				// Salt's m_ret of a minion that failed to return.
				changes[id] = false
			}
			continue
		}
		if stateRunChanged(o.ret) {
			changes[id] = o.ret.Return
		} else {
			same = append(same, id)
		}
	}
	if answered == 0 && expect {
		// Salt's "not cmd_ret and expect_minions": no minion matched.
		res := failed(req.Name, "No minions returned")
		res.Warnings = s.warnings
		return res
	}
	res := states.Result{Name: req.Name, Result: states.True, Changes: map[string]any{}, JID: jid, Warnings: s.warnings}
	if len(changes) > 0 {
		res.Changes = map[string]any{"out": "highstate", "ret": changes}
	}
	if len(fail) > allow {
		res.Result = states.False
		res.Comment = "Run failed on minions: " + strings.Join(fail, ", ")
		return res
	}
	res.Comment = "States ran successfully."
	if len(changes) > 0 {
		// Salt names every minion of changes: those that changed, and
		// those that failed but may (fail_minions, allow_fail).
		res.Comment += " Updating " + strings.Join(sortedKeys(changes), ", ") + "."
	}
	if len(same) > 0 {
		res.Comment += " No changes made to " + strings.Join(same, ", ") + "."
	}
	if test && len(changes) > 0 {
		res.Result = states.None
	}
	return res
}

func saltFunction(ctx context.Context, req *states.Request) states.Result {
	r := runOf(ctx)
	a := &req.Args
	s, tgtErr := targetSpec(r, req)
	if tgtErr != nil {
		return failed(req.Name, "%v", tgtErr)
	}
	s.job.Fun = req.Name
	var warnings []string
	if v, ok := a.Get("arg"); ok && v != nil {
		switch t := v.(type) {
		case string:
			warnings = append(warnings, "Please specify 'arg' as a list of arguments.")
			for _, f := range strings.Fields(t) {
				s.job.Args = append(s.job.Args, f)
			}
		case []any:
			s.job.Args = t
		default:
			s.job.Args = []any{t}
		}
	}
	s.job.Kwargs = a.Dict("kwarg")
	// Salt's salt.function hands failhard (the step's or the
	// orchestration's) to saltutil.cmd, whose batch stops on it.
	s.failhard = r.failhard[statetree.Key(req.Func, req.ID, req.Name)] || r.o.Failhard
	expect := a.Bool("expect_minions", false)
	if a.Bool("ssh", false) {
		return failed(req.Name, "ssh: True: brine's orchestration publishes to minions; run salt-ssh targets with brine ssh")
	}
	if err := a.Err(); err != nil {
		return failed(req.Name, "%v", err)
	}
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Changes: map[string]any{}, Warnings: warnings,
			Comment: fmt.Sprintf("Function %s would be executed on target %s", req.Name, pyTarget(a))}
	}
	if v, ok := a.Get("fail_function"); ok && v != nil && v != "" && v != false {
		// Salt judges each minion's return with this function (after its
		// dry-run answer above); without it a return Salt would fail
		// could pass.
		return failed(req.Name, "fail_function: brine's orchestration runs no execution function on the master to judge the returns; check them in a later step (salt.function with a require)")
	}
	outs, jid, err := r.publish(ctx, s)
	if err != nil {
		return failed(req.Name, "%v", err)
	}
	ret := map[string]any{}
	var fail []string
	for _, id := range sortedIDs(outs) {
		o := outs[id]
		if o.ret == nil {
			// Salt's saltutil.cmd gives {"failed": True} for a minion
			// that does not return, with expect_minions only; its
			// return is False.
			if expect {
				ret[id] = false
				if !slices.Contains(s.failMinions, id) {
					fail = append(fail, id)
				}
			}
			continue
		}
		ret[id] = o.ret.Return
		// Salt fails a minion whose retcode is not 0 whatever
		// fail_minions says; fail_minions excuses a return of False.
		if o.ret.Retcode != 0 || o.ret.Return == false && !slices.Contains(s.failMinions, id) {
			fail = append(fail, id)
		}
	}
	res := states.Result{Name: req.Name, Result: states.True, Changes: map[string]any{}, Warnings: append(warnings, s.warnings...), JID: jid}
	if len(ret) == 0 {
		res.Result, res.Comment = states.False, "No minions responded"
		return res
	}
	res.Changes = map[string]any{"ret": ret}
	if len(fail) > 0 {
		res.Result = states.False
		res.Comment = fmt.Sprintf("Running function %s failed on minions: %s", req.Name, strings.Join(fail, ", "))
	} else {
		res.Comment = "Function ran successfully."
	}
	// Salt names every minion of changes, failed ones too.
	res.Comment += fmt.Sprintf(" Function %s ran on %s.", req.Name, strings.Join(sortedKeys(ret), ", "))
	return res
}

func waitForEvent(ctx context.Context, req *states.Request) states.Result {
	r := runOf(ctx)
	a := &req.Args
	ids := a.StringList("id_list")
	key := a.String("event_id", "id")
	timeout := time.Duration(a.Int("timeout", 300)) * time.Second
	if err := a.Err(); err != nil {
		return failed(req.Name, "%v", err)
	}
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Changes: map[string]any{},
			Comment: fmt.Sprintf("Orchestration would wait for event '%s'", req.Name)}
	}
	// want is Salt's id_list, a list: an id given twice needs two
	// events (list.index and del take one at a time), and the ids of an
	// event that holds a list are taken in id_list's order, each once
	// per time id_list has it.
	want := slices.Clone(ids)
	var seen []any
	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pat := fnmatch.Compile(req.Name)
	err := r.o.Client.Events(wctx, pat.Match, func(e proto.Event) bool {
		vals, isList := eventIDs(e, key)
		var found []string
		switch {
		case isList:
			for _, id := range want {
				if slices.Contains(vals, id) {
					found = append(found, id)
				}
			}
		case len(vals) == 1 && slices.Contains(want, vals[0]):
			found = vals
		}
		for _, id := range found {
			i := slices.Index(want, id)
			want = slices.Delete(want, i, i+1)
			seen = append(seen, id)
		}
		return len(want) > 0
	})
	res := states.Result{Name: req.Name, Changes: map[string]any{}}
	if len(seen) > 0 {
		res.Changes["minions_seen"] = seen
	}
	switch {
	case len(want) == 0:
		res.Result = states.True
		// Salt formats the float as Python's str() does: every digit.
		res.Comment = fmt.Sprintf("All events seen in %s seconds.", pyfmt.Float(time.Since(start).Seconds()))
	case err != nil && !errors.Is(err, context.DeadlineExceeded):
		res.Result, res.Comment = states.False, err.Error()
	default:
		// The wait ran out (an event bus that reports the deadline as
		// an error says the same).
		res.Result, res.Comment = states.False, "Timeout value reached."
	}
	return res
}

// eventIDs reads the id of an event: data[key], else data['data'][key];
// isList when it is a list, whose items are the ids.
func eventIDs(e proto.Event, key string) (ids []string, isList bool) {
	var d map[string]any
	if err := jsonUnmarshal(e.Data, &d); err != nil {
		return nil, false
	}
	v, ok := d[key]
	if !ok || v == nil {
		if inner, ok2 := d["data"].(map[string]any); ok2 {
			v, ok = inner[key]
		}
	}
	if !ok || v == nil {
		return nil, false
	}
	if l, ok := v.([]any); ok {
		out := make([]string, 0, len(l))
		for _, x := range l {
			out = append(out, fmt.Sprint(x))
		}
		return out, true
	}
	return []string{fmt.Sprint(v)}, false
}

func saltRunner(ctx context.Context, req *states.Request) states.Result {
	r := runOf(ctx)
	a := &req.Args
	kw := a.Dict("kwarg")
	mods := a.StringList("mods")
	pil := a.Dict("pillar")
	env := a.String("saltenv", "")
	if err := a.Err(); err != nil {
		return failed(req.Name, "%v", err)
	}
	if kw != nil {
		if mods == nil {
			mods = toStrings(kw["mods"])
		}
		if pil == nil {
			pil, _ = kw["pillar"].(map[string]any)
		}
		if env == "" {
			env, _ = kw["saltenv"].(string)
		}
	}
	tgt, tgtType := a.String("tgt", ""), a.String("tgt_type", "")
	if kw != nil {
		if tgt == "" {
			tgt, _ = kw["tgt"].(string)
		}
		if tgtType == "" {
			tgtType, _ = kw["tgt_type"].(string)
		}
	}
	manage := false
	switch req.Name {
	case "state.orchestrate", "state.orch", "state.sls":
	case "manage.up", "manage.down", "manage.status":
		manage = true
	default:
		return failed(req.Name, "runner function %q is not available in brine: salt.runner runs state.orchestrate (state.orch), manage.up, manage.down and manage.status", req.Name)
	}
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Changes: map[string]any{},
			Comment: fmt.Sprintf("Runner function '%s' would be executed.", req.Name)}
	}
	if manage {
		return r.manage(ctx, req.Name, tgt, tgtType, stepTimeout(r, a))
	}
	test, _ := states.ParseBool(kw["test"])
	// exclude and pillarenv are state.orchestrate's arguments: Salt's
	// salt.runner hands every argument of the step on to the runner,
	// as it does those of kwarg.
	exclArg, ok := a.Get("exclude")
	if !ok || exclArg == nil {
		exclArg = kw["exclude"]
	}
	excl, err := sls.ParseExclude(exclArg)
	if err != nil {
		return failed(req.Name, "%v", err)
	}
	penv := a.String("pillarenv", "")
	if penv == "" {
		penv, _ = kw["pillarenv"].(string)
	}
	return r.orchestrate(ctx, req.Name, mods, pil, env, penv, test, excl)
}

// manage is Salt's manage runner (manage.status, up and down): the
// minions tgt matches are pinged (test.ping); those that answer are up,
// the others (not connected, or silent) down, each list sorted.
// manage.up returns the first list, manage.down the second, and
// manage.status both, as {up: [...], down: [...]}.
func (r *run) manage(ctx context.Context, name, tgt, tgtType string, timeout time.Duration) states.Result {
	if tgt == "" {
		tgt = "*"
	}
	if tgtType == "" {
		tgtType = "glob"
	}
	res, err := r.o.Client.Run(ctx, client.Job{Target: tgt, TargetType: tgtType, Fun: "test.ping", Timeout: timeout}, nil)
	if err != nil {
		return failed(name, "Runner function '%s' failed: %v", name, err)
	}
	// A target that matches no minion gives two empty lists, as Salt's
	// _ping of a job that went nowhere.
	up, down := []string{}, []string{}
	for id, st := range res.Status {
		if st == client.Returned {
			up = append(up, id)
		} else {
			down = append(down, id)
		}
	}
	sort.Strings(up)
	sort.Strings(down)
	var ret any
	switch name {
	case "manage.up":
		ret = toAny(up)
	case "manage.down":
		ret = toAny(down)
	default:
		ret = map[string]any{"up": toAny(up), "down": toAny(down)}
	}
	return states.Result{Name: name, Result: states.True, Changes: map[string]any{"return": ret},
		Comment: fmt.Sprintf("Runner function '%s' executed.", name)}
}

// orchestrate runs another orchestration from a step, its steps nested in
// the step's changes.
func (r *run) orchestrate(ctx context.Context, name string, mods []string, pil map[string]any, env, penv string, test bool, excl []sls.Exclude) states.Result {
	depth, _ := ctx.Value(depthKey{}).(int)
	if depth >= maxDepth {
		return failed(name, "orchestrations nested %d deep: stopped (an orchestration that runs itself?)", depth)
	}
	o := r.o
	o.Pillar, o.OnStep, o.Reactions, o.Extra = pil, nil, false, nil
	o.Test, o.Exclude = test, excl
	if o.OrchRoots != nil {
		o.FileRoots, o.PillarRoots = o.OrchRoots, o.OrchPillarRoots
	}
	if env != "" {
		o.Saltenv = env
	}
	if penv != "" {
		o.Pillarenv = penv
	}
	sub := Orchestrate(context.WithValue(ctx, depthKey{}, depth+1), mods, o)
	ret := map[string]any{"outputter": "highstate", "retcode": sub.Retcode}
	if sub.Errors != nil {
		ret["data"] = map[string]any{sub.ID: []string(sub.Errors)}
	} else {
		ret["data"] = map[string]any{sub.ID: saltShape(sub)}
	}
	res := states.Result{Name: name, Result: states.True, Changes: map[string]any{"return": ret},
		Comment: fmt.Sprintf("Runner function '%s' executed.", name)}
	if sub.Retcode != 0 {
		res.Result, res.Comment = states.False, fmt.Sprintf("Runner function '%s' failed.", name)
	}
	return res
}

func saltWheel(ctx context.Context, req *states.Request) states.Result {
	r := runOf(ctx)
	a := &req.Args
	var action string
	include := false
	match, hasMatch := a.Get("match")
	switch req.Name {
	case "key.accept":
		action, include = proto.KeyAccept, a.Bool("include_rejected", false)
	case "key.reject":
		action, include = proto.KeyReject, a.Bool("include_accepted", false)
	case "key.delete":
		action = proto.KeyDelete
	case "key.list_all", "key.list", "key.name_match":
	default:
		return failed(req.Name, "wheel function %q is not available in brine: salt.wheel runs key.accept, key.reject, key.delete, key.list_all, key.list and key.name_match", req.Name)
	}
	if err := a.Err(); err != nil {
		return failed(req.Name, "%v", err)
	}
	if !hasMatch && req.Name != "key.list_all" {
		return failed(req.Name, "%s: no match", req.Name)
	}
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Changes: map[string]any{},
			Comment: fmt.Sprintf("Wheel function '%s' would be executed.", req.Name)}
	}
	if action == "" {
		return r.keyRead(ctx, req.Name, match)
	}
	return r.wheel(ctx, req.Name, action, match, include)
}

// keyRead runs the wheel functions that read the keys, with Salt's
// returns: key.list_all every key by directory (Key.all_keys), key.list
// those of one status (Key.list_status: acc, pre or un, rej, den, all),
// key.name_match those match names (Key.name_match).
func (r *run) keyRead(ctx context.Context, name string, match any) states.Result {
	keys, err := r.o.Client.Keys(ctx)
	if err != nil {
		return failed(name, "%v", err)
	}
	all := nameMatch(keys, []string{"*"})
	for _, dir := range keyDirs {
		if _, ok := all[dir]; !ok {
			all[dir] = []any{}
		}
	}
	var ret map[string]any
	switch name {
	case "key.list_all":
		ret = all
	case "key.list":
		st := fmt.Sprint(match)
		ret = map[string]any{}
		for prefix, dir := range map[string]string{"acc": "minions", "pre": "minions_pre", "un": "minions_pre", "rej": "minions_rejected", "den": "minions_denied"} {
			if strings.HasPrefix(st, prefix) {
				ret[dir] = all[dir]
			}
		}
		if strings.HasPrefix(st, "all") {
			ret = all
		}
	default:
		pats, err := matchPatterns(match)
		if err != nil {
			return failed(name, "%v", err)
		}
		ret = nameMatch(keys, pats)
	}
	return states.Result{Name: name, Result: states.True, Changes: map[string]any{"return": ret},
		Comment: fmt.Sprintf("Wheel function '%s' executed.", name)}
}

// wheel runs a key action on the keys match names. Its return is
// Salt's: key.accept, key.reject and key.delete return Key.name_match
// after the action, every key match names by its directory
// (minions_pre, minions, minions_rejected, minions_denied), not only
// those the action moved.
func (r *run) wheel(ctx context.Context, name, action string, match any, include bool) states.Result {
	pats, err := matchPatterns(match)
	if err != nil {
		return failed(name, "%v", err)
	}
	keys, err := r.o.Client.Keys(ctx)
	if err != nil {
		return failed(name, "%v", err)
	}
	ids := keyMatch(keys, action, pats, include)
	if len(ids) > 0 {
		if _, err = r.o.Client.KeyAction(ctx, action, ids, false, include); err != nil {
			return failed(name, "Wheel function '%s' failed: %v", name, err)
		}
		if keys, err = r.o.Client.Keys(ctx); err != nil {
			return failed(name, "%v", err)
		}
	}
	return states.Result{Name: name, Result: states.True,
		Changes: map[string]any{"return": nameMatch(keys, pats)},
		Comment: fmt.Sprintf("Wheel function '%s' executed.", name)}
}

// keyDirs are Salt's key directories of brine's key states.
var keyDirs = map[string]string{
	proto.KeyPending:  "minions_pre",
	proto.KeyAccepted: "minions",
	proto.KeyRejected: "minions_rejected",
	proto.KeyDenied:   "minions_denied",
}

// nameMatch is Salt's Key.name_match: the keys a pattern names, by
// directory, each list sorted ignoring case.
func nameMatch(keys []proto.KeyInfo, pats []string) map[string]any {
	by := map[string][]string{}
	for _, k := range keys {
		dir, ok := keyDirs[k.State]
		if !ok {
			continue
		}
		for _, p := range pats {
			if fnmatch.Match(p, k.ID) {
				by[dir] = append(by[dir], k.ID)
				break
			}
		}
	}
	out := map[string]any{}
	for dir, ids := range by {
		sort.SliceStable(ids, func(i, j int) bool { return strings.ToLower(ids[i]) < strings.ToLower(ids[j]) })
		out[dir] = toAny(ids)
	}
	return out
}

// matchPatterns reads a wheel match as Salt's name_match does: a glob,
// globs separated by commas, or a list of them.
func matchPatterns(match any) ([]string, error) {
	switch t := match.(type) {
	case string:
		return strings.Split(t, ","), nil
	case []any:
		var pats []string
		for _, x := range t {
			pats = append(pats, fmt.Sprint(x))
		}
		return pats, nil
	}
	return nil, fmt.Errorf("match: want a glob or a list of ids")
}

// keyMatch lists the keys an action applies to among those pats name:
// pending ones for accept and reject (and rejected or accepted with
// include), every key for delete.
func keyMatch(keys []proto.KeyInfo, action string, pats []string, include bool) []string {
	var out []string
	for _, k := range keys {
		ok := false
		switch action {
		case proto.KeyAccept:
			ok = k.State == proto.KeyPending || include && k.State == proto.KeyRejected
		case proto.KeyReject:
			ok = k.State == proto.KeyPending || include && k.State == proto.KeyAccepted
		case proto.KeyDelete:
			ok = k.State != proto.KeyDenied
		}
		if !ok {
			continue
		}
		for _, p := range pats {
			if fnmatch.Match(p, k.ID) {
				out = append(out, k.ID)
				break
			}
		}
	}
	return out
}

func sortedIDs(m map[string]outcome) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func toStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return strings.Split(t, ",")
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pyInt is Python's int() of an argument: an integer, a float cut to
// one, or a string of digits.
func pyInt(v any) (int, error) {
	switch t := v.(type) {
	case int:
		return t, nil
	case int64:
		return int(t), nil
	case float64:
		return int(t), nil
	case bool:
		if t {
			return 1, nil
		}
		return 0, nil
	case string:
		return strconv.Atoi(strings.TrimSpace(t))
	}
	return 0, fmt.Errorf("not an int: %v", v)
}

// parallelRunners is Salt's saltmod.parallel_runners: every runner at
// once, each a state.orchestrate of mods (and pillar, saltenv, test,
// exclude) in its kwarg. As Salt's, whose check of a highstate-shaped
// return reads retcode where the return has none, the step succeeds
// whatever the orchestrations did ("All runner functions executed
// successfully."); its changes are each runner's changes, by runner id.
func parallelRunners(ctx context.Context, req *states.Request) states.Result {
	r := runOf(ctx)
	v, _ := req.Args.Get("runners")
	if err := req.Args.Err(); err != nil {
		return failed(req.Name, "%v", err)
	}
	type runner struct {
		id, fun string
		kwarg   map[string]any
	}
	var runners []runner
	switch t := v.(type) {
	case string:
		// Salt treats a string as a runner with no arguments.
		runners = []runner{{id: t, fun: t}}
	case map[string]any:
		for _, id := range sortedKeys(t) {
			cfg := map[string]any{}
			switch c := t[id].(type) {
			case nil:
			case map[string]any:
				cfg = c
			case []any:
				for _, item := range c {
					if m, ok := item.(map[string]any); ok {
						for k, x := range m {
							cfg[k] = x
						}
					}
				}
			}
			fun, _ := cfg["name"].(string)
			if fun == "" {
				fun = id
			}
			kw, _ := cfg["kwarg"].(map[string]any)
			runners = append(runners, runner{id: id, fun: fun, kwarg: kw})
		}
	default:
		return failed(req.Name, "The runners parameter must be a string or dict.")
	}
	for _, rn := range runners {
		switch rn.fun {
		case "state.orchestrate", "state.orch", "state.sls", "manage.up", "manage.down", "manage.status":
		default:
			return failed(req.Name, "One of the runners raised an exception: runner function %q is not available in brine: salt.parallel_runners runs state.orchestrate (state.orch), manage.up, manage.down and manage.status", rn.fun)
		}
	}
	outs := make([]states.Result, len(runners))
	var wg sync.WaitGroup
	for i, rn := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if strings.HasPrefix(rn.fun, "manage.") {
				tgt, _ := rn.kwarg["tgt"].(string)
				tgtType, _ := rn.kwarg["tgt_type"].(string)
				timeout := stepTimeout(r, &req.Args)
				if n, err := pyInt(rn.kwarg["timeout"]); err == nil && n > 0 {
					timeout = time.Duration(n) * time.Second
				}
				outs[i] = r.manage(ctx, rn.fun, tgt, tgtType, timeout)
				return
			}
			pil, _ := rn.kwarg["pillar"].(map[string]any)
			env, _ := rn.kwarg["saltenv"].(string)
			// brine's: a dry run's orchestrations are dry runs too (Salt's
			// run for real, their runner's test unset).
			test, _ := states.ParseBool(rn.kwarg["test"])
			excl, err := sls.ParseExclude(rn.kwarg["exclude"])
			if err != nil {
				outs[i] = failed(rn.fun, "%v", err)
				return
			}
			penv, _ := rn.kwarg["pillarenv"].(string)
			outs[i] = r.orchestrate(ctx, rn.fun, toStrings(rn.kwarg["mods"]), pil, env, penv, test || req.Test, excl)
		}()
	}
	wg.Wait()
	// Salt's: when every runner returned highstate-shaped data (an
	// orchestration's {data, outputter: highstate}), the changes are
	// those of the states in it, by runner id; otherwise each runner's
	// whole return, under ret.
	rets := make([]any, len(runners))
	highstate := true
	for i := range runners {
		ret, ok := outs[i].Changes["return"]
		if !ok {
			return failed(req.Name, "One of the runners raised an exception: %s", outs[i].Comment)
		}
		rets[i] = ret
		if m, ok := ret.(map[string]any); !ok || m["outputter"] != "highstate" || m["data"] == nil {
			highstate = false
		}
	}
	changes := map[string]any{}
	if highstate {
		for i, rn := range runners {
			if c := extractChanges(rets[i].(map[string]any)["data"]); len(c) > 0 {
				changes[rn.id] = c
			}
		}
	} else {
		byID := map[string]any{}
		for i, rn := range runners {
			byID[rn.id] = rets[i]
		}
		changes["ret"] = byID
	}
	return states.Result{Name: req.Name, Result: states.True, Changes: changes,
		Comment: "All runner functions executed successfully."}
}

// extractChanges is parallel_runners' extract_changes: the changes of
// every state in a highstate-shaped return, by the keys that lead to
// it; a salt.state step's are its minions' returns (changes' ret).
func extractChanges(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return map[string]any{}
	}
	if c, ok := m["changes"]; ok {
		if cm, ok := c.(map[string]any); ok {
			if ret, ok := cm["ret"]; ok && cm["out"] == "highstate" {
				if rm, ok := ret.(map[string]any); ok {
					return rm
				}
			}
			return cm
		}
		return map[string]any{}
	}
	found := map[string]any{}
	for k, x := range m {
		if c := extractChanges(x); len(c) > 0 {
			found[k] = c
		}
	}
	return found
}
