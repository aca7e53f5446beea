// Package version holds brine's version, set at build time with
// -ldflags "-X github.com/brine-cm/brine/pkg/version.Version=…".
package version

// Version is brine's release version.
var Version = "0.1.0-dev"
