package jinja

// Salt's network arithmetic (salt/modules/network.py over
// salt/utils/network.py, 3006): calc_net, convert_cidr, ip_in_subnet,
// in_subnet, is_private, is_loopback, reverse_ip and the ipaddrs and
// ipaddrs6 aliases. Formulas derive a netmask or a network from pillar
// with them (bridge and interfaces files, haproxy and mail listeners)
// and pick the host's address on a given network. They read Python's
// ipaddress module's way: ip_network with a /prefix, an IPv4 /netmask or
// /hostmask, strict or not.

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// errPyValue is Python's ValueError out of the ipaddress module: a
// template that passes a bad address or network fails to render, as
// Salt's does.
var errPyValue = errors.New("ValueError")

// pyNetwork is Python's ipaddress.ip_network(s, strict): an address, an
// optional /prefix, or for IPv4 a /netmask or /hostmask. Not strict, the
// host bits are cleared; strict, they fail.
func pyNetwork(s string, strict bool) (netip.Prefix, error) {
	bad := fmt.Errorf("%w: %s does not appear to be an IPv4 or IPv6 network", errPyValue, pyQuote(s))
	addr, mask, hasMask := strings.Cut(s, "/")
	if strings.Contains(mask, "/") {
		return netip.Prefix{}, bad
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, bad
	}
	n := a.BitLen()
	if hasMask {
		var ok bool
		if n, ok = pyPrefixLen(mask, a); !ok {
			return netip.Prefix{}, bad
		}
	}
	p := netip.PrefixFrom(a, n)
	if strict && p.Masked().Addr() != a {
		return netip.Prefix{}, fmt.Errorf("%w: %s has host bits set", errPyValue, s)
	}
	return p.Masked(), nil
}

// pyPrefixLen is ipaddress's _make_netmask: decimal digits are the prefix
// length (leading zeros allowed, as int() takes them); for IPv4, a dotted
// netmask (ones then zeros) or else a hostmask (zeros then ones).
func pyPrefixLen(mask string, a netip.Addr) (int, bool) {
	if mask != "" && strings.Trim(mask, "0123456789") == "" {
		t := strings.TrimLeft(mask, "0")
		if len(t) > 3 {
			return 0, false
		}
		n, _ := strconv.Atoi("0" + t)
		return n, n <= a.BitLen()
	}
	if !a.Is4() {
		return 0, false
	}
	m, err := netip.ParseAddr(mask)
	if err != nil || !m.Is4() {
		return 0, false
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	if ones := bits.LeadingZeros32(^v); v<<ones == 0 {
		return ones, true // a netmask
	}
	if zeros := bits.LeadingZeros32(v); ^v<<zeros == 0 {
		return zeros, true // a hostmask
	}
	return 0, false
}

// pyAddress is ipaddress.ip_address(s).
func pyAddress(v any) (netip.Addr, error) {
	s, err := toStr(v)
	if err != nil {
		return netip.Addr{}, err
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%w: %s does not appear to be an IPv4 or IPv6 address", errPyValue, pyQuote(s))
	}
	return a, nil
}

// pyQuote is Python's repr of a str, as ipaddress's messages write it.
func pyQuote(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// pyNetString is str() of an ip_network: Python writes an IPv4-mapped
// IPv6 address in hex groups.
func pyNetString(p netip.Prefix) string {
	return pyIP{addr: p.Addr(), prefix: p.Bits()}.String()
}

// lastAddr is a network's broadcast_address: its host bits all set.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// maskAddr is a network's netmask as an address.
func maskAddr(p netip.Prefix) netip.Addr {
	b := make([]byte, p.Addr().BitLen()/8)
	for i := 0; i < p.Bits(); i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// inSubnet is salt.utils.network.in_subnet: a cidr that is not a strict
// network (host bits set, not a network at all) matches nothing, as
// Salt logs and returns False; a bad address fails.
func inSubnet(cidr any, addrs []any) (any, error) {
	s, err := toStr(cidr)
	if err != nil {
		return nil, err
	}
	p, err := pyNetwork(s, true)
	if err != nil {
		return false, nil
	}
	for _, v := range addrs {
		a, err := pyAddress(v)
		if err != nil {
			return nil, err
		}
		if a.Is4() == p.Addr().Is4() && p.Contains(a) {
			return true, nil
		}
	}
	return false, nil
}

// netCalcFuncs adds Salt's network arithmetic: functions of their
// arguments, and in_subnet and the aliases, which read the host's
// addresses from the grains as network.ip_addrs does.
func netCalcFuncs(c *saltCtx, m map[string]Func) {
	calcNet := func(args []any, kw map[string]any) (netip.Prefix, error) {
		ip, err := strParam(args, kw, 0, "ip_addr")
		if err != nil {
			return netip.Prefix{}, err
		}
		if mask := param(args, kw, 1, "netmask", nil); mask != nil {
			ms, err := toStr(mask)
			if err != nil {
				return netip.Prefix{}, err
			}
			ip += "/" + ms
		}
		return pyNetwork(ip, false)
	}
	m["network.calc_net"] = func(args []any, kw map[string]any) (any, error) {
		p, err := calcNet(args, kw)
		if err != nil {
			return nil, fmt.Errorf("network.calc_net: %w", err)
		}
		return pyNetString(p), nil
	}
	m["network.convert_cidr"] = func(args []any, kw map[string]any) (any, error) {
		cidr, err := strParam(args, kw, 0, "cidr")
		if err != nil {
			return nil, err
		}
		p, err := pyNetwork(cidr, false)
		if err != nil {
			return nil, fmt.Errorf("network.convert_cidr: %w", err)
		}
		str := func(a netip.Addr) string { return pyIP{addr: a, prefix: -1}.String() }
		out := newDict(3)
		out.Set("network", str(p.Addr()))
		out.Set("netmask", str(maskAddr(p)))
		out.Set("broadcast", str(lastAddr(p)))
		return out, nil
	}
	m["network.ip_in_subnet"] = func(args []any, kw map[string]any) (any, error) {
		ip := param(args, kw, 0, "ip_addr", nil)
		cidr := param(args, kw, 1, "cidr", nil)
		if ip == nil || cidr == nil {
			return nil, errors.New("network.ip_in_subnet: ip_addr and cidr are required")
		}
		addrs, ok := normalize(ip).([]any)
		if !ok {
			addrs = []any{ip}
		}
		r, err := inSubnet(cidr, addrs)
		if err != nil {
			return nil, fmt.Errorf("network.ip_in_subnet: %w", err)
		}
		return r, nil
	}
	m["network.in_subnet"] = func(args []any, kw map[string]any) (any, error) {
		cidr := param(args, kw, 0, "cidr", nil)
		if cidr == nil {
			return nil, errors.New("network.in_subnet: missing argument 'cidr'")
		}
		var addrs []any
		for _, g := range []string{"ip4_interfaces", "ip6_interfaces"} {
			l, err := ipAddrs(c.Grains, g, nil, nil)
			if err != nil {
				return nil, err
			}
			addrs = append(addrs, l.([]any)...)
		}
		return inSubnet(cidr, addrs)
	}
	addrTest := func(name string, f func(netip.Addr) any) {
		m[name] = func(args []any, kw map[string]any) (any, error) {
			a, err := pyAddress(param(args, kw, 0, "ip_addr", nil))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			return f(a), nil
		}
	}
	addrTest("network.is_private", func(a netip.Addr) any { return pyIP{addr: a, prefix: -1}.isPrivate() })
	addrTest("network.is_loopback", func(a netip.Addr) any { return a.IsLoopback() && (a.Is4() || a == netip.IPv6Loopback()) })
	addrTest("network.reverse_ip", func(a netip.Addr) any {
		var parts []string
		if a.Is4() {
			parts = strings.Split(a.String(), ".")
		} else {
			parts = strings.Split(strings.ReplaceAll(a.StringExpanded(), ":", ""), "")
		}
		for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
			parts[i], parts[j] = parts[j], parts[i]
		}
		if a.Is4() {
			return strings.Join(parts, ".") + ".in-addr.arpa"
		}
		return strings.Join(parts, ".") + ".ip6.arpa"
	})
	// Salt's aliases of ip_addrs and ip_addrs6.
	if f, ok := m["network.ip_addrs"]; ok {
		m["network.ipaddrs"] = f
	}
	if f, ok := m["network.ip_addrs6"]; ok {
		m["network.ipaddrs6"] = f
	}
}
