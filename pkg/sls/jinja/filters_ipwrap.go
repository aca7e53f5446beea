package jinja

import (
	"net/netip"
	"strings"
)

// ipwrapFilters adds Salt 3006's ipwrap.
func ipwrapFilters() {
	filters["ipwrap"] = fIPWrap
}

// fIPWrap is Salt's ipwrap filter (3006.0): an IPv6 address in square
// brackets, an IPv6 interface's address too ("[2001:db8::1]/64"); any
// other value unchanged. A list or tuple is done item by item.
func fIPWrap(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch x := v.(type) {
	case tuple:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ipwrapOne(e)
		}
		return out, nil
	}
	if l, ok := normalize(v).([]any); ok {
		out := make([]any, len(l))
		for i, e := range l {
			out[i] = ipwrapOne(e)
		}
		return out, nil
	}
	return ipwrapOne(v), nil
}

func ipwrapOne(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	addr, bits, hasBits := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is6() {
		return v
	}
	if hasBits {
		if _, err := netip.ParsePrefix(s); err != nil {
			return v
		}
		return "[" + addr + "]/" + bits
	}
	return "[" + addr + "]"
}
