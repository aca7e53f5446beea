package grains

import (
	"net"
	"net/netip"
	"sort"
)

// ifaceData is what the network grains need from one interface.
type ifaceData struct {
	Name   string
	HWAddr string
	Addrs  []netip.Addr
}

// interfaces reads the host's interfaces (netlink, no DNS).
func interfaces() []ifaceData {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	out := make([]ifaceData, 0, len(ifs))
	for _, ifc := range ifs {
		d := ifaceData{Name: ifc.Name, HWAddr: ifc.HardwareAddr.String()}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			var ip net.IP
			switch v := a.(type) {
			case *net.IPNet:
				ip = v.IP
			case *net.IPAddr:
				ip = v.IP
			}
			if na, ok := netip.AddrFromSlice(ip); ok {
				d.Addrs = append(d.Addrs, na.Unmap())
			}
		}
		out = append(out, d)
	}
	return out
}

// netGrains builds ipv4, ipv6 (every address, loopback included, sorted),
// ip4_interfaces, ip6_interfaces, ip_interfaces and hwaddr_interfaces.
// Salt shows 00:00:00:00:00:00 for an interface without a hardware
// address, such as lo.
func netGrains(ifs []ifaceData) map[string]any {
	var v4, v6 []netip.Addr
	ip4, ip6, ipAll, hw := map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	for _, ifc := range ifs {
		var a4, a6, all []any
		for _, a := range ifc.Addrs {
			s := a.WithZone("").String()
			if a.Is4() {
				v4 = append(v4, a)
				a4 = append(a4, s)
			} else {
				v6 = append(v6, a.WithZone(""))
				a6 = append(a6, s)
			}
			all = append(all, s)
		}
		ip4[ifc.Name] = nonNil(a4)
		ip6[ifc.Name] = nonNil(a6)
		ipAll[ifc.Name] = nonNil(all)
		mac := ifc.HWAddr
		if mac == "" {
			mac = "00:00:00:00:00:00"
		}
		hw[ifc.Name] = mac
	}
	return map[string]any{
		"ipv4":              sortedAddrs(v4),
		"ipv6":              sortedAddrs(v6),
		"ip4_interfaces":    ip4,
		"ip6_interfaces":    ip6,
		"ip_interfaces":     ipAll,
		"hwaddr_interfaces": hw,
	}
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func sortedAddrs(addrs []netip.Addr) []any {
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	out := []any{}
	for i, a := range addrs {
		if i > 0 && a == addrs[i-1] {
			continue
		}
		out = append(out, a.String())
	}
	return out
}
