package states

import (
	"context"
	"os"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

func init() {
	Register("environ.setenv", environSetenv,
		Param{Name: "name", Type: String, Doc: "the variable to set when value is a string or False."},
		Param{Name: "value", Type: Any, Required: true, Doc: "a string, False (unset, or set empty: see false_unsets), or a mapping of variables to strings or False."},
		Param{Name: "false_unsets", Type: Bool, Default: false, Doc: "a variable whose value is False is removed; otherwise it is set to the empty string."},
		Param{Name: "clear_all", Type: Bool, Default: false, Doc: "every other variable of brine's environment is removed too (or set empty, without false_unsets): USE WITH CAUTION, PATH goes."},
		Param{Name: "update_minion", Type: Bool, Default: false, Doc: "accepted: brine's process is the minion's, so a change lasts until it restarts either way."},
		Param{Name: "permanent", Type: Any, Default: false, Doc: "accepted and ignored (a Windows registry setting in Salt)."},
	)
}

// environPair is one variable asked for, in the SLS's order.
type environPair struct {
	key string
	val any // a string, false, or something else, which fails the set
}

// environSetenv sets environment variables of the brine process, which
// the commands later states run (cmd.run, cmd.script) inherit, and
// environ.get reads.
//
// Changes are what Salt's environ.setenv execution function returns:
// every variable given (the new value, "" for one set empty, None for one
// removed), with those clear_all clears.
//
// Salt: comments and changes are Salt 3006's environ.setenv (its dry run
// is True, with the changes, as brine's); Salt's dry run lists only the
// variables that differ, brine's the changes of the real run; Salt sets
// the variables of the job's process unless update_minion is given,
// brine those of its own process: a minion keeps them until it
// restarts, as Salt's update_minion does.
func environSetenv(ctx context.Context, req *Request) Result {
	falseUnsets := req.Args.Bool("false_unsets", false)
	clearAll := req.Args.Bool("clear_all", false)
	req.Args.Bool("update_minion", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	var pairs []environPair
	switch v := req.Args.asGiven["value"].(type) {
	case string:
		pairs = []environPair{{req.Name, v}}
	case bool:
		if v {
			return Failf(req.Name, "Environ value must be string, dict or False")
		}
		pairs = []environPair{{req.Name, false}}
	case *odict.Map:
		for i := 0; i < v.Len(); i++ {
			k, val := v.At(i)
			pairs = append(pairs, environPair{k, odict.Plain(val)})
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			pairs = append(pairs, environPair{k, v[k]})
		}
	default:
		return Failf(req.Name, "Environ value must be string, dict or False")
	}
	given := map[string]bool{}
	for _, p := range pairs {
		given[p.key] = true
	}
	cleared := func(yield func(string) bool) {
		if !clearAll {
			return
		}
		var keys []string
		for _, kv := range os.Environ() {
			if k, _, _ := strings.Cut(kv, "="); k != "" && !given[k] {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !yield(k) {
				return
			}
		}
	}
	// Salt's state decides whether anything changes ...
	differs := false
	for range cleared {
		differs = true
	}
	for _, p := range pairs {
		cur, set := os.LookupEnv(p.key)
		switch val := p.val.(type) {
		case bool:
			if val {
				differs = true
			} else if !falseUnsets && (!set || cur != "") || falseUnsets && set {
				differs = true
			}
		case string:
			if cur != val {
				differs = true
			}
		default:
			differs = true
		}
	}
	if !differs {
		if req.Test {
			return Result{Name: req.Name, Result: True, Comment: "Environ values are already set with the correct values", Changes: map[string]any{}}
		}
		return Result{Name: req.Name, Result: True, Comment: "Environ values were already set with the correct values", Changes: map[string]any{}}
	}
	// ... and its execution function sets them all, returning each.
	changes := map[string]any{}
	unset := func() any {
		if falseUnsets {
			return nil
		}
		return ""
	}
	for k := range cleared {
		changes[k] = unset()
	}
	var failed bool
	var todo []environPair
	for _, p := range pairs {
		switch val := p.val.(type) {
		case string:
			changes[p.key] = val
		case bool:
			if val {
				failed = true
			} else {
				changes[p.key] = unset()
			}
		default:
			failed = true
		}
		if failed {
			// Salt's dry run lists the value as it was given.
			changes[p.key] = p.val
			break
		}
		todo = append(todo, p)
	}
	if req.Test {
		return Result{Name: req.Name, Result: True, Comment: "Environ values will be changed", Changes: changes}
	}
	for k := range cleared {
		environApply(k, false, falseUnsets)
	}
	for _, p := range todo {
		environApply(p.key, p.val, falseUnsets)
	}
	if failed {
		// Salt's environ.setenv returns False at the first value that is
		// neither a string nor False, after setting those before it.
		return Failf(req.Name, "Failed to set environ variables")
	}
	return Result{Name: req.Name, Result: True, Comment: "Environ values were set", Changes: changes}
}

// environApply is Salt's environ.setval.
func environApply(key string, val any, falseUnsets bool) {
	s, _ := val.(string)
	if val == false && falseUnsets {
		os.Unsetenv(key)
		return
	}
	os.Setenv(key, s)
}
