package exec

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/states"
)

// Salt's disk.blkid (salt/modules/disk.py), which public trees call while
// rendering for a device's UUID or PARTUUID (fstab lines, crypttab,
// bootloader entries).

func init() {
	register("disk.blkid", diskBlkid, "Return block device attributes (UUID, LABEL, TYPE, PARTUUID…) by device, as blkid reports them: disk.blkid /dev/sda1, or token='TYPE=ext4'.",
		states.Param{Name: "device", Type: states.String, Doc: "only this device."},
		states.Param{Name: "token", Type: states.String, Doc: "only devices with this NAME=value, when no device is named."})
}

// blkidQuotes is Salt's re.split('"*"', …): a run of quotes.
var blkidQuotes = regexp.MustCompile(`"+`)

func diskBlkid(ctx context.Context, c *call) Return {
	args := []string{}
	if dev := c.str("device"); dev != "" {
		args = append(args, dev)
	} else if tok := c.str("token"); tok != "" {
		args = append(args, "-t", tok)
	}
	out, code, found, err := runTool(ctx, "blkid", args)
	switch {
	case err != nil:
		return failed(fmt.Sprintf("disk.blkid: %v", err))
	case !found:
		// Salt's module is not loaded without blkid.
		return failed("disk.blkid: blkid is not installed")
	}
	ret := map[string]any{}
	if code > 0 {
		return nested(ret)
	}
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		comps := strings.Fields(line)
		if len(comps) == 0 {
			continue
		}
		dev := comps[0][:len(comps[0])-1] // the device, without its colon
		_, rest, _ := strings.Cut(line, " ")
		parts := blkidQuotes.Split(rest, -1)
		info := map[string]any{}
		for i := 0; i+1 < len(parts); i += 2 {
			key := strings.Trim(strings.Trim(parts[i], "="), " ")
			info[key] = strings.Trim(parts[i+1], `"`)
		}
		ret[dev] = info
	}
	return nested(ret)
}
