//go:build !amd64

package grains

// cpuidHypervisor: systemd-detect-virt asks the CPU only on x86; other
// machines are told apart by DMI.
func cpuidHypervisor() (present bool, sig string) { return false, "" }
