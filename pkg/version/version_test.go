package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	rev := "0123456789abcdef0123"
	for _, tc := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{nil, Dev},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: rev}}, Dev + "+0123456789ab"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}, Dev + "+0123456789ab-dirty"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "abc"}, {Key: "vcs.modified", Value: "false"}}, Dev + "+abc"},
	} {
		if got := fromBuildInfo(Dev, &debug.BuildInfo{Settings: tc.settings}); got != tc.want {
			t.Errorf("fromBuildInfo(%v) = %q; want %q", tc.settings, got, tc.want)
		}
	}
}

func TestDepOf(t *testing.T) {
	bi := &debug.BuildInfo{Deps: []*debug.Module{
		{Path: NATSClientModule, Version: "v1.2.3"},
		{Path: NATSServerModule, Version: "v2.0.0", Replace: &debug.Module{Path: "x", Version: "v2.0.1"}},
	}}
	for _, tc := range []struct{ path, want string }{
		{NATSClientModule, "v1.2.3"}, {NATSServerModule, "v2.0.1"}, {"nope", "unknown"},
	} {
		if got := depOf(bi, tc.path); got != tc.want {
			t.Errorf("depOf(%q) = %q; want %q", tc.path, got, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	if l := Line(); !strings.HasPrefix(l, Version+" (go") {
		t.Errorf("Line() = %q; want the version, then the Go release", l)
	}
}
