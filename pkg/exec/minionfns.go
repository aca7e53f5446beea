package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/grains"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// The functions that act on the minion itself: test.*, grains.setval and
// friends (kept in the minion's grains file, as Salt keeps them in
// /etc/salt/grains), and saltutil.*.

func init() {
	register("test.true", testTrue, "Return True.")
	register("test.arg", testArg, "Return the arguments given, positional and keyword: test.arg 1 two key=value.",
		states.Param{Name: "args", Type: states.Any, Many: true, Doc: "any positional arguments."},
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "returned under kwargs."})
	register("test.kwarg", testKwarg, "Return the keyword arguments given: test.kwarg a=1 b=two.",
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "returned as given."})
	register("test.false", testFalse, "Return False.")
	register("test.retcode", testRetcode, "Return True with the return code given, as Salt's: the call fails unless it is 0, and brine call --retcode-passthrough exits with it.",
		states.Param{Name: "code", Type: states.Int, Default: 42, Doc: "the return code."})
	register("test.exception", testException, "Fail with the message given, as Salt's raises an exception.",
		states.Param{Name: "message", Type: states.String, Default: "Test Exception", Doc: "the message."})
	register("test.outputter", testOutputter, "Return the argument given, for trying an outputter: test.outputter '{a: [1, 2]}' --out json.",
		states.Param{Name: "data", Type: states.Any, Required: true, Doc: "the data (read as YAML)."})
	register("test.arg_type", testArgType, "Return the Python type of each argument given, as Salt's: {args: [\"<class 'int'>\"], kwargs: {k: \"<class 'str'>\"}}.",
		states.Param{Name: "args", Type: states.Any, Many: true, Doc: "any positional arguments."},
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "returned under kwargs."})
	register("test.arg_clean", testArg, "test.arg, by its other name (Salt's leaves out the publication's __pub_* arguments, which brine never adds).",
		states.Param{Name: "args", Type: states.Any, Many: true, Doc: "any positional arguments."},
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "returned under kwargs."})
	register("test.assertion", testAssertion, "Fail when the value is false, as Python's assert; return None otherwise.",
		states.Param{Name: "assertion", Type: states.Any, Required: true, Doc: "the value (read as YAML: False, 0, [] are false)."})
	register("test.arg_repr", testArgRepr, "Return the Python repr of the positional arguments (a tuple) and of the keyword arguments (a dict), as Salt's.",
		states.Param{Name: "args", Type: states.Any, Many: true, Doc: "any positional arguments."},
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "returned under kwargs."})
	register("test.sleep", testSleep, "Sleep for the seconds given, then return True (a kill ends it early).",
		states.Param{Name: "length", Type: states.Int, Required: true, Doc: "seconds."})

	key := states.Param{Name: "key", Type: states.String, Required: true, Doc: "the grain."}
	destructive := states.Param{Name: "destructive", Type: states.Bool, Default: false, Doc: "remove the grain rather than set it to None."}
	register("grains.setval", grainsSetval, "Set a grain and keep it in the minion's grains file, so that it outlives a restart: grains.setval role web.",
		key,
		states.Param{Name: "val", Type: states.Any, Required: true, Doc: "the value (YAML: a list or a mapping too)."},
		states.Param{Name: "destructive", Type: states.Bool, Default: false, Doc: "with a value of None, remove the grain."},
		states.Param{Name: "refresh_pillar", Type: states.Bool, Default: true, Doc: "accepted: every job that needs pillar gets it as the pillar roots and the minion's grains are now."})
	register("grains.delval", grainsDelval, "Set a grain of the grains file to None, or remove it with destructive=True.", key, destructive)
	register("grains.append", grainsAppend, "Append a value to a list grain kept in the grains file: grains.append roles web.",
		key,
		states.Param{Name: "val", Type: states.Any, Required: true, Doc: "the value to append."},
		states.Param{Name: "convert", Type: states.Bool, Default: false, Doc: "turn a grain that is not a list into a list of it first."},
		states.Param{Name: "delimiter", Type: states.String, Default: ":", Doc: "accepted; the key is a top-level grain."})
	register("grains.ls", grainsLs, "Return the names of the grains, sorted.")

	jid := states.Param{Name: "jid", Type: states.String, Required: true, Doc: "the job id."}
	register("saltutil.running", saltutilRunning, "Return the jobs running on the minion now: jid, fun, arg, pid, id and start time.")
	register("saltutil.is_running", saltutilIsRunning, "Return the jobs running on the minion now whose function matches a glob: saltutil.is_running 'state.*'.",
		states.Param{Name: "fun", Type: states.String, Required: true, Doc: "a glob of function names."})
	register("state.running", stateRunning, "Return a sentence for each state run going on now on the minion, as Salt's ([] when none is).",
		states.Param{Name: "concurrent", Type: states.Bool, Default: false, Doc: "return [] at once, as Salt's."})
	register("saltutil.find_job", saltutilFindJob, "Return the job with that id if it runs on the minion now, else an empty mapping.", jid)
	register("saltutil.kill_job", saltutilKillJob, "End a running job, and the commands it runs (their process group).", jid)
	register("saltutil.refresh_grains", saltutilRefreshGrains, "Collect the grains again (the grains file included) and send them to the master.",
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "accepted and ignored (Salt's refresh_pillar, async)."})
	refreshPillar := []states.Param{
		{Name: "wait", Type: states.Bool, Default: false, Doc: "accepted: there is nothing to wait for."},
		{Name: "timeout", Type: states.Int, Doc: "accepted and ignored."},
		{Name: "clean_cache", Type: states.Bool, Doc: "accepted and ignored."},
	}
	register("saltutil.refresh_pillar", saltutilRefreshPillar, "Return True: the master renders a minion's pillar again whenever the pillar roots or the minion's grains change, and every job that needs pillar gets it as they are now, so there is nothing to refresh.", refreshPillar...)
	register("saltutil.pillar_refresh", saltutilRefreshPillar, "saltutil.refresh_pillar, by its other name.", refreshPillar...)
	register("saltutil.sync_all", saltutilSyncAll, "Do nothing, and return what Salt's returns when nothing is new: {modules: [], states: [], grains: [], …}; brine has no custom modules (_modules, _states, _grains) to sync.",
		states.Param{Name: "(any keyword argument)", Rest: true, Doc: "accepted and ignored (saltenv, refresh…)."})
}

func testTrue(context.Context, *call) Return { return nested(true) }

func testArg(_ context.Context, c *call) Return {
	args := c.args
	if args == nil {
		args = []any{}
	}
	kw := c.rest
	if kw == nil {
		kw = map[string]any{}
	}
	return nested(map[string]any{"args": args, "kwargs": kw})
}

// testKwarg is Salt's test.kwarg. Salt's also returns the __pub_*
// publication data (jid, pid, fun, tgt) salt-call adds; brine returns
// only the arguments given.
func testKwarg(_ context.Context, c *call) Return {
	kw := c.rest
	if kw == nil {
		kw = map[string]any{}
	}
	return nested(kw)
}

func testFalse(context.Context, *call) Return { return nested(false) }

// testRetcode sets the call's return code, as Salt's sets
// __context__["retcode"]: salt-call prints True and exits 1 (or the code,
// with --retcode-passthrough).
func testRetcode(_ context.Context, c *call) Return {
	code, _ := c.kw["code"].(int)
	ret := nested(true)
	if code != 0 {
		ret.Retcode, ret.Code = RetError, code
	}
	return ret
}

// testException fails as Salt's does when a function raises: a minion
// returns "The minion function caused an exception: ..." with retcode 1.
func testException(_ context.Context, c *call) Return {
	return failed("The minion function caused an exception: Exception: " + c.str("message"))
}

func testOutputter(_ context.Context, c *call) Return { return nested(c.kw["data"]) }

// pyType is the str() of the Python type a value decoded from the
// command line would have in Salt.
func pyType(v any) string {
	name := "str"
	switch v.(type) {
	case nil:
		name = "NoneType"
	case bool:
		name = "bool"
	case int, int64:
		name = "int"
	case float64:
		name = "float"
	case []any:
		name = "list"
	case map[string]any:
		name = "dict"
	}
	return "<class '" + name + "'>"
}

func testArgType(_ context.Context, c *call) Return { return argsEach(c, pyType) }

// testArgRepr is Salt's {"args": repr(args), "kwargs": repr(kwargs)}:
// the repr of the whole tuple and dict (keys sorted here).
func testArgRepr(_ context.Context, c *call) Return {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = pyfmt.Repr(a)
	}
	args := "(" + strings.Join(parts, ", ") + ")"
	if len(parts) == 1 {
		args = "(" + parts[0] + ",)"
	}
	keys := make([]string, 0, len(c.rest))
	for k := range c.rest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	kw := make([]string, len(keys))
	for i, k := range keys {
		kw[i] = pyfmt.Repr(k) + ": " + pyfmt.Repr(c.rest[k])
	}
	return nested(map[string]any{"args": args, "kwargs": "{" + strings.Join(kw, ", ") + "}"})
}

// testAssertion is Salt's test.assertion: Python's assert of the value.
func testAssertion(_ context.Context, c *call) Return {
	if !pyfmt.Truth(c.kw["assertion"]) {
		return failed("The minion function caused an exception: AssertionError")
	}
	return nested(nil)
}

// argsEach is {args: [f(arg)…], kwargs: {k: f(v)…}}, test.arg_type's
// shape.
func argsEach(c *call, f func(any) string) Return {
	args := make([]any, 0, len(c.args))
	for _, a := range c.args {
		args = append(args, f(a))
	}
	kw := map[string]any{}
	for k, v := range c.rest {
		kw[k] = f(v)
	}
	return nested(map[string]any{"args": args, "kwargs": kw})
}

func testSleep(ctx context.Context, c *call) Return {
	n, _ := c.kw["length"].(int)
	t := time.NewTimer(time.Duration(n) * time.Second)
	defer t.Stop()
	select {
	case <-t.C:
		return nested(true)
	case <-ctx.Done():
		return failed("test.sleep: " + ctx.Err().Error())
	}
}

func grainsLs(_ context.Context, c *call) Return {
	names := make([]string, 0, len(c.host.Grains))
	for k := range c.host.Grains {
		names = append(names, k)
	}
	sort.Strings(names)
	return nested(names)
}

// ErrNoGrainsFile is grains.setval where there is no grains file to keep
// the grain in.
var ErrNoGrainsFile = errors.New("no grains file to keep grains in (brine call --local: give --grains-file)")

// editGrainsFile reads the grains file, lets edit change it, and writes it
// back atomically, under a lock that keeps two jobs' edits apart. The
// host's grains take the change at once; a minion collects and sends its
// grains again.
func editGrainsFile(c *call, edit func(map[string]any) error) (map[string]any, error) {
	file := c.host.GrainsFile
	if file == "" {
		return nil, ErrNoGrainsFile
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(file+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return nil, fmt.Errorf("lock %s: %w", file, err)
	}
	g, err := grains.LoadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		g, err = map[string]any{}, nil
	}
	if err != nil {
		return nil, err
	}
	if g == nil {
		g = map[string]any{}
	}
	if err := edit(g); err != nil {
		return nil, err
	}
	b, err := yaml.Marshal(g)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteSync(file, b, 0o600); err != nil {
		return nil, err
	}
	if c.host.Agent != nil {
		c.host.Grains = c.host.Agent.RefreshGrains()
	} else {
		merged := map[string]any{}
		for k, v := range c.host.Grains {
			merged[k] = v
		}
		c.host.Grains = grains.Merge(merged, g)
	}
	return g, nil
}

func grainsSetval(_ context.Context, c *call) Return {
	key, val := c.str("key"), c.kw["val"]
	_, err := editGrainsFile(c, func(g map[string]any) error {
		if val == nil && c.boolean("destructive") {
			delete(g, key)
		} else {
			g[key] = val
		}
		return nil
	})
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	return nested(map[string]any{key: val})
}

func grainsDelval(_ context.Context, c *call) Return {
	key := c.str("key")
	_, err := editGrainsFile(c, func(g map[string]any) error {
		if c.boolean("destructive") {
			delete(g, key)
		} else {
			g[key] = nil
		}
		return nil
	})
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	return nested(map[string]any{key: nil})
}

// grainsAppend appends to a list grain, as Salt's grains.append: the
// grain's value is taken from the host's grains, the list written to the
// grains file.
// appendRefusal is grains.append's answer when it leaves the grain as
// it is: Salt's returns it as the value, not as an error.
type appendRefusal string

func (r appendRefusal) Error() string { return string(r) }

// grainsAppend is Salt's grains.append: the value (each item of a list)
// appended to a list grain, a grain that is missing starting as [],
// one that is None or not a list only with convert.
func grainsAppend(_ context.Context, c *call) Return {
	key, val := c.str("key"), c.kw["val"]
	var out []any
	_, err := editGrainsFile(c, func(g map[string]any) error {
		cur, ok := g[key]
		if !ok {
			cur, ok = c.host.Grains[key]
		}
		switch t := cur.(type) {
		case []any:
			out = append([]any(nil), t...)
		default:
			switch {
			case !ok:
				out = []any{}
			case !c.boolean("convert"):
				return appendRefusal(fmt.Sprintf("The key %s is not a valid list", key))
			case t == nil:
				out = []any{}
			default:
				out = []any{t}
			}
		}
		for _, v := range out {
			if reflect.DeepEqual(v, val) {
				return appendRefusal(fmt.Sprintf("The val %s was already in the list %s", pyfmt.Str(val), key))
			}
		}
		if l, isList := val.([]any); isList {
			out = append(out, l...)
		} else {
			out = append(out, val)
		}
		g[key] = out
		return nil
	})
	var refused appendRefusal
	if errors.As(err, &refused) {
		return nested(string(refused))
	}
	if err != nil {
		return failed(err.Error())
	}
	return nested(map[string]any{key: out})
}

// jobValue is a running job as Salt's saltutil.running shows one.
func jobValue(c *call, j JobInfo) map[string]any {
	args := j.Args
	if args == nil {
		args = []any{}
	}
	return map[string]any{"jid": j.JID, "fun": j.Fun, "arg": args, "pid": os.Getpid(), "id": c.host.ID,
		"start": j.Start.UTC().Format(time.RFC3339)}
}

func saltutilRunning(_ context.Context, c *call) Return {
	out := []any{}
	if c.host.Agent != nil {
		for _, j := range c.host.Agent.Running() {
			out = append(out, jobValue(c, j))
		}
	}
	return nested(out)
}

// saltutilIsRunning is Salt's saltutil.is_running: the running jobs
// whose function matches a glob.
func saltutilIsRunning(_ context.Context, c *call) Return {
	out := []any{}
	for _, j := range runningJobs(c, c.str("fun")) {
		out = append(out, jobValue(c, j))
	}
	return nested(out)
}

// runningJobs are the jobs running now whose function matches the glob,
// the asking job aside (Salt's skip their own process).
func runningJobs(c *call, glob string) []JobInfo {
	var out []JobInfo
	if c.host.Agent == nil {
		return out
	}
	for _, j := range c.host.Agent.Running() {
		if j.Fun != c.fun && fnmatch.Match(glob, j.Fun) {
			out = append(out, j)
		}
	}
	return out
}

// stateRunning is Salt's state.running: a sentence for each state job
// running now, as Salt's words it (the start as salt.utils.jid's
// jid_to_time writes it); [] when none is.
func stateRunning(_ context.Context, c *call) Return {
	out := []any{}
	if c.boolean("concurrent") {
		return nested(out)
	}
	for _, j := range runningJobs(c, "state.*") {
		out = append(out, fmt.Sprintf("The function %q is running as PID %d and was started at %s with jid %s",
			j.Fun, os.Getpid(), j.Start.Format("2006, Jan 02 15:04:05.000000"), j.JID))
	}
	return nested(out)
}

func saltutilFindJob(_ context.Context, c *call) Return {
	if c.host.Agent != nil {
		for _, j := range c.host.Agent.Running() {
			if j.JID == c.str("jid") {
				return nested(jobValue(c, j))
			}
		}
	}
	return nested(map[string]any{})
}

func saltutilKillJob(_ context.Context, c *call) Return {
	jid := c.str("jid")
	if c.host.Agent == nil || !c.host.Agent.Kill(jid) {
		// Salt's signal_job says nothing of a job it did not find.
		return nested("")
	}
	return nested(fmt.Sprintf("Signal 9 sent to job %s at pid %d", jid, os.Getpid()))
}

func saltutilRefreshGrains(_ context.Context, c *call) Return {
	if c.host.Agent != nil {
		c.host.Grains = c.host.Agent.RefreshGrains()
	}
	return nested(true)
}

func saltutilRefreshPillar(context.Context, *call) Return { return nested(true) }

// saltutilSyncAll returns what Salt's returns when there was nothing new
// to sync: each kind of custom module with an empty list (pillar too
// under call --local, as Salt's with file_client local). brine has no
// custom modules, and logs so.
func saltutilSyncAll(_ context.Context, c *call) Return {
	c.host.Log.Info("saltutil.sync_all: nothing to sync; brine has no custom modules, states or grains (_modules, _states, _grains)")
	out := map[string]any{}
	for _, k := range []string{"clouds", "beacons", "modules", "states", "sdb", "grains", "renderers", "returners", "output",
		"utils", "log_handlers", "executors", "proxymodules", "engines", "thorium", "serializers", "matchers"} {
		out[k] = []any{}
	}
	if c.host.Agent == nil {
		out["pillar"] = []any{}
	}
	return nested(out)
}
