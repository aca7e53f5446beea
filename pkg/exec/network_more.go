package exec

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/states"
)

// More of Salt's network module (salt/modules/network.py): the IPv6
// addresses, one interface's data, subnets and the subnet tests, over
// the interfaces network.interfaces returns and the ip4/ip6 grains.

func init() {
	ipParams := func(v6 bool) []states.Param {
		cidr := "only addresses in this network, such as 10.0.0.0/8."
		if v6 {
			cidr = "only addresses in this network, such as fd00::/8."
		}
		return []states.Param{
			{Name: "interface", Type: states.String, Doc: "only this interface's."},
			{Name: "include_loopback", Type: states.Bool, Default: false, Doc: "keep the loopback addresses."},
			{Name: "cidr", Type: states.String, Doc: cidr},
			{Name: "type", Type: states.String, Doc: "public or private: only such addresses."},
		}
	}
	register("network.ipaddrs", networkIPAddrs, "network.ip_addrs, by its other name.", ipParams(false)...)
	register("network.ip_addrs6", networkIPAddrs6, "Return the host's IPv6 addresses (link-local ones too, as Salt's), from its ip6_interfaces grain, loopback left out.", ipParams(true)...)
	register("network.ipaddrs6", networkIPAddrs6, "network.ip_addrs6, by its other name.", ipParams(true)...)
	iface := states.Param{Name: "iface", Type: states.String, Required: true, Doc: "the interface, such as eth0."}
	register("network.hw_addr", networkIfaceField("hwaddr"), "Return an interface's MAC address.", iface)
	register("network.hwaddr", networkIfaceField("hwaddr"), "network.hw_addr, by its other name.", iface)
	register("network.interface", networkIfaceField("inet"), "Return an interface's IPv4 addresses, each {address, netmask, broadcast, label}.", iface)
	register("network.interface_ip", networkIfaceField("ip"), "Return an interface's first IPv4 address.", iface)
	register("network.subnets", networkSubnets(false), "Return the IPv4 networks the host's interfaces are on (loopback left out), such as 10.0.0.0/24.",
		states.Param{Name: "interfaces", Type: states.StringList, Doc: "only these interfaces'."})
	register("network.subnets6", networkSubnets(true), "Return the IPv6 networks the host's interfaces are on (loopback and link-local left out).")
	register("network.in_subnet", networkInSubnet, "Return True when the host has an address in the network: network.in_subnet 10.0.0.0/16.",
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network."})
	register("network.ip_in_subnet", networkIPInSubnet, "Return True when the address is in the network: network.ip_in_subnet 10.0.0.5 10.0.0.0/16.",
		states.Param{Name: "ip_addr", Type: states.String, Required: true, Doc: "the address."},
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network."})
	register("network.get_fqdn", networkGetFQDN, "Return the host's fully qualified domain name (its fqdn grain).")
}

func networkIPAddrs6(_ context.Context, c *call) Return {
	f := ipFilter{iface: c.str("interface"), loopback: c.boolean("include_loopback"), kind: c.str("type")}
	if s := c.str("cidr"); s != "" {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "cidr", Err: err}).Error())
		}
		f.cidr = n
	}
	return nested(ipAddrs(c.host.Grains["ip6_interfaces"], f))
}

// interfaces is network.interfaces' value as plain maps.
func interfaces(ctx context.Context, c *call) (map[string]any, error) {
	ret := Call(ctx, c.host, "network.interfaces", nil, nil)
	if ret.Retcode != 0 {
		return nil, fmt.Errorf("%v", ret.Value)
	}
	switch v := ret.Value.(type) {
	case map[string]any:
		return v, nil
	case *odict.Map:
		return v.PlainMap(), nil
	}
	return nil, fmt.Errorf("network.interfaces returned %T", ret.Value)
}

// networkIfaceField serves hw_addr, interface and interface_ip: one
// field of one interface, or Salt's sentence naming those there are.
func networkIfaceField(field string) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		ifaces, err := interfaces(ctx, c)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		name := c.str("iface")
		data, ok := ifaces[name].(map[string]any)
		if !ok {
			names := make([]string, 0, len(ifaces))
			for n := range ifaces {
				names = append(names, n)
			}
			sort.Strings(names)
			return nested(fmt.Sprintf(`Interface "%s" not in available interfaces: "%s"`, name, strings.Join(names, `", "`)))
		}
		inet, _ := data["inet"].([]any)
		switch field {
		case "hwaddr":
			return nested(data["hwaddr"])
		case "inet":
			if inet == nil {
				inet = []any{}
			}
			return nested(inet)
		}
		// interface_ip: the first address, "" when there is none.
		if len(inet) > 0 {
			if m, ok := inet[0].(map[string]any); ok {
				return nested(m["address"])
			}
		}
		return nested("")
	}
}

// networkSubnets is Salt's subnets and subnets6: each address's network
// in CIDR form, once, sorted.
func networkSubnets(v6 bool) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		ifaces, err := interfaces(ctx, c)
		if err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
		only := c.strings("interfaces")
		seen := map[string]bool{}
		out := []string{}
		for name, d := range ifaces {
			if len(only) > 0 && !contains(only, name) {
				continue
			}
			data, _ := d.(map[string]any)
			key := "inet"
			if v6 {
				key = "inet6"
			}
			addrs, _ := data[key].([]any)
			for _, a := range addrs {
				m, _ := a.(map[string]any)
				n := addrNetwork(m, v6)
				if n == nil || n.IP.IsLoopback() || (v6 && n.IP.IsLinkLocalUnicast()) {
					continue
				}
				if s := n.String(); !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
		}
		sort.Strings(out)
		return nested(out)
	}
}

// addrNetwork is the network of one inet or inet6 entry.
func addrNetwork(m map[string]any, v6 bool) *net.IPNet {
	addr, _ := m["address"].(string)
	ip := net.ParseIP(addr)
	if ip == nil {
		return nil
	}
	var mask net.IPMask
	if v6 {
		var bits int
		if _, err := fmt.Sscan(fmt.Sprint(m["prefixlen"]), &bits); err != nil {
			return nil
		}
		mask = net.CIDRMask(bits, 128)
	} else {
		nm, _ := m["netmask"].(string)
		mip := net.ParseIP(nm).To4()
		if mip == nil {
			return nil
		}
		mask = net.IPMask(mip)
		ip = ip.To4()
	}
	return &net.IPNet{IP: ip.Mask(mask), Mask: mask}
}

func networkInSubnet(_ context.Context, c *call) Return {
	_, n, err := net.ParseCIDR(c.str("cidr"))
	if err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "cidr", Err: err}).Error())
	}
	for _, g := range []string{"ip4_interfaces", "ip6_interfaces"} {
		ifaces, _ := c.host.Grains[g].(map[string]any)
		for _, v := range ifaces {
			l, _ := v.([]any)
			for _, a := range l {
				s, _ := a.(string)
				if ip := net.ParseIP(s); ip != nil && n.Contains(ip) {
					return nested(true)
				}
			}
		}
	}
	return nested(false)
}

func networkIPInSubnet(_ context.Context, c *call) Return {
	_, n, err := net.ParseCIDR(c.str("cidr"))
	if err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "cidr", Err: err}).Error())
	}
	ip := net.ParseIP(c.str("ip_addr"))
	if ip == nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "ip_addr", Err: fmt.Errorf("%q is not an IP address", c.str("ip_addr"))}).Error())
	}
	return nested(n.Contains(ip))
}

func networkGetFQDN(_ context.Context, c *call) Return {
	if s, ok := c.host.Grains["fqdn"].(string); ok && s != "" {
		return nested(s)
	}
	return nested(c.host.ID)
}
