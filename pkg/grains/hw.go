package grains

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// dmiGrains are Salt's _hw_data grains on Linux: each the stripped
// contents of a file of /sys/class/dmi/id, absent when the file is
// (or cannot be read: product_serial is root's alone).
var dmiGrains = []struct{ grain, file string }{
	{"biosversion", "bios_version"},
	{"biosvendor", "bios_vendor"},
	{"boardname", "board_name"},
	{"productname", "product_name"},
	{"manufacturer", "sys_vendor"},
	{"biosreleasedate", "bios_date"},
	{"uuid", "product_uuid"},
	{"serialnumber", "product_serial"},
}

// hwGrains sets the host's hardware grains as Salt 3006 does on Linux:
// the DMI grains, disks and ssds (salt/grains/disks.py: the block
// devices whose queue/rotational says 1, or 0), and efi with
// efi-secure-boot (salt/grains/extra.py uefi). They are the running
// host's, even for an image under --root.
func hwGrains(opts Options, g map[string]any) {
	// Salt 3006 takes manufacturer, productname and serialnumber from the
	// device tree first (ARM, POWER); DMI's, where there are, win.
	if st, err := os.Stat(opts.proc("/device-tree")); err == nil && st.IsDir() {
		for k, v := range deviceTreeGrains(func(name string) string {
			return strings.TrimRight(readString(opts.proc("/device-tree/"+name)), "\x00")
		}) {
			g[k] = v
		}
	}
	for _, d := range dmiGrains {
		b, err := os.ReadFile(opts.sys("/class/dmi/id/" + d.file))
		if err != nil {
			continue
		}
		v := strings.ToValidUTF8(strings.TrimSpace(string(b)), "\uFFFD")
		if d.grain == "uuid" {
			v = strings.ToLower(v)
		}
		g[d.grain] = v
	}

	g["disks"], g["ssds"] = blockDevices(opts)

	efivars := ""
	for _, d := range []string{"/firmware/efi/efivars", "/firmware/efi/vars"} {
		if exists(opts.sys(d)) {
			efivars = opts.sys(d)
			break
		}
	}
	g["efi"] = efivars != ""
	g["efi-secure-boot"] = efivars != "" && secureBoot(efivars)
}

// secureBoot is Salt's __secure_boot: the last byte of the one
// SecureBoot-* variable is 1 (efivarfs holds it as a file, the older
// sysfs interface as a folder with a data file). Two such variables, or
// none, or one that cannot be read, is False.
func secureBoot(efivars string) bool {
	pattern := filepath.Join(efivars, "SecureBoot-*")
	if filepath.Base(efivars) != "efivars" {
		pattern = filepath.Join(pattern, "data")
	}
	vars, _ := filepath.Glob(pattern)
	if len(vars) != 1 {
		return false
	}
	b, err := os.ReadFile(vars[0])
	return err == nil && len(b) > 0 && b[len(b)-1] == 1
}

// blockDevices are Salt's disks and ssds (salt/grains/disks.py
// _linux_disks): the devices of /sys/block whose queue/rotational says
// 1, or 0, in the order the directory lists them (Python's glob does not
// sort). Virtual devices (loop, zram, dm, md: their link leads under
// ../devices/virtual/) are left out, as Salt does since 3001.1.
func blockDevices(opts Options) (disks, ssds []any) {
	disks, ssds = []any{}, []any{}
	dir := opts.sys("/block")
	f, err := os.Open(dir)
	if err != nil {
		return disks, ssds
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, dev := range names {
		if dev == "" || dev[0] == '.' {
			continue
		}
		if target, err := os.Readlink(filepath.Join(dir, dev)); err == nil && strings.HasPrefix(target, "../devices/virtual/") {
			continue
		}
		switch b, _ := os.ReadFile(filepath.Join(dir, dev, "queue/rotational")); {
		case bytes.HasPrefix(b, []byte("0")):
			ssds = append(ssds, dev)
		case bytes.HasPrefix(b, []byte("1")):
			disks = append(disks, dev)
		}
	}
	return disks, ssds
}

// gpuClasses are the PCI classes Salt's _linux_gpu_data counts as GPUs:
// lspci's "VGA compatible controller", "3D controller" and "Display
// controller".
var gpuClasses = map[uint64]bool{0x0300: true, 0x0302: true, 0x0380: true}

// gpuVendors are the vendors Salt names; a GPU of another is "unknown".
// "cirrus logic" is Salt's too, though it can never equal one word.
var gpuVendors = []string{"nvidia", "amd", "ati", "intel", "cirrus logic", "vmware", "matrox", "aspeed"}

// gpuGrains is Salt's gpus grain: nothing without lspci (Salt's grain is
// then the empty list os_data starts with), else a {vendor, model} for
// each display-class PCI device in lspci's order (by address). The
// names are lspci's, from the pci.ids database; brine reads sysfs and
// pci.ids instead of running lspci.
func gpuGrains(opts Options) []any {
	gpus := []any{}
	if which(opts.HostRoot, "lspci") == "" {
		return gpus
	}
	dir := opts.sys("/bus/pci/devices")
	f, err := os.Open(dir)
	if err != nil {
		return gpus
	}
	slots, _ := f.Readdirnames(-1)
	f.Close()
	sort.Strings(slots)
	var found [][2]uint16
	for _, slot := range slots {
		class, err := strconv.ParseUint(strings.TrimSpace(readString(filepath.Join(dir, slot, "class"))), 0, 32)
		if err != nil || !gpuClasses[class>>8] {
			continue
		}
		vendor, err1 := strconv.ParseUint(strings.TrimSpace(readString(filepath.Join(dir, slot, "vendor"))), 0, 16)
		device, err2 := strconv.ParseUint(strings.TrimSpace(readString(filepath.Join(dir, slot, "device"))), 0, 16)
		if err1 != nil || err2 != nil {
			continue
		}
		found = append(found, [2]uint16{uint16(vendor), uint16(device)})
	}
	if len(found) == 0 {
		return gpus
	}
	names := pciNameTable(readPCIIDs(opts), found)
	for _, d := range found {
		gpus = append(gpus, map[string]any{"vendor": gpuVendor(names[d][0]), "model": names[d][1]})
	}
	return gpus
}

// gpuVendor is Salt's vendor of a GPU: the first of gpuVendors that is a
// word of lspci's vendor name, lowercased and cut at every character
// that is not a letter or a digit.
func gpuVendor(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	for _, v := range gpuVendors {
		for _, w := range words {
			if w == v {
				return v
			}
		}
	}
	return "unknown"
}

// pciNameTable names devices from pci.ids text ("1af4  Red Hat, Inc."
// then "\t1050  Virtio 1.0 GPU"), all in one pass over the file, which is
// over a megabyte: for each [vendor, device], its vendor's and its own
// name; an id it lacks is named as lspci -vmm names it, "Vendor 1234" or
// "Device 1111".
func pciNameTable(ids string, devs [][2]uint16) map[[2]uint16][2]string {
	out := map[[2]uint16][2]string{}
	vendors := map[uint16]bool{}
	for _, d := range devs {
		out[d] = [2]string{fmt.Sprintf("Vendor %04x", d[0]), fmt.Sprintf("Device %04x", d[1])}
		vendors[d[0]] = true
	}
	var vendor uint16
	inVendor := false
	for len(ids) > 0 {
		line, rest, _ := strings.Cut(ids, "\n")
		ids = rest
		switch {
		case strings.HasPrefix(line, "C "):
			// the class lists follow the vendors
			return out
		case line == "" || line[0] == '#':
		case line[0] != '\t':
			inVendor = false
			if len(line) > 6 && line[4:6] == "  " {
				if v, err := strconv.ParseUint(line[:4], 16, 16); err == nil && vendors[uint16(v)] {
					vendor, inVendor = uint16(v), true
					name := strings.TrimSpace(line[6:])
					for d, names := range out {
						if d[0] == vendor {
							out[d] = [2]string{name, names[1]}
						}
					}
				}
			}
		case inVendor && len(line) > 7 && line[1] != '\t' && line[5:7] == "  ":
			if dv, err := strconv.ParseUint(line[1:5], 16, 16); err == nil {
				if names, ok := out[[2]uint16{vendor, uint16(dv)}]; ok {
					out[[2]uint16{vendor, uint16(dv)}] = [2]string{names[0], strings.TrimSpace(line[7:])}
				}
			}
		}
	}
	return out
}

// readPCIIDs reads the pci.ids database lspci reads.
func readPCIIDs(opts Options) string {
	for _, p := range []string{"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids"} {
		if ids := readString(opts.host(p)); ids != "" {
			return ids
		}
	}
	return ""
}

// deviceTreeGrains is Salt's _linux_devicetree_platform_data: the model
// ("manufacturer,product", or the product alone), and the serial number
// from serial-number, else system-id (POWER). read gives a node's text
// without its NULs, "" when it is missing.
func deviceTreeGrains(read func(name string) string) map[string]any {
	g := map[string]any{}
	if model := read("model"); model != "" {
		if maker, product, ok := strings.Cut(model, ","); ok {
			g["manufacturer"], g["productname"] = maker, product
		} else {
			g["productname"] = model
		}
	}
	if id := read("system-id"); id != "" {
		g["serialnumber"] = id
	}
	if serial := read("serial-number"); serial != "" {
		g["serialnumber"] = serial
	}
	return g
}
