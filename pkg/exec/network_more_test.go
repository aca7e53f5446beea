package exec

import (
	"fmt"
	"net"
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
		// Salt's in_subnet reads the cidr strictly: host bits set, or no
		// network at all, is logged and matches nothing.
		{"network.ip_in_subnet", []string{"10.1.2.3", "10.0.0.1/8"}, false},
		{"network.in_subnet", []string{"10.0.0.1/16"}, false},
		{"network.in_subnet", []string{"bogus"}, false},
		{"network.calc_net", []string{"172.17.0.5", "255.255.255.240"}, "172.17.0.0/28"},
		{"network.convert_cidr", []string{"172.31.5.6/16"}, map[string]any{"network": "172.31.0.0", "netmask": "255.255.0.0", "broadcast": "172.31.255.255"}},
		{"network.is_private", []string{"10.0.0.3"}, true},
		{"network.is_loopback", []string{"::1"}, true},
		{"network.reverse_ip", []string{"172.17.0.4"}, "4.0.17.172.in-addr.arpa"},
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

// TestNetworkConnect: network.connect's {result, comment} in Salt's
// words, and a false result fails the call, as Salt's minion reads a
// return's "result".
func TestNetworkConnect(t *testing.T) {
	h := testHost(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ret := callWords(t, h, "network.connect", "127.0.0.1", fmt.Sprint(port))
	want := map[string]any{"result": true, "comment": fmt.Sprintf("Successfully connected to 127.0.0.1 (127.0.0.1) on tcp port %d", port)}
	if !reflect.DeepEqual(ret.Value, want) || ret.Retcode != 0 {
		t.Errorf("network.connect to a listener = %#v (%d); want %#v", ret.Value, ret.Retcode, want)
	}
	ln.Close()
	ret = callWords(t, h, "network.connect", "127.0.0.1", fmt.Sprint(port), "timeout=1")
	want = map[string]any{"result": false, "comment": fmt.Sprintf("Unable to connect to 127.0.0.1 (127.0.0.1) on tcp port %d", port)}
	if !reflect.DeepEqual(ret.Value, want) || ret.Retcode != RetError {
		t.Errorf("network.connect to a closed port = %#v (%d); want %#v, retcode 1", ret.Value, ret.Retcode, want)
	}
	ret = callWords(t, h, "network.connect", "127.0.0.1")
	if !reflect.DeepEqual(ret.Value, map[string]any{"result": false, "comment": "Required argument, port, is missing."}) || ret.Retcode != RetError {
		t.Errorf("network.connect without a port = %#v", ret.Value)
	}
}
