package grains

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// ip_gw, ip4_gw and ip6_gw from the kernel's route tables, as Salt's
// default_gateway reads `ip route`: the gateway, True for a default route
// without one, False for none; unreachable defaults do not count.
func TestGatewayGrains(t *testing.T) {
	proc := t.TempDir()
	os.MkdirAll(filepath.Join(proc, "net"), 0o755)
	os.WriteFile(filepath.Join(proc, "net", "route"), []byte("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"+
		"eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\n"+
		"eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n"), 0o644)
	os.WriteFile(filepath.Join(proc, "net", "ipv6_route"), []byte(
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"), 0o644)
	g := map[string]any{}
	gatewayGrains(Options{ProcRoot: proc}, g)
	want := map[string]any{"ip_gw": true, "ip4_gw": "192.0.2.1", "ip6_gw": false}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("got %v; want %v", g, want)
	}
	os.WriteFile(filepath.Join(proc, "net", "route"), []byte("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"+
		"wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\n"), 0o644)
	os.WriteFile(filepath.Join(proc, "net", "ipv6_route"), []byte(
		"00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n"), 0o644)
	g = map[string]any{}
	gatewayGrains(Options{ProcRoot: proc}, g)
	if want := (map[string]any{"ip_gw": true, "ip4_gw": true, "ip6_gw": "fd00::1"}); !reflect.DeepEqual(g, want) {
		t.Errorf("got %v; want %v", g, want)
	}
}

// The dns grain is salt.utils.dns.parse_resolv's reading of resolv.conf.
func TestDNSGrain(t *testing.T) {
	got := parseResolv(`# generated
nameserver 192.0.2.53
nameserver 2001:db8::53 # v6
nameserver 192.0.2.53
nameserver not-an-address
search corp.example lab.example
domain example.org
sortlist 130.155.160.0/255.255.240.0 130.155.0.0 10.1.2.0/24 10.1.2.3/24 10.0.0.0/255.0.255.0
options ndots:2 timeout:1
options rotate
`)
	want := map[string]any{
		"nameservers":     []any{"192.0.2.53", "2001:db8::53"},
		"ip4_nameservers": []any{"192.0.2.53"},
		"ip6_nameservers": []any{"2001:db8::53"},
		"sortlist":        []any{"130.155.160.0/255.255.240.0", "130.155.0.0/255.255.0.0", "10.1.2.0/255.255.255.0"},
		"domain":          "example.org",
		"search":          []any{"corp.example", "lab.example"},
		"options":         []any{"ndots:2", "rotate"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	host := t.TempDir()
	if _, ok := dnsGrain(Options{HostRoot: host}); ok {
		t.Error("dns grain without a resolv.conf")
	}
	os.MkdirAll(filepath.Join(host, "etc"), 0o755)
	os.WriteFile(filepath.Join(host, "etc", "resolv.conf"), []byte("nameserver 192.0.2.1\n"), 0o644)
	if d, ok := dnsGrain(Options{HostRoot: host}); !ok || !reflect.DeepEqual(d["nameservers"], []any{"192.0.2.1"}) {
		t.Errorf("dns grain = %v, %v", d, ok)
	}
}
