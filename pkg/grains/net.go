package grains

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ifaceData is what the network grains need from one interface.
type ifaceData struct {
	Name   string
	HWAddr string
	Addrs  []netip.Addr
	// Secondary are the IPv4 addresses `ip addr` marks "secondary" (a
	// second address in a subnet the interface has, such as a VRRP
	// address): Salt lists them after the others.
	Secondary []netip.Addr
}

// interfaces reads the host's interfaces (netlink, no DNS), with each
// one's hardware address as `ip link` prints it (linkAddress).
func interfaces(opts Options) []ifaceData {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	secondary := secondaryAddrs()
	out := make([]ifaceData, 0, len(ifs))
	for _, ifc := range ifs {
		d := ifaceData{Name: ifc.Name, HWAddr: ifc.HardwareAddr.String()}
		dir := opts.sys("/class/net/" + ifc.Name)
		if addrLen, err := os.ReadFile(filepath.Join(dir, "addr_len")); err == nil {
			d.HWAddr = linkAddress(strings.TrimSpace(string(addrLen)),
				strings.TrimSpace(readString(filepath.Join(dir, "type"))),
				strings.TrimSpace(readString(filepath.Join(dir, "address"))))
		} else if d.HWAddr == "" && ifc.Flags&net.FlagLoopback != 0 {
			// Go leaves out an all-zero address, which lo has.
			d.HWAddr = "00:00:00:00:00:00"
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			var ip net.IP
			switch v := a.(type) {
			case *net.IPNet:
				ip = v.IP
			case *net.IPAddr:
				ip = v.IP
			}
			if na, ok := netip.AddrFromSlice(ip); ok {
				if na = na.Unmap(); secondary[ifc.Index][na] {
					d.Secondary = append(d.Secondary, na)
				} else {
					d.Addrs = append(d.Addrs, na)
				}
			}
		}
		out = append(out, d)
	}
	return out
}

// linkAddress is an interface's address as `ip link` prints it after
// "link/TYPE", which Salt's hwaddr_interfaces takes: none for an
// interface without one (WireGuard, PPP: "link/none"), the dotted IPv4
// address of an IPv4 tunnel (ipip, sit, gre), the IPv6 address of an
// IPv6 tunnel, else the bytes in hex with colons (sysfs's address file).
func linkAddress(addrLen, linkType, address string) string {
	if addrLen == "0" || address == "" {
		return ""
	}
	hw, err := net.ParseMAC(address)
	if err != nil {
		// ParseMAC takes 6, 8 and 20 bytes only.
		hw = nil
		for _, part := range strings.Split(address, ":") {
			b, err := strconv.ParseUint(part, 16, 8)
			if err != nil {
				return address
			}
			hw = append(hw, byte(b))
		}
	}
	switch linkType {
	case "768", "776", "778": // ARPHRD_TUNNEL, ARPHRD_SIT, ARPHRD_IPGRE
		if len(hw) == net.IPv4len {
			return net.IP(hw).String()
		}
	case "769", "823": // ARPHRD_TUNNEL6, ARPHRD_IP6GRE
		if len(hw) == net.IPv6len {
			return net.IP(hw).String()
		}
	}
	return address
}

// netGrains builds ipv4, ipv6 (every address, loopback included, sorted),
// ip4_interfaces, ip6_interfaces, ip_interfaces and hwaddr_interfaces.
// An interface without a hardware address is not in hwaddr_interfaces,
// as in Salt (lo's is 00:00:00:00:00:00).
func netGrains(ifs []ifaceData) map[string]any {
	var v4, v6 []netip.Addr
	ip4, ip6, ipAll, hw := map[string]any{}, map[string]any{}, map[string]any{}, map[string]any{}
	for _, ifc := range ifs {
		// Salt's order: the addresses `ip addr` lists for IPv4, then IPv6,
		// then the secondary ones.
		var a4, a6, all []any
		for _, a := range ifc.Addrs {
			s := a.WithZone("").String()
			if a.Is4() {
				v4 = append(v4, a)
				a4 = append(a4, s)
				all = append(all, s)
			}
		}
		for _, a := range ifc.Addrs {
			if !a.Is4() {
				s := a.WithZone("").String()
				v6 = append(v6, a.WithZone(""))
				a6 = append(a6, s)
				all = append(all, s)
			}
		}
		for _, a := range ifc.Secondary {
			v4 = append(v4, a)
			a4 = append(a4, a.String())
			all = append(all, a.String())
		}
		ip4[ifc.Name] = nonNil(a4)
		ip6[ifc.Name] = nonNil(a6)
		ipAll[ifc.Name] = nonNil(all)
		if ifc.HWAddr != "" {
			hw[ifc.Name] = ifc.HWAddr
		}
	}
	return map[string]any{
		"ipv4":              sortedAddrs(v4),
		"ipv6":              sortedAddrs(v6),
		"ip4_interfaces":    ip4,
		"ip6_interfaces":    ip6,
		"ip_interfaces":     ipAll,
		"hwaddr_interfaces": hw,
	}
}

func nonNil(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

func sortedAddrs(addrs []netip.Addr) []any {
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	out := []any{}
	for i, a := range addrs {
		if i > 0 && a == addrs[i-1] {
			continue
		}
		out = append(out, a.String())
	}
	return out
}

// ifaFSecondary is IFA_F_SECONDARY, the flag of a secondary IPv4 address.
const ifaFSecondary = 0x01

// secondaryAddrs asks the kernel (netlink, as `ip addr` does) which IPv4
// addresses are secondary, by interface index; Go's net package does
// not say.
func secondaryAddrs() map[int]map[netip.Addr]bool {
	out := map[int]map[netip.Addr]bool{}
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_INET)
	if err != nil {
		return out
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return out
	}
	for _, m := range msgs {
		if m.Header.Type != syscall.RTM_NEWADDR || len(m.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		if m.Data[2]&ifaFSecondary == 0 {
			continue
		}
		index := int(binary.NativeEndian.Uint32(m.Data[4:8]))
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			continue
		}
		// The local address is the one `ip addr` prints (IFA_ADDRESS is
		// the peer on a point-to-point link).
		var addr []byte
		for _, a := range attrs {
			switch a.Attr.Type {
			case syscall.IFA_LOCAL:
				addr = a.Value
			case syscall.IFA_ADDRESS:
				if addr == nil {
					addr = a.Value
				}
			}
		}
		if na, ok := netip.AddrFromSlice(addr); ok {
			if out[index] == nil {
				out[index] = map[netip.Addr]bool{}
			}
			out[index][na.Unmap()] = true
		}
	}
	return out
}
