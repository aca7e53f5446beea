package exec

import (
	"context"
	"os"

	"github.com/brine-cm/brine/states"
)

func init() {
	register("environ.item", environItem, "Return some of the minion's environment variables: {name: value}, default for those not set (Salt's environ.item).",
		states.Param{Name: "keys", Type: states.Any, Required: true, Doc: "a name, or a list of names."},
		states.Param{Name: "default", Type: states.Any, Default: "", Doc: "the value of a variable that is not set."})
}

// environItem is Salt's environ.item: keys is a name or a list of
// names; anything else gives {} (Salt logs it and returns nothing).
func environItem(_ context.Context, c *call) Return {
	var keys []string
	switch k := c.kw["keys"].(type) {
	case string:
		keys = []string{k}
	case []any:
		for _, x := range k {
			if s, ok := x.(string); ok {
				keys = append(keys, s)
			}
		}
	default:
		c.host.Log.Debug("environ.item: 'keys' argument is not a string or list type", "keys", k)
	}
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := os.LookupEnv(k); ok {
			out[k] = v
		} else {
			out[k] = c.kw["default"]
		}
	}
	return nested(out)
}
