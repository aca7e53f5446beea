package jinja

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// nlAddr builds one RTM_NEWADDR message as the kernel sends it.
func nlAddr(family, plen, flags, scope uint8, index uint32, attrs map[uint16][]byte) syscall.NetlinkMessage {
	data := []byte{family, plen, flags, scope, 0, 0, 0, 0}
	binary.NativeEndian.PutUint32(data[4:], index)
	for _, typ := range []uint16{syscall.IFA_ADDRESS, syscall.IFA_LOCAL, syscall.IFA_LABEL, syscall.IFA_BROADCAST} {
		v, ok := attrs[typ]
		if !ok {
			continue
		}
		l := 4 + len(v)
		a := make([]byte, (l+3)&^3)
		binary.NativeEndian.PutUint16(a[0:], uint16(l))
		binary.NativeEndian.PutUint16(a[2:], typ)
		copy(a[4:], v)
		data = append(data, a...)
	}
	return syscall.NetlinkMessage{Header: syscall.NlMsghdr{Type: syscall.RTM_NEWADDR, Len: uint32(syscall.NLMSG_HDRLEN + len(data))}, Data: data}
}

// Salt lists a secondary IPv4 address (ip's "secondary", IFA_F_SECONDARY)
// under "secondary" with type inet and its label, not under inet; an
// address's label is ip's last column (eth0:1 for an alias).
func TestNetSecondary(t *testing.T) {
	v4 := func(s string) []byte { return netip.MustParseAddr(s).AsSlice() }
	msgs := []syscall.NetlinkMessage{
		nlAddr(syscall.AF_INET, 24, 0, 0, 2, map[uint16][]byte{syscall.IFA_ADDRESS: v4("192.0.2.2"), syscall.IFA_LOCAL: v4("192.0.2.2"),
			syscall.IFA_BROADCAST: v4("192.0.2.255"), syscall.IFA_LABEL: []byte("eth0\x00")}),
		nlAddr(syscall.AF_INET, 24, syscall.IFA_F_SECONDARY, 0, 2, map[uint16][]byte{syscall.IFA_ADDRESS: v4("192.0.2.3"), syscall.IFA_LOCAL: v4("192.0.2.3"),
			syscall.IFA_BROADCAST: v4("192.0.2.255"), syscall.IFA_LABEL: []byte("eth0:1\x00")}),
		nlAddr(syscall.AF_INET, 32, syscall.IFA_F_SECONDARY, 0, 2, map[uint16][]byte{syscall.IFA_LOCAL: v4("198.51.100.7"), syscall.IFA_LABEL: []byte("eth0\x00")}),
		nlAddr(syscall.AF_INET6, 64, 0, 253, 2, map[uint16][]byte{syscall.IFA_ADDRESS: netip.MustParseAddr("fe80::1").AsSlice()}),
		{Header: syscall.NlMsghdr{Type: syscall.NLMSG_DONE}},
	}
	addrs, err := parseAddrMsgs(msgs)
	if err != nil {
		t.Fatal(err)
	}
	n := netIface{name: "eth0", up: true, bcast: true, hw: "52:54:00:12:34:56"}
	for _, a := range addrs {
		if a.index != 2 {
			t.Fatalf("index %d; want 2", a.index)
		}
		n.addrs = append(n.addrs, a.prefix)
		n.meta = append(n.meta, a.meta)
	}
	got := netInterfaces([]netIface{n})["eth0"]
	want := map[string]any{"hwaddr": "52:54:00:12:34:56", "up": true,
		"inet": []any{map[string]any{"address": "192.0.2.2", "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "label": "eth0"}},
		"secondary": []any{
			map[string]any{"type": "inet", "address": "192.0.2.3", "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "label": "eth0:1"},
			map[string]any{"type": "inet", "address": "198.51.100.7", "netmask": "255.255.255.255", "broadcast": nil, "label": "eth0"},
		},
		"inet6": []any{map[string]any{"address": "fe80::1", "prefixlen": "64", "scope": "link"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("netInterfaces =\n%#v\nwant\n%#v", got, want)
	}
	// Salt's _subnets counts the secondary addresses too.
	if got, want := netSubnets([]netIface{n}, nil, false), []any{"192.0.2.0/24", "198.51.100.7/32"}; !reflect.DeepEqual(got, want) {
		t.Errorf("subnets = %v; want %v", got, want)
	}
}

// On the live host, the netlink dump has the addresses the standard
// library lists, interface by interface.
func TestNetlinkMatchesHost(t *testing.T) {
	nl, err := netlinkAddrs()
	if err != nil {
		t.Fatal(err)
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		var fromNL, fromGo []string
		for _, a := range nl {
			if a.index == i.Index {
				fromNL = append(fromNL, a.prefix.String())
			}
		}
		addrs, err := i.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				ip, _ := netip.AddrFromSlice(ipn.IP)
				ones, _ := ipn.Mask.Size()
				fromGo = append(fromGo, netip.PrefixFrom(ip.Unmap(), ones).String())
			}
		}
		slices.Sort(fromNL)
		slices.Sort(fromGo)
		if !slices.Equal(fromNL, fromGo) {
			t.Errorf("%s: netlink %v; net.Interfaces %v", i.Name, fromNL, fromGo)
		}
	}
	if len(nl) == 0 {
		t.Error("netlink listed no address (lo has 127.0.0.1)")
	}
}

// secondaryHelperEnv marks the run of the test binary inside a network
// namespace of its own (TestNetSecondaryLive).
const secondaryHelperEnv = "BRINE_NET_SECONDARY_HELPER"

// TestNetSecondaryLive gives lo three addresses in one /24 inside a new
// network namespace (unshare, iproute2): the kernel makes the second and
// third secondary, the third with the label lo:1, and network.interfaces
// lists them under secondary, as Salt's parse of `ip addr show` does.
func TestNetSecondaryLive(t *testing.T) {
	if os.Getenv(secondaryHelperEnv) == "1" {
		ifs, err := hostIfaces()
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(netInterfaces(ifs)["lo"])
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("RESULT %s\n", b)
		return
	}
	script := `set -e
ip link set lo up
ip addr add 10.9.9.1/24 dev lo
ip addr add 10.9.9.2/24 dev lo
ip addr add 10.9.9.3/24 dev lo label lo:1
exec "$@"`
	cmd := exec.Command("unshare", "--map-root-user", "--net", "sh", "-c", script, "sh", os.Args[0], "-test.run=^TestNetSecondaryLive$", "-test.v")
	cmd.Env = append(os.Environ(), secondaryHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("unshare (util-linux) and ip (iproute2) run the check in a network namespace of its own: %v\n%s", err, out)
	}
	_, res, ok := strings.Cut(string(out), "RESULT ")
	if !ok {
		t.Fatalf("no result:\n%s", out)
	}
	res, _, _ = strings.Cut(res, "\n")
	var got map[string]any
	if err := json.Unmarshal([]byte(res), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"hwaddr": "00:00:00:00:00:00", "up": true,
		"inet": []any{
			map[string]any{"address": "127.0.0.1", "netmask": "255.0.0.0", "broadcast": nil, "label": "lo"},
			map[string]any{"address": "10.9.9.1", "netmask": "255.255.255.0", "broadcast": nil, "label": "lo"},
		},
		"secondary": []any{
			map[string]any{"type": "inet", "address": "10.9.9.2", "netmask": "255.255.255.0", "broadcast": nil, "label": "lo"},
			map[string]any{"type": "inet", "address": "10.9.9.3", "netmask": "255.255.255.0", "broadcast": nil, "label": "lo:1"},
		},
		"inet6": []any{map[string]any{"address": "::1", "prefixlen": "128", "scope": "host"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("network.interfaces lo =\n%#v\nwant\n%#v", got, want)
	}
}
