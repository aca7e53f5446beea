// Package systest holds brine's system tests: brine runs against real
// Debian roots (test/testbed) in overlays, booted containers and folders
// for --root. They need root and are built only with the systest tag:
//
//	sudo test/systest/run.sh
//
// which installs the tools and runs go test -tags systest.
package systest
