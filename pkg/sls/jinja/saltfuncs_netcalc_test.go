package jinja

import (
	"errors"
	"reflect"
	"testing"
)

// The network arithmetic formulas call, each case's value checked
// against Salt 3006's functions run under Python 3 (salt.utils.network's
// calc_net and in_subnet, the module's convert_cidr, is_private,
// is_loopback, reverse_ip): ip_network takes a prefix with leading zeros,
// an IPv4 netmask or hostmask, and clears the host bits unless strict;
// in_subnet's cidr is strict, and one with host bits set matches nothing.
func TestNetCalc(t *testing.T) {
	f := SaltFuncs(SaltContext{Grains: map[string]any{
		"ip4_interfaces": map[string]any{"lo": []any{"127.0.0.1"}, "eth0": []any{"10.1.2.3"}},
		"ip6_interfaces": map[string]any{},
	}})
	kw := func(k string, v any) map[string]any { return map[string]any{k: v} }
	tests := []struct {
		fn   string
		args []any
		kw   map[string]any
		want any
	}{
		{"network.calc_net", []any{"10.1.2.3/24"}, nil, "10.1.2.0/24"},
		{"network.calc_net", []any{"10.1.2.3", "255.255.255.240"}, nil, "10.1.2.0/28"},
		{"network.calc_net", []any{"10.1.2.3", 24}, nil, "10.1.2.0/24"},
		{"network.calc_net", []any{"10.1.2.3", "0.0.0.255"}, nil, "10.1.2.0/24"},
		{"network.calc_net", []any{"10.1.2.3"}, nil, "10.1.2.3/32"},
		{"network.calc_net", []any{"10.1.2.3/008"}, nil, "10.0.0.0/8"},
		{"network.calc_net", []any{"2a02:f6e:a000:80:84d8:8332:7866:4e07/64"}, nil, "2a02:f6e:a000:80::/64"},
		{"network.calc_net", []any{"2a02:f6e:a000:80:84d8:8332:7866:4e07"}, kw("netmask", 48), "2a02:f6e:a000::/48"},
		{"network.calc_net", []any{"::ffff:10.0.0.1/120"}, nil, "::ffff:a00:0/120"},
		{"network.convert_cidr", []any{"172.31.5.6/16"}, nil, map[string]any{"network": "172.31.0.0", "netmask": "255.255.0.0", "broadcast": "172.31.255.255"}},
		{"network.convert_cidr", []any{"192.168.1.7"}, nil, map[string]any{"network": "192.168.1.7", "netmask": "255.255.255.255", "broadcast": "192.168.1.7"}},
		{"network.convert_cidr", []any{"2001:db8:1::5/64"}, nil, map[string]any{"network": "2001:db8:1::", "netmask": "ffff:ffff:ffff:ffff::", "broadcast": "2001:db8:1:0:ffff:ffff:ffff:ffff"}},
		{"network.convert_cidr", []any{"10.0.0.1/0"}, nil, map[string]any{"network": "0.0.0.0", "netmask": "0.0.0.0", "broadcast": "255.255.255.255"}},
		{"network.ip_in_subnet", []any{"172.17.0.4", "172.16.0.0/12"}, nil, true},
		{"network.ip_in_subnet", []any{"172.32.0.4", "172.16.0.0/12"}, nil, false},
		{"network.ip_in_subnet", []any{"172.17.0.4", "172.16.0.1/12"}, nil, false},
		{"network.ip_in_subnet", []any{"2001:db8::5", "2001:db8::/32"}, nil, true},
		{"network.ip_in_subnet", []any{"10.0.0.1", "2001:db8::/32"}, nil, false},
		{"network.ip_in_subnet", []any{[]any{"192.168.0.1", "10.1.1.1"}, "10.0.0.0/8"}, nil, true},
		{"network.ip_in_subnet", []any{"10.0.0.1", "bad"}, nil, false},
		{"network.in_subnet", []any{"10.1.2.0/24"}, nil, true},
		{"network.in_subnet", []any{"127.0.0.0/8"}, nil, false},
		{"network.is_private", []any{"10.0.0.3"}, nil, true},
		{"network.is_private", []any{"8.8.8.8"}, nil, false},
		{"network.is_private", []any{"fd00::1"}, nil, true},
		{"network.is_loopback", []any{"127.0.0.1"}, nil, true},
		{"network.is_loopback", []any{"::1"}, nil, true},
		{"network.is_loopback", []any{"10.0.0.1"}, nil, false},
		{"network.reverse_ip", []any{"172.17.0.4"}, nil, "4.0.17.172.in-addr.arpa"},
		{"network.reverse_ip", []any{"2001:db8::1"}, nil, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
		{"network.ipaddrs", nil, nil, []any{"10.1.2.3"}},
		{"network.ipaddrs", nil, kw("cidr", "192.168.0.0/16"), []any{}},
	}
	for _, tt := range tests {
		fn, ok := f[tt.fn]
		if !ok {
			t.Errorf("%s is not available", tt.fn)
			continue
		}
		got, err := fn(tt.args, tt.kw)
		if err != nil {
			t.Errorf("%s(%v, %v): %v", tt.fn, tt.args, tt.kw, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s(%v, %v) = %#v; want %#v", tt.fn, tt.args, tt.kw, got, tt.want)
		}
	}
}

// What Python's ipaddress refuses fails the render, as the ValueError
// does in Salt, with its message.
func TestNetCalcErrors(t *testing.T) {
	f := SaltFuncs(SaltContext{})
	tests := []struct {
		fn   string
		args []any
		want string
	}{
		{"network.calc_net", []any{"10.1.2.3/33"}, "network.calc_net: ValueError: '10.1.2.3/33' does not appear to be an IPv4 or IPv6 network"},
		{"network.calc_net", []any{"10.1.2.3", "255.0.255.0"}, "network.calc_net: ValueError: '10.1.2.3/255.0.255.0' does not appear to be an IPv4 or IPv6 network"},
		{"network.calc_net", []any{"10.1.2.3/24/1"}, "network.calc_net: ValueError: '10.1.2.3/24/1' does not appear to be an IPv4 or IPv6 network"},
		{"network.calc_net", []any{"2001:db8::1", "255.255.0.0"}, "network.calc_net: ValueError: '2001:db8::1/255.255.0.0' does not appear to be an IPv4 or IPv6 network"},
		{"network.ip_in_subnet", []any{"bad", "10.0.0.0/8"}, "network.ip_in_subnet: ValueError: 'bad' does not appear to be an IPv4 or IPv6 address"},
		{"network.is_private", []any{"x"}, "network.is_private: ValueError: 'x' does not appear to be an IPv4 or IPv6 address"},
	}
	for _, tt := range tests {
		_, err := f[tt.fn](tt.args, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s(%v): err = %v; want %q", tt.fn, tt.args, err, tt.want)
		}
		if err != nil && !errors.Is(err, errPyValue) {
			t.Errorf("%s(%v): %v is not errPyValue", tt.fn, tt.args, err)
		}
	}
}
