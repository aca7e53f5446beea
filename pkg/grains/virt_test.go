package grains

import "testing"

func TestDetectVirtual(t *testing.T) {
	tests := []struct {
		name          string
		f             virtFacts
		virt, subtype string
	}{
		{"bare metal", virtFacts{SysVendor: "Dell Inc.\n", ProductName: "PowerEdge R740\n"}, "physical", ""},
		{"nothing known", virtFacts{}, "physical", ""},
		{"docker env file", virtFacts{DockerEnv: true, ProductName: "KVM"}, "container", "Docker"},
		{"docker cgroup v1", virtFacts{Cgroup1: "12:pids:/docker/3f2a\n"}, "container", "Docker"},
		{"docker systemd scope", virtFacts{Cgroup1: "0::/system.slice/docker-3f2a.scope\n"}, "container", "Docker"},
		{"podman", virtFacts{ContainerEnv: true}, "container", "Podman"},
		{"systemd says lxc", virtFacts{SystemdContainer: "lxc\n"}, "container", "LXC"},
		{"systemd says nspawn", virtFacts{SystemdContainer: "systemd-nspawn\n"}, "container", "systemd-nspawn"},
		{"lxc cgroup", virtFacts{Cgroup1: "1:name=systemd:/lxc/web\n"}, "container", "LXC"},
		{"kubernetes", virtFacts{Cgroup1: "0::/kubepods/besteffort/pod1\n"}, "container", "Kubernetes"},
		{"qemu/kvm", virtFacts{SysVendor: "QEMU\n", ProductName: "Standard PC (Q35 + ICH9, 2009)\n"}, "kvm", ""},
		{"proxmox", virtFacts{ProductName: "Standard PC (i440FX + PIIX, 1996)"}, "kvm", ""},
		{"openstack", virtFacts{SysVendor: "OpenStack Foundation", ProductName: "OpenStack Nova"}, "kvm", ""},
		{"virtualbox", virtFacts{SysVendor: "innotek GmbH", ProductName: "VirtualBox"}, "VirtualBox", ""},
		{"vmware", virtFacts{SysVendor: "VMware, Inc.", ProductName: "VMware Virtual Platform"}, "VMware", ""},
		{"hyper-v", virtFacts{SysVendor: "Microsoft Corporation", ProductName: "Virtual Machine"}, "HyperV", ""},
		{"ec2 nitro", virtFacts{SysVendor: "Amazon EC2", ProductName: "m5.large"}, "kvm", "Amazon EC2"},
		{"gce", virtFacts{SysVendor: "Google", ProductName: "Google Compute Engine"}, "gce", ""},
		{"xen hvm", virtFacts{SysVendor: "Xen", ProductName: "HVM domU"}, "xen", "Xen HVM DomU"},
		{"xen pv", virtFacts{ProcXen: true, XenType: "xen"}, "xen", "Xen PV DomU"},
		{"xen dom0", virtFacts{ProcXen: true, XenCapabilities: "control_d\n"}, "xen", "Xen Dom0"},
		{"firecracker (no dmi)", virtFacts{HypervisorFlag: true, Clocksource: "kvm-clock\n"}, "kvm", ""},
		{"unknown hypervisor", virtFacts{HypervisorFlag: true, Clocksource: "tsc\n"}, "VirtualMachine", ""},
	}
	for _, tt := range tests {
		v, s := detectVirtual(tt.f)
		if v != tt.virt || s != tt.subtype {
			t.Errorf("%s: detectVirtual = %q, %q; want %q, %q", tt.name, v, s, tt.virt, tt.subtype)
		}
	}
}

func TestDetectInit(t *testing.T) {
	tests := []struct {
		name string
		f    initFacts
		want string
	}{
		{"systemd running", initFacts{RunSystemd: true, Cmdline1: []string{"/sbin/init"}}, "systemd"},
		{"pid1 is systemd", initFacts{Cmdline1: []string{"/lib/systemd/systemd", "--system"}}, "systemd"},
		{"sysvinit", initFacts{Cmdline1: []string{"init", "[2]"}, InitTarget: "/sbin/init", Inittab: true}, "sysvinit"},
		{"sysvinit by path", initFacts{Cmdline1: []string{"/sbin/init"}, InitTarget: "/sbin/init", Inittab: true}, "sysvinit"},
		{"init links to systemd, not running", initFacts{Cmdline1: []string{"/sbin/init"}, InitTarget: "/lib/systemd/systemd"}, "systemd"},
		{"busybox init with inittab", initFacts{Cmdline1: []string{"/sbin/init"}, InitTarget: "/bin/busybox", Inittab: true}, "sysvinit"},
		{"runit", initFacts{Cmdline1: []string{"runit"}}, "runit"},
		{"my_init", initFacts{Cmdline1: []string{"/sbin/my_init"}}, "runit"},
		{"openrc-init", initFacts{Cmdline1: []string{"/sbin/openrc-init"}}, "openrc"},
		{"tini", initFacts{Cmdline1: []string{"/usr/bin/tini", "--", "app"}}, "tini"},
		{"some app as pid 1", initFacts{Cmdline1: []string{"/process_api", "--x"}, Inittab: true}, "unknown"},
		{"image with systemd", initFacts{InitTarget: "/lib/systemd/systemd"}, "systemd"},
		{"image with sysvinit", initFacts{InitTarget: "/sbin/init", Inittab: true}, "sysvinit"},
		{"image with runit", initFacts{InitTarget: "/sbin/runit-init"}, "runit"},
		{"empty image", initFacts{}, "unknown"},
	}
	for _, tt := range tests {
		if got := detectInit(tt.f); got != tt.want {
			t.Errorf("%s: detectInit = %q; want %q", tt.name, got, tt.want)
		}
	}
}
