package exec

import (
	"context"
	"fmt"
	"net"

	"github.com/brine-cm/brine/states"
)

// More of Salt's network module (salt/modules/network.py): the IPv6
// addresses, one interface's data, subnets and the default route, the
// templates' code (pkg/sls/jinja), and the subnet tests over the ip4 and
// ip6 grains.

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
	register("network.ip_addrs6", templateFunc("network.ip_addrs6"), "Return the host's IPv6 addresses (link-local ones too, as Salt's), from its ip6_interfaces grain, loopback left out.", ipParams(true)...)
	register("network.ipaddrs6", templateFunc("network.ip_addrs6"), "network.ip_addrs6, by its other name.", ipParams(true)...)
	iface := states.Param{Name: "iface", Type: states.String, Required: true, Doc: "the interface, such as eth0."}
	register("network.hw_addr", templateFunc("network.hw_addr"), "Return an interface's MAC address.", iface)
	register("network.hwaddr", templateFunc("network.hw_addr"), "network.hw_addr, by its other name.", iface)
	register("network.interface", templateFunc("network.interface"), "Return an interface's IPv4 addresses, each {address, netmask, broadcast, label}.", iface)
	register("network.interface_ip", templateFunc("network.interface_ip"), "Return an interface's first IPv4 address.", iface)
	register("network.subnets", templateFunc("network.subnets"), "Return the IPv4 networks the host's interfaces are on (loopback left out), such as 10.0.0.0/24.",
		states.Param{Name: "interfaces", Type: states.StringList, Doc: "only these interfaces'."})
	register("network.subnets6", templateFunc("network.subnets6"), "Return the IPv6 networks the host's interfaces are on (loopback and link-local left out).")
	register("network.in_subnet", networkInSubnet, "Return True when the host has an address in the network: network.in_subnet 10.0.0.0/16.",
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network."})
	register("network.ip_in_subnet", networkIPInSubnet, "Return True when the address is in the network: network.ip_in_subnet 10.0.0.5 10.0.0.0/16.",
		states.Param{Name: "ip_addr", Type: states.String, Required: true, Doc: "the address."},
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network."})
	register("network.default_route", templateFunc("network.default_route"), "Return the default routes (IPv4, then IPv6) as network.routes shapes them: addr_family, destination, gateway, netmask, flags, interface.",
		states.Param{Name: "family", Type: states.String, Doc: "inet or inet6: only that family's."})
	register("network.get_fqdn", templateFunc("network.get_fqdn"), "Return the host's fully qualified domain name (its fqdn grain).")
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
