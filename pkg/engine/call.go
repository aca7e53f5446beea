package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// call is Salt's State.call for chunk i: the unless/onlyif/creates checks,
// the state function, check_cmd, then retry. skipWatch is set when a check
// skipped the state, so that a watch does not fire its mod_watch.
func (r *runner) call(i int, preMode bool) (res states.Result, skipWatch bool, start time.Time, dur time.Duration) {
	p := &r.ps[i]
	start = time.Now()
	if p.fnErr != nil {
		var nf *states.NotFoundError
		if errors.As(p.fnErr, &nf) {
			return r.notFound(p, nf), false, start, time.Since(start)
		}
		return r.stateFailure(p, p.fnErr.Error()), false, start, time.Since(start)
	}
	if p.parallel {
		r.log().Info("parallel is not supported; the state runs in order", "id", p.c.ID)
	}
	test := preMode || r.testFor(p)
	res, skipWatch = r.attempt(i, test)
	if p.retry != nil && p.retry.Attempts > 0 {
		if test {
			res.Comment = strings.TrimSpace(res.Comment + "  " + fmt.Sprintf(
				"The state would be retried every %d seconds (with a splay of up to %d seconds) a maximum of %d times or until a result of %s is returned",
				p.retry.Interval, p.retry.Splay, p.retry.Attempts, pyBool(p.retry.Until)))
		} else {
			res, skipWatch = r.retry(i, p.retry, res, skipWatch)
		}
	}
	return res, skipWatch, start, time.Since(start)
}

// notFound is Salt's verify_data for a state function no module has:
// "State 'M.F' was not found in SLS 'S'" and the loader's reason, each
// line ended by a newline, as Salt's call() joins them. brine has no
// module that failed to load, so the reason is always Salt's
// "'M.F' is not available." (Salt says "'M' __virtual__ returned False"
// for a module it has that cannot run on the host). What the module does
// offer goes to the log.
func (r *runner) notFound(p *prepared, nf *states.NotFoundError) states.Result {
	attrs := []any{"id", p.c.ID, "func", nf.Func, "source", p.c.Source}
	if len(nf.Near) > 0 {
		attrs = append(attrs, "module has", strings.Join(nf.Near, ", "))
	}
	r.log().Warn("state function not available", attrs...)
	comment := fmt.Sprintf("Specified state '%s' was not found\n", nf.Func)
	if p.c.SLS != "" {
		comment = fmt.Sprintf("State '%s' was not found in SLS '%s'\nReason: '%s' is not available.\n", nf.Func, p.c.SLS, nf.Func)
	}
	return states.Result{Name: p.c.Name, Result: states.False, Comment: comment}
}

// retry reruns a state whose result is not `until`, as Salt does: the
// comment lists each earlier attempt, one a line, then the last comment.
func (r *runner) retry(i int, rs *retrySpec, res states.Result, skipWatch bool) (states.Result, bool) {
	want := states.False
	if rs.Until {
		want = states.True
	}
	var history []string
	for n := 1; n < rs.Attempts && res.Result != want; n++ {
		wait := time.Duration(rs.Interval) * time.Second
		if rs.Splay > 0 {
			wait += time.Duration(rand.IntN(rs.Splay+1)) * time.Second
		}
		r.log().Info("state result does not match retry until value; retrying", "id", r.ps[i].c.ID, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return res, skipWatch
		case <-t.C:
		}
		history = append(history, fmt.Sprintf("Attempt %d: Returned a result of \"%s\", with the following comment: \"%s\"", n, res.Result, res.Comment))
		// Salt's call() numbers each attempt: the state carries the
		// __run_num__ of its last, and those before it are spent.
		r.runNum++
		res, skipWatch = r.attempt(i, false)
	}
	if len(history) > 0 {
		res.Comment = strings.Join(append(history, res.Comment), "\n")
	}
	return res, skipWatch
}

// attempt runs one try of a state: the checks, the function, check_cmd.
func (r *runner) attempt(i int, test bool) (states.Result, bool) {
	p := &r.ps[i]
	if p.hasOnlyif || p.hasUnless || p.hasCreates {
		if res, skip := r.runChecks(p); skip {
			if res.Result == states.True && len(p.checkCmd) > 0 && !test && !states.RunsCheckCmd(p.c.Func()) {
				// Salt's call() runs check_cmd after the checks whether
				// or not they skipped the state: its verdict replaces
				// theirs.
				r.checkCmd(p, &res)
			}
			return res, true
		}
		if r.ctx.Err() != nil {
			// A check killed by the cancel says nothing: do not act on it.
			return states.Result{Name: p.c.Name, Result: states.False, Comment: CommentCancelled}, true
		}
	}
	res, _, _ := r.invoke(r.ctx, i, p.fn, test)
	if len(p.checkCmd) > 0 && !test && !states.RunsCheckCmd(p.c.Func()) {
		// Salt runs check_cmd under test too, which turns a None into a
		// True or False; brine keeps the dry run's None.
		r.checkCmd(p, &res)
	}
	return res, false
}

// invoke calls a state function (or a mod_watch) with a fresh request.
func (r *runner) invoke(ctx context.Context, i int, fn states.Func, test bool) (res states.Result, start time.Time, dur time.Duration) {
	p := &r.ps[i]
	start = time.Now()
	sl := slotter{log: r.log()}
	if r.env != nil {
		sl.exec = r.env.Exec
	}
	// Salt's call() formats the slots before every call of the function,
	// the mod_watch and each retry included.
	name, args, err := sl.formatSlots(ctx, p.c.Name, p.args)
	if err != nil {
		res = states.Result{Name: p.c.Name, Result: states.False, Comment: "An exception occurred in this state: " + err.Error()}
		return res, start, time.Since(start)
	}
	args = maps.Clone(args)
	req := &states.Request{
		ID:            p.c.ID,
		Name:          name,
		Func:          p.c.Func(),
		SLS:           p.c.SLS,
		Args:          states.NewArgs(args),
		Test:          test,
		Root:          r.opts.Root,
		Env:           r.envFor(p),
		Saltenv:       p.stateEnv(),
		RequiredNames: r.requiredNames(i),
	}
	if states.RunsCheckCmd(req.Func) {
		req.CheckCmd = p.checkCmd
	}
	res = r.safeCall(ctx, fn, req)
	dur = time.Since(start)
	if res.Result == states.False && strings.HasPrefix(res.Comment, `argument "`) {
		res.Comment = p.c.ID + ": " + res.Comment
	}
	return res, start, dur
}

// requiredNames are the names of the states chunk i requires or watches.
func (r *runner) requiredNames(i int) []string {
	var out []string
	for _, g := range r.ps[i].groups {
		switch g.base {
		case baseRequire, baseWatch, baseOnchanges, baseOnfail:
			for _, t := range g.targets {
				out = append(out, r.ps[t].c.Name)
			}
		}
	}
	return out
}

// safeCall turns a panic in a module into a failed result. Modules should
// not panic; this keeps one bad module from taking down a minion's run.
func (r *runner) safeCall(ctx context.Context, fn states.Func, req *states.Request) (res states.Result) {
	defer func() {
		if v := recover(); v != nil {
			r.log().Error("state module panicked", "id", req.ID, "func", req.Func, "panic", v, "stack", string(debug.Stack()))
			res = states.Result{Name: req.Name, Result: states.False, Comment: fmt.Sprintf("state module panicked: %v", v)}
		}
	}()
	return fn(ctx, req)
}

// watchContext tells a mod_watch which of its watch (or listen) targets
// changed, as "module: ID": Salt's "Requisites with changes".
func (r *runner) watchContext(i int, base string) context.Context {
	var changed []string
	for _, g := range r.ps[i].groups {
		// Salt's test.mod_watch reads __reqs__["watch"]: the targets of
		// watch_any are not among them.
		if g.base != base || g.kind != base {
			continue
		}
		for _, t := range g.targets {
			if d := r.done[t]; d != nil && (d.Changed() || d.Result == states.None) {
				changed = append(changed, r.ps[t].c.State+": "+r.ps[t].c.ID)
			}
		}
	}
	return states.WithWatchChanges(r.ctx, changed)
}

// runChecks is Salt's _run_check: onlyif, then unless, then creates; the
// state is skipped (result True) if any says so, and the comments of all
// of them are joined, as Salt joins its list of comments.
func (r *runner) runChecks(p *prepared) (states.Result, bool) {
	var comments []string
	skip := false
	if p.hasOnlyif {
		s, c, err := r.onlyif(p)
		if err != nil {
			return r.stateFailure(p, err.Error()), true
		}
		skip = s
		comments = append(comments, c)
	}
	if p.hasUnless {
		s, c, err := r.unless(p)
		if err != nil {
			return r.stateFailure(p, err.Error()), true
		}
		skip = skip || s
		comments = append(comments, c)
	}
	if p.hasCreates {
		s, c := r.creates(p)
		skip = skip || s
		comments = append(comments, c)
	}
	if !skip {
		return states.Result{}, false
	}
	return states.Result{Name: p.c.Name, Result: states.True, Comment: strings.Join(comments, "\n"), Changes: map[string]any{}}, true
}

// onlyif runs the state only if every entry is true: a command that
// exits 0, or a function (Salt's `fun:` form) that succeeds and returns
// something true. The first that is not skips it.
func (r *runner) onlyif(p *prepared) (skip bool, comment string, err error) {
	for n, e := range p.onlyif {
		if bad := r.badCheck(p, "onlyif", e); bad != "" {
			// Salt's _run_check_onlyif stops with result False for an
			// entry that is neither a command nor a fun: mapping (a bool
			// from `onlyif: {{ cond }}`): the state runs.
			return false, bad, nil
		}
		ok, err := r.checkEntry(p, "onlyif", n, e)
		if err != nil {
			return false, "", err
		}
		if !ok {
			return true, "onlyif condition is false", nil
		}
	}
	return false, "onlyif condition is true", nil
}

// unless runs the state only if some entry is false: the first decides;
// if all are true the state is skipped. A command that cannot be started
// counts as true (skip), as in Salt.
func (r *runner) unless(p *prepared) (skip bool, comment string, err error) {
	if len(p.unless) == 0 {
		return false, "unless condition is false", nil
	}
	skip, comment = true, "unless condition is true"
	for n, e := range p.unless {
		if bad := r.badCheck(p, "unless", e); bad != "" {
			if _, ok := e.(map[string]any); ok {
				// A mapping without fun ends the checks: the state runs.
				return false, bad, nil
			}
			// Salt's _run_check_unless counts an entry of another type
			// (a bool from `unless: {{ cond }}`) as false and goes on:
			// a later true entry still skips the state.
			skip, comment = false, bad
			continue
		}
		ok, err := r.checkEntry(p, "unless", n, e)
		if err != nil {
			return false, "", err
		}
		if !ok {
			return false, "unless condition is false", nil
		}
		skip, comment = true, "unless condition is true"
	}
	return skip, comment, nil
}

// badCheck is Salt's comment for an onlyif or unless entry it does not
// run: a mapping without fun (logged as a warning, as Salt does), or a
// value that is neither a command nor a mapping; "" for a good entry.
func (r *runner) badCheck(p *prepared, kind string, e any) string {
	switch t := e.(type) {
	case string:
		return ""
	case map[string]any:
		if f, _ := t["fun"].(string); f != "" {
			return ""
		}
		c := fmt.Sprintf("no `fun` argument in %s: %s", kind, pyfmt.Repr(t))
		r.log().Warn(c, "id", p.c.ID)
		return c
	}
	if kind == "unless" {
		return "unless condition is false, bad type passed"
	}
	return "onlyif execution failed, bad type passed"
}

// checkEntry says whether one onlyif or unless entry is true: a shell
// command (exit 0), or a mapping naming an execution function with fun,
// its positional args, get_return (a key path into its return) and any
// other keys as keyword arguments, as Salt's _run_check_function. A
// command that cannot be started is false for onlyif and true for
// unless, as Salt's CommandExecutionError is.
func (r *runner) checkEntry(p *prepared, kind string, n int, e any) (bool, error) {
	switch t := e.(type) {
	case string:
		code, err := r.shell(p, t, true)
		if err != nil {
			return kind == "unless", nil
		}
		return code == 0, nil
	case map[string]any:
		return r.checkFunction(p, kind, n, t)
	}
	return false, fmt.Errorf("%s: item %d: want a shell command or a mapping with fun, got %T", kind, n, e)
}

// checkFunction runs the fun: form of an onlyif or unless entry.
func (r *runner) checkFunction(p *prepared, kind string, n int, e map[string]any) (bool, error) {
	fun, _ := e["fun"].(string)
	if fun == "" {
		return false, fmt.Errorf("%s: item %d: no `fun` argument in %s: %v", kind, n, kind, e)
	}
	if r.env == nil || r.env.Exec == nil || !r.env.Exec.Has(fun) {
		return false, fmt.Errorf("%s: item %d: function %q is not available", kind, n, fun)
	}
	var args []any
	kwargs := map[string]any{}
	var getReturn string
	for k, v := range e {
		switch k {
		case "fun":
		case "args":
			args = asList(v)
		case "get_return":
			getReturn = fmt.Sprint(v)
		default:
			kwargs[k] = v
		}
	}
	// Salt's _run_check_function formats the slots among the arguments.
	sl := slotter{exec: r.env.Exec, log: r.log()}
	_, kwargs, err := sl.formatSlots(r.ctx, "", kwargs)
	if err != nil {
		return false, fmt.Errorf("%s: item %d: %w", kind, n, err)
	}
	for j, a := range args {
		v, changed, err := sl.formatArg(r.ctx, a)
		if err != nil {
			return false, fmt.Errorf("%s: item %d: %w", kind, n, err)
		}
		if changed {
			args = append([]any(nil), args...)
			args[j] = v
		}
	}
	ret, ok := r.env.Exec.Call(r.ctx, fun, args, kwargs)
	r.log().Debug("check function", "id", p.c.ID, "fun", fun, "ok", ok, "return", ret)
	if !ok {
		// Salt's state_con retcode: a failed function is a false check.
		return false, nil
	}
	if getReturn != "" {
		ret = traverse(ret, strings.Split(getReturn, ":"))
	}
	return pyfmt.Truth(ret), nil
}

// traverse follows keys into nested mappings and lists, as
// salt.utils.data.traverse_dict_and_list: a key that is a number indexes
// a list (from the end when negative), and any other key is looked up in
// the first mapping of the list that has it; nil when a key is missing.
func traverse(v any, keys []string) any {
	for _, k := range keys {
		switch t := v.(type) {
		case map[string]any:
			x, ok := t[k]
			if !ok {
				return nil
			}
			v = x
		case *odict.Map:
			x, ok := t.Get(k)
			if !ok {
				return nil
			}
			v = x
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil {
				x, ok := embedded(t, k)
				if !ok {
					return nil
				}
				v = x
				continue
			}
			if i < -len(t) || i >= len(t) {
				return nil
			}
			if i < 0 {
				i += len(t)
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// embedded finds key in the first mapping of a list that holds it.
func embedded(l []any, key string) (any, bool) {
	for _, x := range l {
		switch m := x.(type) {
		case map[string]any:
			if v, ok := m[key]; ok {
				return v, true
			}
		case *odict.Map:
			if v, ok := m.Get(key); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// creates skips the state when every path exists (under --root, rebased).
func (r *runner) creates(p *prepared) (bool, string) {
	for _, path := range p.creates {
		if _, err := os.Stat(r.rebase(path)); err != nil {
			return false, "Creates files not found"
		}
	}
	if len(p.creates) == 0 {
		return false, "Creates files not found"
	}
	if !p.createsList {
		return true, p.creates[0] + " exists"
	}
	return true, "All files in creates exist"
}

func (r *runner) checkCmd(p *prepared, res *states.Result) {
	ok := false
	for _, cmd := range p.checkCmd {
		code, err := r.shell(p, cmd, false)
		if err != nil || code != 0 {
			res.Result, res.Comment = states.False, "check_cmd determined the state failed"
			return
		}
		ok = true
	}
	if ok {
		res.Result, res.Comment = states.True, "check_cmd determined the state succeeded"
	}
}

func (r *runner) rebase(path string) string {
	if r.opts.Root == "" || r.opts.Root == "/" {
		return path
	}
	return filepath.Join(r.opts.Root, path)
}

// checkCmdArgs are the state's own arguments an onlyif or unless command
// runs with, as Salt's _run_check hands them to cmd.retcode.
var checkCmdArgs = []string{"cwd", "runas", "env", "prepend_path", "umask", "timeout", "success_retcodes", "shell"}

// shell runs a check command with -c, as Salt's cmd.retcode with
// python_shell=True does, through the code the cmd states run theirs
// with (states.RunCmd): the shell is the state's shell argument, else the
// shell grain. An onlyif or unless command (withArgs) also takes the
// state's cwd, runas, env, prepend_path, umask, timeout and
// success_retcodes; check_cmd takes none of them, as in Salt. The
// command is the SLS author's own text, never built from data. It runs
// on the host even under --root, in the root directory unless cwd says
// otherwise (cwd resolves inside the root).
func (r *runner) shell(p *prepared, cmd string, withArgs bool) (int, error) {
	args := map[string]any{}
	if withArgs {
		for _, k := range checkCmdArgs {
			if v, ok := p.args[k]; ok && v != nil {
				args[k] = v
			}
		}
	}
	env := &states.Env{Log: r.log()}
	if r.env != nil {
		env.Grains = r.env.Grains
	}
	req := &states.Request{ID: p.c.ID, Name: cmd, Func: "cmd.retcode", Args: states.NewArgs(args), Root: r.opts.Root, Env: env}
	out, err := states.RunCmd(r.ctx, req, cmd)
	if err != nil {
		r.log().Warn("check command could not run", "id", p.c.ID, "cmd", cmd, "err", err)
		return -1, fmt.Errorf("%q: %w", cmd, err)
	}
	code := out.Retcode
	if out.TimedOut {
		code = -1
	}
	r.log().Debug("check command", "id", p.c.ID, "cmd", cmd, "retcode", code, "stdout", out.Stdout, "stderr", out.Stderr)
	return code, nil
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
