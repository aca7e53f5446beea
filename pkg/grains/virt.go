package grains

import (
	"path"
	"strings"
)

// virtFacts are the cheap clues to virtualisation: files only, no
// systemd-detect-virt, no dmidecode.
type virtFacts struct {
	DockerEnv        bool   // /.dockerenv exists
	ContainerEnv     bool   // /run/.containerenv exists (podman)
	SystemdContainer string // /run/systemd/container, set by container managers
	Cgroup1          string // /proc/1/cgroup
	SysVendor        string // /sys/class/dmi/id/sys_vendor
	ProductName      string // /sys/class/dmi/id/product_name
	HypervisorFlag   bool   // "hypervisor" in the cpu flags
	Clocksource      string // /sys/devices/system/clocksource/clocksource0/current_clocksource
	XenType          string // /sys/hypervisor/type
	XenCapabilities  string // /proc/xen/capabilities ("control_d" in dom0)
	ProcXen          bool   // /proc/xen exists
}

// detectVirtual returns Salt's virtual and virtual_subtype grains, best
// effort. Containers win over the machine under them, as in Salt.
func detectVirtual(f virtFacts) (virtual, subtype string) {
	switch c := strings.TrimSpace(f.SystemdContainer); c {
	case "":
	case "docker":
		return "container", "Docker"
	case "podman":
		return "container", "Podman"
	case "lxc", "lxc-libvirt":
		return "container", "LXC"
	default:
		return "container", c
	}
	switch {
	case f.ContainerEnv:
		return "container", "Podman"
	case f.DockerEnv, strings.Contains(f.Cgroup1, "/docker/"), strings.Contains(f.Cgroup1, "docker-"):
		return "container", "Docker"
	case strings.Contains(f.Cgroup1, "/lxc/"):
		return "container", "LXC"
	case strings.Contains(f.Cgroup1, "kubepods"):
		return "container", "Kubernetes"
	}
	vendor, product := strings.TrimSpace(f.SysVendor), strings.TrimSpace(f.ProductName)
	switch {
	case product == "VirtualBox" || vendor == "innotek GmbH":
		return "VirtualBox", ""
	case strings.Contains(vendor, "VMware") || strings.Contains(product, "VMware"):
		return "VMware", ""
	case vendor == "Microsoft Corporation" && product == "Virtual Machine":
		return "HyperV", ""
	case vendor == "Amazon EC2":
		return "kvm", "Amazon EC2"
	case strings.Contains(vendor, "Google") || strings.Contains(product, "Google Compute Engine"):
		return "gce", ""
	case strings.Contains(vendor, "Parallels") || strings.Contains(product, "Parallels"):
		return "Parallels", ""
	case vendor == "Xen" || strings.Contains(product, "HVM domU"):
		return "xen", "Xen HVM DomU"
	case vendor == "QEMU" || strings.Contains(product, "KVM") || strings.HasPrefix(product, "Standard PC") ||
		strings.Contains(product, "OpenStack") || strings.Contains(product, "oVirt") || strings.Contains(product, "RHEV"):
		return "kvm", ""
	case vendor == "Bochs" || product == "Bochs":
		return "bochs", ""
	case strings.Contains(product, "BHYVE"):
		return "bhyve", ""
	}
	if f.ProcXen || strings.TrimSpace(f.XenType) == "xen" {
		if strings.Contains(f.XenCapabilities, "control_d") {
			return "xen", "Xen Dom0"
		}
		return "xen", "Xen PV DomU"
	}
	if f.HypervisorFlag {
		switch strings.TrimSpace(f.Clocksource) {
		case "kvm-clock":
			return "kvm", ""
		case "hyperv_clocksource_tsc_page":
			return "HyperV", ""
		case "xen":
			return "xen", "Xen HVM DomU"
		}
		return "VirtualMachine", ""
	}
	return "physical", ""
}

// initFacts are the clues to the init system.
type initFacts struct {
	RunSystemd bool     // /run/systemd/system exists: systemd is running
	Cmdline1   []string // argv of pid 1 (empty for an image)
	InitTarget string   // what pid 1's init (an image's /sbin/init) finally points to, "" when missing
	Inittab    bool     // /etc/inittab exists
}

// detectInit returns Salt's init grain: systemd, sysvinit, runit, openrc,
// s6, upstart, tini, dumb-init, supervisord, or unknown.
func detectInit(f initFacts) string {
	if f.RunSystemd {
		return "systemd"
	}
	if len(f.Cmdline1) > 0 {
		switch base := path.Base(f.Cmdline1[0]); {
		case base == "systemd":
			return "systemd"
		case base == "runit" || base == "runsvdir" || f.Cmdline1[0] == "/sbin/my_init":
			return "runit"
		case base == "tini" || base == "dumb-init" || base == "supervisord":
			return base
		case base == "s6-svscan":
			return "s6"
		case base == "openrc-init":
			return "openrc"
		case base == "upstart":
			return "upstart"
		case base != "init":
			// Salt looks no further when pid 1 is not an init binary.
			return "unknown"
		}
	}
	switch base := path.Base(f.InitTarget); {
	case f.InitTarget == "":
	case strings.Contains(base, "systemd"):
		return "systemd"
	case base == "runit-init" || base == "runit":
		return "runit"
	case base == "openrc-init":
		return "openrc"
	case base == "upstart":
		return "upstart"
	}
	if f.Inittab {
		return "sysvinit"
	}
	return "unknown"
}
