package jinja

import (
	"net"
	"net/netip"
	"strconv"
)

// netIface is what network.interfaces needs of one interface: what
// net.Interfaces and Addrs tell.
type netIface struct {
	name  string
	up    bool
	bcast bool // the interface has the broadcast flag
	hw    string
	addrs []netip.Prefix
}

// hostIfaces reads the host's interfaces.
func hostIfaces() ([]netIface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]netIface, 0, len(ifs))
	for _, i := range ifs {
		n := netIface{name: i.Name, up: i.Flags&net.FlagUp != 0, bcast: i.Flags&net.FlagBroadcast != 0, hw: i.HardwareAddr.String()}
		addrs, err := i.Addrs()
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(ipn.IP)
			if !ok {
				continue
			}
			ones, _ := ipn.Mask.Size()
			n.addrs = append(n.addrs, netip.PrefixFrom(ip.Unmap(), ones))
		}
		out = append(out, n)
	}
	return out, nil
}

// netInterfaces is Salt's network.interfaces on Linux
// (salt/utils/network.py linux_interfaces, _interfaces_ip): per interface
// hwaddr, up, inet (address, netmask, broadcast when the interface
// broadcasts, label) and inet6 (address, prefixlen and scope as strings).
// Salt lists an interface's secondary IPv4 addresses under "secondary";
// brine cannot tell them apart, so all are under inet.
func netInterfaces(ifs []netIface) map[string]any {
	out := make(map[string]any, len(ifs))
	for _, i := range ifs {
		hw := i.hw
		if hw == "" {
			hw = "00:00:00:00:00:00"
		}
		e := map[string]any{"hwaddr": hw, "up": i.up}
		var inet, inet6 []any
		for _, p := range i.addrs {
			a := p.Addr()
			if a.Is4() {
				m := map[string]any{"address": a.String(), "netmask": v4Mask(p.Bits()), "label": i.name}
				if i.bcast && p.Bits() < 31 {
					m["broadcast"] = v4Broadcast(p)
				}
				inet = append(inet, m)
				continue
			}
			scope := "global"
			switch {
			case a.IsLoopback():
				scope = "host"
			case a.IsLinkLocalUnicast():
				scope = "link"
			}
			inet6 = append(inet6, map[string]any{"address": a.String(), "prefixlen": strconv.Itoa(p.Bits()), "scope": scope})
		}
		if inet != nil {
			e["inet"] = inet
		}
		if inet6 != nil {
			e["inet6"] = inet6
		}
		out[i.name] = e
	}
	return out
}

func v4Mask(bits int) string {
	m := net.CIDRMask(bits, 32)
	return net.IP(m).String()
}

func v4Broadcast(p netip.Prefix) string {
	a := p.Addr().As4()
	m := net.CIDRMask(p.Bits(), 32)
	for i := range a {
		a[i] |= ^m[i]
	}
	return netip.AddrFrom4(a).String()
}
