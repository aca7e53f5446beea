package grains

import (
	"reflect"
	"strings"
	"testing"
)

// TestDetectVirtOutput: what systemd-detect-virt (systemd 252) prints on
// each host, from its detect_container and detect_vm.
func TestDetectVirtOutput(t *testing.T) {
	tests := []struct {
		name string
		f    detectVirtFacts
		want string
	}{
		{"docker, pid 1's environ unreadable (this CI)", detectVirtFacts{DockerEnv: true, CPUIDHypervisor: true, CPUIDSignature: "KVMKVMKVM"}, "docker"},
		{"nspawn", detectVirtFacts{HasContainerFile: true, SystemdContainer: "systemd-nspawn\n", CPUIDHypervisor: true, CPUIDSignature: "KVMKVMKVM"}, "systemd-nspawn"},
		{"lxc from pid 1", detectVirtFacts{Environ1Readable: true, Environ1: "PATH=/bin\x00container=lxc\x00"}, "lxc"},
		{"oci is told by its files", detectVirtFacts{Environ1Readable: true, Environ1: "container=oci\x00", DockerEnv: true}, "docker"},
		{"an unknown manager", detectVirtFacts{HasContainerFile: true, SystemdContainer: "garden\n"}, "container-other"},
		{"podman", detectVirtFacts{ContainerEnv: true, DockerEnv: true}, "podman"},
		{"wsl", detectVirtFacts{OSRelease: "5.15.90.1-microsoft-standard-WSL2\n"}, "wsl"},
		{"openvz", detectVirtFacts{ProcVZ: true}, "openvz"},
		{"kvm", detectVirtFacts{CPUIDHypervisor: true, CPUIDSignature: "KVMKVMKVM", DMI: dmiFacts{SysVendor: "QEMU", ProductName: "Standard PC (Q35 + ICH9, 2009)"}}, "kvm"},
		{"virtualbox hides behind kvm", detectVirtFacts{CPUIDHypervisor: true, CPUIDSignature: "KVMKVMKVM", DMI: dmiFacts{SysVendor: "innotek GmbH", ProductName: "VirtualBox"}}, "oracle"},
		{"ec2 nitro", detectVirtFacts{CPUIDHypervisor: true, CPUIDSignature: "KVMKVMKVM", DMI: dmiFacts{SysVendor: "Amazon EC2", ProductName: "m5.large"}}, "amazon"},
		{"gce is kvm by cpuid", detectVirtFacts{CPUIDHypervisor: true, CPUIDSignature: "KVMKVMKVM", DMI: dmiFacts{SysVendor: "Google", ProductName: "Google Compute Engine"}}, "kvm"},
		{"hyper-v", detectVirtFacts{CPUIDHypervisor: true, CPUIDSignature: "Microsoft Hv", DMI: dmiFacts{SysVendor: "Microsoft Corporation", ProductName: "Virtual Machine"}}, "microsoft"},
		{"qemu without cpuid", detectVirtFacts{DMI: dmiFacts{SysVendor: "QEMU"}}, "qemu"},
		{"an unknown hypervisor", detectVirtFacts{CPUIDHypervisor: true, CPUIDSignature: "FooBarBaz"}, "vm-other"},
		{"xen pv", detectVirtFacts{ProcXen: true}, "xen"},
		{"bare metal", detectVirtFacts{DMI: dmiFacts{SysVendor: "Dell Inc.", ProductName: "PowerEdge R740"}}, ""},
	}
	for _, tt := range tests {
		if got := detectVirtOutput(tt.f); got != tt.want {
			t.Errorf("%s: detectVirtOutput = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestSaltVirtual: the virtual and virtual_subtype grains Salt 3006's
// _virtual gives on Linux from what its commands print and the files it
// reads (worked through its code for each case).
func TestSaltVirtual(t *testing.T) {
	virtio := func() string {
		return "Red Hat, Inc. Virtio network device\nIntel Corporation 82371SB PIIX3 ISA [Natoma/Triton II]\n"
	}
	qemuDMI := dmiFacts{BiosVendor: "SeaBIOS", SysVendor: "QEMU", ProductName: "Standard PC (Q35 + ICH9, 2009)"}
	tests := []struct {
		name          string
		f             virtFacts
		virt, subtype string
	}{
		{"bare metal", virtFacts{DetectVirt: true}, "physical", ""},
		{"no tools at all", virtFacts{}, "physical", ""},
		// systemd-detect-virt's "docker" is none of Salt's names, and a
		// cgroup v2 /proc/1/cgroup names no docker path.
		{"docker on cgroup v2", virtFacts{DetectVirt: true, DetectVirtOut: "docker", Cgroup1: "0::/\n"}, "physical", ""},
		{"docker on cgroup v1", virtFacts{DetectVirt: true, DetectVirtOut: "docker", Cgroup1: "12:pids:/docker/3f2a\n"}, "container", "Docker"},
		{"docker in a systemd slice", virtFacts{Cgroup1: "1:name=systemd:/system.slice/docker-3f2a.scope\n"}, "container", "Docker"},
		{"nspawn", virtFacts{DetectVirt: true, DetectVirtOut: "systemd-nspawn", Cgroup1: "0::/init.scope\n"}, "systemd-nspawn", ""},
		{"lxc", virtFacts{DetectVirt: true, DetectVirtOut: "lxc"}, "container", "LXC"},
		{"lxc by pid 1's environment", virtFacts{Environ1: "container=lxc\x00"}, "container", "LXC"},
		{"lxc cgroup", virtFacts{Cgroup1: "1:name=systemd:/lxc/web\n"}, "container", "LXC"},
		{"kubernetes pod on bare metal", virtFacts{Cgroup1: "0::/kubepods/besteffort/pod1\n"}, "virtual", "kubernetes"},
		{"libpod", virtFacts{DetectVirt: true, DetectVirtOut: "kvm", Cgroup1: "1:name=systemd:/libpod_parent/x\n"}, "kvm", "libpod"},
		{"kvm", virtFacts{DetectVirt: true, DetectVirtOut: "kvm", DMI: qemuDMI}, "kvm", ""},
		{"qemu", virtFacts{DetectVirt: true, DetectVirtOut: "qemu"}, "qemu", ""},
		{"ec2 nitro", virtFacts{DetectVirt: true, DetectVirtOut: "amazon", Dmidecode: true, DMI: dmiFacts{SysVendor: "Amazon EC2", ProductName: "m5.large"}}, "Nitro", "Amazon EC2"},
		{"ec2 seen as kvm, then by dmidecode -t system", virtFacts{DetectVirt: true, DetectVirtOut: "kvm", Dmidecode: true, DMI: dmiFacts{SysVendor: "Amazon EC2", ProductName: "m5.large"}}, "Nitro", "Amazon EC2 (m5.large)"},
		// dmidecode's output names no hypervisor Salt knows, and Salt stops
		// there: lspci is not asked.
		{"ec2 with dmidecode alone", virtFacts{Dmidecode: true, DMI: dmiFacts{BiosVendor: "Amazon EC2", SysVendor: "Amazon EC2", ProductName: "t3.micro"}, Lspci: virtio}, "physical", ""},
		{"ec2 xen", virtFacts{DetectVirt: true, DetectVirtOut: "xen", Dmidecode: true, SysBusXen: true, DMI: dmiFacts{SysVendor: "Xen", ProductName: "HVM domU", ProductVersion: "4.11.amazon"}}, "xen", "Amazon EC2"},
		{"vmware", virtFacts{DetectVirt: true, DetectVirtOut: "vmware"}, "VMware", ""},
		{"hyper-v", virtFacts{DetectVirt: true, DetectVirtOut: "microsoft"}, "VirtualPC", ""},
		{"virtualbox", virtFacts{DetectVirt: true, DetectVirtOut: "oracle", HasVirtualProductName: true, VirtualProductName: "VirtualBox\n"}, "VirtualBox", ""},
		{"gce", virtFacts{DetectVirt: true, DetectVirtOut: "kvm", HasVirtualProductName: true, VirtualProductName: "Google Compute Engine\n"}, "gce", ""},
		{"ovirt", virtFacts{DetectVirt: true, DetectVirtOut: "kvm", HasVirtualProductName: true, VirtualProductName: "oVirt Node\n"}, "kvm", "ovirt"},
		{"dmidecode on qemu", virtFacts{Dmidecode: true, DMI: qemuDMI}, "kvm", ""},
		{"dmidecode on hyper-v", virtFacts{Dmidecode: true, DMI: dmiFacts{SysVendor: "Microsoft Corporation", ProductName: "Virtual Machine"}}, "VirtualPC", ""},
		{"lspci sees virtio", virtFacts{DetectVirt: true, DetectVirtOut: "docker", Lspci: virtio}, "kvm", ""},
		{"lspci is not asked after a match", virtFacts{DetectVirt: true, DetectVirtOut: "vmware", Lspci: virtio}, "VMware", ""},
		{"chroot on kvm", virtFacts{DetectVirt: true, DetectVirtOut: "kvm", Chroot: true}, "kvm", "chroot"},
		{"chroot on bare metal", virtFacts{Chroot: true}, "virtual", "chroot"},
		{"openvz container", virtFacts{ProcVZ: true, VZVeinfo: true}, "openvzve", ""},
		{"openvz host by envID", virtFacts{EnvID: "0"}, "openvzhn", ""},
		{"xen pv", virtFacts{ProcXen: true, XenCapsReadable: true, XenCaps: ""}, "xen", "Xen PV DomU"},
		{"xen dom0", virtFacts{ProcXen: true, XsdKva: true}, "xen", "Xen Dom0"},
		{"qemu cpu", virtFacts{CPUInfo: "model name\t: QEMU Virtual CPU version 2.5+\n"}, "kvm", ""},
		{"virt-what first line that counts", virtFacts{VirtWhat: true, VirtWhatOut: "docker\nkvm"}, "kvm", ""},
		{"virt-what lxc", virtFacts{VirtWhat: true, VirtWhatOut: "lxc"}, "container", "LXC"},
		{"virt-what hyperv", virtFacts{VirtWhat: true, VirtWhatOut: "hyperv"}, "HyperV", ""},
	}
	for _, tt := range tests {
		v, s := saltVirtual(tt.f)
		if v != tt.virt || s != tt.subtype {
			t.Errorf("%s: saltVirtual = %q, %q; want %q, %q", tt.name, v, s, tt.virt, tt.subtype)
		}
	}
}

func TestEnvID(t *testing.T) {
	for status, want := range map[string]string{
		"Name:\tbash\nenvID:\t101\nVPid:\t1\n": "101", "Name:\tbash\n": "", "envID:   0\n": "0",
	} {
		if got := envID(status); got != want {
			t.Errorf("envID(%q) = %q; want %q", status, got, want)
		}
	}
}

// TestXenHVGrains reads a fake /sys/hypervisor as Salt's _virtual_hv.
func TestXenHVGrains(t *testing.T) {
	sys := t.TempDir()
	write(t, sys, "hypervisor/version/major", "4\n")
	write(t, sys, "hypervisor/version/minor", "11\n")
	write(t, sys, "hypervisor/version/extra", ".amazon\n")
	write(t, sys, "hypervisor/properties/features", "00000f05\n")
	g := map[string]any{}
	xenHVGrains(Options{SysRoot: sys}, g)
	want := map[string]any{
		"virtual_hv_version": "4.11.amazon", "virtual_hv_version_info": []any{"4", "11", ".amazon"},
		"virtual_hv_features": "00000f05",
		"virtual_hv_features_list": []any{"writable_page_tables", "auto_translated_physmap",
			"hvm_callback_vector", "hvm_safe_pvclock", "hvm_pirqs", "dom0"},
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("xenHVGrains = %#v; want %#v", g, want)
	}
}

func TestDetectInit(t *testing.T) {
	tests := []struct {
		name string
		f    initFacts
		want string
	}{
		{"image with systemd", initFacts{InitTarget: "/lib/systemd/systemd"}, "systemd"},
		{"image with sysvinit", initFacts{InitTarget: "/sbin/init", Inittab: true}, "sysvinit"},
		{"busybox init with inittab", initFacts{InitTarget: "/bin/busybox", Inittab: true}, "sysvinit"},
		{"image with runit", initFacts{InitTarget: "/sbin/runit-init"}, "runit"},
		{"empty image", initFacts{}, "unknown"},
	}
	for _, tt := range tests {
		if got := detectInit(tt.f); got != tt.want {
			t.Errorf("%s: detectInit = %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestSaltInit: Salt 3006's _linux_init_system on a running host, from
// /run/systemd/system, pid 1's command line, which() and the init
// binary's content.
func TestSaltInit(t *testing.T) {
	tests := []struct {
		name string
		f    liveInitFacts
		want string
	}{
		{"systemd running", liveInitFacts{RunSystemd: true, Cmdline1: []string{"/sbin/init"}}, "systemd"},
		{"sysvinit", liveInitFacts{Cmdline1: []string{"init", "[2]"}, InitBin: "/usr/sbin/init", InitScan: "sysvinit"}, "sysvinit"},
		{"init is systemd, not running", liveInitFacts{Cmdline1: []string{"/sbin/init"}, InitBin: "/sbin/init", InitScan: "systemd"}, "systemd"},
		{"busybox init", liveInitFacts{Cmdline1: []string{"/sbin/init"}, InitBin: "/sbin/init"}, "unknown"},
		{"systemd binary as pid 1 without /run/systemd", liveInitFacts{Cmdline1: []string{"/lib/systemd/systemd", "--system"}, InitBin: "/lib/systemd/systemd"}, "unknown"},
		{"runit", liveInitFacts{Cmdline1: []string{"runit"}, InitBin: "/sbin/runit"}, "runit"},
		{"runit by path", liveInitFacts{Cmdline1: []string{"/sbin/runit"}, InitBin: "/sbin/runit"}, "unknown"},
		{"runsvdir", liveInitFacts{Cmdline1: []string{"runsvdir", "-P", "/etc/service"}, InitBin: "/usr/bin/runsvdir"}, "unknown"},
		{"my_init", liveInitFacts{Cmdline1: []string{"/usr/bin/python3", "-u", "/sbin/my_init"}, InitBin: "/usr/bin/python3"}, "runit"},
		{"openrc-init", liveInitFacts{Cmdline1: []string{"/sbin/openrc-init"}, InitBin: "/sbin/openrc-init"}, "unknown"},
		{"tini", liveInitFacts{Cmdline1: []string{"/usr/bin/tini", "--", "app"}, InitBin: "/usr/bin/tini", Tini: "/usr/bin/tini"}, "tini"},
		{"tini by name", liveInitFacts{Cmdline1: []string{"tini", "--", "app"}, InitBin: "/usr/bin/tini", Tini: "/usr/bin/tini"}, "unknown"},
		{"dumb-init", liveInitFacts{Cmdline1: []string{"/usr/bin/dumb-init", "app"}, DumbInit: "/usr/bin/dumb-init"}, "dumb-init"},
		{"supervisord", liveInitFacts{Cmdline1: []string{"/usr/bin/python3", "/usr/bin/supervisord", "-n"}, Supervisord: "/usr/bin/supervisord"}, "supervisord"},
		{"docker --init", liveInitFacts{Cmdline1: []string{"/sbin/docker-init", "--", "app"}, InitBin: "/sbin/docker-init"}, "unknown"},
		{"some app as pid 1", liveInitFacts{Cmdline1: []string{"/process_api", "--x"}, InitBin: "/process_api"}, "unknown"},
		{"no cmdline", liveInitFacts{}, "unknown"},
	}
	for _, tt := range tests {
		if got := saltInit(tt.f); got != tt.want {
			t.Errorf("%s: saltInit = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestScanInit(t *testing.T) {
	big := strings.Repeat("x", 262144-3)
	for content, want := range map[string]string{
		"\x7fELF ... +PAM +SYSVINIT ... libsystemd-shared": "sysvinit", // sysvinit is looked for first in a chunk
		"\x7fELF ... /run/systemd/ ...":                    "systemd",
		"\x7fELF ... INIT: version 3.06 sysvinit":          "sysvinit",
		big + "sysvinit":                                   "sysvinit", // across two chunks
		big + "xxx" + "systemd" + "upstart":                "upstart",  // both in the second chunk
		"busybox":                                          "",
		"":                                                 "",
	} {
		if got := scanInit(strings.NewReader(content)); got != want {
			t.Errorf("scanInit(%.40q…) = %q; want %q", content, got, want)
		}
	}
}
