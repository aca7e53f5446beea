package states

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"syscall"
)

func init() {
	common := []Param{
		{Name: "repo", Type: Path, Doc: "the working copy whose .git/config to edit; required unless global."},
		{Name: "user", Type: String, Doc: "run git as this user (looked up in the root's passwd): global then means this user's ~/.gitconfig."},
		{Name: "global", Type: Bool, Default: false, Doc: "edit the global config (~/.gitconfig of user, or of root) instead of the repository's."},
		{Name: "password", Type: Any, Doc: "accepted and ignored (Windows only in Salt)."},
		{Name: "output_encoding", Type: Any, Doc: "accepted and ignored."},
	}
	Register("git.config_set", gitConfigSet, append(append([]Param{
		{Name: "name", Type: String, Doc: "the key, as section.name."},
		{Name: "value", Type: Any, Doc: "the one value the key must have (written as Python's str() writes it)."},
		{Name: "multivar", Type: Any, Doc: "the values, in order, the key must have: a list, or a string of values separated by commas."},
	}, common...), saltKwargs)...)
	Register("git.config_unset", gitConfigUnset, append(append([]Param{
		{Name: "name", Type: String, Doc: "the key; a regular expression matching whole key names when it matches several."},
		{Name: "value_regex", Type: Any, Doc: "unset only the values this regular expression matches."},
		{Name: "all", Type: Bool, Default: false, Doc: "unset every matching value of a multivar (without it, a key with several matching values fails)."},
	}, common...), saltKwargs)...)
}

// gitConfigCtx is where one git.config_* state runs git: the repository
// (or none, for --global) and as whom.
type gitConfigCtx struct {
	g      gitRun
	dir    string
	scope  string // --local or --global
	global bool
}

// gitConfigOpen reads the arguments every git.config_* state takes.
func gitConfigOpen(req *Request) (*gitConfigCtx, error) {
	repo := req.Args.String("repo", "")
	user := req.Args.String("user", "")
	global := req.Args.Bool("global", false)
	if err := req.Args.Err(); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("git is not installed: %w", err)
	}
	if !global && repo == "" {
		return nil, errors.New("Non-global config options require the 'repo' argument to be set")
	}
	c := &gitConfigCtx{scope: "--local", global: global}
	if global {
		c.scope = "--global"
	} else {
		dir, err := rootPath(req, "repo", repo, true)
		if err != nil {
			return nil, err
		}
		c.dir = dir
	}
	home := ""
	if user != "" {
		db, err := fileUserDB(req)
		if err != nil {
			return nil, err
		}
		u, err := db.User(user)
		if err != nil {
			return nil, &ArgError{Arg: "user", Err: fmt.Errorf("no user %q", user)}
		}
		c.g.cred = &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID)}
		home = u.Home
	} else if !req.Live() {
		home = "/root"
	}
	if home != "" {
		// The global config is the one of the user's home, in the image
		// under --root.
		hp, err := rootPath(req, "user", home, true)
		if err != nil {
			return nil, err
		}
		c.g.env = append(c.g.env, "HOME="+hp)
	}
	return c, nil
}

// get is Salt's git.config_get with all=True: the key's values, nil when
// it is not set.
func (c *gitConfigCtx) get(ctx context.Context, key string) ([]string, error) {
	out, err := c.g.run(ctx, c.dir, "config", c.scope, "--get-all", "--", key)
	if err != nil {
		if gitExitCode(err) == 1 {
			return nil, nil
		}
		return nil, err
	}
	return strings.Split(out, "\n"), nil
}

// getRegexp is Salt's git.config_get_regexp: each matching key's values.
func (c *gitConfigCtx) getRegexp(ctx context.Context, key string, valueRegex *string) (map[string][]string, error) {
	args := []string{"config", c.scope, "--get-regexp", "--", key}
	if valueRegex != nil {
		args = append(args, *valueRegex)
	}
	out, err := c.g.run(ctx, c.dir, args...)
	m := map[string][]string{}
	if err != nil {
		if gitExitCode(err) == 1 {
			return m, nil
		}
		return nil, err
	}
	for _, line := range strings.Split(out, "\n") {
		// Salt's line.split(None, 1): a key with no value is skipped.
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		k := f[0]
		v := strings.TrimLeft(strings.TrimSpace(line)[len(k):], " \t")
		m[k] = append(m[k], v)
	}
	return m, nil
}

func gitExitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return -1
}

// gitStrip is Salt's _strip_exc: the error without the command.
func gitStrip(err error) string {
	var ce *CmdError
	if errors.As(err, &ce) {
		if msg := strings.TrimSpace(ce.Stderr); msg != "" {
			return msg
		}
		return ce.Err.Error()
	}
	return err.Error()
}

// gitConfigSet makes sure a git config key has a value, or the values
// of a multivar in order.
//
// Changes are {name: {old: [values] or None, new: [values]}}; a dry run
// reports {old, new}, as Salt's does.
//
// Salt: comments and changes are Salt 3006's git.config_set (git config
// --replace-all, then --add for the other values of a multivar).
func gitConfigSet(ctx context.Context, req *Request) Result {
	c, err := gitConfigOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	value, hasValue := req.Args.Get("value")
	multi, hasMulti := req.Args.Get("multivar")
	hasValue, hasMulti = hasValue && value != nil, hasMulti && multi != nil
	if hasValue && hasMulti {
		return Failf(req.Name, "Only one of 'value' and 'multivar' is permitted")
	}
	global := ""
	if c.global {
		global = "Global key "
	}
	var desired []string
	var valueComment string
	switch {
	case hasValue:
		v := pyValue(value)
		desired, valueComment = []string{v}, "'"+v+"'"
	case hasMulti:
		if l, ok := multi.([]any); ok {
			for _, x := range l {
				desired = append(desired, pyValue(x))
			}
		} else {
			desired = strings.Split(pyValue(multi), ",")
		}
		vals := make([]any, len(desired))
		for i, d := range desired {
			vals[i] = d
		}
		valueComment = pyRepr(vals)
	}
	pre, err := c.get(ctx, req.Name)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if strSliceEqual(pre, desired) && (pre != nil) == (desired != nil) {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s'%s' is already set to %s", global, req.Name, valueComment), Changes: map[string]any{}}
	}
	verb := "set to"
	if pre == nil {
		verb = "added as"
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("%s'%s' would be %s %s", global, req.Name, verb, valueComment),
			Changes: map[string]any{"old": gitConfigValues(pre), "new": gitConfigValues(desired)}}
	}
	lower := strings.ToLower(global)
	for i, d := range desired {
		op := "--replace-all"
		if i > 0 {
			op = "--add"
		}
		if _, err := c.g.run(ctx, c.dir, "config", c.scope, op, "--", req.Name, d); err != nil {
			return Failf(req.Name, "Failed to set %s'%s' to %s: %s", lower, req.Name, valueComment, gitStrip(err))
		}
	}
	post, err := c.get(ctx, req.Name)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	changes := map[string]any{}
	if !strSliceEqual(pre, post) {
		changes[req.Name] = map[string]any{"old": gitConfigValues(pre), "new": gitConfigValues(post)}
	}
	if !strSliceEqual(post, desired) {
		r := Failf(req.Name, "Failed to set %s'%s' to %s", lower, req.Name, valueComment)
		r.Changes = changes
		return r
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s'%s' was %s %s", global, req.Name, verb, valueComment), Changes: changes}
}

func strSliceEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// gitConfigValues is a list of values as the changes show it, None for
// a key that is not set.
func gitConfigValues(v []string) any {
	if v == nil {
		return nil
	}
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func gitConfigMatches(m map[string][]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = gitConfigValues(v)
	}
	return out
}

// gitConfigUnset makes sure no key matching name (a regular expression
// matching whole key names) has a value, or one that value_regex matches.
//
// Changes are {key: [values unset]}.
//
// Salt: comments and changes are Salt 3006's git.config_unset; its real
// run raises KeyError (post[key_name]) when a key loses all its values,
// brine reports the key with the values it had.
func gitConfigUnset(ctx context.Context, req *Request) Result {
	c, err := gitConfigOpen(req)
	all := req.Args.Bool("all", false)
	if err == nil {
		err = req.Args.Err()
	}
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var valueRegex *string
	if v, ok := req.Args.Get("value_regex"); ok && v != nil {
		s := pyValue(v)
		valueRegex = &s
	}
	key := "^" + strings.TrimRight(strings.TrimLeft(req.Name, "^"), "$") + "$"
	pre, err := c.getRegexp(ctx, key, valueRegex)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if len(pre) == 0 {
		return Result{Name: req.Name, Result: True, Comment: "No matching keys are set", Changes: map[string]any{}}
	}
	if !all {
		var greedy []string
		for _, k := range sortedKeysOf(pre) {
			if v := pre[k]; len(v) > 1 {
				greedy = append(greedy, fmt.Sprintf("%s (%s)", k, strings.Join(v, ", ")))
			}
		}
		if len(greedy) > 0 {
			if valueRegex != nil {
				return Failf(req.Name, "Multiple values are matched by value_regex for the following keys (set 'all' to True to force removal): %s", strings.Join(greedy, "; "))
			}
			return Failf(req.Name, "Multivar(s) matched by the key expression (set 'all' to True to force removal): %s", strings.Join(greedy, "; "))
		}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("%d key(s) would have value(s) unset", len(pre)), Changes: gitConfigMatches(pre)}
	}
	before := pre
	if valueRegex != nil {
		if before, err = c.getRegexp(ctx, key, nil); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	var failed []string
	for _, k := range sortedKeysOf(pre) {
		op := "--unset"
		if all {
			op = "--unset-all"
		}
		args := []string{"config", c.scope, op, "--", req.Name}
		if valueRegex != nil {
			args = append(args, *valueRegex)
		}
		if _, err := c.g.run(ctx, c.dir, args...); err != nil {
			req.Log().Error("git.config_unset", "key", k, "err", gitStrip(err))
			failed = append(failed, k)
		}
	}
	if len(failed) > 0 {
		return Failf(req.Name, "Error(s) occurred unsetting values for the following keys (see the minion log for details): %s", strings.Join(failed, ", "))
	}
	post, err := c.getRegexp(ctx, key, nil)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	changes := map[string]any{}
	for k, vals := range before {
		left := map[string]bool{}
		for _, v := range post[k] {
			left[v] = true
		}
		var unset []any
		for _, v := range vals {
			if !left[v] {
				unset = append(unset, v)
			}
		}
		if len(unset) > 0 {
			changes[k] = unset
		}
	}
	postMatches := post
	if valueRegex != nil {
		if postMatches, err = c.getRegexp(ctx, key, valueRegex); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	if len(postMatches) > 0 {
		var left []string
		for _, k := range sortedKeysOf(postMatches) {
			left = append(left, fmt.Sprintf("%s (%s)", k, strings.Join(postMatches[k], ", ")))
		}
		r := Failf(req.Name, "Failed to unset value(s): %s", strings.Join(left, "; "))
		r.Changes = changes
		return r
	}
	return Result{Name: req.Name, Result: True, Comment: "Value(s) successfully unset", Changes: changes}
}

func sortedKeysOf(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
