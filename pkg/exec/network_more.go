package exec

import (
	"context"
	"fmt"
	"net"
	"time"

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
	register("network.in_subnet", templateFunc("network.in_subnet"), "Return True when the host has an address in the network: network.in_subnet 10.0.0.0/16. As in Salt, a network with host bits set (10.0.0.1/16) or none at all matches nothing.",
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network."})
	register("network.ip_in_subnet", templateFunc("network.ip_in_subnet"), "Return True when the address is in the network: network.ip_in_subnet 10.0.0.5 10.0.0.0/16. As in Salt, a network with host bits set (10.0.0.1/16) or none at all matches nothing.",
		states.Param{Name: "ip_addr", Type: states.String, Required: true, Doc: "the address."},
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network."})
	register("network.calc_net", templateFunc("network.calc_net"), "Return the network of an address, as CIDR: network.calc_net 172.17.0.5 255.255.255.240 gives 172.17.0.0/28.",
		states.Param{Name: "ip_addr", Type: states.String, Required: true, Doc: "the address, with a /prefix, /netmask or /hostmask or not."},
		states.Param{Name: "netmask", Type: states.String, Doc: "the netmask or prefix length, when ip_addr has none."})
	register("network.convert_cidr", templateFunc("network.convert_cidr"), "Return the network address, netmask and broadcast address of a CIDR: network.convert_cidr 172.31.0.0/16.",
		states.Param{Name: "cidr", Type: states.String, Required: true, Doc: "the network (host bits are cleared)."})
	addr := states.Param{Name: "ip_addr", Type: states.String, Required: true, Doc: "the address."}
	register("network.is_private", templateFunc("network.is_private"), "Return True when the address is private, as Python's ipaddress judges it.", addr)
	register("network.is_loopback", templateFunc("network.is_loopback"), "Return True when the address is a loopback address.", addr)
	register("network.reverse_ip", templateFunc("network.reverse_ip"), "Return the reverse-DNS name of an address: network.reverse_ip 172.17.0.4 gives 4.0.17.172.in-addr.arpa.", addr)
	register("network.default_route", templateFunc("network.default_route"), "Return the default routes (IPv4, then IPv6) as network.routes shapes them: addr_family, destination, gateway, netmask, flags, interface.",
		states.Param{Name: "family", Type: states.String, Doc: "inet or inet6: only that family's."})
	register("network.connect", networkConnect, "Test a TCP (or UDP) connection to a host's port; return {result, comment}, as Salt's: network.connect example.org 443.",
		states.Param{Name: "host", Type: states.String, Doc: "the host name or address."},
		states.Param{Name: "port", Type: states.Int, Doc: "the port."},
		states.Param{Name: "proto", Type: states.String, Default: "tcp", Doc: "tcp or udp."},
		states.Param{Name: "timeout", Type: states.Int, Default: 5, Doc: "seconds to wait."},
		states.Param{Name: "family", Type: states.String, Doc: "ipv4 or ipv6: only that family."})
	register("network.get_fqdn", templateFunc("network.get_fqdn"), "Return the host's fully qualified domain name (its fqdn grain).")
}

// networkConnect is Salt's network.connect: the first address the host
// resolves to, connected to (or, for udp, sent a datagram that must be
// answered) within the timeout.
func networkConnect(ctx context.Context, c *call) Return {
	host, port := c.str("host"), 0
	if p, ok := c.kw["port"].(int); ok {
		port = p
	}
	switch {
	case host == "":
		return nested(map[string]any{"result": false, "comment": "Required argument, host, is missing."})
	case port == 0:
		return nested(map[string]any{"result": false, "comment": "Required argument, port, is missing."})
	}
	proto := "tcp"
	if c.str("proto") == "udp" {
		proto = "udp"
	}
	network := proto
	switch c.str("family") {
	case "ipv4":
		network += "4"
	case "ipv6":
		network += "6"
	}
	ipNet := map[string]string{"tcp": "ip", "udp": "ip", "tcp4": "ip4", "udp4": "ip4", "tcp6": "ip6", "udp6": "ip6"}[network]
	timeout := time.Duration(5) * time.Second
	if t, ok := c.kw["timeout"].(int); ok && t > 0 {
		timeout = time.Duration(t) * time.Second
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIP(rctx, ipNet, host)
	if err != nil || len(addrs) == 0 {
		return nested(map[string]any{"result": false, "comment": fmt.Sprintf("Unable to resolve host %s on %s port %d", host, proto, port)})
	}
	ip := addrs[0].String()
	fail := nested(map[string]any{"result": false, "comment": fmt.Sprintf("Unable to connect to %s (%s) on %s port %d", host, ip, proto, port)})
	conn, err := (&net.Dialer{Timeout: timeout}).DialContext(rctx, network, net.JoinHostPort(ip, fmt.Sprint(port)))
	if err != nil {
		return fail
	}
	defer conn.Close()
	if proto == "udp" {
		_ = conn.SetDeadline(time.Now().Add(timeout))
		if _, err := conn.Write([]byte(fmt.Sprintf("%x", time.Now().UnixNano()))); err != nil {
			return fail
		}
		if _, err := conn.Read(make([]byte, 255)); err != nil {
			return fail
		}
	}
	return nested(map[string]any{"result": true, "comment": fmt.Sprintf("Successfully connected to %s (%s) on %s port %d", host, ip, proto, port)})
}
