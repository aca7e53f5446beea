package jinja

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

// Route flags of the kernel's route tables (linux/route.h).
const (
	rtfUp      = 0x0001
	rtfGateway = 0x0002
	rtfReject  = 0x0200
)

// errRouteFamily is a family other than inet and inet6.
var errRouteFamily = errors.New("Invalid address family")

// networkDefaultRoute is Salt's network.default_route(family=None) on
// Linux: the default routes of the main table, IPv4 then IPv6, in the
// shape Salt's network.routes gives them (salt/modules/network.py, from
// `ip route show table main`): addr_family, destination ("0.0.0.0" or
// "::/0"), gateway, netmask ("0.0.0.0" or ""), flags ("UG"), interface.
// Unreachable (reject) defaults are left out, as Salt leaves them. A
// default route without a gateway has gateway "0.0.0.0" or "::". The
// routes are read from /proc/net/route and /proc/net/ipv6_route.
func networkDefaultRoute(args []any, kw map[string]any) (any, error) {
	fam := param(args, kw, 0, "family", nil)
	if fam != nil && fam != "inet" && fam != "inet6" {
		return nil, fmt.Errorf("network.default_route: %w %v", errRouteFamily, fam)
	}
	out := []any{}
	if fam == nil || fam == "inet" {
		b, err := os.ReadFile("/proc/net/route")
		if err != nil {
			return nil, fmt.Errorf("network.default_route: %w", err)
		}
		out = append(out, defaultRoutes4(string(b))...)
	}
	if fam == nil || fam == "inet6" {
		b, err := os.ReadFile("/proc/net/ipv6_route")
		if err != nil && !errors.Is(err, os.ErrNotExist) { // no IPv6: no routes
			return nil, fmt.Errorf("network.default_route: %w", err)
		}
		out = append(out, defaultRoutes6(string(b))...)
	}
	return out, nil
}

// route is one route as Salt's network.routes gives it, keys in its order.
func route(family, dest, gw, mask, iface string) *odict.Map {
	r := newDict(6)
	for _, kv := range [][2]string{{"addr_family", family}, {"destination", dest}, {"gateway", gw}, {"netmask", mask}, {"flags", "UG"}, {"interface", iface}} {
		r.Set(kv[0], kv[1])
	}
	return r
}

// defaultRoutes4 reads /proc/net/route: Iface, Destination, Gateway,
// Flags, RefCnt, Use, Metric, Mask…; addresses are hex in host (little
// endian) order.
func defaultRoutes4(text string) []any {
	out := []any{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for first := true; sc.Scan(); first = false {
		f := strings.Fields(sc.Text())
		if first || len(f) < 8 || f[1] != "00000000" || f[7] != "00000000" {
			continue
		}
		flags, err := strconv.ParseUint(f[3], 16, 32)
		if err != nil || flags&rtfUp == 0 || flags&rtfReject != 0 {
			continue
		}
		gw, err := hex.DecodeString(f[2])
		if err != nil || len(gw) != 4 {
			continue
		}
		out = append(out, route("inet", "0.0.0.0", net.IPv4(gw[3], gw[2], gw[1], gw[0]).String(), "0.0.0.0", f[0]))
	}
	return out
}

// defaultRoutes6 reads /proc/net/ipv6_route: destination, its prefix
// length, source, its length, next hop, metric, refcount, use, flags,
// device; addresses are 32 hex digits in network order.
func defaultRoutes6(text string) []any {
	out := []any{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != strings.Repeat("0", 32) || f[1] != "00" {
			continue
		}
		flags, err := strconv.ParseUint(f[8], 16, 32)
		if err != nil || flags&rtfUp == 0 || flags&rtfReject != 0 {
			continue
		}
		gw, err := hex.DecodeString(f[4])
		if err != nil || len(gw) != 16 {
			continue
		}
		out = append(out, route("inet6", "::/0", net.IP(gw).String(), "", f[9]))
	}
	return out
}
