package states

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

func init() {
	params := []Param{
		{Name: "name", Type: String, Doc: "old syntax: the execution function to run, such as test.ping; new syntax: a label (the state ID)."},
		{Name: "m_args", Type: List, Doc: "old syntax: the function's positional arguments."},
		{Name: "m_name", Type: Any, Doc: "old syntax: the function's own name argument (name is taken by the state)."},
		{Name: "(function or argument)", Rest: true, Doc: "new syntax: each execution function to run, such as `- test.ping: []`, with a list of its arguments (values, and one-key mappings for keyword arguments); old syntax: a keyword argument of the function."},
	}
	Register("module.run", moduleRun, params...)
	Register("module.wait", moduleWait, params...)
	Register("module.watch", moduleWait, params...)
	// Salt's module.mod_watch is module.run itself.
	RegisterWatch("module", moduleModWatch)
}

// Wait runs nothing by itself: it succeeds, with no changes. When a
// state it watches has changed, its watch action runs the functions as
// module.run does.
//
// Salt: module.wait and its alias module.watch; as in Salt the state takes module.run's arguments.
func moduleWait(_ context.Context, req *Request) Result {
	return Result{Name: req.Name, Result: True, Changes: map[string]any{}}
}

// moduleModWatch is module's mod_watch: it runs the functions, as
// module.run does, for a module.run, module.wait or module.watch state
// one of whose watched states changed (and for module.run when its own
// run made no change, a failed one included, as in Salt).
func moduleModWatch(ctx context.Context, req *Request) Result {
	return moduleRun(ctx, req)
}

// ExecCaller runs execution functions for module.run: pkg/exec provides
// it, so that states need not import the function table.
type ExecCaller interface {
	// Has reports whether fun is an execution function.
	Has(fun string) bool
	// Call runs fun and returns what it returned, and false when it
	// failed (a non-zero retcode).
	Call(ctx context.Context, fun string, args []any, kwargs map[string]any) (ret any, ok bool)
}

// moduleCall is one function to run, with its arguments.
type moduleCall struct {
	fun    string
	args   []any
	kwargs map[string]any
}

// moduleCalls reads the state's arguments in either syntax. New syntax:
// every argument whose name holds a dot is a function, its value a list
// of positional values and one-key {keyword: value} mappings (or null).
// Old syntax: name is the function, m_args its positional arguments, the
// other arguments its keywords (m_name its name).
func moduleCalls(req *Request) ([]moduleCall, bool, error) {
	rest := req.Args.Rest()
	var funs []string
	for k := range rest {
		if strings.Contains(k, ".") {
			funs = append(funs, k)
		}
	}
	if len(funs) > 0 {
		sort.Strings(funs)
		var out []moduleCall
		for _, f := range funs {
			c := moduleCall{fun: f, kwargs: map[string]any{}}
			var items []any
			switch v := rest[f].(type) {
			case nil:
			case []any:
				items = v
			case map[string]any:
				for k, x := range v {
					c.kwargs[k] = x
				}
			default:
				items = []any{v}
			}
			for _, it := range items {
				if m, ok := it.(map[string]any); ok && len(m) == 1 {
					for k, x := range m {
						c.kwargs[k] = x
					}
					continue
				}
				c.args = append(c.args, it)
			}
			out = append(out, c)
		}
		return out, true, nil
	}
	if !strings.Contains(req.Name, ".") {
		return nil, false, &ArgError{Arg: "name", Err: fmt.Errorf("%q is not an execution function, and no argument names one (new syntax: - test.ping: [])", req.Name)}
	}
	c := moduleCall{fun: req.Name, args: req.Args.List("m_args"), kwargs: map[string]any{}}
	for k, v := range rest {
		c.kwargs[k] = v
	}
	if v, ok := req.Args.Get("m_name"); ok {
		c.kwargs["name"] = v
	}
	return []moduleCall{c}, false, req.Args.Err()
}

// Run runs execution functions as a state, in Salt's new syntax
// (`- test.ping: []`, several functions in one state) or its old one
// (`- name: test.ping` with the function's arguments beside it).
//
// Under test nothing runs, as in Salt: the state reports what would run.
// A function that fails (a non-zero retcode) fails the state.
//
// Salt: comments and changes are Salt's ({function: return} in the new syntax, {ret: return} in the old; a function that returns False, or a mapping with a non-zero retcode, fails the state; the comment gives each function's return), with the dry run's result None; the functions run in name order where Salt runs them in the SLS's; only brine's execution functions can be called.
func moduleRun(ctx context.Context, req *Request) Result {
	calls, newSyntax, err := moduleCalls(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if req.Env == nil || req.Env.Exec == nil {
		return Failf(req.Name, "%v", errors.New("module.run: no execution functions here"))
	}
	var missing, names []string
	for _, c := range calls {
		names = append(names, c.fun)
		if !req.Env.Exec.Has(c.fun) {
			missing = append(missing, c.fun)
		}
	}
	plural := func(l []string, one, many string) string {
		if len(l) == 1 {
			return fmt.Sprintf(one, l[0])
		}
		return fmt.Sprintf(many, strings.Join(l, ", "))
	}
	if len(missing) > 0 {
		if !newSyntax {
			return Failf(req.Name, "Module function %s is not available", missing[0])
		}
		return Failf(req.Name, "%s", plural(missing, "Unavailable function: %s.", "Unavailable functions: %s."))
	}
	if req.Test {
		if !newSyntax {
			return Result{Name: req.Name, Result: None, Changes: map[string]any{}, Comment: fmt.Sprintf("Module function %s is set to execute", names[0])}
		}
		return Result{Name: req.Name, Result: None, Changes: map[string]any{}, Comment: plural(names, "Function %s to be executed.", "Functions %s to be executed.")}
	}
	if !newSyntax {
		c := calls[0]
		ret, ok := req.Env.Exec.Call(ctx, c.fun, c.args, c.kwargs)
		res := Result{Name: req.Name, Result: True, Changes: map[string]any{"ret": ret}, Comment: fmt.Sprintf("Module function %s executed", c.fun)}
		if !ok || !moduleLegacyResult(ret) {
			res.Result = False
		}
		return res
	}
	changes := map[string]any{}
	var failures, success []string
	for _, c := range calls {
		ret, ok := req.Env.Exec.Call(ctx, c.fun, c.args, c.kwargs)
		if msg, failed := moduleFailure(c.fun, ret, ok); failed {
			failures = append(failures, msg)
			continue
		}
		summary := pyfmt.Str(ret)
		if m, isMap := ret.(map[string]any); isMap {
			summary = "Success"
			if c, has := m["comment"]; has {
				summary = pyfmt.Str(c)
			}
		}
		success = append(success, c.fun+": "+summary)
		changes[c.fun] = ret
	}
	res := Result{Name: req.Name, Result: True, Changes: changes, Comment: strings.Join(append(failures, success...), ", ")}
	if len(failures) > 0 {
		res.Result = False
	}
	return res
}

// moduleFailure is Salt's _get_result for the new syntax: a function
// fails when it did (ok false, or a mapping with a non-zero retcode) or
// when it returned False, and the message says which, as Salt's do.
func moduleFailure(fun string, ret any, ok bool) (string, bool) {
	if m, isMap := ret.(map[string]any); isMap {
		if rc, has := m["retcode"]; has && pyfmt.Str(rc) != "0" {
			why := "(error message N/A)"
			if c, has := m["comment"]; has {
				why = pyfmt.Str(c)
			}
			return fmt.Sprintf("'%s' failed: %s", fun, why), true
		}
	}
	switch {
	case !ok:
		return fmt.Sprintf("'%s' failed: %v", fun, ret), true
	case ret == false:
		return fmt.Sprintf("'%s': False", fun), true
	}
	return "", false
}

// moduleLegacyResult is Salt's _get_result for the old syntax, whose
// return is also the changes' ret: False, a mapping with a non-zero
// retcode, or one holding result: False at any depth, fails.
func moduleLegacyResult(ret any) bool {
	switch r := ret.(type) {
	case bool:
		return r
	case map[string]any:
		if rc, has := r["retcode"]; has && pyfmt.Str(rc) != "0" {
			return false
		}
		if b, isBool := r["result"].(bool); isBool {
			return b
		}
		return moduleDictResult(r, 0)
	}
	return true
}

// moduleDictResult is Salt's _get_dict_result: false when a result key
// anywhere in the mapping is False.
func moduleDictResult(m map[string]any, depth int) bool {
	if depth > 100 {
		return true
	}
	for k, v := range m {
		if k == "result" && v == false {
			return false
		}
		if sub, ok := v.(map[string]any); ok && !moduleDictResult(sub, depth+1) {
			return false
		}
	}
	return true
}
