package grains

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Salt 3006's virtual and virtual_subtype grains (core._virtual) come
// from commands — systemd-detect-virt, or virt-what when it is
// installed; then dmidecode and lspci — and then from files it reads
// itself (/proc/1/cgroup, the product name, Xen and OpenVZ files). brine
// runs none of the commands: it works out from the same files what each
// would print, and only when Salt would run it (the tool is installed),
// then reads the files as Salt does. So a Docker container on a cgroup v2
// host is "physical", as Salt reports it: systemd-detect-virt's "docker"
// is none of the names Salt takes, and /proc/1/cgroup says nothing.

// detectVirtFacts are what systemd-detect-virt (systemd 252) looks at.
type detectVirtFacts struct {
	ProcVZ, ProcBC   bool   // /proc/vz, /proc/bc exist
	OSRelease        string // /proc/sys/kernel/osrelease
	SystemdContainer string // /run/systemd/container
	HasContainerFile bool   // /run/systemd/container exists
	Environ1         string // /proc/1/environ, when readable
	Environ1Readable bool
	ContainerEnv     bool // /run/.containerenv
	DockerEnv        bool // /.dockerenv
	DMI              dmiFacts
	CPUIDHypervisor  bool   // CPUID says a hypervisor runs us
	CPUIDSignature   string // and its vendor signature
	UML              bool   // /proc/cpuinfo's vendor_id is "User Mode Linux"
	ProcXen          bool   // /proc/xen exists
	XenDom0          bool   // /proc/xen/capabilities says control_d
	HypervisorType   string // /sys/hypervisor/type
}

// dmiFacts are the /sys/class/dmi/id files systemd-detect-virt,
// dmidecode and Salt read.
type dmiFacts struct {
	ProductName, SysVendor, BoardVendor, BiosVendor, ProductVersion string
	BiosVersion, BoardName, ChassisVendor                           string
}

var cpuidVendors = map[string]string{
	"XenVMMXenVMM": "xen", "KVMKVMKVM": "kvm", "Linux KVM Hv": "kvm", "TCGTCGTCGTCG": "qemu",
	"VMwareVMware": "vmware", "Microsoft Hv": "microsoft", "bhyve bhyve ": "bhyve",
	"QNXQVMBSQG": "qnx", "ACRNACRNACRN": "acrn", "SRESRESRESRE": "sre", "Apple VZ": "apple",
}

var dmiVendors = []struct{ prefix, virt string }{
	{"KVM", "kvm"}, {"OpenStack", "kvm"}, {"KubeVirt", "kvm"}, {"Amazon EC2", "amazon"},
	{"QEMU", "qemu"}, {"VMware", "vmware"}, {"VMW", "vmware"}, {"innotek GmbH", "oracle"},
	{"VirtualBox", "oracle"}, {"Xen", "xen"}, {"Bochs", "bochs"}, {"Parallels", "parallels"},
	{"BHYVE", "bhyve"}, {"Hyper-V", "microsoft"}, {"Apple Virtualization", "apple"},
	{"Google Compute Engine", "google"},
}

var knownContainers = map[string]bool{
	"lxc": true, "lxc-libvirt": true, "systemd-nspawn": true, "docker": true, "podman": true,
	"rkt": true, "wsl": true, "proot": true, "pouch": true,
}

// detectVirtOutput is what `systemd-detect-virt` prints: a container
// first (detect_container), else a virtual machine (detect_vm: DMI for
// the hypervisors that hide behind KVM, then CPUID, then DMI again);
// "" when it finds neither (it prints "none" and exits 1).
func detectVirtOutput(f detectVirtFacts) string {
	if c := detectContainer(f); c != "" {
		return c
	}
	dmi := detectVMDMI(f.DMI)
	switch dmi {
	case "oracle", "xen", "amazon", "parallels":
		return dmi
	}
	if f.UML {
		return "uml"
	}
	if f.ProcXen && !f.XenDom0 {
		return "xen"
	}
	other := false
	if f.CPUIDHypervisor {
		if v, ok := cpuidVendors[f.CPUIDSignature]; ok {
			return v
		}
		other = true
	}
	if dmi != "" {
		return dmi
	}
	if strings.TrimSpace(f.HypervisorType) == "xen" {
		return "xen"
	}
	if other {
		return "vm-other"
	}
	return ""
}

func detectContainer(f detectVirtFacts) string {
	if f.ProcVZ && !f.ProcBC {
		return "openvz"
	}
	if strings.Contains(f.OSRelease, "Microsoft") || strings.Contains(f.OSRelease, "WSL") {
		return "wsl"
	}
	name := ""
	switch {
	case f.HasContainerFile:
		name, _, _ = strings.Cut(f.SystemdContainer, "\n")
	case f.Environ1Readable:
		for _, kv := range strings.Split(f.Environ1, "\x00") {
			if v, ok := strings.CutPrefix(kv, "container="); ok {
				name = v
			}
		}
	}
	name = strings.TrimSpace(name)
	files := func() string {
		switch {
		case f.ContainerEnv:
			return "podman"
		case f.DockerEnv:
			return "docker"
		}
		return ""
	}
	switch {
	case name == "" && !f.HasContainerFile:
		return files()
	case name == "":
		return ""
	case name == "oci":
		if c := files(); c != "" {
			return c
		}
		return "container-other"
	case knownContainers[name]:
		return name
	}
	return "container-other"
}

func detectVMDMI(d dmiFacts) string {
	for _, v := range []string{d.ProductName, d.SysVendor, d.BoardVendor, d.BiosVendor, d.ProductVersion} {
		for _, e := range dmiVendors {
			if strings.HasPrefix(v, e.prefix) {
				return e.virt
			}
		}
	}
	return ""
}

// virtFacts are what Salt's _virtual reads on Linux, and what its
// commands would print.
type virtFacts struct {
	DetectVirt    bool   // systemd-detect-virt is installed
	DetectVirtOut string // and prints this ("" for none)
	VirtWhat      bool   // virt-what is installed
	VirtWhatOut   string // and prints this (one fact a line)
	Dmidecode     bool   // dmidecode is installed and can read the DMI table
	DMI           dmiFacts
	// Lspci gives the PCI devices' vendor and device names, as lspci
	// prints them; nil when lspci is not installed or /proc/bus/pci is
	// missing. It is called only when Salt would run lspci.
	Lspci func() string

	Chroot                      bool   // / is not pid 1's root
	ProcVZ, VZVersion, VZVeinfo bool   // /proc/vz, /proc/vz/version, /proc/vz/veinfo
	EnvID                       string // envID in /proc/self/status (OpenVZ kernels)
	ProcSysXen, SysBusXen       bool   // /proc/sys/xen, /sys/bus/xen
	ProcXen, XsdKva             bool   // /proc/xen, /proc/xen/xsd_kva
	XenCapsReadable             bool   // /proc/xen/capabilities
	XenCaps                     string
	XenConsole                  bool   // /sys/bus/xen/drivers/xenconsole
	CPUInfo                     string // /proc/cpuinfo
	VirtualProductName          string // /sys/devices/virtual/dmi/id/product_name
	HasVirtualProductName       bool
	Cgroup1                     string // /proc/1/cgroup
	Environ1                    string // /proc/1/environ, when readable
}

var (
	ec2ProductRe = regexp.MustCompile(`(?s)^.*Product Name: ([^\r\n]*)`)
	ec2VersionRe = regexp.MustCompile(`(?s)^.*Version: [^\r\n]+\.amazon`)
)

// dmidecodeText is the part of `dmidecode` output Salt looks at:
// "Vendor:" and "Version:" of the BIOS, "Manufacturer:", "Product
// Name:" and "Version:" of the system, board and chassis.
func (d dmiFacts) dmidecodeText() string {
	return fmt.Sprintf("BIOS Information\n\tVendor: %s\n\tVersion: %s\nSystem Information\n\tManufacturer: %s\n\tProduct Name: %s\n\tVersion: %s\nBase Board Information\n\tManufacturer: %s\n\tProduct Name: %s\nChassis Information\n\tManufacturer: %s\n",
		d.BiosVendor, d.BiosVersion, d.SysVendor, d.ProductName, d.ProductVersion, d.BoardVendor, d.BoardName, d.ChassisVendor)
}

// dmidecodeSystem is `dmidecode -t system`'s part Salt reads.
func (d dmiFacts) dmidecodeSystem() string {
	return fmt.Sprintf("System Information\n\tManufacturer: %s\n\tProduct Name: %s\n\tVersion: %s\n", d.SysVendor, d.ProductName, d.ProductVersion)
}

// saltVirtual is Salt 3006's _virtual for Linux on these facts.
func saltVirtual(f virtFacts) (virtual, subtype string) {
	virtual = "physical"
	type step struct {
		run bool
		fn  func() bool // true: Salt breaks out of its loop
	}
	steps := []step{}
	if f.VirtWhat {
		steps = append(steps, step{true, func() bool {
			for _, line := range strings.Split(f.VirtWhatOut, "\n") {
				switch {
				case line == "kvm" || line == "qemu" || line == "uml" || line == "xen":
					virtual = line
				case strings.Contains(line, "lxc"):
					virtual, subtype = "container", "LXC"
				case strings.Contains(line, "vmware"):
					virtual = "VMware"
				case strings.Contains(line, "parallels"):
					virtual = "Parallels"
				case strings.Contains(line, "hyperv"):
					virtual = "HyperV"
				default:
					continue
				}
				break
			}
			return true
		}})
	} else {
		steps = append(steps, step{f.DetectVirt, func() bool {
			out := f.DetectVirtOut
			switch {
			case out == "":
				// "none", exit code 1: Salt goes on
			case out == "qemu" || out == "kvm" || out == "oracle" || out == "xen" || out == "bochs" ||
				out == "chroot" || out == "uml" || out == "systemd-nspawn":
				virtual = out
				return true
			case strings.Contains(out, "vmware"):
				virtual = "VMware"
				return true
			case strings.Contains(out, "microsoft"):
				virtual = "VirtualPC"
				return true
			case strings.Contains(out, "lxc"):
				virtual, subtype = "container", "LXC"
				return true
			case strings.Contains(out, "amazon"):
				virtual, subtype = "Nitro", "Amazon EC2"
				return true
			}
			return false
		}}, step{f.Dmidecode, func() bool {
			out := f.DMI.dmidecodeText()
			if strings.Contains(out, "Vendor: QEMU") || strings.Contains(out, "Manufacturer: QEMU") ||
				strings.Contains(out, "Vendor: Bochs") || strings.Contains(out, "Manufacturer: Bochs") {
				virtual = "kvm"
			}
			switch {
			case strings.Contains(out, "BHYVE"):
				virtual = "bhyve"
			case strings.Contains(out, "Manufacturer: oVirt"):
				virtual, subtype = "kvm", "ovirt"
			case strings.Contains(out, "Product Name: RHEV Hypervisor"):
				virtual, subtype = "kvm", "rhev"
			case strings.Contains(out, "VirtualBox"):
				virtual = "VirtualBox"
			case strings.Contains(out, "VMware"):
				virtual = "VMware"
			case strings.Contains(out, ": Microsoft") && strings.Contains(out, "Virtual Machine"):
				virtual = "VirtualPC"
			case strings.Contains(out, "Parallels Software"):
				virtual = "Parallels"
			case strings.Contains(out, "Manufacturer: Google"), strings.Contains(out, "Vendor: SeaBIOS"):
				virtual = "kvm"
			}
			return true
		}})
	}
	steps = append(steps, step{f.Lspci != nil, func() bool {
		model := strings.ToLower(f.Lspci())
		switch {
		case strings.Contains(model, "vmware"):
			virtual = "VMware"
		case strings.Contains(model, "virtualbox"):
			virtual = "VirtualBox"
		case strings.Contains(model, "qemu"), strings.Contains(model, "virtio"):
			virtual = "kvm"
		}
		return true
	}})
	for _, s := range steps {
		if s.run && s.fn() {
			break
		}
	}

	if f.Chroot {
		subtype = "chroot"
	}
	if f.ProcVZ {
		if f.VZVersion {
			virtual = "openvzhn"
		} else if f.VZVeinfo {
			virtual = "openvzve"
		}
	}
	if f.EnvID != "" {
		if n, err := strconv.Atoi(f.EnvID); err == nil && n != 0 {
			virtual = "openvzve"
		} else if err == nil {
			virtual = "openvzhn"
		}
	}
	if f.ProcSysXen || f.SysBusXen || f.ProcXen {
		switch {
		case f.XsdKva:
			subtype = "Xen Dom0"
		case strings.TrimSpace(f.DMI.ProductName) == "HVM domU":
			subtype = "Xen HVM DomU"
		case f.XenCapsReadable:
			if strings.Contains(f.XenCaps, "control_d") {
				subtype = "Xen Dom0"
			} else {
				subtype = "Xen PV DomU"
			}
		case f.SysBusXen && f.XenConsole:
			subtype = "Xen PV DomU"
		}
		if strings.Contains(strings.ToLower(subtype), "dom") {
			virtual = "xen"
		}
	}
	if strings.Contains(f.CPUInfo, "QEMU Virtual CPU") {
		virtual = "kvm"
	}
	if f.HasVirtualProductName {
		switch out := f.VirtualProductName; {
		case strings.Contains(out, "VirtualBox"):
			virtual = "VirtualBox"
		case strings.Contains(out, "RHEV Hypervisor"):
			virtual, subtype = "kvm", "rhev"
		case strings.Contains(out, "oVirt Node"):
			virtual, subtype = "kvm", "ovirt"
		case strings.Contains(out, "Google"):
			virtual = "gce"
		case strings.Contains(out, "BHYVE"):
			virtual = "bhyve"
		}
	}
	switch c := f.Cgroup1; {
	case strings.Contains(c, ":/lxc/"):
		virtual, subtype = "container", "LXC"
	case strings.Contains(c, ":/kubepods/"):
		subtype = "kubernetes"
	case strings.Contains(c, ":/libpod_parent/"):
		subtype = "libpod"
	case strings.Contains(c, ":/system.slice/docker"), strings.Contains(c, ":/docker/"), strings.Contains(c, ":/docker-ce/"):
		virtual, subtype = "container", "Docker"
	}
	if subtype != "LXC" && strings.Contains(f.Environ1, "container=lxc") {
		virtual, subtype = "container", "LXC"
	}
	if subtype != "" && virtual == "physical" {
		virtual = "virtual"
	}
	// Salt asks `dmidecode -t system` whether a KVM or Xen guest is an
	// EC2 instance.
	if (virtual == "qemu" || virtual == "kvm" || virtual == "xen" || virtual == "amazon") && f.Dmidecode {
		out := f.DMI.dmidecodeSystem()
		if strings.Contains(out, "Manufacturer: Amazon EC2") {
			if virtual != "xen" {
				virtual = "Nitro"
			}
			subtype = "Amazon EC2"
			if m := ec2ProductRe.FindStringSubmatch(out); m != nil {
				subtype = "Amazon EC2 (" + m[1] + ")"
			}
		} else if ec2VersionRe.MatchString(out) {
			subtype = "Amazon EC2"
		}
	}
	return virtual, subtype
}

// virtualGrains gathers the facts from the host and sets virtual (and
// virtual_subtype when there is one), and the Xen hypervisor grains.
func virtualGrains(opts Options, g map[string]any, cpuinfo string) {
	dmi := func(name string) string {
		return strings.TrimSpace(strings.ToValidUTF8(readString(opts.sys("/class/dmi/id/"+name)), "\uFFFD"))
	}
	d := dmiFacts{
		ProductName: dmi("product_name"), SysVendor: dmi("sys_vendor"), BoardVendor: dmi("board_vendor"),
		BiosVendor: dmi("bios_vendor"), ProductVersion: dmi("product_version"), BiosVersion: dmi("bios_version"),
		BoardName: dmi("board_name"), ChassisVendor: dmi("chassis_vendor"),
	}
	environ1, envErr := os.ReadFile(opts.proc("/1/environ"))
	f := virtFacts{
		DetectVirt: which(opts.HostRoot, "systemd-detect-virt") != "",
		VirtWhat:   which(opts.HostRoot, "virt-what") != "",
		DMI:        d,

		ProcVZ:     exists(opts.proc("/vz")),
		VZVersion:  exists(opts.proc("/vz/version")),
		VZVeinfo:   exists(opts.proc("/vz/veinfo")),
		EnvID:      envID(readString(opts.proc("/self/status"))),
		ProcSysXen: exists(opts.proc("/sys/xen")),
		SysBusXen:  exists(opts.sys("/bus/xen")),
		ProcXen:    exists(opts.proc("/xen")),
		XsdKva:     exists(opts.proc("/xen/xsd_kva")),
		XenConsole: exists(opts.sys("/bus/xen/drivers/xenconsole")),
		CPUInfo:    cpuinfo,
		Cgroup1:    readString(opts.proc("/1/cgroup")),
		Environ1:   string(environ1),
		Chroot:     chrooted(opts),
	}
	if caps, err := os.ReadFile(opts.proc("/xen/capabilities")); err == nil {
		f.XenCapsReadable, f.XenCaps = true, string(caps)
	}
	if b, err := os.ReadFile(opts.sys("/devices/virtual/dmi/id/product_name")); err == nil {
		f.HasVirtualProductName, f.VirtualProductName = true, strings.ToValidUTF8(string(b), "\uFFFD")
	}
	if f.DetectVirt || f.VirtWhat {
		hv, sig := false, ""
		if opts.ProcRoot == "" && opts.SysRoot == "" {
			// The CPU is the host's own: a test's fake /proc has none.
			hv, sig = cpuidHypervisor()
		}
		container, containerFileErr := os.ReadFile(opts.host("/run/systemd/container"))
		df := detectVirtFacts{
			ProcVZ: f.ProcVZ, ProcBC: exists(opts.proc("/bc")),
			OSRelease:        readString(opts.proc("/sys/kernel/osrelease")),
			SystemdContainer: string(container), HasContainerFile: containerFileErr == nil,
			Environ1: string(environ1), Environ1Readable: envErr == nil,
			ContainerEnv: exists(opts.host("/run/.containerenv")), DockerEnv: exists(opts.host("/.dockerenv")),
			DMI: d, CPUIDHypervisor: hv, CPUIDSignature: sig,
			UML:            strings.Contains(cpuinfo, "User Mode Linux"),
			ProcXen:        f.ProcXen,
			XenDom0:        strings.Contains(f.XenCaps, "control_d"),
			HypervisorType: readString(opts.sys("/hypervisor/type")),
		}
		f.DetectVirtOut = detectVirtOutput(df)
		f.VirtWhatOut = virtWhatOutput(f.DetectVirtOut, detectContainer(df))
	}
	if which(opts.HostRoot, "dmidecode") != "" {
		// dmidecode reads the SMBIOS table, root's alone.
		if fh, err := os.Open(opts.sys("/firmware/dmi/tables/DMI")); err == nil {
			fh.Close()
			f.Dmidecode = true
		}
	}
	if exists(opts.proc("/bus/pci")) && which(opts.HostRoot, "lspci") != "" {
		f.Lspci = func() string { return pciText(opts) }
	}
	virtual, subtype := saltVirtual(f)
	g["virtual"] = virtual
	if subtype != "" {
		g["virtual_subtype"] = subtype
	}
	if strings.Contains(virtual, "xen") {
		xenHVGrains(opts, g)
	}
}

// virtWhatOutput is what virt-what prints for what systemd-detect-virt
// finds: the container first, then the machine, in virt-what's names.
func virtWhatOutput(detected, container string) string {
	var lines []string
	switch container {
	case "":
	case "lxc", "lxc-libvirt":
		lines = append(lines, "lxc")
	case "systemd-nspawn":
		lines = append(lines, "systemd_nspawn")
	default:
		lines = append(lines, container)
	}
	if detected != container {
		switch detected {
		case "microsoft":
			lines = append(lines, "hyperv")
		case "oracle":
			lines = append(lines, "virtualbox")
		case "amazon":
			lines = append(lines, "aws", "kvm")
		case "google":
			lines = append(lines, "google_cloud", "kvm")
		case "", "vm-other":
		default:
			lines = append(lines, detected)
		}
	}
	return strings.Join(lines, "\n")
}

var envIDRe = regexp.MustCompile(`(?m)^envID:\s+(\d+)$`)

// envID is the envID line of /proc/self/status, which OpenVZ kernels add.
func envID(status string) string {
	if m := envIDRe.FindAllStringSubmatch(status, -1); m != nil {
		return m[len(m)-1][1]
	}
	return ""
}

// chrooted is Salt's chroot test: os.stat("/") differs from
// os.stat("/proc/1/root/.") (all the fields Python compares).
func chrooted(opts Options) bool {
	var a, b syscall.Stat_t
	if syscall.Stat(join(opts.HostRoot, "/"), &a) != nil || syscall.Stat(opts.proc("/1/root/."), &b) != nil {
		return false
	}
	return a.Dev != b.Dev || a.Ino != b.Ino || a.Mode != b.Mode || a.Nlink != b.Nlink ||
		a.Uid != b.Uid || a.Gid != b.Gid || a.Size != b.Size || a.Mtim.Sec != b.Mtim.Sec || a.Ctim.Sec != b.Ctim.Sec
}

// pciText is what Salt's lspci check reads: each PCI device's vendor and
// device names.
func pciText(opts Options) string {
	dir := opts.sys("/bus/pci/devices")
	f, err := os.Open(dir)
	if err != nil {
		return ""
	}
	slots, _ := f.Readdirnames(-1)
	f.Close()
	var devs [][2]uint16
	for _, slot := range slots {
		vendor, err1 := strconv.ParseUint(strings.TrimSpace(readString(dir+"/"+slot+"/vendor")), 0, 16)
		device, err2 := strconv.ParseUint(strings.TrimSpace(readString(dir+"/"+slot+"/device")), 0, 16)
		if err1 != nil || err2 != nil {
			continue
		}
		devs = append(devs, [2]uint16{uint16(vendor), uint16(device)})
	}
	names := pciNameTable(readPCIIDs(opts), devs)
	var b strings.Builder
	for _, d := range devs {
		fmt.Fprintf(&b, "%s %s\n", names[d][0], names[d][1])
	}
	return b.String()
}

var xenFeatures = []struct {
	bit  uint
	name string
}{
	{0, "writable_page_tables"}, {1, "writable_descriptor_tables"}, {2, "auto_translated_physmap"},
	{3, "supervisor_mode_kernel"}, {4, "pae_pgdir_above_4gb"}, {5, "mmu_pt_update_preserve_ad"},
	{7, "gnttab_map_avail_bits"}, {8, "hvm_callback_vector"}, {9, "hvm_safe_pvclock"},
	{10, "hvm_pirqs"}, {11, "dom0"}, {12, "grant_map_identity"}, {13, "memory_op_vnode_supported"},
	{14, "ARM_SMCCC_supported"},
}

// xenHVGrains are Salt's _virtual_hv grains on Xen: the hypervisor's
// version from /sys/hypervisor/version and its features from
// /sys/hypervisor/properties/features.
func xenHVGrains(opts Options, g map[string]any) {
	var parts []string
	for _, fn := range []string{"major", "minor", "extra"} {
		b, err := os.ReadFile(opts.sys("/hypervisor/version/" + fn))
		if err != nil {
			parts = nil
			break
		}
		parts = append(parts, strings.TrimSpace(string(b)))
	}
	if parts != nil {
		g["virtual_hv_version"] = parts[0] + "." + parts[1] + parts[2]
		g["virtual_hv_version_info"] = strList(parts)
	}
	b, err := os.ReadFile(opts.sys("/hypervisor/properties/features"))
	if err != nil {
		return
	}
	features := strings.TrimSpace(string(b))
	n, err := strconv.ParseUint(strings.TrimPrefix(features, "0x"), 16, 64)
	if err != nil {
		// Python's int(features, 16) raises ValueError, which Salt does
		// not catch: the grain function fails, and none of these is set.
		delete(g, "virtual_hv_version")
		delete(g, "virtual_hv_version_info")
		return
	}
	list := []any{}
	for _, f := range xenFeatures {
		if n&(1<<f.bit) != 0 {
			list = append(list, f.name)
		}
	}
	g["virtual_hv_features"] = features
	g["virtual_hv_features_list"] = list
}
