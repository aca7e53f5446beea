package exec

import (
	"reflect"
	"testing"
)

// network.get_route reads ip route get's first line as Salt's regex
// does.
func TestParseRouteGet(t *testing.T) {
	for _, tt := range []struct {
		out  string
		want map[string]any
	}{
		{"8.8.8.8 via 172.17.0.1 dev eth0 src 172.17.0.2 uid 0 \n    cache \n",
			map[string]any{"destination": "8.8.8.8", "gateway": "172.17.0.1", "interface": "eth0", "source": "172.17.0.2"}},
		{"10.0.0.7 dev br-lan src 10.0.0.5 uid 0 \n    cache \n",
			map[string]any{"destination": "8.8.8.8", "gateway": nil, "interface": "br-lan", "source": "10.0.0.5"}},
		{"RTNETLINK answers: Network is unreachable\n", nil},
	} {
		got, ok := parseRouteGet("8.8.8.8", tt.out)
		if !ok {
			got = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseRouteGet(%q) = %#v; want %#v", tt.out, got, tt.want)
		}
	}
}
