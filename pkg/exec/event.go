package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/brine-cm/brine/states"
)

func init() {
	register("event.send", eventSend, "Send an event to the master's bus, as Salt's event.send: it shows there as minion/<this minion's id>/TAG, with the data and the minion's id (docs/events.md). Under brine call --local, with no master, it sends nothing and returns False, as Salt's.",
		states.Param{Name: "tag", Type: states.String, Required: true, Doc: "the tag, such as myco/deploy/done; the master puts it under minion/<id>/."},
		states.Param{Name: "data", Type: states.Map, Doc: "the event's data, a dict; its keys win over all the others."},
		states.Param{Name: "preload", Type: states.Map, Doc: "accepted and ignored (Salt's, for the transport)."},
		states.Param{Name: "with_env", Type: states.Any, Default: false, Doc: "True adds the minion's environment as environ; a list, those variables only."},
		states.Param{Name: "with_grains", Type: states.Any, Default: false, Doc: "True adds the grains as grains; a list, those grains only."},
		states.Param{Name: "with_pillar", Type: states.Any, Default: false, Doc: "True adds the pillar as pillar; a list, those keys only."},
		states.Param{Name: "with_env_opts", Type: states.Bool, Default: false, Doc: "add saltenv and pillarenv."},
		states.Param{Name: "timeout", Type: states.Int, Doc: "accepted and ignored."},
		states.Param{Name: "(any other argument)", Rest: true, Doc: "added to the data, as Salt's keyword arguments of event.send."})
}

func eventSend(ctx context.Context, c *call) Return {
	if c.host.SendEvent == nil {
		// As Salt's fire_master in masterless mode: a warning, and False.
		c.host.Log.Warn(fmt.Sprintf("Local mode detected. Event with tag %s will NOT be sent.", c.str("tag")))
		return nested(false)
	}
	data := eventData(c)
	b, err := json.Marshal(data)
	if err != nil {
		return failed("event.send: data: " + err.Error())
	}
	if err := c.host.SendEvent(ctx, c.str("tag"), b); err != nil {
		return failed("event.send: " + err.Error())
	}
	return nested(true)
}

// eventData is what Salt's event.send sends: the environment, grains and
// pillar asked for, the keyword arguments, then data over them all.
func eventData(c *call) map[string]any {
	out := map[string]any{}
	// pick is Salt's: True for all of src, a list for those keys.
	pick := func(arg, key string, src map[string]any) {
		switch v := c.kw[arg].(type) {
		case bool:
			if v {
				out[key] = src
			}
		case string:
			if t, _ := states.Bool.Decode(v); t == true {
				out[key] = src
			}
		case []any:
			sub := map[string]any{}
			for _, k := range v {
				if ks, ok := k.(string); ok {
					if val, ok := src[ks]; ok {
						sub[ks] = val
					}
				}
			}
			out[key] = sub
		}
	}
	if c.kw["with_env"] != nil && c.kw["with_env"] != false {
		env := map[string]any{}
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		pick("with_env", "environ", env)
	}
	pick("with_grains", "grains", c.host.Grains)
	pick("with_pillar", "pillar", c.host.Pillar.PlainMap())
	if c.boolean("with_env_opts") {
		out["saltenv"] = c.host.Env
		out["pillarenv"] = nil
	}
	for k, v := range c.rest {
		out[k] = v
	}
	if d, ok := c.kw["data"].(map[string]any); ok {
		for k, v := range d {
			out[k] = v
		}
	}
	return out
}
