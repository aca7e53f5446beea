package grains

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// dmiGrains are Salt's _hw_data grains on Linux: each the stripped
// contents of a file of /sys/class/dmi/id, absent when the file is
// (or cannot be read: product_serial is root's alone).
var dmiGrains = []struct{ grain, file string }{
	{"biosversion", "bios_version"},
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

	disks, ssds := []any{}, []any{}
	rot, _ := filepath.Glob(opts.sys("/block/*/queue/rotational"))
	sort.Strings(rot)
	for _, p := range rot {
		dev := filepath.Base(filepath.Dir(filepath.Dir(p)))
		switch b, _ := os.ReadFile(p); {
		case bytes.HasPrefix(b, []byte("0")):
			ssds = append(ssds, dev)
		case bytes.HasPrefix(b, []byte("1")):
			disks = append(disks, dev)
		}
	}
	g["disks"], g["ssds"] = disks, ssds

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
