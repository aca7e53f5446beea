package exec

import (
	"context"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/states"
)

// Salt's network.get_route on Linux (salt/modules/network.py): the
// first line of `ip route get IP`, read for the gateway, interface and
// source address.

func init() {
	register("network.get_route", networkGetRoute, "Return how the host reaches an address, from the first line of `ip route get IP`: destination, gateway (None when direct), interface and source.",
		states.Param{Name: "ip", Type: states.String, Required: true, Doc: "the address."})
}

var ipRouteGet = regexp.MustCompile(`(via\s+(?P<gateway>[\w\.:]+))?\s+dev\s+(?P<interface>[\w\.\:\-]+)\s+.*src\s+(?P<source>[\w\.:]+)`)

func networkGetRoute(ctx context.Context, c *call) Return {
	ip := c.str("ip")
	r := Call(ctx, c.host, "cmd.run", []any{"ip route get " + ip}, map[string]any{"python_shell": true})
	out, _ := r.Value.(string)
	v, ok := parseRouteGet(ip, out)
	if !ok {
		// Salt's m.group on no match: an AttributeError.
		return commandError("'NoneType' object has no attribute 'group'")
	}
	return nested(v)
}

// parseRouteGet reads ip route get's first line as Salt's regex does.
func parseRouteGet(ip, out string) (map[string]any, bool) {
	first, _, _ := strings.Cut(out, "\n")
	m := ipRouteGet.FindStringSubmatch(first)
	if m == nil {
		return nil, false
	}
	var gw any
	if m[2] != "" {
		gw = m[2]
	}
	return map[string]any{"destination": ip, "gateway": gw, "interface": m[3], "source": m[4]}, true
}
