package jinja

import (
	"errors"
	"net/netip"
	"os"
	"reflect"
	"testing"
)

// network.interfaces has the shape of Salt's linux_interfaces, which
// parses `ip addr show`: for eth0 192.0.2.2/24 brd 192.0.2.255, fe80::1/64
// scope link, 2001:db8::5/64 scope global; lo 127.0.0.1/8, ::1/128 scope
// host; a point-to-point /32 has no broadcast (None, as Salt's); a down interface has only
// hwaddr and up.
func TestNetInterfaces(t *testing.T) {
	p := netip.MustParsePrefix
	got := netInterfaces([]netIface{
		{name: "eth0", up: true, bcast: true, hw: "52:54:00:12:34:56", addrs: []netip.Prefix{p("192.0.2.2/24"), p("fe80::1/64"), p("2001:db8::5/64")}},
		{name: "lo", up: true, addrs: []netip.Prefix{p("127.0.0.1/8"), p("::1/128")}},
		{name: "tun0", up: true, bcast: true, addrs: []netip.Prefix{p("10.8.0.1/32")}},
		{name: "eth1", hw: "52:54:00:ab:cd:ef"},
	})
	want := map[string]any{
		"eth0": map[string]any{"hwaddr": "52:54:00:12:34:56", "up": true,
			"inet": []any{map[string]any{"address": "192.0.2.2", "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "label": "eth0"}},
			"inet6": []any{
				map[string]any{"address": "fe80::1", "prefixlen": "64", "scope": "link"},
				map[string]any{"address": "2001:db8::5", "prefixlen": "64", "scope": "global"},
			}},
		"lo": map[string]any{"hwaddr": "00:00:00:00:00:00", "up": true,
			"inet":  []any{map[string]any{"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": nil, "label": "lo"}},
			"inet6": []any{map[string]any{"address": "::1", "prefixlen": "128", "scope": "host"}}},
		"tun0": map[string]any{"hwaddr": "00:00:00:00:00:00", "up": true,
			"inet": []any{map[string]any{"address": "10.8.0.1", "netmask": "255.255.255.255", "broadcast": nil, "label": "tun0"}}},
		"eth1": map[string]any{"hwaddr": "52:54:00:ab:cd:ef", "up": false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("netInterfaces =\n%#v\nwant\n%#v", got, want)
	}
}

// subnets is Salt's _subnets: networks of the addresses, loopback left
// out, each once, sorted as Python sorts ip_network values; the iface
// error is Salt's _get_iface_info message, returned, not raised.
func TestNetSubnets(t *testing.T) {
	p := netip.MustParsePrefix
	ifs := []netIface{
		{name: "lo", addrs: []netip.Prefix{p("127.0.0.1/8"), p("::1/128")}},
		{name: "eth0", addrs: []netip.Prefix{p("192.0.2.2/24"), p("10.1.2.3/16"), p("fe80::1/64"), p("2001:db8::5/64")}},
		{name: "eth1", addrs: []netip.Prefix{p("10.1.9.9/16"), p("10.0.0.1/8")}},
	}
	if got, want := netSubnets(ifs, nil, false), []any{"10.0.0.0/8", "10.1.0.0/16", "192.0.2.0/24"}; !reflect.DeepEqual(got, want) {
		t.Errorf("subnets = %v; want %v", got, want)
	}
	if got, want := netSubnets(ifs, []string{"eth1"}, false), []any{"10.0.0.0/8", "10.1.0.0/16"}; !reflect.DeepEqual(got, want) {
		t.Errorf("subnets(eth1) = %v; want %v", got, want)
	}
	if got, want := netSubnets(ifs, nil, true), []any{"2001:db8::/64", "fe80::/64"}; !reflect.DeepEqual(got, want) {
		t.Errorf("subnets6 = %v; want %v", got, want)
	}
	if msg, bad := netIfaceError("wlan0", ifs); !bad || msg != `Interface "wlan0" not in available interfaces: "lo", "eth0", "eth1"` {
		t.Errorf("error = %q, %v", msg, bad)
	}
	if _, bad := netIfaceError("eth1", ifs); bad {
		t.Errorf("eth1 reported missing")
	}
}

// On the host it reads the real interfaces (every Linux host has lo);
// while the master renders pillar it is not offered.
func TestNetInterfacesHost(t *testing.T) {
	src := "{{ salt['network.interfaces']()['lo']['inet'][0]['address'] }} {{ salt['network.interface_ip']('lo') }} {{ salt['network.hw_addr']('lo') }} {{ salt['network.interface']('lo')[0]['netmask'] }} {{ '127.0.0.0/8' in salt['network.subnets']() }} {{ salt['network.subnets'](['lo']) }} {{ salt['network.hw_addr']('no-such-if').startswith('Interface \"no-such-if\" not in') }}"
	out, err := Render("t.sls", []byte(src), SaltVars(SaltContext{}, "t", "t.sls", "base"), Options{})
	if want := "127.0.0.1 127.0.0.1 00:00:00:00:00:00 255.0.0.0 False [] True"; err != nil || out != want {
		t.Errorf("lo = %q, %v; want %q", out, err, want)
	}
	_, err = Render("t.sls", []byte("{{ salt['network.interfaces']() }}"), SaltVars(SaltContext{Files: os.DirFS(t.TempDir())}, "t", "t.sls", "base"), Options{})
	if !errors.Is(err, ErrConfined) {
		t.Errorf("confined: err = %v; want ErrConfined", err)
	}
}

// SaltContext.Exec serves the read-only execution functions the renderer
// has none of its own for, and only those; not while confined.
func TestExecFuncs(t *testing.T) {
	var asked []string
	exec := func(fun string, args []any, _ map[string]any) (any, error) {
		asked = append(asked, fun)
		return fun == "service.available" && args[0] == "cron", nil
	}
	src := []byte("{{ salt['service.available']('cron') }} {{ salt['service.available']('nope') }}")
	out, err := Render("t.sls", src, SaltVars(SaltContext{Exec: exec}, "t", "t.sls", "base"), Options{})
	if err != nil || out != "True False" {
		t.Errorf("render = %q, %v", out, err)
	}
	for _, ctx := range []SaltContext{{}, {Exec: exec, Files: os.DirFS(t.TempDir())}} {
		if _, err := Render("t.sls", src, SaltVars(ctx, "t", "t.sls", "base"), Options{}); err == nil {
			t.Errorf("service.available offered with Exec %v, Files %v", ctx.Exec != nil, ctx.Files != nil)
		}
	}
	if _, err := Render("t.sls", []byte("{{ salt['service.start']('cron') }}"), SaltVars(SaltContext{Exec: exec}, "t", "t.sls", "base"), Options{}); err == nil {
		t.Errorf("service.start offered")
	}
	if !reflect.DeepEqual(asked, []string{"service.available", "service.available"}) {
		t.Errorf("asked %q", asked)
	}
}
