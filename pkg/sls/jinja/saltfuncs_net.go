package jinja

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// netIface is what network.interfaces needs of one interface: what
// net.Interfaces and Addrs tell.
type netIface struct {
	name  string
	up    bool
	bcast bool // the interface has the broadcast flag
	hw    string
	addrs []netip.Prefix
	// meta, when known (from netlink), is what ip prints of each of
	// addrs: the secondary flag, label, broadcast and scope.
	meta []addrMeta
}

// hostIfaces reads the host's interfaces.
func hostIfaces() ([]netIface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	byIndex := map[int][]ifaAddr{}
	nl, nlErr := netlinkAddrs()
	for _, a := range nl {
		byIndex[a.index] = append(byIndex[a.index], a)
	}
	out := make([]netIface, 0, len(ifs))
	for _, i := range ifs {
		n := netIface{name: i.Name, up: i.Flags&net.FlagUp != 0, bcast: i.Flags&net.FlagBroadcast != 0, hw: i.HardwareAddr.String()}
		if nlErr == nil {
			for _, a := range byIndex[i.Index] {
				n.addrs = append(n.addrs, a.prefix)
				n.meta = append(n.meta, a.meta)
			}
			out = append(out, n)
			continue
		}
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
// An IPv4 address without a broadcast has broadcast None, as ip prints
// no brd for it. Secondary IPv4 addresses (ip's "secondary") are under
// "secondary" with their type, not under inet, as Salt lists them.
func netInterfaces(ifs []netIface) map[string]any {
	out := make(map[string]any, len(ifs))
	for _, i := range ifs {
		hw := i.hw
		if hw == "" {
			hw = "00:00:00:00:00:00"
		}
		e := map[string]any{"hwaddr": hw, "up": i.up}
		var inet, inet6, secondary []any
		for k, p := range i.addrs {
			a := p.Addr()
			meta := addrMeta{label: i.name}
			if k < len(i.meta) {
				meta = i.meta[k]
			} else {
				// Without netlink: the broadcast of the interface's
				// broadcast flag, the scope from the address.
				if a.Is4() && i.bcast && p.Bits() < 31 {
					meta.brd = v4Broadcast(p)
				}
				meta.scope = "global"
				switch {
				case a.IsLoopback():
					meta.scope = "host"
				case a.IsLinkLocalUnicast():
					meta.scope = "link"
				}
			}
			if a.Is4() {
				var brd any
				if meta.brd != "" {
					brd = meta.brd
				}
				m := map[string]any{"address": a.String(), "netmask": v4Mask(p.Bits()), "broadcast": brd, "label": meta.label}
				if meta.secondary {
					m["type"] = "inet"
					secondary = append(secondary, m)
				} else {
					inet = append(inet, m)
				}
				continue
			}
			inet6 = append(inet6, map[string]any{"address": a.String(), "prefixlen": strconv.Itoa(p.Bits()), "scope": meta.scope})
		}
		if inet != nil {
			e["inet"] = inet
		}
		if inet6 != nil {
			e["inet6"] = inet6
		}
		if secondary != nil {
			e["secondary"] = secondary
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

// netIfaceError is Salt's _get_iface_info error, which hw_addr,
// interface and interface_ip return as their value, not raise.
func netIfaceError(iface string, ifs []netIface) (string, bool) {
	names := make([]string, 0, len(ifs))
	for _, i := range ifs {
		if i.name == iface {
			return "", false
		}
		names = append(names, i.name)
	}
	return fmt.Sprintf(`Interface "%s" not in available interfaces: "%s"`, iface, strings.Join(names, `", "`)), true
}

// netSubnets is Salt's _subnets: the networks of the addresses of the
// interfaces named (all when names is nil), loopback left out, sorted
// as Python sorts ip_network values (address, then prefix length).
func netSubnets(ifs []netIface, names []string, v6 bool) []any {
	seen := map[netip.Prefix]bool{}
	var nets []netip.Prefix
	for _, i := range ifs {
		if names != nil && !slices.Contains(names, i.name) {
			continue
		}
		for _, p := range i.addrs {
			if p.Addr().Is4() == v6 || p.Addr().IsLoopback() {
				continue
			}
			n := p.Masked()
			if !seen[n] {
				seen[n] = true
				nets = append(nets, n)
			}
		}
	}
	slices.SortFunc(nets, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	out := make([]any, len(nets))
	for i, n := range nets {
		out[i] = n.String()
	}
	return out
}

// netFuncs adds network.interfaces and the functions Salt derives from
// it (salt/utils/network.py): hw_addr, interface, interface_ip, subnets,
// subnets6. They read the host's interfaces each call.
func netFuncs(m map[string]Func) {
	m["network.default_route"] = networkDefaultRoute
	m["network.interfaces"] = func([]any, map[string]any) (any, error) {
		ifs, err := hostIfaces()
		if err != nil {
			return nil, fmt.Errorf("network.interfaces: %w", err)
		}
		return netInterfaces(ifs), nil
	}
	perIface := func(fn string, get func(e map[string]any) (any, error)) Func {
		return func(args []any, kw map[string]any) (any, error) {
			iface, err := strParam(args, kw, 0, "iface")
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn, err)
			}
			ifs, err := hostIfaces()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn, err)
			}
			if msg, bad := netIfaceError(iface, ifs); bad {
				return msg, nil
			}
			e, _ := netInterfaces(ifs)[iface].(map[string]any)
			return get(e)
		}
	}
	m["network.hw_addr"] = perIface("network.hw_addr", func(e map[string]any) (any, error) { return e["hwaddr"], nil })
	m["network.interface"] = perIface("network.interface", func(e map[string]any) (any, error) {
		if v, ok := e["inet"]; ok {
			return v, nil
		}
		return "", nil
	})
	m["network.interface_ip"] = perIface("network.interface_ip", func(e map[string]any) (any, error) {
		l, _ := e["inet"].([]any)
		if len(l) == 0 {
			// Salt: .get('inet', {})[0] raises KeyError.
			return nil, errors.New("network.interface_ip: the interface has no IPv4 address")
		}
		return l[0].(map[string]any)["address"], nil
	})
	m["network.subnets"] = func(args []any, kw map[string]any) (any, error) {
		ifs, err := hostIfaces()
		if err != nil {
			return nil, fmt.Errorf("network.subnets: %w", err)
		}
		var names []string
		switch v := normalize(param(args, kw, 0, "interfaces", nil)).(type) {
		case nil:
		case []any:
			names = []string{}
			for _, n := range v {
				s, _ := toStr(n)
				names = append(names, s)
			}
		default:
			s, _ := toStr(v)
			names = []string{s}
		}
		return netSubnets(ifs, names, false), nil
	}
	m["network.subnets6"] = func([]any, map[string]any) (any, error) {
		ifs, err := hostIfaces()
		if err != nil {
			return nil, fmt.Errorf("network.subnets6: %w", err)
		}
		return netSubnets(ifs, nil, true), nil
	}
}
