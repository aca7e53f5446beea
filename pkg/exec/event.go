package exec

import (
	"context"
	"encoding/json"

	"github.com/brine-cm/brine/states"
)

func init() {
	register("event.send", eventSend, "Send an event to the master's bus, as Salt's event.send: it shows there as minion/<this minion's id>/TAG, with the data and the minion's id (docs/events.md).",
		states.Param{Name: "tag", Type: states.String, Required: true, Doc: "the tag, such as myco/deploy/done; the master puts it under minion/<id>/."},
		states.Param{Name: "data", Type: states.Map, Doc: "the event's data, a dict."},
		states.Param{Name: "(any other argument)", Rest: true, Doc: "added to data, as Salt's keyword arguments of event.send."})
}

func eventSend(ctx context.Context, c *call) Return {
	if c.host.SendEvent == nil {
		return failed("event.send: no master to send to (brine call --local has none)")
	}
	data, _ := c.kw["data"].(map[string]any)
	if data == nil {
		data = map[string]any{}
	}
	for k, v := range c.rest {
		data[k] = v
	}
	b, err := json.Marshal(data)
	if err != nil {
		return failed("event.send: data: " + err.Error())
	}
	if err := c.host.SendEvent(ctx, c.str("tag"), b); err != nil {
		return failed("event.send: " + err.Error())
	}
	return nested(true)
}
