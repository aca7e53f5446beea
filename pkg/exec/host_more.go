package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/brine-cm/brine/states"
)

// disk.percent and status.cpuinfo, as Salt's salt/modules/disk.py and
// status.py read them on Linux: df -P's capacity by mount point, and
// /proc/cpuinfo's fields.

func init() {
	register("disk.percent", diskPercent, "Return the capacity used of each mounted filesystem (\"42%\") by mount point, as df -P reports it; with a mount point, that one's ({} when it is not mounted).",
		states.Param{Name: "args", Type: states.String, Doc: "one mount point, such as /var."})
	register("status.cpuinfo", statusCPUInfo, "Return the fields of /proc/cpuinfo, each the last processor's value; flags as a list.")
}

func diskPercent(ctx context.Context, c *call) Return {
	cmd := exec.CommandContext(ctx, "df", "-P")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && (!errors.As(err, &ee) || len(out) == 0) {
		return commandError(fmt.Sprintf("df -P: %v", err))
	}
	ret := parsePercent(string(out))
	if arg := c.str("args"); arg != "" {
		v, ok := ret[arg]
		if !ok {
			c.host.Log.Error(fmt.Sprintf("Problem parsing disk usage information: Partition '%s' does not exist!", arg))
			return nested(map[string]any{})
		}
		return nested(v)
	}
	return nested(ret)
}

// parsePercent is Salt's disk.percent parse of df -P: a filesystem name
// with spaces is joined up to the first number; the capacity (fifth
// field) by the sixth, the mount point's first word.
func parsePercent(out string) map[string]any {
	ret := map[string]any{}
	for _, line := range strings.Split(out, "\n") {
		if line == "" || strings.HasPrefix(line, "Filesystem") {
			continue
		}
		comps := strings.Fields(line)
		for len(comps) >= 2 && !isDigits(comps[1]) {
			comps[0] = comps[0] + " " + comps[1]
			comps = append(comps[:1], comps[2:]...)
		}
		if len(comps) < 2 {
			continue
		}
		if len(comps) < 6 {
			// Salt's IndexError: it logs and starts again from nothing.
			ret = map[string]any{}
			continue
		}
		ret[comps[5]] = comps[4]
	}
	return ret
}

// isDigits is Python's str.isdigit for ASCII text.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func statusCPUInfo(_ context.Context, _ *call) Return {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		// Salt's linux_cpuinfo passes on an OSError: {}.
		return nested(map[string]any{})
	}
	return nested(parseCPUInfo(string(b)))
}

// parseCPUInfo is Salt's linux_cpuinfo: each "key : value" line, the
// last one of a key winning; flags split into a list. A line without a
// colon is Salt's IndexError, which fails the call; here it is skipped.
func parseCPUInfo(s string) map[string]any {
	ret := map[string]any{}
	for _, line := range strings.Split(s, "\n") {
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		// Salt splits on every colon and keeps the second part.
		v, _, _ = strings.Cut(v, ":")
		k = strings.TrimSpace(k)
		if k == "flags" {
			l := []any{}
			for _, f := range strings.Fields(v) {
				l = append(l, f)
			}
			ret[k] = l
			continue
		}
		ret[k] = strings.TrimSpace(v)
	}
	return ret
}
