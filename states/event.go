package states

import (
	"context"
	"errors"
)

func init() {
	Register("event.send", eventSendState,
		Param{Name: "name", Type: String, Doc: "the event's tag; the master puts it under minion/<id>/."},
		Param{Name: "data", Type: Map, Doc: "the event's data."},
		Param{Name: "preload", Type: Map, Doc: "accepted and ignored (Salt's, for the transport)."},
		Param{Name: "with_env", Type: Any, Default: false, Doc: "True adds the minion's environment as environ; a list, those variables only."},
		Param{Name: "with_grains", Type: Any, Default: false, Doc: "True adds the grains as grains; a list, those grains only."},
		Param{Name: "with_pillar", Type: Any, Default: false, Doc: "True adds the pillar as pillar; a list, those keys only."},
		Param{Name: "show_changed", Type: Bool, Default: true, Doc: "report the tag and data as the changes."},
		Param{Name: "(any other argument)", Rest: true, Doc: "passed to event.send, which adds it to the data."},
	)
}

// eventSendState sends an event to the master's bus with brine's
// event.send execution function (docs/events.md).
//
// Changes are {tag, data} (none with show_changed False). Under brine
// call --local there is no master: event.send sends nothing and returns
// False, and so the state fails with "Event fired", as Salt's does
// masterless.
//
// Salt: the same (Salt 3006's event.send state).
func eventSendState(ctx context.Context, req *Request) Result {
	show := req.Args.Bool("show_changed", true)
	data, hasData := req.Args.Get("data")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	changes := map[string]any{}
	if show {
		changes = map[string]any{"tag": req.Name, "data": data}
		if !hasData {
			changes["data"] = nil
		}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: "Event would have been fired", Changes: changes}
	}
	if req.Env == nil || req.Env.Exec == nil || !req.Env.Exec.Has("event.send") {
		return Failf(req.Name, "%v", errors.New("event.send: no execution functions are wired here"))
	}
	kwargs := map[string]any{}
	for k, v := range req.Args.Rest() {
		kwargs[k] = v
	}
	for _, k := range []string{"data", "preload", "with_env", "with_grains", "with_pillar"} {
		if v, ok := req.Args.Get(k); ok {
			kwargs[k] = v
		}
	}
	ret, ok := req.Env.Exec.Call(ctx, "event.send", []any{req.Name}, kwargs)
	r := Result{Name: req.Name, Result: False, Comment: "Event fired", Changes: changes}
	if sent, _ := ret.(bool); ok && sent {
		r.Result = True
	}
	return r
}
