package exec

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/states"
)

// Salt's dig module (salt/modules/dig.py): dig +short, its lines as
// Salt returns them. Salt loads the module only where dig is installed;
// without it, a call here answers as Salt's loader does for a module
// that is not there.

func init() {
	host := states.Param{Name: "host", Type: states.String, Required: true, Doc: "the name to look up."}
	domain := states.Param{Name: "domain", Type: states.String, Required: true, Doc: "the domain."}
	ns := states.Param{Name: "nameserver", Type: states.String, Doc: "ask this server (dig @SERVER)."}
	register("dig.check_ip", digCheckIPFn, "Return whether a string is an IP address, with an optional /prefix (1-32 for IPv4, 8-128 for IPv6), as Salt's dig.check_ip.",
		states.Param{Name: "addr", Type: states.Any, Required: true, Doc: "the address."})
	register("dig.A", digAddrs("A"), "Return a name's IPv4 addresses (`dig +short NAME A`, the lines that are addresses); an empty list when dig fails.", host, ns)
	register("dig.AAAA", digAddrs("AAAA"), "Return a name's IPv6 addresses, as dig.A does for IPv4.", host, ns)
	register("dig.CNAME", digCNAME, "Return a name's CNAME: dig's answer as one string (an empty list when dig fails).", host, ns)
	register("dig.NS", digNS, "Return the addresses of a domain's name servers (their names with resolve=False); an empty list when dig fails.", domain,
		states.Param{Name: "resolve", Type: states.Bool, Default: true, Doc: "look up each server's addresses."}, ns)
	register("dig.MX", digMX, "Return a domain's MX records as lists [preference, server]; with resolve=True, [preference, the server's first address]. An empty list when dig fails.", domain,
		states.Param{Name: "resolve", Type: states.Bool, Default: false, Doc: "replace each server with its first IPv4 address."}, ns)
	register("dig.TXT", digTXT, "Return a name's TXT records, one string each, quoted as dig prints them; an empty list when dig fails.", host, ns)
	register("dig.SPF", digSPF, "Return the IP ranges a domain's SPF record allows (ip4:, ip6:, and those of include:), reading TXT when there is no SPF record.", domain,
		states.Param{Name: "record", Type: states.String, Default: "SPF", Doc: "the record type to read, SPF or TXT."}, ns)
}

// digRun is Salt's cmd.run_all of `dig +short NAME TYPE [@ns]`: stdout
// with its trailing whitespace stripped, and ok false (with a warning)
// when dig exits non-zero. absent is the module not being loaded.
func digRun(ctx context.Context, c *call, name, rtype string) (out string, ok bool, absent *Return, err error) {
	args := []string{"+short", name, rtype}
	if ns := c.str("nameserver"); ns != "" {
		args = append(args, "@"+ns)
	}
	stdout, code, found, err := dnsDig(ctx, args)
	if err != nil {
		return "", false, nil, err
	}
	if !found {
		r := failed(fmt.Sprintf("'%s' is not available. The dig execution module cannot be loaded: the dig binary is not in the path.", c.fun))
		r.NotRun = true
		return "", false, &r, nil
	}
	if code != 0 {
		c.host.Log.Warn("dig returned exit code; returning empty list as fallback", "code", code)
		return "", false, nil, nil
	}
	return strings.TrimRight(stdout, " \t\n\r\v\f"), true, nil, nil
}

// digDo runs dig and hands a successful answer to f; a failing dig is
// Salt's empty list.
func digDo(ctx context.Context, c *call, name, rtype string, f func(out string) any) Return {
	out, ok, absent, err := digRun(ctx, c, name, rtype)
	switch {
	case err != nil:
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	case absent != nil:
		return *absent
	case !ok:
		return nested([]any{})
	}
	return nested(f(out))
}

func digCheckIPFn(_ context.Context, c *call) Return {
	s, ok := c.kw["addr"].(string)
	return nested(ok && digCheckIP(s))
}

func digAddrs(rtype string) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		return digDo(ctx, c, c.str("host"), rtype, digIPLines)
	}
}

// digIPLines keeps the lines that are addresses (a CNAME's name is
// left out), as Salt's [x for x in stdout.split("\n") if check_ip(x)].
func digIPLines(out string) any {
	addrs := []any{}
	for _, l := range strings.Split(out, "\n") {
		if digCheckIP(l) {
			addrs = append(addrs, l)
		}
	}
	return addrs
}

func digCNAME(ctx context.Context, c *call) Return {
	return digDo(ctx, c, c.str("host"), "CNAME", func(out string) any { return out })
}

func digTXT(ctx context.Context, c *call) Return {
	return digDo(ctx, c, c.str("host"), "TXT", func(out string) any { return pyStrings(strings.Split(out, "\n")) })
}

func digNS(ctx context.Context, c *call) Return {
	out, ok, absent, err := digRun(ctx, c, c.str("domain"), "NS")
	switch {
	case err != nil:
		return failed(fmt.Sprintf("dig.NS: %v", err))
	case absent != nil:
		return *absent
	case !ok:
		return nested([]any{})
	}
	if !c.boolean("resolve") {
		return nested(pyStrings(strings.Split(out, "\n")))
	}
	ret := []any{}
	for _, h := range strings.Split(out, "\n") {
		a, ok, _, err := digRun(ctx, c, h, "A")
		if err != nil {
			return failed(fmt.Sprintf("dig.NS: %v", err))
		}
		if ok {
			ret = append(ret, digIPLines(a).([]any)...)
		}
	}
	return nested(ret)
}

func digMX(ctx context.Context, c *call) Return {
	out, ok, absent, err := digRun(ctx, c, c.str("domain"), "MX")
	switch {
	case err != nil:
		return failed(fmt.Sprintf("dig.MX: %v", err))
	case absent != nil:
		return *absent
	case !ok:
		return nested([]any{})
	}
	recs := []any{}
	for _, l := range strings.Split(out, "\n") {
		fields := pyStrings(strings.Fields(l))
		if !c.boolean("resolve") {
			recs = append(recs, fields)
			continue
		}
		// Salt's [x[0], A(x[1], nameserver)[0]]: a record without a
		// server, or a server without an address, raises IndexError.
		if len(fields) < 2 {
			return commandError(fmt.Sprintf("dig.MX: list index out of range (record %q)", l))
		}
		a, ok, _, err := digRun(ctx, c, fields[1].(string), "A")
		if err != nil {
			return failed(fmt.Sprintf("dig.MX: %v", err))
		}
		var ips []any
		if ok {
			ips = digIPLines(a).([]any)
		}
		if len(ips) == 0 {
			return commandError("dig.MX: list index out of range (no address for " + fields[1].(string) + ")")
		}
		recs = append(recs, []any{fields[0], ips[0]})
	}
	return nested(recs)
}

var spfRe = regexp.MustCompile(`^(?:\+|~)?(ip[46]|include):(.+)`)

func digSPF(ctx context.Context, c *call) Return {
	r, err := spf(ctx, c, c.str("domain"), c.str("record"), 0)
	if err != nil {
		return failed(fmt.Sprintf("dig.SPF: %v", err))
	}
	return nested(r)
}

// spf is Salt's dig.SPF: the ip4/ip6 mechanisms of the v=spf1 record,
// include: and redirect= followed (at most 10 deep, as RFC 7208's
// lookup limit, where Salt's would recurse without end on a loop).
func spf(ctx context.Context, c *call, domain, record string, depth int) ([]any, error) {
	ret := []any{}
	if depth > 10 {
		return ret, nil
	}
	out, ok, absent, err := digRun(ctx, c, domain, record)
	if err != nil || absent != nil || !ok {
		return ret, err
	}
	if out == "" && record == "SPF" {
		return spf(ctx, c, domain, "TXT", depth+1)
	}
	sections := strings.Fields(strings.ReplaceAll(out, `"`, ""))
	if len(sections) == 0 || sections[0] != "v=spf1" {
		return ret, nil
	}
	if len(sections) > 1 && strings.HasPrefix(sections[1], "redirect=") {
		return spf(ctx, c, sections[1][9:], "SPF", depth+1)
	}
	for _, s := range sections[1:] {
		m := spfRe.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		switch {
		case m[1] == "include":
			inc, err := spf(ctx, c, m[2], "SPF", depth+1)
			if err != nil {
				return nil, err
			}
			ret = append(ret, inc...)
		case digCheckIP(m[2]):
			ret = append(ret, m[2])
		}
	}
	return ret, nil
}

func pyStrings(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}
