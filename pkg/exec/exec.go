// Package exec runs brine's execution functions (test.ping, grains.items,
// state.apply, state.show_*, cmd.run, sys.*) on one host. `brine call
// --local` and the minion both call it; only the file source differs.
package exec

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/states"
)

// Host is everything a call needs to know about where it runs.
type Host struct {
	ID     string
	Grains map[string]any
	Pillar map[string]any
	Files  states.FileSource // salt:// files and the state tree
	Env    string            // saltenv, "base" by default
	Root   string            // --root
	Log    *slog.Logger
	// OnState is called as each state finishes (for streaming events).
	OnState func(engine.StateResult)
	// Failhard stops a state run at the first failure.
	Failhard bool
	// Order is the key order of Pillar's dicts as their files had them,
	// so that templates loop over pillar in file order, as Salt does.
	// nil: pillar dicts loop in sorted key order.
	Order *jinja.KeyOrder
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
}

// Retcodes, as salt-call --retcode-passthrough uses them.
const (
	RetOK           = 0
	RetError        = 1
	RetStateFailure = 2
)

func nested(v any) Return { return Return{Value: v, Out: "nested"} }

func failed(msg string) Return { return Return{Value: msg, Retcode: RetError, Out: "nested"} }

// call is one invocation, handed to a function.
type call struct {
	host   *Host
	args   []any
	kwargs map[string]any
}

type function struct {
	run func(context.Context, *call) Return
	doc string
}

// functions is the allowlist of what a caller may run: nothing outside it
// is callable, by the operator or anyone else.
var functions map[string]function

func init() {
	functions = map[string]function{
		"test.ping":                {testPing, "Return True: the minion is up and answering."},
		"test.version":             {testVersion, "Return brine's version."},
		"test.echo":                {testEcho, "Return the text given: test.echo TEXT."},
		"grains.items":             {grainsItems, "Return all grains."},
		"grains.get":               {grainsGet, "Return one grain, with nested keys joined by ':' (grains.get ip4_interfaces:eth0); default= when missing."},
		"grains.item":              {grainsItem, "Return the named grains: grains.item os os_family."},
		"pillar.items":             {pillarItems, "Return this minion's pillar."},
		"pillar.get":               {pillarGet, "Return one pillar value, nested keys joined by ':'; default= when missing."},
		"cmd.run":                  {cmdRun, "Run a shell command and return its output: cmd.run 'uptime'. cwd= sets the directory."},
		"cmd.run_all":              {cmdRunAll, "Run a shell command and return pid, retcode, stdout and stderr."},
		"sys.list_functions":       {sysListFunctions, "List the functions a caller may run."},
		"sys.list_state_functions": {sysListStateFunctions, "List the state functions an SLS may use."},
		"sys.doc":                  {sysDoc, "Show the documentation of functions and states: sys.doc file.managed."},
		"state.apply":              {stateApply, "Apply the highstate, or the named SLS: state.apply [web,db] [test=True] [pillar={...}] [saltenv=base] [exclude=...]."},
		"state.highstate":          {stateHighstate, "Apply every SLS top.sls assigns to this host: state.highstate [test=True]."},
		"state.sls":                {stateSLS, "Apply the named SLS: state.sls web,db [test=True]."},
		"state.single":             {stateSingle, "Run one state function: state.single file.managed name=/etc/motd contents=hi."},
		"state.test":               {stateTest, "state.apply with test=True."},
		"state.show_top":           {stateShowTop, "Show which SLS top.sls assigns to this host, per environment."},
		"state.show_sls":           {stateShowSLS, "Show the high data of the named SLS, rendered."},
		"state.show_highstate":     {stateShowHighstate, "Show the high data of the highstate, rendered."},
		"state.show_lowstate":      {stateShowLowstate, "Show the low chunks of the highstate, in run order."},
	}
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
	f, ok := functions[fun]
	if !ok {
		return failed(unknownFunction(fun))
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
	return f.run(ctx, &call{host: h, args: args, kwargs: kwargs})
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
		return fmt.Sprintf("'%s' is not available; %s has: %s", fun, mod, strings.Join(near, ", "))
	}
	return fmt.Sprintf("'%s' is not available. See sys.list_functions", fun)
}
