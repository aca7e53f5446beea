package orch

import (
	"context"
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// The reactor's functions, as Salt's reactor SLS names them: the state
// is the client (local, runner, wheel), the function what it runs:
//
//	highstate_it:
//	  local.state.apply:
//	    - tgt: {{ data['id'] }}
//
// Their arguments come in Salt's two forms: the old one (tgt, tgt_type,
// arg, kwarg for local; the runner's or wheel's own arguments for the
// others) and the new one, an `args` list of one-key mappings (the
// function's keyword arguments).

func reaction(name string) (states.Func, bool) {
	client, fun, ok := strings.Cut(name, ".")
	if !ok || fun == "" {
		return nil, false
	}
	switch client {
	case "local", "cmd":
		// cmd is Salt's old name of local (Reactor.aliases).
		return func(ctx context.Context, req *states.Request) states.Result { return localReaction(ctx, fun, req) }, true
	case "runner":
		return func(ctx context.Context, req *states.Request) states.Result { return runnerReaction(ctx, fun, req) }, true
	case "wheel":
		return func(ctx context.Context, req *states.Request) states.Result { return wheelReaction(ctx, fun, req) }, true
	case "caller":
		return func(_ context.Context, req *states.Request) states.Result {
			return failed(req.Name, "caller reactions run on a masterless minion; brine's reactor has local, runner and wheel")
		}, true
	}
	return nil, false
}

// reactionArgs returns a reaction's arguments as Salt's ReactWrap.run
// reads them: in the new form (an `args` list of one-key mappings, or
// one mapping) `args` are the function's keyword arguments, under
// "__args__", and `arg` and `kwarg` are ignored, as Salt ignores them
// (with a warning); in the old form the arguments are as written.
func reactionArgs(req *states.Request) (map[string]any, error) {
	all := map[string]any{}
	for k, v := range req.Args.Map() {
		if k != "args" {
			all[k] = v
		}
	}
	v, ok := req.Args.Map()["args"]
	if !ok {
		return all, nil
	}
	kw := map[string]any{}
	switch t := v.(type) {
	case nil:
	case map[string]any:
		kw = t
	case []any:
		for _, item := range t {
			m, ok := item.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("args: want a list of one-key mappings (- name: value), got %v", item)
			}
			for k, x := range m {
				kw[k] = x
			}
		}
	default:
		return nil, fmt.Errorf("args: want a list of one-key mappings, got %v", v)
	}
	delete(all, "arg")
	delete(all, "kwarg")
	all["__args__"] = kw
	return all, nil
}

// reactionKwargs is the arguments of a runner or wheel reaction: in the
// new form `args` alone (Salt's RunnerClient.low reads only the kwarg
// ReactWrap builds of them), in the old form those written under the
// reaction.
func reactionKwargs(req *states.Request) (map[string]any, error) {
	a, err := reactionArgs(req)
	if err != nil {
		return nil, err
	}
	if kw, ok := a["__args__"].(map[string]any); ok {
		return kw, nil
	}
	return a, nil
}

// localReaction publishes a job, and does not wait for its returns (as
// Salt's reactor, whose local reactions are asynchronous): they come on
// the bus and in the job cache.
func localReaction(ctx context.Context, fun string, req *states.Request) states.Result {
	r := runOf(ctx)
	a, err := reactionArgs(req)
	if err != nil {
		return failed(req.Name, "%v", err)
	}
	tt, _ := a["tgt_type"].(string)
	if tt == "" {
		tt, _ = a["expr_form"].(string)
	}
	if tt == "" {
		tt = proto.TargetGlob
	}
	// A list is a target too (tgt_type list), as Salt's LocalClient
	// takes one.
	tgt, err := targetText(a["tgt"], tt)
	if err != nil {
		return failed(req.Name, "local.%s: %v", fun, err)
	}
	if tgt == "" {
		return failed(req.Name, "local.%s: no tgt", fun)
	}
	j := client.Job{Target: tgt, TargetType: tt, Fun: fun, Timeout: stepTimeout(r, &req.Args)}
	switch t := a["arg"].(type) {
	case nil:
	case []any:
		j.Args = t
	default:
		j.Args = []any{t}
	}
	if kw, ok := a["kwarg"].(map[string]any); ok {
		j.Kwargs = kw
	}
	if kw, ok := a["__args__"].(map[string]any); ok {
		if j.Kwargs == nil {
			j.Kwargs = map[string]any{}
		}
		for k, v := range kw {
			j.Kwargs[k] = v
		}
	}
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Changes: map[string]any{},
			Comment: fmt.Sprintf("Function %s would be executed on target %s", fun, tgt)}
	}
	rep, err := r.o.Client.Publish(ctx, j)
	if err != nil {
		return failed(req.Name, "local.%s on %s: %v", fun, tgt, err)
	}
	if len(rep.Minions) == 0 {
		return states.Result{Name: req.Name, Result: states.True, Changes: map[string]any{},
			Comment: fmt.Sprintf("No minions matched %s: no job published", tgt)}
	}
	return states.Result{Name: req.Name, Result: states.True,
		Changes: map[string]any{"jid": rep.JID, "minions": toAny(rep.Minions)},
		Comment: fmt.Sprintf("Published job %s (%s) to %s", rep.JID, fun, strings.Join(rep.Minions, ", "))}
}

func runnerReaction(ctx context.Context, fun string, req *states.Request) states.Result {
	r := runOf(ctx)
	a, err := reactionKwargs(req)
	if err != nil {
		return failed(req.Name, "%v", err)
	}
	switch fun {
	case "state.orchestrate", "state.orch", "state.sls":
	default:
		return failed(req.Name, "runner function %q is not available in brine: the reactor's runner runs state.orchestrate (state.orch)", fun)
	}
	mods := toStrings(a["mods"])
	if len(mods) == 0 {
		return failed(req.Name, "runner.%s: no mods", fun)
	}
	pil, _ := a["pillar"].(map[string]any)
	env, _ := a["saltenv"].(string)
	// test is state.orchestrate's own argument in Salt, passed on to
	// the orchestration, which then runs in test mode.
	test, _ := states.ParseBool(a["test"])
	excl, err := sls.ParseExclude(a["exclude"])
	if err != nil {
		return failed(req.Name, "runner.%s: %v", fun, err)
	}
	penv, _ := a["pillarenv"].(string)
	run := func() states.Result { return r.orchestrate(ctx, fun, mods, pil, env, penv, test, excl) }
	if r.async != nil {
		return r.background(req, fmt.Sprintf("Runner function '%s' started.", fun), run)
	}
	return run()
}

func wheelReaction(ctx context.Context, fun string, req *states.Request) states.Result {
	r := runOf(ctx)
	a, err := reactionKwargs(req)
	if err != nil {
		return failed(req.Name, "%v", err)
	}
	flag := func(k string) bool { b, _ := states.ParseBool(a[k]); return b }
	var action string
	include := false
	switch fun {
	case "key.accept":
		action, include = proto.KeyAccept, flag("include_rejected")
	case "key.reject":
		action, include = proto.KeyReject, flag("include_accepted")
	case "key.delete":
		action = proto.KeyDelete
	case "key.list_all", "key.list", "key.name_match":
	default:
		return failed(req.Name, "wheel function %q is not available in brine: the reactor's wheel runs key.accept, key.reject, key.delete, key.list_all, key.list and key.name_match", fun)
	}
	match, ok := a["match"]
	if !ok && fun != "key.list_all" {
		return failed(req.Name, "wheel.%s: no match", fun)
	}
	if req.Test {
		return states.Result{Name: req.Name, Result: states.None, Changes: map[string]any{},
			Comment: fmt.Sprintf("Wheel function '%s' would be executed.", fun)}
	}
	run := func() states.Result {
		if action == "" {
			return r.keyRead(ctx, fun, match)
		}
		return r.wheel(ctx, fun, action, match, include)
	}
	if r.async != nil {
		return r.background(req, fmt.Sprintf("Wheel function '%s' started.", fun), run)
	}
	return run()
}
