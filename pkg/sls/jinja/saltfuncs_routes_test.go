package jinja

import (
	"os/exec"
	"strings"
	"testing"
)

const procRoute4 = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
	"eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
	"eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
	"wg0\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n"

const procRoute6 = "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n" +
	"00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n" +
	"00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"

// The default routes of the kernel's tables, in the shape of Salt's
// network.routes; other routes and unreachable defaults left out.
func TestDefaultRoutes(t *testing.T) {
	got4, _ := repr(defaultRoutes4(procRoute4))
	if want := "[{'addr_family': 'inet', 'destination': '0.0.0.0', 'gateway': '192.0.2.1', 'netmask': '0.0.0.0', 'flags': 'UG', 'interface': 'eth0'}]"; got4 != want {
		t.Errorf("inet: %s\nwant %s", got4, want)
	}
	got6, _ := repr(defaultRoutes6(procRoute6))
	if want := "[{'addr_family': 'inet6', 'destination': '::/0', 'gateway': 'fd00::1', 'netmask': '', 'flags': 'UG', 'interface': 'eth0'}]"; got6 != want {
		t.Errorf("inet6: %s\nwant %s", got6, want)
	}
	if _, err := networkDefaultRoute([]any{"inet5"}, nil); err == nil {
		t.Error("family inet5: no error")
	}
}

// On this host, the IPv4 default routes are those `ip route` shows
// (a host without one gives none in both).
func TestDefaultRouteLive(t *testing.T) {
	out, err := exec.Command("ip", "-4", "route", "show", "table", "main").Output()
	if err != nil {
		t.Fatalf("ip route (iproute2, installed by .ci/run): %v", err)
	}
	var want []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == "default" && f[1] == "via" && f[3] == "dev" {
			want = append(want, f[2]+" "+f[4])
		}
	}
	v, err := networkDefaultRoute([]any{"inet"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range v.([]any) {
		m := r.(interface{ Get(string) (any, bool) })
		gw, _ := m.Get("gateway")
		dev, _ := m.Get("interface")
		got = append(got, gw.(string)+" "+dev.(string))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("default routes %v; ip route shows %v", got, want)
	}
}
