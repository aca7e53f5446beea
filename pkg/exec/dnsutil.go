package exec

import (
	"context"
	"errors"
	"fmt"
	"net"
	osexec "os/exec"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/states"
)

// Salt's dnsutil.A and dnsutil.AAAA (salt/modules/dnsutil.py), which
// public trees call while rendering to put a name's address into a
// config (`salt['dnsutil.A'](grains['fqdn'])[0]`): dig's answer when the
// host has dig (salt/modules/dig.py), else the system resolver's.

func init() {
	host := states.Param{Name: "host", Type: states.String, Required: true, Doc: "the name to look up."}
	ns := states.Param{Name: "nameserver", Type: states.String, Doc: "ask this server (needs dig, as in Salt)."}
	register("dnsutil.A", dnsutilLookup("A"), "Return a name's IPv4 addresses: `dig +short NAME A` when the host has dig (an empty list when dig fails), else the system resolver's, or \"Unable to resolve NAME\".", host, ns)
	register("dnsutil.AAAA", dnsutilLookup("AAAA"), "Return a name's IPv6 addresses, as dnsutil.A does for IPv4.", host, ns)
}

// runTool runs a read-only tool of the host with args and returns its
// stdout and exit code; found is false when the host does not have it.
// A variable, for tests.
var runTool = func(ctx context.Context, tool string, args []string) (stdout string, code int, found bool, err error) {
	path, ok := which(tool)
	if !ok {
		return "", 0, false, nil
	}
	out, err := osexec.CommandContext(ctx, path, args...).Output()
	var exit *osexec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode(), true, nil
	}
	if err != nil {
		return "", 0, true, fmt.Errorf("%s: %w", tool, err)
	}
	return string(out), 0, true, nil
}

// dnsDig runs dig (runTool), for dnsutil.
var dnsDig = func(ctx context.Context, args []string) (string, int, bool, error) {
	return runTool(ctx, "dig", args)
}

// dnsResolve asks the system resolver (/etc/hosts, then DNS), as Python's
// socket.getaddrinfo does for Salt when there is no dig. A variable, for
// tests.
var dnsResolve = func(ctx context.Context, network, host string) ([]net.IP, error) {
	return net.DefaultResolver.LookupIP(ctx, network, host)
}

func dnsutilLookup(rtype string) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		host, ns := c.str("host"), c.str("nameserver")
		args := []string{"+short", host, rtype}
		if ns != "" {
			args = append(args, "@"+ns)
		}
		out, code, found, err := dnsDig(ctx, args)
		if err != nil {
			return failed(fmt.Sprintf("dnsutil.%s: %v", rtype, err))
		}
		if found {
			// dig.A/AAAA: a failing dig gives an empty list; its
			// lines are kept when they are addresses (check_ip), so
			// a CNAME's name is left out.
			addrs := []any{}
			if code != 0 {
				return nested(addrs)
			}
			for _, l := range strings.Split(out, "\n") {
				if digCheckIP(l) {
					addrs = append(addrs, l)
				}
			}
			return nested(addrs)
		}
		if ns != "" {
			return nested("This function requires dig, which is not currently available")
		}
		network := "ip4"
		if rtype == "AAAA" {
			network = "ip6"
		}
		ips, err := dnsResolve(ctx, network, host)
		if err != nil || len(ips) == 0 {
			return nested("Unable to resolve " + host)
		}
		addrs := make([]any, 0, len(ips))
		for _, ip := range ips {
			addrs = append(addrs, ip.String())
		}
		return nested(addrs)
	}
}

// digCheckIP is salt/modules/dig.py check_ip: an IPv4 address with an
// optional /1-32, or an IPv6 one with an optional /8-128.
func digCheckIP(s string) bool {
	addr, bits, hasBits := strings.Cut(s, "/")
	ip := net.ParseIP(addr)
	if ip == nil || strings.Contains(addr, "%") {
		return false
	}
	lo, max := 8, 128
	if ip.To4() != nil && !strings.Contains(addr, ":") {
		lo, max = 1, 32
	}
	if !hasBits {
		return true
	}
	n, err := strconv.Atoi(bits)
	return err == nil && n >= lo && n <= max
}
