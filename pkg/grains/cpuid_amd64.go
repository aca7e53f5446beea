package grains

import "strings"

func cpuid(leaf, sub uint32) (a, b, c, d uint32)

// cpuidHypervisor is what systemd-detect-virt reads from the CPU: whether
// a hypervisor is present (CPUID leaf 1, ECX bit 31), and its vendor
// signature (leaf 0x40000000: EBX, ECX, EDX), such as "KVMKVMKVM".
func cpuidHypervisor() (present bool, sig string) {
	_, _, c, _ := cpuid(1, 0)
	if c&(1<<31) == 0 {
		return false, ""
	}
	_, b, c, d := cpuid(0x40000000, 0)
	var buf [12]byte
	for i, r := range []uint32{b, c, d} {
		buf[4*i], buf[4*i+1], buf[4*i+2], buf[4*i+3] = byte(r), byte(r>>8), byte(r>>16), byte(r>>24)
	}
	return true, strings.TrimRight(string(buf[:]), "\x00")
}
