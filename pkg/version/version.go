// Package version holds brine's version, set at build time with
// -ldflags "-X github.com/brine-cm/brine/pkg/version.Version=…" (the
// Makefile passes `git describe --tags --always --dirty`). A build without
// it (go build, go install) falls back to the VCS revision Go stamps into
// the binary: 0.1.0-dev+REV, with -dirty when the tree had changes.
package version

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Dev is the version of a build that was given none.
const Dev = "0.1.0-dev"

// Version is brine's release version.
var Version = Dev

func init() {
	if Version != Dev {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		Version = fromBuildInfo(Version, bi)
	}
}

// fromBuildInfo appends the VCS revision of a build to v: v+REV[-dirty].
func fromBuildInfo(v string, bi *debug.BuildInfo) string {
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v += "+" + rev
	if dirty {
		v += "-dirty"
	}
	return v
}

// Modules of the NATS libraries brine is built with.
const (
	NATSServerModule = "github.com/nats-io/nats-server/v2"
	NATSClientModule = "github.com/nats-io/nats.go"
)

// Dep returns the version of a module linked into this binary, or
// "unknown" when the build carries no module information.
func Dep(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return depOf(bi, path)
}

func depOf(bi *debug.BuildInfo, path string) string {
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil && d.Replace.Version != "" {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "unknown"
}

// Go is the Go release brine was built with.
func Go() string { return runtime.Version() }

// Line is the text of `brine --version`: the version, then what it was
// built with.
func Line() string {
	return Version + " (" + strings.Join([]string{Go(), runtime.GOOS + "/" + runtime.GOARCH,
		"nats-server " + Dep(NATSServerModule), "nats.go " + Dep(NATSClientModule)}, ", ") + ")"
}
