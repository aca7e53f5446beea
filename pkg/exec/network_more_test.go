package exec

import (
	"reflect"
	"testing"
)

// TestNetworkMore: the network functions Salt users script with, over
// the ip grains and the live interfaces (lo is always there).
func TestNetworkMore(t *testing.T) {
	h := testHost(t)
	h.Grains["ip6_interfaces"] = map[string]any{"eth0": []any{"fe80::1", "fd00::5"}, "lo": []any{"::1"}}
	h.Grains["fqdn"] = "m1.example.org"
	tests := []struct {
		fun   string
		words []string
		want  any
	}{
		{"network.ip_addrs6", nil, []any{"fd00::5", "fe80::1"}},
		{"network.ip_addrs6", []string{"include_loopback=True", "cidr=fd00::/8"}, []any{"fd00::5"}},
		{"network.ipaddrs", nil, []string{"10.0.0.5"}},
		{"network.in_subnet", []string{"10.0.0.0/16"}, true},
		{"network.in_subnet", []string{"fd00::/8"}, true},
		{"network.in_subnet", []string{"192.168.0.0/16"}, false},
		{"network.ip_in_subnet", []string{"10.1.2.3", "10.0.0.0/8"}, true},
		{"network.ip_in_subnet", []string{"11.1.2.3", "10.0.0.0/8"}, false},
		{"network.get_fqdn", nil, "m1.example.org"},
		{"network.hw_addr", []string{"lo"}, "00:00:00:00:00:00"},
		{"network.interface_ip", []string{"lo"}, "127.0.0.1"},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != 0 {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
	ret := callWords(t, h, "network.hw_addr", "no-such-if")
	if s, _ := ret.Value.(string); len(s) < 40 || s[:45] != `Interface "no-such-if" not in available inter` {
		t.Errorf("hw_addr of no interface = %#v; want Salt's sentence", ret.Value)
	}
}
