package jinja

// Salt's IP filters (salt/utils/network.py): is_ip, is_ipv4, is_ipv6,
// ipaddr, ipv4, ipv6 and network_size, with their options, which test an
// address as Python's ipaddress module classifies it.

import (
	"fmt"
	"net/netip"
	"strings"
)

// pyIP is an address as Salt reads one: ipaddress.ip_address, else
// ip_interface (an address with a prefix length).
type pyIP struct {
	addr   netip.Addr
	prefix int // -1 for a bare address
}

func parsePyIP(s string) (pyIP, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return pyIP{addr: a, prefix: -1}, true
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return pyIP{addr: p.Addr(), prefix: p.Bits()}, true
	}
	return pyIP{}, false
}

// String is Python's str() of the address or the interface, as the
// Python of Salt 3006 writes it: an IPv4-mapped address in hex groups
// (::ffff:a00:1), where Go writes ::ffff:10.0.0.1.
func (ip pyIP) String() string {
	a := ip.addr.String()
	if ip.addr.Is4In6() {
		b := ip.addr.As16()
		a = fmt.Sprintf("::ffff:%x:%x", uint16(b[12])<<8|uint16(b[13]), uint16(b[14])<<8|uint16(b[15]))
	}
	if ip.prefix < 0 {
		return a
	}
	return fmt.Sprintf("%s/%d", a, ip.prefix)
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Python 3.11's ipaddress constants.
var (
	pyPrivate4 = prefixes("0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/29",
		"192.0.0.170/31", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
		"240.0.0.0/4", "255.255.255.255/32")
	pyPrivate6 = prefixes("::1/128", "::/128", "::ffff:0:0/96", "100::/64", "2001::/23", "2001:2::/48", "2001:db8::/32",
		"2001:10::/28", "fc00::/7", "fe80::/10")
	pyReserved6 = prefixes("::/8", "100::/8", "200::/7", "400::/6", "800::/5", "1000::/4", "4000::/3", "6000::/3",
		"8000::/3", "a000::/3", "c000::/3", "e000::/4", "f000::/5", "f800::/6", "fe00::/9")
)

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func (ip pyIP) isPrivate() bool {
	if ip.addr.Is4() {
		return inAny(ip.addr, pyPrivate4)
	}
	if ip.addr.Is4In6() {
		return inAny(ip.addr.Unmap(), pyPrivate4)
	}
	return inAny(ip.addr, pyPrivate6)
}

// ipOptions are Salt's _ip_options tests, by the names it takes.
var ipOptions = map[string]func(pyIP) bool{
	"global":      func(ip pyIP) bool { return !ip.isPrivate() },
	"public":      func(ip pyIP) bool { return !ip.isPrivate() },
	"link-local":  func(ip pyIP) bool { return ip.addr.IsLinkLocalUnicast() },
	"linklocal":   func(ip pyIP) bool { return ip.addr.IsLinkLocalUnicast() },
	"ll":          func(ip pyIP) bool { return ip.addr.IsLinkLocalUnicast() },
	"link_local":  func(ip pyIP) bool { return ip.addr.IsLinkLocalUnicast() },
	"loopback":    func(ip pyIP) bool { return ip.addr.IsLoopback() },
	"lo":          func(ip pyIP) bool { return ip.addr.IsLoopback() },
	"multicast":   func(ip pyIP) bool { return ip.addr.IsMulticast() },
	"private":     pyIP.isPrivate,
	"reserved":    pyIP.isReserved,
	"site-local":  pyIP.isSiteLocal,
	"sl":          pyIP.isSiteLocal,
	"site_local":  pyIP.isSiteLocal,
	"unspecified": func(ip pyIP) bool { return ip.addr.IsUnspecified() },
}

func (ip pyIP) isReserved() bool {
	if ip.addr.Is4() {
		return netip.MustParsePrefix("240.0.0.0/4").Contains(ip.addr)
	}
	return inAny(ip.addr, pyReserved6)
}

func (ip pyIP) isSiteLocal() bool {
	return ip.addr.Is6() && netip.MustParsePrefix("fec0::/10").Contains(ip.addr)
}

// isIPv is Salt's _is_ipv: the address as text when it is one of the
// version and passes every option named (a comma-separated list), else
// "" and false.
func isIPv(v any, version int, options string) (string, bool) {
	s, ok := normalize(v).(string)
	if !ok {
		return "", false
	}
	ip, ok := parsePyIP(s)
	if !ok || ip.addr.Is4() != (version == 4) {
		return "", false
	}
	if options != "" {
		for _, o := range strings.Split(options, ",") {
			if test, known := ipOptions[strings.TrimSpace(o)]; known && !test(ip) {
				return "", false
			}
		}
	}
	return ip.String(), true
}

// ipOptionsArg is the options argument of the IP filters.
func ipOptionsArg(args []any, kw map[string]any) string {
	s, _ := normalize(arg(args, kw, 0, "options", "")).(string)
	return s
}

func init() {
	isIP := func(versions ...int) filterFunc {
		return func(_ *env, v any, args []any, kw map[string]any) (any, error) {
			opts := ipOptionsArg(args, kw)
			for _, ver := range versions {
				if _, ok := isIPv(v, ver, opts); ok {
					return true, nil
				}
			}
			return false, nil
		}
	}
	filters["is_ip"] = isIP(4, 6)
	filters["is_ipv4"] = isIP(4)
	filters["is_ipv6"] = isIP(6)
	filters["ipaddr"] = ipFilter(0)
	filters["ipv4"] = ipFilter(4)
	filters["ipv6"] = ipFilter(6)
	filters["network_size"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		// ip_network(strict=False): an address alone is a network of one.
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("network_size: %q is not a network", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		free := p.Addr().BitLen() - p.Bits()
		if free > 62 {
			return float64(uint64(1)<<62) * float64(uint64(1)<<uint(free-62)), nil
		}
		return 1 << free, nil
	}
}

// ipFilter is Salt's ipaddr (version 0), ipv4 and ipv6: the addresses of
// the version (either) that pass the options, as text, kept from a list;
// a single value gives its text or None.
func ipFilter(version int) filterFunc {
	return func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		opts := ipOptionsArg(args, kw)
		one := func(x any) (string, bool) {
			if version != 0 {
				return isIPv(x, version, opts)
			}
			if s, ok := isIPv(x, 4, opts); ok {
				return s, true
			}
			return isIPv(x, 6, opts)
		}
		if l, ok := normalize(v).([]any); ok {
			out := []any{}
			if version == 0 {
				// Salt's ipaddr on a list: the IPv4 ones, then the IPv6.
				for _, ver := range []int{4, 6} {
					for _, x := range l {
						if s, ok := isIPv(x, ver, opts); ok {
							out = append(out, s)
						}
					}
				}
				return out, nil
			}
			for _, x := range l {
				if s, ok := one(x); ok {
					out = append(out, s)
				}
			}
			return out, nil
		}
		if s, ok := one(v); ok {
			return s, nil
		}
		return nil, nil
	}
}
