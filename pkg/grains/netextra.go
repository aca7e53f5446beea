package grains

import (
	"encoding/hex"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// gatewayGrains are Salt's ip_gw, ip4_gw and ip6_gw (core.default_gateway):
// False without a default route of that family; True with one that has
// no gateway; else the first default route's gateway address. ip_gw is
// True when either family has a default route. They are read from the
// kernel's tables (/proc/net/route, /proc/net/ipv6_route) where Salt runs
// `ip -4/-6 route show`.
func gatewayGrains(opts Options, g map[string]any) {
	g["ip_gw"], g["ip4_gw"], g["ip6_gw"] = false, false, false
	if gw, ok := defaultGateway4(readString(opts.proc("/net/route"))); ok {
		g["ip_gw"], g["ip4_gw"] = true, gw
	}
	if gw, ok := defaultGateway6(readString(opts.proc("/net/ipv6_route"))); ok {
		g["ip_gw"], g["ip6_gw"] = true, gw
	}
}

const (
	rtfUp      = 0x0001
	rtfGateway = 0x0002
	rtfReject  = 0x0200
)

// defaultGateway4 reads /proc/net/route (addresses little-endian hex):
// the first usable default route, its gateway, or true without one.
func defaultGateway4(text string) (any, bool) {
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil || flags&rtfUp == 0 || flags&rtfReject != 0 {
			continue
		}
		b, err := hex.DecodeString(f[2])
		if err != nil || len(b) != 4 {
			continue
		}
		if flags&rtfGateway == 0 {
			return true, true
		}
		return net.IPv4(b[3], b[2], b[1], b[0]).String(), true
	}
	return nil, false
}

// defaultGateway6 reads /proc/net/ipv6_route (addresses as 32 hex digits).
func defaultGateway6(text string) (any, bool) {
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[0] != strings.Repeat("0", 32) || f[1] != "00" {
			continue
		}
		flags, err := strconv.ParseUint(f[8], 16, 32)
		if err != nil || flags&rtfUp == 0 || flags&rtfReject != 0 {
			continue
		}
		b, err := hex.DecodeString(f[4])
		if err != nil || len(b) != 16 {
			continue
		}
		if flags&rtfGateway == 0 {
			return true, true
		}
		return net.IP(b).String(), true
	}
	return nil, false
}

// dnsGrain is Salt's dns grain (salt.utils.dns.parse_resolv of
// /run/systemd/resolve/resolv.conf when it exists, else
// /etc/resolv.conf): nameservers (and split by family), sortlist (IPv4
// networks as address/netmask), domain, search, and the first word of
// each options line. Nothing when the file cannot be read.
func dnsGrain(opts Options) (map[string]any, bool) {
	text := readString(opts.host("/run/systemd/resolve/resolv.conf"))
	if text == "" && !exists(opts.host("/run/systemd/resolve/resolv.conf")) {
		if !exists(opts.host("/etc/resolv.conf")) {
			return nil, false
		}
		text = readString(opts.host("/etc/resolv.conf"))
	}
	return parseResolv(text), true
}

func parseResolv(text string) map[string]any {
	var ns, ns4, ns6, search, sortlist, options []string
	domain := ""
	add := func(list []string, s string) []string {
		for _, e := range list {
			if e == s {
				return list
			}
		}
		return append(list, s)
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		directive, arg := strings.ToLower(f[0]), f[1:]
		for i, a := range arg {
			if a[0] == '#' || a[0] == ';' {
				arg = arg[:i]
				break
			}
		}
		if len(arg) == 0 {
			continue
		}
		switch directive {
		case "nameserver":
			a, err := netip.ParseAddr(arg[0])
			if err != nil {
				continue
			}
			s := a.String()
			ns = add(ns, s)
			if a.Is4() {
				ns4 = add(ns4, s)
			} else {
				ns6 = add(ns6, s)
			}
		case "domain":
			domain = arg[0]
		case "search":
			search = arg
		case "sortlist":
			for _, raw := range arg {
				if n, ok := sortNet(raw); ok {
					sortlist = add(sortlist, n)
				}
			}
		case "options":
			options = add(options, arg[0])
		}
	}
	return map[string]any{
		"nameservers": strList(ns), "ip4_nameservers": strList(ns4), "ip6_nameservers": strList(ns6),
		"sortlist": strList(sortlist), "domain": domain, "search": strList(search), "options": strList(options),
	}
}

// sortNet is an IPv4 sortlist entry as Python's ip_network(...).with_netmask
// writes it; an address alone gets its class's natural netmask, as Salt
// guesses it. Host bits set, or anything else, is skipped (Salt logs it).
func sortNet(raw string) (string, bool) {
	addr, bits, hasBits := strings.Cut(raw, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() {
		return "", false
	}
	n := 32
	if hasBits {
		if m, err := netip.ParseAddr(bits); err == nil && m.Is4() {
			// a dotted netmask, the form resolv.conf(5) documents
			b := m.As4()
			ones, size := net.IPMask(b[:]).Size()
			if size == 0 {
				return "", false
			}
			n = ones
		} else if n, err = strconv.Atoi(bits); err != nil || n < 0 || n > 32 {
			return "", false
		}
		p := netip.PrefixFrom(a, n)
		if p.Masked().Addr() != a {
			return "", false
		}
	} else {
		switch first := a.As4()[0]; {
		case first < 128:
			n = 8
		case first < 192:
			n = 16
		default:
			n = 24
		}
		a = netip.PrefixFrom(a, n).Masked().Addr()
	}
	return a.String() + "/" + net.IP(net.CIDRMask(n, 32)).String(), true
}
