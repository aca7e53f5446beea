package jinja

import (
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"
)

// addrMeta is what `ip addr show` prints of an address beyond the
// address itself, and Salt's linux_interfaces reads: whether it is a
// secondary IPv4 address, its label (the last column), its broadcast
// ("" when ip prints no brd) and its scope name.
type addrMeta struct {
	secondary bool
	label     string
	brd       string
	scope     string
}

// ifaAddr is one address of a netlink RTM_GETADDR dump.
type ifaAddr struct {
	index  int
	prefix netip.Prefix
	meta   addrMeta
}

// scopeName is iproute2's name of an address scope (rt_scope_t).
func scopeName(s uint8) string {
	switch s {
	case 0:
		return "global"
	case 200:
		return "site"
	case 253:
		return "link"
	case 254:
		return "host"
	case 255:
		return "nowhere"
	}
	return fmt.Sprint(s)
}

// netlinkAddrs dumps the host's addresses as `ip addr show` does
// (RTM_GETADDR), in the kernel's order: for IPv4 the local address
// (IFA_LOCAL, else IFA_ADDRESS), its broadcast, label and the secondary
// flag, which net.Interface.Addrs does not tell.
func netlinkAddrs() ([]ifaAddr, error) {
	rib, err := syscall.NetlinkRIB(syscall.RTM_GETADDR, syscall.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	msgs, err := syscall.ParseNetlinkMessage(rib)
	if err != nil {
		return nil, fmt.Errorf("netlink: %w", err)
	}
	return parseAddrMsgs(msgs)
}

// parseAddrMsgs reads the RTM_NEWADDR messages of a dump.
func parseAddrMsgs(msgs []syscall.NetlinkMessage) ([]ifaAddr, error) {
	var out []ifaAddr
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type == syscall.NLMSG_DONE {
			break
		}
		if m.Header.Type != syscall.RTM_NEWADDR || len(m.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		ifa := (*syscall.IfAddrmsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		var addr, local, brd []byte
		a := ifaAddr{index: int(ifa.Index), meta: addrMeta{secondary: ifa.Flags&syscall.IFA_F_SECONDARY != 0, scope: scopeName(ifa.Scope)}}
		for _, at := range attrs {
			switch at.Attr.Type {
			case syscall.IFA_ADDRESS:
				addr = at.Value
			case syscall.IFA_LOCAL:
				local = at.Value
			case syscall.IFA_BROADCAST:
				brd = at.Value
			case syscall.IFA_LABEL:
				l := at.Value
				for len(l) > 0 && l[len(l)-1] == 0 {
					l = l[:len(l)-1]
				}
				a.meta.label = string(l)
			}
		}
		if local != nil && ifa.Family == syscall.AF_INET {
			addr = local
		}
		ip, ok := netip.AddrFromSlice(addr)
		if !ok {
			continue
		}
		a.prefix = netip.PrefixFrom(ip.Unmap(), int(ifa.Prefixlen))
		if b, ok := netip.AddrFromSlice(brd); ok && ifa.Family == syscall.AF_INET {
			a.meta.brd = b.Unmap().String()
		}
		out = append(out, a)
	}
	return out, nil
}
