// Package exec runs brine's execution functions (test.ping, grains.items,
// state.apply, state.show_*, cmd.run, sys.*) on one host. `brine call
// --local` and the minion both call it; only the file source differs.
package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// Host is everything a call needs to know about where it runs.
type Host struct {
	ID     string
	Grains map[string]any
	// Pillar is the host's pillar, its dicts in the pillar files' order,
	// which templates loop in as Salt's do. nil is an empty pillar.
	Pillar *odict.Map
	// LocalPillar says Pillar was compiled here from pillar files (call
	// --local) rather than received from a master: see
	// jinja.SaltContext.LocalPillar.
	LocalPillar bool
	// PillarOverridden says Pillar already holds the call's pillar=,
	// merged in by the master that compiled it (with the master's
	// pillar_source_merging_strategy), as Salt's master does.
	PillarOverridden bool
	Files            states.FileSource // salt:// files and the state tree
	Env              string            // saltenv, "base" by default
	Root             string            // --root
	Log              *slog.Logger
	// OnState is called as each state finishes (for streaming events).
	OnState func(engine.StateResult)
	// OnCompiled, when set, is called once a state run has rendered and
	// compiled its SLS (top.sls, Jinja, YAML, requisites), before its
	// first state runs, with the time that took (for metrics).
	OnCompiled func(time.Duration)
	// Failhard stops a state run at the first failure.
	Failhard bool
	// Opts are minion options templates read as opts, over brine's
	// defaults (templateOpts): a caller that knows its pillar_roots or
	// config_dir sets them here.
	Opts map[string]any
	// GrainsFile is where grains.setval and friends keep the grains they
	// set (Salt's /etc/salt/grains); "" when there is none to write.
	GrainsFile string
	// Agent is the minion running the call, for the functions that act
	// on the minion itself (saltutil.*, grains.setval); nil under brine
	// call --local.
	Agent Agent
	// Sys replaces the package manager's commands and the init system;
	// unit tests set it, nil is the real ones.
	Sys *SysHooks
	// SendEvent sends an event to the master's bus as this minion
	// (event.send); nil without a master.
	SendEvent func(ctx context.Context, tag string, data []byte) error
	// Mine and Schedule are the minion's (fleet.go); nil under brine
	// call --local, which has no master.
	Mine     Mine
	Schedule Scheduler
	// localMine is what mine.send kept when Mine is nil (fleet.go).
	localMine *localMine
}

// SysHooks are fakes of the system for unit tests of pkg.* and
// service.*.
type SysHooks struct {
	PkgRunner  states.PkgRunner
	InitSystem func(ctx context.Context) (states.InitSystem, error)
}

// stateEnv is the state modules' view of the host, for the functions
// that share their code (pkg.*, service.*): one run cache per call.
func (c *call) stateEnv() *states.Env {
	env := &states.Env{Files: c.host.Files, Grains: c.host.Grains, Pillar: c.host.Pillar.PlainMap(), Log: c.host.Log, Cache: &states.RunCache{}}
	if hk := c.host.Sys; hk != nil && hk.InitSystem != nil {
		states.UseInitSystem(env, c.host.Root, hk.InitSystem)
	}
	return env
}

// Agent is what a minion offers the functions that act on the minion
// itself rather than on its host.
type Agent interface {
	// Running lists the jobs running now.
	Running() []JobInfo
	// Kill ends a running job, as brine jobs kill does; false when no job
	// by that id runs.
	Kill(jid string) bool
	// RefreshGrains collects the grains again (the grains file included)
	// and sends them to the master; it returns them.
	RefreshGrains() map[string]any
}

// JobInfo is one running job, as saltutil.running shows it.
type JobInfo struct {
	JID   string
	Fun   string
	Args  []any
	Start time.Time
}

// Return is a function's return value and how to print it.
type Return struct {
	// Value is what the function returned: []engine.StateResult for a
	// state run, a string (the error) when a state run failed to compile.
	Value any
	// Retcode is 0 when all went well, 1 when the tree failed to render or
	// compile (or the function failed), 2 when a state failed.
	Retcode int
	// Out is the outputter Salt would pick: "highstate" or "nested".
	Out string
	// Code is the function's own return code where it has one, as Salt's
	// __context__["retcode"] holds it: a command's exit status for
	// cmd.run and friends (0 with ignore_retcode), test.retcode's code.
	// brine call --retcode-passthrough exits with it, as salt-call's
	// does; 0 leaves Retcode to decide.
	Code int
	// NotRun says the function did not run: there is no such function,
	// or its arguments do not bind. Value is the message, which
	// salt-call prints on stderr rather than as the return.
	NotRun bool
	// Usage is the function's reference text when its arguments did not
	// bind (Value ends with it): salt-call prints the error on stderr and
	// the usage on stdout.
	Usage string
	// Raised is set when the function raised Salt's
	// CommandExecutionError: Value is "ERROR: " and its message, as a
	// minion returns it (salt/minion.py), while salt-call prints "Error
	// running 'FUN': MESSAGE" on stderr, nothing on stdout, and exits 1
	// (salt/cli/caller.py).
	Raised *CommandError
}

// CommandError is Salt's CommandExecutionError: a function that failed
// to do its work, its message the reason; with Invocation, Salt's
// SaltInvocationError, a call that was wrong, which salt-call prints as
// the message alone.
type CommandError struct {
	Msg        string
	Invocation bool
}

func (e *CommandError) Error() string { return e.Msg }

// commandError is the Return of a function that raised Salt's
// CommandExecutionError with msg.
func commandError(msg string) Return {
	return Return{Value: "ERROR: " + msg, Retcode: RetError, Out: "nested", Raised: &CommandError{Msg: msg}}
}

// errorReturn is the Return of a function that failed with err: Salt's
// CommandExecutionError when err is a *CommandError, else a failed call.
func errorReturn(err error) Return {
	var ce *CommandError
	if errors.As(err, &ce) {
		return Return{Value: "ERROR: " + ce.Msg, Retcode: RetError, Out: "nested", Raised: ce}
	}
	return failed(err.Error())
}

// invocationError is the Return of a function that raised Salt's
// SaltInvocationError with msg.
func invocationError(msg string) Return {
	return Return{Value: "ERROR: " + msg, Retcode: RetError, Out: "nested", Raised: &CommandError{Msg: msg, Invocation: true}}
}

// Retcodes, as salt-call --retcode-passthrough uses them.
const (
	RetOK           = 0
	RetError        = 1
	RetStateFailure = 2
	// RetPillarFailure is Salt's EX_PILLAR_FAILURE, the retcode of a state
	// run refused because the pillar failed to render (Return.Code).
	RetPillarFailure = 5
)

func nested(v any) Return { return Return{Value: v, Out: "nested"} }

func failed(msg string) Return { return Return{Value: msg, Retcode: RetError, Out: "nested"} }

// call is one invocation, handed to a function: its arguments bound to
// the function's Params and read as their types, once, before it runs.
type call struct {
	host *Host
	fun  string
	kw   map[string]any // by Param name: string, int, bool, []string, map…
	rest map[string]any // keyword arguments a Rest Param took
	// args are the positional arguments as they came, for the few
	// functions that return them (test.arg).
	args []any
}

// str returns a String (or Path) argument, "" when not given.
func (c *call) str(name string) string { s, _ := c.kw[name].(string); return s }

// has reports whether an argument was given (not null).
func (c *call) has(name string) bool { return c.kw[name] != nil }

// boolean returns a Bool argument, false when not given.
func (c *call) boolean(name string) bool { b, _ := c.kw[name].(bool); return b }

// strings returns a StringList argument (a Many one included).
func (c *call) strings(name string) []string { l, _ := c.kw[name].([]string); return l }

type function struct {
	run    func(context.Context, *call) Return
	doc    string
	params []states.Param
}

// functions is the allowlist of what a caller may run: nothing outside it
// is callable, by the operator or anyone else.
var functions = map[string]function{}

// register adds an execution function with its one-line doc and the
// arguments it takes, in the order a positional argument fills them (as
// Python binds a call). A Many Param takes every positional argument
// left: those after it are keyword-only, as after Python's *args. As states.Register does, it panics on a mistake,
// which the first test to load the package finds.
func register(name string, run func(context.Context, *call) Return, doc string, params ...states.Param) {
	if _, dup := functions[name]; dup {
		panic("exec: duplicate function " + name)
	}
	seen := map[string]bool{}
	for i, p := range params {
		if p.Name == "" || p.Doc == "" || seen[p.Name] {
			panic("exec: " + name + ": a Param without a name or doc, or declared twice")
		}
		if p.Many && i > 0 && params[i-1].Many {
			panic("exec: " + name + ": two Many Params")
		}
		seen[p.Name] = true
	}
	functions[name] = function{run: run, doc: doc, params: params}
}

// Params every state.* function takes.
var (
	testParam    = states.Param{Name: "test", Type: states.Bool, Default: false, Doc: "a dry run: report what would change, change nothing."}
	saltenvParam = states.Param{Name: "saltenv", Type: states.String, Doc: "the environment of the state tree (default: the minion's, base)."}
	pillarParam  = states.Param{Name: "pillar", Type: states.Map, Doc: `pillar data merged over the minion's for this run, such as pillar='{"key": "value"}'.`}
	modsParam    = states.Param{Name: "mods", Type: states.StringList, Doc: "SLS names, separated by commas (web,db) or a list."}
)

// stateRunParams are the arguments of the functions that run states.
func stateRunParams(own ...states.Param) []states.Param {
	return append(own, testParam, saltenvParam, pillarParam,
		states.Param{Name: "exclude", Type: states.Any, Doc: "SLS names (web,db), or a list of them and of {sls: NAME} and {id: ID} mappings, to leave out."},
		states.Param{Name: "failhard", Type: states.Bool, Default: false, Doc: "stop the run at the first state that fails."},
		states.Param{Name: "force", Type: states.Bool, Default: false, Doc: "run even when the pillar failed to render (it has _errors), as Salt's."},
		states.Param{Name: "queue", Type: states.Bool, Default: false, Doc: "on a minion running another state run, wait for it to end rather than return busy, as Salt's."},
		states.Param{Name: "concurrent", Type: states.Bool, Default: false, Doc: "run alongside a state run already going on, as Salt's (at the risk of two runs editing the same files)."},
		states.Param{Name: "pillarenv", Type: states.String, Doc: "the one pillar environment the master reads for this run's pillar (brine call --local: ignored, its pillar roots are one environment)."},
		states.Param{Name: "sync_mods", Type: states.Any, Doc: "accepted and ignored: brine has no custom modules to sync."},
		states.Param{Name: "state_events", Type: states.Bool, Doc: "accepted and ignored: every state's result is sent as an event as it finishes."},
		states.Param{Name: "localconfig", Type: states.String, Doc: "accepted and ignored."})
}

func init() {
	register("test.ping", testPing, "Return True: the minion is up and answering.")
	register("test.version", testVersion, "Return brine's version.")
	register("test.echo", testEcho, "Return the argument given, as given: test.echo TEXT.",
		states.Param{Name: "text", Type: states.Any, Required: true, Doc: "the text (or, read as YAML, a number or a list)."})
	register("grains.items", grainsItems, "Return all grains.")
	register("grains.get", grainsGet, "Return one grain, with nested keys joined by ':' (grains.get ip4_interfaces:eth0); default when missing.",
		states.Param{Name: "key", Type: states.String, Required: true, Doc: "the grain, such as os or ip4_interfaces:eth0."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "what to return when the grain is not set."},
		states.Param{Name: "delimiter", Type: states.String, Default: ":", Doc: "what separates nested keys."},
		states.Param{Name: "ordered", Type: states.Bool, Default: true, Doc: "accepted: mappings print sorted either way."})
	register("grains.item", grainsItem, "Return the named grains: grains.item os os_family.",
		states.Param{Name: "keys", Type: states.String, Many: true, Doc: "the grains, one an argument; nested keys joined by ':'."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "the value of a grain that is not set, as Salt's."})
	register("pillar.items", pillarItems, "Return this minion's pillar; with keys, only those, as pillar.item returns them.",
		states.Param{Name: "args", Type: states.String, Many: true, Doc: "keys, one an argument (nested keys joined by ':')."},
		states.Param{Name: "pillar", Type: states.Map, Doc: `pillar data merged over the pillar returned, as a state run's pillar= is.`},
		states.Param{Name: "pillarenv", Type: states.String, Doc: "the one pillar environment the master reads for the pillar returned (brine call --local: ignored)."},
		states.Param{Name: "saltenv", Type: states.String, Doc: "with the master's pillarenv_from_saltenv and no pillarenv, the pillar environment read."},
		states.Param{Name: "pillar_enc", Type: states.String, Doc: "accepted and ignored."})
	pillarGetParams := []states.Param{
		{Name: "key", Type: states.String, Required: true, Doc: "the key, such as users:alice."},
		{Name: "default", Type: states.Any, Default: "", Doc: "what to return when the key is not set."},
		{Name: "merge", Type: states.Bool, Default: false, Doc: "merge the value found over default (both mappings, or both lists)."},
		{Name: "merge_nested_lists", Type: states.Bool, Doc: "with merge, join lists nested in the mappings too (default: the pillar_merge_lists option)."},
		{Name: "delimiter", Type: states.String, Default: ":", Doc: "what separates nested keys."},
		{Name: "pillarenv", Type: states.String, Doc: "the one pillar environment the master reads for the pillar looked in (brine call --local: ignored)."},
		{Name: "saltenv", Type: states.String, Doc: "with the master's pillarenv_from_saltenv and no pillarenv, the pillar environment read."},
	}
	register("pillar.get", templateFunc("pillar.get"), "Return one pillar value, nested keys joined by ':'; default when missing.", pillarGetParams...)
	register("pillar.fetch", templateFunc("pillar.fetch"), "pillar.get, by its other name.", pillarGetParams...)
	register("pillar.item", pillarItem, "Return the named pillar keys, each with its value (default when missing): pillar.item users ports.",
		states.Param{Name: "keys", Type: states.String, Many: true, Doc: "the keys, one an argument; nested keys joined by ':'."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "the value of a key that is not set, as Salt's."},
		states.Param{Name: "delimiter", Type: states.String, Default: ":", Doc: "what separates nested keys."},
		states.Param{Name: "pillarenv", Type: states.String, Doc: "the one pillar environment the master reads for the pillar looked in (brine call --local: ignored)."},
		states.Param{Name: "saltenv", Type: states.String, Doc: "with the master's pillarenv_from_saltenv and no pillarenv, the pillar environment read."})
	register("pillar.raw", templateFunc("pillar.raw"), "Return the whole pillar, or one top-level key of it ({} when missing).",
		states.Param{Name: "key", Type: states.String, Doc: "a top-level key."})
	register("pillar.keys", templateFunc("pillar.keys"), "Return the keys of a pillar mapping: pillar.keys users.",
		states.Param{Name: "key", Type: states.String, Required: true, Doc: "the mapping's key, nested keys joined by the delimiter."},
		states.Param{Name: "delimiter", Type: states.String, Default: ":", Doc: "what separates nested keys."})
	register("pillar.ls", templateFunc("pillar.ls"), "Return the pillar's top-level keys, in pillar order.")
	register("state.apply", stateApply, "Apply the highstate, or the named SLS: state.apply [web,db] [test=True].",
		stateRunParams(states.Param{Name: "mods", Type: states.StringList, Doc: "SLS names, separated by commas (web,db) or a list; the highstate when not given."})...)
	register("state.highstate", stateHighstate, "Apply every SLS top.sls assigns to this host: state.highstate [test=True].", stateRunParams()...)
	register("state.sls", stateSLS, "Apply the named SLS: state.sls web,db [test=True].",
		stateRunParams(states.Param{Name: "mods", Type: states.StringList, Required: true, Doc: modsParam.Doc})...)
	register("state.single", stateSingle, "Run one state function, with no SLS file: state.single file.managed name=/etc/motd contents=hi.",
		states.Param{Name: "fun", Type: states.String, Required: true, Doc: "the state function, such as file.managed."},
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the state's name (and ID)."},
		testParam, saltenvParam, pillarParam,
		states.Param{Name: "(any other argument)", Rest: true, Doc: "an argument of the state function, checked as an SLS's would be."})
	register("state.test", stateTest, "state.apply with test=True.",
		stateRunParams(states.Param{Name: "mods", Type: states.StringList, Doc: "SLS names, separated by commas (web,db) or a list; the highstate when not given."})...)
	register("state.show_top", stateShowTop, "Show which SLS top.sls assigns to this host, per environment.", saltenvParam, pillarParam)
	register("state.show_sls", stateShowSLS, "Show the high data of the named SLS, rendered.",
		states.Param{Name: "mods", Type: states.StringList, Required: true, Doc: modsParam.Doc}, saltenvParam, pillarParam)
	register("state.show_highstate", stateShowHighstate, "Show the high data of the highstate, rendered, extend: blocks apart as show_sls shows them.", saltenvParam, pillarParam)
	register("state.show_lowstate", stateShowLowstate, "Show the low chunks of the highstate, in run order.", saltenvParam, pillarParam)
}

// Functions lists the callable function names, sorted.
func Functions() []string {
	out := make([]string, 0, len(functions))
	for n := range functions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Call runs one function with positional args and keyword args.
func Call(ctx context.Context, h *Host, fun string, args []any, kwargs map[string]any) Return {
	ret, err := callBound(ctx, h, fun, args, kwargs)
	var ia *InvalidArgsError
	if errors.As(err, &ia) {
		ret = failed(invalidArgs(fun, ia.Err))
		ret.NotRun = true
		ret.Usage, _ = Doc(fun)
	}
	if ret.Retcode == RetOK && resultFalse(ret.Value) {
		ret.Retcode = RetError
	}
	return ret
}

// resultFalse is Salt's check of a return with no retcode of its own
// (salt/minion.py, salt/cli/caller.py): a dict whose "result" or
// "success" is false fails the call.
func resultFalse(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	for _, k := range []string{"result", "success"} {
		if x, ok := m[k]; ok && !pyfmt.Truth(x) {
			return true
		}
	}
	return false
}

// InvalidArgsError is a call whose arguments do not bind to the
// function's: Python's TypeError, in Salt.
type InvalidArgsError struct {
	Fun string
	Err error // the *states.ArgErrors and positional errors, joined
}

func (e *InvalidArgsError) Error() string { return e.Err.Error() }
func (e *InvalidArgsError) Unwrap() error { return e.Err }

// callBound is Call, with arguments that do not bind an
// *InvalidArgsError, which Call words as Salt's minion does and a
// template reports as a render error.
func callBound(ctx context.Context, h *Host, fun string, args []any, kwargs map[string]any) (Return, error) {
	f, ok := functions[fun]
	if !ok {
		// As Salt's minion: the docs of the functions whose names start
		// with the one asked for (brine call test), that name saying it
		// is not available; else the message alone.
		docs := map[string]any{}
		for n := range functions {
			if strings.HasPrefix(n, fun) && fun != "" {
				docs[n], _ = Doc(n)
			}
		}
		if len(docs) > 0 {
			docs[fun] = fmt.Sprintf("'%s' is not available.", fun)
			return Return{Value: docs, Retcode: RetError, Out: "nested"}, nil
		}
		ret := failed(unknownFunction(fun))
		ret.NotRun = true
		return ret, nil
	}
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	if h.Env == "" {
		h.Env = "base"
	}
	if h.Log == nil {
		h.Log = slog.Default()
	}
	args, _ = plainNumbers(args).([]any)
	kwargs, _ = plainNumbers(kwargs).(map[string]any)
	kw, rest, err := bind(fun, f.params, args, kwargs)
	if err != nil {
		return Return{}, &InvalidArgsError{Fun: fun, Err: err}
	}
	return f.run(ctx, &call{host: h, fun: fun, kw: kw, rest: rest, args: args}), nil
}

// Doc returns an execution function's reference text: its one line, and
// the arguments it takes. sys.doc prints it; docs/functions.md is made of
// the same text.
func Doc(fun string) (string, bool) {
	f, ok := functions[fun]
	if !ok {
		return "", false
	}
	if len(f.params) == 0 {
		return f.doc + "\n", true
	}
	return f.doc + "\n\nArguments:\n" + states.ParamsDoc(f.params), true
}

// invalidArgs is the return of a call whose arguments do not bind, as a
// Salt minion words it (salt/minion.py, on the function's TypeError):
// "Passed invalid arguments to FUN: WHAT", then the function's usage.
func invalidArgs(fun string, err error) string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		// The prefix names the function: the argument errors need not.
		var ae *states.ArgError
		if errors.As(e, &ae) && ae.Func == fun && ae.ID == "" {
			e = &states.ArgError{Arg: ae.Arg, Err: ae.Err}
		}
		parts = append(parts, e.Error())
	}
	doc, _ := Doc(fun)
	return fmt.Sprintf("Passed invalid arguments to %s: %s\n\nUsage:\n%s", fun, strings.Join(parts, "\n"), doc)
}

func unknownFunction(fun string) string {
	mod, _, _ := strings.Cut(fun, ".")
	var near []string
	for n := range functions {
		if strings.HasPrefix(n, mod+".") {
			near = append(near, n)
		}
	}
	sort.Strings(near)
	if len(near) > 0 {
		return fmt.Sprintf("'%s' is not available. %s has: %s", fun, mod, strings.Join(near, ", "))
	}
	return fmt.Sprintf("'%s' is not available. See sys.list_functions", fun)
}

// plainNumbers turns the json.Numbers of arguments that came over the
// wire (pkg/proto decodes with UseNumber) into the ints and floats the
// command line gives, so that a function binds them the same either way.
func plainNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return int(n)
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plainNumbers(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = plainNumbers(e)
		}
		return out
	}
	return v
}
