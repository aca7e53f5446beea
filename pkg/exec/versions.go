package exec

import (
	"bufio"
	"context"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/brine-cm/brine/pkg/version"
)

func init() {
	register("test.versions_report", testVersionsReport,
		"Return the versions of brine, Go, the NATS server and client it is built with, and the host's OS and kernel, as Salt's test.versions_report.")
	register("test.versions", testVersionsReport, "test.versions_report, by its other name.")
}

func testVersionsReport(context.Context, *call) Return {
	return nested(versionsReport("/etc/os-release"))
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
