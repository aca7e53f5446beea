package exec

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/brine-cm/brine/pkg/version"
)

func init() {
	register("test.versions_report", testVersionsReport,
		"Return the versions of brine, Go, the NATS server and client it is built with, and the host's OS and kernel, as text laid out as Salt's test.versions_report.")
	register("test.versions", testVersionsReport, "test.versions_report, by its other name.")
}

// testVersionsReport returns the report as text, as Salt's
// test.versions_report does ("\n".join(salt.version.versions_report())).
func testVersionsReport(context.Context, *call) Return {
	return nested(versionsText(versionsReport("/etc/os-release")))
}

// versionsText lays the report out as salt.version.versions_report does:
// each group's title, then its names right-aligned to one width (the
// longest name, or "Not Installed", and one more), sorted without regard
// to case, and a line of one blank after each group.
func versionsText(r map[string]any) string {
	const notInstalled = "Not Installed"
	groups := []string{"brine Version", "Dependency Versions", "System Versions"}
	pad := len(notInstalled)
	for _, g := range groups[1:] {
		m, _ := r[g].(map[string]any)
		for name := range m {
			pad = max(pad, len(name))
		}
	}
	pad++
	var lines []string
	for _, g := range groups {
		lines = append(lines, g+":")
		m, _ := r[g].(map[string]any)
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
		for _, n := range names {
			v := fmt.Sprint(m[n])
			if v == "" {
				v = notInstalled
			}
			lines = append(lines, fmt.Sprintf("%*s: %s", pad, n, v))
		}
		lines = append(lines, " ")
	}
	return strings.Join(lines, "\n")
}

// versionsReport is test.versions_report's value, grouped as Salt's is.
func versionsReport(osRelease string) map[string]any {
	system := map[string]any{"os": osName(osRelease)}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		system["system"] = unix.ByteSliceToString(u.Sysname[:])
		system["release"] = unix.ByteSliceToString(u.Release[:])
		system["machine"] = unix.ByteSliceToString(u.Machine[:])
	}
	return map[string]any{
		"brine Version": map[string]any{"brine": version.Version},
		"Dependency Versions": map[string]any{
			"Go":          version.Go(),
			"nats-server": version.Dep(version.NATSServerModule),
			"nats.go":     version.Dep(version.NATSClientModule),
		},
		"System Versions": system,
	}
}

// osName is PRETTY_NAME of an os-release file, or "unknown".
func osName(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return "unknown"
}
