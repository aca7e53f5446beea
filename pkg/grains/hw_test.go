package grains

import (
	"reflect"
	"strings"
	"testing"
)

// TestHWGrains reads a fake /sys as Salt 3006's _hw_data, disks and
// uefi grains do.
func TestHWGrains(t *testing.T) {
	sys := t.TempDir()
	write(t, sys, "class/dmi/id/sys_vendor", "QEMU\n")
	write(t, sys, "class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n")
	write(t, sys, "class/dmi/id/bios_version", " 1.16.2-debian-1.16.2-1 \n")
	write(t, sys, "class/dmi/id/bios_date", "04/01/2014\n")
	write(t, sys, "class/dmi/id/bios_vendor", "SeaBIOS\n")
	write(t, sys, "class/dmi/id/board_name", "X11SPL-F\n")
	write(t, sys, "class/dmi/id/product_uuid", "6C2E3F1A-0000-4B5E-9D2B-1A2B3C4D5E6F\n")
	write(t, sys, "block/vdb/queue/rotational", "1\n")
	write(t, sys, "block/nvme0n1/queue/rotational", "0\n")
	write(t, sys, "block/odd/queue/rotational", "x\n")
	write(t, sys, "firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", "\x06\x00\x00\x00\x01")

	g := map[string]any{}
	hwGrains(Options{SysRoot: sys}, g)
	want := map[string]any{
		"manufacturer": "QEMU", "productname": "Standard PC (Q35 + ICH9, 2009)",
		"biosversion": "1.16.2-debian-1.16.2-1", "biosreleasedate": "04/01/2014",
		"uuid":       "6c2e3f1a-0000-4b5e-9d2b-1a2b3c4d5e6f",
		"biosvendor": "SeaBIOS", "boardname": "X11SPL-F", // Salt 3006.0's new DMI grains
		"disks": []any{"vdb"}, "ssds": []any{"nvme0n1"},
		"efi": true, "efi-secure-boot": true,
	}
	for k, w := range want {
		if !reflect.DeepEqual(g[k], w) {
			t.Errorf("%s = %#v; want %#v", k, g[k], w)
		}
	}
	if _, ok := g["serialnumber"]; ok {
		t.Errorf("serialnumber = %v; its file is missing (unreadable but by root)", g["serialnumber"])
	}

	// Secure boot off; then two SecureBoot variables, which Salt reads as
	// off too; then the older sysfs folders; then no EFI at all.
	write(t, sys, "firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c", "\x06\x00\x00\x00\x00")
	if hwGrains(Options{SysRoot: sys}, g); g["efi-secure-boot"] != false {
		t.Errorf("efi-secure-boot = %v with the variable 0", g["efi-secure-boot"])
	}
	write(t, sys, "firmware/efi/efivars/SecureBoot-other", "\x06\x00\x00\x00\x01")
	if hwGrains(Options{SysRoot: sys}, g); g["efi-secure-boot"] != false {
		t.Errorf("efi-secure-boot = %v with two variables", g["efi-secure-boot"])
	}
	old := t.TempDir()
	write(t, old, "firmware/efi/vars/SecureBoot-8be4df61/data", "\x06\x00\x00\x00\x01")
	if hwGrains(Options{SysRoot: old}, g); g["efi"] != true || g["efi-secure-boot"] != true {
		t.Errorf("efi, efi-secure-boot = %v, %v from vars/…/data", g["efi"], g["efi-secure-boot"])
	}
	none := map[string]any{}
	hwGrains(Options{SysRoot: t.TempDir()}, none)
	if none["efi"] != false || !reflect.DeepEqual(none["disks"], []any{}) || none["manufacturer"] != nil {
		t.Errorf("no /sys: %v", none)
	}
}

// TestDeviceTreeGrains: Salt 3006's device-tree grains on a Raspberry Pi
// and on POWER, and DMI winning where both are.
func TestDeviceTreeGrains(t *testing.T) {
	tests := []struct {
		nodes map[string]string
		want  map[string]any
	}{
		{map[string]string{"model": "Raspberry Pi 4 Model B Rev 1.4\x00", "serial-number": "10000000a1b2c3d4\x00"},
			map[string]any{"productname": "Raspberry Pi 4 Model B Rev 1.4", "serialnumber": "10000000a1b2c3d4"}},
		{map[string]string{"model": "IBM,9009-42A\x00", "system-id": "IBM,0278ABCDE\x00"},
			map[string]any{"manufacturer": "IBM", "productname": "9009-42A", "serialnumber": "IBM,0278ABCDE"}},
		{map[string]string{"system-id": "a", "serial-number": "b"}, map[string]any{"serialnumber": "b"}},
		{map[string]string{}, map[string]any{}},
	}
	for _, tt := range tests {
		got := deviceTreeGrains(func(name string) string { return strings.TrimRight(tt.nodes[name], "\x00") })
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("deviceTreeGrains(%v) = %v; want %v", tt.nodes, got, tt.want)
		}
	}
	proc, sys := t.TempDir(), t.TempDir()
	write(t, proc, "device-tree/model", "Raspberry Pi 4 Model B Rev 1.4\x00")
	write(t, proc, "device-tree/serial-number", "10000000a1b2c3d4\x00")
	write(t, sys, "class/dmi/id/product_name", "From DMI\n")
	g := map[string]any{}
	hwGrains(Options{ProcRoot: proc, SysRoot: sys}, g)
	if g["productname"] != "From DMI" || g["serialnumber"] != "10000000a1b2c3d4" {
		t.Errorf("productname, serialnumber = %v, %v; want DMI's, the device tree's", g["productname"], g["serialnumber"])
	}
}

func TestPCINameTable(t *testing.T) {
	ids := "# pci.ids\n10de  NVIDIA Corporation\n\t20b0  GA100 [A100 SXM4 40GB]\n\t\t10de 134f  A100\n1af4  Red Hat, Inc.\n\t1000  Virtio network device\n\t1050  Virtio 1.0 GPU\n15ad  VMware\nC 00  Unclassified device\n\t00  Non-VGA unclassified device\n"
	got := pciNameTable(ids, [][2]uint16{{0x1af4, 0x1050}, {0x10de, 0x20b0}, {0x1af4, 0x1000}, {0x1234, 0x1111}, {0x15ad, 0x0405}})
	want := map[[2]uint16][2]string{
		{0x1af4, 0x1050}: {"Red Hat, Inc.", "Virtio 1.0 GPU"},
		{0x10de, 0x20b0}: {"NVIDIA Corporation", "GA100 [A100 SXM4 40GB]"},
		{0x1af4, 0x1000}: {"Red Hat, Inc.", "Virtio network device"},
		{0x1234, 0x1111}: {"Vendor 1234", "Device 1111"},
		{0x15ad, 0x0405}: {"VMware", "Device 0405"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pciNameTable = %v; want %v", got, want)
	}
}
