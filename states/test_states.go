package states

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

func init() {
	name := Param{Name: "name", Type: String, Doc: "any string, the state's name."}
	comment := func(def string) Param { return Param{Name: "comment", Type: String, Default: def, Doc: "the comment."} }
	Register("test.nop", testNop, name, testWatchResult, testWatchChanges, testKwargs)
	Register("test.succeed_without_changes", testSucceedWithoutChanges,
		name, comment("Success!"), testWatchResult, testWatchChanges, testKwargs)
	Register("test.fail_without_changes", testFailWithoutChanges,
		Param{Name: "name", Type: String, Doc: "any string, the state's name; often the message, with failhard."},
		comment("Failure!"), testWatchResult, testWatchChanges, testKwargs)
	Register("test.succeed_with_changes", testSucceedWithChanges,
		name, comment("Success!"), testWatchResult, testWatchChanges, testKwargs)
	Register("test.fail_with_changes", testFailWithChanges,
		name, comment("Failure!"), testWatchResult, testWatchChanges, testKwargs)
	Register("test.configurable_test_state", testConfigurable, name,
		Param{Name: "changes", Type: Any, Doc: "True (the default), False, or Random: whether it reports the test change."},
		Param{Name: "result", Type: Any, Doc: "True (the default), False, or Random."},
		comment(""),
		Param{Name: "warnings", Type: StringList, Doc: "a string or a list of strings, the result's warnings."},
		testKwargs)
	Register("test.show_notification", testShowNotification, name,
		Param{Name: "text", Type: String, Required: true, Doc: "the message."})
	Register("test.check_pillar", testCheckPillar, name,
		Param{Name: "present", Type: StringList, Doc: "keys (a list, or one string) that must be set and not null."},
		Param{Name: "boolean", Type: StringList, Doc: "keys whose value must be a bool."},
		Param{Name: "integer", Type: StringList, Doc: "keys whose value must be an integer (a bool counts, as in Python)."},
		Param{Name: "string", Type: StringList, Doc: "keys whose value must be a string."},
		Param{Name: "listing", Type: StringList, Doc: "keys whose value must be a list."},
		Param{Name: "dictionary", Type: StringList, Doc: "keys whose value must be a mapping."},
		Param{Name: "verbose", Type: Bool, Default: false, Doc: "also list the keys that passed."})
	RegisterWatch("test", testModWatch)
}

// The arguments of the test states that only their watch action reads,
// and Salt's **kwargs: its test states take any argument.
var (
	testWatchResult  = Param{Name: "result", Type: Any, Doc: "for a watch: True, False or Random, the watch action's result."}
	testWatchChanges = Param{Name: "changes", Type: Any, Doc: "for a watch: False for none, or a mapping, the watch action's changes."}
	testKwargs       = Param{Name: "(any other argument)", Rest: true, Doc: "taken and ignored, as Salt's test states take any."}
)

// The test states exist to exercise requisites, so their results are
// Salt's to the letter (salt/states/test.py): SLS written against Salt's
// outcomes, such as an onchanges that must not fire under test=True, then
// behave the same.

// testChanges is the change every "with changes" test state reports.
func testChanges() map[string]any {
	return map[string]any{"testing": map[string]any{"old": "Unchanged", "new": "Something pretended to change"}}
}

// Nop does nothing and succeeds; it takes any argument and ignores it.
//
// Useful with the use requisite, or where a template could otherwise
// render an empty SLS.
//
// Salt: same result (True, "Success!", no changes), in test mode too.
func testNop(ctx context.Context, req *Request) Result {
	return Result{Name: req.Name, Result: True, Comment: "Success!", Changes: map[string]any{}}
}

// SucceedWithoutChanges succeeds with no changes.
//
// The result is the same under test=True.
//
// Salt: same.
func testSucceedWithoutChanges(ctx context.Context, req *Request) Result {
	comment := req.Args.String("comment", "Success!")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Comment: comment, Changes: map[string]any{}}
}

// FailWithoutChanges fails with no changes.
//
// It fails under test=True too, with the comment "If we weren't testing,
// this would be a failure!".
//
// Salt: same.
func testFailWithoutChanges(ctx context.Context, req *Request) Result {
	comment := req.Args.String("comment", "Failure!")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if req.Test {
		comment = "If we weren't testing, this would be a failure!"
	}
	return Result{Name: req.Name, Result: False, Comment: comment, Changes: map[string]any{}}
}

// SucceedWithChanges succeeds and reports a change, to fire onchanges and
// watch requisites.
//
// Changes: {testing: {old: Unchanged, new: Something pretended to change}}.
// Under test=True the result is None (the changes stay) and the comment
// "If we weren't testing, this would be successful with changes".
//
// Salt: same.
func testSucceedWithChanges(ctx context.Context, req *Request) Result {
	comment := req.Args.String("comment", "Success!")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: testChanges(),
			Comment: "If we weren't testing, this would be successful with changes"}
	}
	return Result{Name: req.Name, Result: True, Comment: comment, Changes: testChanges()}
}

// FailWithChanges fails and reports a change, to fire onfail requisites.
//
// Changes as test.succeed_with_changes. Under test=True the result is None,
// not False, with the comment "If we weren't testing, this would be failed
// with changes".
//
// Salt: same.
func testFailWithChanges(ctx context.Context, req *Request) Result {
	comment := req.Args.String("comment", "Failure!")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: testChanges(),
			Comment: "If we weren't testing, this would be failed with changes"}
	}
	return Result{Name: req.Name, Result: False, Comment: comment, Changes: testChanges()}
}

// ConfigurableTestState returns the result, changes and comment it is told to.
//
// Under test=True the result is True when changes is False and None
// otherwise, whatever result says, and an empty comment becomes "This is
// a test".
//
// Salt: changes and result also take yes/no/on/off.
func testConfigurable(ctx context.Context, req *Request) Result {
	changes, err := testTriState(req, "changes")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	result, err := testTriState(req, "result")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	comment := req.Args.String("comment", "")
	warnings := req.Args.StringList("warnings")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	res := Result{Name: req.Name, Result: False, Comment: comment, Changes: map[string]any{}}
	if changes == "true" || changes == "random" && rand.IntN(2) == 0 {
		res.Changes = testChanges()
	}
	if result == "true" || result == "random" && rand.IntN(2) == 0 {
		res.Result = True
	}
	// Salt puts them in the result, where the highstate output shows them.
	res.Warnings = warnings
	if req.Test {
		// Salt keys the test-mode result on the argument, not on the
		// random draw: only an explicit False gives True.
		res.Result = None
		if changes == "false" {
			res.Result = True
		}
		if comment == "" {
			res.Comment = "This is a test"
		}
	}
	return res
}

// testTriState reads an argument that is True, False or Random, as
// "true", "false" or "random".
func testTriState(req *Request, key string) (string, error) {
	v, ok := req.Args.Get(key)
	if !ok || v == nil {
		return "true", nil
	}
	if s, isStr := v.(string); isStr && strings.EqualFold(strings.TrimSpace(s), "random") {
		return "random", nil
	}
	b, err := ParseBool(v)
	if err != nil {
		return "", &ArgError{Arg: key, Err: fmt.Errorf("must be True, False, or 'Random', got %v", v)}
	}
	return strconv.FormatBool(b), nil
}

// ShowNotification succeeds with a message as its comment.
//
// Salt: same; a missing text fails the state instead of raising "Missing required argument text.".
func testShowNotification(ctx context.Context, req *Request) Result {
	text := req.Args.String("text", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if text == "" {
		return Failf(req.Name, "argument %q: required (Missing required argument text.)", "text")
	}
	return Result{Name: req.Name, Result: True, Comment: text, Changes: map[string]any{}}
}

// CheckPillar fails unless the given pillar keys exist, and have a type.
//
// A key may be nested, a:b:c, as pillar.get reads it. The comment has one
// line per failed key: 'Pillar key "k" is missing.' or 'Pillar key "k" is
// not <class 'int'>.', Python's names for the types.
//
// Salt: same comments; with no key to check the state fails naming the arguments rather than raising.
func testCheckPillar(ctx context.Context, req *Request) Result {
	// Salt's checks, in its order; the Python type names are its comments'.
	checks := []struct{ arg, typ string }{
		{"present", "None"}, {"boolean", "<class 'bool'>"}, {"integer", "<class 'int'>"},
		{"string", "(<class 'str'>,)"}, {"listing", "<class 'list'>"}, {"dictionary", "<class 'dict'>"},
	}
	keys := make([][]string, len(checks))
	given := false
	for i, c := range checks {
		keys[i] = req.Args.StringList(c.arg)
		given = given || len(keys[i]) > 0
	}
	verbose := req.Args.Bool("verbose", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if !given {
		return Failf(req.Name, "argument %q: one of present, boolean, integer, string, listing or dictionary is required", "present")
	}
	var pillar map[string]any
	if req.Env != nil {
		pillar = req.Env.Pillar
	}
	res := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	type verdict struct{ key, typ string }
	var failed, fine []verdict
	// A key that fails twice keeps its first place and its last type, as
	// a Python dict would.
	setFailed := func(key, typ string) {
		for i := range failed {
			if failed[i].key == key {
				failed[i].typ = typ
				return
			}
		}
		failed = append(failed, verdict{key, typ})
	}
	for i, c := range checks {
		for _, k := range keys[i] {
			v, ok := pillarLookup(pillar, k)
			switch {
			case !ok || v == nil:
				setFailed(k, "None")
				res.Result = False
			case !pythonIs(v, c.arg):
				setFailed(k, c.typ)
				res.Result = False
			case verbose:
				fine = append(fine, verdict{k, c.typ})
			}
		}
	}
	var b strings.Builder
	for _, f := range failed {
		if f.typ == "None" {
			fmt.Fprintf(&b, "Pillar key %q is missing.\n", f.key)
		} else {
			fmt.Fprintf(&b, "Pillar key %q is not %s.\n", f.key, f.typ)
		}
	}
	if verbose && len(fine) > 0 {
		b.WriteString("Those keys passed the check:\n")
		for _, f := range fine {
			fmt.Fprintf(&b, "- %s (%s)\n", f.key, f.typ)
		}
	}
	res.Comment = b.String()
	return res
}

// pythonIs is Python's isinstance for the types check_pillar knows.
func pythonIs(v any, arg string) bool {
	switch arg {
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "integer":
		switch v.(type) {
		case int, int64, uint64, bool:
			return true
		}
		return false
	case "string":
		_, ok := v.(string)
		return ok
	case "listing":
		_, ok := v.([]any)
		return ok
	case "dictionary":
		_, ok := v.(map[string]any)
		return ok
	}
	return true
}

// pillarLookup reads a:b:c from nested mappings (and list indexes), as
// Salt's pillar.get does.
func pillarLookup(m map[string]any, key string) (any, bool) {
	var cur any = m
	for _, part := range strings.Split(key, ":") {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(part)
			if err != nil || n < 0 || n >= len(t) {
				return nil, false
			}
			cur = t[n]
		default:
			return nil, false
		}
	}
	return cur, true
}

type testWatchKey struct{}

// WithWatchChanges returns a context that tells a mod_watch which of the
// state's watch requisites changed, each as "module: ID" (Salt's
// "{state}: {__id__}"). The engine sets it when it calls a mod_watch;
// test's mod_watch lists them in its changes, as Salt's does.
func WithWatchChanges(ctx context.Context, changed []string) context.Context {
	return context.WithValue(ctx, testWatchKey{}, changed)
}

// WatchChanges returns what WithWatchChanges put in ctx: never nil.
func WatchChanges(ctx context.Context) []string {
	if v, ok := ctx.Value(testWatchKey{}).([]string); ok && v != nil {
		return v
	}
	return []string{}
}

// testModWatch is test's mod_watch: it succeeds with "Watch statement
// fired." and lists the watched states that changed. The state's own
// result, comment and changes arguments, when given, replace those.
func testModWatch(ctx context.Context, req *Request) Result {
	res := Result{Name: req.Name, Result: True, Comment: "Watch statement fired.",
		Changes: map[string]any{"Requisites with changes": WatchChanges(ctx)}}
	if req.Args.Has("result") {
		r, err := testTriState(req, "result")
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		res.Result = False
		if r == "true" || r == "random" && rand.IntN(2) == 0 {
			res.Result = True
		}
	}
	if req.Args.Has("comment") {
		res.Comment = req.Args.String("comment", "")
	}
	if req.Args.Has("changes") {
		switch v, _ := req.Args.Get("changes"); t := v.(type) {
		case map[string]any:
			res.Changes = t
		default:
			if b, err := ParseBool(v); err == nil && !b {
				res.Changes = map[string]any{}
			}
		}
	}
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return res
}
