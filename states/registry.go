package states

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The registry is the one global in brine: modules add themselves in init(),
// as Prometheus collectors do, and nothing changes it after start-up.
var (
	regMu    sync.RWMutex
	registry = map[string]*entry{}
	watchers = map[string]Func{}
)

// entry is a registered state function and what it takes.
type entry struct {
	fn     Func
	params []Param // nil: not declared, nothing is checked
}

// Register adds a state function under its full name, such as
// "file.managed", with the arguments it takes:
//
//	Register("sysctl.present", sysctlPresent,
//		Param{Name: "name", Type: String, Required: true, Doc: "the key."},
//		Param{Name: "value", Type: String, Required: true, Doc: "the value."},
//	)
//
// Every state of package states declares its arguments, name included
// (TestEveryStateDeclaresItsArguments); the registry then checks each call
// against them before the function runs (see Lookup). A function
// registered with no Param at all is not checked: tests register such
// fakes.
//
// Register panics on a duplicate or a malformed declaration, which is a
// programming error caught at start-up, never a reaction to input.
func Register(name string, fn Func, params ...Param) {
	regMu.Lock()
	defer regMu.Unlock()
	if !strings.Contains(name, ".") {
		panic("states: Register name without a module: " + name)
	}
	if _, dup := registry[name]; dup {
		panic("states: duplicate Register of " + name)
	}
	if len(params) > 0 {
		validateParams(name, params)
		params = append([]Param(nil), params...)
	}
	registry[name] = &entry{fn: fn, params: params}
}

// RegisterWatch adds a module's mod_watch: what a state of that module does
// when a state it watches has changed (a service restarts, a command runs).
// The request's Func names the state function that holds the watch; its
// arguments are checked against that function's declaration.
func RegisterWatch(module string, fn Func) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := watchers[module]; dup {
		panic("states: duplicate RegisterWatch of " + module)
	}
	watchers[module] = fn
}

// NotFoundError is a state function that no module registers: Func, and
// Near, the functions its module has (none when there is no such module).
type NotFoundError struct {
	Func string
	Near []string
}

func (e *NotFoundError) Error() string {
	mod, _, _ := strings.Cut(e.Func, ".")
	if len(e.Near) > 0 {
		return fmt.Sprintf("state function %q is not available; module %q has %s", e.Func, mod, strings.Join(e.Near, ", "))
	}
	return fmt.Sprintf("state function %q is not available: no state module %q", e.Func, mod)
}

// Lookup returns the state function for a full name. The function it
// returns checks the call's arguments against the declaration first (see
// checkArgs): a bad value, a missing required argument or a misspelt one
// fails the state with an *ArgError before the module runs; an argument
// the function does not take is a warning in the result.
func Lookup(name string) (Func, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	e, ok := registry[name]
	if !ok {
		mod, _, _ := strings.Cut(name, ".")
		var near []string
		for n := range registry {
			if strings.HasPrefix(n, mod+".") {
				near = append(near, n)
			}
		}
		sort.Strings(near)
		return nil, &NotFoundError{Func: name, Near: near}
	}
	return checkedFunc(e.fn), nil
}

// Watcher returns the module's mod_watch, if it has one, with the
// arguments checked as Lookup's functions check them.
func Watcher(module string) (Func, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := watchers[module]
	if !ok {
		return nil, false
	}
	return checkedFunc(fn), true
}

// Checked returns fn with each call's arguments checked against params,
// as Lookup's functions are, for a state function kept out of the
// registry: orchestration's salt.* states, which exist only where an
// orchestration runs, never on a minion. It panics on a malformed
// declaration, as Register does.
func Checked(name string, fn Func, params ...Param) Func {
	validateParams(name, params)
	params = append([]Param(nil), params...)
	return func(ctx context.Context, req *Request) Result {
		return callChecked(ctx, fn, params, req)
	}
}

// checkedFunc wraps fn so that each call's arguments are checked against
// the declaration of the request's Func before fn runs. The declaration is
// found per call, for a mod_watch serves every function of its module.
func checkedFunc(fn Func) Func {
	return func(ctx context.Context, req *Request) Result {
		params := declared(req.Func)
		if params == nil {
			return fn(ctx, req)
		}
		return callChecked(ctx, fn, params, req)
	}
}

func callChecked(ctx context.Context, fn Func, params []Param, req *Request) Result {
	c, err := checkArgs(params, req)
	if err != nil {
		return Result{Name: req.Name, Result: False, Comment: err.Error(), Changes: map[string]any{}}
	}
	req.Args.fun, req.Args.params, req.Args.rest = req.Func, params, c.rest
	if len(c.warnings) > 0 {
		req.Log().Warn("state arguments", "id", req.ID, "function", req.Func, "warnings", c.warnings)
	}
	res := fn(ctx, req)
	res.Warnings = append(res.Warnings, c.warnings...)
	return res
}

// declared returns the Params of a state function, nil when it has none.
func declared(name string) []Param {
	regMu.RLock()
	defer regMu.RUnlock()
	if e, ok := registry[name]; ok {
		return e.params
	}
	return nil
}

// Params returns the declared arguments of a state function.
func Params(name string) ([]Param, bool) {
	p := declared(name)
	return append([]Param(nil), p...), p != nil
}

// Names lists every registered state function, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
